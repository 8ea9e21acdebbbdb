"""Forms of the lost-owner pages; they parse what a person typed, ``cases.services.lost`` decides
what is acceptable (its refusals are put beside the fields)."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput, form_limits

from ..models.lost import LostOwner, LostReason, LostStatus, WinBackStep, WinBackStepKind
from ..services.lost import months_before

_DATE = DateInput()
_NOTES = forms.Textarea(attrs={"rows": 2})


class RecordForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—")] + LostReason.choices)
    lost_on = forms.DateField(label=_("Lost on"), required=False, widget=_DATE, help_text=_("Empty: today."),
                              **form_limits(LostOwner, "lost_on"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=_NOTES, **form_limits(LostOwner, "notes"))


class ConfirmForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—")] + LostReason.choices)
    notes = forms.CharField(label=_("Notes"), required=False, widget=_NOTES, **form_limits(LostOwner, "notes"))


class DismissForm(forms.Form):
    notes = forms.CharField(label=_("Why the owner has not left"), widget=_NOTES, **form_limits(LostOwner, "notes"))


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("Step"), choices=WinBackStepKind.choices)
    done_on = forms.DateField(label=_("Done on"), required=False, widget=_DATE, help_text=_("Empty: today."),
                              **form_limits(WinBackStep, "done_on"))
    notes = forms.CharField(label=_("What was done and what the customer said"), widget=_NOTES,
                            **form_limits(WinBackStep, "notes"))


class WonBackForm(forms.Form):
    came_back_on = forms.DateField(label=_("Came back on"), required=False, widget=_DATE,
                                   help_text=_("Empty: today."), **form_limits(LostOwner, "won_back_on"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=_NOTES, **form_limits(LostOwner, "notes"))


class ListForm(forms.Form):
    status = forms.ChoiceField(label=_("Show"), required=False, choices=LostStatus.choices)


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=_DATE, **form_limits(LostOwner, "lost_on"))
    end = forms.DateField(label=_("To"), required=False, widget=_DATE, **form_limits(LostOwner, "lost_on"))

    def period(self) -> tuple[dt.date, dt.date]:
        """The chosen period, by default the last twelve months to today."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or months_before(end.replace(day=1), 11)
        return start, end

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end comes before the start."))
        return data
