"""Shared fixtures: a small organisation with every role, built fresh for each test.

Layout::

    group G1 ── region RA ── dealer D1 (every dealer role + a second consultant "colleague")
             │            └─ dealer D2 (a consultant)
             └─ region RB ── dealer D3 (a consultant)
    group G2 ── region RC ── dealer D4 (a consultant)

plus ``region_manager`` of RA and ``group_admin`` of G1.
"""

import itertools
import os
from types import SimpleNamespace

import pytest
from hypothesis import settings as hypothesis_settings

from retain.customers.models import Customer
from retain.org.models import Dealer, DealerGroup, Department, DepartmentKind, Region, Role, Staff

# Browser tests run a live server in a thread; Django refuses sync DB access from an event loop
# otherwise (Playwright's sync API runs one).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests draw the same examples on every run: CI must not pass or fail by luck.
hypothesis_settings.register_profile("retain", derandomize=True, deadline=None)
hypothesis_settings.load_profile("retain")

#: Packages whose files share one fixture built once for the package (a demo): one unit of work
#: under pytest-xdist, so that one worker builds it once.
ONE_UNIT = ("tests/demo/small/",)
#: The longest units (minutes each: demos built, or on PostgreSQL fifty clients at once), handed
#: out first so that the workers end together; by count of tests, xdist's own order, they came
#: last and one worker ran them alone.
LONGEST_FIRST = ("tests/demo/test_build.py", "tests/demo/small/", "tests/api/test_fuzz.py",
                 "tests/loyalty/test_concurrency.py", "tests/demo/test_points_side_by_side.py")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """The README's test command spreads the suite over every core (pytest-xdist): each file's
    tests go to one worker, and the packages of ``ONE_UNIT`` whole, so that a fixture built for
    a module or a package (the demos, some two minutes each) is built once, not once a worker;
    the units of ``LONGEST_FIRST`` go out before the others."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFileAndSharedPackage(LoadScopeScheduling):
        ordered = False

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((unit for unit in ONE_UNIT if path.startswith(unit)), path)

        def _assign_work_unit(self, node) -> None:
            if not self.ordered:
                for unit in reversed(LONGEST_FIRST):
                    if unit in self.workqueue:
                        self.workqueue.move_to_end(unit, last=False)
                self.ordered = True
            super()._assign_work_unit(node)

    return ByFileAndSharedPackage(config, log)


PASSWORD = "correct-horse-42"
_mobiles = itertools.count(13800000001)

DEPARTMENT_OF = {
    Role.CONSULTANT: DepartmentKind.SALES,
    Role.SHOWROOM_MANAGER: DepartmentKind.SALES,
    Role.SALES_MANAGER: DepartmentKind.SALES,
    Role.SERVICE_ADVISOR: DepartmentKind.SERVICE,
    Role.SERVICE_MANAGER: DepartmentKind.SERVICE,
    Role.MARKETING: DepartmentKind.MARKETING,
    Role.DEALER_GM: DepartmentKind.MANAGEMENT,
}


#: Fast password hashing; tasks run inline where they are enqueued; a cache of the test's own;
#: English messages so assertions read the source strings (the zh-hans catalogue is checked on its
#: own in tests/web/test_i18n.py). Every test runs under them, and so is a demo built for many.
TEST_SETTINGS = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "LANGUAGE_CODE": "en",
    "PREPARED_CHECK": True,  # every prepared query compared with its queryset compiled anew (retain.prepared)
}


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, value)
    from django.core.cache import cache

    cache.clear()  # no figures carried from one test into the next
    from django.utils import translation

    with translation.override("en"):
        yield


def make_staff(username, role, *, group, dealer=None, region=None):
    staff = Staff(username=username, role=role, group=group, dealer=dealer,
                  region=dealer.region if dealer else region, first_name=username)
    if dealer is not None:
        staff.department = Department.objects.get_or_create(dealer=dealer, kind=DEPARTMENT_OF[role])[0]
    staff.set_password(PASSWORD)
    staff.save()
    return staff


def make_customer(*, dealer, owner=None, name="张三", **extra):
    """A customer written straight to the table (tests of services create theirs through them)."""
    mobile = extra.pop("mobile", f"+86{next(_mobiles)}")
    return Customer.objects.create(dealer=dealer, owner=owner, name=name, mobile=mobile, **extra)


@pytest.fixture
def org(db):
    g1, g2 = DealerGroup.objects.create(name="G1"), DealerGroup.objects.create(name="G2")
    ra = Region.objects.create(group=g1, code="RA", name="Region A")
    rb = Region.objects.create(group=g1, code="RB", name="Region B")
    rc = Region.objects.create(group=g2, code="RC", name="Region C")
    d1 = Dealer.objects.create(region=ra, code="D1", name="Dealer 1", city="上海")
    d2 = Dealer.objects.create(region=ra, code="D2", name="Dealer 2", city="杭州")
    d3 = Dealer.objects.create(region=rb, code="D3", name="Dealer 3", city="北京")
    d4 = Dealer.objects.create(region=rc, code="D4", name="Dealer 4", city="广州")
    staff = {role.value: make_staff(role.value, role, group=g1, dealer=d1) for role in DEPARTMENT_OF}
    staff["region_manager"] = make_staff("region_manager", Role.REGION_MANAGER, group=g1, region=ra)
    staff["group_admin"] = make_staff("group_admin", Role.GROUP_ADMIN, group=g1)
    staff["colleague"] = make_staff("colleague", Role.CONSULTANT, group=g1, dealer=d1)
    staff["d2_consultant"] = make_staff("d2_consultant", Role.CONSULTANT, group=g1, dealer=d2)
    staff["d3_consultant"] = make_staff("d3_consultant", Role.CONSULTANT, group=g1, dealer=d3)
    staff["d4_consultant"] = make_staff("d4_consultant", Role.CONSULTANT, group=g2, dealer=d4)
    return SimpleNamespace(groups=(g1, g2), regions=(ra, rb, rc), d1=d1, d2=d2, d3=d3, d4=d4, staff=staff)


@pytest.fixture(autouse=True, scope="session")
def _flushable_audit_log():
    """Let tests that flush the database (``transactional_db``, the browser tests' live server)
    empty the audit log and the points ledger on SQLite, where triggers refuse every DELETE on them.

    Test-only and narrow: around Django's flush, and only there, the trigger is dropped and then
    recreated from the SQL SQLite itself holds for it, so what the tests run against is exactly
    what ``migrate`` installed, and the application has no switch that turns the rule off.
    PostgreSQL needs nothing: flush uses TRUNCATE, which its row trigger does not see."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseOperations

    from retain.loyalty.append_only import SETTLEMENT_SQLITE
    from retain.loyalty.append_only import SQLITE_TRIGGERS as LEDGER_TRIGGERS
    from retain.org.append_only import SQLITE_TRIGGERS as AUDIT_TRIGGERS

    # the points ledger and the partners' closed months refuse DELETE as well
    SQLITE_TRIGGERS = {**AUDIT_TRIGGERS, **LEDGER_TRIGGERS, **SETTLEMENT_SQLITE}

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with self.connection.cursor() as cursor:
            names = ", ".join(f"'{name}'" for name in SQLITE_TRIGGERS)
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({names})")
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
        try:
            return original(self, sql_list)
        finally:
            with self.connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original
