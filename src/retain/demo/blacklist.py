"""The demo's blacklist (docs/cases.md, "Blacklist"), as columns: a few entries per dealer, each
following the written principles.

Per dealer 3 + one per thousand customers: one or two proposals awaiting a manager's decision,
the rest approved and in force (55%), expired (15%), lifted with a reason (15%) or rejected with
a note (15%). A reason from the five, evidence saying what happened, when, who saw it and where
the record is kept; proposed by the customer's consultant (their own customer) or the dealer's
service manager or marketing desk, decided by a manager who is not the proposer; a term of six,
twelve or (nearly) twenty-four months, never more. The customers are people of the dealer who
were sent no survey invitation and no survey or marketing message from the entry's first day
on, so no message of the demo went to someone while their entry was in force.
"""

import numpy as np

from retain.cases.models import EntryStatus, Reason
from retain.channels.models import Purpose

from . import case_texts as texts
from . import columns as col

DAY = np.timedelta64(1, "D")
LOCAL_OFFSET = np.timedelta64(8 * 3600, "s")
BASE, PER_CUSTOMERS = 3, 1000
STATUSES = {EntryStatus.ACTIVE: 55, EntryStatus.EXPIRED: 15, EntryStatus.LIFTED: 15, EntryStatus.REJECTED: 15}
REASONS = {Reason.ABUSE: 30, Reason.UNREASONABLE: 30, Reason.NO_CONTACT: 20, Reason.FRAUD: 10, Reason.LEGAL: 10}
#: Terms in days (24 months is at least 730 days: 720 stays inside the maximum).
TERMS = np.array([180, 365, 720])


def _last_contact(data, invitation_tables: list[dict], n_customers: int) -> np.ndarray:
    """Each customer's last day with a survey invitation or a survey or marketing message."""
    last = np.full(n_customers, np.datetime64("1900-01-01"), dtype="datetime64[D]")
    for invitations in invitation_tables:
        who = np.ma.filled(invitations["customer_id"], 0)
        mine = who > 0
        np.maximum.at(last, who[mine] - 1, invitations["created_at"][mine].astype("datetime64[D]"))
    messages = data.tables["channels.Message"]
    sent = np.isin(messages["purpose"], [Purpose.SURVEY.value, Purpose.MARKETING.value])
    np.maximum.at(last, messages["customer_id"][sent] - 1, messages["queued_at"][sent].astype("datetime64[D]"))
    return last


def add_blacklist(data, world, people, invitation_tables: list[dict], today, rng) -> dict:
    customers = data.tables["customers.Customer"]
    n_customers = len(customers["id"])
    person = (customers["kind"] == "person") & people.customer_active
    last = _last_contact(data, invitation_tables, n_customers)
    eligible = np.flatnonzero(person)
    order = eligible[np.lexsort((last[eligible], world.customer_dealer[eligible]))]
    bounds = np.searchsorted(world.customer_dealer[order], np.arange(world.n_dealers + 1))
    sizes = BASE + np.bincount(world.customer_dealer, minlength=world.n_dealers) // PER_CUSTOMERS
    n = int(sizes.sum())
    dealer = np.repeat(np.arange(world.n_dealers), sizes)
    first = np.r_[True, dealer[1:] != dealer[:-1]]
    proposal = first | (np.r_[False, first[:-1]] & (rng.random(n) < 0.4))  # one or two a dealer
    status = np.full(n, EntryStatus.PROPOSED.value, dtype=object)
    status[~proposal] = col.exactly(rng, [s.value for s in STATUSES], list(STATUSES.values()), int((~proposal).sum()))
    status = status.astype(str)
    # The days, counted back from today.
    proposed_ago = np.select([status == s.value for s in (EntryStatus.PROPOSED, EntryStatus.ACTIVE,
                                                           EntryStatus.EXPIRED, EntryStatus.LIFTED)],
                             [rng.integers(1, 20, n), rng.integers(10, 600, n), rng.integers(200, 760, n),
                              rng.integers(60, 500, n)], rng.integers(5, 400, n))
    proposed_day = today - proposed_ago * DAY
    decided_day = np.minimum(proposed_day + rng.integers(0, 4, n) * DAY, today - DAY)
    decided = status != EntryStatus.PROPOSED.value
    starts = np.where(decided & (status != EntryStatus.REJECTED.value), decided_day, proposed_day)
    term = TERMS[rng.integers(0, TERMS.size, n)]
    # In force: ends after today; expired: has ended; lifted: runs past its lifting.
    term = np.where(status == EntryStatus.ACTIVE.value, np.maximum(term, (today - starts).astype(np.int64) + 30), term)
    term = np.where(status == EntryStatus.EXPIRED.value,
                    np.minimum(term, (today - starts).astype(np.int64) - 1), term)
    term = np.where(status == EntryStatus.LIFTED.value, TERMS[-1], np.minimum(term, TERMS[-1]))
    term = np.where(status == EntryStatus.PROPOSED.value, np.maximum(term, 30), term)
    expires = starts + np.maximum(term, 1) * DAY
    lifted_day = np.minimum(starts + rng.integers(10, 400, n) * DAY, today - DAY)
    lifted_day = np.maximum(lifted_day, starts + DAY)
    # Who: a customer with no survey or marketing contact from the entry's first day on.
    customer = np.zeros(n, dtype=np.int64)
    used: set[int] = set()
    for k in range(n):  # a few per dealer
        d = dealer[k]
        lo, hi = bounds[d], bounds[d + 1]
        stop = lo + int(np.searchsorted(last[order[lo:hi]], starts[k]))
        pool = order[lo:stop] if stop > lo else order[lo:hi]
        pick = int(pool[rng.integers(0, pool.size)])
        for _ in range(20):
            if pick not in used:
                break
            pick = int(pool[rng.integers(0, pool.size)])
        used.add(pick)
        customer[k] = pick
    keep = np.unique(customer, return_index=True)[1]  # one entry per customer
    keep.sort()
    reason = col.pick(rng, [r.value for r in REASONS], list(REASONS.values()), n)
    owner = world.owner[customer]
    desk = np.where(rng.random(n) < 0.5, people.service_manager[dealer], people.marketing[dealer])
    proposer = np.where((owner > 0) & (rng.random(n) < 0.5), owner, desk)
    decider = np.where(rng.random(n) < 0.5, people.gm[dealer], people.service_manager[dealer])
    decider = np.where(decider == proposer, people.gm[dealer], decider)
    lifter = people.gm[dealer]
    ended = status == EntryStatus.EXPIRED.value
    lifted = status == EntryStatus.LIFTED.value
    note = np.where(status == EntryStatus.REJECTED.value, texts.draw(rng, texts.DECISION_NOTES["rejected"], n),
                    texts.draw(rng, texts.DECISION_NOTES["approved"], n))

    def moment(day, lo=1.0, hi=9.0):
        return col.datetimes(rng, day, lo, hi)

    proposed_at = moment(proposed_day)
    decided_at = np.maximum(moment(decided_day), proposed_at + np.timedelta64(600, "s"))  # after the proposal

    table = {
        "customer_id": customer + 1, "dealer_id": dealer + 1, "reason": reason,
        "evidence": texts.draw_by(rng, texts.BLACKLIST_EVIDENCE, reason).astype(str),
        "starts_on": starts, "expires_on": expires, "status": status,
        "proposed_by_id": proposer, "proposed_at": proposed_at,
        "decided_by_id": col.masked(decider, ~decided), "decided_at": col.masked(decided_at, ~decided),
        "decision_note": np.where(decided, note, ""),
        "lifted_by_id": col.masked(lifter, ~lifted), "lifted_at": col.masked(moment(lifted_day), ~lifted),
        "lift_reason": np.where(lifted, texts.draw(rng, texts.LIFT_REASONS, n), ""),
        "expired_at": col.masked(expires.astype("datetime64[s]") - LOCAL_OFFSET + np.timedelta64(7, "h"), ~ended),
    }
    return {"cases.BlacklistEntry": {"id": col.ids(keep.size), **{name: column[keep] for name, column in table.items()}}}
