"""Owners' clubs (issue 11, item 6): clubs per dealer (optionally of one model), members joining
and leaving, and club events, which are sales' promotion events: creating one goes through
``sales.services.planning.create_event`` and invites the club's members through its ``invite``;
attendance goes through its ``register_attendance`` (points for attending are the earning
rules' event ``club_event_attended``, read from the invitations)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.analytics.retention import wilson_interval
from retain.bounds import check_fields
from retain.customers.access import visible_customers
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, dealers_in_scope, refusal, require
from retain.sales.models import Invitation
from retain.sales.services import planning

from ..models import Club, ClubEvent, ClubMembership

#: Most customers added to a club in one call.
MAX_MEMBERS_AT_ONCE = 1_000


def visible_clubs(actor):
    """Clubs at the dealers whose customers the actor sees."""
    return Club.objects.filter(dealer__in=dealers_in_scope(actor, Action.VIEW))


def access_club(actor, club_id, action: str = Action.VIEW, *, for_update: bool = False) -> Club:
    """A club in sight (404 revealing nothing if not); 403 if the actor may not ``action`` there."""
    try:
        clubs = visible_clubs(actor).select_related("dealer")
        club = (clubs.select_for_update(of=("self",)) if for_update else clubs).filter(pk=int(club_id)).first()
    except (TypeError, ValueError):
        club = None
    if club is None:
        raise Http404(_("No such club."))
    if action != Action.VIEW:
        require(actor, action)
        if not dealers_in_scope(actor, action).filter(pk=club.dealer_id).exists():
            raise PermissionDenied(refusal(action))
    return club


def _day(value, field: str, errors: dict) -> dt.date | None:
    if value is None:
        return timezone.localdate()
    if not isinstance(value, dt.date):
        errors[field] = _("Enter a date.")
        return None
    return value


@transaction.atomic
def create_club(*, actor, dealer_id, name: str, vehicle_model: str = "", description: str = "") -> Club:
    require(actor, Action.MANAGE_CLUBS)
    try:
        dealer = dealers_in_scope(actor, Action.MANAGE_CLUBS).filter(pk=int(dealer_id)).first()
    except (TypeError, ValueError):
        dealer = None
    if dealer is None:
        raise Http404(_("No such dealer."))
    name, vehicle_model = (name or "").strip(), (vehicle_model or "").strip()
    description = (description or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the club a name.")
    check_fields(Club, errors, name=name, vehicle_model=vehicle_model, description=description)
    if not errors and Club.objects.filter(dealer=dealer, name=name).exists():
        errors["name"] = _("The dealer already has a club of this name.")
    if errors:
        raise ValidationError(errors)
    club = Club.objects.create(dealer=dealer, name=name, vehicle_model=vehicle_model, description=description,
                               created_by=actor)
    audit.record(actor=actor, action=AuditCode.CLUB_CREATE, obj=club, dealer_id=dealer.pk,
                 after={"name": name, "vehicle_model": vehicle_model})
    return club


def _ids(values, field: str) -> list[int]:
    if not isinstance(values, (list, tuple, set)) or not values:
        raise ValidationError({field: _("Choose at least one customer.")})
    if len(values) > MAX_MEMBERS_AT_ONCE:
        raise ValidationError({field: _("At most %(n)s at once.") % {"n": MAX_MEMBERS_AT_ONCE}})
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise ValidationError({field: _("Customer numbers are whole numbers.")})


@transaction.atomic
def add_members(*, actor, club_id, customer_ids, joined_on: dt.date | None = None) -> dict:
    """Customers of the club's dealer (in the actor's sight) join; those already members are skipped."""
    club = access_club(actor, club_id, Action.MANAGE_CLUBS, for_update=True)
    ids = _ids(customer_ids, "customer_ids")
    errors = {}
    joined_on = _day(joined_on, "joined_on", errors)
    if errors:
        raise ValidationError(errors)
    found = set(visible_customers(actor).filter(pk__in=ids, dealer_id=club.dealer_id).values_list("pk", flat=True))
    if set(ids) - found:
        raise ValidationError({"customer_ids": _("Only customers of the club's dealer can join it.")})
    already = set(club.memberships.filter(customer_id__in=ids, left_on__isnull=True)
                  .values_list("customer_id", flat=True))
    joined = [pk for pk in ids if pk not in already]
    ClubMembership.objects.bulk_create(ClubMembership(club=club, customer_id=pk, joined_on=joined_on) for pk in joined)
    audit.record(actor=actor, action=AuditCode.CLUB_JOIN, obj=club, dealer_id=club.dealer_id,
                 after={"customers": joined, "joined_on": joined_on})
    return {"club": club, "joined": joined, "skipped": sorted(already)}


@transaction.atomic
def remove_member(*, actor, club_id, customer_id, left_on: dt.date | None = None) -> ClubMembership:
    club = access_club(actor, club_id, Action.MANAGE_CLUBS, for_update=True)
    errors = {}
    left_on = _day(left_on, "left_on", errors)
    try:
        membership = club.memberships.filter(customer_id=int(customer_id), left_on__isnull=True).first()
    except (TypeError, ValueError):
        membership = None
    if membership is None:
        errors["customer_id"] = _("This customer is not a member of the club.")
    elif left_on and left_on < membership.joined_on:
        errors["left_on"] = _("A member cannot leave before joining.")
    if errors:
        raise ValidationError(errors)
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit.record(actor=actor, action=AuditCode.CLUB_LEAVE, obj=membership, dealer_id=club.dealer_id,
                 after={"club": club.pk, "customer": membership.customer_id, "left_on": left_on})
    return membership


def active_members(club: Club):
    return club.memberships.filter(left_on__isnull=True)


@transaction.atomic
def create_club_event(*, actor, club_id, name: str, starts_on: dt.date, ends_on: dt.date,
                      description: str = "") -> dict:
    """A promotion event of the club (sales' service), with the club's current members invited."""
    club = access_club(actor, club_id, Action.MANAGE_CLUBS, for_update=True)
    event = planning.create_event(actor=actor, name=name, starts_on=starts_on, ends_on=ends_on,
                                  description=description, dealer_id=club.dealer_id)
    link = ClubEvent.objects.create(club=club, event=event)
    members = list(active_members(club).filter(customer__in=visible_customers(actor))
                   .values_list("customer_id", flat=True))
    invited = planning.invite(actor=actor, event_id=event.pk, customer_ids=members) if members else \
        {"invited": [], "skipped": [], "no_consent": []}
    audit.record(actor=actor, action=AuditCode.CLUB_EVENT, obj=link, dealer_id=club.dealer_id,
                 after={"club": club.pk, "event": event.pk, "invited": len(invited["invited"])})
    return {"club_event": link, "event": event, "invited": invited["invited"], "no_consent": invited["no_consent"]}


@transaction.atomic
def record_attendance(*, actor, club_id, event_id, customer_id, attended_on: dt.date | None = None) -> Invitation:
    """A member came to a club event (sales' ``register_attendance``)."""
    club = access_club(actor, club_id, Action.MANAGE_CLUBS)
    try:
        link = club.events.filter(event_id=int(event_id)).first()
    except (TypeError, ValueError):
        link = None
    if link is None:
        raise Http404(_("No such event."))
    return planning.register_attendance(actor=actor, event_id=link.event_id, customer_id=customer_id,
                                        attended_on=attended_on)


# ---------------------------------------------------------------------------------------------
# Reading


def club_events(club: Club) -> list[dict]:
    """The club's events, newest first, each with invited and attended counts and the rate."""
    events = list(club.events.select_related("event").annotate(
        invited=Count("event__invitations"),
        attended=Count("event__invitations", filter=Q(event__invitations__attended_on__isnull=False)))
        .order_by("-event__starts_on", "-id"))
    return [{"event": e.event, "invited": e.invited, "attended": e.attended,
             "rate": e.attended / e.invited if e.invited else None} for e in events]


def attendance(club: Club) -> dict:
    """Invitations and attendances over all the club's events, the rate and its Wilson 95% interval."""
    counts = Invitation.objects.filter(event__club_link__club=club).aggregate(
        invited=Count("id"), attended=Count("id", filter=Q(attended_on__isnull=False)))
    low, high = wilson_interval(counts["attended"], counts["invited"])
    n = counts["invited"]
    return {**counts, "rate": counts["attended"] / n if n else None,
            "low": float(low) if n else None, "high": float(high) if n else None}


def clubs_overview(actor, dealer=None) -> list[dict]:
    clubs = visible_clubs(actor).select_related("dealer")
    if dealer is not None:
        clubs = clubs.filter(dealer=dealer)
    clubs = clubs.annotate(members=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
                           events_count=Count("events", distinct=True)).order_by("dealer__code", "name")
    return list(clubs)
