"""Forms of the survey definition pages. They parse what a person typed into the travelling shape
of ``surveys.definitions`` (texts per language, a scale, choices "one per line"); the checks
are the service's, and its refusals come back beside the fields they name (``place_errors``).

Choices (single and multiple choice) and items (100-point allocation, a Kano pair) are typed one
per line as ``code | 中文 | English`` (the English may be left out)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from retain.bounds import DateInput, form_limits

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
from .models import (
    Audience,
    InvitationStatus,
    QuestionKind,
    QuestionRole,
    SamplingRule,
    Survey,
    SurveyKind,
    SurveySettings,
    Trigger,
)
from .sampling import RULE_SURVEY_KINDS

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
                                              widget=DateInput())
        self.fields["to"] = forms.DateField(label=_("To"), required=False, widget=DateInput())
        self.order_fields(["kind", "dealer", "from", "to", "served_by"])


_DATE = DateInput()

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
