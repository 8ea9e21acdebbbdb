"""The forms of the case pages: open a case, record a step, close, assign, filter the list.
Their bounds come from the model fields (``retain.bounds.form_limits``), so a page refuses what
the API refuses; the rules themselves are the services'."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_YUAN, DateInput, form_limits
from retain.org.policy import Action, Scope, dealers_in_scope, scope_of, staff_with

from ..models import (
    Case,
    CaseKind,
    CaseSettings,
    CaseStep,
    Category,
    Channel,
    Compensation,
    CompensationKind,
    Department,
    Motive,
    Outcome,
    Severity,
    Step,
)
from ..models.case import settings_for

#: A case opened on a page comes from one of these (a survey answer and the API open their own).
STAFF_CHANNELS = [(value, label) for value, label in Channel.choices if value not in (Channel.SURVEY, Channel.API)]


class CaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CaseKind.choices, initial=CaseKind.COMPLAINT)
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices, initial=Department.SERVICE)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.OTHER)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.MAJOR)
    motive = forms.ChoiceField(label=_("Customer's motive"), choices=Motive.choices, required=False)
    vehicle_id = forms.TypedChoiceField(label=_("Vehicle"), required=False, coerce=int, empty_value=None)
    description = forms.CharField(label=_("What the customer raised"), widget=forms.Textarea(attrs={"rows": 4}),
                                  **form_limits(Case, "description"))
    owner_id = forms.TypedChoiceField(label=_("Owner"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, customer, actor, **kwargs):
        super().__init__(*args, **kwargs)
        vehicles = [(v.pk, f"{v.plate or v.vin} {v.make} {v.model}".strip()) for v in customer.vehicles.all()]
        self.fields["vehicle_id"].choices = [("", _("(none)"))] + vehicles
        if scope_of(actor, Action.ASSIGN_CASES) >= Scope.DEALER:
            self.fields["owner_id"].choices = [("", _("(me)"))] + owner_choices(customer.dealer_id)
        else:
            del self.fields["owner_id"]


def owner_choices(dealer_id: int) -> list[tuple[int, str]]:
    """Who at the dealer may answer for a case (whoever the policy lets work cases)."""
    people = (staff_with(Action.WORK_CASES, Scope.OWN) | staff_with(Action.WORK_CASES, Scope.DEALER)).filter(
        dealer_id=dealer_id, is_active=True)
    return [(person.pk, person.display_name) for person in people.order_by("last_name", "first_name", "pk")]


class StepForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=Step.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            **form_limits(CaseStep, "notes"))
    root_cause = forms.ChoiceField(label=_("Root cause (Probe)"), required=False)
    customer_confirmed = forms.NullBooleanField(label=_("Confirmed with the customer (Check)"), required=False)
    internally_confirmed = forms.NullBooleanField(label=_("Confirmed internally (Check)"), required=False)
    plan_due_on = forms.DateField(label=_("Plan due on (Action)"), required=False,
                                  widget=DateInput(), **form_limits(CaseStep, "plan_due_on"))
    satisfied = forms.NullBooleanField(label=_("Customer satisfied (Satisfy)"), required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        causes = settings_for(case.dealer_id).root_cause_list()
        self.fields["root_cause"].choices = [("", "—")] + [(cause, cause) for cause in causes]

    def details(self) -> dict:
        """What the service takes: the step, its notes, and only what the step records."""
        data = self.cleaned_data
        wanted = {Step.PROBE: ("root_cause",), Step.CHECK: ("customer_confirmed", "internally_confirmed"),
                  Step.ACTION: ("plan_due_on",), Step.SATISFY: ("satisfied",)}.get(data["step"], ())
        return {"step": data["step"], "notes": data["notes"], **{name: data[name] for name in wanted}}


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    reason = forms.CharField(label=_("Reason (if unsatisfied)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}), **form_limits(Case, "close_reason"))


class AssignForm(forms.Form):
    owner_id = forms.TypedChoiceField(label=_("New owner"), coerce=int)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = owner_choices(case.dealer_id)


VIEWS = (("mine", _("My cases")), ("queue", _("The dealer's queue")), ("overdue", _("Past a deadline")),
         ("recheck", _("Recurrence checks due")), ("closed", _("Closed")))


class RecurrenceForm(forms.Form):
    recurred = forms.TypedChoiceField(label=_("Has the problem come back?"), coerce=lambda value: value == "yes",
                                      choices=[("no", _("No")), ("yes", _("Yes"))])
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            **form_limits(Case, "recurrence_notes"))


class CaseFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), choices=VIEWS, required=False)


class SettingsForm(forms.Form):
    first_contact_hours = forms.IntegerField(label=_("Hours to the first contact"),
                                             **form_limits(CaseSettings, "first_contact_hours"))
    minor_days = forms.IntegerField(label=_("Days to resolve a minor case"), **form_limits(CaseSettings, "minor_days"))
    major_days = forms.IntegerField(label=_("Days to resolve a major case"), **form_limits(CaseSettings, "major_days"))
    critical_days = forms.IntegerField(label=_("Days to resolve a critical case"),
                                       **form_limits(CaseSettings, "critical_days"))
    escalate_gm_hours = forms.IntegerField(
        label=_("Hours past a deadline before the general manager is told (the department manager is told at once)"),
        **form_limits(CaseSettings, "escalate_gm_hours"))
    detractor_cases = forms.BooleanField(
        label=_("Open a case for a detractor's answer (NPS 0-6 or a low CSS item)"), required=False)
    compensation_approval = forms.DecimalField(
        label=_("Compensation above this needs a manager's approval (yuan)"), min_value=0, max_value=MAX_YUAN,
        max_digits=12, decimal_places=2)
    recurrence_days = forms.IntegerField(label=_("Days after closing to check for recurrence"),
                                         **form_limits(CaseSettings, "recurrence_days"))
    item_threshold = forms.IntegerField(label=_("Lowest acceptable CSS item score (1-10; at or below it opens a case)"),
                                        **form_limits(CaseSettings, "item_threshold"))
    lost_p_alive_percent = forms.IntegerField(
        label=_("Propose an owner as lost when their P(alive) is below (%)"),
        **form_limits(CaseSettings, "lost_p_alive_percent"))
    lost_no_visit_months = forms.IntegerField(
        label=_("... and they have not come for this many months"), **form_limits(CaseSettings, "lost_no_visit_months"))
    root_causes = forms.CharField(label=_("Root causes (one a line; empty: the defaults)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 8}), **form_limits(CaseSettings, "root_causes"))

    def clean(self):
        data = super().clean()
        if "compensation_approval" in data:  # people type yuan; the settings keep cents
            data["compensation_approval_cents"] = int(data.pop("compensation_approval") * 100)
        return data


class CompensationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CompensationKind.choices)
    value = forms.DecimalField(label=_("Value to the customer (yuan)"), min_value=0, max_value=MAX_YUAN,
                               max_digits=12, decimal_places=2)
    points = forms.IntegerField(label=_("Points (goodwill points only)"), required=False,
                                **form_limits(Compensation, "points"))
    description = forms.CharField(label=_("What is given"), widget=forms.Textarea(attrs={"rows": 2}),
                                  **form_limits(Compensation, "description"))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision"), coerce=lambda value: value == "yes",
                                     choices=[("yes", _("Approve")), ("no", _("Reject"))])
    note = forms.CharField(label=_("Note"), required=False, **form_limits(Compensation, "decision_note"))


class AnalysisForm(forms.Form):
    """The analysis's period (default: the last twelve months) and a dealer within the scope."""

    start = forms.DateField(label=_("From"), required=False, widget=DateInput(),
                            **form_limits(CaseStep, "plan_due_on"))
    end = forms.DateField(label=_("To"), required=False, widget=DateInput(),
                          **form_limits(CaseStep, "plan_due_on"))
    dealer = forms.TypedChoiceField(label=_("Dealer"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_in_scope(actor, Action.VIEW_CASES).order_by("name")
        self.fields["dealer"].choices = [("", _("All dealers in view"))] + [(d.pk, d.name) for d in dealers]
        if len(self.fields["dealer"].choices) <= 2:
            del self.fields["dealer"]

    def defaults(self) -> dict:
        end = timezone.localdate()
        return {"start": end - dt.timedelta(days=364), "end": end, "dealer": None}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        defaults = self.defaults()
        data["end"] = data.get("end") or defaults["end"]
        data["start"] = data.get("start") or data["end"] - dt.timedelta(days=364)
        if data["start"] > data["end"]:
            self.add_error("end", _("The end date is before the start date."))
        return data
