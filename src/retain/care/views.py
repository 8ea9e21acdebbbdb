"""The care pages: the task list, one task with its outcome form, a manual task, the managers'
completion by person, a dealer's rules, and the VIP files. Thin: parse the form, call a
service or a read of ``care.worklist``, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers import services as customer_services
from retain.customers.access import access_customer, visible_customers
from retain.customers.models import TransactionKind
from retain.org.models import Dealer
from retain.org.policy import Action, Scope, allowed, dealers_in_scope, picked_dealer, require, scope_of
from retain.web import charts
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, form_errors_as_messages, post_and_redirect

from . import services
from .access import access_task, access_vip_file, visible_tasks, visible_vip_files
from .export import FORMATS, export_tasks
from .forms import (
    OutcomeForm,
    PeriodForm,
    ReferralForm,
    RuleForm,
    SettingsForm,
    TaskFilterForm,
    TaskForm,
    VipFileForm,
)
from .models import TaskKind, TaskStatus
from .rules import rules_for, settings_for
from .services.rules import SETTINGS_FIELDS
from .worklist import by_person, filtered

PAGE_SIZE = 25


def _back(request, default: str) -> str:
    """Where a form posted from another page returns (a path on this site), else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- tasks -----------------------------------------------------------------------------------

@login_required
def task_list(request):
    """Care tasks: one's own by default; managers see their scope, by owner, due today or overdue."""
    require(request.user, Action.VIEW_TASKS)
    form = TaskFilterForm(request.GET or None, actor=request.user)
    values = form.values() if request.GET else {"due": "open", "kind": "", "mine": True, "owner_id": None}
    tasks = filtered(request.user, **values).select_related("customer", "owner", "vehicle").defer("customer__national_id")
    page = keyset_page(tasks, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=["due_on", "id"], count=False)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "care/tasks.html", {
        "form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate(),
        "outcome_form": OutcomeForm(auto_id=False), "may_work": allowed(request.user, Action.WORK_TASKS),
        "may_export": allowed(request.user, Action.EXPORT_TASKS),
        "team": scope_of(request.user, Action.VIEW_TASKS) > Scope.OWN})


def _task_page(request, task, form, status=200):
    work = visible_tasks(request.user, Action.WORK_TASKS).filter(pk=task.pk).exists()
    return render(request, "care/task.html", {"task": task, "form": form, "may_work": work,
                                              "today": timezone.localdate()}, status=status)


@login_required
def task_detail(request, task_id):
    task = access_task(request.user, task_id)
    return _task_page(request, task, OutcomeForm())


@login_required
@require_POST
def task_outcome(request, task_id):
    """Record a task's outcome; back to the page it was posted from (the list, today's page)."""
    task = access_task(request.user, task_id, Action.WORK_TASKS)
    form = OutcomeForm(request.POST)
    back = _back(request, reverse("care:task", args=[task.pk]))
    done = post_and_redirect(request, form, lambda data: services.record_outcome(
        actor=request.user, task_id=task.pk, outcome=data["outcome"], notes=data["notes"], done_on=data["done_on"]),
        success=_("%(task)s with %(name)s done.") % {"task": task.get_kind_display(), "name": task.customer.name},
        to=back)
    if done is not None:
        return done
    if request.POST.get("next"):
        form_errors_as_messages(request, form)
        return redirect(back)
    return _task_page(request, task, form, status=422)


@login_required
def task_create(request, customer_id):
    """A manual task on a customer."""
    require(request.user, Action.WORK_TASKS)
    customer = access_customer(request.user, customer_id, Action.EDIT)
    form = TaskForm(request.POST or None, actor=request.user, customer=customer)
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: services.create_task(
            actor=request.user, customer_id=customer.pk, due_on=data["due_on"], notes=data["notes"],
            channel=data["channel"], owner_id=data.get("owner"), vehicle_id=data["vehicle_id"]),
            success=_("Task added."), to="customers:card", customer_id=customer.pk)
        if done:
            return done
    return render(request, "care/task_form.html", {"form": form, "customer": customer},
                  status=422 if form.errors else 200)


@login_required
def task_export(request, fmt):
    """The list's tasks as CSV or XLSX (audit-logged)."""
    if fmt not in FORMATS:
        raise Http404
    require(request.user, Action.EXPORT_TASKS)
    form = TaskFilterForm(request.GET or None, actor=request.user)
    values = form.values() if request.GET else {"due": "open", "kind": "", "mine": True, "owner_id": None}
    return export_tasks(request.user, fmt, values).response()


# --- the managers' view ----------------------------------------------------------------------

@login_required
def team(request):
    """Completion and overdue care tasks by person in the manager's scope, for a period (this
    month by default), as a table and a chart of the same rows."""
    if scope_of(request.user, Action.VIEW_TASKS) <= Scope.OWN:
        raise Http404
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": today.replace(day=1), "end": today})
    rows, chart = [], None
    if form.is_valid():
        rows = by_person(request.user, form.cleaned_data["start"], form.cleaned_data["end"], today)
        names = [row["name"] or _("(unassigned)") for row in rows]
        chart = charts.grouped_bars("chart-care-team", _("Care tasks due in the period, by person"), names, {
            _("Done"): [row["done"] for row in rows], _("Overdue"): [row["overdue"] for row in rows]})
    return render(request, "care/team.html", {"form": form, "rows": rows, "chart": chart},
                  status=200 if form.is_valid() else 422)


# --- rules ------------------------------------------------------------------------------------

def _rules_dealer(request) -> Dealer:
    """The dealer whose rules the page shows: ``?dealer=CODE`` in the actor's view, else their own."""
    return picked_dealer(request.user, Action.VIEW_TASKS, request.GET.get("dealer") or request.POST.get("dealer"))


def _rules_page(request, dealer, *, rule_form=None, posted_kind="", settings_form=None, status=200):
    may_set = dealers_in_scope(request.user, Action.SET_CARE_RULES).filter(pk=dealer.pk).exists()
    settings = settings_for(dealer.pk)
    rows = []
    for rule in rules_for(dealer.pk):
        bound = rule_form if posted_kind == rule.kind else None
        rows.append({"rule": rule, "form": bound or RuleForm(initial={
            "enabled": rule.enabled, "lead_days": rule.lead_days, "channel": rule.channel,
            "template_code": rule.template_code, "assignee": rule.assignee}, prefix=rule.kind),
            "vip": rule.kind in (TaskKind.VIP_VISIT, TaskKind.MANAGER_CONTACT)})
        for field in rows[-1]["form"].fields.values():  # the row's inputs belong to its own <form>
            field.widget.attrs["form"] = f"form-{rule.kind}"
    unplaced = rule_form.errors if rule_form is not None and not any(r["form"] is rule_form for r in rows) else None
    return render(request, "care/rules.html", {
        "dealer": dealer, "rows": rows, "may_set": may_set, "unplaced": unplaced,
        "dealers": dealers_in_scope(request.user, Action.VIEW_TASKS).order_by("code"),
        "settings_form": settings_form or SettingsForm(initial={n: getattr(settings, n) for n in SETTINGS_FIELDS}),
    }, status=status)


@login_required
def rules(request):
    """A dealer's care rules and intervals; managers change them here."""
    require(request.user, Action.SET_CARE_RULES if request.method == "POST" else Action.VIEW_TASKS)
    dealer = _rules_dealer(request)
    if request.method != "POST":
        return _rules_page(request, dealer)
    kind = request.POST.get("kind", "")
    form = RuleForm(request.POST, prefix=kind)
    done = post_and_redirect(request, form, lambda data: services.set_rule(
        actor=request.user, dealer_id=dealer.pk, kind=kind, enabled=data["enabled"], lead_days=data["lead_days"],
        channel=data["channel"], template_code=data["template_code"], assignee=data["assignee"]),
        success=_("Rule saved."), to=f"{reverse('care:rules')}?dealer={dealer.code}")
    return done or _rules_page(request, dealer, rule_form=form, posted_kind=kind, status=422)


@login_required
@require_POST
def rules_settings(request):
    require(request.user, Action.SET_CARE_RULES)
    dealer = _rules_dealer(request)
    form = SettingsForm(request.POST)
    done = post_and_redirect(request, form, lambda data: services.set_settings(
        actor=request.user, dealer_id=dealer.pk, **data), success=_("Intervals saved."),
        to=f"{reverse('care:rules')}?dealer={dealer.code}")
    return done or _rules_page(request, dealer, settings_form=form, status=422)


# --- VIP files --------------------------------------------------------------------------------

@login_required
def vip_list(request):
    files = (visible_vip_files(request.user).filter(customer__status="active")
             .select_related("customer", "consultant", "manager", "dealer"))
    if not request.GET.get("closed"):
        files = files.filter(active=True)
    page = keyset_page(files, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=["-opened_on", "-id"], count=False)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "care/vip_list.html", {"page": page, "query": query.urlencode(),
                                                  "may_manage": allowed(request.user, Action.MANAGE_VIP)})


def _vip_context(request, vip, **forms):
    touches = visible_tasks(request.user).filter(customer=vip.customer,
                                                 kind__in=(TaskKind.VIP_VISIT, TaskKind.MANAGER_CONTACT))
    referred = (visible_customers(request.user).filter(referred_by=vip.customer).select_related("owner")
                .order_by("-id"))
    bought = set(referred.filter(transactions__kind=TransactionKind.VEHICLE_SALE).values_list("pk", flat=True))
    manage = visible_vip_files(request.user, Action.MANAGE_VIP).filter(pk=vip.pk).exists()
    return {
        "vip": vip, "manage": manage, "today": timezone.localdate(),
        "visits": list(touches.filter(status=TaskStatus.DONE).select_related("done_by").order_by("-done_on", "-id")[:24]),
        "open": list(touches.filter(status=TaskStatus.OPEN).select_related("owner").order_by("due_on", "id")),
        "referrals": [{"customer": c, "bought": c.pk in bought} for c in referred[:100]],
        "referral_count": referred.count(), "bought_count": len(bought),
        "form": forms.get("form") or (VipFileForm(actor=request.user, vip=vip, initial={
            "source": vip.source, "organisation": vip.organisation, "consultant": vip.consultant_id,
            "manager": vip.manager_id, "opened_on": vip.opened_on, "active": vip.active, "notes": vip.notes})
            if manage else None),
        "referral_form": forms.get("referral_form") or ReferralForm(),
    }


@login_required
def vip_detail(request, customer_id):
    vip = access_vip_file(request.user, customer_id)
    return render(request, "care/vip.html", _vip_context(request, vip))


@login_required
@require_POST
def vip_edit(request, customer_id):
    vip = access_vip_file(request.user, customer_id, Action.MANAGE_VIP)
    form = VipFileForm(request.POST, actor=request.user, vip=vip)
    done = post_and_redirect(request, form, lambda data: services.update_vip_file(
        actor=request.user, customer_id=vip.customer_id, source=data["source"], organisation=data["organisation"],
        consultant_id=data["consultant"], manager_id=data["manager"], active=data["active"], notes=data["notes"],
        **({"opened_on": data["opened_on"]} if data["opened_on"] else {})),
        success=_("VIP file saved."), to="care:vip", customer_id=vip.customer_id)
    return done or render(request, "care/vip.html", _vip_context(request, vip, form=form), status=422)


@login_required
def vip_create(request):
    require(request.user, Action.MANAGE_VIP)
    form = VipFileForm(request.POST or None, actor=request.user, initial={"customer_id": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vip = services.open_vip_file(actor=request.user, customer_id=data["customer_id"], source=data["source"],
                                         organisation=data["organisation"], consultant_id=data["consultant"],
                                         manager_id=data["manager"], opened_on=data["opened_on"],
                                         notes=data["notes"])
        except ValidationError as exc:
            apply_errors(form, exc)
        except Http404:
            form.add_error("customer_id", _("No such customer."))
        else:
            messages.success(request, _("VIP file opened."))
            return redirect("care:vip", customer_id=vip.customer_id)
    return render(request, "care/vip_form.html", {"form": form}, status=422 if form.errors else 200)


@login_required
@require_POST
def vip_referral(request, customer_id):
    """Credit a customer's introduction to the VIP (the customer must be one the actor may edit)."""
    vip = access_vip_file(request.user, customer_id)
    form = ReferralForm(request.POST)
    if form.is_valid():
        try:
            customer_services.credit_referral(actor=request.user, customer_id=form.cleaned_data["customer_id"],
                                              referrer_id=vip.customer_id)
        except ValidationError as exc:
            apply_errors(form, exc)
        except (Http404, PermissionDenied):
            form.add_error("customer_id", _("No such customer, or not one you may change."))
        else:
            messages.success(request, _("Referral credited to %(name)s.") % {"name": vip.customer.name})
            return redirect("care:vip", customer_id=vip.customer_id)
    return render(request, "care/vip.html", _vip_context(request, vip, referral_form=form), status=422)

