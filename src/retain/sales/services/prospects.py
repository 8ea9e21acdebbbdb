"""The showroom's business actions: register a visit and name its visitor, open a prospect,
grade it, log contacts, record the order and the delivery or the defeat and its approval, and
list the day's follow-ups.

Each action is one transaction that checks access through the doors (``customers.access``,
``sales.access``), validates (``ValidationError`` naming the field; nothing written), writes,
and appends its audit row. Dates are the dealer's local dates (``RETAIN_TIME_ZONE``).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, When
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers import services as customer_services
from retain.customers import today as today_page
from retain.customers.access import access_customer, visible_customers
from retain.customers.models import Classification, Customer
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff
from retain.org.policy import Action, Scope, scope_of

from ..access import access_prospect, visible_prospects, visible_visits
from ..models import (
    ACTIVE_STATUSES,
    GRADE_ORDER,
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    ContactPurpose,
    DefeatReason,
    Grade,
    GradeChange,
    Prospect,
    ProspectStatus,
    ShowroomVisit,
    VisitKind,
    VisitOutcome,
)
from ..periods import day_bounds
from .cadence import check_grade, next_follow_up

#: Classes a customer leaves when they become a prospect; owners keep their owner class.
BECOMES_PROSPECT = (Classification.POTENTIAL, Classification.BASE, Classification.DEFEATED, Classification.VIP)


def _colleague(staff_id, dealer_id, field: str, errors: dict):
    """An active staff member of the dealer, or an error on ``field``."""
    staff = Staff.objects.filter(pk=staff_id, dealer_id=dealer_id, is_active=True).first()
    if staff is None:
        errors[field] = _("Choose an active colleague at the dealer.")
    return staff


def _works_alone(actor) -> bool:
    """Whose records the actor works on: only their own (consultants) or their dealer's and wider."""
    return scope_of(actor, Action.CREATE) is Scope.OWN


@transaction.atomic
def open_prospect(*, actor, customer_id, grade: str, model_of_interest: str, source: str, budget_cents=None,
                  purchase_by: dt.date | None = None, competitors: str = "", owner_id=None,
                  first_contact: dt.date | None = None, visit_id=None) -> Prospect:
    """Make a customer a prospect: graded, with a model and a source, and a first follow-up date;
    ``visit_id`` names the register line the prospect came from (linked to the customer)."""
    customer = access_customer(actor, customer_id, Action.EDIT, for_update=True)
    today = timezone.localdate()
    errors = {}
    check_grade(grade, errors)
    if not (model_of_interest or "").strip():
        errors["model_of_interest"] = _("Which model is the customer interested in?")
    if source not in PROSPECT_SOURCES:
        errors["source"] = _("Choose one of the prospect sources.")
    if budget_cents is not None and budget_cents < 0:
        errors["budget_cents"] = _("The budget cannot be negative.")
    first_contact = first_contact or today
    if first_contact > today:
        errors["first_contact"] = _("The first contact cannot be in the future.")
    if purchase_by is not None and purchase_by < first_contact:
        errors["purchase_by"] = _("The expected purchase date is before the first contact.")
    if Prospect.objects.filter(customer=customer, status__in=ACTIVE_STATUSES).exists():
        errors["customer_id"] = _("This customer is already an open prospect.")
    owner = _owner_for(actor, customer, owner_id, errors)
    visit = _visit_to_link(actor, visit_id, customer, errors) if visit_id is not None else None
    check_fields(Prospect, errors, model_of_interest=model_of_interest, budget_cents=budget_cents,
                 purchase_by=purchase_by, competitors=competitors)
    if errors:
        raise ValidationError(errors)
    prospect = Prospect.objects.create(
        customer=customer, dealer=customer.dealer, owner=owner, grade=grade, source=source,
        model_of_interest=model_of_interest.strip(), budget_cents=budget_cents, purchase_by=purchase_by,
        competitors=competitors.strip(), first_contact=first_contact, last_contact=first_contact,
        next_follow_up=next_follow_up(customer.dealer_id, grade, first_contact),
    )
    GradeChange.objects.create(prospect=prospect, from_grade="", to_grade=grade, reason=_("Prospect opened"),
                               changed_by=actor)
    if customer.classification in BECOMES_PROSPECT:
        customer_services.change_classification(actor=actor, customer_id=customer.pk, to=Classification.PROSPECT,
                                                reason=_("Prospect opened"))
    if visit is not None:
        visit.customer = customer
        visit.save(update_fields=["customer"])
    audit.record(actor=actor, action=AuditCode.PROSPECT_OPEN, obj=prospect,
                 after={"customer": customer.pk, "grade": grade, "owner": owner.pk if owner else None,
                        "next_follow_up": prospect.next_follow_up, "visit": visit.pk if visit else None})
    return prospect


def _owner_for(actor, customer, owner_id, errors):
    """Consultants work their own prospects; managers may give one to a consultant of the dealer."""
    if _works_alone(actor):
        return actor
    if owner_id is None:
        return customer.owner
    return _colleague(owner_id, customer.dealer_id, "owner_id", errors)


@transaction.atomic
def change_grade(*, actor, prospect_id, grade: str, reason: str) -> Prospect:
    """Regrade a prospect. Any grade may follow any other (customers do cool off), but every
    change is recorded with its reason, and the next follow-up moves to last contact + the new
    grade's cadence."""
    prospect = access_prospect(actor, prospect_id, Action.EDIT, for_update=True)
    reason = (reason or "").strip()
    errors = {}
    check_grade(grade, errors)
    if not reason:
        errors["reason"] = _("Say why the grade changes.")
    if prospect.status not in ACTIVE_STATUSES:
        errors["grade"] = _("This prospect is closed.")
    elif grade == prospect.grade:
        errors["grade"] = _("The prospect already has grade %(grade)s.") % {"grade": grade}
    if errors:
        raise ValidationError(errors)
    before = {"grade": prospect.grade, "next_follow_up": prospect.next_follow_up}
    GradeChange.objects.create(prospect=prospect, from_grade=prospect.grade, to_grade=grade, reason=reason,
                               changed_by=actor)
    prospect.grade = grade
    prospect.next_follow_up = next_follow_up(prospect.dealer_id, grade, prospect.last_contact)
    prospect.save(update_fields=["grade", "next_follow_up", "updated_at"])
    audit.record(actor=actor, action=AuditCode.PROSPECT_GRADE, obj=prospect, before=before,
                 after={"grade": grade, "next_follow_up": prospect.next_follow_up}, note=reason)
    return prospect


@transaction.atomic
def log_contact(*, actor, prospect_id, kind: str, notes: str = "", result: str = "", next_step: str = "",
                contacted_on: dt.date | None = None, next_follow_up_on: dt.date | None = None) -> Prospect:
    """Record a contact. The prospect's last contact becomes its date; the next follow-up is the
    date agreed with the customer if one is given (never in the past), else last contact + cadence."""
    prospect = access_prospect(actor, prospect_id, Action.EDIT, for_update=True)
    today = timezone.localdate()
    contacted_on = contacted_on or today
    errors = {}
    if kind not in ContactKind.values:
        errors["kind"] = _("Choose a kind of contact.")
    if contacted_on > today:
        errors["contacted_on"] = _("A contact cannot be logged in advance.")
    elif contacted_on < prospect.first_contact:
        errors["contacted_on"] = _("This is before the first contact with the prospect.")
    if next_follow_up_on is not None and next_follow_up_on < today:
        errors["next_follow_up"] = _("The next follow-up cannot be in the past.")
    if prospect.status not in ACTIVE_STATUSES:
        errors["prospect"] = _("This prospect is closed.")
    check_fields(Contact, errors, notes=notes, result=result, next_step=next_step)
    check_fields(Prospect, errors, next_follow_up=next_follow_up_on)
    if errors:
        raise ValidationError(errors)
    Contact.objects.create(customer_id=prospect.customer_id, prospect=prospect, purpose=ContactPurpose.DEVELOPMENT,
                           kind=kind, contacted_on=contacted_on, grade=prospect.grade, notes=notes.strip(),
                           result=result.strip(), next_step=next_step.strip(), recorded_by=actor)
    before = {"last_contact": prospect.last_contact, "next_follow_up": prospect.next_follow_up}
    prospect.last_contact = max(prospect.last_contact, contacted_on)
    prospect.next_follow_up = next_follow_up_on or next_follow_up(prospect.dealer_id, prospect.grade,
                                                                  prospect.last_contact)
    prospect.save(update_fields=["last_contact", "next_follow_up", "updated_at"])
    audit.record(actor=actor, action=AuditCode.CONTACT_LOG, obj=prospect, before=before,
                 after={"kind": kind, "last_contact": prospect.last_contact,
                        "next_follow_up": prospect.next_follow_up})
    return prospect


@transaction.atomic
def log_customer_contact(*, actor, customer_id, kind: str, purpose: str = ContactPurpose.MAINTENANCE,
                         notes: str = "", result: str = "", contacted_on: dt.date | None = None) -> Contact:
    """A contact that is not a prospect follow-up: caring for an owner (maintenance) or inviting
    a customer to an event or offer (promotion). It counts on the daily report."""
    customer = access_customer(actor, customer_id, Action.EDIT)
    today_ = timezone.localdate()
    contacted_on = contacted_on or today_
    errors = {}
    if kind not in ContactKind.values:
        errors["kind"] = _("Choose a kind of contact.")
    if purpose not in (ContactPurpose.MAINTENANCE, ContactPurpose.PROMOTION):
        errors["purpose"] = _("Log prospect follow-ups on the prospect.")
    if contacted_on > today_:
        errors["contacted_on"] = _("A contact cannot be logged in advance.")
    check_fields(Contact, errors, notes=(notes or "").strip(), result=(result or "").strip())
    if errors:
        raise ValidationError(errors)
    contact = Contact.objects.create(customer=customer, purpose=purpose, kind=kind, contacted_on=contacted_on,
                                     notes=(notes or "").strip(), result=(result or "").strip(), recorded_by=actor)
    audit.record(actor=actor, action=AuditCode.CONTACT_LOG, obj=customer, after={"purpose": purpose, "kind": kind})
    return contact


TODAY_ROWS = 20  # per list on the today page; the rest are a link away (the prospect list, keyset-paged)
#: The columns the today lists show (the page's rows and the API's ``ProspectOut``). A prospect
#: and its customer have some 55 columns, and turning them into objects was most of the lists'
#: cost (their dates parsed one by one on SQLite); a column left out here would be read again
#: row by row, which the today page's query budget (tests/customers/test_speed.py) catches.
WORK_COLUMNS = ("grade", "status", "source", "model_of_interest", "first_contact", "last_contact", "next_follow_up",
                "owner", "customer__name", "customer__mobile", "dealer__code")


def today(actor, on: dt.date | None = None, *, rows: int = TODAY_ROWS) -> dict:
    """The actor's follow-ups for the day: overdue first (longest overdue first), then due today
    by grade (O, H, A, B, C); at most ``rows`` of each, with their full counts.

    A consultant who has let 200 follow-ups slip cannot call 200 people today: the page shows the
    most urgent ones and says how many there are, so its cost does not grow with the backlog."""
    on = on or timezone.localdate()
    if not today_page.holds(actor, Prospect):  # the page found the actor owns no prospect at all
        return {"date": on, "overdue": [], "due": [], "overdue_count": 0, "due_count": 0}
    mine = (visible_prospects(actor).filter(owner=actor, status__in=ACTIVE_STATUSES)
            .select_related("customer", "dealer").only(*WORK_COLUMNS)
            .annotate(urgency=Case(*(When(grade=grade, then=rank) for rank, grade in enumerate(GRADE_ORDER)))))
    overdue, due = mine.filter(next_follow_up__lt=on), mine.filter(next_follow_up=on)
    listed = {"overdue": list(overdue.order_by("next_follow_up", "urgency", "pk")[:rows]),
              "due": list(due.order_by("urgency", "pk")[:rows])}
    for prospect in listed["overdue"] + listed["due"]:
        prospect.owner = actor  # theirs by the filter: not read again
    return {"date": on, **listed,
            "overdue_count": len(listed["overdue"]) if len(listed["overdue"]) < rows else overdue.count(),
            "due_count": len(listed["due"]) if len(listed["due"]) < rows else due.count()}


def owners_to_care_for(actor, limit: int = 10) -> list:
    """The actor's own owners (own-sold and other-sold, active), those longest without a care
    contact (maintenance) first, never-contacted ones before all, with ``last_care`` (a date or
    None). The today page lists them with a form to log the visit or call."""
    if not today_page.holds(actor, Customer):  # the page found the actor owns no customer at all
        return []
    owners = (visible_customers(actor, Action.EDIT)
              .filter(owner=actor, classification__in=(Classification.OWN_SOLD, Classification.OTHER_SOLD))
              .only("pk", "name"))
    cared = Contact.objects.filter(customer=OuterRef("pk"), purpose=ContactPurpose.MAINTENANCE)
    # A consultant may own a few thousand owners. Those never cared for come first and stop the
    # scan as soon as ``limit`` are found; only when fewer are left is every cared-for owner's
    # last contact looked up (through the maintenance contacts' own index) to find the oldest.
    never = list(owners.exclude(Exists(cared)).order_by("pk")[:limit])
    for owner in never:
        owner.last_care = None
    if len(never) == limit:
        return never
    last_care = cared.order_by("-contacted_on").values("contacted_on")[:1]
    return never + list(owners.filter(Exists(cared)).annotate(last_care=Subquery(last_care))
                        .order_by("last_care", "pk")[:limit - len(never)])


def overdue_by_consultant(actor, on: dt.date | None = None) -> list[dict]:
    """For managers: open prospects and overdue follow-ups per consultant in their scope."""
    on = on or timezone.localdate()
    # Counted from the open prospects' index alone, grouped by owner id; the few hundred names are
    # looked up after. Joining staff first would carry every open prospect of a region or the
    # group (150,000 at the large demo) through the join to group them.
    rows = list(visible_prospects(actor).filter(status__in=ACTIVE_STATUSES, owner__isnull=False)
                .values("owner_id").annotate(open=Count("id"), overdue=Count("id", filter=Q(next_follow_up__lt=on)))
                .order_by())
    people = {s.pk: s for s in Staff.objects.filter(pk__in=[row["owner_id"] for row in rows])}
    for row in rows:
        person = people[row["owner_id"]]
        row["owner__username"] = person.username
        row["name"] = person.display_name
    return sorted(rows, key=lambda row: (-row["overdue"], row["owner__username"]))


@transaction.atomic
def register_visit(*, actor, arrived_at: dt.datetime, kind: str = VisitKind.WALK_IN, source: str = "walk_in",
                   first_visit: bool = True, party_size: int = 1, model_of_interest: str = "",
                   outcome: str = VisitOutcome.JUST_LOOKING, left_at: dt.datetime | None = None,
                   customer_id=None, consultant_id=None, note: str = "") -> ShowroomVisit:
    """One line of the walk-in / phone-in register, at the actor's dealer."""
    if not actor.dealer_id:
        raise PermissionDenied(_("Visits are registered at a dealer; your account has none."))
    errors = {}
    now = timezone.now()
    if kind not in VisitKind.values:
        errors["kind"] = _("Choose walk-in or phone-in.")
    if source not in PROSPECT_SOURCES:
        errors["source"] = _("Choose one of the prospect sources.")
    if outcome not in VisitOutcome.values:
        errors["outcome"] = _("Choose an outcome.")
    if arrived_at > now + dt.timedelta(minutes=5):
        errors["arrived_at"] = _("The visit cannot start in the future.")
    if left_at is not None and left_at < arrived_at:
        errors["left_at"] = _("The visitor cannot leave before arriving.")
    if party_size < 1:
        errors["party_size"] = _("At least one person came.")
    customer = None
    if customer_id is not None:
        customer = access_customer(actor, customer_id, Action.VIEW)
    consultant = actor if _works_alone(actor) else None
    if consultant_id is not None and not _works_alone(actor):
        consultant = _colleague(consultant_id, actor.dealer_id, "consultant_id", errors)
    check_fields(ShowroomVisit, errors, party_size=party_size, model_of_interest=model_of_interest, note=note,
                 arrived_at=arrived_at, left_at=left_at)
    if errors:
        raise ValidationError(errors)
    visit = ShowroomVisit.objects.create(
        dealer_id=actor.dealer_id, consultant=consultant, kind=kind, arrived_at=arrived_at, left_at=left_at,
        source=source, first_visit=first_visit, party_size=party_size,
        model_of_interest=(model_of_interest or "").strip(), outcome=outcome, customer=customer,
        note=(note or "").strip(), recorded_by=actor,
    )
    audit.record(actor=actor, action=AuditCode.VISIT_REGISTER, obj=visit,
                 after={"kind": kind, "outcome": outcome, "customer": customer.pk if customer else None})
    return visit




@transaction.atomic
def record_order(*, actor, prospect_id, deposit_cents=None, contract_number: str = "",
                 ordered_on: dt.date | None = None) -> Prospect:
    """The customer orders: a deposit taken or a contract signed (at least one). The prospect
    becomes grade O and is followed up weekly until delivery."""
    prospect = access_prospect(actor, prospect_id, Action.EDIT, for_update=True)
    today = timezone.localdate()
    ordered_on = ordered_on or today
    contract_number = (contract_number or "").strip()
    errors = {}
    if prospect.status != ProspectStatus.OPEN:
        errors["prospect"] = _("Only an open prospect can order.")
    if not (deposit_cents or contract_number):
        errors["deposit_cents"] = _("An order needs a deposit or a signed contract.")
    if deposit_cents is not None and deposit_cents < 0:
        errors["deposit_cents"] = _("The deposit cannot be negative.")
    if ordered_on > today:
        errors["ordered_on"] = _("An order cannot be dated in the future.")
    check_fields(Prospect, errors, deposit_cents=deposit_cents, contract_number=contract_number, ordered_on=ordered_on)
    if errors:
        raise ValidationError(errors)
    if prospect.grade != Grade.O:
        GradeChange.objects.create(prospect=prospect, from_grade=prospect.grade, to_grade=Grade.O,
                                   reason=_("Order taken"), changed_by=actor)
    prospect.grade, prospect.ordered_on = Grade.O, ordered_on
    prospect.deposit_cents, prospect.contract_number = deposit_cents, contract_number
    prospect.last_contact = max(prospect.last_contact, ordered_on)
    prospect.next_follow_up = next_follow_up(prospect.dealer_id, Grade.O, prospect.last_contact)
    prospect.save()
    audit.record(actor=actor, action=AuditCode.PROSPECT_ORDER, obj=prospect,
                 after={"deposit_cents": deposit_cents, "contract_number": contract_number, "ordered_on": ordered_on})
    return prospect


@transaction.atomic
def record_delivery(*, actor, prospect_id, vin: str, make: str, model: str, price_cents: int | None, plate: str = "",
                    delivered_on: dt.date | None = None, reference: str = "") -> Prospect:
    """The car is handed over: the prospect is won, the customer becomes an own-sold owner with
    the vehicle on record and a vehicle-sale transaction."""
    prospect = access_prospect(actor, prospect_id, Action.EDIT, for_update=True)
    today = timezone.localdate()
    delivered_on = delivered_on or today
    if prospect.status != ProspectStatus.OPEN or prospect.ordered_on is None:
        raise ValidationError({"prospect": _("Record the order (deposit or contract) before the delivery.")})
    if delivered_on > today or delivered_on < prospect.ordered_on:
        raise ValidationError({"delivered_on": _("The delivery date must fall between the order and today.")})
    if price_cents is None:
        raise ValidationError({"price_cents": _("Enter the price of the car.")})
    customer_id = prospect.customer_id
    vehicle = customer_services.add_vehicle(actor=actor, customer_id=customer_id, vin=vin, plate=plate, make=make,
                                            model=model, purchase_date=delivered_on, sold_by_us=True)
    customer_services.add_transaction(actor=actor, customer_id=customer_id, kind="vehicle_sale", date=delivered_on,
                                      amount_cents=price_cents, vehicle_id=vehicle.pk, reference=reference)
    if prospect.customer.classification != Classification.OWN_SOLD:
        customer_services.change_classification(actor=actor, customer_id=customer_id, to=Classification.OWN_SOLD,
                                                reason=_("Car delivered"))
    prospect.status, prospect.delivered_on, prospect.closed_on = ProspectStatus.WON, delivered_on, delivered_on
    prospect.save()
    audit.record(actor=actor, action=AuditCode.PROSPECT_DELIVER, obj=prospect,
                 after={"vehicle": vehicle.pk, "delivered_on": delivered_on, "price_cents": price_cents})
    return prospect


@transaction.atomic
def apply_for_defeat(*, actor, prospect_id, competitor_make: str, competitor_model: str, reason: str,
                     note: str = "") -> Prospect:
    """The consultant reports the customer bought elsewhere; a manager must approve."""
    prospect = access_prospect(actor, prospect_id, Action.EDIT, for_update=True)
    errors = {}
    if prospect.status != ProspectStatus.OPEN:
        errors["prospect"] = _("Only an open prospect can be reported lost.")
    if not (competitor_make or "").strip():
        errors["competitor_make"] = _("Which make did the customer buy?")
    if not (competitor_model or "").strip():
        errors["competitor_model"] = _("Which model did the customer buy?")
    if reason not in DefeatReason.values:
        errors["reason"] = _("Choose the reason the sale was lost.")
    check_fields(Prospect, errors, defeat_make=competitor_make, defeat_model=competitor_model, defeat_note=note)
    if errors:
        raise ValidationError(errors)
    prospect.status = ProspectStatus.DEFEAT_PENDING
    prospect.defeat_make, prospect.defeat_model = competitor_make.strip(), competitor_model.strip()
    prospect.defeat_reason, prospect.defeat_note = reason, (note or "").strip()
    prospect.defeat_stage, prospect.defeat_applied_on = prospect.grade, timezone.localdate()
    prospect.defeat_decided_by, prospect.defeat_decision_note = None, ""
    prospect.save()
    audit.record(actor=actor, action=AuditCode.DEFEAT_APPLY, obj=prospect,
                 after={"make": prospect.defeat_make, "model": prospect.defeat_model, "reason": reason})
    return prospect


@transaction.atomic
def decide_defeat(*, actor, prospect_id, approve: bool, note: str = "") -> Prospect:
    """A manager (the policy's ``decide_defeat``) approves a defeat (the customer stays in the base
    as a defeated customer, for later replacement marketing) or sends it back to be worked on."""
    prospect = access_prospect(actor, prospect_id, Action.DECIDE_DEFEAT, for_update=True)
    if prospect.status != ProspectStatus.DEFEAT_PENDING:
        raise ValidationError({"prospect": _("There is no defeat application to decide on.")})
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say what the consultant should do next.")})
    today = timezone.localdate()
    prospect.defeat_decided_by, prospect.defeat_decision_note = actor, note
    if approve:
        prospect.status, prospect.closed_on = ProspectStatus.DEFEATED, today
        customer_services.change_classification(actor=actor, customer_id=prospect.customer_id,
                                                to=Classification.DEFEATED, reason=_("Defeat approved"))
    else:
        prospect.status = ProspectStatus.OPEN
        prospect.next_follow_up = max(today, next_follow_up(prospect.dealer_id, prospect.grade, prospect.last_contact))
    prospect.save()
    audit.record(actor=actor, action=AuditCode.DEFEAT_APPROVE if approve else AuditCode.DEFEAT_SEND_BACK, obj=prospect, note=note)
    return prospect


def visits_on(actor, day: dt.date | None = None):
    """The register lines in the actor's scope for one local day (default today)."""
    start, end = day_bounds(day or timezone.localdate())
    return visible_visits(actor).filter(arrived_at__gte=start, arrived_at__lt=end)


def unlinked_visits(actor, on: dt.date | None = None):
    """The day's register lines in the actor's scope that are not yet linked to a customer."""
    return visits_on(actor, on).filter(customer__isnull=True)


def _visit_to_link(actor, visit_id, customer, errors: dict):
    """A register line the actor may edit that is anonymous or already this customer's, or an
    error on ``visit``."""
    visit = visible_visits(actor, Action.EDIT).select_for_update().filter(pk=visit_id).first()
    if visit is None:
        errors["visit"] = _("Choose one of your own register lines.")
    elif visit.customer_id and visit.customer_id != customer.pk:
        errors["visit"] = _("This register line already belongs to another customer.")
    return visit


