"""Lost owners and win-back: record a lost owner, the worker's proposals, confirm or dismiss a
proposal, log a win-back step, mark an owner won back. One audit row per change.

The value of a lost owner is computed here only, through
``retain.analytics.retention.lost_customer_value``, from the customer's own transactions up to
the day they were lost: their annual spend is what they spent divided by the years from their
first transaction to that day (at least the dealer's car replacement cycle, 5 years by default,
so that a car bought last year is not counted as bought every year), over ``YEARS`` more years, plus the
word-of-mouth loss with the training material's assumptions (``WORD_OF_MOUTH``). The inputs are
stored on the record so the page states how the value was reached.
"""

import datetime as dt

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.analytics.retention import lost_customer_value
from retain.bounds import MAX_DATE, MIN_DATE, check_fields
from retain.customers.access import access_customer
from retain.customers.models import Customer, Status, Transaction
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, Scope, dealers_in_scope, refusal, require

from .. import alive
from ..access import access_lost_owner
from ..models.case import CaseSettings
from ..models.lost import OPEN_STATUSES, LostOwner, LostReason, LostSource, LostStatus, WinBackStep, WinBackStepKind

#: The years a lost owner would have stayed (the worksheet's horizon, seed 001).
YEARS = 10
#: The word-of-mouth assumptions (DOMAIN.md section 7, the low end of "tells 10-20 people"):
#: 10 told x half influenced x 5 more each x a quarter stop = 6.25 customers lost per lost owner.
WORD_OF_MOUTH = {"people_told": 10.0, "share_influenced": 0.5, "retold_per_influenced": 5.0, "share_who_stop": 0.25}
DAYS_PER_YEAR = 365.25


# --- the value ---------------------------------------------------------------------------------

def _history(customer_ids, until: dt.date) -> dict[int, tuple[int, dt.date | None]]:
    """Per customer, what they spent up to ``until`` (cents) and their first transaction's date."""
    rows = (Transaction.objects.filter(customer_id__in=customer_ids, date__lte=until).values("customer_id")
            .annotate(total=Sum("amount_cents"), first=Min("date")).values_list("customer_id", "total", "first"))
    return {pk: (int(total or 0), first) for pk, total, first in rows}


def _cycles(dealer_ids) -> dict[int, int]:
    """Each dealer's car replacement cycle in years (the care rules' ``replacement_years``)."""
    from retain.care.rules import settings_for as care_settings_for

    return {dealer_id: care_settings_for(dealer_id).replacement_years for dealer_id in set(dealer_ids)}


def _values(histories: list[tuple[int, dt.date | None]], lost_on: list[dt.date], dealer_ids: list[int]) -> list[dict]:
    """The value fields of each lost owner from their own history, in one vectorised call. The
    spend is spread over the years of the history, and at least over the dealer's car replacement
    cycle: a car bought last year is not bought again every year."""
    cycles = _cycles(dealer_ids)
    spent = np.array([float(total) for total, _first in histories])
    years_of_history = np.array([max(float(cycles[dealer_id]), (day - first).days / DAYS_PER_YEAR if first else 0.0)
                                 for (_total, first), day, dealer_id in zip(histories, lost_on, dealer_ids)])
    annual = np.round(spent / years_of_history)
    result = lost_customer_value(annual_spend=annual, years=YEARS, **WORD_OF_MOUTH)
    frame = result.customers
    return [{
        "annual_spend_cents": int(annual[i]), "history_cents": int(spent[i]),
        "history_years": round(float(years_of_history[i]), 4), "years": float(YEARS), **WORD_OF_MOUTH,
        "word_of_mouth_customers": result.word_of_mouth_customers_per_lost,
        "direct_value_cents": int(round(frame["direct_value"].iloc[i])),
        "word_of_mouth_value_cents": int(round(frame["word_of_mouth_value"].iloc[i])),
        "value_cents": int(round(frame["total_value"].iloc[i])),
    } for i in range(len(histories))]


def lost_value(customer_id: int, lost_on: dt.date, dealer_id: int) -> dict:
    """The value fields of one customer lost on ``lost_on`` (what ``record`` stores)."""
    return _values([_history([customer_id], lost_on).get(customer_id, (0, None))], [lost_on], [dealer_id])[0]


# --- checks --------------------------------------------------------------------------------------

def may_record(actor, customer) -> None:
    """403 unless the customer is among those whose loss the actor records (their own customers,
    owned or served, with a scope of their own; else the scope's). No query below a region's
    scope (the customer card asks it for every customer shown)."""
    scope = require(actor, Action.RECORD_LOST_OWNERS)
    if scope is Scope.OWN:
        mine = actor.pk in (customer.owner_id, customer.service_advisor_id)
    elif scope is Scope.DEALER:
        mine = bool(actor.dealer_id) and customer.dealer_id == actor.dealer_id
    else:
        mine = dealers_in_scope(actor, Action.RECORD_LOST_OWNERS).filter(pk=customer.dealer_id).exists()
    if not mine:
        raise PermissionDenied(refusal(Action.RECORD_LOST_OWNERS))


def _day(errors, name, value, *, low: dt.date, high: dt.date, low_message: str, high_message: str):
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        errors[name] = _("Enter a date.")
    elif not MIN_DATE <= value <= MAX_DATE:
        errors[name] = _("Enter a date between %(low)s and %(high)s.") % {"low": MIN_DATE, "high": MAX_DATE}
    elif value > high:
        errors[name] = high_message
    elif value < low:
        errors[name] = low_message


def _notes(errors, model, name, value, *, required: bool = False) -> str:
    if not isinstance(value, str):
        errors[name] = _("Write the notes as text.")
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = _("Say what was done and what the customer said.")
    check_fields(model, errors, **{name: value})
    return value


def _reason(errors, reason) -> None:
    if reason not in LostReason.values:
        errors["reason"] = _("Choose a reason from the list.")


# --- actions -------------------------------------------------------------------------------------

@transaction.atomic
def record(*, actor, customer_id, reason: str, lost_on: dt.date | None = None, notes: str = "") -> LostOwner:
    """Record that a customer has left (they said so, or staff found out), with the reason; it is
    confirmed at once, by the actor. ``lost_on`` is today unless given (never in the future,
    never before the customer's last visit)."""
    require(actor, Action.RECORD_LOST_OWNERS)
    customer = access_customer(actor, customer_id, Action.VIEW, for_update=True)
    may_record(actor, customer)
    today = timezone.localdate()
    lost_on = today if lost_on is None else lost_on
    errors = {}
    _reason(errors, reason)
    last_visit = customer.transactions.aggregate(last=Max("date"))["last"]
    _day(errors, "lost_on", lost_on, low=last_visit or MIN_DATE, high=today,
         low_message=_("The customer came on %(day)s, after this day.") % {"day": last_visit},
         high_message=_("A loss cannot be recorded in advance."))
    notes = _notes(errors, LostOwner, "notes", notes)
    if LostOwner.objects.filter(customer=customer, status__in=OPEN_STATUSES).exists():
        errors["customer"] = _("This customer is already recorded or proposed as lost.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    lost = LostOwner.objects.create(
        customer=customer, dealer_id=customer.dealer_id, source=LostSource.RECORDED, status=LostStatus.CONFIRMED,
        reason=reason, lost_on=lost_on, last_visit=last_visit, notes=notes, recorded_by=actor, recorded_at=now,
        confirmed_by=actor, confirmed_at=now, **lost_value(customer.pk, lost_on, customer.dealer_id))
    audit.record(actor=actor, action=AuditCode.LOST_OWNER_RECORD, obj=lost,
                 after={"customer_id": customer.pk, "reason": reason, "lost_on": lost_on,
                        "value_cents": lost.value_cents})
    return lost


def months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (following - dt.timedelta(days=1)).day))


def _thresholds(day: dt.date, threshold: float | None, months: int | None) -> Q:
    """Below each dealer's P(alive) threshold and past its months without a visit (its case
    settings; ``threshold`` and ``months`` given: the same for every dealer). One clause per
    distinct pair of settings, so a few however many dealers."""
    if threshold is not None or months is not None:
        default = CaseSettings()
        threshold = default.lost_p_alive_percent / 100 if threshold is None else threshold
        months = default.lost_no_visit_months if months is None else months
        return Q(p__lt=threshold, last__lt=months_before(day, months))
    pairs: dict[tuple[int, int], list[int]] = {}
    for dealer_id, percent, gone in CaseSettings.objects.values_list("dealer_id", "lost_p_alive_percent",
                                                                      "lost_no_visit_months"):
        pairs.setdefault((percent, gone), []).append(dealer_id)
    default = CaseSettings()
    chosen = ~Q(dealer_id__in=[d for dealers in pairs.values() for d in dealers]) & Q(
        p__lt=default.lost_p_alive_percent / 100, last__lt=months_before(day, default.lost_no_visit_months))
    for (percent, gone), dealers in pairs.items():
        chosen |= Q(dealer_id__in=dealers, p__lt=percent / 100, last__lt=months_before(day, gone))
    return chosen


def candidates(day: dt.date, *, threshold: float | None = None, months: int | None = None):
    """The customers the worker proposes on ``day``, as one query: active, latest P(alive) below
    their dealer's threshold, last visit more than the dealer's months before ``day`` (the case
    settings; or ``threshold`` and ``months`` for every dealer), and not already proposed or lost
    (nor dismissed since their last visit). None if no app provides P(alive)."""
    p_alive = alive.latest_p_alive(OuterRef("pk"))
    if p_alive is None:
        return None
    visits = Transaction.objects.filter(customer_id=OuterRef("pk"), date__lte=day)
    known = LostOwner.objects.filter(customer_id=OuterRef("pk")).filter(
        Q(status__in=OPEN_STATUSES) | Q(status=LostStatus.DISMISSED, lost_on__gte=OuterRef("last")))
    return (Customer.objects.filter(status=Status.ACTIVE)
            .annotate(p=p_alive, last=Subquery(visits.order_by("-date").values("date")[:1]))
            .filter(_thresholds(day, threshold, months))
            .exclude(Exists(known)))


@transaction.atomic
def propose(*, actor=None, day: dt.date, threshold: float | None = None, months: int | None = None) -> int | None:
    """The worker's proposals for ``day`` (never confirmed automatically): one query selects the
    candidates with their history, one bulk insert writes them, one audit row each (``actor``:
    None for the worker, or whoever ran the job by hand). Idempotent:
    a second run finds them proposed. None if no app provides P(alive)."""
    found = candidates(day, threshold=threshold, months=months)
    if found is None:
        return None
    spent = Transaction.objects.filter(customer_id=OuterRef("pk"), date__lte=day).values("customer_id")
    rows = list(found.annotate(
        spent=Subquery(spent.annotate(s=Sum("amount_cents")).values("s")),
        first=Subquery(spent.annotate(f=Min("date")).values("f")),
    ).order_by("pk").values_list("pk", "dealer_id", "p", "last", "spent", "first"))
    if not rows:
        return 0
    values = _values([(int(spent or 0), first) for *_, spent, first in rows], [day] * len(rows),
                     [dealer_id for _pk, dealer_id, *_rest in rows])
    now = timezone.now()
    made = LostOwner.objects.bulk_create([
        LostOwner(customer_id=pk, dealer_id=dealer_id, source=LostSource.PROPOSED, status=LostStatus.PROPOSED,
                  lost_on=day, last_visit=last, p_alive=p, recorded_at=now, **value)
        for (pk, dealer_id, p, last, _spent, _first), value in zip(rows, values)])
    if any(lost.pk is None for lost in made):  # a database that returns no ids: read them back
        made = list(LostOwner.objects.filter(recorded_at=now, source=LostSource.PROPOSED).order_by("customer_id"))
    audit.record_many(actor=actor, action=AuditCode.LOST_OWNER_PROPOSE, object_type="lostowner", rows=[
        (lost.pk, lost.dealer_id, None, {"customer_id": lost.customer_id, "p_alive": lost.p_alive,
                                         "last_visit": lost.last_visit, "value_cents": lost.value_cents})
        for lost in made])
    return len(made)


@transaction.atomic
def returns(*, actor=None, day: dt.date) -> dict[str, int]:
    """Customers who came back (a transaction after the loss, or after a proposal's last visit, up to ``day``): a confirmed lost
    owner is marked won back, a proposal is dismissed (they were not lost). By the system, one
    audit row each; idempotent (a second run finds nothing open with a later visit)."""
    # A proposal was wrong if the customer came after the last visit it was made on; a confirmed
    # owner comes back with a transaction after the day they were lost.
    since = Case(When(status=LostStatus.PROPOSED, last_visit__isnull=False, then=F("last_visit")),
                 default=F("lost_on"))
    came = Transaction.objects.filter(customer_id=OuterRef("customer_id"), date__gt=OuterRef("since"),
                                      date__lte=day)
    opened = (LostOwner.objects.select_for_update().filter(status__in=OPEN_STATUSES).annotate(since=since)
              .annotate(back=Subquery(came.order_by("date").values("date")[:1])).filter(back__isnull=False))
    now, won, dismissed, by = timezone.now(), [], [], getattr(actor, "pk", None)
    for lost in opened:  # the few who came back, not the customer base
        if lost.status == LostStatus.CONFIRMED:
            lost.status, lost.won_back_at, lost.won_back_on = LostStatus.WON_BACK, now, lost.back
            lost.won_back_by_id = by
            won.append(lost)
        else:
            lost.status, lost.dismissed_at, lost.dismissed_by_id = LostStatus.DISMISSED, now, by
            dismissed.append(lost)
    LostOwner.objects.bulk_update(won, ["status", "won_back_at", "won_back_on", "won_back_by"])
    LostOwner.objects.bulk_update(dismissed, ["status", "dismissed_at", "dismissed_by"])
    for action, records in ((AuditCode.LOST_OWNER_WON_BACK, won), (AuditCode.LOST_OWNER_DISMISS, dismissed)):
        audit.record_many(actor=actor, action=action, object_type="lostowner", rows=[
            (lost.pk, lost.dealer_id, None, {"customer_id": lost.customer_id, "came_back_on": lost.back})
            for lost in records])
    return {"won_back": len(won), "dismissed": len(dismissed)}


def _open_for_update(actor, lost_id, status: str, message: str) -> tuple[LostOwner, dict]:
    lost = access_lost_owner(actor, lost_id, Action.RECORD_LOST_OWNERS, for_update=True)
    errors = {} if lost.status == status else {"status": message}
    return lost, errors


@transaction.atomic
def confirm(*, actor, lost_id, reason: str, notes: str = "") -> LostOwner:
    """Confirm a proposal: the owner has left, for ``reason``."""
    lost, errors = _open_for_update(actor, lost_id, LostStatus.PROPOSED, _("Only a proposal is confirmed."))
    _reason(errors, reason)
    notes = _notes(errors, LostOwner, "notes", notes)
    if errors:
        raise ValidationError(errors)
    lost.status, lost.reason, lost.confirmed_by, lost.confirmed_at = LostStatus.CONFIRMED, reason, actor, timezone.now()
    lost.notes = "\n".join(part for part in (lost.notes, notes) if part)
    lost.save(update_fields=["status", "reason", "confirmed_by", "confirmed_at", "notes"])
    audit.record(actor=actor, action=AuditCode.LOST_OWNER_CONFIRM, obj=lost,
                 after={"customer_id": lost.customer_id, "reason": reason})
    return lost


@transaction.atomic
def dismiss(*, actor, lost_id, notes: str = "") -> LostOwner:
    """Dismiss a proposal: the owner has not left (say why in the notes)."""
    lost, errors = _open_for_update(actor, lost_id, LostStatus.PROPOSED, _("Only a proposal is dismissed."))
    notes = _notes(errors, LostOwner, "notes", notes, required=True)
    if errors:
        raise ValidationError(errors)
    lost.status, lost.dismissed_by, lost.dismissed_at = LostStatus.DISMISSED, actor, timezone.now()
    lost.notes = "\n".join(part for part in (lost.notes, notes) if part)
    lost.save(update_fields=["status", "dismissed_by", "dismissed_at", "notes"])
    audit.record(actor=actor, action=AuditCode.LOST_OWNER_DISMISS, obj=lost,
                 after={"customer_id": lost.customer_id, "notes": notes})
    return lost


@transaction.atomic
def log_step(*, actor, lost_id, kind: str, notes: str, done_on: dt.date | None = None) -> WinBackStep:
    """One win-back step done with a confirmed lost owner (listen, meet reasonable demands, offer
    a way back, keep in touch), by the actor on ``done_on`` (today by default)."""
    lost, errors = _open_for_update(actor, lost_id, LostStatus.CONFIRMED,
                                    _("Win-back steps are recorded for a confirmed lost owner."))
    today = timezone.localdate()
    done_on = today if done_on is None else done_on
    if kind not in WinBackStepKind.values:
        errors["kind"] = _("Choose a step from the list.")
    _day(errors, "done_on", done_on, low=lost.lost_on, high=today,
         low_message=_("A win-back step comes after the loss (%(day)s).") % {"day": lost.lost_on},
         high_message=_("A step cannot be done in advance."))
    notes = _notes(errors, WinBackStep, "notes", notes, required=True)
    if errors:
        raise ValidationError(errors)
    step = WinBackStep.objects.create(lost_owner=lost, kind=kind, done_on=done_on, done_by=actor, notes=notes,
                                      recorded_at=timezone.now())
    audit.record(actor=actor, action=AuditCode.LOST_OWNER_WIN_BACK_STEP, obj=lost,
                 after={"customer_id": lost.customer_id, "step": kind, "done_on": done_on, "notes": notes})
    return step


@transaction.atomic
def mark_won_back(*, actor, lost_id, came_back_on: dt.date | None = None, notes: str = "") -> LostOwner:
    """The lost owner came back (recorded by staff; the worker sees a new transaction itself)."""
    lost, errors = _open_for_update(actor, lost_id, LostStatus.CONFIRMED, _("Only a confirmed lost owner is won back."))
    today = timezone.localdate()
    came_back_on = today if came_back_on is None else came_back_on
    _day(errors, "came_back_on", came_back_on, low=lost.lost_on, high=today,
         low_message=_("The owner comes back after the loss (%(day)s).") % {"day": lost.lost_on},
         high_message=_("A return cannot be recorded in advance."))
    notes = _notes(errors, LostOwner, "notes", notes)
    if errors:
        raise ValidationError(errors)
    lost.status, lost.won_back_by, lost.won_back_at, lost.won_back_on = (
        LostStatus.WON_BACK, actor, timezone.now(), came_back_on)
    lost.notes = "\n".join(part for part in (lost.notes, notes) if part)
    lost.save(update_fields=["status", "won_back_by", "won_back_at", "won_back_on", "notes"])
    audit.record(actor=actor, action=AuditCode.LOST_OWNER_WON_BACK, obj=lost,
                 after={"customer_id": lost.customer_id, "came_back_on": came_back_on})
    return lost

