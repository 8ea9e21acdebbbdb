"""Survey definitions: presets installed, a group survey copied for one dealer, a survey edited,
switched on or off (the policy's ``manage_surveys``).

The version rule: a version that anyone was invited to or answered is never changed again, so
every response keeps the exact questions it answered. Editing such a survey's questions or
introduction makes the next version (number + 1) current and leaves the old one as it was;
a version nobody was asked yet is edited in place. The current version's row is locked while
this is decided: on PostgreSQL an invitation or response being written at the same moment
holds a key-share lock on that row (its foreign key), so the two cannot cross.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer
from retain.org.policy import Action, Scope, dealers_in_scope, refusal, require

from .. import presets
from ..access import access_survey
from ..definitions import FIELDS, check_intro, check_name, check_questions, version_rows
from ..models import Invitation, Question, Response, Survey, SurveyKind, SurveyVersion


def create_questions(version, rows: list[dict]) -> list[Question]:
    """Write checked rows (``definitions.check_questions``) as the questions of ``version``."""
    return Question.objects.bulk_create([Question(version=version, **{name: row[name] for name in FIELDS})
                                         for row in rows])


def create_from_preset(*, group, dealer, preset, actor=None) -> Survey:
    """One survey of a preset (``presets.Preset``), with version 1 holding its questions. No
    check and no audit row: its callers (``install_unchecked``, the tests) do those."""
    survey = Survey.objects.create(group=group, dealer=dealer, kind=preset.kind, preset=preset.code,
                                   name=presets.texts(preset.name), audience=preset.audience)
    version = SurveyVersion.objects.create(survey=survey, number=1, intro=presets.texts(preset.intro),
                                           created_by=actor)
    create_questions(version, presets.question_rows(preset))
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


@transaction.atomic
def install_unchecked(*, actor=None, group, dealer=None) -> list[Survey]:
    """``presets.install``: the presets the owner lacks, without a permission check or an audit
    row. The group's row is locked so that two installs at once do not add a preset twice."""
    from retain.org.models import DealerGroup

    DealerGroup.objects.select_for_update().filter(pk=group.pk).first()
    have = {}
    for survey in Survey.objects.filter(group=group, dealer=dealer).exclude(preset="").order_by("id"):
        have.setdefault(survey.preset, survey)
    return [have.get(code) or create_from_preset(group=group, dealer=dealer, preset=preset, actor=actor)
            for code, preset in presets.PRESETS.items()]


def _dealer(actor, dealer_id) -> Dealer:
    """A dealer at which the actor manages surveys: 403 if nowhere, 404 if not this one."""
    require(actor, Action.MANAGE_SURVEYS)
    try:
        dealer_id = int(dealer_id)
    except (TypeError, ValueError):
        raise Http404(_("No such dealer."))
    dealer = dealers_in_scope(actor, Action.MANAGE_SURVEYS).filter(pk=dealer_id).select_related("region").first()
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer


@transaction.atomic
def install_presets(*, actor, dealer_id=None) -> list[Survey]:
    """Add the presets the owner lacks: the group's (``dealer_id`` None; the group's scope) or
    one dealer's. Answers the owner's preset surveys; one audit row naming those added."""
    if dealer_id is None:
        if require(actor, Action.MANAGE_SURVEYS) is not Scope.GROUP:
            raise PermissionDenied(refusal(Action.MANAGE_SURVEYS))
        group, dealer = actor.group, None
    else:
        dealer = _dealer(actor, dealer_id)
        group = dealer.region.group
    before = set(Survey.objects.filter(group=group, dealer=dealer).values_list("pk", flat=True))
    surveys = presets.install(group, dealer=dealer, actor=actor)
    added = [survey for survey in surveys if survey.pk not in before]
    if added:
        audit.record(actor=actor, action=AuditCode.SURVEY_INSTALL, object_type="survey",
                     object_id=",".join(str(survey.pk) for survey in added),
                     dealer_id=dealer.pk if dealer else None,
                     after={"presets": [survey.preset for survey in added], "dealer": dealer.name if dealer else ""})
    return surveys


@transaction.atomic
def copy_survey(*, actor, survey_id, dealer_id) -> Survey:
    """The dealer's own editable copy of a group survey: same kind, preset, name and questions
    (codes included), as its version 1. A dealer keeps one active copy per kind (custom
    surveys aside)."""
    source = access_survey(actor, survey_id)
    dealer = _dealer(actor, dealer_id)
    if source.dealer_id is not None:
        raise ValidationError({"survey": _("Only a survey of the whole group is copied for a dealer.")})
    if source.group_id != dealer.region.group_id:
        raise Http404(_("No such survey."))
    if source.kind != SurveyKind.CUSTOM and Survey.objects.filter(dealer=dealer, kind=source.kind,
                                                                  active=True).exists():
        raise ValidationError({"dealer": _("%(dealer)s already has its own survey of this kind.")
                               % {"dealer": dealer.name}})
    version = source.current_version
    copy = Survey.objects.create(group_id=source.group_id, dealer=dealer, kind=source.kind, preset=source.preset,
                                 name=dict(source.name), audience=source.audience)
    copied = SurveyVersion.objects.create(survey=copy, number=1, intro=dict(version.intro) if version else {},
                                          created_by=actor)
    rows = version_rows(version) if version else []
    create_questions(copied, rows)
    copy.current_version = copied
    copy.save(update_fields=["current_version"])
    audit.record(actor=actor, action=AuditCode.SURVEY_COPY, obj=copy,
                 after={"from": source.pk, "dealer": dealer.name, "kind": copy.kind,
                        "questions": [row["code"] for row in rows]})
    return copy


def _answered(version) -> bool:
    return (Invitation.objects.filter(version=version).exists()
            or Response.objects.filter(version=version).exists())


@transaction.atomic
def edit_survey(*, actor, survey_id, name=None, intro=None, questions=None) -> Survey:
    """Change a survey's name, introduction or questions (``None``: unchanged). Questions or
    introduction changed on a version someone was invited to or answered: a new version becomes
    current (``survey.version``); otherwise the current version is changed in place
    (``survey.edit``). Every problem is refused at once, nothing written."""
    survey = access_survey(actor, survey_id, Action.MANAGE_SURVEYS, for_update=True)
    errors = {}
    checked = {}
    for field, value, check in (("name", name, check_name), ("intro", intro, check_intro),
                                ("questions", questions, check_questions)):
        if value is None:
            continue
        try:
            checked[field] = check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    current = (SurveyVersion.objects.select_for_update().filter(pk=survey.current_version_id).first()
               if survey.current_version_id else None)
    old_rows = version_rows(current) if current else []
    old_intro = current.intro if current else {}
    new_rows = checked.get("questions", old_rows)
    new_intro = checked.get("intro", old_intro)
    before, after = {}, {}
    if "name" in checked and checked["name"] != survey.name:
        before["name"], after["name"] = survey.name, checked["name"]
        survey.name = checked["name"]
        survey.save(update_fields=["name"])
    content_changed = current is None or new_rows != old_rows or new_intro != old_intro
    code = AuditCode.SURVEY_EDIT
    if content_changed:
        if current is None or _answered(current):
            number = current.number + 1 if current else 1
            version = SurveyVersion.objects.create(survey=survey, number=number, intro=new_intro, created_by=actor)
            create_questions(version, new_rows)
            survey.current_version = version
            survey.save(update_fields=["current_version"])
            code = AuditCode.SURVEY_VERSION
        else:
            version = current
            version.questions.all().delete()
            create_questions(version, new_rows)
            if new_intro != old_intro:
                version.intro = new_intro
                version.save(update_fields=["intro"])
        before.update(version=current.number if current else None, questions=[row["code"] for row in old_rows])
        after.update(version=version.number, questions=[row["code"] for row in new_rows])
        if new_intro != old_intro:
            before["intro"], after["intro"] = old_intro, new_intro
    if after:
        audit.record(actor=actor, action=code, obj=survey, before=before, after=after)
    return survey


@transaction.atomic
def set_active(*, actor, survey_id, active: bool) -> Survey:
    """Switch a survey on or off (off: no new invitations to it; its answers stay)."""
    survey = access_survey(actor, survey_id, Action.MANAGE_SURVEYS, for_update=True)
    if not isinstance(active, bool):
        raise ValidationError({"active": _("Say yes or no.")})
    if survey.active != active:
        survey.active = active
        survey.save(update_fields=["active"])
        audit.record(actor=actor, action=AuditCode.SURVEY_ACTIVATE if active else AuditCode.SURVEY_DEACTIVATE,
                     obj=survey, before={"active": not active}, after={"active": active})
    return survey
