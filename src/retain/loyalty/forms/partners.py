"""The loyalty pages' forms: a coalition partner (new or changed, with its API caller chosen among
its dealer's staff), a partner's movement recorded by a manager, a movement reversed, closing a
month, and the liability report's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput
from retain.customers.forms import staff_choices
from retain.org.policy import Action, dealers_in_scope

from .. import months
from ..models import MAX_POINTS, Partner
from ..services.partners import MAX_REFERENCE


def _agent_field():
    return forms.TypedChoiceField(
        label=_("API caller for the partner"), coerce=int, required=False, empty_value=None,
        help_text=_("The staff account the partner's till calls the API as: it records the partner's movements "
                    "and nothing else (it never reverses them)."))


class PartnerForm(forms.ModelForm):
    """A new partner; the API caller among the staff of the dealers where the actor may add one
    (the service checks it is the chosen dealer's)."""

    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int)
    agent_id = _agent_field()

    class Meta:
        model = Partner
        fields = ["name", "kind", "code", "issue_rate_cents", "accept_rate_cents", "active_from", "active_until"]
        widgets = {"active_from": DateInput(), "active_until": DateInput()}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = dealers_in_scope(actor, Action.MANAGE_PARTNERS).order_by("name")
        self.fields["dealer"].choices = [(d.pk, d.name) for d in dealers]
        self.fields["agent_id"].choices = [("", _("None"))] + staff_choices(dealers)

    def _post_clean(self):  # the service validates the model (with its programme)
        pass


class PartnerEditForm(forms.ModelForm):
    """A partner changed: its fields and API caller (among its dealer's active staff, and the
    caller it has, even if they left); the code shown but not editable once the partner has a
    movement (``used``)."""

    agent_id = _agent_field()

    class Meta:
        model = Partner
        fields = ["name", "kind", "code", "issue_rate_cents", "accept_rate_cents", "active_from", "active_until"]
        widgets = {"active_from": DateInput(), "active_until": DateInput()}

    def __init__(self, *args, used: bool, **kwargs):
        super().__init__(*args, **kwargs)
        partner = self.instance
        people = staff_choices([partner.programme.dealer])
        if partner.agent_id and partner.agent_id not in {pk for pk, _label in people}:
            people += staff_choices([partner.programme.dealer], active_only=False, pk=partner.agent_id)
        self.fields["agent_id"].choices = [("", _("None"))] + people
        self.initial["agent_id"] = partner.agent_id
        if used:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The partner has movements: its code no longer changes.")

    def changes(self) -> dict:
        """The cleaned fields as ``update_partner``'s arguments (a disabled code is not sent)."""
        return {name: value for name, value in self.cleaned_data.items()
                if not (name == "code" and self.fields["code"].disabled)}

    def _post_clean(self):  # the service validates the model (with its programme)
        pass


class MovementForm(forms.Form):
    direction = forms.ChoiceField(label=_("Movement"), choices=[
        ("issue", _("The partner credits the member")), ("accept", _("The member spends at the partner"))])
    customer_id = forms.IntegerField(label=_("Customer number"), min_value=1, max_value=2**63 - 1)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=MAX_POINTS)
    reference = forms.CharField(label=_("Partner's reference"), max_length=MAX_REFERENCE)
    memo = forms.CharField(label=_("Memo"), required=False, max_length=1000)


class ReverseForm(forms.Form):
    """A movement reversed: why, and a tick that the person means it (the page's confirmation)."""

    reason = forms.CharField(label=_("Reason"), max_length=500)
    confirm = forms.BooleanField(label=_("Yes, reverse this movement"), required=True, error_messages={
        "required": _("Tick the box to confirm the reversal.")})


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

