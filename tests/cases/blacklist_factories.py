"""Blacklist entries for the cases tests, made through the services (the rules are theirs)."""

import datetime as dt

from django.utils import timezone

from retain.cases.services import blacklist as service
from tests.conftest import make_customer


def later(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def customer_of(org, owner="consultant", dealer=None, **extra):
    return make_customer(dealer=dealer or org.d1, owner=org.staff[owner] if owner else None, **extra)


def proposed(org, customer, *, by="consultant", reason="abuse", days=180):
    return service.propose(actor=org.staff[by], customer_id=customer.pk, reason=reason,
                           evidence="2026-11-02 在展厅辱骂并推搡销售顾问, 监控录像已存档.", expires_on=later(days))


def active(org, customer, *, by="consultant", approver="sales_manager", days=180):
    entry = proposed(org, customer, by=by, days=days)
    return service.approve(actor=org.staff[approver], entry_id=entry.pk)
