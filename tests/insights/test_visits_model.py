"""The card's "probability still active" means what it says (issue 7, D2): the stored scores use
the visits model chosen on the demo's holdout year, whose P(alive) falls for a customer without a
repeat visit who has not been seen for long (BG/NBD says 1.00 for all of them)."""

from datetime import timedelta

import pandas as pd
import pytest

from retain.analytics import holdout
from retain.demo import build, truth
from retain.demo.generate import SCALES, Scale, generate
from retain.insights import services
from retain.insights.models import CustomerScore
from retain.org.models import Staff

END = truth.OBSERVATION_END


def test_the_stored_model_is_the_holdout_winner_on_the_demo():
    """The README's comparison, re-run: the small demo built on END, its last 52 weeks held out;
    of the models whose P(alive) can fall below 1 without a repeat visit, the one the scores use
    forecasts the holdout visits with the lowest per-customer RMSE."""
    tx = generate(SCALES["small"], 1, "x", today=END).tables["customers.Transaction"]
    service = tx["kind"] == "service"
    log = pd.DataFrame({"customer_id": tx["customer_id"][service], "date": tx["date"][service],
                        "amount": tx["amount_cents"][service] / 100})
    frame = holdout.split(log, END - timedelta(days=364), END)
    result = holdout.compare(services.VISITS_CANDIDATES, frame, 364)
    assert result.best == services.VISITS_NAME
    chosen = next(f for f in result.fits if f.model == services.VISITS_NAME)
    assert abs(chosen.predicted / chosen.actual - 1) < 0.05


@pytest.fixture
def tiny_demo(db):
    build.build_demo(Scale(regions=2, dealers=3, customers=2_000), seed=4, today=END)


def test_a_customer_without_repeat_visits_seen_long_ago_is_not_certainly_active(tiny_demo, client):
    run = services.score_customers(as_of=END).run
    assert services.VISITS_KEY in run.fitted and run.summary["visits_model"] == services.VISITS_NAME
    scores = CustomerScore.objects.filter(run=run, frequency=0)
    old, recent = scores.order_by("-age").first(), scores.order_by("age").first()
    assert old.age > 365 and old.p_alive < recent.p_alive < 1
    assert not CustomerScore.objects.filter(run=run, p_alive__gte=1).exists()
    client.force_login(Staff.objects.get(username="admin"))
    card = client.get(f"/customers/{old.customer_id}/").content.decode()
    assert f"{old.p_alive:.2f}" in card and "1.00" not in card.split('id="scores"')[1].split("</section>")[0]
