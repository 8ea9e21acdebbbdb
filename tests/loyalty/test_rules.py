"""Earning under a programme's rules (``services.rules``, ``services.bulk``): points per kind with
the tier multiplier, the caps per day and per year, the exclusions, hand-computed; each record
once, however often and however concurrently the job runs beside a single earn; bad rules refused
naming the field, nothing changed."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from retain.customers.models import Tag, Transaction
from retain.jobs.registry import job
from retain.loyalty import balances
from retain.loyalty.models import EarningRule, Membership, Tier, TierChange, Transfer
from retain.loyalty.services import bulk, ledger, points, rules
from retain.org.models import AuditEvent
from tests.conftest import make_customer

AS_OF = dt.date(2026, 6, 30)

#: The rules under test: a point per yuan of service from 50 yuan, at most 1,000 a day and 1,500
#: a year; a point per 10 yuan of a car; parts off; tiers at 0 / 2,000 / 10,000 earning 100/150/200 %.
RULES = {"service": {"active": True, "points_per_100_yuan": 100, "min_amount_cents": 5_000, "day_cap": 1_000,
                     "year_cap": 1_500},
         "vehicle_sale": {"points_per_100_yuan": 10, "day_cap": None, "year_cap": None},
         "parts": {"active": False}}
TIERS = [{"name": "普卡", "threshold": 0, "multiplier_percent": 100},
         {"name": "银卡", "threshold": 2_000, "multiplier_percent": 150, "priority_booking": True},
         {"name": "金卡", "threshold": 10_000, "multiplier_percent": 200, "courtesy_car": True,
          "free_washes_per_year": 12, "benefits": "专属服务顾问\n上门取送车"}]


@pytest.fixture
def programme(org):
    rules.set_rules(actor=org.staff["service_manager"], dealer_id=org.d1.pk, rules=RULES, tiers=TIERS)
    return ledger.programme_for(org.d1.pk)


def _txn(customer, kind, day, yuan):
    return Transaction.objects.create(customer=customer, dealer=customer.dealer, kind=kind, date=day,
                                      amount_cents=int(yuan * 100), reference="")


def _earned(customer) -> dict:
    return {int(t.source.split(":")[1]): t.amount for t in Transfer.objects.filter(
        kind="earn", credit__customer=customer, source__startswith="txn:")}


def test_a_new_programme_has_the_default_rules_and_tiers(org):
    programme = ledger.programme_for(org.d2.pk)
    assert EarningRule.objects.get(programme=programme, trigger="service").points_per_100_yuan == 100
    assert list(Tier.objects.filter(programme=programme).values_list("name", "threshold", "multiplier_percent")) == [
        ("普卡", 0, 100), ("银卡", 5_000, 120), ("金卡", 20_000, 150)]
    assert programme.excluded_customer_kinds == ["company"] and programme.excluded_tags == ["员工"]


def test_rules_caps_exclusions_and_upgrade_hand_computed(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    fleet = make_customer(dealer=org.d1, name="车队公司", kind="company")
    staff = make_customer(dealer=org.d1, name="员工乙")
    staff.tags.add(Tag.objects.create(group=org.d1.region.group, name="员工"))
    rows = {
        "a": _txn(one, "service", dt.date(2026, 3, 1), 800),      # 800
        "b": _txn(one, "service", dt.date(2026, 3, 1), 500),      # day cap 1,000: 200
        "c": _txn(one, "service", dt.date(2026, 3, 2), 40),       # under 50 yuan: nothing
        "d": _txn(one, "service", dt.date(2026, 3, 5), 700),      # year cap 1,500 (1,000 before): 500
        "e": _txn(one, "service", dt.date(2026, 3, 6), 100),      # year cap reached: nothing
        "f": _txn(one, "parts", dt.date(2026, 3, 7), 1_000),      # parts off: nothing
        "g": _txn(one, "vehicle_sale", dt.date(2026, 3, 8), 200_000),  # 20,000 (multiplier 100 % at the start)
        "h": _txn(one, "insurance_claim", dt.date(2026, 3, 9), 5_000),  # no rule: nothing
        "x": _txn(fleet, "service", dt.date(2026, 3, 1), 1_000),  # a company: excluded
        "y": _txn(staff, "service", dt.date(2026, 3, 1), 1_000),  # tagged 员工: excluded
    }
    done = bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2026, 1, 1), end=AS_OF,
                                       as_of=AS_OF)
    assert done == {"transfers": 4, "spendable": 4, "pending": 0, "points": 21_500, "upgraded": 1}
    assert _earned(one) == {rows["a"].pk: 800, rows["b"].pk: 200, rows["d"].pk: 500, rows["g"].pk: 20_000}
    assert _earned(fleet) == {} and _earned(staff) == {}
    held = balances.of(one.pk)
    assert (held["balance"], held["qualifying_points"], held["tier"], held["next_tier"]) == (21_500, 21_500, "金卡",
                                                                                             None)
    change = TierChange.objects.get(membership__customer=one)
    assert (change.from_tier.name, change.to_tier.name, change.reason, change.day) == ("普卡", "金卡", "upgrade", AS_OF)
    assert Membership.objects.get(customer=one).joined_on == dt.date(2026, 3, 1)  # the first purchase
    # once per record: a second run adds nothing
    again = bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2026, 1, 1), end=AS_OF,
                                        as_of=AS_OF)
    assert again["transfers"] == 0 and balances.of(one.pk)["balance"] == 21_500
    # the next year: the caps start again, and a gold member earns 200 %: 300 yuan -> 600 points
    later = _txn(one, "service", dt.date(2027, 1, 5), 300)
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 10),
                                as_of=dt.date(2027, 1, 31))
    assert _earned(one)[later.pk] == 600


def test_the_caps_count_what_a_single_earn_already_gave(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    first = _txn(one, "service", dt.date(2026, 4, 1), 900)
    second = _txn(one, "service", dt.date(2026, 4, 1), 900)
    # the first earned at the desk under the rule (the caps count it through its trigger)
    points.earn(actor=None, customer_id=one.pk, points=900, pending=False, source=f"txn:{first.pk}",
                trigger="service", now=dt.datetime(2026, 4, 1, 4, tzinfo=dt.UTC))
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2026, 4, 1), end=AS_OF, as_of=AS_OF)
    assert _earned(one) == {first.pk: 900, second.pk: 100}  # the day's cap of 1,000


@pytest.mark.django_db(transaction=True)
def test_the_job_twice_side_by_side_and_a_single_earn_earn_each_record_once(org):
    ledger.programme_for(org.d1.pk)
    customers = [make_customer(dealer=org.d1, name=f"会员{n}") for n in range(5)]
    day = dt.date(2026, 5, 20)
    made = [_txn(c, "service", day - dt.timedelta(days=n), 100 + n) for n, c in enumerate(customers)]
    run = job("loyalty.earn").run
    errors = []

    def work(call):
        try:
            call()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    calls = [lambda: run(day), lambda: run(day), lambda: points.earn(
        actor=None, customer_id=customers[0].pk, points=100, pending=False, source=f"txn:{made[0].pk}",
        trigger="service")]
    threads = [threading.Thread(target=work, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert Transfer.objects.filter(kind="earn", source__startswith="txn:").count() == 5
    assert [balances.of(c.pk)["balance"] + balances.of(c.pk)["pending"] for c in customers] == [100, 101, 102, 103,
                                                                                                  104]


BAD = [
    ({"rules": {"service": {"day_cap": 0}}}, "rules.service.day_cap"),
    ({"rules": {"service": {"points_per_100_yuan": -1}}}, "rules.service.points_per_100_yuan"),
    ({"rules": {"service": {"points_per_100_yuan": "100"}}}, "rules.service.points_per_100_yuan"),
    ({"rules": {"teleport": {"points": 5}}}, "rules.teleport"),
    ({"rules": {"birthday": {"colour": "red"}}}, "rules.birthday.colour"),
    ({"tiers": [{"name": "普卡", "threshold": 10}]}, "tiers.0.threshold"),
    ({"tiers": [{"name": "普卡", "threshold": 0}, {"name": "银卡", "threshold": 0}]}, "tiers.1.threshold"),
    ({"tiers": [{"name": "", "threshold": 0}]}, "tiers.0.name"),
    ({"tiers": [{"name": "普卡", "threshold": 0, "multiplier_percent": 0}]}, "tiers.0.multiplier_percent"),
    ({"tiers": []}, "tiers"),
    ({"excluded_customer_kinds": ["alien"]}, "excluded_customer_kinds"),
    ({"excluded_tags": ["x\x00"]}, "excluded_tags"),
    ({"downgrade_grace_days": 400}, "downgrade_grace_days"),
    ({"reservation_hours": 0}, "reservation_hours"),
    ({"reservation_hours": 2161}, "reservation_hours"),
    ({"reservation_hours": -72}, "reservation_hours"),
    ({"reservation_hours": "72"}, "reservation_hours"),
    ({"reservation_hours": True}, "reservation_hours"),
    ({"reservation_hours": 1.5}, "reservation_hours"),
    ({"pending_days": 3}, "pending_days"),
]


@pytest.mark.parametrize("changes, field", BAD)
def test_bad_rules_are_refused_naming_the_field_and_change_nothing(org, programme, changes, field):
    before = rules.read(programme)
    audited = AuditEvent.objects.filter(action="points_rules.set").count()
    with pytest.raises(ValidationError) as refused:
        rules.set_rules(actor=org.staff["service_manager"], dealer_id=org.d1.pk, **changes)
    assert field in refused.value.message_dict
    assert rules.read(ledger.programme_for(org.d1.pk)) == before
    assert AuditEvent.objects.filter(action="points_rules.set").count() == audited


@pytest.mark.parametrize("changes, field", [c for c in BAD if c[1] not in ("pending_days", "excluded_tags")])
def test_bad_rules_through_the_api_are_422_naming_the_field(org, programme, client, changes, field):
    client.force_login(org.staff["service_manager"])
    before = rules.read(programme)
    answer = client.put(f"/api/v1/loyalty/programmes/{org.d1.pk}/rules", changes, content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert field in str(answer.json()["detail"])
    assert rules.read(ledger.programme_for(org.d1.pk)) == before


def test_the_api_reads_and_changes_the_rules(org, programme, client):
    client.force_login(org.staff["service_manager"])
    read = client.get(f"/api/v1/loyalty/programmes/{org.d1.pk}/rules").json()
    assert [t["name"] for t in read["tiers"]] == ["普卡", "银卡", "金卡"]
    service = next(r for r in read["rules"] if r["trigger"] == "service")
    assert (service["points_per_100_yuan"], service["day_cap"], service["year_cap"]) == (100, 1_000, 1_500)
    answer = client.put(f"/api/v1/loyalty/programmes/{org.d1.pk}/rules",
                        {"rules": {"birthday": {"points": 888}}, "downgrade_grace_days": 15, "reservation_hours": 2160},
                        content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert next(r for r in answer.json()["rules"] if r["trigger"] == "birthday")["points"] == 888
    assert (answer.json()["downgrade_grace_days"], answer.json()["reservation_hours"]) == (15, 2160)
    assert ledger.programme_for(org.d1.pk).reservation_hours == 2160
    assert AuditEvent.objects.filter(action="points_rules.set").count() == 2  # the fixture's and this one
    # a member holding the top tier keeps it from being removed
    one = make_customer(dealer=org.d1, name="甲")
    _txn(one, "vehicle_sale", dt.date(2026, 3, 8), 200_000)
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2026, 1, 1), end=AS_OF, as_of=AS_OF)
    refused = client.put(f"/api/v1/loyalty/programmes/{org.d1.pk}/rules", {"tiers": TIERS[:2]},
                         content_type="application/json")
    assert refused.status_code == 422 and "tiers" in str(refused.json()["detail"])


def _page_data(client, dealer, **overrides):
    """The rules page's form as shown, with ``overrides``."""
    from retain.loyalty.forms import RulesForm

    shown = client.get(f"/loyalty/rules/?dealer={dealer.code}")
    assert shown.status_code == 200
    form = shown.context["form"]
    data = {"dealer": dealer.code}
    for name, _field in form.fields.items():
        value = form.initial.get(name)
        if value is None or value is False:
            continue
        data[name] = value if not isinstance(value, list) else value
    data.update(overrides)
    assert isinstance(form, RulesForm)
    return data


def test_the_page_shows_and_saves_the_rules(org, programme, client):
    client.force_login(org.staff["dealer_gm"])
    shown = client.get(f"/loyalty/rules/?dealer={org.d1.code}").content.decode()
    assert 'name="reservation_hours"' in shown and 'value="72"' in shown[shown.index('id="reservations"'):]
    data = _page_data(client, org.d1, **{"rules.birthday.points": 500, "tiers.3.name": "钻石卡",
                                         "tiers.3.threshold": 50_000, "tiers.3.multiplier_percent": 250,
                                         "reservation_hours": 1})
    answer = client.post("/loyalty/rules/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    read = rules.read(ledger.programme_for(org.d1.pk))
    assert read["reservation_hours"] == 1
    assert next(r for r in read["rules"] if r["trigger"] == "birthday")["points"] == 500
    assert [t["name"] for t in read["tiers"]] == ["普卡", "银卡", "金卡", "钻石卡"]
    service = next(r for r in read["rules"] if r["trigger"] == "service")
    assert (service["min_amount_cents"], service["day_cap"], service["year_cap"]) == (5_000, 1_000, 1_500)


@pytest.mark.parametrize("field, value", [("rules.service.day_cap", "0"), ("tiers.1.threshold", "0"),
                                          ("rules.service.points_per_100_yuan", "abc"), ("downgrade_grace_days", "-1"),
                                          ("reservation_hours", "0"), ("reservation_hours", "2161"),
                                          ("reservation_hours", ""), ("reservation_hours", "3.5")])
def test_the_page_refuses_bad_input_on_the_field(org, programme, client, field, value):
    client.force_login(org.staff["dealer_gm"])
    before = rules.read(programme)
    answer = client.post("/loyalty/rules/", _page_data(client, org.d1, **{field: value}))
    assert answer.status_code == 422
    assert answer.context["form"].errors.get(field), answer.context["form"].errors
    assert rules.read(ledger.programme_for(org.d1.pk)) == before


def test_a_consultant_reads_the_rules_but_may_not_change_them(org, programme, client):
    client.force_login(org.staff["consultant"])
    shown = client.get("/loyalty/rules/")
    assert shown.status_code == 200 and "金卡" in shown.content.decode()
    assert client.post("/loyalty/rules/", {"dealer": org.d1.code}).status_code == 403


def test_a_dealer_without_a_programme_reads_the_defaults_and_nothing_is_made(org, client):
    from retain.loyalty.models import Programme

    client.force_login(org.staff["dealer_gm"])
    read = client.get(f"/api/v1/loyalty/programmes/{org.d1.pk}/rules").json()
    assert (read["downgrade_grace_days"], read["reservation_hours"]) == (30, 72)
    assert [t["name"] for t in read["tiers"]] == ["普卡", "银卡", "金卡"]
    assert not Programme.objects.exists()
