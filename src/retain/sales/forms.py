"""Forms for the showroom's daily work; the services decide what is acceptable."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_YUAN, form_limits
from retain.customers.models import Source

from .models import (
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    DefeatReason,
    Grade,
    Prospect,
    ShowroomVisit,
    VisitKind,
    VisitOutcome,
)

_DATE = forms.DateInput(attrs={"type": "date"})
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


class OrderForm(forms.Form):
    deposit = forms.DecimalField(label=_("Deposit (yuan)"), required=False, min_value=0, max_value=MAX_YUAN,
                                 decimal_places=2)
    contract_number = forms.CharField(label=_("Contract number"), required=False,
                                      **form_limits(Prospect, "contract_number"))


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


def cents(amount) -> int | None:
    return None if amount is None else int(round(amount * 100))
