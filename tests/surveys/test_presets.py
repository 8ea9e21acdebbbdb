"""The seven presets: the codes, kinds, scales, weights and roles fixed for every part and for
integrators, installed once per owner, with texts really written in both languages."""

import math
from pathlib import Path

import pytest

from retain.analytics.csi import AFTER_SALES_CSS_WEIGHTS
from retain.surveys import presets
from retain.surveys.definitions import check_questions
from retain.surveys.models import Question, Survey, SurveyVersion

DOCS = Path(__file__).resolve().parents[2] / "docs" / "surveys.md"

#: The contract of COMMON.md / docs/surveys.md, restated independently of presets.py.
EXPECTED = {
    "css_sales": ["attitude", "product_knowledge", "needs_advised", "test_drive_offered", "pleasant_delivery",
                  "contacted_after", "advisor_introduced", "revisit", "overall", "relative_advantage", "recommend",
                  "comment"],
    "css_after_sales": ["fixed_first_time", "no_rework", "value", "friendliness", "explained_why", "listened",
                        "explained_invoice", "returned_clean", "overall", "recommend", "importance", "comment"],
    "nps": ["recommend", "reason"],
    "loyalty": ["recommend_dealer", "buy_again_dealer", "service_at_dealer", "recommend_make", "buy_again_make"],
    "touchpoint": ["tp_first_contact", "tp_showroom", "tp_test_drive", "tp_negotiation", "tp_delivery",
                   "tp_first_service", "tp_repair", "tp_complaint", "tp_renewal"],
    "kano": ["kano_pickup", "kano_online_booking", "kano_video_diagnosis", "kano_loaner_car", "kano_lounge"],
    "staff": ["attitude", "product_knowledge", "needs_advised", "test_drive_offered", "pleasant_delivery",
              "contacted_after", "advisor_introduced", "comment"],
}
AFTER_SALES_WEIGHTS = {"fixed_first_time": .19, "no_rework": .17, "value": .14, "friendliness": .12,
                       "explained_why": .11, "listened": .11, "explained_invoice": .08, "returned_clean": .08}


def _questions(survey):
    return {q.code: q for q in Question.objects.filter(version=survey.current_version).order_by("position")}


def test_install_makes_one_survey_per_preset_with_version_one_and_the_fixed_codes(org):
    group = org.groups[0]
    surveys = presets.install(group)
    assert [s.preset for s in surveys] == list(EXPECTED)
    assert [s.kind for s in surveys] == list(EXPECTED)  # each preset's kind is its code
    for survey in surveys:
        assert survey.dealer is None and survey.active
        assert survey.current_version.number == 1
        assert list(_questions(survey)) == EXPECTED[survey.preset]
    assert Survey.objects.get(preset="staff", group=group).audience == "staff"


def test_install_is_idempotent_per_owner(org):
    group = org.groups[0]
    first = presets.install(group)
    again = presets.install(group)
    assert [s.pk for s in first] == [s.pk for s in again]
    assert Survey.objects.count() == 7 and SurveyVersion.objects.count() == 7
    own = presets.install(group, dealer=org.d1)  # a dealer's own set is another owner's
    assert {s.dealer_id for s in own} == {org.d1.pk}
    presets.install(group, dealer=org.d1)
    assert Survey.objects.count() == 14


def test_after_sales_weights_scales_and_required(org):
    survey = presets.install(org.groups[0])[1]
    questions = _questions(survey)
    weights = {code: q.weight for code, q in questions.items() if q.weight is not None}
    assert weights == pytest.approx(AFTER_SALES_WEIGHTS)
    assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9)
    # the same seed figures as the analytics library's, by position (its names are its own)
    assert sorted(weights.values(), reverse=True) == sorted(AFTER_SALES_CSS_WEIGHTS.values(), reverse=True)
    for code in AFTER_SALES_WEIGHTS:
        q = questions[code]
        assert (q.kind, q.role, q.scale_min, q.scale_max, q.required) == ("rating", "item", 1, 10, True)
    assert (questions["overall"].kind, questions["overall"].role, questions["overall"].scale_max) == \
        ("rating", "outcome", 10)
    assert (questions["recommend"].kind, questions["recommend"].scale_min, questions["recommend"].scale_max) == \
        ("nps", 0, 10)
    assert questions["overall"].required and questions["recommend"].required
    importance = questions["importance"]
    assert importance.kind == "allocation" and not importance.required
    assert [item["code"] for item in importance.items] == list(AFTER_SALES_WEIGHTS)
    assert (questions["comment"].kind, questions["comment"].required) == ("text", False)


def test_the_other_presets_scales_and_roles(org):
    by_preset = {s.preset: _questions(s) for s in presets.install(org.groups[0])}
    sales = by_preset["css_sales"]
    assert sum(q.weight for q in sales.values() if q.role == "item") == pytest.approx(1.0, abs=1e-6)
    assert {code for code, q in sales.items() if q.role == "outcome"} == {"revisit", "overall", "relative_advantage",
                                                                         "recommend"}
    assert sales["recommend"].kind == "nps" and sales["comment"].role == "reason" and not sales["comment"].required
    assert (by_preset["nps"]["recommend"].kind, by_preset["nps"]["reason"].role) == ("nps", "reason")
    for q in by_preset["loyalty"].values():
        assert (q.kind, q.role, q.scale_min, q.scale_max) == ("rating", "outcome", 1, 5)
        assert q.low_label["en"] == "Definitely will not" and q.high_label["en"] == "Definitely will"
        assert q.high_label["zh-hans"] == "一定会"
    for position, (code, q) in enumerate(by_preset["touchpoint"].items(), start=1):
        assert (q.position, q.role, q.touchpoint, q.required, q.scale_max) == \
            (position, "touchpoint", code.removeprefix("tp_"), False, 10)
    for q in by_preset["kano"].values():
        assert q.kind == "kano" and [side["code"] for side in q.items] == ["functional", "dysfunctional"]
    staff = by_preset["staff"]
    assert all(q.kind == "rating" and q.scale_max == 10 for code, q in staff.items() if code != "comment")


def test_every_text_is_in_both_languages_and_really_translated(org):
    for survey in presets.install(org.groups[0]):
        assert set(survey.name) == {"zh-hans", "en"} and survey.name["zh-hans"] != survey.name["en"]
        for q in _questions(survey).values():
            texts = [q.text, *(o["text"] for o in q.choices + q.items)]
            texts += [label for label in (q.low_label, q.high_label) if label]
            for text in texts:
                assert set(text) == {"zh-hans", "en"}, (survey.preset, q.code)
                assert text["zh-hans"] != text["en"], (survey.preset, q.code, text)
                assert any("\u4e00" <= ch <= "\u9fff" for ch in text["zh-hans"]), (survey.preset, q.code, text)


def test_every_preset_passes_its_own_checks():
    for preset in presets.PRESETS.values():
        rows = presets.question_rows(preset)
        assert check_questions(rows) == rows


def test_the_docs_list_every_preset_code():
    text = DOCS.read_text()
    for preset, codes in EXPECTED.items():
        assert f"`{preset}`" in text
        for code in codes:
            assert f"`{code}`" in text, (preset, code)
