"""The daily business report (营业日报表): figures counted by hand from a known day, the
register check, the submit / sign flow and its refusals, the API and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from retain.customers.models import Classification
from retain.org.models import AuditEvent, Role
from retain.sales import access, services
from retain.sales.models import DailyReport, ReportStatus
from retain.sales.services import daily_report
from tests.conftest import make_customer, make_staff

DAY = dt.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


def _open(actor, customer, grade, first_contact=None):
    return services.open_prospect(actor=actor, customer_id=customer.pk, grade=grade, model_of_interest="朗逸",
                                  source="walk_in", first_contact=first_contact)


@pytest.fixture
def day(org, today):
    """One consultant's day, built through the services. The counts are in ``test_figures_*``."""
    me, colleague, manager = org.staff["consultant"], org.staff["colleague"], org.staff["showroom_manager"]
    month_start = today.replace(day=1)
    last_month = month_start - DAY  # always before this month, whatever day today is
    c = {name: make_customer(dealer=org.d1, owner=me, name=name) for name in ("王一", "李二", "张三", "赵四", "周八")}
    c["own1"] = make_customer(dealer=org.d1, owner=me, name="自销甲", classification=Classification.OWN_SOLD)
    c["other1"] = make_customer(dealer=org.d1, owner=me, name="他销乙", classification=Classification.OTHER_SOLD)
    c["own2"] = make_customer(dealer=org.d1, owner=me, name="自销丙", classification=Classification.OWN_SOLD)
    # Noise that must not count: a merged owner of mine, a colleague's owner and prospect.
    make_customer(dealer=org.d1, owner=me, name="已合并", classification=Classification.OWN_SOLD, status="merged")
    make_customer(dealer=org.d1, owner=colleague, name="同事车主", classification=Classification.OWN_SOLD)
    theirs = make_customer(dealer=org.d1, owner=colleague, name="同事客户")

    p = {}
    # 王一: new today (H), in the register, one call.
    p["王一"] = _open(me, c["王一"], "H")
    services.register_visit(actor=me, arrived_at=timezone.now(), customer_id=c["王一"].pk, outcome="prospect")
    services.log_contact(actor=me, prospect_id=p["王一"].pk, kind="call")
    # 李二: new today (B), not in my register (only in the colleague's), raised B -> A, one contact.
    p["李二"] = _open(me, c["李二"], "B")
    services.register_visit(actor=manager, arrived_at=timezone.now(), customer_id=c["李二"].pk,
                            consultant_id=colleague.pk)
    services.change_grade(actor=me, prospect_id=p["李二"].pk, grade="A", reason="试驾满意")
    services.log_contact(actor=me, prospect_id=p["李二"].pk, kind="test_drive")
    # 张三: opened last month (A); a quotation, the order today (A -> O), then a call at grade O.
    p["张三"] = _open(me, c["张三"], "A", first_contact=last_month - 5 * DAY)
    services.log_contact(actor=me, prospect_id=p["张三"].pk, kind="quote")
    services.record_order(actor=me, prospect_id=p["张三"].pk, deposit_cents=500_000)
    services.log_contact(actor=me, prospect_id=p["张三"].pk, kind="call")
    # 赵四: opened last month (B), contacted last month, lowered B -> C today.
    p["赵四"] = _open(me, c["赵四"], "B", first_contact=last_month - 10 * DAY)
    services.log_contact(actor=me, prospect_id=p["赵四"].pk, kind="call", contacted_on=last_month)
    services.change_grade(actor=me, prospect_id=p["赵四"].pk, grade="C", reason="预算推迟")
    # 周八: opened and ordered last month (H); recording the order today moves H -> O today; delivered today.
    p["周八"] = _open(me, c["周八"], "H", first_contact=last_month - 20 * DAY)
    services.record_order(actor=me, prospect_id=p["周八"].pk, deposit_cents=300_000, ordered_on=last_month - 15 * DAY)
    services.record_delivery(actor=me, prospect_id=p["周八"].pk, vin="LSVAB4BR5PN000001", make="大众", model="朗逸",
                             price_cents=12_000_000)
    # Owners: a maintenance call to an own-sold and to an other-sold owner, a promotion invite.
    services.log_customer_contact(actor=me, customer_id=c["own1"].pk, kind="call", purpose="maintenance")
    services.log_customer_contact(actor=me, customer_id=c["other1"].pk, kind="visit", purpose="maintenance")
    services.log_customer_contact(actor=me, customer_id=c["other1"].pk, kind="message", purpose="promotion")
    # The register: an anonymous walk-in and a phone-in today, a walk-in yesterday.
    services.register_visit(actor=me, arrived_at=timezone.now())
    services.register_visit(actor=me, arrived_at=timezone.now(), kind="phone_in")
    services.register_visit(actor=me, arrived_at=timezone.now() - DAY)
    # The colleague's own work, which is not mine.
    q = _open(colleague, theirs, "C")
    services.change_grade(actor=colleague, prospect_id=q.pk, grade="B", reason="有兴趣")
    services.log_contact(actor=colleague, prospect_id=q.pk, kind="call")
    return p


def test_figures_match_the_hand_count(org, day, today, django_assert_num_queries):
    # Aggregates, not loops: contacts, prospects, owners, register, grade changes, register check,
    # and the owner contacts other apps record (customers.touches: care's tasks done).
    with django_assert_num_queries(7):
        f = daily_report.figures(org.staff["consultant"], today)
    # Contacts today: 王一 call (H), 李二 test drive (A), 张三 quote (A) and call (O), own1 maintenance,
    # other1 maintenance and promotion = 7. 赵四's call was last month; the colleague's is not mine.
    assert f["contacts"]["total"] == 7
    assert f["contacts"]["by_grade"] == {"O": 1, "H": 1, "A": 2, "B": 0, "C": 0}
    # Purposes: 4 prospect follow-ups, 2 owner visits, 1 invitation.
    assert f["contacts"]["by_purpose"] == {"development": 4, "maintenance": 2, "promotion": 1}
    # Owners visited (maintenance): own1 (own-sold), other1 (other-sold); the promotion does not count.
    assert f["contacts"]["owners"] == {"own_sold": 1, "other_sold": 1, "total": 2}
    # New prospects: 王一, 李二 = 2 (the others opened last month, the colleague's is theirs).
    assert f["new_prospects"] == 2
    # Grade changes by me today: 李二 B->A, 张三 A->O (order), 赵四 B->C, 周八 H->O (order) = 4;
    # the five opening rows (from '') do not count.
    assert f["grade_changes"] == 4
    assert sorted((g["customer"], g["from"], g["to"], g["direction"]) for g in f["grade_change_list"]) == [
        ("周八", "H", "O", "up"), ("张三", "A", "O", "up"), ("李二", "B", "A", "up"), ("赵四", "B", "C", "down")]
    # Register today with me as consultant: 王一's walk-in, the anonymous walk-in, the phone-in = 3
    # (yesterday's walk-in and 李二's visit with the colleague do not count).
    assert f["visits"] == {"total": 3, "walk_in": 2, "phone_in": 1}
    # Orders today: 张三 (周八 ordered last month) = 1. Deliveries today: 周八 = 1.
    assert (f["orders"], f["deliveries"]) == (1, 1)
    # Month to date (today is the only day of this month with records): the same 2 / 1 / 1 / 7.
    assert f["month_to_date"] == {"new_prospects": 2, "orders": 1, "deliveries": 1, "contacts": 7}
    # On hand: 张三 O, 王一 H, 李二 A, 赵四 C = 4 (周八 is won); 张三 and 赵四 came from last month.
    assert f["on_hand"]["prospects"] == {"O": 1, "H": 1, "A": 1, "B": 0, "C": 1, "total": 4,
                                         "carried_over": 2, "new_this_month": 2}
    # Owners on hand: own1, own2, 周八 (own-sold since the delivery) and other1; not the merged one.
    assert f["on_hand"]["owners"] == {"own_sold": 3, "other_sold": 1, "total": 4}
    # The register check: 李二 is a new prospect of mine without a visit registered to me today.
    assert f["unregistered_new_prospects"] == [{"prospect_id": day["李二"].pk, "customer": "李二", "source": "walk_in"}]


def test_figures_of_the_colleague_are_their_own(org, day, today):
    f = daily_report.figures(org.staff["colleague"], today)
    # One new prospect (同事客户), one grade change (C->B), one contact at grade B, no visit registered
    # to them except 李二's, who is not their prospect: so 同事客户 is unregistered.
    assert (f["new_prospects"], f["grade_changes"], f["contacts"]["total"]) == (1, 1, 1)
    assert f["contacts"]["by_grade"]["B"] == 1
    assert f["visits"]["total"] == 1
    assert [u["customer"] for u in f["unregistered_new_prospects"]] == ["同事客户"]
    assert f["on_hand"]["owners"] == {"own_sold": 1, "other_sold": 0, "total": 1}


def test_month_to_date_runs_from_the_first_to_the_day(org, today):
    """A past month, so every record can be dated: the 10th of last month is the report day."""
    me = org.staff["consultant"]
    first = (today.replace(day=1) - DAY).replace(day=1)
    report_day, before_month, after_day = first + 9 * DAY, first - DAY, first + 10 * DAY
    a, b, x, y = (make_customer(dealer=org.d1, owner=me, name=n) for n in ("甲", "乙", "丙", "丁"))
    pa = _open(me, a, "H", first_contact=first + 2 * DAY)  # new on the 3rd: in the month
    services.log_contact(actor=me, prospect_id=pa.pk, kind="call", contacted_on=first + 2 * DAY)
    services.log_contact(actor=me, prospect_id=pa.pk, kind="call", contacted_on=report_day)
    services.record_order(actor=me, prospect_id=pa.pk, deposit_cents=1, ordered_on=report_day)
    pb = _open(me, b, "A", first_contact=before_month)  # new the month before: not in the month
    services.log_contact(actor=me, prospect_id=pb.pk, kind="call", contacted_on=before_month)
    services.log_contact(actor=me, prospect_id=pb.pk, kind="call", contacted_on=after_day)  # after the day
    px = _open(me, x, "B", first_contact=report_day)  # new on the day
    py = _open(me, y, "C", first_contact=first)  # new on the 1st, ordered on the 5th, delivered on the 8th
    services.record_order(actor=me, prospect_id=py.pk, deposit_cents=1, ordered_on=first + 4 * DAY)
    services.record_delivery(actor=me, prospect_id=py.pk, vin="LSVAB4BR5PN000002", make="大众", model="朗逸",
                             price_cents=1, delivered_on=first + 7 * DAY)
    f = daily_report.figures(me, report_day)
    # Day: contacts = pa's call on the 10th = 1; new = px = 1; orders = pa = 1; deliveries = 0.
    assert (f["contacts"]["total"], f["new_prospects"], f["orders"], f["deliveries"]) == (1, 1, 1, 0)
    # Month: new = pa, px, py = 3; orders = pa, py = 2; deliveries = py = 1; contacts = pa's two = 2.
    assert f["month_to_date"] == {"new_prospects": 3, "orders": 2, "deliveries": 1, "contacts": 2}
    # No visit was registered: px (the only prospect new on the day) is unregistered.
    assert f["unregistered_new_prospects"] == [{"prospect_id": px.pk, "customer": "丙", "source": "walk_in"}]


def test_prepare_submit_sign(org, day, today):
    me, manager = org.staff["consultant"], org.staff["sales_manager"]
    report = daily_report.prepare(actor=me)
    assert (report.date, report.status, report.dealer) == (today, ReportStatus.DRAFT, org.d1)
    assert report.figures["contacts"]["total"] == 7
    assert AuditEvent.objects.filter(action="daily_report.prepare", object_id=str(report.pk)).count() == 1
    # A late contact: refreshing the draft picks it up (one row, no second report).
    services.log_customer_contact(actor=me, customer_id=day["王一"].customer_id, kind="call", purpose="promotion")
    again = daily_report.prepare(actor=me)
    assert again.pk == report.pk and again.figures["contacts"]["total"] == 8
    assert DailyReport.objects.filter(consultant=me).count() == 1
    # Refreshing without a change writes nothing to the audit log.
    before = AuditEvent.objects.count()
    daily_report.prepare(actor=me)
    assert AuditEvent.objects.count() == before
    # Submission recomputes the figures: one more contact since the last refresh.
    services.log_customer_contact(actor=me, customer_id=day["李二"].customer_id, kind="call", purpose="promotion")
    submitted = daily_report.submit(actor=me, report_id=report.pk, visit_notes=" 王一约周六试驾 ", tomorrow_plan=" 回访李二 ")
    assert (submitted.status, submitted.visit_notes, submitted.tomorrow_plan) == ("submitted", "王一约周六试驾", "回访李二")
    assert submitted.figures["contacts"]["total"] == 9 and submitted.submitted_at is not None
    signed = daily_report.sign(actor=manager, report_id=report.pk, instruction="李二补登来店登记")
    assert (signed.status, signed.signed_by, signed.instruction) == ("signed", manager, "李二补登来店登记")
    assert AuditEvent.objects.filter(action="daily_report.sign", object_id=str(report.pk), actor=manager).exists()


def test_submit_needs_a_plan_and_the_consultant(org, today):
    me = org.staff["consultant"]
    report = daily_report.prepare(actor=me)
    with pytest.raises(ValidationError) as exc:
        daily_report.submit(actor=me, report_id=report.pk, visit_notes="notes", tomorrow_plan="   ")
    assert "tomorrow_plan" in exc.value.message_dict
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.visit_notes == ""
    with pytest.raises(PermissionDenied):  # a manager sees it but does not submit it
        daily_report.submit(actor=org.staff["sales_manager"], report_id=report.pk, visit_notes="", tomorrow_plan="plan")
    with pytest.raises(Http404):  # a colleague does not even see it
        daily_report.submit(actor=org.staff["colleague"], report_id=report.pk, visit_notes="", tomorrow_plan="plan")
    daily_report.submit(actor=me, report_id=report.pk, visit_notes="", tomorrow_plan="plan")
    with pytest.raises(ValidationError) as exc:
        daily_report.submit(actor=me, report_id=report.pk, visit_notes="", tomorrow_plan="plan again")
    assert "status" in exc.value.message_dict


def test_sign_is_for_the_dealers_managers_once(org, today):
    me = org.staff["consultant"]
    report = daily_report.prepare(actor=me)
    with pytest.raises(ValidationError) as exc:  # not submitted yet
        daily_report.sign(actor=org.staff["showroom_manager"], report_id=report.pk, instruction="ok")
    assert "status" in exc.value.message_dict
    daily_report.submit(actor=me, report_id=report.pk, visit_notes="", tomorrow_plan="plan")
    with pytest.raises(PermissionDenied):
        daily_report.sign(actor=me, report_id=report.pk, instruction="I approve myself")
    for role in ("region_manager", "group_admin"):  # they read the dealer's reports, but do not sign them
        with pytest.raises(PermissionDenied):
            daily_report.sign(actor=org.staff[role], report_id=report.pk, instruction="ok")
    for role in ("service_manager", "marketing"):  # daily reports are not theirs to read
        with pytest.raises(Http404):
            daily_report.sign(actor=org.staff[role], report_id=report.pk, instruction="ok")
    other = make_staff("d2_manager", Role.SALES_MANAGER, group=org.groups[0], dealer=org.d2)
    with pytest.raises(Http404):
        daily_report.sign(actor=other, report_id=report.pk, instruction="ok")
    with pytest.raises(ValidationError) as exc:
        daily_report.sign(actor=org.staff["dealer_gm"], report_id=report.pk, instruction="  ")
    assert "instruction" in exc.value.message_dict
    daily_report.sign(actor=org.staff["dealer_gm"], report_id=report.pk, instruction="明天多约试驾")
    # A second signature is refused, and nothing is written.
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        daily_report.sign(actor=org.staff["sales_manager"], report_id=report.pk, instruction="我也签")
    assert "already signed" in exc.value.message_dict["status"][0]
    report.refresh_from_db()
    assert (report.signed_by, report.instruction) == (org.staff["dealer_gm"], "明天多约试驾")
    assert AuditEvent.objects.count() == audit_rows
    # A signed (or submitted) report is not refreshed.
    with pytest.raises(ValidationError) as exc:
        daily_report.prepare(actor=me)
    assert "status" in exc.value.message_dict
    assert DailyReport.objects.get(pk=report.pk).status == ReportStatus.SIGNED


def test_prepare_refuses_the_future_and_staff_without_a_dealer(org, today):
    with pytest.raises(ValidationError) as exc:
        daily_report.prepare(actor=org.staff["consultant"], date=today + DAY)
    assert "date" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        daily_report.prepare(actor=org.staff["region_manager"])
    assert not DailyReport.objects.exists()


def test_visible_reports_follow_the_scope(org, today):
    mine = daily_report.prepare(actor=org.staff["consultant"])
    theirs = daily_report.prepare(actor=org.staff["colleague"])
    elsewhere = daily_report.prepare(actor=org.staff["d2_consultant"])
    assert list(access.visible_reports(org.staff["consultant"])) == [mine]
    assert set(access.visible_reports(org.staff["showroom_manager"])) == {mine, theirs}
    assert set(access.visible_reports(org.staff["region_manager"])) == {mine, theirs, elsewhere}
    assert not access.visible_reports(org.staff["d4_consultant"]).filter(pk=mine.pk).exists()


def _json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_api_flow(org, day, client, today):
    client.force_login(org.staff["consultant"])
    created = _json(client, "/api/v1/reports/daily")
    assert created.status_code == 200, created.content
    body = created.json()
    assert (body["consultant"], body["date"], body["status"]) == ("consultant", today.isoformat(), "draft")
    assert body["figures"]["new_prospects"] == 2 and body["signed_by"] is None
    rid = body["id"]
    missing = _json(client, f"/api/v1/reports/daily/{rid}/submit", {"visit_notes": "x"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "tomorrow_plan"
    assert _json(client, f"/api/v1/reports/daily/{rid}/submit",
                 {"visit_notes": "x", "tomorrow_plan": "y"}).json()["status"] == "submitted"
    assert _json(client, f"/api/v1/reports/daily/{rid}/sign", {"instruction": "ok"}).status_code == 403
    future = _json(client, "/api/v1/reports/daily", {"date": (today + DAY).isoformat()})
    assert future.status_code == 422 and future.json()["detail"][0]["loc"][-1] == "date"

    client.force_login(make_staff("d2_manager", Role.SALES_MANAGER, group=org.groups[0], dealer=org.d2))
    assert _json(client, f"/api/v1/reports/daily/{rid}/sign", {"instruction": "ok"}).status_code == 404
    assert client.get(f"/api/v1/reports/daily/{rid}").status_code == 404

    client.force_login(org.staff["showroom_manager"])
    empty = _json(client, f"/api/v1/reports/daily/{rid}/sign", {"instruction": ""})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "instruction"
    signed = _json(client, f"/api/v1/reports/daily/{rid}/sign", {"instruction": "李二补登"}).json()
    assert (signed["status"], signed["signed_by"], signed["instruction"]) == ("signed", "showroom_manager", "李二补登")
    assert signed["signed_at"]
    again = _json(client, f"/api/v1/reports/daily/{rid}/sign", {"instruction": "again"})
    assert again.status_code == 422 and again.json()["detail"][0]["loc"][-1] == "status"

    listing = client.get("/api/v1/reports/daily", {"date": today.isoformat(), "consultant": "consultant",
                                                   "status": "signed"}).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == rid
    assert client.get("/api/v1/reports/daily", {"status": "draft"}).json()["count"] == 0
    assert client.get("/api/v1/reports/daily", {"status": "lost"}).status_code == 422


def test_pages(org, day, client, today):
    me = org.staff["consultant"]
    client.force_login(me)
    page = client.get(reverse("sales:daily_report"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="unregistered-warning"' in html and "李二" in html and 'id="submit-form"' in html
    assert not DailyReport.objects.filter(consultant=me).exists()  # opening the page writes nothing
    bad = client.post(reverse("sales:daily_report"), {"visit_notes": "见了王一"})
    assert bad.status_code == 422 and "见了王一" in bad.content.decode()
    assert not DailyReport.objects.filter(consultant=me).exists()  # a refused submit keeps nothing
    done = client.post(reverse("sales:daily_report"), {"visit_notes": "见了王一", "tomorrow_plan": "回访"})
    assert done.status_code == 302
    report = DailyReport.objects.get(consultant=me, date=today)
    assert report.status == ReportStatus.SUBMITTED and report.figures["new_prospects"] == 2
    assert 'id="submit-form"' not in client.get(reverse("sales:daily_report")).content.decode()

    client.force_login(org.staff["sales_manager"])
    listing = client.get(reverse("sales:daily_report"))  # a manager gets the dealer's list
    assert listing.status_code == 200 and 'id="reports"' in listing.content.decode()
    assert reverse("sales:daily_report_sign", args=[report.pk]) in listing.content.decode()
    signed = client.post(reverse("sales:daily_report_sign", args=[report.pk]), {"instruction": "好", "next": "list"})
    assert signed.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SIGNED
    detail = client.get(reverse("sales:daily_report_detail", args=[report.pk]))
    assert detail.status_code == 200 and 'id="sign-form"' not in detail.content.decode()

    client.force_login(org.staff["d2_consultant"])
    assert client.get(reverse("sales:daily_report_detail", args=[report.pk])).status_code == 404
