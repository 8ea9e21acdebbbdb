"""The follow-up cadence: each grade gives the right next date, across month and year ends,
and a dealer's own table overrides the defaults for that dealer only."""

import datetime as dt

import pytest

from retain.sales.models import Cadence
from retain.sales.services.cadence import cadence_table, next_follow_up

D = dt.date


@pytest.mark.parametrize("grade, last, expected", [
    ("O", D(2026, 3, 2), D(2026, 3, 9)),     # weekly
    ("H", D(2026, 3, 2), D(2026, 3, 4)),     # every 2 days
    ("A", D(2026, 3, 2), D(2026, 3, 5)),     # every 3 days
    ("B", D(2026, 3, 2), D(2026, 3, 9)),     # weekly
    ("C", D(2026, 3, 2), D(2026, 3, 16)),    # every 2 weeks
    ("H", D(2026, 1, 30), D(2026, 2, 1)),    # across a month end
    ("A", D(2026, 2, 27), D(2026, 3, 2)),    # across February (28 days in 2026)
    ("A", D(2028, 2, 27), D(2028, 3, 1)),    # ... and in a leap year
    ("C", D(2026, 12, 25), D(2027, 1, 8)),   # across the year end
    ("O", D(2026, 4, 28), D(2026, 5, 5)),
])
def test_default_cadence(org, grade, last, expected):
    assert next_follow_up(org.d1.pk, grade, last) == expected


def test_a_dealer_can_set_its_own_cadence(org):
    Cadence.objects.create(dealer=org.d1, grade="H", days=1)
    Cadence.objects.create(dealer=org.d1, grade="C", days=10)
    assert next_follow_up(org.d1.pk, "H", D(2026, 5, 31)) == D(2026, 6, 1)
    assert next_follow_up(org.d1.pk, "C", D(2026, 5, 31)) == D(2026, 6, 10)
    assert next_follow_up(org.d2.pk, "H", D(2026, 5, 31)) == D(2026, 6, 2)  # other dealers keep the default
    assert cadence_table(org.d1.pk) == {"O": 7, "H": 1, "A": 3, "B": 7, "C": 10}


def test_unknown_grade_is_refused(org):
    with pytest.raises(ValueError, match="unknown grade"):
        next_follow_up(org.d1.pk, "X", D(2026, 1, 1))


def test_managers_set_the_cadence_over_the_api(org, client):
    from retain.org.models import AuditEvent

    client.force_login(org.staff["sales_manager"])
    table = client.put("/api/v1/cadence", {"dealer": "D1", "grade": "H", "days": 1}, content_type="application/json")
    assert table.status_code == 200 and table.json()["H"] == 1
    assert client.get("/api/v1/cadence?dealer=D1").json() == {"O": 7, "H": 1, "A": 3, "B": 7, "C": 14}
    assert AuditEvent.objects.filter(action="cadence.set").count() == 1
    bad = client.put("/api/v1/cadence", {"dealer": "D1", "grade": "H", "days": 0}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "days"
    assert client.put("/api/v1/cadence", {"dealer": "D4", "grade": "H", "days": 3},
                      content_type="application/json").status_code == 404  # another group's dealer
    client.force_login(org.staff["consultant"])
    assert client.put("/api/v1/cadence", {"dealer": "D1", "grade": "C", "days": 3},
                      content_type="application/json").status_code == 403
    assert Cadence.objects.get(dealer=org.d1).days == 1


def test_cadence_page(org, client):
    client.force_login(org.staff["sales_manager"])
    page = client.get("/sales/cadence/")
    assert page.status_code == 200 and 'value="14"' in page.content.decode()
    assert client.post("/sales/cadence/?dealer=D1", {"grade": "C", "days": "10"}).status_code == 302
    assert Cadence.objects.get(dealer=org.d1, grade="C").days == 10
    bad = client.post("/sales/cadence/?dealer=D1", {"grade": "C", "days": "0"})
    assert bad.status_code == 422 and Cadence.objects.get(dealer=org.d1, grade="C").days == 10
    client.force_login(org.staff["consultant"])
    page = client.get("/sales/cadence/").content.decode()
    assert 'name="days"' not in page and "<td>10</td>" in page
