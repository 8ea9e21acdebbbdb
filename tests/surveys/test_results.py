"""The frames scoring reads: counted, submitted answers in the actor's scope, versions and dealer
copies read together by question code, each frame one query."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from retain.surveys import results
from retain.surveys.results import Filters
from tests.surveys import factories_analysis as fa

DAY = dt.date(2025, 3, 15)


def _filters(kind="nps", **extra):
    return Filters(kind, dt.date(2025, 1, 1), dt.date(2025, 3, 31), **extra)


def test_only_counted_submitted_answers_in_the_period_are_read(org):
    survey = fa.make_survey(org.groups[0], "nps")
    fa.plant(survey, org.d1, [{"recommend": 9}, {"recommend": 3}], days=[DAY, dt.date(2025, 1, 1)])
    fa.plant(survey, org.d1, [{"recommend": 10}], days=[DAY], counted=False)       # flagged, not kept
    fa.plant(survey, org.d1, [{"recommend": 10}], days=[DAY], submitted=False)     # saved part way
    fa.plant(survey, org.d1, [{"recommend": 10}], days=[dt.date(2025, 4, 1)])      # after the period
    frame = results.wide(org.staff["dealer_gm"], _filters(), ["recommend"])
    assert sorted(frame["recommend"]) == [3.0, 9.0]
    histogram = results.histogram(org.staff["dealer_gm"], _filters(), "recommend")
    assert histogram["n"].sum() == 2


def test_a_consultant_reads_the_answers_of_the_customers_they_served(org):
    survey = fa.make_survey(org.groups[0], "nps")
    fa.plant(survey, org.d1, [{"recommend": 9}] * 3, staff=org.staff["consultant"], days=[DAY] * 3)
    fa.plant(survey, org.d1, [{"recommend": 1}] * 2, staff=org.staff["colleague"], days=[DAY] * 2)
    fa.plant(survey, org.d1, [{"recommend": 5}], days=[DAY])  # nobody named as serving
    fa.plant(survey, org.d2, [{"recommend": 7}], staff=org.staff["d2_consultant"], days=[DAY])
    counts = {role: len(results.wide(org.staff[role], _filters(), ["recommend"]))
              for role in ("consultant", "colleague", "sales_manager", "region_manager", "group_admin")}
    assert counts == {"consultant": 3, "colleague": 2, "sales_manager": 6, "region_manager": 7, "group_admin": 7}
    assert len(results.wide(org.staff["d4_consultant"], _filters(), ["recommend"])) == 0  # another group
    served = results.wide(org.staff["sales_manager"], _filters(staff_id=org.staff["colleague"].pk), ["recommend"])
    assert list(served["recommend"]) == [1.0, 1.0]
    at_d2 = results.wide(org.staff["group_admin"], _filters(dealer_id=org.d2.pk), ["recommend"])
    assert list(at_d2["recommend"]) == [7.0]


def test_versions_and_dealer_copies_are_read_together_by_code(org):
    group = org.groups[0]
    survey = fa.make_survey(group, "nps")
    first = survey.current_version
    fa.plant(survey, org.d1, [{"recommend": 9}], days=[DAY])
    fa.make_survey(group, "nps", survey=survey, version=2)
    fa.plant(survey, org.d1, [{"recommend": 8}], days=[DAY])
    copy = fa.make_survey(group, "nps", dealer=org.d2)
    fa.plant(copy, org.d2, [{"recommend": 7}], days=[DAY])
    fa.plant(fa.make_survey(group, "css_sales"), org.d1, [{"recommend": 0}], days=[DAY])  # another kind
    frame = results.wide(org.staff["group_admin"], _filters(), ["recommend"])
    assert sorted(frame["recommend"]) == [7.0, 8.0, 9.0]
    assert first.pk != survey.current_version_id
    assert list(results.questions(org.staff["group_admin"], _filters())) == ["recommend", "reason"]


def test_a_wide_frame_is_one_query_of_one_row_per_response(org, django_assert_num_queries):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    codes = list(fa.AFTER_SALES_WEIGHTS) + ["overall"]
    fa.plant(survey, org.d1, [{c: 5 for c in codes}, {"overall": 3}] * 50, days=[DAY] * 100)
    admin = org.staff["group_admin"]
    results.wide(admin, _filters("css_after_sales"), codes)  # the door reads the group's dealer ids once
    with django_assert_num_queries(1):
        frame = results.wide(admin, _filters("css_after_sales"), codes)
    assert len(frame) == 100 and frame["overall"].notna().all()
    assert frame["value"].isna().sum() == 50  # unanswered stays missing, never 0
    assert list(frame.columns[:3]) == list(results.RESPONSE_COLUMNS)


@pytest.mark.parametrize("start, end, field", [(dt.date(1899, 12, 31), None, "from"),
                                               (None, dt.date(2101, 1, 1), "to"),
                                               (dt.date(2025, 3, 2), dt.date(2025, 3, 1), "to")])
def test_a_bad_period_names_its_field(start, end, field):
    with pytest.raises(ValidationError) as caught:
        results.period(start, end)
    assert field in caught.value.message_dict


def test_the_default_period_is_the_last_year():
    assert results.period(None, None, today=DAY) == (DAY - dt.timedelta(days=364), DAY)
