"""One answer set checked against the questions of one survey version, before anything is stored.

The public page and the public API send ``{question_code: value}``; this module says, per
question, whether the value is an answer to that question (an NPS is a whole number 0-10: not
11, not -1, not 7.5, not the text "7", not ``true``) and turns it into what an ``Answer`` row
stores (COMMON contract: nps and rating -> ``number``; single and text -> ``text``; the rest ->
``value``). A refusal is a ``ValidationError`` keyed by question code, in the language active
when it is raised (the service switches to the respondent's), so the page shows each message at
its question and the API answers 422 naming the codes.

Required questions are enforced only on the final submit: a partial save ("save and continue
later") may leave them out. ``None`` (or an empty text, an empty list of choices) means "not
answered": on a partial save it clears an answer given before.

It also defines the link's refusals (``UnknownLink`` 404, ``UsedLink`` 409, ``ExpiredLink``
410), which the page and the API turn into their status codes.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from retain.analytics.kano import ANSWERS as KANO_ANSWERS

from .models import Question, QuestionKind

#: The longest comment a respondent may write (the issue's 5,000-character comment is refused).
MAX_TEXT = 2_000
#: The most choices, items or answers one request may carry (a survey has a few dozen questions).
MAX_ANSWERS = 200
#: Scale of a rating whose question states none.
DEFAULT_SCALE = (1, 10)
#: The whole points of an importance allocation.
ALLOCATION_TOTAL = 100


class LinkError(Exception):
    """A survey link that cannot be answered; ``status`` is the HTTP answer."""

    status = 400


class UnknownLink(LinkError):
    """No invitation has this token (or it was mistyped): 404, revealing nothing."""

    status = 404


class UsedLink(LinkError):
    """The invitation was answered already: 409."""

    status = 409


class ExpiredLink(LinkError):
    """The invitation expired or was withdrawn: 410."""

    status = 410


@dataclass(frozen=True)
class Cleaned:
    """One question's answer as an ``Answer`` row stores it; all empty: not answered."""

    question: Question
    number: float | None = None
    text: str = ""
    value: object = None

    @property
    def empty(self) -> bool:
        return self.number is None and not self.text and self.value is None


def _whole(value) -> bool:
    """A JSON whole number: ``7`` yes; ``7.5``, ``7.0``, ``"7"``, ``true`` no."""
    return isinstance(value, int) and not isinstance(value, bool)


def scale(question: Question) -> tuple[int, int]:
    """The lowest and highest score of a rating (NPS: 0-10 whatever the row says)."""
    if question.kind == QuestionKind.NPS:
        return 0, 10
    low = DEFAULT_SCALE[0] if question.scale_min is None else question.scale_min
    high = DEFAULT_SCALE[1] if question.scale_max is None else question.scale_max
    return low, high


def _score(value, low: int, high: int) -> int:
    if not _whole(value):
        raise ValidationError(_("Choose a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
    if not low <= value <= high:
        raise ValidationError(_("Choose a number from %(low)d to %(high)d.") % {"low": low, "high": high})
    return value


def _codes(entries) -> list[str]:
    return [entry.get("code") for entry in entries or [] if isinstance(entry, dict)]


def _clean_single(question, value) -> Cleaned:
    if value == "":
        return Cleaned(question)
    if not isinstance(value, str) or value not in _codes(question.choices):
        raise ValidationError(_("Choose one of the answers offered."))
    return Cleaned(question, text=value)


def _clean_multiple(question, value) -> Cleaned:
    if not isinstance(value, list) or len(value) > MAX_ANSWERS:
        raise ValidationError(_("Choose from the answers offered."))
    if not value:
        return Cleaned(question)
    offered = _codes(question.choices)
    if any(not isinstance(code, str) or code not in offered for code in value):
        raise ValidationError(_("Choose from the answers offered."))
    if len(set(value)) != len(value):
        raise ValidationError(_("Choose each answer only once."))
    return Cleaned(question, value=sorted(value, key=offered.index))


def _clean_text(question, value) -> Cleaned:
    if not isinstance(value, str):
        raise ValidationError(_("Write your answer as text."))
    if "\x00" in value:
        raise ValidationError(_("The text contains a character that cannot be stored (NUL)."))
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(_("Write at most %(max)d characters (this is %(n)d).") % {"max": MAX_TEXT,
                                                                                          "n": len(value)})
    return Cleaned(question, text=value)


def _clean_kano(question, value) -> Cleaned:
    if not isinstance(value, dict) or set(value) != {"functional", "dysfunctional"} \
            or any(answer not in KANO_ANSWERS for answer in value.values()):
        raise ValidationError(_("Answer both halves, each with one of the five answers offered."))
    return Cleaned(question, value={"functional": value["functional"], "dysfunctional": value["dysfunctional"]})


def _clean_allocation(question, value) -> Cleaned:
    items = _codes(question.items)
    if not isinstance(value, dict) or any(code not in items for code in value):
        raise ValidationError(_("Give points only to the items listed."))
    if any(not _whole(points) or points < 0 for points in value.values()):
        raise ValidationError(_("Give each item a whole number of points, 0 or more."))
    total = sum(value.values())
    if total != ALLOCATION_TOTAL:
        raise ValidationError(_("The points must add up to exactly %(total)d (they add up to %(sum)d).")
                              % {"total": ALLOCATION_TOTAL, "sum": total})
    return Cleaned(question, value={code: value.get(code, 0) for code in items})


def _clean_pair(question, value) -> Cleaned:
    low, high = scale(question)
    if not isinstance(value, dict) or set(value) != {"performance", "importance"}:
        raise ValidationError(_("Rate both how well it was done and how important it is to you."))
    return Cleaned(question, value={part: _score(value[part], low, high) for part in ("performance", "importance")})


def clean_one(question: Question, value) -> Cleaned:
    """The answer to one question, or ``ValidationError`` (a message for that question)."""
    if value is None:
        return Cleaned(question)
    kind = question.kind
    if kind in (QuestionKind.NPS, QuestionKind.RATING):
        return Cleaned(question, number=float(_score(value, *scale(question))))
    if kind == QuestionKind.SINGLE:
        return _clean_single(question, value)
    if kind == QuestionKind.MULTIPLE:
        return _clean_multiple(question, value)
    if kind == QuestionKind.TEXT:
        return _clean_text(question, value)
    if kind == QuestionKind.KANO:
        return _clean_kano(question, value)
    if kind == QuestionKind.ALLOCATION:
        return _clean_allocation(question, value)
    if kind == QuestionKind.PERFORMANCE_IMPORTANCE:
        return _clean_pair(question, value)
    raise ValidationError(_("This question cannot be answered."))  # pragma: no cover - a kind without a rule


def clean(questions: Iterable[Question], answers: dict) -> dict[str, Cleaned]:
    """Every answer of ``answers`` checked against ``questions`` (one version's): ``{code:
    Cleaned}``; a code that is not one of these questions (another survey's) is refused too.
    All refusals are collected, then raised together as one ``ValidationError`` by code."""
    by_code = {question.code: question for question in questions}
    errors, cleaned = {}, {}
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Send the answers as an object of question codes.")})
    if len(answers) > MAX_ANSWERS:
        raise ValidationError({"answers": _("Too many answers.")})
    for code, value in answers.items():
        question = by_code.get(code)
        if question is None:
            errors[str(code)[:60]] = _("This is not a question of this survey.")
            continue
        try:
            cleaned[code] = clean_one(question, value)
        except ValidationError as exc:
            errors[code] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


def missing_required(questions: Iterable[Question], answered: Iterable[str]) -> dict[str, str]:
    """The required questions left unanswered (checked on the final submit only)."""
    answered = set(answered)
    return {question.code: _("Please answer this question.") for question in questions
            if question.required and question.code not in answered}


def respondent_language(invitation, channel_settings=None) -> str:
    """The language the respondent reads: the customer's own, else the dealer's default language
    for messages (channels settings, read here unless given), else the site's (zh-hans)."""
    from django.conf import settings

    from retain.channels.models import settings_for

    known = {code for code, _name in settings.LANGUAGES}
    customer = invitation.customer
    if customer is not None and customer.language in known:
        return customer.language
    default = (channel_settings or settings_for(invitation.dealer_id)).default_language
    return default if default in known else settings.LANGUAGE_CODE
