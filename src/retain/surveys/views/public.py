"""The public answer page (``/s/<token>/``): no login, a phone first, the customer's language.

GET shows the form and writes nothing (mail scanners prefetch links: opening is recorded with
the first POST). It embeds a signed stamp of when it served the form, which the submit reads
back to time the answers (``surveys.integrity``). POST is a normal form post with the CSRF
token: "save and continue later" stores what is answered so far, "submit" makes it final; a
refusal shows each message at its question and stores nothing. A used, expired, withdrawn or
unknown link answers a page of its own with 409, 410 or 404 (an unknown link says nothing
about any survey).

The language: ``?lang=`` (the switch on the page), else the customer's, else the dealer's
default for messages, else zh-hans. Text comes from the version's questions through
``texts.localised``. The page needs no script; a small static file adds the running total of
an allocation and a text's character count.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from retain.analytics.kano import ANSWERS as KANO_ANSWERS

from .. import answering, integrity
from ..answering import LinkError
from ..models import QuestionKind
from ..services import answers as answer_service
from ..services.answers import save as save_answers
from ..texts import localised

_NUMBER = re.compile(r"-?\d{1,4}")
_LANGUAGES = {code for code, _name in settings.LANGUAGES}
#: The switch's languages, in the language they name (a reader of the other finds theirs).
_SWITCH = (("zh-hans", "中文"), ("en", "English"))


def _language(request, invitation=None) -> str:
    asked = request.POST.get("lang") or request.GET.get("lang")
    if asked in _LANGUAGES:
        return asked
    return answering.respondent_language(invitation) if invitation is not None else settings.LANGUAGE_CODE


def _number(raw: str):
    """A score typed or picked on the page: a whole number, or the text itself (refused later)."""
    raw = raw.strip()
    return int(raw) if _NUMBER.fullmatch(raw) else raw


def _posted(post, question):
    """One question's answer from the form post, as the JSON API would send it (None: blank)."""
    code, kind = question.code, question.kind
    if kind in (QuestionKind.NPS, QuestionKind.RATING):
        raw = post.get(code, "")
        return _number(raw) if raw.strip() else None
    if kind == QuestionKind.MULTIPLE:
        return post.getlist(code) or None
    if kind in (QuestionKind.SINGLE, QuestionKind.TEXT):
        return post.get(code) or None
    if kind == QuestionKind.KANO:
        pair = {part: post.get(f"{code}.{part}", "") for part in ("functional", "dysfunctional")}
        return pair if any(pair.values()) else None
    if kind == QuestionKind.ALLOCATION:
        points = {item: post.get(f"{code}.{item}", "").strip() for item in _item_codes(question)}
        if not any(points.values()):
            return None
        return {item: _number(raw) if raw else 0 for item, raw in points.items()}
    if kind == QuestionKind.PERFORMANCE_IMPORTANCE:
        pair = {part: post.get(f"{code}.{part}", "").strip() for part in ("performance", "importance")}
        if not any(pair.values()):
            return None
        return {part: _number(raw) for part, raw in pair.items() if raw}
    return None  # pragma: no cover


def _item_codes(question) -> list[str]:
    return [item["code"] for item in question.items or [] if isinstance(item, dict) and "code" in item]


def _options(entries, language):
    return [{"code": entry.get("code"), "label": localised(entry.get("text"), language)}
            for entry in entries or [] if isinstance(entry, dict)]


def _kano_labels():
    labels = {"like": _("I like it"), "must-be": _("I expect it"), "neutral": _("I am neutral"),
              "live-with": _("I can live with it"), "dislike": _("I dislike it")}
    return [{"code": code, "label": labels[code]} for code in KANO_ANSWERS]


def _question_view(question, value, error, language):
    """What the template needs of one question."""
    low, high = answering.scale(question)
    view = {"code": question.code, "kind": question.kind, "text": localised(question.text, language),
            "help": localised(question.help, language), "required": question.required, "error": error,
            "value": value, "low_label": localised(question.low_label, language),
            "high_label": localised(question.high_label, language),
            "scores": [str(n) for n in range(low, high + 1)], "max_text": answering.MAX_TEXT}
    if question.kind in (QuestionKind.NPS, QuestionKind.RATING):
        view["value"] = "" if value is None else str(value)
    elif question.kind == QuestionKind.SINGLE:
        view["options"] = _options(question.choices, language)
    elif question.kind == QuestionKind.MULTIPLE:
        view["options"] = _options(question.choices, language)
        view["value"] = value if isinstance(value, list) else []
    elif question.kind == QuestionKind.KANO:
        answers = _kano_labels()
        pair = value if isinstance(value, dict) else {}
        feature = localised(question.text, language)
        view["halves"] = [
            {"part": "functional", "value": pair.get("functional", ""), "answers": answers,
             "prompt": _("If it has this: how do you feel?")},
            {"part": "dysfunctional", "value": pair.get("dysfunctional", ""), "answers": answers,
             "prompt": _("If it does not have this: how do you feel?")},
        ]
        view["text"] = feature
    elif question.kind == QuestionKind.ALLOCATION:
        points = value if isinstance(value, dict) else {}
        view["items"] = [{**item, "value": "" if points.get(item["code"]) in (None, "") else str(points[item["code"]])}
                         for item in _options(question.items, language)]
        view["total"] = answering.ALLOCATION_TOTAL
        view["sum"] = sum(v for v in points.values() if isinstance(v, int) and not isinstance(v, bool))
    elif question.kind == QuestionKind.PERFORMANCE_IMPORTANCE:
        pair = value if isinstance(value, dict) else {}
        view["halves"] = [{"part": "performance", "label": _("How well was it done?"),
                           "value": str(pair.get("performance", ""))},
                          {"part": "importance", "label": _("How important is it to you?"),
                           "value": str(pair.get("importance", ""))}]
    return view


def _closed(request, exc: LinkError, language: str):
    with translation.override(language):
        return render(request, "surveys/public/closed.html", {
            "reason": type(exc).__name__, "language": language, "switch": _SWITCH}, status=exc.status)


def _context(request, invitation, token, language, values, errors, *, saved=False):
    questions = list(invitation.version.questions.all())
    transaction = invitation.transaction
    vehicle = invitation.vehicle or (transaction.vehicle if transaction is not None else None)
    return {
        "invitation": invitation, "token": token, "language": language, "switch": _SWITCH,
        "survey_title": invitation.survey.title(language), "dealer": invitation.dealer,
        "intro": localised(invitation.version.intro, language), "vehicle": vehicle, "transaction": transaction,
        "served_by": invitation.staff.display_name if invitation.staff_id else "",
        "questions": [_question_view(q, values.get(q.code), errors.get(q.code, ""), language) for q in questions],
        "general_errors": [message for code, message in errors.items() if code not in {q.code for q in questions}],
        "stamp": integrity.stamp(invitation.token_hash), "saved": saved, "has_errors": bool(errors),
        "action": reverse("survey_answer", args=[token]),
    }


@never_cache  # saved answers are the respondent's: no shared or browser cache keeps the page
@require_http_methods(["GET", "HEAD", "POST"])
def answer(request, token):
    """The form of one link: shown (GET), saved part way or submitted (POST)."""
    try:
        invitation = answer_service.invitation_for(token)
    except LinkError as exc:
        return _closed(request, exc, _language(request))
    language = _language(request, invitation)
    try:
        answer_service.check_open(invitation)
    except LinkError as exc:
        return _closed(request, exc, language)
    invitation = (type(invitation).objects.select_related(
        "survey", "version", "dealer", "customer", "staff", "vehicle", "transaction__vehicle")
        .get(pk=invitation.pk))
    with translation.override(language):
        if request.method != "POST":
            saved = answer_service.answers_of(getattr(invitation, "response", None))
            context = _context(request, invitation, token, language, saved, {}, saved=request.GET.get("saved") == "1")
            return render(request, "surveys/public/answer.html", context)
        questions = list(invitation.version.questions.all())
        posted = {q.code: _posted(request.POST, q) for q in questions}
        submit = request.POST.get("do") == "submit"
        info = integrity.request_info(request, from_page=True, stamp=request.POST.get("served", ""),
                                      language=language)
        try:
            save_answers(actor=None, token=token, answers=posted, submit=submit, request_info=info)
        except LinkError as exc:
            return _closed(request, exc, language)
        except ValidationError as exc:
            errors = {code: " ".join(messages) for code, messages in exc.message_dict.items()}
            context = _context(request, invitation, token, language, posted, errors)
            return render(request, "surveys/public/answer.html", context, status=422)
        suffix = f"?lang={language}"
        if submit:
            return redirect(reverse("survey_thanks", args=[token]) + suffix)
        return redirect(reverse("survey_answer", args=[token]) + suffix + "&saved=1")


@never_cache
@require_http_methods(["GET", "HEAD"])
def thanks(request, token):
    """The thank-you page after a submit (a used link's own page: nothing else is shown)."""
    try:
        invitation = answer_service.invitation_for(token)
    except LinkError as exc:
        return _closed(request, exc, _language(request))
    language = _language(request, invitation)
    try:
        answer_service.check_open(invitation)
    except answering.UsedLink:
        with translation.override(language):
            return render(request, "surveys/public/thanks.html", {
                "dealer": invitation.dealer, "language": language, "switch": _SWITCH,
                "survey_title": invitation.survey.title(language)})
    except LinkError as exc:
        return _closed(request, exc, language)
    return redirect(reverse("survey_answer", args=[token]) + f"?lang={language}")
