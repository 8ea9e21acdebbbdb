"""Invitations over JSON (issue 9, item 7): invite a customer (the answer carries the link, this
once), the invitations in the caller's scope, one invitation (never its link nor its token).
Thin: the door and ``services.invitations``; a customer or survey outside the caller's scope is
404, a refusal (consent, the blacklist, contact fatigue with the day it ends) 422 on the field."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from retain.bounds import Id, Input, Page, QueryId

from .. import tokens
from ..access import READ_INVITATIONS, access_invitation, visible_invitations
from ..models import InvitationStatus, Trigger
from ..services import invitations as service

router = Router(tags=["surveys"])

StatusCode = Literal[tuple(InvitationStatus.values)]  # type: ignore[valid-type]
TriggerCode = Literal[tuple(Trigger.values)]  # type: ignore[valid-type]


class InviteIn(Input):
    customer_id: Id
    transaction_id: Id | None = None


class CreatedOut(Schema):
    id: int
    status: str
    link: str = Field(description="The single-use link: given in this answer only, never again.")
    expires_at: dt.datetime


class InvitationOut(Schema):
    id: int
    survey_id: int
    version: int
    dealer: str = Field(description="The dealer's code.")
    customer_id: int | None
    customer_name: str | None
    respondent_staff: str | None = Field(description="The staff member asked (a self-assessment), by name.")
    transaction_id: int | None
    vehicle_id: int | None
    served_by: str | None = Field(description="Who served the customer, by name (family name first).")
    trigger: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    opened_at: dt.datetime | None
    reminded_at: dt.datetime | None
    answered_at: dt.datetime | None
    message_id: int | None

    @staticmethod
    def resolve_version(obj):
        return obj.version.number

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_respondent_staff(obj):
        return obj.respondent_staff.display_name if obj.respondent_staff_id else None

    @staticmethod
    def resolve_served_by(obj):
        return obj.staff.display_name if obj.staff_id else None


_RELATED = ("version", "dealer", "customer", "respondent_staff", "staff")


@router.post("/surveys/{int:survey_id}/invitations", response={201: CreatedOut})
def create_invitation(request, survey_id: int, payload: InviteIn):
    """Invite a customer to the survey, by message through the dealer's channels. 404 for a
    customer or survey outside the caller's scope; 422 naming ``customer_id`` when consent, the
    blacklist or contact fatigue (with the day it ends) refuses, ``transaction_id`` for a
    transaction of someone else, ``survey`` for an inactive or staff survey."""
    invitation, token = service.invite(actor=request.user, survey_id=survey_id, customer_id=payload.customer_id,
                                       transaction_id=payload.transaction_id)
    return Status(201, {"id": invitation.pk, "status": invitation.status, "link": tokens.link(token),
                        "expires_at": invitation.expires_at})


@router.get("/invitations", response=list[InvitationOut])
@paginate(Page)
def list_invitations(request, survey_id: QueryId | None = None, status: StatusCode | None = None,
                     trigger: TriggerCode | None = None):
    """Invitations in the caller's scope (a consultant's or advisor's: those of customers they
    served; a dealer's managers': the dealer's; the region's and the group's: theirs), newest first."""
    found = visible_invitations(request.user, READ_INVITATIONS)
    filters = {"survey_id": survey_id, "status": status, "trigger": trigger}
    return (found.filter(**{name: value for name, value in filters.items() if value is not None})
            .select_related(*_RELATED).order_by("-created_at", "-id"))


@router.get("/invitations/{int:invitation_id}", response=InvitationOut)
def get_invitation(request, invitation_id: int):
    """One invitation (without its link: that was shown once)."""
    return access_invitation(request.user, invitation_id)
