"""Sales pages for the day's work: today's follow-ups, prospects, grading, contacts, outcomes,
and the walk-in / phone-in register. Thin: parse the form, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import access_customer
from retain.customers.forms import apply_errors
from retain.org.policy import Action, Scope, scope_of
from retain.web.keyset import keyset_page

from .. import services
from ..access import access_prospect, is_sales_manager, visible_prospects
from ..forms import ContactForm, DecisionForm, DefeatForm, GradeForm, OrderForm, ProspectForm, VisitForm, cents
from ..models import ACTIVE_STATUSES, Grade, ProspectStatus


@login_required
def today(request):
    context = {**services.today(request.user), "visits_to_register": services.unlinked_visits(request.user),
               "team": None}
    if scope_of(request.user, Action.VIEW) > Scope.OWN:
        context["team"] = services.overdue_by_consultant(request.user)
    return render(request, "sales/today.html", context)


@login_required
def prospect_list(request):
    prospects = visible_prospects(request.user).filter(status__in=ACTIVE_STATUSES)
    grade = request.GET.get("grade", "")
    if grade in Grade.values:
        prospects = prospects.filter(grade=grade)
    if request.GET.get("overdue"):
        prospects = prospects.filter(next_follow_up__lt=timezone.localdate())
    # Keyset pages in follow-up order, no OFFSET and no count (the page shows none): retain.web.keyset.
    page = keyset_page(prospects.select_related("customer", "owner"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=25, ordering=["next_follow_up", "id"], count=False)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    return render(request, "sales/prospects.html", {"page": page, "grades": Grade.choices, "grade": grade,
                                                    "today": timezone.localdate(), "query": query.urlencode()})


@login_required
def prospect_create(request, customer_id):
    customer = access_customer(request.user, customer_id, Action.EDIT)
    form = ProspectForm(request.POST or None, visits=services.unlinked_visits(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                prospect = services.open_prospect(
                    actor=request.user, customer_id=customer.pk, grade=data["grade"],
                    model_of_interest=data["model_of_interest"], source=data["source"],
                    budget_cents=cents(data["budget"]), purchase_by=data["purchase_by"],
                    competitors=data["competitors"])
                if data["visit"]:
                    services.link_visit(actor=request.user, visit_id=data["visit"], customer_id=customer.pk)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now a prospect, graded %(grade)s.") % {
                "name": customer.name, "grade": prospect.grade})
            return redirect("sales:prospect", prospect.pk)
    return render(request, "sales/prospect_form.html", {"form": form, "customer": customer})


def _detail_context(request, prospect, **forms):
    can_decide = is_sales_manager(request.user)
    return {
        "prospect": prospect, "today": timezone.localdate(),
        "budget": None if prospect.budget_cents is None else f"{prospect.budget_cents / 100:,.2f}",
        "grade_changes": prospect.grade_changes.select_related("changed_by"),
        "contacts": prospect.contacts.select_related("recorded_by"),
        "grade_form": forms.get("grade_form") or GradeForm(initial={"grade": prospect.grade}),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "order_form": forms.get("order_form") or OrderForm(),
        "defeat_form": forms.get("defeat_form") or DefeatForm(),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "can_decide": can_decide, "open": prospect.status == ProspectStatus.OPEN,
    }


@login_required
def prospect_detail(request, prospect_id):
    prospect = access_prospect(request.user, prospect_id)
    return render(request, "sales/prospect.html", _detail_context(request, prospect))


def _act(request, prospect_id, form_class, form_name, call, success):
    """Validate a form posted from the prospect page, run the service, or show the errors."""
    prospect = access_prospect(request.user, prospect_id, Action.EDIT)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(prospect, form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("sales:prospect", prospect.pk)
    return render(request, "sales/prospect.html", _detail_context(request, prospect, **{form_name: form}), status=422)


@login_required
@require_POST
def prospect_grade(request, prospect_id):
    return _act(request, prospect_id, GradeForm, "grade_form", lambda p, d: services.change_grade(
        actor=request.user, prospect_id=p.pk, grade=d["grade"], reason=d["reason"]), _("Grade changed."))


@login_required
@require_POST
def prospect_contact(request, prospect_id):
    return _act(request, prospect_id, ContactForm, "contact_form", lambda p, d: services.log_contact(
        actor=request.user, prospect_id=p.pk, kind=d["kind"], notes=d["notes"], result=d["result"],
        next_step=d["next_step"], contacted_on=d["contacted_on"], next_follow_up_on=d["next_follow_up_on"]),
        _("Contact logged."))


@login_required
@require_POST
def prospect_order(request, prospect_id):
    return _act(request, prospect_id, OrderForm, "order_form", lambda p, d: services.record_order(
        actor=request.user, prospect_id=p.pk, deposit_cents=cents(d["deposit"]),
        contract_number=d["contract_number"]), _("Order recorded."))


@login_required
@require_POST
def prospect_defeat(request, prospect_id):
    return _act(request, prospect_id, DefeatForm, "defeat_form", lambda p, d: services.apply_for_defeat(
        actor=request.user, prospect_id=p.pk, competitor_make=d["competitor_make"],
        competitor_model=d["competitor_model"], reason=d["reason"], note=d["note"]),
        _("Defeat reported; a manager will decide."))


@login_required
@require_POST
def prospect_decision(request, prospect_id):
    return _act(request, prospect_id, DecisionForm, "decision_form", lambda p, d: services.decide_defeat(
        actor=request.user, prospect_id=p.pk, approve=d["approve"], note=d["note"]), _("Decision recorded."))


@login_required
def visits(request):
    """The walk-in / phone-in register: today's lines and a form for the next one."""
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_visit(actor=request.user, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Visit registered."))
            return redirect("sales:visits")
    todays = services.visits_on(request.user).order_by("-arrived_at", "-id")
    return render(request, "sales/visits.html", {"form": form, "visits": todays.select_related("consultant", "customer")},
                  status=422 if form.errors else 200)


urlpatterns = [
    path("today/", today, name="today"),
    path("prospects/", prospect_list, name="prospects"),
    path("prospects/new/<int:customer_id>/", prospect_create, name="prospect_create"),
    path("prospects/<int:prospect_id>/", prospect_detail, name="prospect"),
    path("prospects/<int:prospect_id>/grade/", prospect_grade, name="prospect_grade"),
    path("prospects/<int:prospect_id>/contact/", prospect_contact, name="prospect_contact"),
    path("prospects/<int:prospect_id>/order/", prospect_order, name="prospect_order"),
    path("prospects/<int:prospect_id>/defeat/", prospect_defeat, name="prospect_defeat"),
    path("prospects/<int:prospect_id>/decision/", prospect_decision, name="prospect_decision"),
    path("visits/", visits, name="visits"),
]
