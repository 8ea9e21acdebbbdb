"""A year of outbound messages for the demo, as columns (the channels app).

``add_messages(data, rng, today)`` appends, after the customer tables: each dealer's channel
settings (quiet hours 21:00-09:00, the caps' defaults, a gateway URL on the loopback that
nothing listens on, so a demo worker's retries fail locally and end as dead letters), the preset
templates of every kind in both languages, about 0.6 messages per customer over the year before
``today`` and the delivery attempts of those that went to the gateway or the mail server. It
also gives a quarter of the people an e-mail address and 2% English as their language.

What is planted: the send-time rules as the channels app applies them to the demo's own
consent records (a marketing message to a customer without marketing consent is suppressed,
``no_consent`` or ``consent_withdrawn``; an e-mail to a customer without an address,
``no_address``; 3% of the rest of the marketing hit the frequency cap); outbox messages are
sent by hand (90% of those older than three days, by the customer's owner or the dealer's first
consultant); the gateway's delivered 88%, sent 8%, dead-lettered after five tries 4%, and a
quarter of those of the last two weeks fail with a retry due; e-mail sent 95%, dead 5% (an
address the server refused).
"""

import numpy as np

from retain.channels import kinds, rendering
from retain.channels.models import AttemptOutcome, Channel, MessageStatus, Purpose, SuppressionCode
from retain.channels.services.templates import preset_rows

from . import columns as col
from .records import DemoData

MESSAGES_PER_CUSTOMER = 0.6
#: Kinds the demo sends, with their shares.
KINDS = {"care.birthday": 3, "care.festival": 4, "care.service_due": 5, "care.insurance_renewal": 3,
         "care.annual_inspection": 2, "care.after_delivery_d7": 1, "survey.invitation": 3}
CHANNELS, CHANNEL_SHARES = [Channel.OUTBOX.value, Channel.WEBHOOK.value, Channel.EMAIL.value], [6, 3, 1]
GATEWAY_URL = "http://127.0.0.1:9/sms-gateway"  # the discard port: nothing answers, nothing leaves the machine
FESTIVALS = {"zh-hans": ["春节", "端午节", "中秋节", "国庆节"], "en": ["Spring Festival", "Dragon Boat Festival",
                                                                  "Mid-Autumn Festival", "National Day"]}
MAX_TRIES = 5


def add_messages(data: DemoData, rng, today) -> None:
    today = np.datetime64(today, "D")
    customers = data.tables["customers.Customer"]
    dealers = data.tables["org.Dealer"]
    n_customers, n_dealers = len(customers["id"]), len(dealers["id"])
    person = customers["kind"] == "person"
    customers["email"] = np.where(person & (rng.random(n_customers) < 0.25),
                                  np.char.add(np.char.add("c", customers["id"].astype(str)), "@example.cn"), "")
    customers["language"] = np.where(person & (rng.random(n_customers) < 0.02), "en", "")

    data.tables["channels.ChannelSettings"] = _settings(dealers, n_dealers)
    template_ids = _templates(data, dealers["id"])

    n = int(n_customers * MESSAGES_PER_CUSTOMER)
    who = rng.integers(0, n_customers, size=n)
    kind = col.pick(rng, list(KINDS), list(KINDS.values()), n)
    vehicle = _first_vehicles(data, n_customers)[who]
    about_car = np.isin(kind, [code for code in KINDS if kinds.get(code).about_vehicle])
    kind = np.where(about_car & (vehicle < 0), "care.birthday", kind)  # no car on record: a greeting instead
    about_car &= vehicle >= 0
    purpose = np.select([kind == code for code in KINDS], [kinds.get(code).purpose for code in KINDS], "")
    channel = col.pick(rng, CHANNELS, CHANNEL_SHARES, n)
    day = np.sort(today - rng.integers(0, 365, size=n) * np.timedelta64(1, "D"))  # ids follow the days
    queued = col.datetimes(rng, day, 1.0, 12.0)  # 09:00-20:00 Beijing
    language = np.where(customers["language"][who] == "en", "en", "zh-hans")
    dealer_id = customers["dealer_id"][who]

    status, code = _rules(data, rng, who, purpose, channel, customers["email"][who] != "")
    outbox_sent = (channel == Channel.OUTBOX) & (status == "") & (day < today - 3) & (rng.random(n) < 0.9)
    gateway = np.where(channel == Channel.WEBHOOK, col.pick(rng, ["delivered", "sent", "dead"], [88, 8, 4], n),
                       col.pick(rng, ["sent", "dead"], [95, 5], n))
    retrying = (channel == Channel.WEBHOOK) & (day >= today - 14) & (rng.random(n) < 0.25)  # retries are recent
    gateway = np.where(retrying, "failed", gateway)
    status = np.where(status != "", status, np.where(channel == Channel.OUTBOX,
                                                     np.where(outbox_sent, "sent", "queued"), gateway))
    tries = np.select([status == "failed", status == "dead", np.isin(status, ["sent", "delivered"])
                       & (channel != Channel.OUTBOX)], [rng.integers(1, 3, size=n), MAX_TRIES, 1], 0)
    tries = np.where(outbox_sent, 1, tries)
    sent = np.isin(status, ["sent", "delivered"])
    sent_at = queued + rng.integers(60, 4 * 3600, size=n).astype("timedelta64[s]")
    failed_last = np.where(channel == Channel.EMAIL, "SMTPRecipientsRefused: 550 no such user here",
                           "URLError: [Errno 111] Connection refused")
    owner = np.ma.getdata(customers["owner_id"])[who]
    first_consultant = _first_consultants(data)[dealer_id - 1]
    sent_by = np.where(np.ma.getmaskarray(customers["owner_id"])[who], first_consultant, owner)
    ids = col.ids(n)
    body, subject = _texts(data, rng, kind, language, who, vehicle, dealer_id, queued, ids)
    template = template_ids[dealer_id - 1, np.searchsorted(CODES, kind), (language == "en").astype(np.int64)]
    labels = {c.value: str(c.label) for c in SuppressionCode}  # as queue_message stores them (the build's language)
    data.tables["channels.Message"] = {
        "id": ids, "dealer_id": dealer_id, "customer_id": customers["id"][who],
        "vehicle_id": col.masked(vehicle + 1, ~about_car), "purpose": purpose, "channel": channel,
        "template_id": template, "template_code": kind, "language": language, "subject": subject, "body": body,
        "address": np.where(sent, np.where(channel == Channel.EMAIL, customers["email"][who], customers["mobile"][who]),
                            ""),
        "status": status, "suppression_code": code,
        "suppression_label": np.select([code == c for c in labels], list(labels.values()), ""),
        "attempts": tries,
        "next_attempt_at": col.masked(np.datetime64(today, "s") + np.timedelta64(3600 * 12, "s")
                                      + np.zeros(n, dtype="timedelta64[s]"), status != "failed"),
        "last_attempt_at": col.masked(sent_at, tries == 0),
        "last_error": np.where(np.isin(status, ["failed", "dead"]), failed_last, ""),
        "queued_at": queued, "sent_at": col.masked(sent_at, ~sent),
        "delivered_at": col.masked(sent_at + np.timedelta64(20, "s"), status != "delivered"),
        "key": np.char.add("demo:", ids.astype(str)), "queued_by_id": col.nulls(n, np.int64),
        "origin": np.where(kind == "survey.invitation", "surveys.dispatch", "care.generate"),
        "sent_by_id": col.masked(sent_by, ~outbox_sent),
    }
    _attempts(data, rng, ids, tries, status, sent_at, failed_last, channel)


def _settings(dealers, n: int) -> dict:
    return {
        "id": col.ids(n), "dealer_id": dealers["id"], "default_channel": np.full(n, Channel.OUTBOX.value),
        "default_language": np.full(n, "zh-hans"), "time_zone": np.full(n, "Asia/Shanghai"),
        "quiet_start": np.full(n, "21:00:00"), "quiet_end": np.full(n, "09:00:00"),
        "cap_days": np.full(n, 7), "marketing_cap": np.full(n, 2), "survey_cap": np.full(n, 2),
        "webhook_url": np.full(n, GATEWAY_URL),
        "webhook_secret": np.char.add("demo-gateway-secret-", dealers["code"]).astype(object),
        "webhook_timeout": np.full(n, 10), "max_attempts": np.full(n, MAX_TRIES), "retry_seconds": np.full(n, 60),
        "email_from": np.full(n, ""), "updated_at": np.full(n, np.datetime64("2026-01-01T00:00:00", "s")),
        "updated_by_id": col.nulls(n, np.int64),
    }


#: The kinds in sorted order: a message's kind is found in it with ``searchsorted``.
CODES = np.array(sorted(kinds.KINDS))
LANGUAGES = ("zh-hans", "en")


def _templates(data: DemoData, dealer_ids) -> np.ndarray:
    """The template rows; answers their ids as [dealer - 1, kind (in ``CODES``), language (0 zh, 1 en)]."""
    rows = [row for dealer in dealer_ids.tolist() for row in preset_rows(dealer)]
    n = len(rows)
    data.tables["channels.Template"] = {
        "id": col.ids(n), "dealer_id": np.array([r.dealer_id for r in rows]),
        "code": np.array([r.code for r in rows]), "language": np.array([r.language for r in rows]),
        "purpose": np.array([r.purpose for r in rows]), "subject": np.array([r.subject for r in rows]),
        "body": np.array([r.body for r in rows]), "updated_at": np.full(n, np.datetime64("2026-01-01T00:00:00", "s")),
        "updated_by_id": col.nulls(n, np.int64),
    }
    ids = np.zeros((len(dealer_ids), len(CODES), len(LANGUAGES)), dtype=np.int64)
    for i, row in enumerate(rows):  # a few hundred rows: the dealers' kinds, not their messages
        ids[row.dealer_id - 1, np.searchsorted(CODES, row.code), LANGUAGES.index(row.language)] = i + 1
    return ids


def _first_vehicles(data: DemoData, n_customers: int) -> np.ndarray:
    """Per customer index: the index of their first vehicle, or -1."""
    owners = data.tables["customers.Vehicle"]["customer_id"] - 1
    first = np.full(n_customers, -1, dtype=np.int64)
    unique, index = np.unique(owners, return_index=True)
    first[unique] = index
    return first


def _first_consultants(data: DemoData) -> np.ndarray:
    staff = data.tables["org.Staff"]
    consultant = np.flatnonzero(staff["role"] == "consultant")
    dealers = np.ma.getdata(staff["dealer_id"])[consultant]
    unique, index = np.unique(dealers, return_index=True)
    first = np.zeros(unique.max() + 1 if unique.size else 1, dtype=np.int64)
    first[unique] = staff["id"][consultant[index]]
    return first[1:]


def _rules(data: DemoData, rng, who, purpose, channel, has_email):
    """Status "suppressed" and the code where a rule stops the message; "" where none does."""
    consents = data.tables["customers.Consent"]
    n_customers = len(data.tables["customers.Customer"]["id"])
    marketing = consents["purpose"] == "marketing"
    state = np.zeros(n_customers, dtype=np.int8)  # 0 none on record, 1 granted, 2 withdrawn (one row each)
    state[consents["customer_id"][marketing] - 1] = np.where(consents["granted"][marketing], 1, 2)
    service = consents["purpose"] == "service"
    refused = np.zeros(n_customers, dtype=bool)
    refused[consents["customer_id"][service] - 1] = ~consents["granted"][service]
    is_marketing = purpose == Purpose.MARKETING
    code = np.select(
        [is_marketing & (state[who] == 0), is_marketing & (state[who] == 2), ~is_marketing & refused[who],
         (channel == Channel.EMAIL) & ~has_email, is_marketing & (rng.random(who.size) < 0.03)],
        [SuppressionCode.NO_CONSENT.value, SuppressionCode.CONSENT_WITHDRAWN.value,
         SuppressionCode.CONSENT_WITHDRAWN.value, SuppressionCode.NO_ADDRESS.value,
         SuppressionCode.FREQUENCY_CAP.value], "")
    return np.where(code != "", MessageStatus.SUPPRESSED.value, ""), code


def _texts(data: DemoData, rng, kind, language, who, vehicle, dealer_id, queued, ids):
    """Each message's subject and text: the preset of its kind and language with its values,
    built a piece at a time over whole columns (one pass per kind and language)."""
    customers, vehicles = data.tables["customers.Customer"], data.tables["customers.Vehicle"]
    dealer_names = data.tables["org.Dealer"]["name"]
    n = who.size
    has_car = vehicle >= 0
    car = np.where(has_car, vehicle, 0)
    due = (queued.astype("datetime64[D]") + np.timedelta64(30, "D")).astype(str)
    festival = rng.integers(0, 4, size=n)
    values = {
        "customer_name": customers["name"][who], "dealer_name": dealer_names[dealer_id - 1],
        "plate": np.where(has_car, vehicles["plate"][car], ""),
        "vehicle_model": np.where(has_car, np.char.add(np.char.add(vehicles["make"][car], " "), vehicles["model"][car]),
                                  ""),
        "due_date": due, "expiry_date": due, "days_left": np.full(n, "30"), "vehicle_age": np.full(n, "8"),
        "survey_link": np.char.add("https://retain.example/s/", ids.astype(str)),
    }
    body, subject = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    templates = {(t.code, t.language): t for t in preset_rows(0)}
    for (code, lang), template in templates.items():
        rows = np.flatnonzero((kind == code) & (language == lang))
        if not rows.size:
            continue
        values["festival"] = np.asarray(FESTIVALS[lang])[festival[rows]]
        for target, text in ((body, template.body), (subject, template.subject)):
            built = np.full(rows.size, "", dtype=object)
            for literal, name in rendering.parse(text):
                built = built + literal
                if name:
                    column = values[name] if name == "festival" else values[name][rows]
                    built = built + column.astype(object)
            target[rows] = built
    return body.astype(str), subject.astype(str)


def _attempts(data: DemoData, rng, ids, tries, status, sent_at, failed_last, channel) -> None:
    """One row per try of the messages that went to the gateway or the mail server, a minute
    apart, the last one at ``sent_at``."""
    gone = np.flatnonzero((channel != Channel.OUTBOX) & (tries > 0))
    count = tries[gone]
    group, number, _start = col.groups(count)
    message = gone[group]
    last = number == count[group] - 1
    ok = last & np.isin(status[message], ["sent", "delivered"])
    outcome = np.where(ok, AttemptOutcome.SENT.value,
                       np.where(last & (status[message] == "dead"), AttemptOutcome.DEAD.value,
                                AttemptOutcome.RETRY.value))
    size = message.size
    data.tables["channels.DeliveryAttempt"] = {
        "id": col.ids(size), "message_id": ids[message], "number": number + 1,
        "at": sent_at[message] - ((count[group] - 1 - number) * 60).astype("timedelta64[s]"), "outcome": outcome,
        "status_code": col.masked(np.full(size, 200), ~(ok & (channel[message] == Channel.WEBHOOK))),
        "error": np.where(ok, "", failed_last[message]),
        "duration_ms": rng.integers(200, 900, size=size),
    }
