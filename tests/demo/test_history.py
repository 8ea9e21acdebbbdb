"""The service-history simulator draws exactly from BG/NBD and Gamma-Gamma.

Reference: the closed forms of Fader, Hardie & Lee (2005), "Counting your customers the easy
way", Marketing Science 24(2): eq. (9) for E[X(t)], and P(X(t) = 0) = (alpha / (alpha + t))^r
(from eq. (8) with x = 0, since no customer drops out before a repeat visit). Tolerances are
relative, set to about five standard errors of the simulated mean.
"""

import numpy as np
import pytest
from scipy.special import hyp2f1

from retain.demo import generate, history, truth
from retain.demo.truth import BgNbd, GammaGamma


def expected_repeat_visits(params: BgNbd, t):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


@pytest.mark.parametrize("params", [s[1] for s in truth.SEGMENTS.values()] + [BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)])
@pytest.mark.parametrize("t", [13.0, 52.0, 150.0])
def test_simulated_counts_match_the_closed_form(params, t):
    n = 200_000
    visits = history.simulate_bg_nbd(np.random.default_rng(7), params, np.full(n, t))
    counts = np.bincount(visits.customer, minlength=n)
    expected = expected_repeat_visits(params, t)
    standard_error = counts.std() / np.sqrt(n)
    assert abs(counts.mean() - expected) < max(5 * standard_error, 0.005 * expected)
    assert abs(counts.mean() - expected) / expected < 0.02
    assert abs((counts == 0).mean() - (params.alpha / (params.alpha + t)) ** params.r) < 0.005


def test_visit_times_are_sorted_and_inside_the_horizon():
    horizon = np.random.default_rng(1).uniform(1, 200, 5_000)
    visits = history.simulate_bg_nbd(np.random.default_rng(2), BgNbd(1.2, 15.0, 0.6, 4.0), horizon)
    assert (visits.time > 0).all() and (visits.time <= horizon[visits.customer]).all()
    same = visits.customer[1:] == visits.customer[:-1]
    assert (np.diff(visits.time)[same] >= 0).all()


def test_spend_follows_gamma_gamma():
    params = GammaGamma(p=6.0, q=4.0, gamma=400.0)
    rng = np.random.default_rng(3)
    n = 100_000
    customer = np.repeat(np.arange(n), 5)
    spend = history.gamma_gamma_spend(rng, params, customer, n)
    # Population mean spend per visit: p * gamma / (q - 1) = 800 yuan.
    assert abs(spend.mean() / params.mean_spend - 1) < 0.02
    # Within a customer, spends share one nu: the coefficient of variation of one customer's
    # visits is 1/sqrt(p), whatever nu is.
    per_customer = spend.reshape(n, 5)
    within_cv = (per_customer.std(axis=1, ddof=1) / per_customer.mean(axis=1)).mean()
    assert 0.30 < within_cv < 0.42  # 1/sqrt(6) = 0.408, and the sample CV of 5 draws is biased low


def test_the_generated_demo_carries_the_planted_process():
    """From the demo's own transaction table: repeat service visits per customer of each
    segment match E[X(T_i)] averaged over that segment's observation lengths."""
    data = generate.generate(generate.SCALES["medium"], seed=11, password_hash="x")
    customers = data.tables["customers.Customer"]
    tx = data.tables["customers.Transaction"]
    service = tx["kind"] == "service"
    visits = np.bincount(tx["customer_id"][service], minlength=len(customers["id"]) + 1)[1:]
    first = np.full(len(customers["id"]) + 1, np.datetime64("2100-01-01"))
    np.minimum.at(first, tx["customer_id"][service], tx["date"][service])
    in_a_segment = np.isin(customers["classification"], [c for classes, _ in truth.SEGMENTS.values() for c in classes])
    assert (visits[~in_a_segment] == 0).all()
    for segment, (classes, params) in truth.SEGMENTS.items():
        members = np.isin(customers["classification"], classes)
        assert (visits[members] >= 1).all()
        horizon_weeks = (generate.END - first[1:][members]).astype(int) / truth.DAYS_PER_UNIT
        expected = expected_repeat_visits(params, horizon_weeks).mean()
        observed = (visits[members] - 1).mean()
        assert abs(observed / expected - 1) < 0.02, segment  # a 5% error in alpha shows as 3.5%
    amounts = tx["amount_cents"][service] / 100
    assert abs(amounts.mean() / truth.SERVICE_SPEND.mean_spend - 1) < 0.02
