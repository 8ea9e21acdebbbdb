"""The ``retain`` console script."""

import pytest

from retain.cli import main, parser
from retain.customers.models import Classification, TransactionKind
from retain.insights.models import ANALYSES
from retain.org.models import ApiToken, Staff
from tests.conftest import make_customer


def test_token_prints_a_working_token(org, capsys, client):
    make_customer(dealer=org.d1, owner=org.staff["consultant"], name="甲")
    make_customer(dealer=org.d1, owner=org.staff["colleague"], name="乙")
    main(["token", "consultant"])
    token = capsys.readouterr().out.strip()
    assert ApiToken.staff_for(token) == org.staff["consultant"]
    body = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [item["name"] for item in body["items"]] == ["甲"]


def test_token_for_unknown_user_exits_with_a_message(org):
    with pytest.raises(SystemExit) as exited:
        main(["token", "nobody"])
    assert "nobody" in str(exited.value)


def test_demo_arguments():
    args = parser().parse_args(["demo", "--scale", "medium", "--seed", "7", "--no-serve", "--port", "9000"])
    assert (args.scale, args.seed, args.no_serve, args.port) == ("medium", 7, True, 9000)



def test_demo_refuses_an_unknown_scale_before_touching_the_database(org):
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--scale", "huge", "--no-serve"])
    assert "huge" in str(exited.value) and "small" in str(exited.value)
    assert Staff.objects.filter(pk=org.staff["consultant"].pk).exists()


def test_analyze_choices_are_the_enums_not_retyped_strings():
    """``--kind`` offers the transaction kinds, ``--classification`` the customer classes."""
    actions = {action.dest: action for action in parser()._subparsers._group_actions[0].choices["analyze"]._actions}
    assert actions["kind"].choices == [*TransactionKind.values, "all"]
    assert actions["classification"].choices == Classification.values
    assert actions["analysis"].choices == [*ANALYSES, "all"]
    with pytest.raises(SystemExit):
        parser().parse_args(["analyze", "all", "--kind", "servce"])
