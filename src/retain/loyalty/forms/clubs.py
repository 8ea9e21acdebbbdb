"""Forms of the referral and club pages; they parse what a person typed, the services decide what
is acceptable (their refusals are put beside the fields)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_ID, DateInput, form_limits
from retain.sales.models import PromotionEvent

from ..models import Club
from ..services.referrals import MAX_CODE_INPUT

_DATE = DateInput()


class ReferralForm(forms.Form):
    code = forms.CharField(label=_("Referrer's code"), required=False, max_length=MAX_CODE_INPUT,
                           help_text=_("As printed on the referrer's card."))
    referrer_id = forms.IntegerField(label=_("Or the referrer's customer number"), required=False, min_value=1,
                                     max_value=MAX_ID)
    prospect_id = forms.TypedChoiceField(label=_("Prospect"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, prospects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prospect_id"].choices = [("", _("The newest"))] + [
            (p.pk, f"{p.model_of_interest} · {p.first_contact:%Y-%m-%d} · {p.get_status_display()}") for p in prospects]


class PeriodForm(forms.Form):
    dealer = forms.IntegerField(label=_("Dealer"), required=False, min_value=1, max_value=MAX_ID,
                                widget=forms.HiddenInput)
    start = forms.DateField(label=_("From"), required=False, widget=_DATE, **form_limits(PromotionEvent, "starts_on"))
    end = forms.DateField(label=_("To"), required=False, widget=_DATE, **form_limits(PromotionEvent, "starts_on"))


class ThankForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=_DATE, **form_limits(PromotionEvent, "starts_on"))
    notes = forms.CharField(label=_("What to do"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class JoinForm(forms.Form):
    club = forms.IntegerField(label=_("Club"), min_value=1, max_value=MAX_ID)


class ClubForm(forms.Form):
    dealer = forms.IntegerField(label=_("Dealer"), min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    name = forms.CharField(label=capfirst(Club._meta.get_field("name").verbose_name), **form_limits(Club, "name"))
    vehicle_model = forms.CharField(label=_("Vehicle model"), required=False, **form_limits(Club, "vehicle_model"),
                                    help_text=_("Empty: a club of all the dealer's owners."))


class MembersForm(forms.Form):
    customer_ids = forms.CharField(label=_("Customer numbers"), max_length=10_000,
                                   help_text=_("Separated by commas or spaces."))
    joined_on = forms.DateField(label=_("Joined on"), required=False, widget=_DATE, help_text=_("Empty: today."),
                                **form_limits(PromotionEvent, "starts_on"))

    def clean_customer_ids(self):
        try:
            return [int(part) for part in self.cleaned_data["customer_ids"].replace(",", " ").split()]
        except ValueError:
            raise forms.ValidationError(_("Customer numbers are whole numbers."))


class EventForm(forms.Form):
    name = forms.CharField(label=capfirst(PromotionEvent._meta.get_field("name").verbose_name),
                           **form_limits(PromotionEvent, "name"))
    starts_on = forms.DateField(label=_("Starts on"), widget=_DATE, **form_limits(PromotionEvent, "starts_on"))
    ends_on = forms.DateField(label=_("Ends on"), widget=_DATE, **form_limits(PromotionEvent, "ends_on"))
    description = forms.CharField(label=_("Description"), required=False, max_length=10_000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
