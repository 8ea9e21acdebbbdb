"""The loyalty pages' forms: a reward of the catalogue, and the service desk's (find a member or a
voucher, order a reward, earn for a receipt, a voucher's code, a reason to cancel). They parse and
bound what was typed; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput

from ..models import Reward

RECEIPT_LENGTH = 40


class RewardForm(forms.ModelForm):
    class Meta:
        model = Reward
        fields = ["name", "description", "kind", "points", "stock", "member_limit", "limit_period", "valid_days",
                  "active", "valid_from", "valid_until"]
        widgets = {"valid_from": DateInput(),
                   "valid_until": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 3})}


class FindForm(forms.Form):
    q = forms.CharField(label=_("Full mobile number or voucher code"), max_length=40,
                        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "text"}))


class OrderForm(forms.Form):
    reward = forms.TypedChoiceField(label=_("Reward"), coerce=int)

    def __init__(self, *args, rewards=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reward"].choices = [(r.pk, f"{r.name} · {r.points}") for r in rewards]


class EarnForm(forms.Form):
    receipt = forms.CharField(label=_("Receipt number"), max_length=RECEIPT_LENGTH,
                              help_text=_("A receipt earns points once."))
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000_000)

    def clean_receipt(self):
        value = "".join(self.cleaned_data["receipt"].split())
        if not value or ":" in value:
            raise forms.ValidationError(_("Enter the receipt number as printed."))
        return value


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Voucher code"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off"}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
