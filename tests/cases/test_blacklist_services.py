"""The blacklist's services: proposing, a manager's decision (never the proposer's), lifting,
expiry; every refusal writes nothing, every change writes one audit row."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.cases.blacklist_hooks import entry_in_force
from retain.cases.jobs import blacklist_expire
from retain.cases.models import BlacklistEntry, EntryStatus
from retain.cases.services import blacklist as service
from retain.jobs.registry import job
from retain.org.audit import AuditEvent

from .blacklist_factories import active, customer_of, later, proposed

EVIDENCE = "多次在电话中威胁服务顾问, 录音编号 2026-118."


def _propose(org, customer, by="consultant", **values):
    return service.propose(actor=org.staff[by], customer_id=customer.pk, **{
        "reason": "abuse", "evidence": EVIDENCE, "expires_on": later(90), **values})


def _audit(code):
    return list(AuditEvent.objects.filter(action=code).order_by("id"))


def test_a_proposal_is_not_in_force_until_a_manager_approves_it(org):
    customer = customer_of(org)
    entry = _propose(org, customer)
    assert entry.status == EntryStatus.PROPOSED and entry.proposed_by == org.staff["consultant"]
    assert entry.dealer == org.d1 and entry.starts_on == timezone.localdate()
    assert entry_in_force(customer, timezone.localdate()) is None
    [row] = _audit("blacklist.propose")
    assert row.actor == org.staff["consultant"] and row.after["status"] == "proposed" and row.note == EVIDENCE

    approved = service.approve(actor=org.staff["sales_manager"], entry_id=entry.pk, note="证据充分")
    assert approved.status == EntryStatus.ACTIVE and approved.decided_by == org.staff["sales_manager"]
    assert approved.decided_at is not None and approved.decision_note == "证据充分"
    assert entry_in_force(customer, timezone.localdate()) == approved
    [row] = _audit("blacklist.approve")
    assert row.before["status"] == "proposed" and row.after["status"] == "active"


@pytest.mark.parametrize("values, field", [
    ({"evidence": ""}, "evidence"),
    ({"evidence": "   \n "}, "evidence"),
    ({"evidence": "x" * 2001}, "evidence"),
    ({"evidence": "录音\x00"}, "evidence"),
    ({"reason": "rude"}, "reason"),
    ({"reason": ""}, "reason"),
    ({"expires_on": None}, "expires_on"),
    ({"expires_on": "2027-01-01"}, "expires_on"),
    ({"expires_on": dt.date(2020, 1, 1)}, "expires_on"),
])
def test_bad_proposals_are_refused_naming_the_field_and_write_nothing(org, values, field):
    with pytest.raises(ValidationError) as refused:
        _propose(org, customer_of(org), **values)
    assert field in refused.value.message_dict
    assert not BlacklistEntry.objects.exists() and not _audit("blacklist.propose")


def test_the_term_is_at_most_24_months(org):
    today = timezone.localdate()
    latest = service.latest_expiry(today)
    assert (latest.year - today.year) * 12 + latest.month - today.month == 24
    for day in (today, latest + dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as refused:
            _propose(org, customer_of(org), expires_on=day)
        assert list(refused.value.message_dict) == ["expires_on"]
    assert _propose(org, customer_of(org), expires_on=latest).expires_on == latest


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert service.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert service.add_months(dt.date(2026, 2, 29 - 1), 24) == dt.date(2028, 2, 28)
    assert service.add_months(dt.date(2027, 12, 15), 1) == dt.date(2028, 1, 15)


def test_one_open_entry_per_customer(org):
    customer = customer_of(org)
    _propose(org, customer)
    with pytest.raises(ValidationError) as refused:
        _propose(org, customer, by="sales_manager")
    assert list(refused.value.message_dict) == ["customer_id"]
    assert BlacklistEntry.objects.count() == 1


def test_a_customer_outside_the_callers_scope_is_404_and_nothing_is_written(org):
    for customer in (customer_of(org, owner="colleague"), customer_of(org, owner="d2_consultant", dealer=org.d2),
                     customer_of(org, owner="d4_consultant", dealer=org.d4)):
        with pytest.raises(Http404):
            _propose(org, customer)
    with pytest.raises(Http404):
        _propose(org, customer_of(org, owner="d4_consultant", dealer=org.d4), by="sales_manager")
    with pytest.raises(Http404):
        service.propose(actor=org.staff["consultant"], customer_id="abc", reason="abuse", evidence=EVIDENCE,
                        expires_on=later(30))
    assert not BlacklistEntry.objects.exists()


def test_region_and_group_do_not_propose(org):
    customer = customer_of(org)
    for role in ("region_manager", "group_admin"):
        with pytest.raises(PermissionDenied):
            _propose(org, customer, by=role)


def test_the_proposer_never_approves_or_rejects_their_own_proposal(org):
    entry = _propose(org, customer_of(org, owner=None), by="sales_manager")
    with pytest.raises(ValidationError) as refused:
        service.approve(actor=org.staff["sales_manager"], entry_id=entry.pk)
    assert list(refused.value.message_dict) == ["approver"]
    with pytest.raises(ValidationError):
        service.reject(actor=org.staff["sales_manager"], entry_id=entry.pk, note="撤回")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PROPOSED and entry.decided_by is None
    assert not _audit("blacklist.approve") and not _audit("blacklist.reject")
    # another manager approves it
    assert service.approve(actor=org.staff["dealer_gm"], entry_id=entry.pk).status == EntryStatus.ACTIVE


def test_only_a_manager_approves(org):
    entry = _propose(org, customer_of(org))
    for role in ("consultant", "service_advisor", "marketing"):
        with pytest.raises((PermissionDenied, Http404)):
            service.approve(actor=org.staff[role], entry_id=entry.pk)
    with pytest.raises(Http404):  # a manager of another dealer does not see it
        other = customer_of(org, owner="d2_consultant", dealer=org.d2)
        service.approve(actor=org.staff["d2_consultant"], entry_id=entry.pk)
    assert other.pk
    # the region above the dealer decides
    assert service.approve(actor=org.staff["region_manager"], entry_id=entry.pk).decided_by == org.staff[
        "region_manager"]


def test_reject_needs_a_reason_and_never_comes_into_force(org):
    customer = customer_of(org)
    entry = _propose(org, customer)
    with pytest.raises(ValidationError) as refused:
        service.reject(actor=org.staff["sales_manager"], entry_id=entry.pk, note="  ")
    assert list(refused.value.message_dict) == ["note"]
    rejected = service.reject(actor=org.staff["sales_manager"], entry_id=entry.pk, note="证据不足")
    assert rejected.status == EntryStatus.REJECTED and rejected.decision_note == "证据不足"
    assert entry_in_force(customer, timezone.localdate()) is None
    with pytest.raises(ValidationError) as again:
        service.approve(actor=org.staff["dealer_gm"], entry_id=entry.pk)
    assert list(again.value.message_dict) == ["status"]
    assert len(_audit("blacklist.reject")) == 1
    # the customer may be proposed again (with fresh evidence)
    assert _propose(org, customer).status == EntryStatus.PROPOSED


def test_lifting_needs_a_reason_and_is_audited(org):
    customer = customer_of(org)
    entry = active(org, customer)
    with pytest.raises(ValidationError) as refused:
        service.lift(actor=org.staff["sales_manager"], entry_id=entry.pk, reason="")
    assert list(refused.value.message_dict) == ["reason"]
    with pytest.raises(PermissionDenied):
        service.lift(actor=org.staff["consultant"], entry_id=entry.pk, reason="客户已道歉")
    lifted = service.lift(actor=org.staff["dealer_gm"], entry_id=entry.pk, reason="客户已书面道歉")
    assert lifted.status == EntryStatus.LIFTED and lifted.lifted_by == org.staff["dealer_gm"]
    assert lifted.lifted_at is not None and lifted.lift_reason == "客户已书面道歉"
    assert entry_in_force(customer, timezone.localdate()) is None
    [row] = _audit("blacklist.lift")
    assert row.actor == org.staff["dealer_gm"] and row.note == "客户已书面道歉"
    assert (row.before["status"], row.after["status"]) == ("active", "lifted")
    # every step's who and when is kept
    assert (lifted.proposed_by, lifted.decided_by) == (org.staff["consultant"], org.staff["sales_manager"])
    with pytest.raises(ValidationError):  # lifted once
        service.lift(actor=org.staff["dealer_gm"], entry_id=entry.pk, reason="再次")
    with pytest.raises(ValidationError):  # a proposal is rejected, not lifted
        service.lift(actor=org.staff["dealer_gm"], entry_id=_propose(org, customer_of(org)).pk, reason="撤销")


def test_in_force_from_the_start_day_until_the_day_before_expiry(org):
    customer = customer_of(org)
    entry = active(org, customer, days=30)
    today = timezone.localdate()
    assert entry_in_force(customer, today) == entry
    assert entry_in_force(customer, entry.expires_on - dt.timedelta(days=1)) == entry
    assert entry_in_force(customer, entry.expires_on) is None  # the expiry day: contacted again, job or not
    assert entry_in_force(customer, today - dt.timedelta(days=1)) is None  # before it started


def test_the_expiry_job_ends_due_entries_once(org):
    due = active(org, customer_of(org), days=10)
    lapsing = proposed(org, customer_of(org), days=10)
    later_one = active(org, customer_of(org), days=11)
    lifted = active(org, customer_of(org), days=5)
    service.lift(actor=org.staff["dealer_gm"], entry_id=lifted.pk, reason="和解")
    day = due.expires_on
    assert job("cases.blacklist_expire").run is blacklist_expire
    assert blacklist_expire(day) == f"{day}: 2 blacklist entries ended"
    assert blacklist_expire(day) == f"{day}: 0 blacklist entries ended"  # run twice: nothing more
    statuses = dict(BlacklistEntry.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", lapsing.pk: "expired", later_one.pk: "active", lifted.pk: "lifted"}
    rows = _audit("blacklist.expire")
    assert sorted(int(r.object_id) for r in rows) == sorted([due.pk, lapsing.pk])
    assert all(r.actor is None and r.after["status"] == "expired" and r.dealer_id == org.d1.pk for r in rows)
    assert BlacklistEntry.objects.get(pk=due.pk).expired_at is not None
    # a run missed for some days catches up
    assert blacklist_expire(later_one.expires_on + dt.timedelta(days=3)).endswith(": 1 blacklist entries ended")


def test_a_proposal_past_its_expiry_day_cannot_be_approved(org):
    entry = proposed(org, customer_of(org), days=5)
    BlacklistEntry.objects.filter(pk=entry.pk).update(expires_on=timezone.localdate(),
                                                      starts_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        service.approve(actor=org.staff["sales_manager"], entry_id=entry.pk)
    assert list(refused.value.message_dict) == ["expires_on"]
