"""The blacklist over JSON: the entries in the caller's scope, one entry, a proposal, and a
manager's approve / reject / lift. Thin: the doors and ``services.blacklist``; a customer or entry
outside the caller's scope is 404 (revealing nothing), bad input 422 naming the field."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from retain.bounds import Day, Id, Input, Page, QueryId, api_type, string
from retain.org.policy import Action, require

from ..access import access_blacklist_entry, visible_blacklist
from ..models.blacklist import MAX_NOTE, BlacklistEntry, EntryStatus, Reason
from ..services import blacklist as service

router = Router(tags=["cases: blacklist"])

StatusCode = Literal[tuple(EntryStatus.values)]  # type: ignore[valid-type]
ReasonCode = Literal[tuple(Reason.values)]  # type: ignore[valid-type]


class ProposeIn(Input):
    customer_id: Id
    reason: api_type(BlacklistEntry, "reason")
    evidence: api_type(BlacklistEntry, "evidence")
    expires_on: api_type(BlacklistEntry, "expires_on")


class ApproveIn(Input):
    note: string(MAX_NOTE) = ""


class RejectIn(Input):
    note: string(MAX_NOTE)


class LiftIn(Input):
    reason: string(MAX_NOTE)


def _name(staff):
    return staff.display_name if staff is not None else None


class EntryOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    dealer: str = Field(description="The dealer's code.")
    reason: str
    reason_label: str
    evidence: str
    status: str
    in_force: bool = Field(description="Approved, started and not yet expired today.")
    starts_on: dt.date
    expires_on: dt.date
    proposed_by: str = Field(description="By name, family name first.")
    proposed_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str
    lifted_by: str | None
    lifted_at: dt.datetime | None
    lift_reason: str
    expired_at: dt.datetime | None

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_reason_label(obj):
        return str(obj.get_reason_display())

    @staticmethod
    def resolve_in_force(obj):
        return obj.in_force(timezone.localdate())

    @staticmethod
    def resolve_proposed_by(obj):
        return _name(obj.proposed_by)

    @staticmethod
    def resolve_decided_by(obj):
        return _name(obj.decided_by)

    @staticmethod
    def resolve_lifted_by(obj):
        return _name(obj.lifted_by)


_RELATED = ("customer", "dealer", "proposed_by", "decided_by", "lifted_by")


def _fresh(entry):
    """The entry as written, with the people it names (for the answer)."""
    return BlacklistEntry.objects.select_related(*_RELATED).get(pk=entry.pk)


@router.get("/blacklist", response=list[EntryOut])
@paginate(Page)
def list_blacklist(request, status: StatusCode | None = None, reason: ReasonCode | None = None,
                   customer_id: QueryId | None = None, in_force_on: Day | None = None):
    """Entries in the caller's scope (a consultant's or advisor's: those they proposed; a dealer's
    managers' and marketing's: the dealer's; the region's and group's: theirs), newest first.
    ``in_force_on`` keeps the entries in force on that day."""
    require(request.user, Action.VIEW_BLACKLIST)
    found = visible_blacklist(request.user)
    filters = {"status": status, "reason": reason, "customer_id": customer_id}
    found = found.filter(**{name: value for name, value in filters.items() if value is not None})
    if in_force_on is not None:
        found = found.filter(status=EntryStatus.ACTIVE, starts_on__lte=in_force_on, expires_on__gt=in_force_on)
    return found.select_related(*_RELATED).order_by("-proposed_at", "-id")


@router.post("/blacklist", response={201: EntryOut})
def propose(request, payload: ProposeIn):
    """Propose a customer for the blacklist: ``reason`` (``abuse``, ``fraud``, ``unreasonable``,
    ``legal``, ``no_contact``), ``evidence`` (required) and ``expires_on`` (after today, at most 24
    months ahead). Not in force until a manager other than the proposer approves it. 404 for a
    customer outside the caller's scope."""
    entry = service.propose(actor=request.user, **payload.dict())
    return Status(201, _fresh(entry))


@router.get("/blacklist/{int:entry_id}", response=EntryOut)
def get_entry(request, entry_id: int):
    """One entry with every step's who and when."""
    return access_blacklist_entry(request.user, entry_id)


@router.post("/blacklist/{int:entry_id}/approve", response=EntryOut)
def approve(request, entry_id: int, payload: ApproveIn):
    """Approve a proposal (a manager, not its proposer): in force from today to its expiry day."""
    return _fresh(service.approve(actor=request.user, entry_id=entry_id, note=payload.note))


@router.post("/blacklist/{int:entry_id}/reject", response=EntryOut)
def reject(request, entry_id: int, payload: RejectIn):
    """Reject a proposal, with a ``note`` saying why."""
    return _fresh(service.reject(actor=request.user, entry_id=entry_id, note=payload.note))


@router.post("/blacklist/{int:entry_id}/lift", response=EntryOut)
def lift(request, entry_id: int, payload: LiftIn):
    """Lift an approved entry before it expires, with a ``reason`` (audited)."""
    return _fresh(service.lift(actor=request.user, entry_id=entry_id, reason=payload.reason))
