"""Sales pages: planning. Targets against actual figures (营业目标计划与实际比较表), the funnel by
source, and promotion events. Thin: parse the request, call ``sales.services.planning``, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.customers.access import visible_customers
from retain.customers.search import search
from retain.org.policy import Action, allowed, dealers_in_scope
from retain.web import charts
from retain.web.pages import error_dict, parse_date

from .. import access
from ..models import Grade
from ..services import cadence as cadence_rules
from ..services import planning

SEARCH_LIMIT = 20


@login_required
def targets(request):
    """The month's targets against what was done, per consultant and for the dealer; managers
    set targets in the form below the table."""
    actor, errors, status = request.user, {}, 200
    month_text = request.GET.get("month") or request.POST.get("month") or timezone.localdate().strftime("%Y-%m")
    dealer = request.GET.get("dealer") or request.POST.get("dealer") or None
    if request.method == "POST":
        consultant = request.POST.get("consultant") or None
        try:
            planning.set_target(actor=actor, dealer_id=dealer, month=month_text, consultant_id=consultant,
                                **{field: request.POST.get(field) or 0 for field in planning.TARGET_FIELDS})
        except ValidationError as exc:
            errors, status = error_dict(exc), 422
        else:
            messages.success(request, _("Target saved."))
            return redirect(f"{request.path}?month={month_text}" + (f"&dealer={dealer}" if dealer else ""))
    try:
        table = planning.targets_vs_actual(actor, month_text, dealer)
    except ValidationError as exc:
        errors, status = {**errors, **error_dict(exc)}, 422
        table = planning.targets_vs_actual(actor, timezone.localdate(), None)
    can_set = planning.can_set_targets(actor)
    chart_row = table["total"] or (table["rows"][0] if table["rows"] else None)
    labels = {"walk_ins": _("Walk-ins"), "new_prospects": _("New prospects"), "orders": _("Orders"),
              "deliveries": _("Deliveries")}
    context = {
        "groups": list(labels.values()),
        "chart": charts.target_bars(
            "chart-targets", _("Actual against target"), [labels[c["field"]] for c in chart_row["cells"]],
            [c["actual"] for c in chart_row["cells"]], [c["target"] for c in chart_row["cells"]],
            actual_name=_("Actual"), target_name=_("Target")) if chart_row else None,
        "table": table, "month_text": table["month"].strftime("%Y-%m"), "errors": errors, "can_set": can_set,
        "dealers": dealers_in_scope(actor, Action.VIEW).order_by("code") if not actor.dealer_id else None,
        "consultants": access.sellers([table["dealer"]]).order_by("username") if can_set else [],
        "form": request.POST if request.method == "POST" else {},
    }
    return render(request, "sales/plan_targets.html", context, status=status)


@login_required
def funnel(request):
    """Walk-ins to deliveries for a period, by source, with referred against other prospects."""
    today = timezone.localdate()
    errors, status, result = {}, 200, None
    try:
        start = parse_date(request.GET.get("start"), "start", default=today.replace(day=1))
        end = parse_date(request.GET.get("end"), "end", default=today)
        dealer = request.GET.get("dealer") or None
        result = planning.funnel(request.user, start, end, dealer)
    except ValidationError as exc:
        errors, status = error_dict(exc), 422
    context = {"result": result, "errors": errors, "start": request.GET.get("start") or today.replace(day=1),
               "end": request.GET.get("end") or today,
               "dealers": dealers_in_scope(request.user, Action.VIEW).order_by("code"),
               "dealer": request.GET.get("dealer") or ""}
    if result:
        context["groups"] = [(_("Referred"), result["referred"]), (_("Other sources"), result["other"])]
        overall = result["overall"]
        context["chart"] = charts.funnel("chart-funnel", _("Walk-ins to deliveries"),
                                         [_("Walk-ins"), _("Prospects"), _("Orders"), _("Deliveries")],
                                         [overall["walk_ins"], overall["prospects"], overall["orders"],
                                          overall["deliveries"]])
    return render(request, "sales/plan_funnel.html", context, status=status)


@login_required
def events(request):
    """Promotion events: the list with their results side by side, and a form to create one."""
    actor, errors, status = request.user, {}, 200
    can_create = planning.can_organise_events(actor)
    if request.method == "POST":
        try:
            event = planning.create_event(actor=actor, name=request.POST.get("name", ""),
                                          starts_on=parse_date(request.POST.get("starts_on"), "starts_on"),
                                          ends_on=parse_date(request.POST.get("ends_on"), "ends_on"),
                                          description=request.POST.get("description", ""),
                                          dealer_id=request.POST.get("dealer") or None)
        except ValidationError as exc:
            errors, status = error_dict(exc), 422
        else:
            messages.success(request, _("Event %(name)s created.") % {"name": event.name})
            return redirect("sales:event", event_id=event.pk)
    page = Paginator(access.visible_events(actor).select_related("dealer"), 20).get_page(request.GET.get("page"))
    order = {event.pk: i for i, event in enumerate(page)}  # the page's order: newest first
    comparison = sorted(planning.compare_events(actor, list(order)), key=lambda row: order[row["id"]]) \
        if order else []
    context = {"comparison": comparison, "page": page, "errors": errors, "can_create": can_create,
               "form": request.POST if request.method == "POST" else {},
               "dealers": dealers_in_scope(actor, Action.VIEW).order_by("code") if not actor.dealer_id else None}
    return render(request, "sales/event_list.html", context, status=status)


def _event_context(request, event):
    actor = request.user
    q = (request.GET.get("q") or "").strip()
    invited = set(event.invitations.values_list("customer_id", flat=True))
    found = []
    if q:
        found = list(search(visible_customers(actor), q).exclude(pk__in=invited)
                     .select_related("owner").order_by("name", "pk")[:SEARCH_LIMIT])
    invitations = planning.event_invitations(actor, event).select_related("customer", "invited_by") \
        .order_by("customer__name", "pk")
    summary = planning.compare_events(actor, [event.pk])[0]
    today = timezone.localdate()
    return {"event": event, "q": q, "found": found, "invitations": invitations, "summary": summary,
            "open_for_invitations": event.ends_on >= today,
            "attendance_default": min(max(today, event.starts_on), event.ends_on),
            "today": today}


@login_required
def event(request, event_id):
    """One event: invite from a customer search, mark who came, record follow-ups."""
    actor = request.user
    the_event = access.access_event(actor, event_id)
    errors, status = {}, 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                result = planning.invite(actor=actor, event_id=the_event.pk,
                                         customer_ids=request.POST.getlist("customer"))
                messages.success(request, _("%(invited)d invited, %(skipped)d already invited, "
                                            "%(withdrawn)d without marketing consent.") % {
                    "invited": len(result["invited"]), "skipped": len(result["skipped"]),
                    "withdrawn": len(result["no_consent"])})
            elif action == "attend":
                planning.register_attendance(actor=actor, event_id=the_event.pk,
                                             customer_id=request.POST.get("customer"),
                                             attended_on=parse_date(request.POST.get("attended_on"), "attended_on"))
                messages.success(request, _("Attendance registered."))
            elif action == "follow_up":
                planning.record_follow_up(actor=actor, invitation_id=request.POST.get("invitation"),
                                          result=request.POST.get("result", ""),
                                          followed_up_on=parse_date(request.POST.get("followed_up_on"),
                                                                    "followed_up_on", default=timezone.localdate()))
                messages.success(request, _("Follow-up recorded."))
            else:
                raise ValidationError({"action": _("Unknown action.")})
        except ValidationError as exc:
            errors, status = error_dict(exc), 422
        else:
            return redirect("sales:event", event_id=the_event.pk)
    context = _event_context(request, the_event)
    context["errors"] = errors
    if request.htmx and request.htmx.target == "found":
        return render(request, "sales/event_search.html", context)
    return render(request, "sales/event_detail.html", context, status=status)


@login_required
def cadence(request):
    """A dealer's follow-up cadence per grade; managers change it."""
    dealers = dealers_in_scope(request.user, Action.VIEW)
    code = request.GET.get("dealer")
    # A dealer named but out of sight is a 404, never a quiet fall-back to the actor's own.
    wanted = Action.SET_CADENCE if request.method == "POST" else Action.VIEW
    dealer = cadence_rules.dealer_by_code(request.user, code, wanted) if code else (
        dealers.filter(pk=request.user.dealer_id).first() or dealers.order_by("code").first())
    errors = {}
    if request.method == "POST" and dealer is not None:
        try:
            days = int(request.POST.get("days", ""))
        except ValueError:
            days = None
        try:
            cadence_rules.set_cadence(actor=request.user, dealer_id=dealer.pk, grade=request.POST.get("grade", ""),
                                      days=days)
        except ValidationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("Cadence saved."))
            return redirect(f"{request.path}?dealer={dealer.code}")
    table = cadence_rules.cadence_table(dealer.pk) if dealer else {}
    return render(request, "sales/plan_cadence.html", {
        "dealer": dealer, "dealers": dealers.order_by("code") if dealers.count() > 1 else None,
        "rows": [(grade, label, table.get(grade)) for grade, label in Grade.choices],
        "can_set": allowed(request.user, Action.SET_CADENCE), "errors": errors,
    }, status=422 if errors else 200)

