"""Forms parse what a person typed; the services decide whether it is acceptable.

``retain.web.pages.apply_errors`` puts a service's ``ValidationError`` next to the fields it
names, so a page shows the same message the API would give.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_YUAN, DateInput, form_limits
from retain.org.models import DepartmentKind, Staff
from retain.org.policy import Action, Scope, dealers_in_scope, scope_of

from .models import (
    Classification,
    ClassificationChange,
    ConsentChannel,
    ConsentPurpose,
    Customer,
    CustomerKind,
    Gender,
    Source,
    Transaction,
    TransactionKind,
    Vehicle,
)
from .recheck import DEFAULT_MONTHS, MAX_MONTHS, NOTE_LENGTH

_DATE = DateInput()


def staff_choices(dealers, *, active_only: bool = True, pk: int | None = None):
    staff = Staff.objects.filter(dealer__in=dealers).select_related("dealer").order_by("dealer__code", "username")
    if pk is not None:
        staff = staff.filter(pk=pk)
    if active_only:
        staff = staff.filter(is_active=True)
    several = len({s.dealer_id for s in staff}) > 1  # then the dealer tells two namesakes apart
    return [(s.pk, s.display_name + (f" · {s.dealer.name}" if several else "")
             + ("" if s.is_active else f" · {_('left')}")) for s in staff]


class CustomerForm(forms.Form):
    """Create and edit. On edit, mobile and ID number start empty: blank keeps the stored value,
    so the page never carries the unmasked number."""

    name = forms.CharField(label=_("Name"), **form_limits(Customer, "name"))
    mobile = forms.CharField(label=_("Mobile"), max_length=30, error_messages={"required": _("Enter a mobile number.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices, initial=CustomerKind.PERSON)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=_DATE, **form_limits(Customer, "birthday"))
    birthday_lunar = forms.BooleanField(label=_("Celebrates the lunar birthday"), required=False,
                                        help_text=_("Birthday greetings then fall on the lunar date of birth."))
    city = forms.CharField(label=_("City"), required=False, **form_limits(Customer, "city"))
    address = forms.CharField(label=_("Address"), required=False, **form_limits(Customer, "address"))
    national_id = forms.CharField(label=_("ID card number"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False, **form_limits(Customer, "email"))
    language = forms.ChoiceField(label=_("Language for messages"), required=False,
                                 choices=[("", _("The dealer's default"))] + list(settings.LANGUAGES))
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.WALK_IN)
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices,
                                       initial=Classification.POTENTIAL)
    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    confirm_duplicate = forms.BooleanField(label=_("Create anyway: this is a different person"), required=False,
                                           widget=forms.HiddenInput)

    service_advisor = forms.TypedChoiceField(label=_("Service advisor"), coerce=int, required=False, empty_value=None)

    PROFILE_FIELDS = ("name", "mobile", "kind", "gender", "birthday", "birthday_lunar", "city", "address",
                      "national_id", "source", "email", "language")

    def __init__(self, *args, actor, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        if customer is not None:
            for name in ("classification", "dealer", "owner"):
                del self.fields[name]
            advisors = set(Staff.objects.filter(dealer=customer.dealer, department__kind=DepartmentKind.SERVICE)
                           .values_list("pk", flat=True))
            self.fields["service_advisor"].choices = [("", "—")] + [
                (pk, label) for pk, label in staff_choices([customer.dealer]) if pk in advisors]
            self.fields["mobile"].required = False
            self.fields["mobile"].widget.attrs["placeholder"] = customer.masked_mobile
            self.fields["mobile"].help_text = _("Leave empty to keep the current number.")
            self.fields["national_id"].widget.attrs["placeholder"] = "*" * 18 if customer.national_id else ""
            self.fields["national_id"].help_text = _("Leave empty to keep the current number.")
            return
        dealers = dealers_in_scope(actor, Action.CREATE)
        self.fields["dealer"].choices = [(d.pk, str(d)) for d in dealers]
        self.fields["dealer"].initial = actor.dealer_id
        if scope_of(actor, Action.CREATE) is Scope.OWN:  # they add customers they own themselves
            del self.fields["owner"]
            self.fields["dealer"].widget = forms.HiddenInput()
        else:
            self.fields["owner"].choices = [("", _("Unassigned"))] + staff_choices(dealers)
        del self.fields["service_advisor"]  # named once the customer is on file (their dealer's advisors)

    def profile(self) -> dict:
        """The profile values to hand to the service (on edit: only what was filled in or changed)."""
        data = {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}
        data["gender"] = data["gender"] or ""
        if self.customer is not None:
            for secret in ("mobile", "national_id"):
                if not data[secret]:
                    del data[secret]
        return data


class ListFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Name, mobile, last digits, plate or VIN")}))
    classification = forms.ChoiceField(label=_("Classification"), required=False,
                                       choices=[("", _("All classes"))] + list(Classification.choices))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    dealer = forms.TypedChoiceField(label=_("Dealer"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = list(dealers_in_scope(actor, Action.VIEW))
        if scope_of(actor, Action.VIEW) is Scope.OWN:  # every customer they see is their own
            del self.fields["owner"]
        else:
            # With several dealers in sight the owner list is the chosen dealer's staff: a group's
            # thousand names in every page of the list would outweigh the list itself.
            # Any owner in scope is still a valid filter (a link may name one); only the list shown
            # is narrowed, plus the owner already chosen.
            owners = dealers
            if len(dealers) > 1:
                chosen = str(self.data.get("dealer", "")) if self.is_bound else ""
                owners = [d for d in dealers if str(d.pk) == chosen]
            shown = staff_choices(owners) if owners else []
            picked = str(self.data.get("owner", "")) if self.is_bound else ""
            if picked.isdigit() and len(picked) < 19 and picked not in {str(pk) for pk, _label in shown}:
                shown += staff_choices(dealers, pk=int(picked))
            self.fields["owner"].choices = [("", _("Anyone")), ("none", _("Unassigned"))] + [
                (str(pk), label) for pk, label in shown
            ]
        if len(dealers) > 1:
            self.fields["dealer"].choices = [("", _("All dealers"))] + [(d.pk, str(d)) for d in dealers]
        else:
            del self.fields["dealer"]


class RecheckFilterForm(ListFilterForm):
    """The re-check list's filters: the customer list's, and how many months make a record due."""

    months = forms.IntegerField(label=_("Not verified for (months)"), min_value=1, max_value=MAX_MONTHS,
                                initial=DEFAULT_MONTHS, required=False)

    field_order = ["months", "owner", "dealer", "classification", "q"]

    def clean_months(self):
        return self.cleaned_data["months"] or DEFAULT_MONTHS


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("How it was checked"), required=False, max_length=NOTE_LENGTH)
    # Sent by the re-check list's buttons: its query, to return to the same filters and page.
    list_query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("mobile", _("Mobile")), ("national_id", _("ID card number"))],
                              widget=forms.HiddenInput, initial="mobile")
    reason = forms.CharField(label=_("Reason"), max_length=200)


class TagsForm(forms.Form):
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500,
                           help_text=_("Separate tags with commas."))

    def clean_tags(self):
        return [name for name in re.split(r"[,，;；]", self.cleaned_data["tags"]) if name.strip()]


class ClassificationForm(forms.Form):
    classification = forms.ChoiceField(label=_("New classification"), choices=Classification.choices)
    reason = forms.CharField(label=_("Reason"), **form_limits(ClassificationChange, "reason"))


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("Granted")), ("no", _("Withdrawn / refused"))])
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    notice_version = forms.CharField(label=_("Privacy notice version"), max_length=20)


class VehicleForm(forms.Form):
    vin = forms.CharField(label=_("VIN"), max_length=30)
    plate = forms.CharField(label=_("Plate"), max_length=12, required=False)
    make = forms.CharField(label=_("Make"), **form_limits(Vehicle, "make"))
    model = forms.CharField(label=_("Model"), **form_limits(Vehicle, "model"))
    purchase_date = forms.DateField(label=_("Purchase date"), required=False, widget=_DATE,
                                    **form_limits(Vehicle, "purchase_date"))
    sold_by_us = forms.BooleanField(label=_("Sold by us"), required=False)
    mileage_km = forms.IntegerField(label=_("Mileage (km)"), required=False, **form_limits(Vehicle, "mileage_km"))
    insurance_expiry = forms.DateField(label=_("Insurance expiry"), required=False, widget=_DATE,
                                       **form_limits(Vehicle, "insurance_expiry"))


class TransactionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TransactionKind.choices)
    date = forms.DateField(label=_("Date"), widget=_DATE, **form_limits(Transaction, "date"))
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    reference = forms.CharField(label=_("Reference number"), required=False, **form_limits(Transaction, "reference"))
    vehicle_id = forms.TypedChoiceField(label=_("Vehicle"), coerce=int, required=False, empty_value=None)
    mileage_km = forms.IntegerField(label=_("Odometer (km)"), required=False, **form_limits(Transaction, "mileage_km"))

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle_id"].choices = [("", "—")] + [(v.pk, str(v)) for v in customer.vehicles.all()]

    def clean_amount(self):
        """Yuan with at most two decimals, turned into integer cents (money is never a float)."""
        raw = self.cleaned_data["amount"].replace(",", "").replace("¥", "").strip()
        try:
            amount = Decimal(raw)
        except InvalidOperation:
            raise ValidationError(_("Enter an amount such as 1280.50."))
        if not amount.is_finite():  # NaN and Infinity parse as decimals, then crash comparisons
            raise ValidationError(_("Enter an amount such as 1280.50."))
        if amount < 0:
            raise ValidationError(_("The amount cannot be negative."))
        MaxValueValidator(MAX_YUAN)(amount)
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("Use at most two decimals (fen)."))
        return int(amount * 100)


class MergeForm(forms.Form):
    duplicate_id = forms.IntegerField(label=_("Number of the duplicate record to absorb"), min_value=1)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReassignForm(forms.Form):
    from_owner = forms.TypedChoiceField(label=_("From (departing or current owner)"), coerce=int)
    to_owners = forms.TypedMultipleChoiceField(label=_("To (one or several colleagues, round-robin)"), coerce=int,
                                               widget=forms.CheckboxSelectMultiple)
    customer_ids = forms.CharField(label=_("Only these customer numbers (optional)"), required=False,
                                   help_text=_("Separate numbers with commas or spaces; empty moves all."))
    note = forms.CharField(label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_in_scope(actor, Action.REASSIGN)
        self.fields["from_owner"].choices = staff_choices(dealers, active_only=False)
        self.fields["to_owners"].choices = staff_choices(dealers)

    def clean_customer_ids(self):
        raw = self.cleaned_data["customer_ids"].replace(",", " ").split()
        if not raw:
            return None
        if not all(part.isdigit() for part in raw):
            raise ValidationError(_("Customer numbers are whole numbers separated by commas or spaces."))
        return [int(part) for part in raw]
