"""Sales pages for the day's work: today's follow-ups, prospects, grading, contacts, outcomes,
and the walk-in / phone-in register. Thin: parse the form, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers import today as today_page
from retain.customers.access import access_customer
from retain.customers.models import Customer
from retain.org.policy import Action, Scope, allowed, dealers_in_scope, scope_of
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, fold_form, form_errors_as_messages, post_and_redirect

from .. import figures, services
from ..access import access_prospect, visible_prospects
from ..forms import (
    ContactForm,
    CustomerContactForm,
    DecisionForm,
    DefeatForm,
    DeliveryForm,
    GradeForm,
    OrderForm,
    ProspectForm,
    VisitForm,
    cents,
)
from ..models import ACTIVE_STATUSES, Grade, Prospect, ProspectStatus


@login_required
def today(request):
    # one statement first: which of the day's lists (these and the sections') hold anything the
    # reader owns; a manager's page skips the queries of lists they have nothing in
    today_page.look(request.user, (Prospect, "owner"), (Customer, "owner"))
    day = services.today(request.user)
    context = {**day, "visits_to_register": services.unlinked_visits(request.user),
               "sections": today_page.sections(request.user, day["date"]),  # other apps' work (care tasks)
               "team": None, "owners": services.owners_to_care_for(request.user),
               "contact_form": CustomerContactForm(auto_id=False),  # one form per owner row: no ids
               # One tap reveals the number (audit-logged, with this reason), the next one dials it.
               "can_call": allowed(request.user, Action.REVEAL), "call_reason": _("Follow-up call")}
    scope = scope_of(request.user, Action.VIEW)
    if scope > Scope.DEALER:  # a region's or the group's managers: their dealers, not a thousand names
        dealers = list(dealers_in_scope(request.user, Action.VIEW).order_by("code"))
        counted, context["as_of"] = figures.dealer_figures([d.pk for d in dealers], timezone.localdate())
        context["dealers"] = [{"dealer": d, **counted[d.pk]} for d in dealers]
    elif scope > Scope.OWN:
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
    if request.GET.get("ordered"):  # orders waiting for their delivery
        prospects = prospects.filter(status=ProspectStatus.OPEN, ordered_on__isnull=False)
    for key in ("owner", "dealer"):  # the managers' "by consultant" and "by dealer" links; within the door's scope
        value = request.GET.get(key, "")
        if value.isdigit() and len(value) < 19:
            prospects = prospects.filter(**{f"{key}_id": int(value)})
    # Keyset pages in follow-up order, no OFFSET and no count (the page shows none): retain.web.keyset.
    page = keyset_page(prospects.select_related("customer", "owner").defer("customer__national_id"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=25, ordering=["next_follow_up", "id"], count=False)
    query = request.GET.copy()
    for key in ("after", "before"):  # the pager adds its own cursor
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
            prospect = services.open_prospect(
                actor=request.user, customer_id=customer.pk, grade=data["grade"],
                model_of_interest=data["model_of_interest"], source=data["source"],
                budget_cents=cents(data["budget"]), purchase_by=data["purchase_by"],
                competitors=data["competitors"], visit_id=data["visit"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s is now a prospect, graded %(grade)s.") % {
                "name": customer.name, "grade": prospect.grade})
            return redirect("sales:prospect", prospect.pk)
    return render(request, "sales/prospect_form.html", {"form": form, "customer": customer})


def _detail_context(request, prospect, **forms):
    can_decide = visible_prospects(request.user, Action.DECIDE_DEFEAT).filter(pk=prospect.pk).exists()
    return {
        "prospect": prospect, "today": timezone.localdate(),
        "grade_changes": prospect.grade_changes.select_related("changed_by"),
        "contacts": prospect.contacts.select_related("recorded_by"),
        "grade_form": forms.get("grade_form") or GradeForm(initial={"grade": prospect.grade}),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "order_form": forms.get("order_form") or OrderForm(),
        "defeat_form": forms.get("defeat_form") or DefeatForm(),
        "delivery_form": forms.get("delivery_form") or DeliveryForm(),
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
    done = post_and_redirect(request, form, lambda data: call(prospect, data), success=success,
                             to="sales:prospect", prospect_id=prospect.pk)
    return done or render(request, "sales/prospect.html", _detail_context(request, prospect, **{form_name: form}),
                          status=422)


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
def prospect_delivery(request, prospect_id):
    return _act(request, prospect_id, DeliveryForm, "delivery_form", lambda p, d: services.record_delivery(
        actor=request.user, prospect_id=p.pk, vin=d["vin"], make=d["make"], model=d["model"],
        price_cents=cents(d["price"]), plate=d["plate"], delivered_on=d["delivered_on"], reference=d["reference"]),
        _("Delivery recorded."))


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
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda data: services.register_visit(actor=request.user, **data),
                                 success=_("Visit registered."), to="sales:visits")
        if done:
            return done
    todays = services.visits_on(request.user).order_by("-arrived_at", "-id")
    return render(request, "sales/visits.html", {"form": form, "visits": todays.select_related("consultant", "customer")},
                  status=422 if form.errors else 200)


@login_required
def customer_contact_form(request, customer_id):
    """The form to log a care contact, fetched when the card's fold opens."""
    customer = access_customer(request.user, customer_id, Action.EDIT)
    return fold_form(request, title=_("Log a contact (owner visit, call)"), form=CustomerContactForm(),
                     target=reverse("sales:customer_contact", args=[customer.pk]), submit=_("Log contact"),
                     back_url=reverse("customers:card", args=[customer.pk]), back_label=customer.name)


@login_required
@require_POST
def customer_contact(request, customer_id):
    """Log a care contact with an owner (or an invitation) from the customer card or the today
    page; back to where it was entered, the errors flashed there."""
    customer = access_customer(request.user, customer_id, Action.EDIT)
    back = reverse("sales:today") if request.POST.get("next") == "today" else reverse("customers:card",
                                                                                       args=[customer.pk])
    form = CustomerContactForm(request.POST)
    done = post_and_redirect(
        request, form, lambda data: services.log_customer_contact(actor=request.user, customer_id=customer.pk, **data),
        success=_("Contact with %(name)s logged.") % {"name": customer.name}, to=back)
    if done is None:
        form_errors_as_messages(request, form)
    return done or redirect(back)
