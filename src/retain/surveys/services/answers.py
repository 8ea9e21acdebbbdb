"""Answering a survey through its single-use link: partial saves and the final submit.

The token is the respondent's only credential: there is no actor (the audit row of a submit
names none). Twenty simultaneous submits with one token store one response: the invitation row
is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite every transaction takes the
database's write lock at ``BEGIN IMMEDIATE``, see settings), so the submits run one after the
other and all but the first find the link used; the one-response-per-invitation constraint is
the last guard (a duplicate insert becomes ``UsedLink``, never a server error).

A partial save ("save and continue later") stores what was answered so far, records that the
link was opened (the first POST, never the GET, since mail scanners prefetch links) and writes
one audit row (``response.save``: how many answers, not what they are). The submit checks every
answer and the required ones, computes the integrity flags (``surveys.integrity``), and in one
transaction marks the response submitted (``answered_on`` the dealer's local day), the
invitation answered, and writes one audit row (``response.submit``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from retain.channels.models import settings_for
from retain.channels.rules import local_day
from retain.org import audit
from retain.org.audit_codes import AuditCode

from .. import answering, hooks, integrity, tokens
from ..answering import Cleaned, ExpiredLink, UnknownLink, UsedLink
from ..models import Answer, Invitation, InvitationStatus, QuestionKind, Response, Review

#: A token is 43 URL-safe characters; anything far from that is not looked up.
_TOKEN_LENGTH = range(16, 129)
_CLOSED = (InvitationStatus.EXPIRED, InvitationStatus.WITHDRAWN)


def invitation_for(token, *, for_update: bool = False) -> Invitation:
    """The invitation a token opens, whatever its state; ``UnknownLink`` if none."""
    if not isinstance(token, str) or len(token) not in _TOKEN_LENGTH:
        raise UnknownLink()
    digest = tokens.digest(token)
    found = Invitation.objects.filter(Q(token_hash=digest) | Q(reminder_token_hash=digest))
    if for_update:
        found = found.select_for_update(of=("self",))
    invitation = found.select_related("survey", "version", "dealer", "customer").first()
    if invitation is None:
        raise UnknownLink()
    return invitation


def check_open(invitation: Invitation, now=None) -> None:
    """``UsedLink`` if answered, ``ExpiredLink`` if expired or withdrawn (or past its expiry,
    before the expiry job has marked it)."""
    now = now or timezone.now()
    if invitation.status == InvitationStatus.ANSWERED:
        raise UsedLink()
    if invitation.status in _CLOSED or invitation.expires_at <= now:
        raise ExpiredLink()


def saved_response(invitation: Invitation) -> Response | None:
    """The response saved before through this link (part way, or submitted), if any."""
    return Response.objects.filter(invitation=invitation).first()


def _stored(response: Response | None, questions: dict) -> dict[str, Cleaned]:
    if response is None or response.pk is None:
        return {}
    by_id = {question.pk: question for question in questions.values()}
    return {by_id[a.question_id].code: Cleaned(by_id[a.question_id], number=a.number, text=a.text, value=a.value)
            for a in response.answers.all() if a.question_id in by_id}


def scores_of(answers: dict[str, Cleaned]) -> dict[str, float]:
    """A response's ``scores``: its numeric answers (NPS, ratings) by question code."""
    return {code: answer.number for code, answer in answers.items() if answer.number is not None}


def _row(response: Response, cleaned: Cleaned) -> Answer:
    return Answer(response=response, question=cleaned.question, number=cleaned.number, text=cleaned.text,
                  value=cleaned.value)


@transaction.atomic
def save(*, actor=None, token, answers, submit: bool, request_info: integrity.RequestInfo | None = None) -> Response:
    """Store a respondent's answers (``{question_code: value}``) for the link ``token``; with
    ``submit`` the answers are final. ``actor`` is None: the respondent is whoever holds the token
    (a signed-in staff member's browser is in ``request_info``, for the staff_session flag). Raises ``UnknownLink``, ``UsedLink``, ``ExpiredLink``, or
    ``ValidationError`` by question code (in the respondent's language), with nothing written."""
    info = request_info or integrity.RequestInfo()
    invitation = invitation_for(token, for_update=True)
    now = timezone.now()
    response = saved_response(invitation)
    if response is not None and response.submitted_at is not None:
        raise UsedLink()
    check_open(invitation, now)
    dealer_settings = settings_for(invitation.dealer_id)
    language = info.language or answering.respondent_language(invitation, dealer_settings)
    questions = {question.code: question for question in invitation.version.questions.all()}
    with translation.override(language):
        cleaned = answering.clean(questions.values(), answers)
        merged = {**_stored(response, questions), **cleaned}
        merged = {code: answer for code, answer in merged.items() if not answer.empty}
        if submit:
            missing = answering.missing_required(questions.values(), merged)
            if missing:
                raise ValidationError(missing)
    existed = response is not None
    if response is None:
        response = Response(invitation=invitation, survey=invitation.survey, version=invitation.version,
                            dealer=invitation.dealer, customer=invitation.customer,
                            respondent_staff=invitation.respondent_staff, transaction_id=invitation.transaction_id,
                            vehicle_id=invitation.vehicle_id, staff_id=invitation.staff_id, started_at=now)
    response.language = language
    response.scores = scores_of(merged)
    if submit:
        response.flags = integrity.flags_for(response=response, cleaned=merged, info=info,
                                             token_digest=invitation.token_hash, now=now)
        response.submitted_at = now
        response.answered_on = local_day(dealer_settings, now)
        response.counted = not response.flags
        response.review = Review.PENDING if response.flags else ""
    try:
        response.save()
    except IntegrityError:
        # Another submit of this link won the race: the constraint's guard. No savepoint is
        # needed: nothing else runs in this transaction, which rolls back with the exception.
        raise UsedLink() from None
    if existed:  # what this save answers (or clears) replaces what was saved before
        response.answers.filter(question__code__in=list(cleaned)).delete()
    Answer.objects.bulk_create([_row(response, answer) for code, answer in cleaned.items() if not answer.empty])
    fields = []
    if invitation.opened_at is None:
        invitation.opened_at, fields = now, ["opened_at"]
    if submit:
        invitation.status, invitation.answered_at = InvitationStatus.ANSWERED, now
        fields += ["status", "answered_at"]
    if fields:
        invitation.save(update_fields=fields)
    after = {"invitation_id": invitation.pk, "survey_id": invitation.survey_id,
             "version": invitation.version.number, "answers": len(merged)}
    if submit:
        after.update(flags=response.flags, counted=response.counted)
    audit.record(actor=actor, action=AuditCode.RESPONSE_SUBMIT if submit else AuditCode.RESPONSE_SAVE,
                 obj=response, after=after)
    if submit and response.counted:
        hooks.counted(response)
    return response


def answers_of(response: Response | None) -> dict:
    """A saved response's answers as the page and the API take them: ``{code: value}``."""
    if response is None:
        return {}
    values = {}
    for answer in response.answers.select_related("question"):
        kind = answer.question.kind
        if kind in (QuestionKind.NPS, QuestionKind.RATING):
            values[answer.question.code] = None if answer.number is None else int(answer.number)
        elif kind in (QuestionKind.SINGLE, QuestionKind.TEXT):
            values[answer.question.code] = answer.text
        else:
            values[answer.question.code] = answer.value
    return values
