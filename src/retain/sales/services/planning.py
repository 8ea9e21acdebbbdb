"""Planning and measuring the showroom's work (DOMAIN.md section 4): monthly targets against
what was done (营业目标计划与实际比较表), the sales funnel by source with the referral effect,
and promotion events (invite from the base, register who came, follow up, compare events).

Definitions used throughout:

* **walk-ins** are lines of the walk-in / phone-in register (``ShowroomVisit``, 来店(电)),
  except visits for after-sales service, counted by the local date the visitor arrived;
* **new prospects** are prospects whose first contact falls in the period;
* **orders** and **deliveries** are counted by ``ordered_on`` / ``delivered_on`` for targets
  (what happened in the month), and, in the funnel, as the outcome to date of the prospects
  first contacted in the period (a cohort), so that conversion rates compare like with like;
* **referred** prospects are those from source ``base_maintenance`` (owners' referrals,
  replacement and additional purchases) or ``vip`` (VIP introductions): both come through
  someone who already knows the dealer. DOMAIN.md says they close about twice as often.

Writes are transactions that check access, validate (``ValidationError`` naming the field,
nothing written) and append their audit rows, like ``sales.services``.
"""

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateField, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.analytics.retention import wilson_interval
from retain.bounds import check_fields
from retain.customers.access import CustomerNotFound, access_customer, visible_customers
from retain.customers.models import Consent, ConsentPurpose, Source
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer, Staff
from retain.org.policy import Action, Scope, allowed, dealers_in_scope, require, scope_of

from ..access import access_event, access_invitation, sellers, visible_events, visible_prospects, visible_visits
from ..models import (
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    ContactPurpose,
    Invitation,
    PromotionEvent,
    SalesTarget,
    VisitOutcome,
)
from ..periods import check_period, day_start, month_start, next_month

#: The figures a target sets.
TARGET_FIELDS = ("walk_ins", "new_prospects", "orders", "deliveries")
#: Sources counted as "referred" (see the module docstring).
REFERRED_SOURCES = (Source.BASE_MAINTENANCE, Source.VIP)
#: Days after an event's last day in which attendees' new prospects and orders count for it.
EVENT_EFFECT_DAYS = 30


# ---------------------------------------------------------------------------------------------
# Helpers


def rate(part, whole) -> float | None:
    """``part / whole`` as a fraction, or None when there is nothing to divide by."""
    return part / whole if whole else None


def achievement(actual, target) -> float | None:
    """Actual as a percentage of the target (one decimal), None without a target."""
    return round(100 * actual / target, 1) if target else None


def _interval(successes: int, n: int) -> tuple[float | None, float | None]:
    low, high = wilson_interval(successes, n)
    low, high = float(low), float(high)
    return (None if math.isnan(low) else low, None if math.isnan(high) else high)


def _count(value, field) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Enter a whole number.")})
    if number != value and not isinstance(value, str):
        raise ValidationError({field: _("Enter a whole number.")})
    if number < 0:
        raise ValidationError({field: _("A target cannot be negative.")})
    return number


def _dealer_for(actor, dealer_id, action=Action.VIEW) -> Dealer:
    """The dealer asked for, which must be in the actor's scope; by default the actor's own, or
    the first of their scope."""
    dealers = dealers_in_scope(actor, action)
    if dealer_id in (None, ""):
        dealer = dealers.filter(pk=actor.dealer_id).first() or dealers.order_by("code").first()
        if dealer is None:
            raise ValidationError({"dealer": _("Choose a dealer.")})
        return dealer
    try:
        dealer_id = int(dealer_id)
    except (TypeError, ValueError):
        raise ValidationError({"dealer": _("Choose a dealer.")})
    dealer = dealers.filter(pk=dealer_id).first()
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer


def _walk_ins(visits):
    return visits.exclude(outcome=VisitOutcome.SERVICE)


# ---------------------------------------------------------------------------------------------
# Targets


def can_set_targets(actor) -> bool:
    return allowed(actor, Action.SET_TARGETS)


@transaction.atomic
def set_target(*, actor, dealer_id, month, consultant_id=None, walk_ins=0, new_prospects=0, orders=0,
               deliveries=0) -> SalesTarget:
    """Set (create or replace) a month's targets for a dealer, or for one consultant there."""
    require(actor, Action.SET_TARGETS)
    dealer = _dealer_for(actor, dealer_id, Action.SET_TARGETS)
    errors, figures = {}, {}
    try:
        month = month_start(month)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, value in zip(TARGET_FIELDS, (walk_ins, new_prospects, orders, deliveries)):
        try:
            figures[field] = _count(value, field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    check_fields(SalesTarget, errors, **figures)
    consultant = None
    if consultant_id not in (None, ""):
        consultant = Staff.objects.filter(pk=consultant_id, dealer=dealer, is_active=True).first() \
            if str(consultant_id).isdigit() else None
        if consultant is None:
            errors["consultant_id"] = _("Choose an active colleague at the dealer.")
    if errors:
        raise ValidationError(errors)
    target = SalesTarget.objects.select_for_update().filter(dealer=dealer, consultant=consultant, month=month).first()
    before = {field: getattr(target, field) for field in TARGET_FIELDS} if target else None
    if target is None:
        target = SalesTarget(dealer=dealer, consultant=consultant, month=month)
    for field, value in figures.items():
        setattr(target, field, value)
    target.save()
    audit.record(actor=actor, action=AuditCode.TARGET_SET, obj=target, before=before,
                 after={"month": month, "consultant": consultant.pk if consultant else None, **figures})
    return target


def _by_owner(queryset, owner_field):
    return {row[owner_field]: row["n"] for row in queryset.values(owner_field).annotate(n=Count("id")).order_by()}


def targets_vs_actual(actor, month, dealer_id=None) -> dict:
    """The target vs actual table (营业目标计划与实际比较表) of a dealer for a month: one row per
    consultant (and one for work without a consultant) and the dealer's total. A consultant
    sees only their own row."""
    month = month_start(month)
    dealer = _dealer_for(actor, dealer_id)
    end = next_month(month)
    arrive_from, arrive_to = day_start(month), day_start(end)
    visits = _walk_ins(visible_visits(actor).filter(dealer=dealer, arrived_at__gte=arrive_from,
                                                    arrived_at__lt=arrive_to))
    prospects = visible_prospects(actor).filter(dealer=dealer)
    actual = {
        "walk_ins": _by_owner(visits, "consultant_id"),
        "new_prospects": _by_owner(prospects.filter(first_contact__gte=month, first_contact__lt=end), "owner_id"),
        "orders": _by_owner(prospects.filter(ordered_on__gte=month, ordered_on__lt=end), "owner_id"),
        "deliveries": _by_owner(prospects.filter(delivered_on__gte=month, delivered_on__lt=end), "owner_id"),
    }
    own_only = scope_of(actor, Action.VIEW) is Scope.OWN
    targets = SalesTarget.objects.filter(dealer=dealer, month=month)
    if own_only:
        targets = targets.filter(consultant=actor)
    targets = list(targets)
    consultant_targets = {t.consultant_id: t for t in targets if t.consultant_id}
    dealer_target = next((t for t in targets if t.consultant_id is None), None)

    if own_only:
        ids = {actor.pk}
    else:
        ids = set(consultant_targets) | set(sellers([dealer]).values_list("pk", flat=True))
        for figures in actual.values():
            ids |= set(figures)
    people = {s.pk: s for s in Staff.objects.filter(pk__in=[i for i in ids if i is not None])}

    def row(target, counts, **extra):
        cells = []
        for field in TARGET_FIELDS:
            goal = getattr(target, field) if target else 0
            cells.append({"field": field, "target": goal, "actual": counts[field],
                          "achievement": achievement(counts[field], goal)})
        return {**extra, "cells": cells, **{f: c for f, c in zip(TARGET_FIELDS, cells)}}

    rows = []
    for pk in sorted(ids, key=lambda i: (i is None, people[i].username if i in people else "")):
        counts = {field: actual[field].get(pk, 0) for field in TARGET_FIELDS}
        rows.append(row(consultant_targets.get(pk), counts, consultant_id=pk,
                        consultant=people[pk].display_name if pk in people else _("No consultant")))
    total = None
    if not own_only:
        counts = {field: sum(actual[field].values()) for field in TARGET_FIELDS}
        total = row(dealer_target, counts, consultant_id=None, consultant=_("Dealer total"),
                    consultant_targets={f: sum(getattr(t, f) for t in consultant_targets.values())
                                        for f in TARGET_FIELDS})
    return {"dealer": dealer, "month": month, "rows": rows, "total": total}


# ---------------------------------------------------------------------------------------------
# Funnel


def _stages(walk_ins: int, prospects: int, orders: int, deliveries: int) -> dict:
    return {"walk_ins": walk_ins, "prospects": prospects, "orders": orders, "deliveries": deliveries,
            "prospect_rate": rate(prospects, walk_ins), "order_rate": rate(orders, prospects),
            "delivery_rate": rate(deliveries, orders), "close_rate": rate(deliveries, prospects)}


def funnel(actor, start: dt.date, end: dt.date, dealer_id=None) -> dict:
    """Walk-ins -> prospects -> orders -> deliveries for the period (both days included), overall
    and by source, and the close rate of referred against other prospects with Wilson 95%
    intervals. Prospects are those first contacted in the period; their orders and deliveries
    count to date. The walk-in -> prospect rate divides prospects from every source by the
    register's walk-ins, the way the showroom statistics table does."""
    start, end = check_period(start, end)
    visits = visible_visits(actor)
    prospects = visible_prospects(actor)
    dealer = None
    if dealer_id not in (None, ""):
        dealer = _dealer_for(actor, dealer_id)
        visits, prospects = visits.filter(dealer=dealer), prospects.filter(dealer=dealer)
    arrive_from, arrive_to = day_start(start), day_start(end + dt.timedelta(days=1))
    visit_counts = {row["source"]: row["n"] for row in
                    _walk_ins(visits.filter(arrived_at__gte=arrive_from, arrived_at__lt=arrive_to))
                    .values("source").annotate(n=Count("id")).order_by()}
    cohort = {row["source"]: row for row in
              prospects.filter(first_contact__gte=start, first_contact__lte=end).values("source")
              .annotate(prospects=Count("id"), orders=Count("id", filter=Q(ordered_on__isnull=False)),
                        deliveries=Count("id", filter=Q(delivered_on__isnull=False))).order_by()}
    labels = dict(Source.choices)
    sources = [s for s in PROSPECT_SOURCES] + [s for s in set(visit_counts) | set(cohort) if s not in PROSPECT_SOURCES]
    by_source = []
    for source in sources:
        c = cohort.get(source, {})
        stages = _stages(visit_counts.get(source, 0), c.get("prospects", 0), c.get("orders", 0),
                         c.get("deliveries", 0))
        by_source.append({"source": str(source), "label": str(labels.get(source, source)),
                          "referred": source in REFERRED_SOURCES, **stages})

    def total(rows):
        return _stages(*(sum(r[k] for r in rows) for k in ("walk_ins", "prospects", "orders", "deliveries")))

    overall = total(by_source)
    groups = {}
    for name, referred in (("referred", True), ("other", False)):
        rows = [r for r in by_source if r["referred"] is referred]
        stages = total(rows)
        low, high = _interval(stages["deliveries"], stages["prospects"])
        groups[name] = {"prospects": stages["prospects"], "deliveries": stages["deliveries"],
                        "close_rate": stages["close_rate"], "close_rate_low": low, "close_rate_high": high}
    referred, other = groups["referred"], groups["other"]
    return {
        "start": start, "end": end, "dealer": dealer, "overall": overall, "by_source": by_source,
        "referred_sources": [str(s) for s in REFERRED_SOURCES],
        "referral_share": rate(referred["prospects"], overall["prospects"]),
        "referred": referred, "other": other,
        "close_rate_ratio": (referred["close_rate"] / other["close_rate"]
                             if referred["close_rate"] is not None and other["close_rate"] else None),
    }


# ---------------------------------------------------------------------------------------------
# Promotion events


def can_organise_events(actor) -> bool:
    return allowed(actor, Action.RUN_EVENTS)


def event_invitations(actor, event):
    """The event's invitations of customers the actor sees."""
    return event.invitations.filter(customer__in=visible_customers(actor))


@transaction.atomic
def create_event(*, actor, name: str, starts_on: dt.date, ends_on: dt.date, description: str = "",
                 dealer_id=None) -> PromotionEvent:
    """A promotion event at the actor's dealer (a region or group manager names the dealer)."""
    require(actor, Action.RUN_EVENTS)
    dealer = _dealer_for(actor, dealer_id, Action.RUN_EVENTS)
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the event a name.")
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = _("Enter a date.")
    if not isinstance(ends_on, dt.date):
        errors["ends_on"] = _("Enter a date.")
    elif not errors and ends_on < starts_on:
        errors["ends_on"] = _("The event cannot end before it starts.")
    check_fields(PromotionEvent, errors, name=name, starts_on=starts_on, ends_on=ends_on, description=description)
    if errors:
        raise ValidationError(errors)
    event = PromotionEvent.objects.create(dealer=dealer, name=name, starts_on=starts_on, ends_on=ends_on,
                                          description=(description or "").strip(), created_by=actor)
    audit.record(actor=actor, action=AuditCode.EVENT_CREATE, obj=event,
                 after={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return event


def _marketing_withdrawn(customer_ids) -> set[int]:
    """Customers whose newest marketing consent row is a withdrawal."""
    newest = Consent.objects.filter(customer_id=OuterRef("customer_id"), purpose=ConsentPurpose.MARKETING) \
        .order_by("-recorded_at", "-id").values("pk")[:1]
    return set(Consent.objects.filter(customer_id__in=customer_ids, purpose=ConsentPurpose.MARKETING,
                                      pk=Subquery(newest), granted=False).values_list("customer_id", flat=True))


@transaction.atomic
def invite(*, actor, event_id, customer_ids) -> dict:
    """Invite customers the actor sees to an event. Customers already invited (or listed twice)
    are skipped, and so are those who withdrew marketing consent; each invitation is also a
    promotion contact (a message) on the daily report. A customer out of sight refuses the whole
    call (404) and nothing is written."""
    event = access_event(actor, event_id)
    today = timezone.localdate()
    if event.ends_on < today:
        raise ValidationError({"event": _("The event is over; invitations are closed.")})
    if not isinstance(customer_ids, (list, tuple, set)) or not customer_ids:
        raise ValidationError({"customer_ids": _("Choose at least one customer.")})
    try:
        ids = [int(pk) for pk in customer_ids]
    except (TypeError, ValueError):
        raise ValidationError({"customer_ids": _("Customer numbers are whole numbers.")})
    found = set(visible_customers(actor).filter(pk__in=ids).values_list("pk", flat=True))
    if set(ids) - found:
        raise CustomerNotFound(_("No such customer."))
    already = set(event.invitations.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    withdrawn = _marketing_withdrawn(ids)
    invited, skipped, seen = [], [], set()
    for pk in ids:
        if pk in seen or pk in already:
            skipped.append(pk)
        elif pk not in withdrawn:
            invited.append(pk)
        seen.add(pk)
    created = Invitation.objects.bulk_create(
        Invitation(event=event, customer_id=pk, invited_by=actor, invited_on=today) for pk in invited)
    note = _("Invited to %(event)s") % {"event": event.name}
    Contact.objects.bulk_create(
        Contact(customer_id=pk, purpose=ContactPurpose.PROMOTION, kind=ContactKind.MESSAGE, contacted_on=today,
                notes=note, recorded_by=actor) for pk in invited)
    audit.record_many(actor=actor, action=AuditCode.EVENT_INVITE, object_type="invitation",
                      rows=[(inv.pk, event.dealer_id, None, {"event": event.pk, "customer": inv.customer_id})
                            for inv in created])
    return {"event": event, "invited": invited, "skipped": skipped, "no_consent": sorted(withdrawn & set(ids))}


@transaction.atomic
def register_attendance(*, actor, event_id, customer_id, attended_on: dt.date | None = None) -> Invitation:
    """An invited customer came (a day within the event, not in the future)."""
    event = access_event(actor, event_id)
    customer = access_customer(actor, customer_id)
    attended_on = attended_on or timezone.localdate()
    invitation = event.invitations.select_for_update().filter(customer=customer).first()
    errors = {}
    if invitation is None:
        errors["customer_id"] = _("This customer was not invited to the event.")
    if not isinstance(attended_on, dt.date):
        errors["attended_on"] = _("Enter a date.")
    elif not event.starts_on <= attended_on <= event.ends_on:
        errors["attended_on"] = _("The day must fall within the event (%(start)s to %(end)s).") % {
            "start": event.starts_on, "end": event.ends_on}
    elif attended_on > timezone.localdate():
        errors["attended_on"] = _("Attendance cannot be registered in advance.")
    if errors:
        raise ValidationError(errors)
    before = {"attended_on": invitation.attended_on}
    invitation.attended_on = attended_on
    invitation.save(update_fields=["attended_on"])
    audit.record(actor=actor, action=AuditCode.INVITATION_ATTEND, obj=invitation, dealer_id=event.dealer_id,
                 before=before, after={"attended_on": attended_on})
    return invitation


@transaction.atomic
def record_follow_up(*, actor, invitation_id, result: str, followed_up_on: dt.date | None = None) -> Invitation:
    """The follow-up after the event: what came of it, and when."""
    invitation = access_invitation(actor, invitation_id)
    followed_up_on = followed_up_on or timezone.localdate()
    result = (result or "").strip()
    errors = {}
    if not result:
        errors["result"] = _("Say what came of the follow-up.")
    elif len(result) > 200:
        errors["result"] = _("Keep the result under 200 characters.")
    if not isinstance(followed_up_on, dt.date):
        errors["followed_up_on"] = _("Enter a date.")
    elif followed_up_on > timezone.localdate():
        errors["followed_up_on"] = _("A follow-up cannot be recorded in advance.")
    elif followed_up_on < invitation.invited_on:
        errors["followed_up_on"] = _("The follow-up is before the invitation.")
    if errors:
        raise ValidationError(errors)
    before = {"followed_up_on": invitation.followed_up_on, "result": invitation.follow_up_result}
    invitation.followed_up_on, invitation.follow_up_result = followed_up_on, result
    invitation.save(update_fields=["followed_up_on", "follow_up_result"])
    audit.record(actor=actor, action=AuditCode.INVITATION_FOLLOW_UP, obj=invitation, dealer_id=invitation.event.dealer_id,
                 before=before, after={"followed_up_on": followed_up_on, "result": result})
    return invitation


def compare_events(actor, event_ids=None, start: dt.date | None = None, end: dt.date | None = None) -> list[dict]:
    """Events side by side: invited, attended, attendance rate, followed up, and the prospects
    opened and orders taken by attendees from the event's first day to 30 days after its last.
    Events are picked by id, or those starting within [start, end]; counts cover the customers
    and prospects the actor sees."""
    events = visible_events(actor)
    if event_ids is not None:
        try:
            ids = [int(pk) for pk in event_ids]
        except (TypeError, ValueError):
            raise ValidationError({"ids": _("Event numbers are whole numbers.")})
        if not ids:
            raise ValidationError({"ids": _("Choose at least one event.")})
        events = events.filter(pk__in=ids)
        if events.count() != len(set(ids)):
            raise Http404(_("No such event."))
    else:
        if start is not None and end is not None:
            check_period(start, end)
        if start is not None:
            events = events.filter(starts_on__gte=start)
        if end is not None:
            events = events.filter(starts_on__lte=end)
    events = list(events.select_related("dealer").order_by("starts_on", "id"))
    seen_customers = visible_customers(actor)
    counts = {row["event_id"]: row for row in
              Invitation.objects.filter(event__in=[e.pk for e in events], customer__in=seen_customers)
              .values("event_id")
              .annotate(invited=Count("id"), attended=Count("id", filter=Q(attended_on__isnull=False)),
                        followed_up=Count("id", filter=Q(followed_up_on__isnull=False))).order_by()}
    # Attendees' prospects opened and orders taken from the event's first day to 30 days after
    # its last, for every event at once (one query, joined through the invitations).
    via = "customer__invitations__"
    since = F(via + "event__starts_on")
    until = ExpressionWrapper(F(via + "event__ends_on") + dt.timedelta(days=EVENT_EFFECT_DAYS),
                              output_field=DateField())
    effects = {row[via + "event"]: row for row in visible_prospects(actor).filter(
        customer__in=seen_customers, **{via + "event__in": [e.pk for e in events], via + "attended_on__isnull": False})
        .values(via + "event")
        .annotate(prospects=Count("id", filter=Q(first_contact__gte=since, first_contact__lte=until)),
                  orders=Count("id", filter=Q(ordered_on__gte=since, ordered_on__lte=until))).order_by()}
    rows = []
    for event in events:
        c = counts.get(event.pk, {"invited": 0, "attended": 0, "followed_up": 0})
        effect = effects.get(event.pk, {"prospects": 0, "orders": 0})
        rows.append({"event": event, "id": event.pk, "name": event.name, "starts_on": event.starts_on,
                     "ends_on": event.ends_on, "invited": c["invited"], "attended": c["attended"],
                     "attendance_rate": rate(c["attended"], c["invited"]), "followed_up": c["followed_up"],
                     "prospects": effect["prospects"], "orders": effect["orders"],
                     "order_rate": rate(effect["orders"], c["attended"])})
    return rows
