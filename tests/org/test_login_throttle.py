"""Login throttling (issue 7, A4): django-axes per (username, address); every failure audited."""

import pytest
from django.conf import settings

from retain.org.models import AuditEvent
from tests.conftest import PASSWORD


def _login(client, username, password, address="127.0.0.1", **headers):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_twenty_wrong_passwords_then_the_right_one_is_refused(org, client):
    for _ in range(20):
        assert _login(client, "consultant", "wrong-password").status_code in (200, 429)
    response = _login(client, "consultant", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    assert "Too many failed logins" in response.content.decode()


def test_failed_logins_are_audited_without_the_password(org, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "consultant", "s3cret-guess", address="10.1.2.3")
    failed = AuditEvent.objects.filter(action="auth.login_failed")
    assert failed.count() == settings.AXES_FAILURE_LIMIT
    event = failed.first()
    assert event.after == {"username": "consultant"} and event.client_address == "10.1.2.3"
    assert event.object_id == str(org.staff["consultant"].pk) and event.dealer == org.d1
    assert not AuditEvent.objects.filter(note__contains="s3cret").exists()
    assert "s3cret" not in str(list(AuditEvent.objects.values_list("before", "after")))
    assert AuditEvent.objects.filter(action="auth.locked_out", object_id=str(org.staff["consultant"].pk)).count() == 1


def test_unknown_usernames_are_audited_too(org, client):
    _login(client, "nobody-here", "x")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.after == {"username": "nobody-here"} and event.object_id == "" and event.dealer is None


def test_other_users_and_other_addresses_are_not_affected(org, client):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _login(client, "consultant", "wrong-password", address="10.0.0.1")
    assert _login(client, "consultant", PASSWORD, address="10.0.0.1").status_code == 429
    assert _login(client, "colleague", PASSWORD, address="10.0.0.1").status_code == 302      # another user
    client.logout()
    assert _login(client, "consultant", PASSWORD, address="10.0.0.2").status_code == 302     # another address
    assert _signed_in(client)


@pytest.mark.parametrize("language, expected", [("zh-hans", "登录失败次数过多"), ("en", "Too many failed logins")])
def test_the_lockout_page_speaks_the_readers_language(org, client, language, expected):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "consultant", "wrong-password")
    response = _login(client, "consultant", PASSWORD, HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    assert response.status_code == 429 and expected in page and 'id="locked-out"' in page
    assert str(settings.AXES_FAILURE_LIMIT) in page
