"""The showroom's analysis tables (DOMAIN.md section 4), read through the access door.

- ``traffic``: the showroom traffic statistics (展厅来店(电)统计表) from the walk-in / phone-in
  register, aggregated in the database.
- ``contact_status``: the prospect contact-status table (意向客户接触状况表), one row per prospect
  and a cell per day of the month with the grade held that day and the contacts made; and
  ``contact_status_workbook`` / ``export_contact_status``, its Excel file (audit-logged).
- ``lost_sales``: the lost-sale analysis (销售促成失控(败)分析表).

Scope: a consultant sees their own visits and prospects, managers their dealer's (region's,
group's), exactly as ``scope_filter`` rules. Dates are the dealer's local dates (``TIME_ZONE``).

Exporting the contact-status table is its own action in the policy (``export_contacts``):
consultants may not download customer lists, but the contact-status table is the consultant's
own working paper, so they export *their own* table (nothing but the prospects they own, no
mobiles); managers export what their scope reaches. Either way the export writes one audit row
(``contact_status.export``).
"""

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import exports
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff, person_name
from retain.org.policy import Action, Scope, allowed, dealers_in_scope, refusal, require

from .access import visible_prospects, visible_visits
from .models import (
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    DefeatReason,
    Grade,
    GradeChange,
    Prospect,
    ProspectStatus,
    ShowroomVisit,
    VisitKind,
    VisitOutcome,
)
from .periods import check_period, day_start, month_end, month_start

#: Longest period the traffic and lost-sale tables cover in one go.
MAX_DAYS = 366
#: Source codes of the paper forms: 1 base maintenance … 7 secondary network, 8 area canvassing.
SOURCE_CODES = {str(source): code for code, source in enumerate(PROSPECT_SOURCES, start=1)}
#: Outcomes in which the visitor left a way to reach them, and those that made a prospect.
LEFT_CONTACT = (VisitOutcome.LEFT_CONTACT, VisitOutcome.PROSPECT, VisitOutcome.ORDER)
BECAME_PROSPECT = (VisitOutcome.PROSPECT, VisitOutcome.ORDER)
#: One symbol per kind of contact in the day cells (no words, so nothing to translate).
CONTACT_MARKS = {
    ContactKind.VISIT: "●",
    ContactKind.CALL: "☎",
    ContactKind.MESSAGE: "✉",
    ContactKind.TEST_DRIVE: "▲",
    ContactKind.QUOTE: "¥",
}


# -- parameters ---------------------------------------------------------------------------------

def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _staff_name(first, last, username) -> str:
    return person_name(first, last) or username or ""


# -- 1. showroom traffic statistics -------------------------------------------------------------

def traffic(actor, start: dt.date, end: dt.date, dealer=None) -> dict:
    """Showroom traffic statistics for the local days ``start``..``end`` (inclusive).

    Counts by day, hour of arrival, source, consultant, kind and outcome; first and return
    visits; how many left contact details and how many became prospects (with shares of the
    total); and the average stay in minutes over the visits whose time out is known. Every
    figure is aggregated by the database.
    """
    check_period(start, end, max_days=MAX_DAYS)
    tz = timezone.get_default_timezone()
    visits = _visits(actor, start, end, dealer)
    stay = ExpressionWrapper(F("left_at") - F("arrived_at"), output_field=DurationField())
    totals = visits.aggregate(
        total=Count("id"),
        first_visits=Count("id", filter=Q(first_visit=True)),
        left_contact=Count("id", filter=Q(outcome__in=LEFT_CONTACT)),
        became_prospect=Count("id", filter=Q(outcome__in=BECAME_PROSPECT)),
        timed=Count("id", filter=Q(left_at__isnull=False)),
        average_stay=Avg(stay, filter=Q(left_at__isnull=False)),
    )
    total = totals["total"]

    def grouped(*fields, **annotations):
        return visits.order_by().values(*fields).annotate(count=Count("id"), **annotations).order_by(*fields)

    per_day = {row["day"]: row["count"] for row in
               visits.order_by().annotate(day=TruncDate("arrived_at", tzinfo=tz)).values("day")
               .annotate(count=Count("id")).order_by("day")}
    per_hour = _per_hour(visits)
    per_source = {row["source"]: row["count"] for row in grouped("source")}
    per_kind = {row["kind"]: row["count"] for row in grouped("kind")}
    per_outcome = {row["outcome"]: row["count"] for row in grouped("outcome")}
    per_consultant = grouped("consultant_id", "consultant__username", "consultant__first_name",
                             "consultant__last_name",
                             left_contact=Count("id", filter=Q(outcome__in=LEFT_CONTACT)),
                             became_prospect=Count("id", filter=Q(outcome__in=BECAME_PROSPECT)))

    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    source_labels = dict(ShowroomVisit._meta.get_field("source").choices)
    average = totals["average_stay"]
    return {
        "start": start,
        "end": end,
        "dealer": int(dealer) if dealer not in (None, "") else None,
        "total": total,
        "first_visits": totals["first_visits"],
        "return_visits": total - totals["first_visits"],
        "left_contact": totals["left_contact"],
        "left_contact_share": _share(totals["left_contact"], total),
        "became_prospect": totals["became_prospect"],
        "prospect_share": _share(totals["became_prospect"], total),
        "timed_visits": totals["timed"],
        "average_minutes": round(average.total_seconds() / 60, 1) if average is not None else None,
        "by_day": [{"date": day, "count": per_day.get(day, 0)} for day in days],
        "by_hour": [{"hour": hour, "count": per_hour.get(hour, 0)} for hour in range(24)],
        "by_source": [
            {"source": str(source), "code": SOURCE_CODES.get(str(source)), "label": str(source_labels[source]),
             "count": per_source.get(source, 0), "share": _share(per_source.get(source, 0), total)}
            for source in [*PROSPECT_SOURCES, *sorted(set(per_source) - set(PROSPECT_SOURCES))]
        ],
        "by_kind": [{"kind": kind.value, "label": str(kind.label), "count": per_kind.get(kind.value, 0),
                     "share": _share(per_kind.get(kind.value, 0), total)} for kind in VisitKind],
        "by_outcome": [{"outcome": outcome.value, "label": str(outcome.label),
                        "count": per_outcome.get(outcome.value, 0),
                        "share": _share(per_outcome.get(outcome.value, 0), total)} for outcome in VisitOutcome],
        "by_consultant": [
            {"consultant_id": row["consultant_id"],
             "consultant": _staff_name(row["consultant__first_name"], row["consultant__last_name"],
                                       row["consultant__username"]) or _("(no consultant)"),
             "count": row["count"], "share": _share(row["count"], total),
             "left_contact": row["left_contact"], "became_prospect": row["became_prospect"]}
            for row in sorted(per_consultant, key=lambda r: (-r["count"], r["consultant__username"] or ""))
        ],
    }


def traffic_of_the_day(actor, day: dt.date, dealer=None) -> dict:
    """The part of ``traffic`` a manager's start page shows, in two queries: the day's visits,
    how many left contact details and became prospects, and arrivals by hour."""
    visits = _visits(actor, day, day, dealer)
    totals = visits.aggregate(total=Count("id"), left_contact=Count("id", filter=Q(outcome__in=LEFT_CONTACT)),
                              became_prospect=Count("id", filter=Q(outcome__in=BECAME_PROSPECT)))
    per_hour = _per_hour(visits)
    return {**totals, "by_hour": [{"hour": hour, "count": per_hour.get(hour, 0)} for hour in range(24)]}


def _visits(actor, start: dt.date, end: dt.date, dealer):
    visits = visible_visits(actor).filter(arrived_at__gte=day_start(start),
                                          arrived_at__lt=day_start(end + dt.timedelta(days=1)))
    if dealer not in (None, ""):
        try:
            visits = visits.filter(dealer_id=int(dealer))
        except (TypeError, ValueError):
            raise ValidationError({"dealer": _("Choose a dealer.")})
    return visits


def _per_hour(visits) -> dict[int, int]:
    hour = ExtractHour("arrived_at", tzinfo=timezone.get_default_timezone())
    return {row["hour"]: row["count"] for row in
            visits.order_by().annotate(hour=hour).values("hour").annotate(count=Count("id")).order_by("hour")}


# -- 2. prospect contact-status table -----------------------------------------------------------

def _prospects_in_month(actor, first: dt.date, last: dt.date, consultant, action: str):
    """Prospects being worked at some point of the month: first contact on or before its last
    day, and not closed before its first day (open ones have no closing date)."""
    prospects = visible_prospects(actor, action).filter(
        Q(first_contact__lte=last), Q(closed_on__isnull=True) | Q(closed_on__gte=first))
    if consultant not in (None, ""):
        try:
            prospects = prospects.filter(owner_id=int(consultant))
        except (TypeError, ValueError):
            raise ValidationError({"consultant": _("Choose a consultant.")})
    return prospects


def contact_status(actor, month: dt.date, consultant=None, *, action: str = Action.VIEW) -> list[dict]:
    """One row per prospect active in ``month``: customer name (no mobile), model, source code,
    first-contact date, a cell per day with the grade held that day (the last grade change on
    or before it) and the contacts made that day, the current grade and status.

    Three queries: the prospects, their grade changes, their contacts in
    the month. Days before the first contact, after the prospect closed or after today are blank.
    """
    first = month_start(month)
    last = month_end(first)
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    prospects = _prospects_in_month(actor, first, last, consultant, action)
    rows = list(prospects.select_related("customer", "owner", "dealer")
                .order_by("dealer__code", "owner__username", "first_contact", "id"))
    ids = prospects.values("id")

    # All changes, not only those before the month's end: the opening one (no "from" grade) is
    # written when the prospect is entered, possibly after a backdated first contact, and holds
    # from that first contact. The others take effect on their local date, in the order made.
    first_contacts = {prospect.pk: prospect.first_contact for prospect in rows}
    timelines = defaultdict(list)  # prospect id -> [(local date, id, grade)]
    for change in (GradeChange.objects.filter(prospect_id__in=ids)
                   .values("id", "prospect_id", "from_grade", "to_grade", "changed_at")):
        day = timezone.localtime(change["changed_at"], tz).date()
        if not change["from_grade"]:
            day = min(day, first_contacts.get(change["prospect_id"], day))
        timelines[change["prospect_id"]].append((day, change["id"], change["to_grade"]))
    contacts = defaultdict(lambda: defaultdict(list))  # prospect id -> day -> [kinds]
    for contact in (Contact.objects.filter(prospect_id__in=ids, contacted_on__gte=first, contacted_on__lte=last)
                    .order_by("contacted_on", "id").values("prospect_id", "contacted_on", "kind")):
        contacts[contact["prospect_id"]][contact["contacted_on"].day].append(contact["kind"])

    status_labels = dict(ProspectStatus.choices)
    source_labels = dict(Prospect._meta.get_field("source").choices)
    table = []
    for number, prospect in enumerate(rows, start=1):
        timeline = sorted(timelines.get(prospect.pk, []))
        days, position, grade = [], 0, ""
        for day_number in range(1, last.day + 1):
            day = first.replace(day=day_number)
            while position < len(timeline) and timeline[position][0] <= day:
                grade = timeline[position][2]
                position += 1
            shown = grade
            if day < prospect.first_contact or day > today or (prospect.closed_on and day > prospect.closed_on):
                shown = ""
            kinds = contacts[prospect.pk].get(day_number, [])
            days.append({"day": day_number, "date": day, "grade": shown, "contacts": kinds,
                         "mark": "".join(CONTACT_MARKS.get(kind, "*") for kind in kinds)})
        table.append({
            "number": number,
            "prospect_id": prospect.pk,
            "customer_id": prospect.customer_id,
            "customer": prospect.customer.name,
            "model_of_interest": prospect.model_of_interest,
            "source": prospect.source,
            "source_code": SOURCE_CODES.get(prospect.source),
            "source_label": str(source_labels.get(prospect.source, prospect.source)),
            "first_contact": prospect.first_contact,
            "consultant_id": prospect.owner_id,
            "consultant": prospect.owner.display_name if prospect.owner_id else "",
            "dealer": prospect.dealer.name,
            "days": days,
            "contacts_in_month": sum(len(kinds) for kinds in contacts[prospect.pk].values()),
            "grade": prospect.grade,
            "status": prospect.status,
            "status_label": str(status_labels.get(prospect.status, prospect.status)),
        })
    return table


def contact_status_workbook(rows: list[dict], month: dt.date, *, dealer: str = "", consultant: str = ""):
    """The contact-status table as an openpyxl workbook (saved by the export writer): a title row (dealer, consultant, month), the
    header with the day numbers, one row per prospect with the grade letter and contact marks
    per day; frozen panes, column widths, landscape A4 fitted to one page wide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    first = month_start(month)
    last = month_end(first)
    dealer = dealer or "、".join(sorted({row["dealer"] for row in rows}))
    consultant = consultant or "、".join(sorted({row["consultant"] for row in rows if row["consultant"]}))

    book = Workbook()
    sheet = book.active
    sheet.title = first.strftime("%Y-%m")
    fixed = [_("No."), _("Customer"), _("Model"), _("First contact"), _("Source")]
    tail = [_("Grade"), _("Status")]
    width = len(fixed) + last.day + len(tail)
    sheet.cell(row=1, column=1, value=_("Prospect contact status")).font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value="%s: %s    %s: %s    %s: %s" % (
        _("Dealer"), dealer, _("Consultant"), consultant, _("Month"), first.strftime("%Y-%m")))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center")
    header_fill = PatternFill("solid", fgColor="DDE6F0")
    weekend_fill = PatternFill("solid", fgColor="F2F2F2")
    header_row = 3
    for column, value in enumerate([*fixed, *range(1, last.day + 1), *tail], start=1):
        cell = sheet.cell(row=header_row, column=column, value=value)
        cell.font, cell.alignment, cell.border, cell.fill = Font(bold=True), centre, border, header_fill

    for offset, row in enumerate(rows, start=1):
        line = header_row + offset
        values = [row["number"], row["customer"], row["model_of_interest"], row["first_contact"], row["source_code"]]
        values += [f"{day['grade']}{day['mark']}" or None for day in row["days"]]
        values += [row["grade"], row["status_label"]]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=column, value=value)
            cell.border = border
            if column != 2:
                cell.alignment = centre
        sheet.cell(row=line, column=4).number_format = "yyyy-mm-dd"
        for day in row["days"]:
            if day["date"].weekday() >= 5:
                sheet.cell(row=line, column=len(fixed) + day["day"]).fill = weekend_fill

    legend_row = header_row + len(rows) + 2
    sheet.cell(row=legend_row, column=1, value=_("Marks") + ": " + "  ".join(
        f"{mark} {ContactKind(kind).label}" for kind, mark in CONTACT_MARKS.items()))
    sheet.cell(row=legend_row + 1, column=1, value=_("Source") + ": " + "  ".join(
        f"{code} {label}" for code, label in source_legend()))

    for column, size in enumerate([5, 14, 12, 11, 6], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = size
    for day in range(1, last.day + 1):
        sheet.column_dimensions[get_column_letter(len(fixed) + day)].width = 4.2
    sheet.column_dimensions[get_column_letter(len(fixed) + last.day + 1)].width = 6
    sheet.column_dimensions[get_column_letter(len(fixed) + last.day + 2)].width = 14
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=len(fixed) + 1)

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.print_options.horizontalCentered = True

    return book


def source_legend() -> list[tuple[int, str]]:
    labels = dict(Prospect._meta.get_field("source").choices)
    return [(code, str(labels[source])) for source, code in SOURCE_CODES.items()]


def may_export_contact_status(actor) -> bool:
    return allowed(actor, Action.EXPORT_CONTACTS)


def export_contact_status(actor, month, consultant=None) -> exports.ExportFile:
    """The audited download of the contact-status table (an .xlsx through the shared export writer).

    What it reaches is the policy's ``export_contacts`` scope: a consultant's own table, a
    manager's dealer's, and so on. One audit row per export.
    """
    first = month_start(month)
    action = Action.EXPORT_CONTACTS
    if require(actor, action) is Scope.OWN:
        if consultant not in (None, "") and str(consultant) != str(actor.pk):
            raise PermissionDenied(refusal(action))
        consultant = actor.pk
    rows = contact_status(actor, first, consultant, action=action)
    owner = None
    if consultant not in (None, ""):  # named in the file only if the actor may see that colleague's table
        owner = Staff.objects.filter(pk=int(consultant), dealer__in=dealers_in_scope(actor, action)).first()
    dealer = actor.dealer.name if actor.dealer_id else ""
    book = contact_status_workbook(rows, first, dealer=dealer, consultant=owner.display_name if owner else "")
    suffix = f"-{owner.username}" if owner else ""
    return exports.export_workbook(
        actor=actor, action=AuditCode.CONTACT_STATUS_EXPORT, object_type="prospect", dealer_id=actor.dealer_id,
        filters={"month": first.strftime("%Y-%m"), "consultant": owner.pk if owner else None}, book=book,
        rows=len(rows), filename=f"contact-status-{first:%Y-%m}{suffix}.xlsx")


# -- 3. lost-sale analysis ----------------------------------------------------------------------

def lost_sales(actor, start: dt.date, end: dt.date) -> dict:
    """Defeats approved (status defeated, closed in ``start``..``end``) counted by reason, by the
    competitor make and model bought, by the grade at which the sale was lost and by
    consultant, with shares of the total; the defeat rate against the sales won in the same
    period; and the applications still awaiting a manager's decision."""
    check_period(start, end, max_days=MAX_DAYS)
    visible = visible_prospects(actor)
    defeated = visible.filter(status=ProspectStatus.DEFEATED, closed_on__gte=start, closed_on__lte=end).order_by()
    total = defeated.count()
    won = visible.filter(status=ProspectStatus.WON, closed_on__gte=start, closed_on__lte=end).count()

    by_reason = {row["defeat_reason"]: row["count"] for row in
                 defeated.values("defeat_reason").annotate(count=Count("id"))}
    by_stage = {row["defeat_stage"]: row["count"] for row in
                defeated.values("defeat_stage").annotate(count=Count("id"))}
    competitors = (defeated.values("defeat_make", "defeat_model").annotate(count=Count("id"))
                   .order_by("-count", "defeat_make", "defeat_model"))
    makes = defeated.values("defeat_make").annotate(count=Count("id")).order_by("-count", "defeat_make")
    consultants = (defeated.values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
                   .annotate(count=Count("id")).order_by("-count", "owner__username"))
    pending = (visible.filter(status=ProspectStatus.DEFEAT_PENDING).select_related("customer", "owner")
               .order_by("defeat_applied_on", "id"))
    reasons = [*DefeatReason.values, *sorted(set(by_reason) - set(DefeatReason.values))]
    reason_labels = dict(DefeatReason.choices)
    return {
        "start": start,
        "end": end,
        "total": total,
        "won": won,
        "defeat_rate": _share(total, total + won),
        "by_reason": [{"reason": reason, "label": str(reason_labels.get(reason, reason or _("(none)"))),
                       "count": by_reason.get(reason, 0), "share": _share(by_reason.get(reason, 0), total)}
                      for reason in reasons],
        "by_make": [{"make": row["defeat_make"], "count": row["count"], "share": _share(row["count"], total)}
                    for row in makes],
        "by_competitor": [{"make": row["defeat_make"], "model": row["defeat_model"], "count": row["count"],
                           "share": _share(row["count"], total)} for row in competitors],
        "by_stage": [{"grade": grade.value, "count": by_stage.get(grade.value, 0),
                      "share": _share(by_stage.get(grade.value, 0), total)} for grade in Grade],
        "by_consultant": [
            {"consultant_id": row["owner_id"],
             "consultant": _staff_name(row["owner__first_name"], row["owner__last_name"], row["owner__username"])
             or _("(no consultant)"),
             "count": row["count"], "share": _share(row["count"], total)} for row in consultants],
        "pending": [
            {"prospect_id": p.pk, "customer": p.customer.name, "consultant": p.owner.display_name if p.owner_id else "",
             "make": p.defeat_make, "model": p.defeat_model, "reason": p.defeat_reason,
             "reason_label": str(reason_labels.get(p.defeat_reason, p.defeat_reason)), "stage": p.defeat_stage,
             "applied_on": p.defeat_applied_on} for p in pending],
    }
