"""Forms of the sales pages (the day's work and the analysis tables' filters); they parse what a
person typed, the services decide what is acceptable."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_YUAN, DateInput, form_limits
from retain.customers.models import Source, Transaction, Vehicle
from retain.org.policy import Action, Scope, dealers_in_scope, scope_of

from .access import sellers
from .analysis import MAX_DAYS
from .models import (
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    ContactPurpose,
    DefeatReason,
    Grade,
    Prospect,
    ShowroomVisit,
    VisitKind,
    VisitOutcome,
)
from .periods import check_period, month_start

_DATE = DateInput()
_SOURCES = [(s.value, s.label) for s in (Source(v) for v in PROSPECT_SOURCES)]


class ProspectForm(forms.Form):
    visit = forms.TypedChoiceField(label=_("Today's register line"), coerce=int, required=False, empty_value=None,
                                   help_text=_("The walk-in or phone-in this prospect came from, if any."))
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    model_of_interest = forms.CharField(label=_("Model of interest"), **form_limits(Prospect, "model_of_interest"))
    source = forms.ChoiceField(label=_("Source"), choices=_SOURCES, initial=Source.WALK_IN)
    budget = forms.DecimalField(label=_("Budget (yuan)"), required=False, min_value=0, max_value=MAX_YUAN,
                                decimal_places=2)
    purchase_by = forms.DateField(label=_("Expected purchase by"), required=False, widget=_DATE,
                                  **form_limits(Prospect, "purchase_by"))
    competitors = forms.CharField(label=_("Competitor models considered"), required=False,
                                  **form_limits(Prospect, "competitors"))


    def __init__(self, *args, visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit"].choices = [("", "—")] + [
            (v.pk, f"{timezone.localtime(v.arrived_at):%H:%M} · {v.get_kind_display()} · {v.model_of_interest or '—'}")
            for v in visits]


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label=_("New grade"), choices=Grade.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    contacted_on = forms.DateField(label=_("Date"), required=False, widget=_DATE, **form_limits(Contact, "contacted_on"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            **form_limits(Contact, "notes"))
    result = forms.CharField(label=_("Result"), required=False, **form_limits(Contact, "result"))
    next_step = forms.CharField(label=_("Next step"), required=False, **form_limits(Contact, "next_step"))
    next_follow_up_on = forms.DateField(label=_("Next follow-up (if agreed)"), required=False, widget=_DATE,
                                        **form_limits(Prospect, "next_follow_up"))


class CustomerContactForm(forms.Form):
    """A contact that is not a prospect's follow-up: caring for an owner, or an invitation."""

    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices, initial=ContactKind.CALL)
    purpose = forms.ChoiceField(label=_("Purpose"), initial=ContactPurpose.MAINTENANCE, choices=[
        (p.value, p.label) for p in (ContactPurpose.MAINTENANCE, ContactPurpose.PROMOTION)])
    contacted_on = forms.DateField(label=_("Date"), required=False, widget=_DATE, **form_limits(Contact, "contacted_on"))
    notes = forms.CharField(label=_("Notes"), required=False, **form_limits(Contact, "notes"))
    result = forms.CharField(label=_("Result"), required=False, **form_limits(Contact, "result"))


class OrderForm(forms.Form):
    deposit = forms.DecimalField(label=_("Deposit (yuan)"), required=False, min_value=0, max_value=MAX_YUAN,
                                 decimal_places=2)
    contract_number = forms.CharField(label=_("Contract number"), required=False,
                                      **form_limits(Prospect, "contract_number"))


class DeliveryForm(forms.Form):
    vin = forms.CharField(label=_("VIN"), min_length=17, **form_limits(Vehicle, "vin"))
    make = forms.CharField(label=_("Make"), **form_limits(Vehicle, "make"))
    model = forms.CharField(label=_("Model"), **form_limits(Vehicle, "model"))
    plate = forms.CharField(label=_("Plate"), required=False, **form_limits(Vehicle, "plate"))
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, max_value=MAX_YUAN, decimal_places=2)
    delivered_on = forms.DateField(label=_("Delivered on"), required=False, widget=_DATE,
                                   **form_limits(Prospect, "delivered_on"))
    reference = forms.CharField(label=_("Reference number"), required=False, **form_limits(Transaction, "reference"))


class DefeatForm(forms.Form):
    competitor_make = forms.CharField(label=_("Competitor make"), **form_limits(Prospect, "defeat_make"))
    competitor_model = forms.CharField(label=_("Competitor model"), **form_limits(Prospect, "defeat_model"))
    reason = forms.ChoiceField(label=_("Reason"), choices=DefeatReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           **form_limits(Prospect, "defeat_note"))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                     choices=[("1", _("Approve the defeat")), ("0", _("Send back to work on"))])
    note = forms.CharField(label=_("Note"), required=False, **form_limits(Prospect, "defeat_decision_note"))


class VisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=VisitKind.choices)
    arrived_at = forms.DateTimeField(label=_("Time in"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    left_at = forms.DateTimeField(label=_("Time out"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    source = forms.ChoiceField(label=_("Source"), choices=_SOURCES, initial=Source.WALK_IN)
    first_visit = forms.BooleanField(label=_("First visit"), required=False, initial=True)
    party_size = forms.IntegerField(label=_("Party size"), initial=1, **form_limits(ShowroomVisit, "party_size"))
    model_of_interest = forms.CharField(label=_("Model of interest"), required=False,
                                        **form_limits(ShowroomVisit, "model_of_interest"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=VisitOutcome.choices)
    note = forms.CharField(label=_("Note"), required=False, **form_limits(ShowroomVisit, "note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("arrived_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=_DATE)
    end = forms.DateField(label=_("To"), required=False, widget=_DATE)

    def __init__(self, *args, actor, **kwargs):  # every form of these pages is built for an actor
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data["end"] = data.get("end") or timezone.localdate()
        data["start"] = data.get("start") or data["end"].replace(day=1)
        check_period(data["start"], data["end"], max_days=MAX_DAYS)  # errors land on start/end
        return data


class TrafficForm(PeriodForm):
    dealer = forms.ModelChoiceField(label=_("Dealer"), queryset=None, required=False,
                                    empty_label=_("All dealers"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["dealer"].queryset = dealers_in_scope(actor, Action.VIEW).order_by("code")
        if scope_of(actor, Action.VIEW) is Scope.OWN or self.fields["dealer"].queryset.count() <= 1:
            self.fields["dealer"].widget = forms.HiddenInput()


class ContactStatusForm(forms.Form):
    month = forms.CharField(label=_("Month"), required=False,
                            widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}))
    consultant = forms.ModelChoiceField(label=_("Consultant"), queryset=None, required=False,
                                        empty_label=_("All consultants"))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_in_scope(actor, Action.VIEW)
        self.fields["consultant"].queryset = sellers(dealers).order_by("dealer__code", "username")
        if scope_of(actor, Action.VIEW) is Scope.OWN:  # their own table is the only one they read
            self.fields["consultant"].widget = forms.HiddenInput()

    def clean_month(self):
        try:
            return month_start(self.cleaned_data["month"] or timezone.localdate())
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"])


def cents(amount) -> int | None:
    return None if amount is None else int(round(amount * 100))
