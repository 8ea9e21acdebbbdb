"""The loyalty pages' forms: a new coalition partner, a partner's movement recorded by a manager,
closing a month, and the liability report's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retain.org.policy import Action, dealers_in_scope

from .. import months
from ..models import MAX_POINTS, Partner
from ..services.partners import MAX_REFERENCE


class PartnerForm(forms.ModelForm):
    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int)

    class Meta:
        model = Partner
        fields = ["name", "kind", "code", "issue_rate_cents", "accept_rate_cents", "active_from", "active_until"]
        widgets = {"active_from": forms.DateInput(attrs={"type": "date"}),
                   "active_until": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].choices = [(d.pk, d.name) for d in
                                         dealers_in_scope(actor, Action.MANAGE_PARTNERS).order_by("name")]

    def _post_clean(self):  # the service validates the model (with its programme)
        pass


class MovementForm(forms.Form):
    direction = forms.ChoiceField(label=_("Movement"), choices=[
        ("issue", _("The partner credits the member")), ("accept", _("The member spends at the partner"))])
    customer_id = forms.IntegerField(label=_("Customer number"), min_value=1, max_value=2**63 - 1)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=MAX_POINTS)
    reference = forms.CharField(label=_("Partner's reference"), max_length=MAX_REFERENCE)
    memo = forms.CharField(label=_("Memo"), required=False, max_length=1000)


class CloseForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7)

    def clean_month(self):
        try:
            return months.parse(self.cleaned_data["month"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["month"]) from None


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        return f"{value:%Y-%m}" if hasattr(value, "year") else value


class LiabilityForm(forms.Form):
    start = forms.CharField(label=_("From month"), required=False, widget=MonthInput(), max_length=10)
    end = forms.CharField(label=_("To month"), required=False, widget=MonthInput(), max_length=10)
    dealer = forms.TypedChoiceField(label=_("Dealer"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_in_scope(actor, Action.VIEW_LIABILITY).order_by("name")
        self.fields["dealer"].choices = [("", _("All dealers in view"))] + [(d.pk, d.name) for d in dealers]
        if len(self.fields["dealer"].choices) <= 2:
            del self.fields["dealer"]

