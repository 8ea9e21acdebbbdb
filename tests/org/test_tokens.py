"""API tokens (issue 7, A9): marked used one at a time, expiring, listed and revoked from the
command line, issue and revocation audited."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.cli import main
from retain.org import services
from retain.org.models import ApiToken, AuditEvent


def _get(client, raw):
    return client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_only_the_token_used_is_marked_used(org, client):
    used, used_raw = services.issue_token(actor=None, staff=org.staff["consultant"])
    other, _ = services.issue_token(actor=None, staff=org.staff["consultant"])
    assert _get(client, used_raw).status_code == 200
    used.refresh_from_db()
    other.refresh_from_db()
    assert used.last_used_at is not None and other.last_used_at is None


def test_tokens_expire_after_the_configured_days(org, client, settings):
    settings.API_TOKEN_DAYS = 30
    token, raw = services.issue_token(actor=None, staff=org.staff["consultant"])
    assert dt.timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert _get(client, raw).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _get(client, raw).status_code == 401


def test_issue_and_revoke_are_audited_and_a_revoked_token_is_refused(org, client):
    token, raw = services.issue_token(actor=org.staff["group_admin"], staff=org.staff["consultant"])
    issued = AuditEvent.objects.get(action="token.issue")
    assert issued.object_id == str(token.pk) and issued.actor == org.staff["group_admin"]
    assert issued.dealer == org.d1 and raw not in str(issued.after) and token.digest not in str(issued.after)
    services.revoke_token(actor=None, token_id=token.pk)
    assert _get(client, raw).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk)).count() == 1
    services.revoke_token(actor=None, token_id=token.pk)              # twice: no second row
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_command_lists_and_revokes(org, client, capsys):
    main(["token", "consultant"])
    raw = capsys.readouterr().out.strip()
    token = ApiToken.find(raw)
    main(["token", "consultant", "--list"])
    listing = capsys.readouterr().out
    assert f"{token.pk:>6}" in listing and "active" in listing and raw not in listing
    main(["token", "consultant", "--revoke", str(token.pk)])
    assert "revoked" in capsys.readouterr().out
    assert _get(client, raw).status_code == 401
    main(["token", "consultant", "--list"])
    assert "revoked" in capsys.readouterr().out
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["token.issue",
                                                                                        "token.revoke"]


def test_command_revokes_only_the_named_users_token(org):
    token, _ = services.issue_token(actor=None, staff=org.staff["colleague"])
    with pytest.raises(SystemExit) as exited:
        main(["token", "consultant", "--revoke", str(token.pk)])
    assert "No such token" in str(exited.value)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_of_inactive_staff_are_not_issued(org):
    org.staff["consultant"].is_active = False
    org.staff["consultant"].save()
    with pytest.raises(SystemExit):
        main(["token", "consultant"])
    assert not ApiToken.objects.exists()
