"""Reviewing flagged answers: the list of flagged responses in the manager's scope (waiting
first), each with why it was flagged, whom it is about and its answers; keep or exclude with a
note (``services.reviews.review``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.org.policy import Action, require
from retain.web.keyset import keyset_page
from retain.web.pages import error_dict

from ..access import access_response, visible_responses
from ..models import Answer, Flag, Review
from ..services import reviews as review_service
from ..texts import localised

PAGE_SIZE = 20
STATES = {"pending": [Review.PENDING], "done": [Review.KEPT, Review.EXCLUDED],
          "all": [Review.PENDING, Review.KEPT, Review.EXCLUDED]}


def flag_words(flags) -> list[str]:
    """The flags of a response in the reader's words."""
    labels = dict(Flag.choices)
    return [str(labels.get(flag, flag)) for flag in flags or []]


def answer_text(answer: Answer) -> str:
    """One answer as a reader reads it (a choice by its label, a pair by its parts)."""
    question = answer.question
    if answer.number is not None:
        return f"{answer.number:g}"
    if question.kind == "single":
        labels = {c.get("code"): localised(c.get("text")) for c in question.choices or [] if isinstance(c, dict)}
        return labels.get(answer.text, answer.text)
    if answer.text:
        return answer.text
    if isinstance(answer.value, list):
        labels = {c.get("code"): localised(c.get("text")) for c in question.choices or [] if isinstance(c, dict)}
        return ", ".join(labels.get(code, code) for code in answer.value)
    if isinstance(answer.value, dict):
        return ", ".join(f"{key}: {value}" for key, value in answer.value.items())
    return ""


def flagged(actor, state: str):
    return (visible_responses(actor, Action.REVIEW_RESPONSES)
            .filter(submitted_at__isnull=False, review__in=STATES.get(state, STATES["pending"]))
            .exclude(flags=[])
            .select_related("survey", "dealer", "staff", "customer", "reviewed_by"))


@login_required
def review_list(request):
    require(request.user, Action.REVIEW_RESPONSES)
    state = request.GET.get("state") if request.GET.get("state") in STATES else "pending"
    page = keyset_page(flagged(request.user, state), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=PAGE_SIZE, ordering=["-submitted_at", "-id"],
                       count=True)
    answers = {}
    for answer in (Answer.objects.filter(response__in=[r.pk for r in page])
                   .select_related("question").order_by("question__position")):
        answers.setdefault(answer.response_id, []).append(
            {"question": localised(answer.question.text), "value": answer_text(answer)})
    rows = [{"response": r, "flags": flag_words(r.flags), "answers": answers.get(r.pk, [])} for r in page]
    return render(request, "surveys/reviews.html", {
        "page": page, "rows": rows, "state": state, "query": f"state={state}",
        "states": [("pending", _("Waiting for review")), ("done", _("Reviewed")), ("all", _("All"))]})


@login_required
@require_POST
def review_response(request, response_id):
    response = access_response(request.user, response_id, Action.REVIEW_RESPONSES)
    decision = request.POST.get("decision")
    try:
        if decision not in ("keep", "exclude"):
            raise ValidationError({"keep": _("Choose keep or exclude.")})
        review_service.review(actor=request.user, response_id=response.pk, keep=decision == "keep",
                              note=request.POST.get("note", ""))
    except ValidationError as exc:
        for errors in error_dict(exc).values():
            messages.error(request, " ".join(errors))
        return render(request, "surveys/reviews.html", {
            "page": [], "rows": [], "state": "pending", "query": "state=pending", "states": [], "refused": True,
            "back": reverse("surveys:reviews")}, status=422)
    messages.success(request, _("Answers kept: they are counted.") if decision == "keep"
                     else _("Answers excluded: they are kept but not counted."))
    return redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/surveys/")
                    else reverse("surveys:reviews"))
