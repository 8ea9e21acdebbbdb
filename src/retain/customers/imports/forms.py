"""The import pages' forms: the upload, and the column mapping of the preview."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from retain.org.policy import Action, dealers_in_scope

from ..forms import staff_choices
from ..models import ImportMode
from .columns import field_choices


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx or .csv)"))
    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int)
    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices, initial=ImportMode.CREATE)
    owner = forms.TypedChoiceField(label=_("Owner of the new customers"), coerce=int, required=False,
                                   empty_value=None)
    strict = forms.BooleanField(label=_("All or nothing: import nothing if any row is refused"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("UTF-8, GBK or GB18030 text, or an Excel workbook; at most %(size)s.") % {
            "size": filesizeformat(settings.IMPORT_MAX_BYTES)}
        dealers = dealers_in_scope(actor, Action.IMPORT)
        self.fields["dealer"].choices = [(d.pk, str(d)) for d in dealers]
        self.fields["dealer"].initial = actor.dealer_id
        self.fields["owner"].choices = [("", _("Unassigned"))] + staff_choices(dealers)


class MappingForm(forms.Form):
    """One choice per column of the file: which field it holds (or none)."""

    def __init__(self, *args, headings: list[str], fields: list[str | None], **kwargs):
        super().__init__(*args, **kwargs)
        choices = field_choices()
        for index, heading in enumerate(headings):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=heading or f"#{index + 1}", choices=choices, required=False, initial=fields[index] or "")

    def mapping(self) -> dict[int, str]:
        return {int(name.split("_", 1)[1]): value for name, value in self.cleaned_data.items()}
