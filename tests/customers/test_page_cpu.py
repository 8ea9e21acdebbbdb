"""Django CPU per request of the card, today and start pages on the test organisation: a
measurement, not a check (skipped unless ``RETAIN_PAGE_CPU`` names a file to append the rows to).

Used for the README's before/after table (section Speed) where no large demo was at hand:
``RETAIN_PAGE_CPU=/tmp/cpu.txt python -m pytest -q tests/customers/test_page_cpu.py``, once per
tree, interleaved. Django's test instrumentation of template rendering is switched off (it copies
every context), so the figures are of the page, not of the test client.
"""

import datetime as dt
import os
import statistics
import time

import pytest
from django.db import connection
from django.template.base import Template
from django.test.utils import _TestState
from django.utils import timezone

from retain.customers import services
from retain.sales import services as sales_services
from tests.conftest import make_customer
from tests.customers.test_speed import _grow

OUT = os.environ.get("RETAIN_PAGE_CPU")


@pytest.mark.skipif(not OUT, reason="a measurement: set RETAIN_PAGE_CPU to a file to run it")
def test_page_cpu(org, client, monkeypatch):
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
    consultant = org.staff["consultant"]
    big = services.create_customer(actor=consultant, name="大", mobile="13600000002")
    _grow(org, big, 6)
    today = timezone.localdate()
    for i in range(45):
        c = make_customer(dealer=org.d1, owner=consultant, name=f"意向{i:02d}")
        sales_services.open_prospect(actor=consultant, customer_id=c.pk, grade="A", model_of_interest="朗逸",
                                     source="walk_in", first_contact=today - dt.timedelta(days=20 + i % 3))
    lines = []
    for username in ("consultant", "dealer_gm", "region_manager", "group_admin"):
        client.force_login(org.staff[username])
        for page, url in (("card", f"/customers/{big.pk}/"), ("today", "/sales/today/"), ("home", "/")):
            for _ in range(3):
                client.get(url, follow=True)
            seen = []

            def count(execute, sql, params, many, context, seen=seen):
                seen.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                response = client.get(url, follow=True)
            assert response.status_code == 200
            cpu = []
            for _ in range(15):
                started = time.process_time()
                client.get(url, follow=True)
                cpu.append((time.process_time() - started) * 1000)
            lines.append(f"{connection.vendor} | {username} | {page} | {statistics.median(cpu):.1f} | {len(seen)} | "
                         f"{len(response.content)}")
    with open(OUT, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
