"""The case pages: the list (my cases, the dealer's queue, those past a deadline, the closed ones)
by urgency; a case with its six steps as a progress line and its clock; opening a case from the
customer's card; recording a step, closing and assigning. Thin: the rules are the services'."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import access_customer
from retain.org.policy import Action, Scope, dealers_in_scope, picked_dealer, require
from retain.web import charts
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, form_errors_as_messages, post_and_redirect

from ..access import access_case, visible_cases
from ..analysis import complaint_analysis
from ..export import export_analysis
from ..forms.cases import (
    AnalysisForm,
    AssignForm,
    CaseFilterForm,
    CaseForm,
    CloseForm,
    CompensationForm,
    DecisionForm,
    RecurrenceForm,
    SettingsForm,
    StepForm,
)
from ..models import CaseStatus, CaseStep, Step
from ..models.case import settings_for
from ..playbooks import playbook
from ..services import cases as services
from ..services import compensation
from ..services.escalation import past_a_deadline
from ..services.settings import FIELDS, set_settings

PAGE_SIZE = 25


def _listed(actor, show: str, now: dt.datetime):
    found = visible_cases(actor)
    if show == "closed":
        return found.filter(status=CaseStatus.CLOSED), ["-closed_at", "-id"]
    if show == "recheck":
        return (found.filter(status=CaseStatus.CLOSED, recurrence_checked_at__isnull=True,
                             recurrence_check_on__lte=timezone.localdate()), ["recurrence_check_on", "id"])
    found = found.filter(status=CaseStatus.OPEN)
    if show == "mine":
        found = found.filter(owner=actor)
    elif show == "overdue":
        found = found.filter(past_a_deadline(now))
    return found, ["resolution_due", "id"]


@login_required
def case_list(request):
    """Cases in the user's scope, the most urgent first (the resolution deadline)."""
    scope = require(request.user, Action.VIEW_CASES)
    form = CaseFilterForm(request.GET or None)
    show = form.cleaned_data.get("show") if form.is_valid() else ""
    show = show or ("mine" if scope is Scope.OWN or request.user.dealer_id else "queue")
    now = timezone.now()
    found, ordering = _listed(request.user, show, now)
    page = keyset_page(found.select_related("customer", "owner", "dealer").defer("customer__national_id"),
                       after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=ordering, count=False)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "cases/cases/list.html", {
        "form": form, "page": page, "show": show, "query": query.urlencode(), "now": now,
        "several_dealers": scope > Scope.DEALER}, status=200 if form.is_valid() or not request.GET else 422)


def _progress(steps: list[CaseStep]) -> list[dict]:
    """The six steps in their order, each with whether (and when, by whom) it was last taken."""
    last = {}
    for step in steps:
        last[step.step] = step
    return [{"step": step, "label": step.label, "taken": last.get(step.value)} for step in Step]


def _case_page(request, case, *, step_form=None, close_form=None, assign_form=None, recurrence_form=None,
               compensation_form=None, status=200):
    steps = list(CaseStep.objects.filter(case=case).select_related("by").order_by("at", "id"))
    may_work = visible_cases(request.user, Action.WORK_CASES).filter(pk=case.pk).exists()  # closed ones too
    may_assign = visible_cases(request.user, Action.ASSIGN_CASES).filter(pk=case.pk).exists()
    open_ = case.status == CaseStatus.OPEN
    return render(request, "cases/cases/case.html", {
        "case": case, "steps": steps, "progress": _progress(steps), "clock": clock(case, timezone.now()),
        "escalations": case.escalations.prefetch_related("recipients"),
        "may_work": may_work and open_, "may_assign": may_assign and open_, "today": timezone.localdate(),
        "step_form": step_form or StepForm(case=case), "close_form": close_form or CloseForm(),
        "assign_form": assign_form or (AssignForm(case=case) if may_assign and open_ else None),
        "may_check": may_work and case.status == CaseStatus.CLOSED and case.recurrence_checked_at is None,
        "recurrence_form": recurrence_form or RecurrenceForm(),
        "playbook": playbook(case.category, case.motive) if open_ else None,
        "compensations": list(case.compensations.select_related("offered_by", "decided_by")),
        "compensation_form": compensation_form or CompensationForm(),
        "may_approve": visible_cases(request.user, Action.APPROVE_COMPENSATION).filter(pk=case.pk).exists(),
        "decision_form": DecisionForm(auto_id=False),
    }, status=status)


def _posted(request, case, form, call, *, success: str, **page_forms):
    """A case form's post: the service call, then back to the case; else the page again (422)
    with the posted form and its errors in its place (``page_forms``: step_form=form, ...)."""
    done = post_and_redirect(request, form, call, success=success, to="cases:case", case_id=case.pk)
    return done or _case_page(request, case, status=422, **page_forms)


@login_required
def case_detail(request, case_id):
    return _case_page(request, access_case(request.user, case_id))


@login_required
def case_open(request, customer_id):
    """Open a case about a customer (from their card): the form, and its post."""
    customer = access_customer(request.user, customer_id)
    require(request.user, Action.WORK_CASES)
    form = CaseForm(request.POST or None, customer=customer, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.open_case(actor=request.user, customer_id=customer.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Case opened."))
            return redirect("cases:case", case_id=case.pk)
    return render(request, "cases/cases/open.html", {"form": form, "customer": customer},
                  status=422 if form.is_bound else 200)


@login_required
@require_POST
def case_step(request, case_id):
    case = access_case(request.user, case_id, Action.WORK_CASES)
    form = StepForm(request.POST, case=case)
    return _posted(request, case, form, lambda data: services.record_step(
        actor=request.user, case_id=case.pk, **form.details()), success=_("Step recorded."), step_form=form)


@login_required
@require_POST
def case_close(request, case_id):
    case = access_case(request.user, case_id, Action.WORK_CASES)
    form = CloseForm(request.POST)
    return _posted(request, case, form, lambda data: services.close(
        actor=request.user, case_id=case.pk, outcome=data["outcome"], reason=data["reason"]),
        success=_("Case closed."), close_form=form)


@login_required
@require_POST
def case_recurrence(request, case_id):
    case = access_case(request.user, case_id, Action.WORK_CASES)
    form = RecurrenceForm(request.POST)
    return _posted(request, case, form, lambda data: services.check_recurrence(
        actor=request.user, case_id=case.pk, recurred=data["recurred"], notes=data["notes"]),
        success=_("Recurrence check recorded."), recurrence_form=form)


@login_required
@require_POST
def case_compensation(request, case_id):
    case = access_case(request.user, case_id, Action.WORK_CASES)
    form = CompensationForm(request.POST)
    return _posted(request, case, form, lambda data: compensation.offer(
        actor=request.user, case_id=case.pk, kind=data["kind"], value_cents=int(data["value"] * 100),
        points=data["points"], description=data["description"]), success=_("Compensation recorded."),
        compensation_form=form)


@login_required
@require_POST
def compensation_decide(request, case_id, compensation_id):
    case = access_case(request.user, case_id)
    form = DecisionForm(request.POST)
    done = post_and_redirect(request, form, lambda data: compensation.decide(
        actor=request.user, compensation_id=compensation_id, approve=data["approve"], note=data["note"]),
        success=_("Decision recorded."), to="cases:case", case_id=case.pk)
    if done is None:
        form_errors_as_messages(request, form)
        return redirect("cases:case", case_id=case.pk)
    return done


@login_required
@require_POST
def case_assign(request, case_id):
    case = access_case(request.user, case_id, Action.ASSIGN_CASES)
    form = AssignForm(request.POST, case=case)
    done = post_and_redirect(request, form, lambda data: services.assign(
        actor=request.user, case_id=case.pk, owner_id=data["owner_id"]), success=_("Case assigned."),
        to="cases:case", case_id=case.pk)
    if done is None:
        form_errors_as_messages(request, form)
    return done or _case_page(request, case, assign_form=form, status=422)


def clock(case, now: dt.datetime) -> dict:
    """What the case page's clock says: the next deadline and how far it is (or how late)."""
    if case.status != CaseStatus.OPEN:
        return {}
    waiting_contact = case.first_contact_at is None
    due = case.first_contact_due if waiting_contact else case.resolution_due
    return {"due": due, "what": _("First contact") if waiting_contact else _("Resolution"), "late": due < now,
            "left": abs(due - now)}



# --- a dealer's case settings -----------------------------------------------------------------

@login_required
def case_settings(request):
    """A dealer's deadlines and root causes: the form, and its post."""
    require(request.user, Action.SET_CASE_RULES)
    dealer = picked_dealer(request.user, Action.SET_CASE_RULES,
                           request.GET.get("dealer") or request.POST.get("dealer"))
    current = settings_for(dealer.pk)
    form = SettingsForm(request.POST or None, initial={
        **{name: getattr(current, name) for name in FIELDS},
        "compensation_approval": current.compensation_approval_cents / 100})
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: set_settings(
            actor=request.user, dealer_id=dealer.pk, **data), success=_("Case settings saved."),
            to=f"{reverse('cases:settings')}?dealer={dealer.code}")
        if done:
            return done
    return render(request, "cases/cases/settings.html", {
        "form": form, "dealer": dealer, "defaults": current.root_cause_list(),
        "dealers": dealers_in_scope(request.user, Action.SET_CASE_RULES).order_by("code")},
        status=422 if form.is_bound else 200)


# --- complaint analysis -----------------------------------------------------------------------

@login_required
def analysis_page(request, export: bool = False):
    """Complaint analysis of a period (default: the last twelve months) in the user's scope; with
    ``export``, its tables as an .xlsx download."""
    require(request.user, Action.VIEW_CASES)
    form = AnalysisForm(request.GET or None, actor=request.user)
    if request.GET and not form.is_valid():
        return render(request, "cases/cases/analysis.html", {"form": form}, status=422)
    data = form.cleaned_data if request.GET else form.defaults()
    report = complaint_analysis(request.user, start=data["start"], end=data["end"], dealer_id=data.get("dealer"))
    if export:
        return export_analysis(request.user, report, dealer_id=data.get("dealer")).response()
    months = report["months"]
    charts_ = {
        "volume": charts.grouped_bars("chart-volume", _("Cases by month"), [m["month"] for m in months], {
            _("Complaints"): [m["complaints"] for m in months], _("Suggestions"): [m["suggestions"] for m in months]}),
        "categories": charts.pareto("chart-categories", _("Categories (Pareto)"),
                                    [row["label"] for row in report["categories"]],
                                    [row["count"] for row in report["categories"]], count_name=_("Number of cases"),
                                    share_name=_("Cumulative share")),
        "causes": charts.pareto("chart-causes", _("Root causes (Pareto)"), [row["label"] for row in report["root_causes"]],
                                [row["count"] for row in report["root_causes"]], count_name=_("Number of cases"),
                                share_name=_("Cumulative share")),
        "funnel": charts.funnel("chart-funnel", _("Detractors: detect, contact, recover, convert"), [
            _("Detected"), _("Contacted"), _("Recovered"), _("Re-surveyed"), _("Answered"), _("Converted")], [
            report["detractors"][key] for key in ("detected", "contacted", "recovered", "resurveyed", "answered",
                                                  "converted")]),
    }
    query = request.GET.urlencode()
    return render(request, "cases/cases/analysis.html", {"form": form, "report": report, "charts": charts_,
                                                        "query": query})
