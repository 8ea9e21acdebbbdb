"""The surveys app's forms, one block per part."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SurveyKind

# --- analysis: the results pages' filters ------------------------------------------------------


class ResultsFilterForm(forms.Form):
    """The results pages' filters: a survey kind among the page's, a dealer and a person from
    the pickers the view offers (within the scope), and a period."""

    kind = forms.ChoiceField(label=gettext_lazy("Survey"))
    dealer = forms.TypedChoiceField(label=gettext_lazy("Dealer"), required=False, coerce=int, empty_value=None)
    served_by = forms.TypedChoiceField(label=gettext_lazy("Served by"), required=False, coerce=int,
                                       empty_value=None)

    def __init__(self, data, *, kinds, dealers, staff):
        super().__init__(data)
        labels = dict(SurveyKind.choices)
        self.fields["kind"].choices = [(kind, labels[kind]) for kind in kinds]
        self.fields["kind"].initial = kinds[0]
        self.fields["dealer"].choices = [("", _("All dealers in view"))] + dealers
        self.fields["served_by"].choices = [("", _("Everyone"))] + staff
        self.fields["from"] = forms.DateField(label=_("From"), required=False,
                                              widget=forms.DateInput(attrs={"type": "date"}))
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
        self.order_fields(["kind", "dealer", "from", "to", "served_by"])
