"""The policy table's own shape: one row per action, a scope per role, one refusal per action in
the reader's language, and no role named anywhere else in the apps."""

import re
from pathlib import Path

from django.utils import translation

from retain.org.models import Role
from retain.org.policy import POLICY, ROLES, Action, Scope, refusal

SRC = Path(__file__).resolve().parents[2] / "src" / "retain"
#: Where roles may be named: the organisation (the table itself, staff) and the demo's cast.
ROLE_HOMES = ("org", "demo")
# A survey question's ``role`` (``QuestionRole``: item, outcome...) is not a staff role.
NAMES_A_ROLE = re.compile(r"\bRole\.[A-Z]|\.role\s*(==|!=|\bin\b)(?!\s*QuestionRole)|role__in|role=(?!QuestionRole)")


def test_every_role_has_a_scope_for_every_action():
    assert set(ROLES) == set(Role)
    assert {(role, action) for role in Role for action in Action} == set(POLICY)
    assert all(isinstance(scope, Scope) for scope in POLICY.values())


def test_a_refusal_names_the_action_in_the_readers_language():
    with translation.override("en"):
        assert refusal(Action.SIGN_REPORT) == "You may not sign daily business reports."
    with translation.override("zh-hans"):
        assert refusal(Action.SIGN_REPORT) == "您无权签核营业日报表。"


def test_no_app_keeps_a_role_list_of_its_own():
    """Role rules live in org/policy.py; a view, form or service that names a role is a second
    table that will drift (issue 7, B1)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC)
        if relative.parts[0] in ROLE_HOMES or "migrations" in relative.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if NAMES_A_ROLE.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    for path in SRC.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.role\s*==|user\.role\b", line):
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert offenders == []
