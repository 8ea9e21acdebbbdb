"""Forms of the surveys pages; they parse what a person typed, the services decide what is
acceptable (``retain.web.pages.apply_errors`` puts their refusals beside the fields)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from retain.bounds import form_limits

from .models import Audience, InvitationStatus, SamplingRule, Survey, SurveySettings, Trigger
from .sampling import RULE_SURVEY_KINDS

_DATE = forms.DateInput(attrs={"type": "date"})

# --- invite: invitations, a dealer's survey settings and sampling rules ---------------------------


def survey_choices(dealer, *, audience=Audience.CUSTOMERS, kinds=None) -> list[tuple[int, str]]:
    """Active surveys usable at ``dealer`` (its group's and its own copies), by name."""
    found = Survey.objects.filter(Q(dealer__isnull=True) | Q(dealer=dealer), group_id=dealer.region.group_id,
                                  active=True, audience=audience, current_version__isnull=False)
    if kinds is not None:
        found = found.filter(kind__in=kinds)
    return sorted(((s.pk, s.title()) for s in found), key=lambda pair: pair[1])


class InviteForm(forms.Form):
    """The card's "invite to a survey": the survey, and the visit it is about (optional)."""

    survey_id = forms.TypedChoiceField(label=_("Survey"), coerce=int)
    transaction_id = forms.TypedChoiceField(label=_("About the visit"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_id"].choices = survey_choices(customer.dealer)
        visits = customer.transactions.filter(dealer_id=customer.dealer_id).order_by("-date", "-id")[:20]
        self.fields["transaction_id"].choices = [("", "—")] + [
            (t.pk, f"{t.date:%Y-%m-%d} · {t.get_kind_display()}{' · ' + t.reference if t.reference else ''}")
            for t in visits]


class InvitationFilterForm(forms.Form):
    survey = forms.TypedChoiceField(label=_("Survey"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + InvitationStatus.choices)
    trigger = forms.ChoiceField(label=_("Trigger"), required=False, choices=[("", _("All"))] + Trigger.choices)
    start = forms.DateField(label=_("From"), required=False, widget=_DATE)
    end = forms.DateField(label=_("To"), required=False, widget=_DATE)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].choices = [("", _("All"))] + sorted(
            ((s.pk, s.title()) for s in Survey.objects.filter(group_id=actor.group_id)), key=lambda pair: pair[1])

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            if data.get(name) and not (1900 <= data[name].year <= 2100):
                self.add_error(name, _("Enter a date between 1900 and 2100."))
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data


class SurveySettingsForm(forms.Form):
    fatigue_days = forms.IntegerField(label=_("Days between two invitations"), **form_limits(SurveySettings,
                                                                                              "fatigue_days"))
    link_days = forms.IntegerField(label=_("Days a link stays valid"), **form_limits(SurveySettings, "link_days"))
    reminder_days = forms.IntegerField(label=_("Days before a reminder"), help_text=_("0: no reminder."),
                                       **form_limits(SurveySettings, "reminder_days"))
    staff_networks = forms.CharField(label=_("The dealer's own networks"), required=False,
                                     help_text=_("One per line, such as 192.168.1.0/24: answers from them are "
                                                 "flagged."), widget=forms.Textarea(attrs={"rows": 3}),
                                     **form_limits(SurveySettings, "staff_networks"))


class RuleForm(forms.Form):
    """One trigger's sampling rule (the trigger is posted apart)."""

    survey_id = forms.TypedChoiceField(label=_("Survey"), coerce=int)
    delay_days = forms.IntegerField(label=_("Days after the event"), **form_limits(SamplingRule, "delay_days"))
    rate_percent = forms.IntegerField(label=_("Share of events invited (%)"),
                                      **form_limits(SamplingRule, "rate_percent"))
    monthly_quota = forms.IntegerField(label=_("Invitations per month at most"), required=False,
                                       help_text=_("Empty: no quota."), **form_limits(SamplingRule, "monthly_quota"))
    every_months = forms.IntegerField(label=_("Every so many months"), required=False,
                                      help_text=_("Periodic surveys only. Empty: every 12 months."),
                                      **form_limits(SamplingRule, "every_months"))
    active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, dealer, trigger, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey_id"].choices = survey_choices(dealer, kinds=RULE_SURVEY_KINDS[trigger])
        if trigger != Trigger.PERIODIC:
            del self.fields["every_months"]


class StaffInviteForm(forms.Form):
    """A staff self-assessment: the survey (for staff) and who assesses themselves."""

    survey_id = forms.TypedChoiceField(label=_("Survey"), coerce=int)
    staff_id = forms.TypedChoiceField(label=_("Staff member asked"), coerce=int)

    def __init__(self, *args, actor, **kwargs):
        from retain.org.models import Staff
        from retain.org.policy import Action, Scope, dealers_in_scope, scope_of

        super().__init__(*args, **kwargs)
        self.fields["survey_id"].choices = survey_choices(actor.dealer, audience=Audience.STAFF) \
            if actor.dealer_id else []
        people = Staff.objects.filter(is_active=True, dealer__in=dealers_in_scope(actor, Action.INVITE))
        if scope_of(actor, Action.INVITE) is Scope.OWN:
            people = people.filter(pk=actor.pk)
        self.fields["staff_id"].choices = [(p.pk, p.display_name) for p in people.order_by("last_name", "pk")]
        self.fields["staff_id"].initial = actor.pk
