"""Customer pages. Thin: parse the form, call the door or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, prefetch_related_objects
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from retain.bounds import CentsSum
from retain.org import audit_display, exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column
from retain.org.masking import PERSONAL_FIELDS
from retain.org.models import AuditEvent, Staff
from retain.org.policy import Action, allowed, refusal, require, scope_of
from retain.prepared import prepared
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, fold_form, form_errors_as_messages, post_and_redirect

from . import cards, recheck, services
from .access import access_customer, permitted, visible_customers
from .forms import (
    ClassificationForm,
    ConsentForm,
    CustomerForm,
    ListFilterForm,
    MergeForm,
    ReassignForm,
    RecheckFilterForm,
    RevealForm,
    TagsForm,
    TransactionForm,
    VehicleForm,
    VerifyForm,
)
from .models import ClassificationChange, Customer, Transaction, Vehicle
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
    page = keyset_page(customers.select_related("owner", "dealer").defer("national_id"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=PAGE_SIZE, ordering=["-id"])
    context = {"form": form, "page": page, "query": _pager_query(request),
               "can_export": allowed(request.user, Action.EXPORT),
               "can_reveal_export": allowed(request.user, Action.EXPORT)
               and scope_of(request.user, Action.REVEAL) >= scope_of(request.user, Action.EXPORT)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "customers/_results.html", context)
    return render(request, "customers/list.html", context)


def _pager_query(request) -> str:
    """The list's query string without the pager's cursor (the pager adds its own)."""
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return query.urlencode()


@login_required
def customer_recheck(request):
    """The base re-check (基盘盘点): records in the user's scope not verified for N months
    (default 12), oldest records first, filterable by owner, with a button to verify each."""
    require(request.user, Action.EDIT)
    form = RecheckFilterForm(request.GET or None, actor=request.user)
    customers, months, status = visible_customers(request.user, Action.EDIT), recheck.DEFAULT_MONTHS, 200
    if form.is_bound and not form.is_valid():
        customers, status = customers.none(), 422
    elif form.is_bound:
        data = form.cleaned_data
        months = data["months"]
        customers = filter_customers(customers, q=data["q"], classification=data["classification"],
                                     owner=data.get("owner"), dealer=data.get("dealer"))
    due = recheck.due_for_recheck(customers, months=months, today=timezone.localdate())
    page = keyset_page(due.select_related("owner", "dealer").defer("national_id"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=PAGE_SIZE, ordering=["id"])
    context = {"form": form, "page": page, "query": _pager_query(request), "months": months,
               "list_query": request.GET.urlencode()}
    if request.htmx and request.htmx.target == "results":
        return render(request, "customers/_recheck_results.html", context, status=status)
    return render(request, "customers/recheck.html", context, status=status)


@login_required
@require_POST
def customer_verify(request, customer_id):
    """Record that the customer's record was checked with them today. From the re-check list
    (htmx) the answer is the list's row, verified; otherwise back to where the button was."""
    form = VerifyForm(request.POST)
    if not form.is_valid():
        access_customer(request.user, customer_id, Action.EDIT)  # out of scope: 404 before any detail
        form_errors_as_messages(request, form)
        return redirect("customers:card", customer_id=customer_id)
    try:
        customer = services.verify_customer(actor=request.user, customer_id=customer_id,
                                            note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:card", customer_id=customer_id)
    if request.htmx:
        return render(request, "customers/_recheck_row.html", {"c": customer, "verified_now": True})
    messages.success(request, _("%(name)s verified today.") % {"name": customer.name})
    if "list_query" in request.POST:
        # Only the query is taken from the form, re-encoded, onto the list's own address.
        query = QueryDict(form.cleaned_data["list_query"]).urlencode()
        return redirect(reverse("customers:recheck") + (f"?{query}" if query else ""))
    return redirect("customers:card", customer_id=customer.pk)


def _unmasked(request) -> frozenset:
    """Personal columns leave unmasked only when asked for (``?reveal=1``) by a role that may
    reveal every record it may export; the export's audit row names them."""
    if request.GET.get("reveal") != "1":
        return frozenset()
    if scope_of(request.user, Action.REVEAL) < scope_of(request.user, Action.EXPORT):
        raise PermissionDenied(refusal(Action.REVEAL))
    return PERSONAL_FIELDS


def _export_filters(request) -> dict:
    return {key: value for key, value in request.GET.items() if key not in ("after", "before")}


@login_required
def customer_export(request, file_format="csv"):
    """The current list as CSV or XLSX, through the shared export writer (masked unless revealed,
    formula-safe, audited)."""
    if not allowed(request.user, Action.EXPORT):
        raise PermissionDenied(refusal(Action.EXPORT))
    unmasked = _unmasked(request)
    _form, customers = _filtered(request, Action.EXPORT)
    labels = dict(customers.model._meta.get_field("classification").choices)
    genders = dict(customers.model._meta.get_field("gender").choices)
    # The first columns keep the order the CSV export always had; the rest follow.
    columns = [Column("id", _("Number")), Column("name", _("Name")), Column("mobile", _("Mobile")),
               Column("classification", _("Classification")), Column("owner", _("Owner")),
               Column("dealer", _("Dealer")), Column("city", _("City")), Column("national_id", _("ID card number")),
               Column("gender", _("Gender")), Column("birthday", _("Birthday")), Column("address", _("Address"))]
    rows = ([c.pk, c.name, c.mobile, labels[c.classification], c.owner.display_name if c.owner_id else "",
             c.dealer.name, c.city, c.national_id, genders.get(c.gender, "") if c.gender else "", c.birthday,
             c.address]
            for c in customers.select_related("owner", "dealer").iterator(chunk_size=2000))
    export = exports.export_table(
        file_format=file_format, actor=request.user, action=AuditCode.CUSTOMER_EXPORT, object_type="customer",
        dealer_id=request.user.dealer_id, filters=_export_filters(request), columns=columns, rows=rows,
        count=customers.count(), stem=f"customers-{timezone.localdate():%Y%m%d}", sheet_title=_("Customers"),
        unmasked=unmasked)
    return export.response()


@login_required
def vehicle_export(request, file_format="csv"):
    """The vehicles of the customers in the current list, as CSV or XLSX (same writer, same rules)."""
    if not allowed(request.user, Action.EXPORT):
        raise PermissionDenied(refusal(Action.EXPORT))
    _form, customers = _filtered(request, Action.EXPORT)
    vehicles = Vehicle.objects.filter(customer__in=customers).select_related("customer", "customer__dealer")
    columns = [Column("customer_id", _("Customer number")), Column("customer", _("Customer")),
               Column("vin", _("VIN")), Column("plate", _("Plate")), Column("make", _("Make")),
               Column("model", _("Model")), Column("purchase_date", _("Purchase date")),
               Column("sold_by_us", _("Sold by us")), Column("mileage_km", _("Mileage (km)")),
               Column("insurance_expiry", _("Insurance expiry")), Column("dealer", _("Dealer"))]
    rows = ([v.customer_id, v.customer.name, v.vin, v.plate, v.make, v.model, v.purchase_date,
             _("Yes") if v.sold_by_us else _("No"), v.mileage_km, v.insurance_expiry, v.customer.dealer.name]
            for v in vehicles.order_by("customer_id", "id").iterator(chunk_size=2000))
    export = exports.export_table(
        file_format=file_format, actor=request.user, action=AuditCode.VEHICLE_EXPORT, object_type="vehicle",
        dealer_id=request.user.dealer_id, filters=_export_filters(request), columns=columns, rows=rows,
        count=vehicles.count(), stem=f"vehicles-{timezone.localdate():%Y%m%d}", sheet_title=_("Vehicles"))
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


#: The card's latest transactions; the count and the total are of them all.
TRANSACTIONS_SHOWN = 20
#: The card's queries that depend on the customer alone, compiled once (``prepared``).
LATEST_TRANSACTIONS = prepared(lambda customer_id: Transaction.objects.filter(customer_id=customer_id)
                               .select_related("vehicle")[:TRANSACTIONS_SHOWN])
CLASSIFICATION_CHANGES = prepared(lambda customer_id: ClassificationChange.objects.filter(customer_id=customer_id)
                                  .select_related("changed_by")[:20])
#: The customer's tags (the many-to-many table), asked with the sections' tables: most customers have none.
TAGGED = (Customer.tags.through, "customer")


@login_required
def customer_card(request, customer_id):
    """The customer information card (客户信息卡): profile, vehicles, transactions, consent, timeline."""
    # What the reader may do with the record, and the sections' own questions (cards.asked), are
    # asked with the record. The timeline is the customer's slice of the audit log: only for
    # those the policy lets read it.
    asking = (Action.EDIT, Action.REVEAL, Action.MERGE, Action.HISTORY, *cards.asked())
    customer = access_customer(request.user, customer_id, include_merged=True, asking=asking,
                               merged_too=(Action.HISTORY,))
    may = permitted(request.user, customer, *asking, merged_too=(Action.HISTORY,))
    # One statement: which of the sections' tables, and the tags, hold rows of this customer.
    cards.look(customer, TAGGED)
    tagged = cards.holds(customer, *TAGGED)
    # Vehicles and tags are read once and shared by the profile, the forms and the timeline;
    # every other part is one query, so the card's cost does not grow with the customer's rows.
    prefetch_related_objects([customer], "vehicles", *(["tags"] if tagged else []))
    can_see_history = may[Action.HISTORY]
    transactions = LATEST_TRANSACTIONS(customer.pk)
    cards.keep(customer, Transaction, transactions, complete=len(transactions) < TRANSACTIONS_SHOWN)
    context = {
        "customer": customer,
        "vehicles": customer.vehicles.all(),
        "transactions": transactions,
        "totals": _totals(customer, transactions),
        "consents": services.current_consents(customer),
        "classification_changes": CLASSIFICATION_CHANGES(customer.pk),
        "timeline": audit_display.present(_timeline(customer)) if can_see_history else None,
        "can_see_history": can_see_history,
        "tags": customer.tags.all() if tagged else [],
        "sections": cards.sections(request.user, customer),
        "can_edit": may[Action.EDIT],
        "can_reveal": may[Action.REVEAL],
        "can_merge": may[Action.MERGE],
        "verify_form": VerifyForm(),
    }
    return render(request, "customers/card.html", context)


def _totals(customer, shown: list) -> dict:
    """The count and the sum of all the customer's transactions: added up from the rows shown
    when those are all of them (fewer than the card shows), else counted by the database."""
    if len(shown) < TRANSACTIONS_SHOWN:
        return {"count": len(shown), "cents": sum(t.amount_cents for t in shown)}
    return customer.transactions.aggregate(count=Count("id"), cents=CentsSum("amount_cents"))


# The card's small forms: name -> (title, form for the customer, where it posts, button, action).
# The card renders none of them; each <details> fetches its form when first opened, so a card
# costs the same whatever forms it offers (without htmx, the fold's link opens it as a page).
CARD_FORMS = {
    "tags": (gettext_lazy("Edit tags"),
             lambda c: TagsForm(initial={"tags": ", ".join(t.name for t in c.tags.all())}),
             "customers:tags", gettext_lazy("Save"), Action.EDIT),
    "classification": (gettext_lazy("Change classification"),
                       lambda c: ClassificationForm(initial={"classification": c.classification}),
                       "customers:classify", gettext_lazy("Change"), Action.EDIT),
    "consent": (gettext_lazy("Record consent"), lambda c: ConsentForm(), "customers:consent",
                gettext_lazy("Record"), Action.EDIT),
    "vehicle": (gettext_lazy("Add a vehicle"), lambda c: VehicleForm(), "customers:vehicle_create",
                gettext_lazy("Add"), Action.EDIT),
    "transaction": (gettext_lazy("Record a transaction"), lambda c: TransactionForm(customer=c),
                    "customers:transaction_create", gettext_lazy("Record"), Action.EDIT),
    "merge": (gettext_lazy("Merge a duplicate into this record"), lambda c: MergeForm(), "customers:merge",
              gettext_lazy("Merge"), Action.MERGE),
}


@login_required
def card_form(request, customer_id, name):
    """One of the card's forms, empty: a fragment for htmx, or a page of its own."""
    if name not in CARD_FORMS:
        raise Http404
    title, make, target, submit, action = CARD_FORMS[name]
    customer = access_customer(request.user, customer_id, action)
    return fold_form(request, title=title, form=make(customer), target=reverse(target, args=[customer.pk]),
                     submit=submit, back_url=reverse("customers:card", args=[customer.pk]), back_label=customer.name)


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
