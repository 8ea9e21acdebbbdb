"""Forms of the blacklist pages: they parse what a person typed; ``services.blacklist`` decides
what is acceptable (its refusals are shown beside the fields)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput, form_limits

from ..models.blacklist import MAX_NOTE, BlacklistEntry, Reason

_DATE = DateInput()

#: The list's states: what a reader looks for.
STATES = {
    "in_force": _("In force"),
    "proposed": _("Awaiting a decision"),
    "ended": _("Ended (rejected, lifted, expired)"),
    "all": _("All"),
}


class ProposeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("What happened, when, who saw it, and where the record is kept."),
                               **form_limits(BlacklistEntry, "evidence"))
    expires_on = forms.DateField(label=_("Expires on"), widget=_DATE, **form_limits(BlacklistEntry, "expires_on"),
                                 help_text=_("The first day the customer is contacted again; at most 24 months ahead."))


class DecisionForm(forms.Form):
    """Approve (the note is optional) or reject (the note says why)."""

    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 2}))


class LiftForm(forms.Form):
    reason = forms.CharField(label=_("Reason for lifting"), max_length=MAX_NOTE,
                             widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("Show"), required=False, choices=list(STATES.items()), initial="in_force")
    reason = forms.ChoiceField(label=_("Reason"), required=False, choices=[("", _("All reasons"))] + Reason.choices)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"state": data.get("state") or "in_force", "reason": data.get("reason") or ""}
