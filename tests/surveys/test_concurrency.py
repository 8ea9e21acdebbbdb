"""Twenty simultaneous submits with one token store exactly one response; the other nineteen
are told the link is used (``UsedLink``), none fails otherwise. Real threads against the real
database: run this file on SQLite (default) and on PostgreSQL (``RETAIN_DATABASE_URL``)."""

import threading

import pytest
from django.db import connection

from retain.org import audit
from retain.org.models import AuditEvent
from retain.surveys.answering import UsedLink
from retain.surveys.models import Answer, Invitation, InvitationStatus, Response
from retain.surveys.services import answers as service
from tests.conftest import make_customer
from tests.surveys.factories_answer import ITEMS, after_sales_answers, make_invitation, make_survey

THREADS = 20


def _race(token, answers_for, *, submit=True):
    barrier, outcomes, lock = threading.Barrier(THREADS), [], threading.Lock()

    def one(k):
        try:
            barrier.wait(timeout=30)
            try:
                service.save(token=token, answers=answers_for(k), submit=submit)
                outcome = "stored"
            except UsedLink:
                outcome = "used"
            except Exception as exc:  # noqa: BLE001 - every other outcome is a failure to report
                outcome = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_submits_store_one_response(org):
    survey = make_survey(org.groups[0])
    invitation, token = make_invitation(survey, dealer=org.d1, customer=make_customer(dealer=org.d1))
    outcomes = _race(token, lambda k: after_sales_answers(score=1 + k % 10, comment=f"thread {k}"))
    assert sorted(outcomes) == ["stored"] + ["used"] * (THREADS - 1), outcomes
    response = Response.objects.get()
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Answer.objects.filter(response=response).count() == len(ITEMS) + 3  # one thread's answers only
    assert len({a.text for a in Answer.objects.filter(question__code="comment")}) == 1
    assert AuditEvent.objects.filter(action="response.submit").count() == 1
    assert audit.verify().ok  # the audit chain took one row, unbroken
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED and invitation.answered_at == response.submitted_at


@pytest.mark.django_db(transaction=True)
def test_simultaneous_partial_saves_make_one_response(org):
    survey = make_survey(org.groups[0])
    invitation, token = make_invitation(survey, dealer=org.d1)
    outcomes = _race(token, lambda k: {"overall": 1 + k % 10}, submit=False)
    assert outcomes == ["stored"] * THREADS
    assert Response.objects.filter(invitation=invitation, submitted_at__isnull=True).count() == 1
    assert Answer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_unique_constraint_is_the_last_guard(org, monkeypatch):
    """If the lock were bypassed and a submit did not see the stored response, inserting a second
    one breaks the one-response-per-invitation constraint: the link is used, not a server error."""
    survey = make_survey(org.groups[0])
    invitation, token = make_invitation(survey, dealer=org.d1)
    service.save(token=token, answers=after_sales_answers(), submit=True)
    Invitation.objects.filter(pk=invitation.pk).update(status=InvitationStatus.OPEN)  # as if not yet marked
    monkeypatch.setattr(service, "saved_response", lambda invitation: None)
    with pytest.raises(UsedLink):
        service.save(token=token, answers=after_sales_answers(score=3), submit=True)
    assert Response.objects.count() == 1 and AuditEvent.objects.filter(action="response.submit").count() == 1
