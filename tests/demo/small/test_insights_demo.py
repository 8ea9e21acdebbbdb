"""The scores fitted on the small demo recover the purchase process planted in it
(retain.demo.truth)."""

import pytest

from retain.analytics import clv
from retain.demo import truth
from retain.insights import services
from retain.warehouse import purchases, source

END = truth.OBSERVATION_END

pytestmark = pytest.mark.django_db


def _within(estimate, se, value, k=3.0):
    return abs(estimate - value) <= k * se


def test_fits_recover_the_planted_bg_nbd_and_gamma_gamma(small):
    """Daily data: r, a, b are unit-free; alpha per day is 7 x alpha per week. Each estimate
    must lie within three of its standard errors of the planted value. (The stored scores use
    MBG/NBD, for its P(alive); the planted process is BG/NBD, fitted here from the same
    warehouse summary.)"""
    for segment, (classes, planted) in truth.SEGMENTS.items():
        summary = purchases.summary(source.connect(), as_of=END, kinds=("service",), classifications=classes)
        fit = clv.BetaGeo.fit(summary["frequency"], summary["recency"], summary["T"])
        params, se = fit.params, fit.se
        assert fit.converged
        assert _within(params["r"], se["r"], planted.r), (segment, params, se)
        assert _within(params["alpha"] / 7, se["alpha"] / 7, planted.alpha), (segment, params, se)
        assert _within(params["a"], se["a"], planted.a), (segment, params, se)
        assert _within(params["b"], se["b"], planted.b), (segment, params, se)
    spend = services.score_customers(analyses=("clv",), as_of=END).run.fitted["gamma_gamma"]
    planted = truth.SERVICE_SPEND
    for name, value in {"p": planted.p, "q": planted.q, "v": planted.gamma}.items():
        assert _within(spend["params"][name], spend["se"][name], value), (name, spend)
