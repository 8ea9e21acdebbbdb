"""Referral codes, recording referrals (and each bad input), the referrer's record and the
influence-centre ranking against a planted truth (issue 11, item 5)."""

import datetime as dt
import math
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.customers.models import Customer
from retain.loyalty.models import CODE_ALPHABET, Referral, ReferralCode
from retain.loyalty.services import points, referrals
from retain.org.models import AuditEvent, Role
from retain.sales.models import Prospect, ProspectStatus
from tests.conftest import make_customer, make_staff


def _prospect(customer, *, won=False, first_contact=None):
    day = first_contact or timezone.localdate() - dt.timedelta(days=30)
    return Prospect.objects.create(
        customer=customer, dealer=customer.dealer, owner=customer.owner, grade="O" if won else "A",
        status=ProspectStatus.WON if won else ProspectStatus.OPEN, source="base_maintenance",
        model_of_interest="途观L", first_contact=day, last_contact=day, next_follow_up=day,
        delivered_on=day + dt.timedelta(days=10) if won else None)


@pytest.fixture
def gm(org):
    return org.staff["dealer_gm"]


@pytest.fixture
def owner(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="周新志")


# --- codes ---------------------------------------------------------------------------------------

def test_codes_are_short_unambiguous_unique_and_stable(org, gm):
    customers = [make_customer(dealer=org.d1, name=f"车主{i}") for i in range(200)]
    codes = [referrals.referral_code(actor=gm, customer_id=c.pk).code for c in customers]
    assert len(set(codes)) == 200
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", code) for code in codes)
    assert not set("01ILOU") & set("".join(codes))
    # asked again: the same code, no new row, one audit row per code made
    assert referrals.referral_code(actor=gm, customer_id=customers[0].pk).code == codes[0]
    assert ReferralCode.objects.count() == 200
    assert AuditEvent.objects.filter(action="referral.code").count() == 200


def test_codes_are_unguessable():
    """Drawn by ``secrets`` from 30 symbols: ~39 bits; in 20,000 draws every symbol appears at
    every position about equally (no position fixed, no sequence)."""
    draws = [referrals.new_code() for _ in range(20_000)]
    assert len(set(draws)) == len(draws)
    assert math.log2(len(CODE_ALPHABET) ** 8) > 39
    for position in range(8):
        counts = {symbol: 0 for symbol in CODE_ALPHABET}
        for code in draws:
            counts[code[position]] += 1
        expected = len(draws) / len(CODE_ALPHABET)
        chi2 = sum((n - expected) ** 2 / expected for n in counts.values())
        assert chi2 < 70  # 29 degrees of freedom: P(chi2 > 70) < 1e-4


def test_a_code_clash_draws_again(org, gm, monkeypatch):
    first, second = make_customer(dealer=org.d1, name="甲"), make_customer(dealer=org.d1, name="乙")
    ReferralCode.objects.create(customer=first, code="AAAAAAAA")
    draws = iter(["AAAAAAAA", "BBBBBBBB"])
    monkeypatch.setattr(referrals, "new_code", lambda: next(draws))
    assert referrals.referral_code(actor=gm, customer_id=second.pk).code == "BBBBBBBB"


# --- recording ---------------------------------------------------------------------------------

def test_recording_by_code_sets_referred_by_and_links_the_prospect(org, gm, owner):
    code = referrals.referral_code(actor=gm, customer_id=owner.pk).code
    friend = make_customer(dealer=org.d1, name="王小明")
    prospect = _prospect(friend)
    made = referrals.record_referral(actor=gm, customer_id=friend.pk, code=f" {code[:4].lower()}-{code[4:]} ")
    friend.refresh_from_db()
    assert friend.referred_by_id == owner.pk
    assert (made.referrer_id, made.prospect_id, made.referred_on, made.dealer_id) == (
        owner.pk, prospect.pk, prospect.first_contact, org.d1.pk)
    assert AuditEvent.objects.filter(action="referral.record", object_id=str(made.pk)).count() == 1
    assert AuditEvent.objects.filter(action="customer.credit_referral", object_id=str(friend.pk)).count() == 1
    # recorded again with the referrer picked: one referral, updated
    other = make_customer(dealer=org.d1, name="赵六")
    referrals.record_referral(actor=gm, customer_id=friend.pk, referrer_id=other.pk, prospect_id=prospect.pk)
    assert Referral.objects.get(customer=friend).referrer_id == other.pk


@pytest.mark.parametrize("case, field", [
    ("none", "code"), ("both", "referrer_id"), ("unknown", "code"), ("other group", "code"),
    ("self by code", "code"), ("self by id", "referrer_id"), ("no such referrer", "referrer_id"),
    ("bad id", "referrer_id"), ("not text", "code"), ("nul", "code"), ("long", "code"),
    ("prospect of another", "prospect_id"), ("out of sight", "referrer_id"),
])
def test_each_bad_input_is_refused_naming_the_field(org, gm, owner, case, field):
    friend = make_customer(dealer=org.d1, name="王小明")
    code = referrals.referral_code(actor=gm, customer_id=owner.pk).code
    stranger = make_customer(dealer=org.d4, name="外团车主")
    ReferralCode.objects.create(customer=stranger, code="ZZZZZZZZ")
    far = make_customer(dealer=org.d3, name="外区车主")
    ReferralCode.objects.create(customer=far, code="YYYYYYYY")
    friend_code = referrals.referral_code(actor=gm, customer_id=friend.pk).code
    kwargs = {
        "none": {}, "both": {"code": code, "referrer_id": owner.pk}, "unknown": {"code": "XXXXXXXX"},
        "other group": {"code": "ZZZZZZZZ"}, "self by code": {"code": friend_code},
        "self by id": {"referrer_id": friend.pk}, "no such referrer": {"referrer_id": 10**9},
        "bad id": {"referrer_id": "abc"}, "not text": {"code": 12345678}, "nul": {"code": "AB\x00CD"},
        "long": {"code": "A" * 100}, "prospect of another": {"code": code, "prospect_id": _prospect(owner).pk},
        # picked by id, the referrer out of the GM's sight (another region's dealer)
        "out of sight": {"referrer_id": far.pk},
    }[case]
    with pytest.raises(ValidationError) as error:
        referrals.record_referral(actor=gm, customer_id=friend.pk, **kwargs)
    assert set(error.value.message_dict) == {field}
    friend.refresh_from_db()
    assert friend.referred_by_id is None and not Referral.objects.exists()


def test_a_code_names_a_referrer_out_of_sight(org, owner):
    """A consultant sees only their own customers; the code the friend brought names the referrer
    (a colleague's customer, or an owner of another dealer of the group) all the same."""
    consultant = org.staff["consultant"]
    friend = make_customer(dealer=org.d1, owner=consultant, name="王小明")
    far = make_customer(dealer=org.d3, name="外区车主")
    ReferralCode.objects.create(customer=far, code="YYYYYYYY")
    with pytest.raises(ValidationError):
        referrals.record_referral(actor=consultant, customer_id=friend.pk, referrer_id=far.pk)
    made = referrals.record_referral(actor=consultant, customer_id=friend.pk, code="yyyy yyyy")
    assert made.referrer_id == far.pk and made.dealer_id == org.d1.pk


def test_recording_is_refused_outside_the_door(org, owner):
    friend = make_customer(dealer=org.d1, name="王小明")
    with pytest.raises(PermissionDenied):  # marketing sees the customer, may not record
        referrals.record_referral(actor=org.staff["marketing"], customer_id=friend.pk, referrer_id=owner.pk)
    with pytest.raises(Http404):  # a D2 consultant does not see D1's customer
        referrals.record_referral(actor=org.staff["d2_consultant"], customer_id=friend.pk, referrer_id=owner.pk)


def test_api_record_and_errors(org, gm, owner, client):
    client.force_login(gm)
    friend = make_customer(dealer=org.d1, name="王小明")
    headers = {"Idempotency-Key": "code-1"}
    answer = client.post(f"/api/v1/loyalty/members/{owner.pk}/referral-code", headers=headers,
                         content_type="application/json")
    assert answer.status_code == 201
    code = answer.json()["code"]
    again = client.post(f"/api/v1/loyalty/members/{owner.pk}/referral-code", headers={"Idempotency-Key": "code-2"},
                        content_type="application/json")
    assert again.json()["code"] == code
    bad = client.post(f"/api/v1/loyalty/members/{friend.pk}/referral", {"code": "XXXXXXXX"},
                      content_type="application/json", headers={"Idempotency-Key": "r-1"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "code"]
    self_ = client.post(f"/api/v1/loyalty/members/{owner.pk}/referral", {"code": code},
                        content_type="application/json", headers={"Idempotency-Key": "r-2"})
    assert self_.status_code == 422 and self_.json()["detail"][0]["loc"] == ["body", "code"]
    good = client.post(f"/api/v1/loyalty/members/{friend.pk}/referral", {"code": code},
                       content_type="application/json", headers={"Idempotency-Key": "r-3"})
    assert good.status_code == 201 and good.json()["referrer_id"] == owner.pk
    assert Customer.objects.get(pk=friend.pk).referred_by_id == owner.pk
    listed = client.get(f"/api/v1/loyalty/members/{owner.pk}/referrals").json()
    assert [row["customer_id"] for row in listed] == [friend.pk]
    schema = client.get("/api/v1/openapi.json").json()
    assert "422" in schema["paths"]["/api/v1/loyalty/members/{customer_id}/referral"]["post"]["responses"]


# --- the referrer's record, influence centres ---------------------------------------------------

def _plant(org, gm):
    """Referrers at D1 with (referred, won): A 6 of 7, B 4 of 4, C 4 of 9, D 1 of 1, E 0 of 3; one
    of A's older than the period, one of C's at D2 (another dealer's ranking: the referral belongs
    to the referred customer's dealer); points from the
    ledger for some won referrals, one of them reversed."""
    plan = {"A": (7, 6), "B": (4, 4), "C": (9, 4), "D": (1, 1), "E": (3, 0)}
    people, won_prospects = {}, {}
    for name, (n, won) in plan.items():
        referrer = make_customer(dealer=org.d1, name=f"推荐人{name}")
        people[name] = referrer
        for i in range(n):
            friend = make_customer(dealer=org.d1, name=f"{name}的朋友{i}")
            prospect = _prospect(friend, won=i < won)
            referrals.record_referral(actor=gm, customer_id=friend.pk, referrer_id=referrer.pk)
            if i < won:
                won_prospects.setdefault(name, []).append(prospect)
    old = make_customer(dealer=org.d1, name="旧朋友")
    _prospect(old, won=True, first_contact=timezone.localdate() - dt.timedelta(days=800))
    referrals.record_referral(actor=gm, customer_id=old.pk, referrer_id=people["A"].pk)
    elsewhere = make_customer(dealer=org.d2, name="D2朋友")
    _prospect(elsewhere, won=True)
    d2_gm = make_staff("d2_gm", Role.DEALER_GM, group=org.groups[0], dealer=org.d2)
    ReferralCode.objects.create(customer=people["C"], code="CCCCCCCC")
    referrals.record_referral(actor=d2_gm, customer_id=elsewhere.pk, code="CCCCCCCC")
    for prospect in won_prospects["A"][:3]:
        points.earn(actor=None, customer_id=people["A"].pk, points=500, pending=False,
                    source=referrals.source_of(prospect.pk))
    made = points.earn(actor=None, customer_id=people["B"].pk, points=800, pending=False,
                       source=referrals.source_of(won_prospects["B"][0].pk))
    from retain.loyalty.services.reverse import reverse
    reverse(actor=org.staff["service_manager"], transfer_id=made.pk, reason="退车")
    points.earn(actor=None, customer_id=people["B"].pk, points=300, pending=False,
                source=referrals.source_of(won_prospects["B"][1].pk))
    return people


def _wilson(k, n, z=1.959963984540054):
    """A second computation of the Wilson interval, written out by hand."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def test_influence_centres_recover_the_planted_ranking(org, gm, client):
    people = _plant(org, gm)
    start, end = referrals.period()
    rows = referrals.influence_centres(gm, dealer=org.d1, start=start, end=end)
    got = [(r["customer"].pk, r["referred"], r["won"], r["points"]) for r in rows]
    # ties on referrals won: the one who brought more first (C's 4 of 9 before B's 4 of 4)
    assert got == [(people["A"].pk, 7, 6, 1500), (people["C"].pk, 9, 4, 0), (people["B"].pk, 4, 4, 300),
                   (people["D"].pk, 1, 1, 0), (people["E"].pk, 3, 0, 0)]
    for row in rows:
        low, high = _wilson(row["won"], row["referred"])
        assert row["low"] == pytest.approx(low, abs=1e-12) and row["high"] == pytest.approx(high, abs=1e-12)
    # hand-computed for A (6 of 7): 0.4869 to 0.9743
    assert (round(rows[0]["low"], 4), round(rows[0]["high"], 4)) == (0.4869, 0.9743)
    assert rows[4]["low"] == 0.0 and rows[3]["high"] == 1.0
    # the same through the API, and the D2 ranking holds only C's one referral there
    client.force_login(gm)
    answer = client.get("/api/v1/loyalty/influence-centres", {"dealer": org.d1.pk}).json()
    assert [(c["customer_id"], c["won"], c["points"]) for c in answer["centres"]] == [g[0:1] + g[2:] for g in got]
    assert answer["centres"][0]["conversion_low"] == pytest.approx(rows[0]["low"])
    admin = org.staff["group_admin"]
    d2 = referrals.influence_centres(admin, dealer=org.d2, start=start, end=end)
    assert [(r["customer"].pk, r["referred"], r["won"]) for r in d2] == [(people["C"].pk, 1, 1)]
    # the referrer's record: whom A brought, with the points each earned
    record = referrals.referrals_of(people["A"])
    assert len(record) == 8 and sum(r["delivered"] for r in record) == 7
    assert sorted(r["points"] for r in record if r["points"]) == [500, 500, 500]
    # a consultant sees only the referrers they own (none of these)
    assert referrals.influence_centres(org.staff["consultant"], dealer=org.d1, start=start, end=end) == []
    listed = client.get("/api/v1/loyalty/referrals", {"dealer": org.d1.pk}).json()
    assert listed["count"] == 24


def test_influence_centres_period_and_dealer_checks(org, gm, client):
    client.force_login(gm)
    assert client.get("/api/v1/loyalty/influence-centres", {"dealer": org.d4.pk}).status_code == 404
    bad = client.get("/api/v1/loyalty/influence-centres", {"start": "2025-05-01", "end": "2025-01-01"})
    assert bad.status_code == 422
    assert client.get("/api/v1/loyalty/influence-centres", {"start": "1800-01-01"}).status_code == 422


def test_a_referrals_points_are_read_through_indexes_not_by_reading_the_whole_ledger(org, gm):
    """The referrer's card reads each referral's earning by its kind and source, and the reversals
    by the earning they reverse: by source alone (no index has it first) or joined to the reversed
    earning's source, each statement read the whole ledger (135 ms a card at 200,000 customers)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = _plant(org, gm)
    prospects = list(Referral.objects.filter(referrer=people["B"]).values_list("prospect_id", flat=True))
    with CaptureQueriesContext(connection) as captured:
        found = referrals.points_by_prospect(prospects)
    assert sorted(found.values()) == [0, 300]  # one earning reversed, one kept
    statements = [q["sql"] for q in captured if "loyalty_transfer" in q["sql"]]
    assert len(statements) == 2
    with connection.cursor() as cursor:
        for sql in statements:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL enable_seqscan = off")  # as at scale, where reading the ledger costs most
                cursor.execute(f"EXPLAIN {sql}")
                assert "Seq Scan on loyalty_transfer" not in " ".join(row[0] for row in cursor.fetchall()), sql
            else:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                details = [row[-1] for row in cursor.fetchall()]
                assert not [d for d in details if d.startswith("SCAN") and "loyalty_transfer" in d], (sql, details)
