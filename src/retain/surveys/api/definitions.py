"""Survey definitions over JSON: the list, one survey with its current questions, an edit (the
version rule of ``services.definitions``), and installing the presets. Thin: the door and the
services; a survey outside the caller's scope is 404.

Texts come two ways: ``name``, ``text``, ``labels`` and an option's ``text`` in the request's
language (read-only), and ``names``, ``texts``, ``label_texts`` and an option's ``texts`` in
every language (``{"zh-hans": …, "en": …}``), which is what ``PUT`` writes. A question read
with ``GET`` can be sent back as it is: the read-only fields are ignored."""

from typing import Annotated, Literal

from django.db.models import Count
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from pydantic import Strict

from retain.bounds import Id, Input, Page, integer, string
from retain.org.policy import Action, require

from ..access import access_survey, visible_surveys
from ..definitions import (
    MAX_CHOICE_TEXT,
    MAX_CHOICES,
    MAX_CODE,
    MAX_INTRO,
    MAX_LABEL,
    MAX_NAME,
    MAX_QUESTION_TEXT,
    MAX_QUESTIONS,
    MAX_TOUCHPOINT,
)
from ..models import Question, QuestionKind, QuestionRole, Survey, SurveyKind
from ..services import definitions as services
from ..texts import localised

router = Router(tags=["surveys"])

Language = Literal["zh-hans", "en"]


def _texts(length: int):
    return Annotated[dict[Language, string(length)], Field(
        description='Text per language: {"zh-hans": …, "en": …}; the Chinese is required, the English optional.')]


# -- out ----------------------------------------------------------------------------------------

class SurveyItem(Schema):
    id: int
    kind: Literal[tuple(SurveyKind.values)]  # type: ignore[valid-type]
    name: str = Field(description="In the request's language.")
    version: int | None = Field(description="The current version's number.")
    dealer: str | None = Field(description="The dealer's name; null for a survey of the whole group.")
    dealer_id: int | None
    preset: str
    audience: str
    active: bool
    questions: int = Field(description="How many questions the current version has.")

    @staticmethod
    def resolve_name(obj):
        return obj.title()

    @staticmethod
    def resolve_version(obj):
        return obj.current_version.number if obj.current_version_id else None

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.name if obj.dealer_id else None

    @staticmethod
    def resolve_questions(obj):
        if hasattr(obj, "question_count"):
            return obj.question_count
        return obj.current_version.questions.count() if obj.current_version_id else 0


class OptionOut(Schema):
    code: str
    text: str
    texts: dict[str, str]


class QuestionOut(Schema):
    position: int
    code: str
    kind: str
    role: str
    text: str = Field(description="In the request's language.")
    texts: dict[str, str]
    required: bool
    scale_min: int | None
    scale_max: int | None
    labels: dict[str, str] = Field(description='{"low": …, "high": …} in the request\'s language.')
    label_texts: dict[str, dict[str, str]]
    choices: list[OptionOut]
    items: list[OptionOut]
    weight: float | None
    touchpoint: str


class SurveyList(Schema):
    items: list[SurveyItem]
    count: int


def _options(options) -> list[dict]:
    return [{"code": option["code"], "text": localised(option["text"]), "texts": option["text"]}
            for option in options]


def _question(question: Question) -> dict:
    return {"position": question.position, "code": question.code, "kind": question.kind, "role": question.role,
            "text": localised(question.text), "texts": question.text, "required": question.required,
            "scale_min": question.scale_min, "scale_max": question.scale_max,
            "labels": {"low": localised(question.low_label), "high": localised(question.high_label)},
            "label_texts": {"low": question.low_label, "high": question.high_label},
            "choices": _options(question.choices), "items": _options(question.items), "weight": question.weight,
            "touchpoint": question.touchpoint}


def _detail(survey: Survey) -> dict:
    version = survey.current_version
    questions = list(version.questions.order_by("position")) if version else []
    return {"id": survey.pk, "kind": survey.kind, "name": survey.title(), "names": survey.name,
            "version": version.number if version else None, "dealer": survey.dealer.name if survey.dealer_id else None,
            "dealer_id": survey.dealer_id, "preset": survey.preset, "audience": survey.audience,
            "active": survey.active, "intro": localised(version.intro) if version else "",
            "intro_texts": version.intro if version else {}, "questions": [_question(q) for q in questions]}


class SurveyDetail(Schema):
    id: int
    kind: Literal[tuple(SurveyKind.values)]  # type: ignore[valid-type]
    name: str
    names: dict[str, str]
    version: int | None
    dealer: str | None
    dealer_id: int | None
    preset: str
    audience: str
    active: bool
    intro: str
    intro_texts: dict[str, str]
    questions: list[QuestionOut]


# -- in -----------------------------------------------------------------------------------------

class OptionIn(Input):
    code: string(MAX_CODE)
    texts: _texts(MAX_CHOICE_TEXT)
    text: str | None = Field(None, description="Read-only (ignored).", max_length=MAX_CHOICE_TEXT)


class LabelTexts(Input):
    low: _texts(MAX_LABEL) = {}
    high: _texts(MAX_LABEL) = {}


class QuestionIn(Input):
    code: string(MAX_CODE)
    kind: Literal[tuple(QuestionKind.values)]  # type: ignore[valid-type]
    role: Literal[tuple(QuestionRole.values)] = QuestionRole.ITEM  # type: ignore[valid-type]
    texts: _texts(MAX_QUESTION_TEXT)
    required: Annotated[bool, Strict()] = True
    scale_min: integer(0, 10) | None = None
    scale_max: integer(0, 10) | None = None
    label_texts: LabelTexts | None = None
    choices: Annotated[list[OptionIn], Field(max_length=MAX_CHOICES)] = []
    items: Annotated[list[OptionIn], Field(max_length=MAX_CHOICES)] = []
    weight: Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    touchpoint: string(MAX_TOUCHPOINT) = ""
    position: integer(0, 1000) | None = None
    # read-only fields of the GET answer, accepted so that a question read can be sent back
    text: str | None = Field(None, description="Read-only (ignored).", max_length=MAX_QUESTION_TEXT)
    labels: dict[Literal["low", "high"], string(MAX_LABEL)] | None = Field(None, description="Read-only (ignored).")

    def definition(self) -> dict:
        labels = self.label_texts or LabelTexts()
        return {"position": self.position, "code": self.code, "kind": self.kind, "role": self.role,
                "text": dict(self.texts), "required": self.required, "scale_min": self.scale_min,
                "scale_max": self.scale_max, "low_label": dict(labels.low), "high_label": dict(labels.high),
                "choices": [{"code": o.code, "text": dict(o.texts)} for o in self.choices],
                "items": [{"code": o.code, "text": dict(o.texts)} for o in self.items],
                "weight": self.weight, "touchpoint": self.touchpoint}


class SurveyEdit(Input):
    """What to change; a field left out stays as it is."""

    names: _texts(MAX_NAME) | None = None
    intro_texts: _texts(MAX_INTRO) | None = None
    questions: Annotated[list[QuestionIn], Field(min_length=1, max_length=MAX_QUESTIONS)] | None = None


class PresetsIn(Input):
    dealer_id: Id | None = Field(None, description="The dealer to install for; left out: the whole group.")


# -- operations ---------------------------------------------------------------------------------

@router.get("/surveys", response=list[SurveyItem])
@paginate(Page)
def list_surveys(request):
    """The surveys the caller may see: the group's (``dealer`` null) and their dealers' own."""
    require(request.user, Action.VIEW_SURVEYS)
    return (visible_surveys(request.user).select_related("dealer", "current_version")
            .annotate(question_count=Count("current_version__questions")).order_by("id"))


@router.get("/surveys/{int:survey_id}", response=SurveyDetail)
def get_survey(request, survey_id: int):
    """One survey with its current version's questions."""
    return _detail(access_survey(request.user, survey_id))


@router.put("/surveys/{int:survey_id}", response=SurveyDetail)
def edit_survey(request, survey_id: int, payload: SurveyEdit):
    """Change the name, introduction or questions. If the current version was sent or answered,
    the change becomes the next version (``version`` + 1); the old one stays as it was."""
    survey = services.edit_survey(
        actor=request.user, survey_id=survey_id,
        name=dict(payload.names) if payload.names is not None else None,
        intro=dict(payload.intro_texts) if payload.intro_texts is not None else None,
        questions=[question.definition() for question in payload.questions] if payload.questions else None)
    return _detail(access_survey(request.user, survey.pk))


@router.post("/surveys/presets", response=SurveyList)
def install_presets(request, payload: PresetsIn):
    """Add the preset surveys the group (or the dealer) lacks; answers the owner's preset surveys
    (the same ones again on a second call: nothing is added twice)."""
    surveys = services.install_presets(actor=request.user, dealer_id=payload.dealer_id)
    items = list(Survey.objects.filter(pk__in=[survey.pk for survey in surveys])
                 .select_related("dealer", "current_version")
                 .annotate(question_count=Count("current_version__questions")).order_by("id"))
    return {"items": items, "count": len(items)}
