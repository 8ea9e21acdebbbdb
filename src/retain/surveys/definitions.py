"""What makes a set of questions a survey one can send: the checks of a question set, and the
one shape in which questions travel between the pages, the API, the presets and the database.

A question travels as a dict with the ``Question`` model's field names::

    {"code": "fixed_first_time", "kind": "rating", "role": "item",
     "text": {"zh-hans": "…", "en": "…"}, "required": True, "scale_min": 1, "scale_max": 10,
     "low_label": {…}, "high_label": {…}, "choices": [{"code": …, "text": {…}}], "items": […],
     "weight": 0.19, "touchpoint": "", "position": 1}

``check_questions`` answers the normalised list (positions renumbered 1..n in the order given
by ``position``, texts stripped, the default end labels and Kano prompts filled in) or raises
``ValidationError`` naming each problem as ``questions.<index>.<field>`` (index counted from 0
in the list as sent) with a message that names the question by number and code. This module
writes nothing (``services.definitions`` does).

Languages: every text needs its Chinese (``zh-hans``: the customers' language by default); the
English is optional, and a reader in English sees the Chinese where it is missing
(``texts.localised``). The page recommends writing both.
"""

import math
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from retain.analytics.kano import ANSWERS as KANO_ANSWERS

from .models import Question, QuestionKind, QuestionRole

#: Bounds of a question set (issue 9; the forms and the API schema use the same numbers).
MAX_QUESTIONS = 60
MAX_CHOICES = 30
MAX_QUESTION_TEXT = 500
MAX_CHOICE_TEXT = 200
MAX_LABEL = 100
MAX_NAME = 200
MAX_INTRO = 2000
MAX_CODE = 40
MAX_TOUCHPOINT = 30
#: The scales a rating (or a performance-with-importance pair) may use.
SCALES = ((1, 5), (1, 10), (0, 10))
NPS_SCALE = (0, 10)
#: Weights of a weighted CSI sum to 1 within this.
WEIGHT_TOLERANCE = 1e-6

REQUIRED_LANGUAGE = "zh-hans"
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
CODE = re.compile(r"[a-z][a-z0-9_]*")

SCALED = {QuestionKind.NPS, QuestionKind.RATING, QuestionKind.PERFORMANCE_IMPORTANCE}
WITH_CHOICES = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
WITH_ITEMS = {QuestionKind.ALLOCATION, QuestionKind.KANO}
KANO_SIDES = ("functional", "dysfunctional")
#: How each Kano answer reads (``retain.analytics.kano.ANSWERS`` order), on every page.
KANO_ANSWER_LABELS = dict(zip(KANO_ANSWERS, (
    gettext_lazy("I like it"), gettext_lazy("I expect it"), gettext_lazy("I am neutral"),
    gettext_lazy("I can live with it"), gettext_lazy("I dislike it")), strict=True))
#: The two scores of a performance-with-importance pair, in order.
PAIR_PARTS = {"performance": gettext_lazy("How well we did it"), "importance": gettext_lazy("How much it matters to you")}
FIELDS = ("position", "code", "kind", "role", "text", "required", "scale_min", "scale_max", "low_label",
          "high_label", "choices", "items", "weight", "touchpoint")


class _Problems:
    """Collects ``{key: message}`` for one question set."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def check_texts(value, *, limit: int, required: bool = True) -> tuple[dict, str | None]:
    """``{"zh-hans": …, "en": …}`` stripped, or the problem. Only the site's languages; the
    Chinese is required when ``required`` (an empty dict is fine otherwise)."""
    if value in (None, "") and not required:
        return {}, None
    if not isinstance(value, dict):
        return {}, _("Give the text as {\"zh-hans\": …, \"en\": …}.")
    unknown = sorted(str(key) for key in value if key not in LANGUAGES)
    if unknown:
        return {}, _("Unknown language “%(language)s”.") % {"language": unknown[0]}
    cleaned = {}
    for language in LANGUAGES:
        text = value.get(language, "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            return {}, _("Write the text as text.")
        if "\x00" in text:
            return {}, _("Null characters are not allowed.")
        text = text.strip()
        if len(text) > limit:
            return {}, _("Use at most %(n)d characters.") % {"n": limit}
        if text:
            cleaned[language] = text
    if cleaned and REQUIRED_LANGUAGE not in cleaned:
        return {}, _("Write the Chinese text; the English is optional.")
    if required and not cleaned:
        return {}, _("Write the text (in Chinese at least).")
    return cleaned, None


def _label(number: int, question: dict) -> str:
    code = question.get("code") if isinstance(question, dict) else None
    if isinstance(code, str) and code:
        return _("Question %(n)d (%(code)s)") % {"n": number, "code": code[:MAX_CODE]}
    return _("Question %(n)d") % {"n": number}


def _code_problem(code) -> str | None:
    if not isinstance(code, str) or not code:
        return _("Give a code.")
    if len(code) > MAX_CODE:
        return _("Use at most %(n)d characters.") % {"n": MAX_CODE}
    if not CODE.fullmatch(code):
        return _("Use lower-case letters, digits and _ only, starting with a letter.")
    return None


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_options(options, *, limit_text: int = MAX_CHOICE_TEXT) -> tuple[list, str | None]:
    """A list of ``{"code", "text"}`` with unique codes (2 to ``MAX_CHOICES``), or the problem."""
    if not isinstance(options, list):
        return [], _("Give a list of {\"code\", \"text\"}.")
    if len(options) > MAX_CHOICES:
        return [], _("At most %(n)d.") % {"n": MAX_CHOICES}
    cleaned, seen = [], set()
    for number, option in enumerate(options, start=1):
        if not isinstance(option, dict) or set(option) - {"code", "text"}:
            return [], _("Line %(n)d: give a code and a text.") % {"n": number}
        code = option.get("code")
        problem = _code_problem(code)
        if problem:
            return [], _("Line %(n)d: %(problem)s") % {"n": number, "problem": problem}
        if code in seen:
            return [], _("Line %(n)d: the code “%(code)s” is used twice.") % {"n": number, "code": code}
        seen.add(code)
        text, problem = check_texts(option.get("text"), limit=limit_text)
        if problem:
            return [], _("Line %(n)d: %(problem)s") % {"n": number, "problem": problem}
        cleaned.append({"code": code, "text": text})
    return cleaned, None


def _default_labels(kind: str) -> tuple[dict, dict]:
    from . import presets

    low, high = presets.LIKELY if kind == QuestionKind.NPS else presets.SATISFIED
    return presets.texts(low), presets.texts(high)


def _check_one(index: int, question, problems: _Problems) -> dict:
    """One question, normalised; its problems go to ``problems`` under ``questions.<index>.<field>``."""
    number = index + 1
    label = _label(number, question)

    def fail(field: str, message: str) -> None:
        problems.add(f"questions.{index}.{field}", f"{label}: {message}")

    if not isinstance(question, dict):
        fail("code", _("Give the question as an object."))
        return {}
    unknown = sorted(set(question) - set(FIELDS) - {"help"})
    if unknown:
        fail(unknown[0], _("This field cannot be set here."))
    row = {name: question.get(name) for name in FIELDS}

    problem = _code_problem(row["code"])
    if problem:
        fail("code", problem)
    if row["kind"] not in QuestionKind.values:
        fail("kind", _("Choose a kind of question."))
    if row["role"] in (None, ""):
        row["role"] = QuestionRole.ITEM
    if row["role"] not in QuestionRole.values:
        fail("role", _("Choose a role."))
    row["text"], problem = check_texts(row["text"], limit=MAX_QUESTION_TEXT)
    if problem:
        fail("text", problem)
    if row["required"] is None:
        row["required"] = True
    if not isinstance(row["required"], bool):
        fail("required", _("Say yes or no."))
    if row["position"] is not None and not (_whole(row["position"]) and 0 <= row["position"] <= 1000):
        fail("position", _("Enter a whole number from 0 to 1000."))
    kind = row["kind"]

    # scale and end labels
    low_high = (row["scale_min"], row["scale_max"])
    for name in ("low_label", "high_label"):
        row[name], problem = check_texts(row[name], limit=MAX_LABEL, required=False)
        if problem:
            fail(name, problem)
    if kind in SCALED:
        if kind == QuestionKind.NPS and low_high == (None, None):
            low_high = NPS_SCALE
        if not all(_whole(value) for value in low_high):
            fail("scale_max", _("Choose a scale: 1-5, 1-10 or 0-10."))
        elif kind == QuestionKind.NPS and low_high != NPS_SCALE:
            fail("scale_max", _("An NPS question is always scored 0 to 10."))
        elif kind != QuestionKind.NPS and low_high not in SCALES:
            fail("scale_max", _("Choose a scale: 1-5, 1-10 or 0-10."))
        row["scale_min"], row["scale_max"] = low_high
        if bool(row["low_label"]) != bool(row["high_label"]):
            fail("high_label" if row["low_label"] else "low_label", _("Label both ends of the scale, or neither."))
        elif not row["low_label"]:
            row["low_label"], row["high_label"] = _default_labels(kind)
    else:
        if low_high != (None, None):
            fail("scale_max", _("Only ratings and NPS questions have a scale."))
        if row["low_label"] or row["high_label"]:
            fail("low_label", _("Only ratings and NPS questions have end labels."))
        row["scale_min"] = row["scale_max"] = None

    # choices and items
    for name, kinds in (("choices", WITH_CHOICES), ("items", WITH_ITEMS)):
        value = row[name] if row[name] is not None else []
        if kind not in kinds:
            if value:
                fail(name, _("This kind of question has no %(what)s.") % {
                    "what": _("choices") if name == "choices" else _("items")})
            row[name] = []
            continue
        if kind == QuestionKind.KANO and value == []:
            from . import presets

            value = [{"code": side.code, "text": presets.texts(side.text)} for side in presets.KANO_SIDES]
        options, problem = check_options(value)
        if problem:
            fail(name, problem)
        elif kind == QuestionKind.KANO and [option["code"] for option in options] != list(KANO_SIDES):
            fail(name, _("A Kano pair has two lines: functional, then dysfunctional."))
        elif len(options) < 2:
            fail(name, _("Give at least two."))
        row[name] = options

    # weight
    weight = row["weight"]
    if weight is not None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) \
                or not 0 <= weight <= 1:
            fail("weight", _("Enter a weight from 0 to 1."))
        elif row["role"] != QuestionRole.ITEM or kind not in SCALED:
            fail("weight", _("Only scored items (role “attribute”) carry a weight."))
        else:
            row["weight"] = float(weight)

    # touchpoint
    touchpoint = row["touchpoint"] or ""
    if not isinstance(touchpoint, str):
        fail("touchpoint", _("Write the journey step as a code."))
        touchpoint = ""
    if row["role"] == QuestionRole.TOUCHPOINT:
        if not touchpoint and isinstance(row["code"], str) and row["code"].startswith("tp_"):
            touchpoint = row["code"][3:]
        if kind not in SCALED:
            fail("kind", _("A touchpoint is rated: use a rating or NPS question."))
        problem = _code_problem(touchpoint) if touchpoint else _("Name the step of the journey (a code).")
        if problem or len(touchpoint) > MAX_TOUCHPOINT:
            fail("touchpoint", problem or _("Use at most %(n)d characters.") % {"n": MAX_TOUCHPOINT})
    elif touchpoint:
        fail("touchpoint", _("Only touchpoint questions name a step of the journey."))
    row["touchpoint"] = touchpoint
    return row


def check_questions(questions) -> list[dict]:
    """The question set normalised, or ``ValidationError`` naming every problem found."""
    problems = _Problems()
    if not isinstance(questions, list):
        raise ValidationError({"questions": _("Give a list of questions.")})
    if not questions:
        raise ValidationError({"questions": _("A survey needs at least one question.")})
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": _("A survey has at most %(n)d questions.") % {"n": MAX_QUESTIONS}})
    rows = [_check_one(index, question, problems) for index, question in enumerate(questions)]
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        code = row.get("code")
        if isinstance(code, str) and code in seen:
            problems.add(f"questions.{index}.code", _("%(label)s: the code is already used by question %(n)d.") % {
                "label": _label(index + 1, row), "n": seen[code] + 1})
        elif isinstance(code, str):
            seen[code] = index
    problems.raise_if_any()

    scored = [(index, row) for index, row in enumerate(rows)
              if row["role"] == QuestionRole.ITEM and row["kind"] in SCALED]
    weighted = [row["weight"] for _index, row in scored if row["weight"] is not None]
    if weighted:
        missing = [index for index, row in scored if row["weight"] is None]
        for index in missing:
            problems.add(f"questions.{index}.weight", _("%(label)s: give every scored item a weight, or none.")
                         % {"label": _label(index + 1, rows[index])})
        if not missing and abs(sum(weighted) - 1) > WEIGHT_TOLERANCE:
            problems.add("questions", _("The items' weights add up to %(total)s; they must add up to 1.")
                         % {"total": f"{sum(weighted):.4g}"})
    problems.raise_if_any()

    order = sorted(range(len(rows)), key=lambda index: (rows[index]["position"] is None,
                                                         rows[index]["position"] or 0, index))
    return [{**rows[index], "position": position} for position, index in enumerate(order, start=1)]


def check_name(name) -> dict:
    texts, problem = check_texts(name, limit=MAX_NAME)
    if problem:
        raise ValidationError({"name": problem})
    return texts


def check_intro(intro) -> dict:
    texts, problem = check_texts(intro, limit=MAX_INTRO, required=False)
    if problem:
        raise ValidationError({"intro": problem})
    return texts


def question_dict(question: Question) -> dict:
    """A stored question in the travelling shape (what an edit starts from, what a copy copies)."""
    return {name: getattr(question, name) for name in FIELDS}


def version_rows(version) -> list[dict]:
    return [question_dict(question) for question in version.questions.order_by("position")]
