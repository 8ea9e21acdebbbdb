"""The demo's showroom and prospects (retain.demo.sales): the app's constraints hold, the
planted rates come out, the same seed gives the same tables, and the tables load and work."""

import json

import numpy as np
import pytest
from django.apps import apps

from retain.bulk import load
from retain.demo import generate as g
from retain.demo import sales, truth
from retain.org.models import Staff
from retain.sales import services
from retain.sales.models import DEFAULT_CADENCE_DAYS, DailyReport, Prospect, ReportStatus

TINY = g.Scale(regions=2, dealers=3, customers=3_000)
TODAY = g.END
LABELS = ["sales.ShowroomVisit", "sales.Prospect", "sales.GradeChange", "sales.Contact", "sales.SalesTarget",
          "sales.DailyReport", "sales.PromotionEvent", "sales.Invitation"]


def generate_with_sales(scale, seed):
    """What ``generate`` does, plus ``add_sales`` on the stream it leaves free."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    data = g.DemoData()
    org = g._organisation(data, scale, "x")
    customers = g._customers(data, streams[0], scale, org)
    vehicles = g._vehicles(data, streams[1], customers)
    g._transactions(data, streams[2], customers, vehicles)
    g._consents(data, streams[3], customers)
    g._classification_history(data, customers)
    g._tags(data, streams[4], customers)
    sales.add_sales(data, streams[5], customers, TODAY)
    return data, customers


@pytest.fixture(scope="module")
def demo():
    return generate_with_sales(TINY, 3)


def _data(column):
    return np.ma.getdata(column)


def test_tables_come_after_the_customer_tables_and_name_real_fields(demo):
    data, _ = demo
    labels = list(data.tables)
    assert labels[-len(LABELS):] == LABELS
    assert labels.index("customers.Customer") < labels.index("sales.ShowroomVisit")
    for label in LABELS:
        fields = {f.attname for f in apps.get_model(label)._meta.concrete_fields}
        columns = data.tables[label]
        assert set(columns) <= fields, label
        assert len({len(c) for c in columns.values()}) == 1, label
        assert np.array_equal(columns["id"], np.arange(1, data.count(label) + 1)), label
        for name, column in columns.items():
            field = apps.get_model(label)._meta.get_field(name if not name.endswith("_id") or name == "id"
                                                          else name[:-3])
            kind = field.get_internal_type()
            if kind == "DateTimeField":
                assert _data(column).dtype == np.dtype("datetime64[s]"), (label, name)
            elif kind == "DateField":
                assert _data(column).dtype == np.dtype("datetime64[D]"), (label, name)


def test_prospects_are_existing_customers_of_their_dealer_one_each(demo):
    data, customers = demo
    p = data.tables["sales.Prospect"]
    customer = p["customer_id"] - 1
    assert np.unique(customer).size == customer.size  # hence one active prospect per customer
    assert np.isin(customers.classification[customer], ["prospect", "defeated", "own_sold", "other_brand"]).all()
    assert np.array_equal(customers.dealer[customer] + 1, p["dealer_id"])
    staff = data.tables["org.Staff"]
    role = dict(zip(staff["id"].tolist(), staff["role"].tolist()))
    dealer = dict(zip(staff["id"].tolist(), np.ma.filled(staff["dealer_id"], 0).tolist()))
    assert {role[o] for o in p["owner_id"].tolist()} == {"consultant"}
    assert all(dealer[o] == d for o, d in zip(p["owner_id"].tolist(), p["dealer_id"].tolist()))
    decided = ~np.ma.getmaskarray(p["defeat_decided_by_id"])
    assert {role[o] for o in _data(p["defeat_decided_by_id"])[decided].tolist()} == {"sales_manager"}
    assert all(dealer[o] == d for o, d in zip(_data(p["defeat_decided_by_id"])[decided].tolist(),
                                              p["dealer_id"][decided].tolist()))
    # registered no later than first contacted
    assert (customers.created[customer].astype("datetime64[D]") <= p["first_contact"]).all()


def test_prospect_dates_and_outcomes_are_consistent(demo):
    data, _ = demo
    p = data.tables["sales.Prospect"]
    status = p["status"]
    assert set(status) == {"open", "defeat_pending", "won", "defeated"}
    assert (p["first_contact"] <= p["last_contact"]).all() and (p["last_contact"] <= TODAY).all()
    cadence = np.array([DEFAULT_CADENCE_DAYS[grade] for grade in p["grade"]])
    assert np.array_equal(p["next_follow_up"], p["last_contact"] + cadence * g.DAY)
    won = status == "won"
    assert (p["grade"][won] == "O").all()
    ordered = ~np.ma.getmaskarray(p["ordered_on"])
    assert (ordered == (p["grade"] == "O")).all()
    assert (_data(p["deposit_cents"])[ordered] >= 0).all() and (p["contract_number"][ordered] != "").all()
    assert (_data(p["ordered_on"])[ordered] >= p["first_contact"][ordered]).all()
    assert (_data(p["ordered_on"])[ordered] <= p["last_contact"][ordered]).all()
    delivered = ~np.ma.getmaskarray(p["delivered_on"])
    assert np.array_equal(delivered, won)
    assert (_data(p["delivered_on"])[won] >= _data(p["ordered_on"])[won]).all()
    assert (_data(p["delivered_on"])[won] <= TODAY).all()
    lost = np.isin(status, ["defeated", "defeat_pending"])
    assert (p["defeat_make"][lost] != "").all() and (p["defeat_make"][~lost] == "").all()
    assert set(p["defeat_make"][lost]) <= {make for make, _, _ in g.names.OTHER_MAKES}
    assert set(p["defeat_reason"][lost]) <= {"price", "product", "brand", "service", "financing", "delivery",
                                              "relationship", "postponed", "other"}
    assert np.array_equal(p["defeat_stage"][lost], p["grade"][lost])
    assert np.array_equal(~np.ma.getmaskarray(p["defeat_decided_by_id"]), status == "defeated")
    assert np.array_equal(~np.ma.getmaskarray(p["closed_on"]), np.isin(status, ["won", "defeated"]))
    closed = ~np.ma.getmaskarray(p["closed_on"])
    assert (_data(p["closed_on"])[closed] <= TODAY).all()
    assert (_data(p["closed_on"])[closed] >= p["last_contact"][closed]).all()


def test_grade_histories_open_from_nothing_and_end_at_the_grade(demo):
    data, _ = demo
    p, changes = data.tables["sales.Prospect"], data.tables["sales.GradeChange"]
    opening = changes["from_grade"] == ""
    assert np.array_equal(np.sort(changes["prospect_id"][opening]), p["id"])
    order = np.lexsort((changes["id"], changes["changed_at"], changes["prospect_id"]))
    pid, frm, to = changes["prospect_id"][order], changes["from_grade"][order], changes["to_grade"][order]
    first_row = np.r_[True, pid[1:] != pid[:-1]]
    assert (frm[first_row] == "").all() and (frm[~first_row] != "").all()
    assert (frm[~first_row] == to[np.flatnonzero(~first_row) - 1]).all()  # each change starts where the last ended
    assert (frm != to).all()
    last_row = np.r_[pid[1:] != pid[:-1], True]
    assert np.array_equal(to[last_row], p["grade"][pid[last_row] - 1])
    # winners climb, losers slide
    won = p["status"][pid - 1] == "won"
    rank = {grade: i for i, grade in enumerate("OHABC")}
    steps = np.array([rank[t] - rank[f] if f else 0 for f, t in zip(frm, to)])
    assert (steps[won] <= 0).all()
    assert (steps[p["status"][pid - 1] == "defeated"] >= 0).all()


def test_contacts_belong_to_their_prospects_customer_and_fall_in_its_span(demo):
    data, customers = demo
    p, c = data.tables["sales.Prospect"], data.tables["sales.Contact"]
    development = ~np.ma.getmaskarray(c["prospect_id"])
    assert np.array_equal(development, c["purpose"] == "development")
    prospect = _data(c["prospect_id"])[development] - 1
    assert np.array_equal(c["customer_id"][development], p["customer_id"][prospect])
    on = c["contacted_on"][development]
    assert (on >= p["first_contact"][prospect]).all() and (on <= p["last_contact"][prospect]).all()
    last = np.zeros(p["id"].size, dtype="datetime64[D]")
    np.maximum.at(last, prospect, on)
    assert np.array_equal(last, p["last_contact"])  # the last contact is a logged contact
    assert set(c["purpose"]) == {"development", "promotion"}
    assert (c["contacted_on"] <= TODAY).all()


def test_register_targets_reports_events_respect_the_constraints(demo):
    data, customers = demo
    v = data.tables["sales.ShowroomVisit"]
    assert (v["party_size"] >= 1).all() and (v["left_at"] >= v["arrived_at"]).all()
    assert (v["arrived_at"] < (TODAY + g.DAY).astype("datetime64[s]")).all()
    linked = ~np.ma.getmaskarray(v["customer_id"])
    assert np.isin(v["outcome"][linked], ["prospect", "order"]).all()
    assert np.array_equal(np.sort(_data(v["customer_id"])[v["outcome"] == "prospect"]),
                          np.sort(data.tables["sales.Prospect"]["customer_id"]))

    t = data.tables["sales.SalesTarget"]
    consultant = np.ma.filled(t["consultant_id"], 0)
    keys = set(zip(t["dealer_id"].tolist(), consultant.tolist(), t["month"].tolist()))
    assert len(keys) == t["id"].size
    dealer_level = np.ma.getmaskarray(t["consultant_id"])
    assert dealer_level.sum() == 12 * TINY.dealers
    assert (t["month"].astype("datetime64[M]").astype("datetime64[D]") == t["month"]).all()

    r = data.tables["sales.DailyReport"]
    assert len(set(zip(r["consultant_id"].tolist(), r["date"].tolist()))) == r["id"].size
    assert (r["date"] < TODAY).all() and (r["date"] >= TODAY - 30 * g.DAY).all()
    assert set(r["status"][r["date"] == TODAY - g.DAY]) == {"submitted"}
    assert set(r["status"][r["date"] < TODAY - g.DAY]) == {"signed"}
    signed = r["status"] == "signed"
    assert np.array_equal(~np.ma.getmaskarray(r["signed_by_id"]), signed)
    figures = [json.loads(text) for text in r["figures"]]
    assert all(set(f) == {"contacts", "new_prospects"} for f in figures)
    n_consultants = TINY.dealers * TINY.consultants_per_dealer
    assert 0.8 * 30 * n_consultants <= r["id"].size <= 30 * n_consultants  # one day off a week

    e, i = data.tables["sales.PromotionEvent"], data.tables["sales.Invitation"]
    assert (e["ends_on"] >= e["starts_on"]).all()
    assert np.isin(np.bincount(e["dealer_id"])[1:], [2, 3]).all()
    assert len(set(zip(i["event_id"].tolist(), i["customer_id"].tolist()))) == i["id"].size
    assert (customers.classification[i["customer_id"] - 1] == "own_sold").all()
    assert np.array_equal(customers.dealer[i["customer_id"] - 1] + 1, e["dealer_id"][i["event_id"] - 1])
    came = ~np.ma.getmaskarray(i["attended_on"])
    assert 0.2 < came.mean() < 0.4
    starts, ends = e["starts_on"][i["event_id"] - 1], e["ends_on"][i["event_id"] - 1]
    assert ((_data(i["attended_on"]) >= starts) & (_data(i["attended_on"]) <= ends))[came].all()
    assert (i["invited_on"] < starts).all()


def test_planted_rates(demo):
    data, _ = demo
    p, v = data.tables["sales.Prospect"], data.tables["sales.ShowroomVisit"]
    status = p["status"]
    won, lost = status == "won", np.isin(status, ["defeated", "defeat_pending"])
    assert 0.21 < won.mean() < 0.29
    assert 0.16 < lost.mean() < 0.24
    assert 0 < (status == "defeat_pending").sum() < 0.05 * status.size
    referred = np.isin(p["source"], ["base_maintenance", "vip"])
    walk_in = p["source"] == "walk_in"
    assert 0.64 < walk_in.mean() < 0.76 and 0.10 < referred.mean() < 0.20
    assert 1.4 < won[referred].mean() / won[walk_in].mean() < 3.0
    assert 0.6 <= walk_in[won].mean() + 0.05 and walk_in[won].mean() <= 0.8  # walk-ins: 60-80% of deals
    active = np.isin(status, ["open", "defeat_pending"])
    overdue = p["next_follow_up"][active] < TODAY
    assert 0.10 < overdue.mean() < 0.20
    assert ((TODAY - p["next_follow_up"][active][overdue]) <= 10 * g.DAY).all()
    shares = np.array([np.mean(p["grade"][status == "open"] == grade) for grade in "OHABC"])
    assert np.all(np.abs(shares - [0.05, 0.10, 0.20, 0.30, 0.35]) < 0.07), shares

    first = v["first_visit"]
    assert 0.65 < np.mean(v["source"][first] == "walk_in") < 0.75
    assert 0.35 < np.isin(v["outcome"][first], ["left_contact", "prospect"]).mean() < 0.45
    assert 0.17 < np.mean(v["outcome"][first] == "prospect") < 0.23
    working_days = TINY.dealers * TINY.consultants_per_dealer * 365 * 6 / 7
    assert 1.0 < first.sum() / working_days < 3.0

    t = data.tables["sales.SalesTarget"]
    dealer_level = np.ma.getmaskarray(t["consultant_id"])
    walk_ins = first.sum()
    assert 1.03 < t["walk_ins"][dealer_level].sum() / walk_ins < 1.2


def test_same_seed_same_tables_other_seed_other_tables():
    first, again, other = (generate_with_sales(TINY, seed)[0] for seed in (5, 5, 6))
    for label in LABELS:
        for name, column in first.tables[label].items():
            twin = again.tables[label][name]
            assert np.array_equal(np.ma.getmaskarray(column), np.ma.getmaskarray(twin)), (label, name)
            assert np.array_equal(np.ma.compressed(column), np.ma.compressed(twin)), (label, name)
    assert not np.array_equal(first.tables["sales.Prospect"]["next_follow_up"],
                              other.tables["sales.Prospect"]["next_follow_up"])


def test_loads_and_drives_the_consultants_day(db):
    data, _ = generate_with_sales(TINY, 3)
    load(data.tables)
    for label in LABELS:
        assert apps.get_model(label).objects.count() == data.count(label), label
    consultant = Staff.objects.get(username="consultant1")
    day = services.today(consultant, on=truth.OBSERVATION_END)
    assert day["overdue"] and day["due"]
    worked = day["overdue"] + day["due"]
    assert all(p.owner_id == consultant.pk and p.status in ("open", "defeat_pending") for p in worked)
    assert all(p.next_follow_up < truth.OBSERVATION_END for p in day["overdue"])
    signed = DailyReport.objects.filter(dealer=consultant.dealer, status=ReportStatus.SIGNED)
    report = signed.filter(consultant=consultant).first()
    assert report is not None and report.signed_by.username == "showroom1"
    assert set(report.figures) == {"contacts", "new_prospects"}
    assert Prospect.objects.filter(status="won", delivered_on__isnull=False).exists()
    assert services.overdue_by_consultant(Staff.objects.get(username="showroom1"), on=truth.OBSERVATION_END)
