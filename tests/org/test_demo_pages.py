"""Every kind of page opens for every kind of demo record (issue 7, A12: 624 of the 626 seeded
daily reports answered 500). A tiny demo is generated and loaded as ``retain demo`` does; each
demo login of dealer D01 opens the lists and, through its doors, the records of every kind it
may see: every daily report, every event, and a customer card and a prospect of every
classification and status. None may answer a server error; a record in scope answers 200.
"""

import numpy as np
from django.utils import timezone

from retain.bulk import load
from retain.care.access import visible_tasks, visible_vip_files
from retain.customers.access import visible_customers
from retain.demo import generate as g
from retain.demo import truth
from retain.demo.care import add_care
from retain.org.models import Staff
from retain.sales import access

TINY = g.Scale(regions=2, dealers=3, customers=2_000)
LOGINS = ("admin", "region1", "gm1", "sales1", "showroom1", "consultant1", "service1", "servicemgr1", "marketing1")
LISTS = ("/customers/", "/customers/recheck/", "/sales/today/", "/sales/prospects/", "/sales/visits/", "/sales/reports/daily/",
         "/sales/showroom/traffic/", "/sales/prospects/contact-status/", "/sales/lost-sales/", "/sales/targets/",
         "/sales/funnel/", "/sales/events/", "/sales/cadence/", "/org/audit/", "/org/reassign/", "/customers/imports/",
         "/api/v1/customers", "/api/v1/prospects", "/api/v1/reports/daily", "/api/v1/events", "/api/v1/today",
         "/channels/outbox/", "/api/v1/messages",
         "/care/tasks/", "/care/tasks/?due=all", "/care/team/", "/care/rules/", "/care/vip/", "/home/service/",
         "/api/v1/tasks?due=all")


def _first_of_each(queryset, field):
    """One record per value of ``field`` (a classification, a status)."""
    firsts = {}
    for pk, value in queryset.order_by("pk").values_list("pk", field).iterator():
        firsts.setdefault(value, pk)
    return sorted(firsts.values())


def _records(user):
    reports = access.visible_reports(user)
    if user.username != "admin":  # everyone else: one report of each status
        reports = reports.filter(pk__in=_first_of_each(reports, "status"))
    return {
        "customer": (_first_of_each(visible_customers(user, include_merged=True), "classification"),
                     ("/customers/{}/", "/api/v1/customers/{}")),
        "prospect": (_first_of_each(access.visible_prospects(user), "status"),
                     ("/sales/prospects/{}/", "/api/v1/prospects/{}")),
        "daily report": (list(reports.values_list("pk", flat=True)),
                         ("/sales/reports/daily/{}/", "/api/v1/reports/daily/{}")),
        "event": (list(access.visible_events(user).values_list("pk", flat=True)),
                  ("/sales/events/{}/", "/api/v1/events/{}")),
        "care task": (_first_of_each(visible_tasks(user), "kind"), ("/care/tasks/{}/",)),
        "VIP file": (list(visible_vip_files(user).values_list("customer_id", flat=True)[:20]), ("/care/vip/{}/",)),
    }


def test_every_kind_of_page_opens_for_every_demo_record(db, client):
    today = max(timezone.localdate(), truth.OBSERVATION_END)
    data = g.generate(TINY, 1, "!", today=today)
    add_care(data, np.random.default_rng(1), today)
    load(data.tables)
    assert access.visible_reports(Staff.objects.get(username="admin")).count() == data.count("sales.DailyReport")
    opened = {}
    for username in LOGINS:
        user = Staff.objects.get(username=username)
        client.force_login(user)
        for url in LISTS:
            response = client.get(url)
            assert response.status_code < 500, (username, url, response.status_code)
        for kind, (ids, pages) in _records(user).items():
            for pk in ids:
                for page in pages:
                    response = client.get(page.format(pk))
                    assert response.status_code == 200, (username, kind, page.format(pk), response.status_code)
                opened[kind] = opened.get(kind, 0) + 1
    # Every report was opened (as admin), and the crawl met every kind of record.
    assert opened["daily report"] >= data.count("sales.DailyReport")
    assert all(opened.get(kind) for kind in ("customer", "prospect", "event", "care task", "VIP file"))
