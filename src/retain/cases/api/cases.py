"""Cases over JSON (issue 10, item 9). Thin: lists read through the door, writes go through
``cases.services.cases``; a case or customer outside the caller's scope is 404.

- ``POST /api/v1/cases {"customer_id", "description", ...}`` -> 201 with ``id``, ``status``,
  ``owner``, ``first_contact_due``; only the two are required (channel phone, department service,
  category other, severity major, kind complaint by default);
- ``GET /api/v1/cases`` (``?status=&overdue=&customer=``), ``GET /api/v1/cases/{id}`` with its steps;
- ``POST /api/v1/cases/{id}/steps {"step", "notes", ...}`` with ``step`` one of ``listen``,
  ``share``, ``probe``, ``check``, ``action``, ``satisfy`` and what that step records;
- ``POST /api/v1/cases/{id}/close {"outcome": "satisfied" | "unsatisfied", "reason"?}`` (422 while
  Check or Satisfy is missing); ``POST /api/v1/cases/{id}/assign {"owner_id"}``.
"""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Strict

from retain.bounds import Day, Id, Input, Page, QueryId, api_type
from retain.org.policy import Action, require

from ..access import access_case, visible_cases
from ..models import Case, CaseSettings, CaseStatus, CaseStep, Compensation, Outcome, Step
from ..recovery import funnel
from ..services import cases as services
from ..services import compensation
from ..services.escalation import past_a_deadline
from ..services.settings import set_settings

router = Router(tags=["cases"])

StepCode = Literal[tuple(Step.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(CaseStatus.values)]  # type: ignore[valid-type]
OutcomeCode = Literal[tuple(Outcome.values)]  # type: ignore[valid-type]


class StepOut(Schema):
    step: str
    notes: str
    at: dt.datetime
    by: str | None
    out_of_order: bool
    repeated: bool
    root_cause: str
    customer_confirmed: bool | None
    internally_confirmed: bool | None
    plan_due_on: dt.date | None
    satisfied: bool | None

    @staticmethod
    def resolve_by(obj):
        return obj.by.display_name if obj.by_id else None


class CaseOut(Schema):
    id: int
    status: str
    kind: str
    channel: str
    department: str
    category: str
    severity: str
    motive: str
    description: str
    customer_id: int
    dealer_id: int
    vehicle_id: int | None
    response_id: int | None
    owner: str | None
    owner_id: int | None
    opened_at: dt.datetime
    first_contact_due: dt.datetime
    resolution_due: dt.datetime
    first_contact_at: dt.datetime | None
    overdue: bool
    root_cause: str
    outcome: str
    close_reason: str
    closed_at: dt.datetime | None
    recurrence_check_on: dt.date | None
    recurrence_checked_at: dt.datetime | None
    recurred: bool | None

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.display_name if obj.owner_id else None

    @staticmethod
    def resolve_overdue(obj):
        return overdue(obj, timezone.now())


class EscalationOut(Schema):
    deadline: str  # first_contact | resolution
    level: str  # manager | gm
    due: dt.datetime
    at: dt.datetime
    told: list[str]  # people by name; empty when nobody held the role at the dealer

    @staticmethod
    def resolve_told(obj):
        return [person.display_name for person in obj.recipients.all()]


class CaseDetailOut(CaseOut):
    steps: list[StepOut]
    escalations: list[EscalationOut]

    @staticmethod
    def resolve_steps(obj):
        return list(CaseStep.objects.filter(case=obj).select_related("by").order_by("at", "id"))

    @staticmethod
    def resolve_escalations(obj):
        return list(obj.escalations.prefetch_related("recipients"))


def overdue(case: Case, now: dt.datetime) -> bool:
    """An open case past a deadline it has not met: the first contact, or the resolution."""
    return case.status == CaseStatus.OPEN and (
        (case.first_contact_at is None and case.first_contact_due < now) or case.resolution_due < now)


class CaseIn(Input):
    customer_id: Id
    description: api_type(Case, "description")
    kind: api_type(Case, "kind") = "complaint"
    channel: api_type(Case, "channel") = "api"
    department: api_type(Case, "department") = "service"
    category: api_type(Case, "category") = "other"
    severity: api_type(Case, "severity") = "major"
    motive: api_type(Case, "motive") = ""
    vehicle_id: Id | None = None
    owner_id: Id | None = None


class StepIn(Input):
    step: StepCode
    notes: api_type(CaseStep, "notes") = ""
    root_cause: api_type(CaseStep, "root_cause") = ""
    customer_confirmed: Annotated[bool, Strict()] | None = None
    internally_confirmed: Annotated[bool, Strict()] | None = None
    plan_due_on: api_type(CaseStep, "plan_due_on") = None
    satisfied: Annotated[bool, Strict()] | None = None


class CloseIn(Input):
    outcome: OutcomeCode
    reason: api_type(Case, "close_reason") = ""


class AssignIn(Input):
    owner_id: Id


class RecurrenceIn(Input):
    recurred: Annotated[bool, Strict()]
    notes: api_type(Case, "recurrence_notes") = ""


@router.post("/cases", response={201: CaseOut})
def open_case(request, payload: CaseIn):
    """Open a case about a customer in the caller's sight; the caller answers for it unless a
    manager names another owner at the customer's dealer."""
    case = services.open_case(actor=request.user, **payload.dict())
    return Status(201, case)


@router.get("/cases", response=list[CaseOut])
@paginate(Page)
def list_cases(request, status: StatusCode | None = None, overdue: bool = False,
               customer: QueryId | None = None):
    """Cases in the caller's scope (their own, their dealer's, ...), the most urgent first: by the
    resolution deadline. ``overdue`` keeps the open ones past a deadline they have not met."""
    require(request.user, Action.VIEW_CASES)
    found = visible_cases(request.user)
    if status:
        found = found.filter(status=status)
    if customer:
        found = found.filter(customer_id=customer)
    if overdue:
        now = timezone.now()
        found = found.filter(past_a_deadline(now))
    return found.select_related("owner").order_by("resolution_due", "id")


@router.get("/cases/{int:case_id}", response=CaseDetailOut)
def get_case(request, case_id: int):
    """One case with its steps."""
    return access_case(request.user, case_id)


@router.post("/cases/{int:case_id}/steps", response={201: StepOut})
def record_step(request, case_id: int, payload: StepIn):
    """Record one of the six steps (a step out of order or taken again is recorded as such)."""
    details = {key: value for key, value in payload.dict().items() if value is not None}
    return Status(201, services.record_step(actor=request.user, case_id=case_id, **details))


@router.post("/cases/{int:case_id}/close", response=CaseOut)
def close_case(request, case_id: int, payload: CloseIn):
    """Close a case: 422 while Check or Satisfy is missing."""
    return services.close(actor=request.user, case_id=case_id, **payload.dict())


@router.post("/cases/{int:case_id}/recurrence", response=CaseOut)
def check_recurrence(request, case_id: int, payload: RecurrenceIn):
    """Record a closed case's recurrence check: whether the problem came back (notes required then)."""
    return services.check_recurrence(actor=request.user, case_id=case_id, **payload.dict())


@router.post("/cases/{int:case_id}/assign", response=CaseOut)
def assign_case(request, case_id: int, payload: AssignIn):
    """Hand an open case to someone at its dealer who works cases (managers)."""
    return services.assign(actor=request.user, case_id=case_id, owner_id=payload.owner_id)


class SettingsIn(Input):
    dealer_id: Id
    first_contact_hours: api_type(CaseSettings, "first_contact_hours") = None
    minor_days: api_type(CaseSettings, "minor_days") = None
    major_days: api_type(CaseSettings, "major_days") = None
    critical_days: api_type(CaseSettings, "critical_days") = None
    escalate_gm_hours: api_type(CaseSettings, "escalate_gm_hours") = None
    lost_p_alive_percent: api_type(CaseSettings, "lost_p_alive_percent") = None
    lost_no_visit_months: api_type(CaseSettings, "lost_no_visit_months") = None
    root_causes: api_type(CaseSettings, "root_causes") = None


class SettingsOut(Schema):
    dealer_id: int
    first_contact_hours: int
    minor_days: int
    major_days: int
    critical_days: int
    escalate_gm_hours: int
    lost_p_alive_percent: int
    lost_no_visit_months: int
    root_causes: list[str]

    @staticmethod
    def resolve_root_causes(obj):
        return obj.root_cause_list()


@router.put("/cases/settings", response=SettingsOut)
def put_settings(request, payload: SettingsIn):
    """Change a dealer's case deadlines and root causes (the fields sent; ``root_causes`` one a line)."""
    changes = {key: value for key, value in payload.dict().items() if value is not None and key != "dealer_id"}
    return set_settings(actor=request.user, dealer_id=payload.dealer_id, **changes)


class RateOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    n: int
    k: int


class FunnelOut(Schema):
    detected: int
    contacted: int
    closed: int
    recovered: int
    resurveyed: int
    answered: int
    converted: int
    conversion: RateOut
    recovery: RateOut


class FunnelQuery(Schema):
    dealer: QueryId | None = None
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")


@router.get("/cases/detractors", response=FunnelOut)
def detractor_funnel(request, query: Query[FunnelQuery]):
    """The detractor funnel of the cases survey answers opened in the period (default: the last
    twelve months): detected, contacted, recovered, re-surveyed, answered, converted (9-10 on the
    re-survey), with the conversion and recovery rates and their 95% Wilson intervals."""
    require(request.user, Action.VIEW_CASES)
    end = query.end or timezone.localdate()
    start = query.start or end - dt.timedelta(days=364)
    if start > end:
        raise ValidationError({"to": _("The end date is before the start date.")})
    return funnel(request.user, start=start, end=end, dealer_id=query.dealer)


class CompensationIn(Input):
    kind: api_type(Compensation, "kind")
    value_cents: api_type(Compensation, "value_cents")
    points: api_type(Compensation, "points") = None
    description: api_type(Compensation, "description")


class DecisionIn(Input):
    approve: Annotated[bool, Strict()]
    note: api_type(Compensation, "decision_note") = ""


class CompensationOut(Schema):
    id: int
    case_id: int
    kind: str
    value_cents: int
    points: int | None
    description: str
    status: str
    offered_at: dt.datetime
    decided_at: dt.datetime | None


@router.post("/cases/{int:case_id}/compensations", response={201: CompensationOut})
def offer_compensation(request, case_id: int, payload: CompensationIn):
    """Offer compensation on an open case: approved at once up to the dealer's threshold, else
    ``pending`` until a manager decides."""
    return Status(201, compensation.offer(actor=request.user, case_id=case_id, **payload.dict()))


@router.post("/cases/compensations/{int:compensation_id}/decide", response=CompensationOut)
def decide_compensation(request, compensation_id: int, payload: DecisionIn):
    """Approve or reject pending compensation (a manager; not the one who offered it)."""
    return compensation.decide(actor=request.user, compensation_id=compensation_id, **payload.dict())
