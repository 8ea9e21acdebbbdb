"""The shared page helpers (``retain.web.pages``) and the pages that read dates through them."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from retain.web.pages import parse_date


@pytest.mark.parametrize("text, expected", [
    ("2025-03-17", dt.date(2025, 3, 17)), (" 2025-03-17 ", dt.date(2025, 3, 17)),
    (dt.date(2025, 3, 17), dt.date(2025, 3, 17)), ("1900-01-01", dt.date(1900, 1, 1)),
])
def test_parse_date_reads_dates(text, expected):
    assert parse_date(text, "day") == expected


@pytest.mark.parametrize("text", ["2025-02-30", "17.03.2025", "yesterday", "0001-01-01", "5621-01-01", 20250317,
                                  "2025-03-17T10:00"])
def test_parse_date_rejects_what_is_not_a_date_naming_the_field(text):
    with pytest.raises(ValidationError) as caught:
        parse_date(text, "day", default=dt.date(2025, 1, 1))
    assert list(caught.value.message_dict) == ["day"]


def test_parse_date_empty_gives_the_default_or_an_error():
    assert parse_date("", "day", default=dt.date(2025, 1, 1)) == dt.date(2025, 1, 1)
    assert parse_date(None, "day", default=dt.date(2025, 1, 1)) == dt.date(2025, 1, 1)
    with pytest.raises(ValidationError, match="Enter a date"):
        parse_date("  ", "day")


@pytest.mark.parametrize("query", ["?date=2025-02-30", "?date=tomorrow", "?date=0001-01-01"])
def test_daily_report_list_refuses_a_bad_date_instead_of_showing_today(org, client, query):
    client.force_login(org.staff["sales_manager"])
    response = client.get("/sales/reports/daily/list/" + query)
    assert response.status_code == 422
    assert "Enter a date" in response.content.decode()


def test_funnel_refuses_a_bad_date(org, client):
    client.force_login(org.staff["sales_manager"])
    response = client.get("/sales/funnel/?start=2025-13-01")
    assert response.status_code == 422 and "YYYY-MM-DD" in response.content.decode()
