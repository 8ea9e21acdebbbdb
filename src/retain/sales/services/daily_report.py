"""The consultant's daily business report (营业日报表, DOMAIN.md section 4).

The paper form is filled by hand each evening; here its figures are computed from the day's
records (contacts, prospects, grade changes, the showroom register), the consultant adds the
visit notes and tomorrow's plan and submits, and a manager signs it with an instruction (who
writes, reads and signs reports is the policy table's: ``write_report``, ``read_reports``,
``sign_report``).

``figures`` and ``draft_for_today`` are pure reads (aggregate queries); ``prepare``, ``submit``,
``submit_today`` and ``sign`` are one transaction each, check access through the report door
(``sales.access``), validate (``ValidationError`` naming the field; nothing written) and append
their audit row.

Counting rules (the lead may want to revisit them):
- contacts are counted as rows (two contacts with one customer on one day count twice);
- contacts other apps record count as maintenance contacts (``customers.touches``: a care task
  done with the customer reached);
- owners contacted are maintenance contacts split by the customer's *current* classification;
- "on hand" is the state now (open or defeat-pending prospects by grade; active customers the
  consultant owns classed own-sold / other-sold), not reconstructed for a past date.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers import touches
from retain.customers.models import Classification, Customer, Status
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, refusal, require

from ..access import access_report, visible_reports
from ..models import (
    ACTIVE_STATUSES,
    GRADE_ORDER,
    Contact,
    ContactPurpose,
    DailyReport,
    GradeChange,
    Prospect,
    ReportStatus,
    ShowroomVisit,
    VisitKind,
)
from ..periods import day_bounds, month_start

GRADES = [str(g) for g in GRADE_ORDER]  # O, H, A, B, C
OWNER_CLASSES = (Classification.OWN_SOLD, Classification.OTHER_SOLD)
PURPOSES = [str(p) for p in ContactPurpose.values]


def figures(consultant, date: dt.date) -> dict:
    """The report's figures for one consultant and one day, as JSON-ready values."""
    first = month_start(date)
    start, end = day_bounds(date)

    # Contacts: the day's, by grade at the time, by purpose, owners by class; and month to date.
    contacts = Contact.objects.filter(recorded_by=consultant, contacted_on__range=(first, date))
    today_q = Q(contacted_on=date)
    maintenance_q = today_q & Q(purpose=ContactPurpose.MAINTENANCE)
    c = contacts.aggregate(
        total=Count("id", filter=today_q),
        month=Count("id"),
        **{f"grade_{g}": Count("id", filter=today_q & Q(grade=g)) for g in GRADES},
        **{f"purpose_{p}": Count("id", filter=today_q & Q(purpose=p)) for p in PURPOSES},
        **{f"owner_{k}": Count("id", filter=maintenance_q & Q(customer__classification=k)) for k in OWNER_CLASSES},
    )

    # Prospects of the consultant: opened, ordered, delivered (day and month), and on hand by grade.
    prospects = Prospect.objects.filter(owner=consultant)
    active_q = Q(status__in=ACTIVE_STATUSES)
    p = prospects.aggregate(
        new=Count("id", filter=Q(first_contact=date)),
        new_month=Count("id", filter=Q(first_contact__range=(first, date))),
        orders=Count("id", filter=Q(ordered_on=date)),
        orders_month=Count("id", filter=Q(ordered_on__range=(first, date))),
        deliveries=Count("id", filter=Q(delivered_on=date)),
        deliveries_month=Count("id", filter=Q(delivered_on__range=(first, date))),
        on_hand=Count("id", filter=active_q),
        carried_over=Count("id", filter=active_q & Q(first_contact__lt=first)),
        **{f"on_hand_{g}": Count("id", filter=active_q & Q(grade=g)) for g in GRADES},
    )

    # Owner contacts other apps record (a care task done with the customer reached), through the
    # customers app's hook: the same day, month and class rules as the contacts above.
    touched = touches.counts(consultant, first, date)
    for (day, classification), n in touched.items():
        c["month"] += n
        if day == date:
            c["total"] += n
            c["purpose_maintenance"] += n
            if classification in OWNER_CLASSES:
                c[f"owner_{classification}"] += n

    owners = Customer.objects.filter(owner=consultant, status=Status.ACTIVE, classification__in=OWNER_CLASSES)
    o = owners.aggregate(**{k: Count("id", filter=Q(classification=k)) for k in OWNER_CLASSES})

    visits = ShowroomVisit.objects.filter(consultant=consultant, arrived_at__gte=start, arrived_at__lt=end)
    v = visits.aggregate(total=Count("id"), **{k: Count("id", filter=Q(kind=k)) for k in VisitKind.values})

    # Grade changes made that day (the opening row, from '', is a new prospect, not a change).
    rank = {g: i for i, g in enumerate(GRADES)}
    changes = [
        {"prospect_id": row["prospect_id"], "customer": row["prospect__customer__name"],
         "from": row["from_grade"], "to": row["to_grade"], "reason": row["reason"],
         "direction": "up" if rank[row["to_grade"]] < rank[row["from_grade"]] else "down"}
        for row in GradeChange.objects.filter(changed_by=consultant, changed_at__gte=start, changed_at__lt=end)
        .exclude(from_grade="").order_by("changed_at", "id")
        .values("prospect_id", "prospect__customer__name", "from_grade", "to_grade", "reason")
    ]

    # The paper form's check: every new prospect should be in the walk-in / phone-in register.
    registered = ShowroomVisit.objects.filter(consultant=consultant, customer_id=OuterRef("customer_id"),
                                              arrived_at__gte=start, arrived_at__lt=end)
    unregistered = [
        {"prospect_id": row["id"], "customer": row["customer__name"], "source": row["source"]}
        for row in prospects.filter(first_contact=date).filter(~Exists(registered)).order_by("id")
        .values("id", "customer__name", "source")
    ]

    return {
        "date": date.isoformat(),
        "contacts": {
            "total": c["total"],
            "by_grade": {g: c[f"grade_{g}"] for g in GRADES},
            "by_purpose": {p_: c[f"purpose_{p_}"] for p_ in PURPOSES},
            "owners": {"own_sold": c["owner_own_sold"], "other_sold": c["owner_other_sold"],
                       "total": c["owner_own_sold"] + c["owner_other_sold"]},
        },
        "new_prospects": p["new"],
        "grade_changes": len(changes),
        "grade_change_list": changes,
        "visits": {"total": v["total"], **{k: v[k] for k in VisitKind.values}},
        "orders": p["orders"],
        "deliveries": p["deliveries"],
        "month_to_date": {"new_prospects": p["new_month"], "orders": p["orders_month"],
                          "deliveries": p["deliveries_month"], "contacts": c["month"]},
        "on_hand": {
            "prospects": {**{g: p[f"on_hand_{g}"] for g in GRADES}, "total": p["on_hand"],
                          "carried_over": p["carried_over"], "new_this_month": p["on_hand"] - p["carried_over"]},
            "owners": {"own_sold": o["own_sold"], "other_sold": o["other_sold"],
                       "total": o["own_sold"] + o["other_sold"]},
        },
        "unregistered_new_prospects": unregistered,
    }


# --- The report door -------------------------------------------------------------------------

def reports_to_sign(actor):
    """The reports the actor may sign now: submitted, within their signing scope (the policy's
    ``sign_report``), and not their own."""
    return visible_reports(actor, Action.SIGN_REPORT).filter(status=ReportStatus.SUBMITTED).exclude(consultant=actor)


def signable(actor, reports):
    """The ids of ``reports`` the actor may sign now (``reports_to_sign``)."""
    return set(reports_to_sign(actor).filter(pk__in=[r.pk for r in reports if r.pk]).values_list("pk", flat=True))


def draft_for_today(actor) -> DailyReport:
    """What the report page shows a consultant, without writing anything (a GET): today's
    report if they have one, its figures counted afresh while it is a draft; otherwise an unsaved
    draft with today's figures. Submitting it (``submit_today``) stores it."""
    require(actor, Action.WRITE_REPORT)
    today = timezone.localdate()
    report = (DailyReport.objects.filter(consultant=actor, date=today).select_related("consultant", "dealer",
                                                                                     "signed_by").first()
              or DailyReport(consultant=actor, dealer=actor.dealer, date=today))
    if report.status == ReportStatus.DRAFT:
        report.figures = figures(actor, today)
    return report


def _summary(values: dict) -> dict:
    """The headline counts for the audit row (the full figures stay on the report)."""
    if not values:
        return {}
    return {"contacts": values["contacts"]["total"], "new_prospects": values["new_prospects"],
            "orders": values["orders"], "deliveries": values["deliveries"],
            "unregistered": len(values["unregistered_new_prospects"])}


# --- Actions ---------------------------------------------------------------------------------

@transaction.atomic
def prepare(*, actor, date: dt.date | None = None) -> DailyReport:
    """Create the actor's own draft report for the day (today by default), or refresh the
    figures of the existing draft. A submitted or signed report is not recomputed."""
    require(actor, Action.WRITE_REPORT)
    today = timezone.localdate()
    date = date or today
    if not actor.dealer_id:
        raise PermissionDenied(_("Daily reports are kept at a dealer; your account has none."))
    if date > today:
        raise ValidationError({"date": _("A report cannot be prepared for a day that has not come yet.")})
    report, created = DailyReport.objects.select_for_update().get_or_create(
        consultant=actor, date=date, defaults={"dealer_id": actor.dealer_id})
    if report.status != ReportStatus.DRAFT:
        message = (_("This report was already signed; its figures are kept as they were.")
                   if report.status == ReportStatus.SIGNED
                   else _("This report was already submitted; its figures are kept as they were."))
        raise ValidationError({"status": message})
    fresh = figures(actor, date)
    if created or fresh != report.figures:
        before = None if created else _summary(report.figures)
        report.figures = fresh
        report.save(update_fields=["figures"])
        audit.record(actor=actor, action=AuditCode.DAILY_REPORT_PREPARE if created else AuditCode.DAILY_REPORT_REFRESH,
                     obj=report, before=before, after={"date": date, **_summary(fresh)})
    return report


@transaction.atomic
def submit(*, actor, report_id, visit_notes: str = "", tomorrow_plan: str = "") -> DailyReport:
    """The consultant hands in the day's report; the figures are recomputed at this moment."""
    report = access_report(actor, report_id, Action.WRITE_REPORT, for_update=True)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"status": _("This report was already submitted.")})
    tomorrow_plan = (tomorrow_plan or "").strip()
    if not tomorrow_plan:
        raise ValidationError({"tomorrow_plan": _("Write tomorrow's plan before submitting.")})
    errors = {}
    check_fields(DailyReport, errors, visit_notes=visit_notes, tomorrow_plan=tomorrow_plan)
    if errors:
        raise ValidationError(errors)
    report.figures = figures(actor, report.date)
    report.visit_notes, report.tomorrow_plan = (visit_notes or "").strip(), tomorrow_plan
    report.status, report.submitted_at = ReportStatus.SUBMITTED, timezone.now()
    report.save(update_fields=["figures", "visit_notes", "tomorrow_plan", "status", "submitted_at"])
    audit.record(actor=actor, action=AuditCode.DAILY_REPORT_SUBMIT, obj=report,
                 after={"date": report.date, **_summary(report.figures)})
    return report


@transaction.atomic
def submit_today(*, actor, visit_notes: str = "", tomorrow_plan: str = "") -> DailyReport:
    """Store and hand in today's report in one step: the report page's submit, so that opening
    the page writes nothing. Nothing is kept if the submit is refused."""
    report = prepare(actor=actor)
    return submit(actor=actor, report_id=report.pk, visit_notes=visit_notes, tomorrow_plan=tomorrow_plan)


@transaction.atomic
def sign(*, actor, report_id, instruction: str = "") -> DailyReport:
    """A manager who signs reports at the report's dealer (the policy's ``sign_report``) checks
    the report and signs it with an instruction. A report is signed once, never by its author."""
    report = access_report(actor, report_id, Action.SIGN_REPORT, for_update=True)
    if report.consultant_id == actor.pk:  # nobody signs their own report
        raise PermissionDenied(refusal(Action.SIGN_REPORT))
    if report.status == ReportStatus.SIGNED:
        raise ValidationError({"status": _("This report was already signed by %(name)s on %(when)s.") % {
            "name": report.signed_by.display_name if report.signed_by_id else "?",
            "when": timezone.localtime(report.signed_at).strftime("%Y-%m-%d %H:%M") if report.signed_at else "?"}})
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError({"status": _("The consultant has not submitted this report yet.")})
    instruction = (instruction or "").strip()
    if not instruction:
        raise ValidationError({"instruction": _("Write your instruction to the consultant.")})
    errors = {}
    check_fields(DailyReport, errors, instruction=instruction)
    if errors:
        raise ValidationError(errors)
    report.status, report.signed_by, report.signed_at = ReportStatus.SIGNED, actor, timezone.now()
    report.instruction = instruction
    report.save(update_fields=["status", "signed_by", "signed_at", "instruction"])
    audit.record(actor=actor, action=AuditCode.DAILY_REPORT_SIGN, obj=report, after={"date": report.date},
                 note=instruction)
    return report
