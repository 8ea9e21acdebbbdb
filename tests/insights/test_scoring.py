"""Scoring the operational database: the warehouse summary is right, and scores are stored,
dated and audited. (That the fits recover the demo's planted truths: tests/demo/small.)"""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from retain.analytics import rfm
from retain.cli import main
from retain.customers.models import Transaction
from retain.demo import truth
from retain.demo.generate import Scale
from retain.insights import services
from retain.insights.models import CustomerScore, ScoreRun
from retain.org.models import AuditEvent
from retain.warehouse import purchases, source
from tests.demo.rolled_back import built_demo

END = truth.OBSERVATION_END


@pytest.fixture(scope="module")
def tiny_demo(django_db_setup, django_db_blocker):
    """A tiny group built once for the module (each test in a savepoint of its transaction)."""
    with built_demo(django_db_blocker, Scale(regions=2, dealers=3, customers=2_000), seed=4, today=END):
        yield


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("period", ["D", "W"])
def test_warehouse_summary_equals_the_in_memory_summary(tiny_demo, period):
    """The Ibis aggregation in the database against ``analytics.rfm.summary`` on the raw rows."""
    as_of = date(2026, 3, 31)
    in_db = purchases.summary(source.connect(), as_of=as_of, period=period, kinds=None)
    rows = pd.DataFrame(list(Transaction.objects.filter(date__lte=as_of).values_list(
        "customer_id", "date", "amount_cents")), columns=["customer_id", "date", "amount_cents"])
    rows["amount"] = rows.amount_cents / 100
    in_memory = rfm.summary(rows, observation_end=as_of, period=period).sort_index()
    assert list(in_db.index) == list(in_memory.index)
    for column in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(in_db[column].to_numpy(float), in_memory[column].to_numpy(float), column)
    np.testing.assert_allclose(in_db["monetary"], in_memory["monetary"], rtol=1e-12, atol=1e-9)


def test_scores_are_stored_dated_and_audited(tiny_demo):
    scores = services.score_customers(as_of=END)
    run = scores.run
    stored = CustomerScore.objects.filter(run=run)
    assert stored.count() == run.customers == len(scores.frame) > 0
    assert not stored.exclude(as_of=END).exists()
    assert not stored.filter(p_alive__gt=1).exists() and not stored.filter(p_alive__lt=0).exists()
    assert set(stored.values_list("tier", flat=True)) <= set(rfm.TIERS)
    assert set(stored.values_list("rfm_segment", flat=True)) <= set(rfm.SEGMENTS)
    assert stored.filter(tier="small").count() >= 0.79 * run.customers
    assert AuditEvent.objects.filter(action="scores.compute", object_id=str(run.pk)).count() == 1
    one = stored.order_by("customer_id").first()
    assert one.clv_cents == round(scores.frame.loc[one.customer_id, "clv"] * 100)


def test_dealer_scope_only_scores_that_dealers_transactions(tiny_demo):
    scores = services.score_customers(as_of=END, dealer_code="D02", analyses=("rfm",))
    dealers = set(Transaction.objects.filter(customer_id__in=scores.frame.index, kind="service")
                  .values_list("dealer_id", flat=True))
    assert scores.run.dealer.code == "D02" and dealers == {scores.run.dealer.pk}


def test_analyze_command_prints_and_stores(tiny_demo, capsys):
    runs = ScoreRun.objects.count()  # the demo scores itself once when it is built
    main(["analyze", "all", "--as-of", "2026-06-30"])
    out = capsys.readouterr().out
    assert "mbg_nbd" in out and "Champions" in out and "VIP" in out
    assert ScoreRun.objects.count() == runs + 1


@pytest.mark.parametrize("argv, message", [
    (["analyze", "rfm", "--dealer", "NOPE"], "no dealer with code"),
    (["analyze", "rfm", "--as-of", "30/06/2026"], "Invalid isoformat"),
    (["analyze", "rfm", "--as-of", "2000-01-01"], "no purchases on or before 2000-01-01"),
    (["analyze", "clv", "--classification", "prospect"], "no purchases in this scope"),
])
def test_bad_analyze_requests_exit_with_a_message_and_store_nothing(tiny_demo, argv, message):
    before = (ScoreRun.objects.count(), CustomerScore.objects.count())
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert message in str(exited.value)
    assert (ScoreRun.objects.count(), CustomerScore.objects.count()) == before


def test_unknown_analysis_is_refused(tiny_demo):
    with pytest.raises(ValueError, match="analyses must be among"):
        services.score_customers(analyses=("churn",))


def test_the_same_expressions_run_on_duckdb_over_parquet(tiny_demo, tmp_path):
    """Export the three tables to Parquet, read them with DuckDB: the same summary as in the database."""
    con = source.connect()
    for table in source.TABLES:
        con.table(table).to_parquet(tmp_path / f"{table}.parquet")
    in_db = purchases.summary(con, as_of=END, kinds=None)
    off_line = purchases.summary(source.parquet(tmp_path), as_of=END, kinds=None)
    pd.testing.assert_frame_equal(in_db, off_line, check_dtype=False)
    with pytest.raises(ValueError, match="is missing"):
        source.parquet(tmp_path / "nowhere")


def test_the_customer_card_shows_the_latest_scores(tiny_demo, client):
    from retain.org.models import Staff

    scores = services.score_customers(as_of=END)
    scored = CustomerScore.objects.filter(run=scores.run, clv_cents__isnull=False).order_by("-clv_cents").first()
    admin = Staff.objects.get(username="admin")
    client.force_login(admin)
    card = client.get(f"/customers/{scored.customer_id}/").content.decode()
    assert 'id="scores"' in card and END.isoformat() in card and rfm.TIERS[scored.tier][0] in card
    from retain.customers.models import Customer

    unscored = Customer.objects.exclude(scores__isnull=False).first()
    assert 'id="scores"' not in client.get(f"/customers/{unscored.pk}/").content.decode()
