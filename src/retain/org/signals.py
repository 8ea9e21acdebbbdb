"""Sign-in events into the audit log (connected in ``OrgConfig.ready``).

Django sends ``user_login_failed`` for every refused login (wrong password, unknown user, or a
pair django-axes has locked out); django-axes sends ``user_locked_out`` when a pair reaches the
limit. Credentials arrive with the password already scrubbed; only the username is kept."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed

from . import services


def on_login_failed(sender, credentials=None, request=None, **kwargs):
    services.record_failed_login(username=(credentials or {}).get("username", ""))


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    services.record_lockout(username=username or "")


def connect() -> None:
    user_login_failed.connect(on_login_failed, dispatch_uid="org.audit_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="org.audit_locked_out")
