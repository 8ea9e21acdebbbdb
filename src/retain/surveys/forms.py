"""Forms of the survey definition pages. They parse what a person typed into the travelling shape
of ``surveys.definitions`` (texts per language, a scale, choices "one per line"); the checks
are the service's, and its refusals come back beside the fields they name (``place_errors``).

Choices (single and multiple choice) and items (100-point allocation, a Kano pair) are typed one
per line as ``code | 中文 | English`` (the English may be left out)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from .definitions import (
    MAX_CHOICE_TEXT,
    MAX_CHOICES,
    MAX_CODE,
    MAX_INTRO,
    MAX_LABEL,
    MAX_NAME,
    MAX_QUESTION_TEXT,
    MAX_QUESTIONS,
    MAX_TOUCHPOINT,
    SCALES,
    WITH_CHOICES,
)
from .models import QuestionKind, QuestionRole, SurveyKind

ZH, EN = "zh-hans", "en"
SCALE_CHOICES = [("", "—")] + [(f"{low}-{high}", f"{low}-{high}") for low, high in SCALES]
_ROWS = {"rows": 2}


def _texts(zh: str, en: str) -> dict:
    """The two languages as the definitions take them (empty ones left out)."""
    return {language: text for language, text in ((ZH, zh), (EN, en)) if text}


def options_text(options: list[dict]) -> str:
    """Stored choices or items as the lines a person edits."""
    lines = []
    for option in options or []:
        text = option.get("text") or {}
        parts = [option.get("code", ""), text.get(ZH, "")] + ([text[EN]] if text.get(EN) else [])
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_options(value: str) -> list[dict]:
    """``code | 中文 | English`` lines as ``[{"code", "text"}]``; ValidationError on a bad line."""
    options = []
    lines = [line for line in (value or "").splitlines() if line.strip()]
    if len(lines) > MAX_CHOICES:
        raise ValidationError(_("At most %(n)d lines.") % {"n": MAX_CHOICES})
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise ValidationError(_("Line %(n)d: write “code | 中文 | English” (the English may be left out).")
                                  % {"n": number})
        options.append({"code": parts[0], "text": _texts(parts[1], parts[2] if len(parts) == 3 else "")})
    return options


class SurveyForm(forms.Form):
    """A survey's name and introduction, in both languages."""

    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=MAX_NAME, required=False)
    name_en = forms.CharField(label=_("Name (English)"), max_length=MAX_NAME, required=False)
    intro_zh = forms.CharField(label=_("Introduction (Chinese)"), max_length=MAX_INTRO, required=False,
                               widget=forms.Textarea(attrs=_ROWS))
    intro_en = forms.CharField(label=_("Introduction (English)"), max_length=MAX_INTRO, required=False,
                               widget=forms.Textarea(attrs=_ROWS))

    @classmethod
    def initial_for(cls, survey) -> dict:
        intro = survey.current_version.intro if survey.current_version else {}
        return {"name_zh": survey.name.get(ZH, ""), "name_en": survey.name.get(EN, ""),
                "intro_zh": intro.get(ZH, ""), "intro_en": intro.get(EN, "")}

    def values(self) -> dict:
        data = self.cleaned_data
        return {"name": _texts(data["name_zh"], data["name_en"]), "intro": _texts(data["intro_zh"], data["intro_en"])}


class QuestionForm(forms.Form):
    """One question. Every field is optional here: what a question of its kind needs is the
    service's to say, beside the field."""

    position = forms.IntegerField(label=_("Position"), required=False, min_value=0, max_value=1000)
    code = forms.CharField(label=_("Code"), max_length=MAX_CODE, required=False,
                           help_text=_("Lower-case letters, digits and _; kept across versions."))
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices, initial=QuestionKind.RATING)
    role = forms.ChoiceField(label=_("Role"), choices=QuestionRole.choices, initial=QuestionRole.ITEM)
    text_zh = forms.CharField(label=_("Question (Chinese)"), max_length=MAX_QUESTION_TEXT, required=False,
                              widget=forms.Textarea(attrs=_ROWS))
    text_en = forms.CharField(label=_("Question (English)"), max_length=MAX_QUESTION_TEXT, required=False,
                              widget=forms.Textarea(attrs=_ROWS))
    scale = forms.ChoiceField(label=_("Scale"), choices=SCALE_CHOICES, required=False,
                              help_text=_("Ratings: 1-5, 1-10 or 0-10; NPS is always 0-10."))
    low_zh = forms.CharField(label=_("Lowest score's label (Chinese)"), max_length=MAX_LABEL, required=False)
    low_en = forms.CharField(label=_("Lowest score's label (English)"), max_length=MAX_LABEL, required=False)
    high_zh = forms.CharField(label=_("Highest score's label (Chinese)"), max_length=MAX_LABEL, required=False)
    high_en = forms.CharField(label=_("Highest score's label (English)"), max_length=MAX_LABEL, required=False)
    options = forms.CharField(
        label=_("Choices or items"), required=False, max_length=MAX_CHOICES * (MAX_CODE + 2 * MAX_CHOICE_TEXT + 8),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: code | 中文 | English. Choices of a choice question; items of a 100-point "
                    "allocation; a Kano pair's two lines (functional, dysfunctional), empty for the usual ones."))
    weight = forms.FloatField(label=_("Weight"), required=False, min_value=0, max_value=1,
                              help_text=_("An item's share of the weighted CSI (0 to 1): all the items' weights "
                                          "add up to 1, or leave every one empty."))
    touchpoint = forms.CharField(label=_("Touchpoint"), max_length=MAX_TOUCHPOINT, required=False,
                                 help_text=_("The step of the journey a touchpoint question rates."))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    #: Service field -> the form field its errors sit beside.
    ERROR_FIELDS = {"text": "text_zh", "scale_min": "scale", "scale_max": "scale", "low_label": "low_zh",
                    "high_label": "high_zh", "choices": "options", "items": "options"}

    def clean_options(self):
        return parse_options(self.cleaned_data.get("options", ""))

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(data.get(name) for name in ("code", "text_zh", "text_en", "options"))

    @classmethod
    def initial_for(cls, row: dict) -> dict:
        low, high = row.get("low_label") or {}, row.get("high_label") or {}
        options = row.get("choices") if row.get("kind") in WITH_CHOICES else row.get("items")
        scale = f"{row['scale_min']}-{row['scale_max']}" if row.get("scale_min") is not None else ""
        return {"position": row.get("position"), "code": row.get("code"), "kind": row.get("kind"),
                "role": row.get("role"), "text_zh": row["text"].get(ZH, ""), "text_en": row["text"].get(EN, ""),
                "scale": scale, "low_zh": low.get(ZH, ""), "low_en": low.get(EN, ""), "high_zh": high.get(ZH, ""),
                "high_en": high.get(EN, ""), "options": options_text(options), "weight": row.get("weight"),
                "touchpoint": row.get("touchpoint", ""), "required": row.get("required", True)}

    def question(self) -> dict:
        """The question as the definitions take it."""
        data = self.cleaned_data
        low_high = tuple(int(n) for n in data["scale"].split("-")) if data.get("scale") else (None, None)
        kind = data["kind"]
        options = data.get("options") or []
        return {"position": data.get("position"), "code": data.get("code", ""), "kind": kind,
                "role": data["role"], "text": _texts(data["text_zh"], data["text_en"]),
                "required": bool(data.get("required")), "scale_min": low_high[0], "scale_max": low_high[1],
                "low_label": _texts(data["low_zh"], data["low_en"]),
                "high_label": _texts(data["high_zh"], data["high_en"]),
                "choices": options if kind in WITH_CHOICES else [],
                "items": options if kind not in WITH_CHOICES else [],
                "weight": data.get("weight"), "touchpoint": data.get("touchpoint", "")}


QuestionFormSet = forms.formset_factory(QuestionForm, extra=0, can_delete=True, max_num=MAX_QUESTIONS,
                                        validate_max=True, absolute_max=MAX_QUESTIONS + 10)


class DealerChoiceForm(forms.Form):
    """Which dealer a copy (or a dealer's presets) is for: those where the actor manages surveys."""

    dealer = forms.TypedChoiceField(label=_("Dealer"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, dealers, whole_group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(dealer.pk, dealer.name) for dealer in dealers]
        if whole_group:
            choices = [("", _("Whole group"))] + choices
        self.fields["dealer"].choices = choices
        self.fields["dealer"].required = not whole_group


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
