"""Customer pages. Thin: parse the form, call the door or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from retain.bounds import CentsSum
from retain.org import audit_display, exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column
from retain.org.models import AuditEvent, Staff
from retain.org.policy import Action, allowed, refusal
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, form_errors_as_messages, post_and_redirect

from . import cards, services
from .access import access_customer, permitted, visible_customers
from .forms import (
    ClassificationForm,
    ConsentForm,
    CustomerForm,
    ListFilterForm,
    MergeForm,
    ReassignForm,
    RevealForm,
    TagsForm,
    TransactionForm,
    VehicleForm,
)
from .search import filter_customers

PAGE_SIZE = 25


def _filtered(request, action=Action.VIEW):
    form = ListFilterForm(request.GET or None, actor=request.user)
    customers = visible_customers(request.user, action)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        customers = filter_customers(customers, q=data["q"], classification=data["classification"],
                                     owner=data.get("owner"), dealer=data.get("dealer"))
    return form, customers


@login_required
def customer_list(request):
    """The customers the user may see, searchable and filterable; htmx swaps only the results."""
    form, customers = _filtered(request)
    # Newest first, a page after (or before) the row at the edge of the last one: the list's
    # indexes answer any depth in the same few reads, and the count stops at 10,000.
    page = keyset_page(customers.select_related("owner", "dealer"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=PAGE_SIZE, ordering=["-id"])
    query = request.GET.copy()
    for key in ("after", "before"):  # the pager adds its own cursor
        query.pop(key, None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_export": allowed(request.user, Action.EXPORT)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "customers/_results.html", context)
    return render(request, "customers/list.html", context)


@login_required
def customer_export(request):
    """CSV of the current list, through the shared export writer (masked, formula-safe, audited)."""
    if not allowed(request.user, Action.EXPORT):
        raise PermissionDenied(refusal(Action.EXPORT))
    _form, customers = _filtered(request, Action.EXPORT)
    labels = dict(customers.model._meta.get_field("classification").choices)
    columns = [Column("id", _("Number")), Column("name", _("Name")), Column("mobile", _("Mobile")),
               Column("classification", _("Classification")), Column("owner", _("Owner")),
               Column("dealer", _("Dealer")), Column("city", _("City"))]
    rows = ([c.pk, c.name, c.mobile, labels[c.classification], c.owner.display_name if c.owner_id else "",
             c.dealer.name, c.city] for c in customers.select_related("owner", "dealer").iterator(chunk_size=2000))
    filters = {key: value for key, value in request.GET.items() if key not in ("after", "before")}
    export = exports.export_csv(actor=request.user, action=AuditCode.CUSTOMER_EXPORT, object_type="customer",
                                dealer_id=request.user.dealer_id, filters=filters, columns=columns, rows=rows,
                                count=customers.count(), filename=f"customers-{timezone.localdate():%Y%m%d}.csv")
    return export.response()


@login_required
def customer_create(request):
    if not allowed(request.user, Action.CREATE):
        raise PermissionDenied(refusal(Action.CREATE))
    form = CustomerForm(request.POST or None, actor=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.create_customer(
                actor=request.user, dealer_id=data["dealer"], owner_id=data.get("owner"),
                classification=data["classification"], confirm_duplicate=data["confirm_duplicate"], **form.profile(),
            )
        except services.DuplicateCustomer as exc:
            duplicate = exc
            apply_errors(form, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.name})
            return redirect("customers:card", customer_id=customer.pk)
    return render(request, "customers/form.html", {"form": form, "duplicate": duplicate})


@login_required
def customer_edit(request, customer_id):
    customer = access_customer(request.user, customer_id, Action.EDIT)
    initial = {name: getattr(customer, name) for name in CustomerForm.PROFILE_FIELDS if name not in ("mobile", "national_id")}
    initial["service_advisor"] = customer.service_advisor_id
    form = CustomerForm(request.POST or None, initial=initial, actor=request.user, customer=customer)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_customer(actor=request.user, customer_id=customer.pk,
                                     confirm_duplicate=form.cleaned_data["confirm_duplicate"], **form.profile())
            services.assign_service_advisor(actor=request.user, customer_id=customer.pk,
                                            advisor_id=form.cleaned_data["service_advisor"])
        except services.DuplicateCustomer as exc:
            duplicate = exc
            apply_errors(form, exc)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:card", customer_id=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "duplicate": duplicate})


def _timeline(customer):
    vehicle_ids = [str(v.pk) for v in customer.vehicles.all()]
    return (
        AuditEvent.objects.filter(
            Q(object_type="customer", object_id=str(customer.pk)) | Q(object_type="vehicle", object_id__in=vehicle_ids)
        )
        .select_related("actor")
        .order_by("-at", "-id")[:50]
    )


@login_required
def customer_card(request, customer_id):
    """The customer information card (客户信息卡): profile, vehicles, transactions, consent, timeline."""
    customer = access_customer(request.user, customer_id, include_merged=True)
    # Vehicles and tags are read once and shared by the profile, the forms and the timeline;
    # every other part is one query, so the card's cost does not grow with the customer's rows.
    prefetch_related_objects([customer], "vehicles", "tags")
    # The timeline is the customer's slice of the audit log: only for those the policy lets read it.
    may = permitted(request.user, customer, Action.EDIT, Action.REVEAL, Action.MERGE, Action.HISTORY,
                    merged_too=(Action.HISTORY,))
    can_see_history = may[Action.HISTORY]
    transactions = customer.transactions.select_related("vehicle")
    totals = transactions.aggregate(count=Count("id"), cents=CentsSum("amount_cents"))
    context = {
        "customer": customer,
        "vehicles": customer.vehicles.all(),
        "transactions": transactions[:20],
        "totals": totals,
        "consents": services.current_consents(customer),
        "consent_history": customer.consents.select_related("recorded_by")[:20],
        "classification_changes": customer.classification_changes.select_related("changed_by")[:20],
        "timeline": audit_display.present(_timeline(customer)) if can_see_history else None,
        "can_see_history": can_see_history,
        "tags": customer.tags.all(),
        "sections": cards.sections(request.user, customer),
        "can_edit": may[Action.EDIT],
        "can_reveal": may[Action.REVEAL],
        "can_merge": may[Action.MERGE],
        "reveal_form": RevealForm(),
        "classification_form": ClassificationForm(initial={"classification": customer.classification}),
        "consent_form": ConsentForm(),
        "vehicle_form": VehicleForm(),
        "transaction_form": TransactionForm(customer=customer),
        "merge_form": MergeForm(),
        "tags_form": TagsForm(initial={"tags": ", ".join(t.name for t in customer.tags.all())}),
    }
    return render(request, "customers/card.html", context)


@login_required
@require_POST
@never_cache
def customer_reveal(request, customer_id):
    """Reveal one personal field with a reason; answers the htmx fragment that replaces the mask."""
    form = RevealForm(request.POST)
    value, error = None, None
    if form.is_valid():
        try:
            value = services.reveal(actor=request.user, customer_id=customer_id, **form.cleaned_data)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Say why you need to see it.")
    return render(request, "customers/_revealed.html",
                  {"value": value, "error": error, "form": form, "customer_id": customer_id},
                  status=200 if value else 422)


def _card_action(request, customer_id, form, action, success):
    """Shared flow for the card's small forms: valid -> service -> back to the card; invalid ->
    the card again with the errors shown."""
    customer = access_customer(request.user, customer_id, Action.EDIT)
    done = post_and_redirect(request, form, lambda data: action(customer, data), success=success,
                             to="customers:card", customer_id=customer.pk)
    if done is None:
        form_errors_as_messages(request, form)
    return done or redirect("customers:card", customer_id=customer.pk)


@login_required
@require_POST
def customer_classify(request, customer_id):
    return _card_action(
        request, customer_id, ClassificationForm(request.POST),
        lambda c, d: services.change_classification(actor=request.user, customer_id=c.pk, to=d["classification"],
                                                    reason=d["reason"]),
        _("Classification changed."),
    )


@login_required
@require_POST
def customer_consent(request, customer_id):
    return _card_action(
        request, customer_id, ConsentForm(request.POST),
        lambda c, d: services.record_consent(actor=request.user, customer_id=c.pk, **d),
        _("Consent recorded."),
    )


@login_required
@require_POST
def customer_tags(request, customer_id):
    return _card_action(
        request, customer_id, TagsForm(request.POST),
        lambda c, d: services.set_tags(actor=request.user, customer_id=c.pk, names=d["tags"]),
        _("Tags saved."),
    )


@login_required
@require_POST
def vehicle_create(request, customer_id):
    return _card_action(
        request, customer_id, VehicleForm(request.POST),
        lambda c, d: services.add_vehicle(actor=request.user, customer_id=c.pk, **d),
        _("Vehicle added."),
    )


@login_required
@require_POST
def transaction_create(request, customer_id):
    customer = access_customer(request.user, customer_id, Action.EDIT)

    def add(c, d):
        d = dict(d)
        d["amount_cents"] = d.pop("amount")
        services.add_transaction(actor=request.user, customer_id=c.pk, **d)

    return _card_action(request, customer_id, TransactionForm(request.POST, customer=customer), add,
                        _("Transaction recorded."))


@login_required
@require_POST
def customer_merge(request, customer_id):
    """Absorb a duplicate into this customer (the survivor)."""
    form = MergeForm(request.POST)
    if form.is_valid():
        try:
            services.merge_customers(actor=request.user, survivor_id=customer_id,
                                     duplicate_id=form.cleaned_data["duplicate_id"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Records merged."))
    else:
        messages.error(request, _("Enter the number of the duplicate record."))
    return redirect("customers:card", customer_id=customer_id)


@login_required
def reassign(request):
    """Move a departing consultant's customers (and their open prospects) to colleagues, all or
    chosen ones, round-robin."""
    if not allowed(request.user, Action.REASSIGN):
        raise PermissionDenied(refusal(Action.REASSIGN))
    form = ReassignForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.reassign_portfolio(actor=request.user, from_owner_id=data["from_owner"],
                                               to_owner_ids=data["to_owners"], note=data["note"],
                                               customer_ids=data["customer_ids"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            names = {s.pk: s.display_name for s in Staff.objects.filter(pk__in=plan)}
            messages.success(request, _("Reassigned %(n)d customers: %(split)s.") % {
                "n": sum(len(ids) for ids in plan.values()),
                "split": ", ".join(f"{names[pk]} {len(ids)}" for pk, ids in plan.items()),
            })
            return redirect("customers:reassign")
    return render(request, "customers/reassign.html", {"form": form})
