"""Lost owners and win-back: the value from the customer's own history, the worker's proposals,
the actions and their refusals, the success rate of win-back."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.cases import lost_analysis
from retain.cases.access import access_lost_owner
from retain.cases.jobs import propose_lost
from retain.cases.models import CaseSettings, LostOwner, WinBackStep
from retain.cases.services import lost as services
from retain.customers.models import Transaction
from retain.insights.models import CustomerScore, ScoreRun
from retain.org.models import AuditEvent
from tests.conftest import make_customer

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def _buy(customer, day, cents, kind="service"):
    return Transaction.objects.create(customer=customer, dealer=customer.dealer, kind=kind, date=day,
                                      amount_cents=cents)


def _score(customer, p_alive, as_of=dt.date(2026, 6, 1)):
    run = ScoreRun.objects.create(as_of=as_of, kinds="service", analyses="clv", customers=1)
    return CustomerScore.objects.create(run=run, customer=customer, as_of=as_of, frequency=1, recency=1, age=1,
                                        monetary_cents=0, p_alive=p_alive)


def _consultant_customer(org, **extra):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], **extra)


# --- the value -----------------------------------------------------------------------------------

def test_recorded_value_is_the_customers_own_history_by_hand(org):
    customer = _consultant_customer(org)
    _buy(customer, dt.date(2022, 6, 16), 200_000_00, kind="vehicle_sale")
    _buy(customer, dt.date(2023, 3, 1), 1_500_00)
    _buy(customer, dt.date(2024, 3, 1), 2_500_00)
    lost = services.record(actor=org.staff["consultant"], customer_id=customer.pk, reason="staff",
                           lost_on=dt.date(2026, 6, 15))
    # By hand: 204,000 yuan over 1460 days (2022-06-16 .. 2026-06-15) = 3.997 years, spread over the
    # replacement cycle (5 years by default) since that is longer: a car is not bought every year.
    years_of_history = max(5, (dt.date(2026, 6, 15) - dt.date(2022, 6, 16)).days / 365.25)
    annual = round(20_400_000 / years_of_history)
    direct = annual * 10
    wom = 10 * 0.5 * 5 * 0.25 * direct
    assert lost.annual_spend_cents == annual
    assert lost.direct_value_cents == direct
    assert lost.word_of_mouth_customers == 6.25
    assert lost.word_of_mouth_value_cents == round(wom)
    assert lost.value_cents == round(direct + wom)
    assert lost.history_cents == 20_400_000 and lost.status == "confirmed" and lost.confirmed_by == org.staff["consultant"]
    assert AuditEvent.objects.filter(action="lost_owner.record", object_id=str(lost.pk)).count() == 1


def test_a_short_history_is_spread_over_the_replacement_cycle_and_no_history_is_nothing(org):
    from retain.care.models import CareSettings

    one = _consultant_customer(org)
    _buy(one, dt.date(2026, 5, 1), 3_000_00)
    lost = services.record(actor=org.staff["consultant"], customer_id=one.pk, reason="moved")
    assert lost.annual_spend_cents == 60_000 and lost.value_cents == round(60_000 * 10 * 7.25)  # 5 years
    assert lost.history_years == 5
    CareSettings.objects.create(dealer=org.d1, replacement_years=3)  # the dealer's own cycle
    two = _consultant_customer(org)
    _buy(two, dt.date(2026, 5, 1), 3_000_00)
    assert services.record(actor=org.staff["consultant"], customer_id=two.pk, reason="moved").annual_spend_cents == 100_000
    none = _consultant_customer(org)
    assert services.record(actor=org.staff["consultant"], customer_id=none.pk, reason="died").value_cents == 0


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field, kwargs", [
    ("reason", {"reason": "bored"}),
    ("reason", {"reason": ""}),
    ("lost_on", {"lost_on": dt.date(2026, 6, 16)}),
    ("lost_on", {"lost_on": dt.date(1899, 12, 31)}),
    ("lost_on", {"lost_on": "2026-01-01"}),
    ("lost_on", {"lost_on": dt.date(2025, 12, 31)}),  # before the last visit
    ("notes", {"notes": "x" * 10_001}),
    ("notes", {"notes": "a\x00b"}),
    ("notes", {"notes": 5}),
])
def test_record_refuses_bad_input_and_writes_nothing(org, field, kwargs):
    customer = _consultant_customer(org)
    _buy(customer, dt.date(2026, 1, 1), 100_00)
    with pytest.raises(ValidationError) as refused:
        services.record(actor=org.staff["consultant"], customer_id=customer.pk, **{"reason": "staff", **kwargs})
    assert field in refused.value.message_dict
    assert not LostOwner.objects.exists() and not AuditEvent.objects.filter(action__startswith="lost_owner").exists()


def test_a_customer_is_lost_once_at_a_time(org):
    customer = _consultant_customer(org)
    services.record(actor=org.staff["consultant"], customer_id=customer.pk, reason="staff")
    with pytest.raises(ValidationError) as refused:
        services.record(actor=org.staff["consultant"], customer_id=customer.pk, reason="product")
    assert "customer" in refused.value.message_dict


def test_doors(org):
    mine = _consultant_customer(org)
    other = make_customer(dealer=org.d3, owner=org.staff["d3_consultant"])
    served = make_customer(dealer=org.d1, owner=org.staff["colleague"], service_advisor=org.staff["service_advisor"])
    with pytest.raises(Http404):
        services.record(actor=org.staff["consultant"], customer_id=other.pk, reason="staff")
    with pytest.raises(PermissionDenied):  # marketing sees the customer but records no loss
        services.record(actor=org.staff["marketing"], customer_id=mine.pk, reason="staff")
    lost = services.record(actor=org.staff["service_advisor"], customer_id=served.pk, reason="competitor")
    assert access_lost_owner(org.staff["service_advisor"], lost.pk) == lost
    with pytest.raises(Http404):  # the consultant colleague owns it, not this consultant
        access_lost_owner(org.staff["consultant"], lost.pk)
    with pytest.raises(Http404):
        access_lost_owner(org.staff["d3_consultant"], lost.pk)
    with pytest.raises(Http404):
        access_lost_owner(org.staff["consultant"], "x")
    with pytest.raises(PermissionDenied):
        services.log_step(actor=org.staff["region_manager"], lost_id=lost.pk, kind="listen", notes="n")


# --- the worker ---------------------------------------------------------------------------------

def _planted(org):
    """Below the threshold and long gone / below but came recently / above / never scored."""
    gone = _consultant_customer(org, name="走了")
    _buy(gone, dt.date(2024, 1, 10), 5_000_00)
    _score(gone, 0.05)
    recent = _consultant_customer(org, name="最近来过")
    _buy(recent, dt.date(2025, 6, 1), 5_000_00)
    _score(recent, 0.05)
    fine = _consultant_customer(org, name="还在")
    _buy(fine, dt.date(2024, 1, 10), 5_000_00)
    _score(fine, 0.9)
    _score(fine, 0.1, as_of=dt.date(2025, 1, 1))  # an older score below: the latest counts
    unscored = _consultant_customer(org, name="没有分数")
    _buy(unscored, dt.date(2023, 1, 10), 5_000_00)
    return gone, recent, fine, unscored


def test_the_worker_proposes_only_those_below_the_threshold_and_long_gone_and_twice_is_once(org):
    gone, *_ = _planted(org)
    first = propose_lost(TODAY)
    assert "1 lost owners proposed" in first
    lost = LostOwner.objects.get()
    assert (lost.customer, lost.status, lost.source, lost.reason, lost.p_alive) == (gone, "proposed", "proposed", "",
                                                                                   0.05)
    assert lost.last_visit == dt.date(2024, 1, 10) and lost.confirmed_at is None
    assert lost.value_cents == services.lost_value(gone.pk, TODAY, gone.dealer_id)["value_cents"] > 0
    assert "0 lost owners proposed" in propose_lost(TODAY)
    assert LostOwner.objects.count() == 1
    assert AuditEvent.objects.filter(action="lost_owner.propose").count() == 1


def test_a_dismissed_proposal_is_not_proposed_again_until_a_new_visit(org):
    gone, *_ = _planted(org)
    propose_lost(TODAY)
    lost = LostOwner.objects.get()
    services.dismiss(actor=org.staff["consultant"], lost_id=lost.pk, notes="他出国了，还会回来")
    propose_lost(TODAY)
    assert LostOwner.objects.count() == 1


def test_the_threshold_and_months_are_parameters(org):
    _planted(org)
    assert services.candidates(TODAY, threshold=0.01).count() == 0
    assert services.candidates(TODAY, months=6).count() == 2  # the recent one too


def test_each_dealer_proposes_by_its_own_threshold_and_months(org):
    gone, recent, *_ = _planted(org)
    elsewhere = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="外店")
    _buy(elsewhere, dt.date(2025, 6, 1), 5_000_00)  # 12 months ago
    _score(elsewhere, 0.15)
    assert set(services.candidates(TODAY)) == {gone}  # the defaults: below 20 %, 18 months
    CaseSettings.objects.create(dealer=org.d2, lost_p_alive_percent=30, lost_no_visit_months=6)
    assert set(services.candidates(TODAY)) == {gone, elsewhere}
    CaseSettings.objects.create(dealer=org.d1, lost_p_alive_percent=1)
    assert set(services.candidates(TODAY)) == {elsewhere}


def test_a_return_wins_back_a_confirmed_owner_and_dismisses_a_proposal(org):
    gone, recent, *_ = _planted(org)
    propose_lost(TODAY)
    proposal = LostOwner.objects.get()
    told = services.record(actor=org.staff["consultant"], customer_id=recent.pk, reason="competitor",
                           lost_on=dt.date(2026, 1, 1))
    _buy(gone, dt.date(2026, 6, 15), 100_00)
    _buy(recent, dt.date(2026, 3, 1), 100_00)
    summary = propose_lost(TODAY)
    assert "1 won back, 1 proposals dismissed" in summary
    told.refresh_from_db()
    proposal.refresh_from_db()
    assert (told.status, told.won_back_on, told.won_back_by) == ("won_back", dt.date(2026, 3, 1), None)
    assert proposal.status == "dismissed"
    assert "0 won back, 0 proposals dismissed" in propose_lost(TODAY)


# --- confirm, dismiss, steps, won back -----------------------------------------------------------

def test_the_workflow_and_its_refusals(org):
    gone, *_ = _planted(org)
    propose_lost(TODAY)
    lost = LostOwner.objects.get()
    actor = org.staff["consultant"]
    with pytest.raises(ValidationError) as refused:
        services.log_step(actor=actor, lost_id=lost.pk, kind="listen", notes="n")
    assert "status" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.confirm(actor=actor, lost_id=lost.pk, reason="nope")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.dismiss(actor=actor, lost_id=lost.pk, notes="  ")
    assert "notes" in refused.value.message_dict
    services.confirm(actor=actor, lost_id=lost.pk, reason="product", notes="车老出毛病")
    with pytest.raises(ValidationError):
        services.confirm(actor=actor, lost_id=lost.pk, reason="product")
    for kind, notes, field in (("shout", "n", "kind"), ("listen", "", "notes"), ("listen", "\x00", "notes")):
        with pytest.raises(ValidationError) as refused:
            services.log_step(actor=actor, lost_id=lost.pk, kind=kind, notes=notes)
        assert field in refused.value.message_dict
    for day in (dt.date(2026, 6, 16), dt.date(2026, 6, 14), dt.date(1800, 1, 1)):
        with pytest.raises(ValidationError) as refused:
            services.log_step(actor=actor, lost_id=lost.pk, kind="listen", notes="n", done_on=day)
        assert "done_on" in refused.value.message_dict
    step = services.log_step(actor=actor, lost_id=lost.pk, kind="listen", notes="听他说完")
    assert (step.done_by, step.done_on) == (actor, TODAY)
    with pytest.raises(ValidationError) as refused:
        services.mark_won_back(actor=actor, lost_id=lost.pk, came_back_on=dt.date(2026, 6, 16))
    assert "came_back_on" in refused.value.message_dict
    services.mark_won_back(actor=actor, lost_id=lost.pk, notes="回来保养了")
    lost.refresh_from_db()
    assert (lost.status, lost.won_back_by, lost.won_back_on) == ("won_back", actor, TODAY)
    codes = list(AuditEvent.objects.filter(object_id=str(lost.pk), action__startswith="lost_owner")
                 .order_by("id").values_list("action", flat=True))
    assert codes == ["lost_owner.propose", "lost_owner.confirm", "lost_owner.win_back_step", "lost_owner.won_back"]


# --- the figures ---------------------------------------------------------------------------------

def test_success_rate_of_win_back_with_its_wilson_interval(org):
    actor = org.staff["sales_manager"]
    records = []
    for i in range(5):
        customer = make_customer(dealer=org.d1, name=f"客户{i}")
        records.append(services.record(actor=actor, customer_id=customer.pk, reason="staff",
                                       lost_on=dt.date(2026, 5, 1)))
    for lost in records[:4]:  # four started, one not
        services.log_step(actor=actor, lost_id=lost.pk, kind="listen", notes="听")
    services.mark_won_back(actor=actor, lost_id=records[0].pk)
    rows, total = lost_analysis.win_back_rates(lost_analysis.lost_in(actor, dt.date(2026, 1, 1), TODAY))
    assert [(r.dealer, r.started, r.won) for r in rows] == [("Dealer 1", 4, 1)]
    # Wilson 95 % for 1/4 by hand: z = 1.959964
    z, n, p = 1.959963984540054, 4, 0.25
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    assert total.rate == 0.25
    assert total.low == pytest.approx(centre - half) and total.high == pytest.approx(centre + half)
    assert WinBackStep.objects.count() == 4


def test_reason_shares_against_the_seed_and_value_by_month(org):
    actor = org.staff["sales_manager"]
    for i, (reason, day) in enumerate([("staff", dt.date(2026, 4, 3)), ("staff", dt.date(2026, 4, 20)),
                                       ("moved", dt.date(2026, 5, 2))]):
        customer = make_customer(dealer=org.d1, name=f"客户{i}")
        _buy(customer, dt.date(2025, 1, 1), 1_000_00)
        services.record(actor=actor, customer_id=customer.pk, reason=reason, lost_on=day)
    records = lost_analysis.lost_in(actor, dt.date(2026, 1, 1), TODAY)
    rows, total = lost_analysis.reason_shares(records)
    by_reason = {row.reason: row for row in rows}
    assert total == 3 and by_reason["staff"].n == 2 and by_reason["staff"].share == pytest.approx(2 / 3)
    assert by_reason["staff"].reference == 0.68 and by_reason["died"].n == 0
    assert [row.reference for row in rows] == [0.03, 0.01, 0.05, 0.09, 0.14, 0.68]
    months = lost_analysis.value_by_month(records)
    assert [(m["month"], m["n"]) for m in months] == [(dt.date(2026, 4, 1), 2), (dt.date(2026, 5, 1), 1)]
    assert sum(m["total"] for m in months) == sum(LostOwner.objects.values_list("value_cents", flat=True))
    assert lost_analysis.lost_in(org.staff["d3_consultant"], dt.date(2026, 1, 1), TODAY).count() == 0
