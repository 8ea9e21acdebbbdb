"""The survey definition pages: the list, one survey (its questions as the customer sees them,
its versions), one version, the edit page (name and questions), and the buttons that install
the presets, copy a group survey for a dealer and switch a survey on or off. Thin: parse the
form, call ``surveys.services.definitions``, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.org.policy import Action, Scope, allowed, dealers_in_scope, require, scope_of
from retain.web.pages import error_dict

from ..access import access_survey, visible_surveys
from ..definitions import KANO_ANSWER_LABELS, PAIR_PARTS
from ..forms import DealerChoiceForm, QuestionForm, QuestionFormSet, SurveyForm
from ..models import Question, SurveyVersion
from ..services import definitions as services
from ..texts import localised

PREFIX = "q"


def _may_manage(actor, survey) -> bool:
    return visible_surveys(actor, Action.MANAGE_SURVEYS).filter(pk=survey.pk).exists()


def _copy_dealers(actor, survey):
    """The dealers the actor could copy this group survey for (none for a dealer's own survey)."""
    if survey.dealer_id is not None or not allowed(actor, Action.MANAGE_SURVEYS):
        return []
    return list(dealers_in_scope(actor, Action.MANAGE_SURVEYS).filter(region__group_id=survey.group_id)
                .order_by("name"))


@login_required
def survey_list(request):
    """Every survey the reader may see: the group's and their dealers' own."""
    require(request.user, Action.VIEW_SURVEYS)
    surveys = (visible_surveys(request.user).select_related("dealer", "current_version")
               .annotate(question_count=Count("current_version__questions"))
               .order_by(F("dealer__name").asc(nulls_first=True), "kind", "id"))
    manage = allowed(request.user, Action.MANAGE_SURVEYS)
    install_form = None
    if manage:
        dealers = dealers_in_scope(request.user, Action.MANAGE_SURVEYS).order_by("name")
        install_form = DealerChoiceForm(dealers=dealers,
                                        whole_group=scope_of(request.user, Action.MANAGE_SURVEYS) is Scope.GROUP,
                                        auto_id="install_%s")
    return render(request, "surveys/list.html", {"surveys": surveys, "install_form": install_form})


@login_required
@require_POST
def install_presets(request):
    """The presets the group (or the chosen dealer) lacks."""
    require(request.user, Action.MANAGE_SURVEYS)
    dealers = dealers_in_scope(request.user, Action.MANAGE_SURVEYS)
    form = DealerChoiceForm(request.POST, dealers=dealers,
                            whole_group=scope_of(request.user, Action.MANAGE_SURVEYS) is Scope.GROUP)
    if not form.is_valid():
        raise Http404(_("No such dealer."))
    before = visible_surveys(request.user).count()
    services.install_presets(actor=request.user, dealer_id=form.cleaned_data["dealer"])
    added = visible_surveys(request.user).count() - before
    messages.success(request, _("%(n)d preset surveys added.") % {"n": added} if added
                     else _("Every preset is already there."))
    return redirect("surveys:list")


def _versions(survey):
    return (SurveyVersion.objects.filter(survey=survey).select_related("created_by")
            .annotate(question_count=Count("questions")).order_by("-number"))


@login_required
def survey_detail(request, survey_id):
    survey = access_survey(request.user, survey_id)
    version = survey.current_version
    return render(request, "surveys/survey.html", {
        "survey": survey, "version": version, **_preview(version), "versions": _versions(survey),
        "may_manage": _may_manage(request.user, survey),
        "copy_form": (DealerChoiceForm(dealers=dealers, auto_id="copy_%s")
                      if (dealers := _copy_dealers(request.user, survey)) else None)})


@login_required
def version_detail(request, survey_id, number):
    survey = access_survey(request.user, survey_id)
    version = SurveyVersion.objects.filter(survey=survey, number=number).select_related("created_by").first()
    if version is None:
        raise Http404(_("No such version."))
    return render(request, "surveys/version.html", {"survey": survey, "version": version, **_preview(version)})


def _preview(version) -> dict:
    """What shows a version's questions as the customer will see them, in the reader's language."""
    return {"questions": _questions(version), "kano_answers": list(KANO_ANSWER_LABELS.values()),
            "pi_parts": list(PAIR_PARTS.values()), "version_intro": localised(version.intro) if version else ""}


def _questions(version) -> list:
    """The version's questions, with their texts in the reader's language and the scale's points."""
    if version is None:
        return []
    shown = []
    for question in Question.objects.filter(version=version).order_by("position"):
        points = (list(range(question.scale_min, question.scale_max + 1))
                  if question.scale_min is not None and question.scale_max is not None else [])
        shown.append({
            "question": question, "text": localised(question.text), "points": points,
            "low": localised(question.low_label), "high": localised(question.high_label),
            "choices": [localised(option["text"]) for option in question.choices],
            "items": [{"code": option["code"], "text": localised(option["text"])} for option in question.items]})
    return shown


@login_required
def survey_edit(request, survey_id):
    """The survey's name, introduction and questions. "Add a question" shows one more empty
    question (nothing is saved); "Save" sends the whole set to the service, which makes a new
    version if the current one has been sent or answered."""
    survey = access_survey(request.user, survey_id, Action.MANAGE_SURVEYS)
    status = 200
    unplaced = []
    if request.method == "POST":
        data = request.POST.copy()
        if "add" in request.POST:
            try:
                total = int(data.get(f"{PREFIX}-TOTAL_FORMS", "0"))
            except ValueError:
                total = 0
            total = max(0, min(total, QuestionFormSet.absolute_max - 1))
            data[f"{PREFIX}-TOTAL_FORMS"] = str(total + 1)
            data.update({f"{PREFIX}-{total}-kind": "rating", f"{PREFIX}-{total}-role": "item",
                         f"{PREFIX}-{total}-scale": "1-10", f"{PREFIX}-{total}-required": "on",
                         f"{PREFIX}-{total}-position": str(total + 1)})
            form = SurveyForm(data)
            formset = QuestionFormSet(data, prefix=PREFIX)
            return render(request, "surveys/edit.html", {"survey": survey, "form": form, "formset": formset,
                                                         "unplaced": [], "added": total})
        form = SurveyForm(data)
        formset = QuestionFormSet(data, prefix=PREFIX)
        if form.is_valid() and formset.is_valid():
            kept = [qform for qform in formset.forms
                    if not qform.cleaned_data.get("DELETE") and not qform.is_blank()]
            try:
                before = survey.current_version_id
                survey = services.edit_survey(actor=request.user, survey_id=survey.pk,
                                              questions=[qform.question() for qform in kept], **form.values())
            except ValidationError as exc:
                unplaced = _place_errors(exc, form, kept)
            else:
                if survey.current_version_id != before:
                    messages.success(request, _("Saved as version %(n)d: the earlier version had been sent, so it "
                                                "is kept as it was.") % {"n": survey.current_version.number})
                else:
                    messages.success(request, _("Survey saved."))
                return redirect("surveys:survey", survey_id=survey.pk)
        else:
            unplaced = list(formset.non_form_errors())
        status = 422
    else:
        form = SurveyForm(initial=SurveyForm.initial_for(survey))
        rows = [QuestionForm.initial_for(row) for row in _rows(survey.current_version)]
        formset = QuestionFormSet(initial=rows, prefix=PREFIX)
    return render(request, "surveys/edit.html", {"survey": survey, "form": form, "formset": formset,
                                                 "unplaced": unplaced}, status=status)


def _rows(version):
    from ..definitions import version_rows

    return version_rows(version) if version else []


def _place_errors(exc: ValidationError, form: SurveyForm, kept: list) -> list[str]:
    """The service's refusal beside the fields it names; answers what has no field."""
    unplaced = []
    for key, errors in error_dict(exc).items():
        parts = key.split(".")
        if parts[0] in ("name", "intro"):
            form.add_error(f"{parts[0]}_zh", errors)
        elif parts[0] == "questions" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(kept):
            qform = kept[int(parts[1])]
            field = QuestionForm.ERROR_FIELDS.get(parts[2], parts[2])
            qform.add_error(field if field in qform.fields else None, errors)
        else:
            unplaced += errors
    return unplaced


@login_required
@require_POST
def survey_copy(request, survey_id):
    """The chosen dealer's own copy of a group survey; on to its page."""
    survey = access_survey(request.user, survey_id)
    require(request.user, Action.MANAGE_SURVEYS)
    form = DealerChoiceForm(request.POST, dealers=_copy_dealers(request.user, survey))
    if not form.is_valid():
        raise Http404(_("No such dealer."))
    try:
        copy = services.copy_survey(actor=request.user, survey_id=survey.pk, dealer_id=form.cleaned_data["dealer"])
    except ValidationError as exc:
        for errors in error_dict(exc).values():
            for error in errors:
                messages.error(request, error)
        return redirect("surveys:survey", survey_id=survey.pk)
    messages.success(request, _("Copied for %(dealer)s: this is the dealer's own survey now.")
                     % {"dealer": copy.dealer.name})
    return redirect("surveys:survey", survey_id=copy.pk)


@login_required
@require_POST
def survey_active(request, survey_id):
    """Switch a survey on (``active=1``) or off."""
    active = request.POST.get("active") == "1"
    survey = services.set_active(actor=request.user, survey_id=survey_id, active=active)
    messages.success(request, _("Survey switched on.") if survey.active else _("Survey switched off."))
    return redirect("surveys:survey", survey_id=survey.pk)
