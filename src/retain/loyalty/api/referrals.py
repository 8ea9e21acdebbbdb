"""Referrals, influence centres and owners' clubs over JSON (issue 11, items 5, 6, 11). Thin:
reads through the doors, writes through ``services.referrals`` / ``services.clubs``, each write
once per ``Idempotency-Key`` (``idempotent.respond``).

- ``GET /api/v1/loyalty/referrals?dealer=&start=&end=``: the dealer's referrals (paged);
- ``GET /api/v1/loyalty/influence-centres?dealer=&start=&end=``: referrers ranked by referrals won;
- ``GET /api/v1/loyalty/members/{id}/referrals``: whom a member brought, with points earned;
- ``POST /api/v1/loyalty/members/{id}/referral-code`` -> the member's code (made on first call);
- ``POST /api/v1/loyalty/members/{id}/referral {"code" | "referrer_id", "prospect_id"?}``;
- ``GET /api/v1/loyalty/clubs?dealer=``, ``POST /api/v1/loyalty/clubs``;
- ``GET /api/v1/loyalty/clubs/{id}/members``, ``POST .../members {"customer_ids", "joined_on"?}``,
  ``POST .../members/{customer_id}/leave {"left_on"?}``;
- ``GET /api/v1/loyalty/clubs/{id}/events``, ``POST .../events {"name", "starts_on", "ends_on"}``,
  ``POST .../events/{event_id}/attendance {"customer_id", "attended_on"?}``.
"""

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from retain.bounds import Day, Id, IdList, Input, Page, QueryId, api_type, string
from retain.org.policy import Action

from ..access import access_member
from ..models import Club, ClubMembership, Referral
from ..services import clubs, referrals
from .idempotent import respond
from .members import ErrorOut, Key

router = Router(tags=["loyalty"])
WRITE_ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ReferralOut(Schema):
    id: int
    customer_id: int
    customer: str
    referrer_id: int
    referrer: str
    prospect_id: int | None
    prospect_status: str | None
    delivered_on: dt.date | None
    referred_on: dt.date
    points: int = 0

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.name

    @staticmethod
    def resolve_referrer(obj):
        return obj.referrer.name

    @staticmethod
    def resolve_prospect_status(obj):
        return obj.prospect.status if obj.prospect_id else None

    @staticmethod
    def resolve_delivered_on(obj):
        return obj.prospect.delivered_on if obj.prospect_id else None


class CentreOut(Schema):
    rank: int
    customer_id: int
    name: str
    referred: int
    won: int
    conversion: float
    conversion_low: float
    conversion_high: float
    points: int


class CentresOut(Schema):
    dealer_id: int
    start: dt.date
    end: dt.date
    centres: list[CentreOut]


class CodeOut(Schema):
    customer_id: int
    code: str


class RecordIn(Input):
    code: string(referrals.MAX_CODE_INPUT) | None = None
    referrer_id: Id | None = None
    prospect_id: Id | None = None


class ClubIn(Input):
    dealer_id: Id
    name: api_type(Club, "name")
    vehicle_model: api_type(Club, "vehicle_model") = ""
    description: api_type(Club, "description") = ""


class ClubOut(Schema):
    id: int
    dealer_id: int
    name: str
    vehicle_model: str
    members: int = 0


class MembersIn(Input):
    customer_ids: IdList
    joined_on: api_type(ClubMembership, "joined_on") = None


class LeaveIn(Input):
    left_on: api_type(ClubMembership, "left_on") = None


class MemberOut(Schema):
    customer_id: int
    name: str
    joined_on: dt.date
    left_on: dt.date | None

    @staticmethod
    def resolve_name(obj):
        return obj.customer.name


class ClubEventIn(Input):
    name: string(100)
    starts_on: Day
    ends_on: Day
    description: string(10_000) = ""


class ClubEventOut(Schema):
    event_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    invited: int
    attended: int


class AttendIn(Input):
    customer_id: Id
    attended_on: Day | None = None


def _period(start, end):
    return referrals.period(start, end)


@router.get("/loyalty/referrals", response=list[ReferralOut])
@paginate(Page)
def list_referrals(request, dealer: QueryId | None = None, start: Day | None = None, end: Day | None = None):
    """Referrals at the dealer (the caller's own by default) whose referrer the caller sees, newest first."""
    chosen = referrals.dealer_for(request.user, dealer)
    start, end = _period(start, end)
    return (referrals.visible_referrals(request.user).filter(dealer=chosen, referred_on__range=(start, end))
            .select_related("customer", "referrer", "prospect").order_by("-referred_on", "-id"))


@router.get("/loyalty/influence-centres", response={200: CentresOut, 404: ErrorOut, 422: ErrorOut})
def influence_centres(request, dealer: QueryId | None = None, start: Day | None = None, end: Day | None = None):
    """Owners ranked by referrals won in the period (default: the last 24 months)."""
    chosen = referrals.dealer_for(request.user, dealer)
    start, end = _period(start, end)
    rows = referrals.influence_centres(request.user, dealer=chosen, start=start, end=end)
    return {"dealer_id": chosen.pk, "start": start, "end": end, "centres": [
        {"rank": r["rank"], "customer_id": r["customer"].pk, "name": r["customer"].name, "referred": r["referred"],
         "won": r["won"], "conversion": r["conversion"], "conversion_low": r["low"], "conversion_high": r["high"],
         "points": r["points"]} for r in rows]}


@router.get("/loyalty/members/{int:customer_id}/referrals", response=list[ReferralOut])
def member_referrals(request, customer_id: int):
    """Whom the member brought, with each one's prospect status and the points the referral earned."""
    customer = access_member(request.user, customer_id, Action.VIEW_REFERRALS)
    rows = referrals.referrals_of(customer)
    out = []
    for row in rows:
        row["referral"].points = row["points"]
        out.append(row["referral"])
    return out


@router.post("/loyalty/members/{int:customer_id}/referral-code", response={201: CodeOut, **WRITE_ERRORS})
def referral_code(request, customer_id: int, idempotency_key: Key = None):
    """The member's referral code (made on the first call; the same code afterwards)."""
    return respond(request, {}, lambda: {"customer_id": customer_id, "code": referrals.referral_code(
        actor=request.user, customer_id=customer_id).code})


@router.post("/loyalty/members/{int:customer_id}/referral", response={201: ReferralOut, **WRITE_ERRORS})
def record_referral(request, customer_id: int, payload: RecordIn, idempotency_key: Key = None):
    """Record who referred this customer (their code, or their id), linked to the customer's prospect."""
    body = payload.dict()

    def write():
        made = referrals.record_referral(actor=request.user, customer_id=customer_id, **body)
        made = Referral.objects.select_related("customer", "referrer", "prospect").get(pk=made.pk)
        return ReferralOut.from_orm(made).model_dump(mode="json")

    return respond(request, body, write)


@router.get("/loyalty/clubs", response=list[ClubOut])
def list_clubs(request, dealer: QueryId | None = None):
    """Owners' clubs at the dealers the caller sees (one dealer's if asked)."""
    chosen = referrals.dealer_for(request.user, dealer, Action.VIEW) if dealer else None
    return clubs.clubs_overview(request.user, chosen)


def _club_out(club) -> dict:
    return {"id": club.pk, "dealer_id": club.dealer_id, "name": club.name, "vehicle_model": club.vehicle_model,
            "members": clubs.active_members(club).count()}


@router.post("/loyalty/clubs", response={201: ClubOut, **WRITE_ERRORS})
def create_club(request, payload: ClubIn, idempotency_key: Key = None):
    body = payload.dict()
    return respond(request, body, lambda: _club_out(clubs.create_club(actor=request.user, **body)))


@router.get("/loyalty/clubs/{int:club_id}/members", response=list[MemberOut])
@paginate(Page)
def list_members(request, club_id: int, former: bool = False):
    """The club's members (``former=true``: those who left too), by joining day."""
    club = clubs.access_club(request.user, club_id)
    members = club.memberships.select_related("customer")
    return (members if former else members.filter(left_on__isnull=True)).order_by("joined_on", "id")


@router.post("/loyalty/clubs/{int:club_id}/members", response={201: dict, **WRITE_ERRORS})
def add_members(request, club_id: int, payload: MembersIn, idempotency_key: Key = None):
    body = payload.dict()

    def write():
        done = clubs.add_members(actor=request.user, club_id=club_id, **body)
        return {"joined": done["joined"], "skipped": done["skipped"]}

    return respond(request, body, write)


@router.post("/loyalty/clubs/{int:club_id}/members/{int:customer_id}/leave", response={201: MemberOut, **WRITE_ERRORS})
def leave(request, club_id: int, customer_id: int, payload: LeaveIn, idempotency_key: Key = None):
    body = payload.dict()
    return respond(request, body, lambda: MemberOut.from_orm(clubs.remove_member(
        actor=request.user, club_id=club_id, customer_id=customer_id, **body)).model_dump(mode="json"))


def _event_out(row) -> dict:
    event = row["event"]
    return {"event_id": event.pk, "name": event.name, "starts_on": event.starts_on, "ends_on": event.ends_on,
            "invited": row["invited"], "attended": row["attended"]}


@router.get("/loyalty/clubs/{int:club_id}/events", response=list[ClubEventOut])
def list_events(request, club_id: int):
    """The club's events, newest first, with invitations and attendance."""
    club = clubs.access_club(request.user, club_id)
    return [_event_out(row) for row in clubs.club_events(club)]


@router.post("/loyalty/clubs/{int:club_id}/events", response={201: ClubEventOut, **WRITE_ERRORS})
def create_event(request, club_id: int, payload: ClubEventIn, idempotency_key: Key = None):
    """A club event (a promotion event) with the club's members invited."""
    body = payload.dict()

    def write():
        made = clubs.create_club_event(actor=request.user, club_id=club_id, **body)
        return ClubEventOut(event_id=made["event"].pk, name=made["event"].name, starts_on=made["event"].starts_on,
                            ends_on=made["event"].ends_on, invited=len(made["invited"]), attended=0
                            ).model_dump(mode="json")

    return respond(request, body, write)


@router.post("/loyalty/clubs/{int:club_id}/events/{int:event_id}/attendance", response={201: dict, **WRITE_ERRORS})
def attend(request, club_id: int, event_id: int, payload: AttendIn, idempotency_key: Key = None):
    body = payload.dict()

    def write():
        invitation = clubs.record_attendance(actor=request.user, club_id=club_id, event_id=event_id, **body)
        return {"invitation_id": invitation.pk, "customer_id": invitation.customer_id,
                "attended_on": invitation.attended_on.isoformat()}

    return respond(request, body, write)
