"""Cases: opening with deadlines, the six steps in and out of order, closing only after Check and
Satisfy, assigning, and every kind of bad input refused with nothing written."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.cases.models import Case, CaseSettings, CaseStatus, CaseStep
from retain.cases.services import cases as service
from retain.channels.models import ChannelSettings
from retain.org.audit import AuditEvent
from tests.conftest import make_customer

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五",
                         service_advisor=org.staff["service_advisor"])


def _default_causes(org) -> list[str]:
    return CaseSettings(dealer=org.d1).root_cause_list()


def _open(org, customer, role="service_advisor", **kwargs):
    return service.open_case(actor=org.staff[role], customer_id=customer.pk,
                             description=kwargs.pop("description", "保养后异响没有修好"), **kwargs)


def test_opening_sets_owner_and_both_deadlines_in_the_dealers_day(org, customer):
    ChannelSettings.objects.create(dealer=org.d1, time_zone="Asia/Shanghai")
    CaseSettings.objects.create(dealer=org.d1, critical_days=2)
    opened = dt.datetime(2026, 3, 2, 15, 30, tzinfo=SHANGHAI)  # Monday afternoon in Shanghai
    case = _open(org, customer, severity="critical", now=opened)
    assert case.owner == org.staff["service_advisor"] and case.status == CaseStatus.OPEN
    assert case.first_contact_due == opened + dt.timedelta(hours=24)
    assert case.resolution_due == dt.datetime(2026, 3, 5, 0, 0, tzinfo=SHANGHAI)  # Wednesday, midnight
    event = AuditEvent.objects.get(action="case.open")
    assert event.object_id == str(case.pk) and event.dealer_id == org.d1.pk


def test_the_resolution_day_is_the_dealers_local_day_not_utc(org, customer):
    """Opened at 01:00 in Shanghai (still the day before in UTC): the day counts from Shanghai's."""
    ChannelSettings.objects.create(dealer=org.d1, time_zone="Asia/Shanghai")
    opened = dt.datetime(2026, 3, 3, 1, 0, tzinfo=SHANGHAI)
    case = _open(org, customer, severity="major", now=opened)  # 5 days by default
    assert case.resolution_due == dt.datetime(2026, 3, 9, 0, 0, tzinfo=SHANGHAI)


def test_a_customer_outside_the_scope_is_404_and_nothing_is_written(org):
    elsewhere = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="赵六")
    with pytest.raises(Http404):
        _open(org, elsewhere)
    with pytest.raises(Http404):  # a consultant sees only their own customers
        _open(org, make_customer(dealer=org.d1, owner=org.staff["colleague"]), role="consultant")
    assert not Case.objects.exists() and not AuditEvent.objects.filter(action="case.open").exists()


def test_the_region_sees_but_does_not_work_cases(org, customer):
    with pytest.raises(PermissionDenied):
        _open(org, customer, role="region_manager")
    assert not Case.objects.exists()


@pytest.mark.parametrize("field, kwargs", [
    ("description", {"description": "   "}),
    ("severity", {"severity": "apocalyptic"}),
    ("channel", {"channel": "telepathy"}),
    ("vehicle_id", {"vehicle_id": 10**9}),
    ("owner_id", {"owner_id": 10**9}),
])
def test_bad_input_names_its_field_and_writes_nothing(org, customer, field, kwargs):
    role = "service_manager" if field == "owner_id" else "service_advisor"
    with pytest.raises(ValidationError) as refused:
        _open(org, customer, role=role, **kwargs)
    assert field in refused.value.message_dict
    assert not Case.objects.exists() and not AuditEvent.objects.filter(action="case.open").exists()


def test_only_a_manager_names_another_owner(org, customer):
    with pytest.raises(PermissionDenied):
        _open(org, customer, owner_id=org.staff["service_manager"].pk)
    case = _open(org, customer, role="service_manager", owner_id=org.staff["service_advisor"].pk)
    assert case.owner == org.staff["service_advisor"]


def test_steps_in_order_out_of_order_and_again_are_recorded_as_such(org, customer):
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    heard = service.record_step(actor=advisor, case_id=case.pk, step="listen", notes="客户很生气")
    assert not heard.out_of_order and not heard.repeated
    case.refresh_from_db()
    assert case.first_contact_at == heard.at
    jumped = service.record_step(actor=advisor, case_id=case.pk, step="check", customer_confirmed=True,
                                 internally_confirmed=False)
    assert jumped.out_of_order and not jumped.repeated  # share and probe were skipped
    again = service.record_step(actor=advisor, case_id=case.pk, step="listen")
    assert again.repeated and not again.out_of_order
    probe = service.record_step(actor=advisor, case_id=case.pk, step="probe", root_cause=_default_causes(org)[0])
    case.refresh_from_db()
    assert case.root_cause == _default_causes(org)[0] and probe.out_of_order  # share still missing
    assert AuditEvent.objects.filter(action="case.step").count() == 4


def test_a_probe_is_not_a_contact_and_a_step_checks_what_it_records(org, customer):
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    for step, details, field in [("probe", {"root_cause": "外星人"}, "root_cause"),
                                 ("check", {"customer_confirmed": True}, "internally_confirmed"),
                                 ("action", {"plan_due_on": "next week"}, "plan_due_on"),
                                 ("satisfy", {}, "satisfied"),
                                 ("dance", {}, "step")]:
        with pytest.raises(ValidationError) as refused:
            service.record_step(actor=advisor, case_id=case.pk, step=step, **details)
        assert field in refused.value.message_dict
    assert not CaseStep.objects.exists()
    service.record_step(actor=advisor, case_id=case.pk, step="probe", root_cause=_default_causes(org)[1])
    case.refresh_from_db()
    assert case.first_contact_at is None  # an internal step stops no clock


def test_the_default_root_causes_are_in_the_dealers_language_whoever_reads_them(org, customer):
    """A case stores the text picked: an English-reading advisor and a Chinese-reading one must
    pick the same words, or the Pareto of root causes splits one cause in two."""
    from django.utils import translation

    ChannelSettings.objects.create(dealer=org.d1, default_language="zh-hans")
    case = _open(org, customer)
    with translation.override("en"):
        assert "故障诊断遗漏" in CaseSettings(dealer=org.d1).root_cause_list()
        with pytest.raises(ValidationError):
            service.record_step(actor=org.staff["service_advisor"], case_id=case.pk, step="probe",
                                root_cause="Diagnosis missed")
    ChannelSettings.objects.filter(dealer=org.d1).update(default_language="en")
    assert "Diagnosis missed" in CaseSettings(dealer=org.d1).root_cause_list()


def test_a_case_closes_only_after_check_and_satisfy(org, customer):
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    service.record_step(actor=advisor, case_id=case.pk, step="listen")
    with pytest.raises(ValidationError) as refused:
        service.close(actor=advisor, case_id=case.pk, outcome="satisfied")
    assert "outcome" in refused.value.message_dict
    service.record_step(actor=advisor, case_id=case.pk, step="check", customer_confirmed=True,
                        internally_confirmed=True)
    service.record_step(actor=advisor, case_id=case.pk, step="satisfy", satisfied=False)
    with pytest.raises(ValidationError):  # the customer said no at the last Satisfy
        service.close(actor=advisor, case_id=case.pk, outcome="satisfied")
    with pytest.raises(ValidationError) as refused:
        service.close(actor=advisor, case_id=case.pk, outcome="unsatisfied")
    assert "reason" in refused.value.message_dict
    assert Case.objects.get().status == CaseStatus.OPEN and not AuditEvent.objects.filter(action="case.close").exists()
    service.record_step(actor=advisor, case_id=case.pk, step="satisfy", satisfied=True)
    closed = service.close(actor=advisor, case_id=case.pk, outcome="satisfied")
    assert closed.status == CaseStatus.CLOSED and closed.closed_by == advisor and closed.closed_at
    assert AuditEvent.objects.get(action="case.close").after["outcome"] == "satisfied"
    with pytest.raises(ValidationError):
        service.record_step(actor=advisor, case_id=case.pk, step="listen")


def test_closing_unsatisfied_with_a_reason(org, customer):
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    service.record_step(actor=advisor, case_id=case.pk, step="check", customer_confirmed=True,
                        internally_confirmed=True)
    service.record_step(actor=advisor, case_id=case.pk, step="satisfy", satisfied=False)
    closed = service.close(actor=advisor, case_id=case.pk, outcome="unsatisfied", reason="客户要求全额退款")
    assert closed.outcome == "unsatisfied" and closed.close_reason == "客户要求全额退款"


def test_the_door_hides_others_cases_and_assigning_is_the_managers(org, customer):
    case = _open(org, customer)
    with pytest.raises(Http404):  # a consultant does not own it: not in sight
        service.record_step(actor=org.staff["consultant"], case_id=case.pk, step="listen")
    with pytest.raises(Http404):
        service.record_step(actor=org.staff["d2_consultant"], case_id=case.pk, step="listen")
    with pytest.raises(PermissionDenied):  # the advisor sees it but may not hand it on
        service.assign(actor=org.staff["service_advisor"], case_id=case.pk, owner_id=org.staff["service_manager"].pk)
    moved = service.assign(actor=org.staff["service_manager"], case_id=case.pk, owner_id=org.staff["colleague"].pk)
    assert moved.owner == org.staff["colleague"]
    with pytest.raises(ValidationError):  # someone at another dealer
        service.assign(actor=org.staff["service_manager"], case_id=case.pk, owner_id=org.staff["d2_consultant"].pk)
    with pytest.raises(PermissionDenied):  # the region watches, does not work
        service.record_step(actor=org.staff["region_manager"], case_id=case.pk, step="listen")
    assert timezone.now() >= case.opened_at


def test_settings_set_deadlines_and_root_causes_within_bounds(org, customer):
    from retain.cases.services.settings import set_settings

    manager = org.staff["service_manager"]
    saved = set_settings(actor=manager, dealer_id=org.d1.pk, critical_days=1, root_causes=" 漏检 \n\n工时不足 ")
    assert saved.critical_days == 1 and saved.root_cause_list() == ["漏检", "工时不足"]
    assert AuditEvent.objects.filter(action="case_settings.set").count() == 1
    for bad, field in [({"critical_days": 0}, "critical_days"), ({"minor_days": "7"}, "minor_days"),
                       ({"root_causes": "x" * 101}, "root_causes"), ({"colour": "red"}, "colour")]:
        with pytest.raises(ValidationError) as refused:
            set_settings(actor=manager, dealer_id=org.d1.pk, **bad)
        assert field in refused.value.message_dict
    with pytest.raises(Http404):
        set_settings(actor=manager, dealer_id=org.d2.pk, critical_days=3)
    with pytest.raises(PermissionDenied):
        set_settings(actor=org.staff["consultant"], dealer_id=org.d1.pk, critical_days=3)
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    service.record_step(actor=advisor, case_id=case.pk, step="probe", root_cause="工时不足")
    with pytest.raises(ValidationError):  # the defaults are replaced by the dealer's own list
        service.record_step(actor=advisor, case_id=case.pk, step="probe", root_cause=_default_causes(org)[1])


def _closed(org, customer, *, now=None):
    case = _open(org, customer)
    advisor = org.staff["service_advisor"]
    service.record_step(actor=advisor, case_id=case.pk, step="check", customer_confirmed=True,
                        internally_confirmed=True)
    service.record_step(actor=advisor, case_id=case.pk, step="satisfy", satisfied=True)
    return service.close(actor=advisor, case_id=case.pk, outcome="satisfied", now=now)


def test_closing_sets_the_recurrence_check_and_the_check_is_recorded_once(org, customer):
    ChannelSettings.objects.create(dealer=org.d1, time_zone="Asia/Shanghai")
    CaseSettings.objects.create(dealer=org.d1, recurrence_days=14)
    case = _closed(org, customer, now=dt.datetime(2026, 3, 2, 23, 30, tzinfo=SHANGHAI))
    assert case.recurrence_check_on == dt.date(2026, 3, 16)  # the dealer's day of closing + 14
    assert AuditEvent.objects.get(action="case.close").after["recurrence_check_on"] == "2026-03-16"
    advisor = org.staff["service_advisor"]
    with pytest.raises(ValidationError) as refused:  # it came back: say how
        service.check_recurrence(actor=advisor, case_id=case.pk, recurred=True)
    assert "notes" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        service.check_recurrence(actor=advisor, case_id=case.pk, recurred="no")
    assert "recurred" in refused.value.message_dict
    checked = service.check_recurrence(actor=advisor, case_id=case.pk, recurred=False, notes="回访确认已修好")
    assert checked.recurred is False and checked.recurrence_checked_by == advisor
    with pytest.raises(ValidationError):  # once
        service.check_recurrence(actor=advisor, case_id=case.pk, recurred=True, notes="又响了")
    assert AuditEvent.objects.filter(action="case.recurrence_check").count() == 1
    with pytest.raises(ValidationError):  # an open case is not checked for recurrence
        service.check_recurrence(actor=advisor, case_id=_open(org, customer).pk, recurred=False)
