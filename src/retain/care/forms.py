"""Forms of the care pages; they parse what a person typed, the services decide what is
acceptable (``retain.web.pages.apply_errors`` puts their refusals beside the fields)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput, form_limits
from retain.customers.forms import staff_choices
from retain.org.policy import Action, Scope, dealers_in_scope, scope_of

from .models import Assignee, CareRule, CareSettings, Channel, Outcome, Task, TaskKind, VipFile, VipSource
from .worklist import DUE_FILTERS

_DATE = DateInput()


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                            **form_limits(Task, "notes"))
    done_on = forms.DateField(label=_("Done on"), required=False, widget=_DATE, **form_limits(Task, "done_on"),
                              help_text=_("Empty: today."))


class TaskForm(forms.Form):
    """A manual task on a customer."""

    due_on = forms.DateField(label=_("Due on"), widget=_DATE, **form_limits(Task, "due_on"))
    notes = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 3}),
                            **form_limits(Task, "notes"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    vehicle_id = forms.TypedChoiceField(label=_("Vehicle"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, actor, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_on"].initial = timezone.localdate()
        self.fields["vehicle_id"].choices = [("", "—")] + [(v.pk, str(v)) for v in customer.vehicles.all()]
        if scope_of(actor, Action.WORK_TASKS) is Scope.OWN:  # their own task
            del self.fields["owner"]
        else:
            self.fields["owner"].choices = [("", _("Me"))] + staff_choices([customer.dealer])


class TaskFilterForm(forms.Form):
    due = forms.ChoiceField(label=_("Show"), required=False, initial="open", choices=[
        ("today", _("Due today")), ("overdue", _("Overdue")), ("open", _("All open")), ("done", _("Done")),
        ("all", _("All"))])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds"))] + TaskKind.choices)
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        if scope_of(actor, Action.VIEW_TASKS) is Scope.OWN:
            del self.fields["owner"]
        else:
            # A dealer's staff are listed; above a dealer, only the owner already chosen (a link).
            dealers = dealers_in_scope(actor, Action.VIEW_TASKS)
            shown = staff_choices([actor.dealer]) if actor.dealer_id else []
            picked = str(self.data.get("owner", "")) if self.is_bound else ""
            if picked.isdigit() and len(picked) < 19 and picked not in {str(pk) for pk, _l in shown}:
                shown += staff_choices(dealers, pk=int(picked))
            self.fields["owner"].choices = [("", _("Anyone")), ("mine", _("Mine"))] + [
                (str(pk), label) for pk, label in shown]

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        owner = data.get("owner", "")
        return {"due": data.get("due") if data.get("due") in DUE_FILTERS else "open", "kind": data.get("kind", ""),
                "mine": owner == "mine", "owner_id": int(owner) if owner and owner.isdigit() else None}


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=_DATE, **form_limits(Task, "due_on"))
    end = forms.DateField(label=_("To"), widget=_DATE, **form_limits(Task, "due_on"))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class RuleForm(forms.Form):
    """One rule's row on the rules page (prefixed by its kind; the kind itself is posted apart)."""

    enabled = forms.BooleanField(label=_("Enabled"), required=False)
    lead_days = forms.IntegerField(label=_("Days ahead"), **form_limits(CareRule, "lead_days"))
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    template_code = forms.CharField(label=_("Message template"), required=False,
                                    **form_limits(CareRule, "template_code"))
    assignee = forms.ChoiceField(label=_("Owner"), choices=Assignee.choices)


class SettingsForm(forms.Form):
    first_service_months = forms.IntegerField(label=_("First service after (months)"),
                                              **form_limits(CareSettings, "first_service_months"))
    first_service_km = forms.IntegerField(label=_("First service after (km)"),
                                          **form_limits(CareSettings, "first_service_km"))
    service_months = forms.IntegerField(label=_("Service interval (months)"),
                                        **form_limits(CareSettings, "service_months"))
    service_km = forms.IntegerField(label=_("Service interval (km)"), **form_limits(CareSettings, "service_km"))
    replacement_years = forms.IntegerField(label=_("Replacement invitation at vehicle age (years)"),
                                           **form_limits(CareSettings, "replacement_years"))
    replacement_km = forms.IntegerField(label=_("Replacement invitation at mileage (km)"),
                                        **form_limits(CareSettings, "replacement_km"))
    manager_contact_months = forms.IntegerField(label=_("Manager's VIP contact every (months)"),
                                                **form_limits(CareSettings, "manager_contact_months"))


class VipFileForm(forms.Form):
    customer_id = forms.IntegerField(label=_("Customer number"), min_value=1)
    source = forms.ChoiceField(label=_("Source"), choices=VipSource.choices)
    organisation = forms.CharField(label=_("Organisation"), required=False, **form_limits(VipFile, "organisation"))
    consultant = forms.TypedChoiceField(label=_("Consultant who visits monthly"), coerce=int)
    manager = forms.TypedChoiceField(label=_("Manager in personal contact"), coerce=int)
    opened_on = forms.DateField(label=_("Opened on"), required=False, widget=_DATE, **form_limits(VipFile, "opened_on"))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            **form_limits(VipFile, "notes"))

    def __init__(self, *args, actor, vip=None, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = [vip.dealer] if vip else dealers_in_scope(actor, Action.MANAGE_VIP)
        people = staff_choices(dealers)
        self.fields["consultant"].choices = people
        self.fields["manager"].choices = people
        if vip is not None:
            del self.fields["customer_id"]
        else:
            del self.fields["active"]


class ReferralForm(forms.Form):
    customer_id = forms.IntegerField(label=_("Number of the customer the VIP introduced"), min_value=1)
