"""Repeat-buying models and CLV against published results, a second implementation, and
planted truths.

References:
- CDNOW sample (2,357 customers, 39 weeks; the file shipped inside the PyPI ``lifetimes``
  package, tests/analytics/data/cdnow_summary.csv). Published estimates: BG/NBD r = 0.243,
  alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4 (Fader, Hardie & Lee 2005, Marketing Science
  24(2), p. 280), and E[Y(39) | x = 2, t_x = 30.43, T = 38.86] = 1.226 (p. 281); Pareto/NBD
  r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67, LL = -9595.0 (Fader, Hardie & Lee 2005,
  "RFM and CLV", JMR 42(4), p. 420); Gamma-Gamma p = 6.25, q = 3.74, gamma = 15.44 (same, p. 418).
- ``lifetimes`` 0.11.3 as a second implementation: its estimates and predictions on CDNOW were
  computed once in a separate environment and stored (data/cdnow_lifetimes_*.csv; the MBG/NBD
  files from ``ModifiedBetaGeoFitter().fit(..., tol=1e-10)`` in the bench's lifetimes venv).
- MBG/NBD (Batislam, Denizel & Filiztekin 2007) on CDNOW by BTYDplus (Platzer's R package):
  r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 (the values lifetimes' own tests use).
- Planted truth: customers simulated from BG/NBD by a plain event-by-event simulator written
  here (not the demo's), whose parameters the fit must recover within three standard errors.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from retain.analytics import clv

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(DATA / "cdnow_summary.csv")


@pytest.fixture(scope="module")
def lifetimes_params():
    frame = pd.read_csv(DATA / "cdnow_lifetimes_params.csv")
    return {model: dict(zip(group.param, group.value)) for model, group in frame.groupby("model")}


@pytest.fixture(scope="module")
def fitted(cdnow):
    return {
        "bg": clv.BetaGeo.fit(cdnow.x, cdnow.t_x, cdnow["T"]),
        "mbg": clv.ModifiedBetaGeo.fit(cdnow.x, cdnow.t_x, cdnow["T"]),
        "pn": clv.ParetoNBD.fit(cdnow.x, cdnow.t_x, cdnow["T"]),
        "gg": clv.GammaGamma.fit(cdnow.x, cdnow.zbar),
    }


def test_bg_nbd_reproduces_the_published_cdnow_estimates(fitted):
    bg = fitted["bg"]
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert bg.params[name] == pytest.approx(value, abs=0.0006), name  # published to 3 decimals
    assert bg.loglik == pytest.approx(-9582.4, abs=0.05)
    assert bg.converged and bg.n == 2357


def test_bg_nbd_conditional_expectation_matches_the_paper(fitted):
    expected = fitted["bg"].expected_purchases(39, [2], [30.43], [38.86])
    assert expected[0] == pytest.approx(1.226, abs=0.0005)


def test_pareto_nbd_reproduces_the_published_cdnow_estimates(fitted):
    pn = fitted["pn"]
    for name, value in {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}.items():
        assert pn.params[name] == pytest.approx(value, abs=0.006), name  # published to 2 decimals
    assert pn.loglik == pytest.approx(-9595.0, abs=0.05)


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(fitted):
    gg = fitted["gg"]
    for name, value in {"p": 6.25, "q": 3.74, "v": 15.44}.items():
        assert gg.params[name] == pytest.approx(value, abs=0.01), name
    assert gg.n == 946  # customers with at least one repeat purchase


@pytest.mark.parametrize("model", ["bg", "pn", "gg"])
def test_estimates_agree_with_lifetimes(fitted, lifetimes_params, model):
    for name, value in lifetimes_params[model].items():
        assert fitted[model].params[name] == pytest.approx(value, rel=1e-4), (model, name)


def test_predictions_agree_with_lifetimes(fitted):
    ref = pd.read_csv(DATA / "cdnow_lifetimes_reference.csv")
    bg, pn, gg = fitted["bg"], fitted["pn"], fitted["gg"]
    rft = (ref.x, ref.t_x, ref["T"])
    np.testing.assert_allclose(bg.p_alive(*rft), ref.bg_p_alive, rtol=1e-4)
    np.testing.assert_allclose(bg.expected_purchases(39, *rft), ref.bg_expected_39, rtol=1e-4)
    np.testing.assert_allclose(pn.p_alive(*rft), ref.pn_p_alive, rtol=1e-3)
    np.testing.assert_allclose(pn.expected_purchases(39, *rft), ref.pn_expected_39, rtol=1e-3)
    np.testing.assert_allclose(gg.expected_spend(ref.x, ref.zbar), ref.gg_expected_spend, rtol=1e-4)
    value = clv.lifetime_value(bg, gg, *rft, ref.zbar, periods=12, period_length=4.345, discount_rate=0.01)
    np.testing.assert_allclose(value, ref.clv_12, rtol=1e-4)


def assert_derivatives_match_finite_differences(loglik, theta):
    """Central differences of the log-likelihood and of the analytic gradient, step 1e-6 x theta."""
    _, grad, hess = loglik(theta, hessian=True)
    steps = np.diag(1e-6 * theta)
    numeric_grad = np.array([(loglik(theta + e)[0] - loglik(theta - e)[0]) / (2 * e.max()) for e in steps])
    numeric_hess = np.array([(loglik(theta + e)[1] - loglik(theta - e)[1]) / (2 * e.max()) for e in steps])
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-5, atol=1e-3)


def test_bg_nbd_gradient_and_hessian_match_finite_differences(cdnow):
    levels, counts = clv._patterns(*clv._check_rft(cdnow.x, cdnow.t_x, cdnow["T"]))
    data = clv._BgNbdData(*levels, counts)
    for theta in (np.array([0.3, 5.0, 0.9, 2.0]), np.array([1.3, 15.0, 0.4, 5.0])):
        assert_derivatives_match_finite_differences(data.loglik, theta)


def test_gamma_gamma_gradient_and_hessian_match_finite_differences(cdnow):
    repeat = cdnow[cdnow.x > 0]
    data = clv._GammaGammaData(repeat.x.to_numpy(float), repeat.zbar.to_numpy(float))
    for theta in (np.array([6.0, 3.0, 15.0]), np.array([2.0, 5.0, 40.0])):
        assert_derivatives_match_finite_differences(data.loglik, theta)


def simulate_bg_nbd(rng, n, r, alpha, a, b, horizon):
    """Event by event: exponential gaps while alive; after each repeat purchase a coin with
    probability p ends the relationship. Returns x, t_x, T."""
    rate = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    clock = np.zeros(n)
    x = np.zeros(n, dtype=int)
    last = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        clock[active] += rng.exponential(1 / rate[active])
        bought = active & (clock <= horizon)
        x[bought] += 1
        last[bought] = clock[bought]
        active = bought & (rng.random(n) >= dropout)
    return x, last, horizon


@pytest.mark.parametrize("seed, truth", [
    (1, {"r": 0.8, "alpha": 25.0, "a": 0.9, "b": 3.0}),
    (2, {"r": 1.2, "alpha": 15.0, "a": 0.6, "b": 4.0}),
    (3, {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}),
    (4, {"r": 2.0, "alpha": 60.0, "a": 1.5, "b": 6.0}),
])
def test_bg_nbd_recovers_planted_parameters(seed, truth):
    """The fit is the maximum (its log-likelihood beats the truth's), the truth lies inside the
    99.9% likelihood-ratio confidence region (2 x LL difference < chi2(4) quantile 18.47), and
    each parameter is within four of its standard errors (a and b are strongly correlated, so
    the joint test is the sharper one)."""
    rng = np.random.default_rng(seed)
    horizon = rng.uniform(20, 200, 40_000)
    x, t_x, T = simulate_bg_nbd(rng, 40_000, *truth.values(), horizon)
    fit = clv.BetaGeo.fit(x, t_x, T)
    assert fit.converged
    levels, counts = clv._patterns(*clv._check_rft(x, t_x, T))
    at_truth = clv._BgNbdData(*levels, counts).loglik(np.array(list(truth.values())))[0]
    assert 0 <= 2 * (fit.loglik - at_truth) < 18.47
    for name, value in truth.items():
        assert abs(fit.params[name] - value) < 4 * fit.se[name], (name, fit.params[name], fit.se[name])


@pytest.mark.parametrize("model", ["bg", "mbg"])
def test_expected_purchases_of_a_new_customer_is_the_unconditional_expectation(fitted, model):
    m = fitted[model]
    t = np.array([1.0, 10.0, 52.0])
    conditional = m.expected_purchases(t, np.zeros(3), np.zeros(3), np.zeros(3))
    np.testing.assert_allclose(conditional, m.expected_purchases_new(t), rtol=1e-10)
    assert (fitted["bg"].p_alive([0, 0], [0, 0], [10, 30]) == 1).all()


def test_gamma_gamma_expected_spend_moves_from_population_mean_to_own_mean(fitted):
    gg = fitted["gg"]
    assert gg.expected_spend([0], [0])[0] == pytest.approx(gg.mean_spend)
    assert gg.expected_spend([10_000], [50.0])[0] == pytest.approx(50.0, rel=1e-3)


def test_more_recent_buyers_are_more_likely_alive(fitted):
    alive = fitted["bg"].p_alive([3, 3, 3], [5.0, 20.0, 38.0], [39.0, 39.0, 39.0])
    assert alive[0] < alive[1] < alive[2]


def test_the_course_formula():
    # (RR - TRC) x T - AC = (5000 - 1200) x 6 - 3000 = 19,800 per customer; x 100 customers.
    result = clv.formula(revenue=5000, relationship_cost=1200, periods=6, acquisition_cost=3000, customers=100)
    assert result.value == 19_800 and result.total == 1_980_000 and result.per_period_margin == 3800


@pytest.mark.parametrize("frequency, recency, T, message", [
    ([1, -1], [1, 0], [2, 2], "frequency must be >= 0"),
    ([1.5], [1], [2], "whole numbers"),
    ([1], [3], [2], "recency cannot exceed T"),
    ([0], [1], [2], "frequency 0 must have recency 0"),
    ([2], [0], [2], "recency > 0"),
    ([1, 2], [1], [2, 2], "same length"),
    ([1, np.nan], [1, 1], [2, 2], "missing"),
    ([], [], [], "empty"),
    ([0, 0], [0, 0], [5, 5], "no customer has a repeat purchase"),
])
def test_bad_input_is_refused_clearly(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        clv.BetaGeo.fit(frequency, recency, T)


def test_gamma_gamma_bad_input():
    with pytest.raises(ValueError, match="at least 3 customers"):
        clv.GammaGamma.fit([1, 0, 0], [10, 0, 0])
    with pytest.raises(ValueError, match="monetary must be > 0"):
        clv.GammaGamma.fit([1, 1, 1], [10, 0, 5])
    with pytest.raises(ValueError, match="same length"):
        clv.GammaGamma.fit([1, 1, 1], [10, 5])


def test_formula_and_lifetime_value_bad_input(fitted):
    with pytest.raises(ValueError, match="cannot be negative"):
        clv.formula(revenue=-1, relationship_cost=0, periods=1, acquisition_cost=0)
    with pytest.raises(ValueError, match="finite"):
        clv.formula(revenue=float("nan"), relationship_cost=0, periods=1, acquisition_cost=0)
    with pytest.raises(ValueError, match="periods must be"):
        clv.lifetime_value(fitted["bg"], fitted["gg"], [1], [1], [2], [10], periods=0)


# Plain numbers and array-likes, broadcast as in lifetimes (issue 7, D1). -------------------------

def test_predictions_take_plain_numbers_as_lifetimes_does(fitted):
    """``expected_purchases(39, 2, 30.43, 38.86)``: the paper's example (FHL 2005, p. 281) with
    plain numbers, answered with a plain number."""
    bg, pn, gg = fitted["bg"], fitted["pn"], fitted["gg"]
    value = bg.expected_purchases(39, 2, 30.43, 38.86)
    assert np.ndim(value) == 0 and isinstance(value, float)
    assert value == pytest.approx(1.226, abs=0.0005)
    assert np.ndim(bg.p_alive(2, 30.43, 38.86)) == 0
    assert np.ndim(pn.p_alive(2, 30.43, 38.86)) == 0 and np.ndim(pn.expected_purchases(39, 2, 30.43, 38.86)) == 0
    assert np.ndim(gg.expected_spend(2, 30.0)) == 0
    assert np.ndim(bg.expected_purchases_new(39)) == 0
    assert np.ndim(clv.lifetime_value(bg, gg, 2, 30.43, 38.86, 30.0, periods=3, period_length=4.345)) == 0


@pytest.mark.parametrize("model", ["bg", "mbg", "pn"])
def test_predictions_agree_across_numbers_lists_arrays_and_series(fitted, cdnow, model):
    """The same customers as scalars one by one, as lists, numpy arrays and pandas Series."""
    m = fitted[model]
    rows = cdnow.iloc[[0, 5, 17, 300, 2000]]
    x, t_x, big_t = rows.x, rows.t_x, rows["T"]
    as_series = m.expected_purchases(39, x, t_x, big_t)
    for convert in (list, np.asarray, lambda s: s.to_numpy().reshape(-1, 1)[:, 0]):
        np.testing.assert_allclose(m.expected_purchases(39, convert(x), convert(t_x), convert(big_t)), as_series)
        np.testing.assert_allclose(m.p_alive(convert(x), convert(t_x), convert(big_t)), m.p_alive(x, t_x, big_t))
    one_by_one = [m.expected_purchases(39, a, b, c) for a, b, c in zip(x, t_x, big_t)]
    np.testing.assert_allclose(one_by_one, as_series, rtol=1e-12)


@pytest.mark.parametrize("model", ["bg", "mbg", "pn"])
def test_predictions_broadcast(fitted, model):
    """One history against several horizons, several T against one frequency, a grid."""
    m = fitted[model]
    horizons = np.array([13.0, 26.0, 39.0])
    grid = m.expected_purchases(horizons[:, None], 2, 30.43, np.array([31.0, 38.86]))
    assert grid.shape == (3, 2)
    for i, t in enumerate(horizons):
        for j, big_t in enumerate([31.0, 38.86]):
            assert grid[i, j] == pytest.approx(m.expected_purchases(t, 2, 30.43, big_t), rel=1e-12)
    assert m.p_alive([1, 2, 3], 10.0, 39.0).shape == (3,)
    assert m.expected_purchases_by([13, 39], [1, 2], [5.0, 10.0], 39.0).shape == (2, 2)
    with pytest.raises(ValueError, match="broadcast"):
        m.p_alive([1, 2, 3], [5.0, 6.0], 39.0)


def test_gamma_gamma_and_lifetime_value_broadcast(fitted):
    gg, bg = fitted["gg"], fitted["bg"]
    spend = gg.expected_spend([1, 5, 20], 30.0)
    np.testing.assert_allclose(spend, [gg.expected_spend(x, 30.0) for x in (1, 5, 20)])
    value = clv.lifetime_value(bg, gg, [1, 2], [10.0, 30.43], 38.86, pd.Series([20.0, 30.0]), periods=3,
                               period_length=4.345)
    assert value.shape == (2,)
    assert value[1] == pytest.approx(clv.lifetime_value(bg, gg, 2, 30.43, 38.86, 30.0, periods=3, period_length=4.345))


def test_bad_prediction_input_is_refused_clearly(fitted):
    with pytest.raises(ValueError, match="recency cannot exceed T"):
        fitted["bg"].p_alive(2, 40.0, 38.86)
    with pytest.raises(ValueError, match="frequency must be whole numbers"):
        fitted["bg"].expected_purchases(39, 2.5, 30.0, 38.86)
    with pytest.raises(ValueError, match="t must be >= 0"):
        fitted["pn"].expected_purchases(-1, 2, 30.0, 38.86)


# MBG/NBD (issue 7, D2). ---------------------------------------------------------------------------

def test_mbg_nbd_reproduces_btydplus_on_cdnow(fitted):
    """BTYDplus (Platzer's R package; the values lifetimes' own tests use) on CDNOW: r = 0.525,
    alpha = 6.183, a = 0.891, b = 1.614, published to three decimals."""
    mbg = fitted["mbg"]
    for name, value in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert mbg.params[name] == pytest.approx(value, abs=0.0006), name
    assert mbg.converged


def test_mbg_nbd_gives_customers_without_repeats_a_falling_chance_of_being_alive(fitted):
    """BG/NBD says 1 for every x = 0; MBG/NBD says less, and less the longer ago they were seen."""
    assert (fitted["bg"].p_alive(0, 0, [5.0, 39.0]) == 1).all()
    alive = fitted["mbg"].p_alive(0, 0, [5.0, 20.0, 39.0])
    assert (alive < 1).all() and alive[0] > alive[1] > alive[2]
    r, alpha, a, b = fitted["mbg"]._unpack()
    assert alive[2] == pytest.approx(1 / (1 + a / b * ((alpha + 39) / alpha) ** r), rel=1e-12)


def test_mbg_nbd_gradient_and_hessian_match_finite_differences(cdnow):
    levels, counts = clv._patterns(*clv._check_rft(cdnow.x, cdnow.t_x, cdnow["T"]))
    data = clv._BgNbdData(*levels, counts, modified=1)
    for theta in (np.array([0.5, 6.0, 0.9, 1.6]), np.array([1.3, 15.0, 0.4, 5.0])):
        assert_derivatives_match_finite_differences(data.loglik, theta)


# Pareto/NBD by Newton's method with the analytic gradient and Hessian (issue 7, D2). ------------

def pareto_patterns(seed=0, n=20_000):
    """Day-scale histories with light and heavy buyers (x up to about 60), some seen at T."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.choice([0.5, 3.0, 30.0], n)).astype(float)
    big_t = rng.uniform(60, 1460, n)
    t_x = np.where(x > 0, np.where(rng.random(n) < 0.05, big_t, rng.random(n) * big_t), 0.0)
    return x, t_x, big_t


@pytest.mark.parametrize("theta", [(0.55, 10.58, 0.61, 11.67), (0.2, 30.0, 0.3, 6000.0), (2.0, 300.0, 0.5, 5.0),
                                   (0.5, 50.0, 0.2, 0.5), (3.0, 1000.0, 2.0, 20.0)])
def test_pareto_nbd_quadrature_likelihood_equals_the_closed_form(cdnow, theta):
    """The Gauss-Legendre integral against the Gaussian hypergeometric closed form (FHL 2005
    note, eqs. 19-22), per customer, on CDNOW (weeks) and on day-scale data with heavy buyers."""
    for x, t_x, big_t in [(cdnow.x.to_numpy(float), cdnow.t_x.to_numpy(float), cdnow["T"].to_numpy(float)),
                          pareto_patterns()]:
        data = clv._ParetoNbdData(x, t_x, big_t, np.ones(len(x)))
        per_customer = [data._chunk(*theta, x[i:i + 1], t_x[i:i + 1], big_t[i:i + 1], np.ones(1), False)[0]
                        for i in range(0, len(x), 97)]
        np.testing.assert_allclose(per_customer, clv._pareto_loglik(theta, x, t_x, big_t)[::97], rtol=0, atol=1e-10)
        assert data.loglik(np.array(theta))[0] == pytest.approx(clv._pareto_loglik(theta, x, t_x, big_t).sum(), rel=1e-13)


def test_pareto_nbd_gradient_and_hessian_match_finite_differences(cdnow):
    levels, counts = clv._patterns(*clv._check_rft(cdnow.x, cdnow.t_x, cdnow["T"]))
    data = clv._ParetoNbdData(*(level.column for level in levels), counts)
    for theta in (np.array([0.55, 10.6, 0.6, 11.7]), np.array([0.8, 5.0, 1.5, 30.0]), np.array([1.5, 20.0, 0.4, 3.0])):
        assert_derivatives_match_finite_differences(data.loglik, theta)


def test_pareto_nbd_fit_is_the_maximum_on_heavy_day_scale_data():
    """Newton's optimum: the closed-form log-likelihood is lower at every nearby point."""
    x, t_x, big_t = pareto_patterns(1)
    fit = clv.ParetoNBD.fit(x, t_x, big_t)
    assert fit.converged
    theta = np.array(list(fit.params.values()))
    best = clv._pareto_loglik(tuple(theta), x, t_x, big_t).sum()
    assert best == pytest.approx(fit.loglik, rel=1e-12)
    for j in range(4):
        for factor in (0.999, 1.001):
            moved = theta.copy()
            moved[j] *= factor
            assert clv._pareto_loglik(tuple(moved), x, t_x, big_t).sum() < best


def test_mbg_nbd_agrees_with_lifetimes(fitted):
    """Estimates to a relative 1e-5 and predictions to 1e-6 against lifetimes'
    ``ModifiedBetaGeoFitter`` (a second implementation, run once and stored)."""
    mbg = fitted["mbg"]
    params = pd.read_csv(DATA / "cdnow_lifetimes_mbg_params.csv")
    for name, value in zip(params.param, params.value):
        assert mbg.params[name] == pytest.approx(value, rel=1e-5), name
    ref = pd.read_csv(DATA / "cdnow_lifetimes_mbg_reference.csv")
    rft = (ref.x, ref.t_x, ref["T"])
    np.testing.assert_allclose(mbg.p_alive(*rft), ref.mbg_p_alive, rtol=1e-6)
    np.testing.assert_allclose(mbg.expected_purchases(39, *rft), ref.mbg_expected_39, rtol=1e-6)
    assert mbg.expected_purchases_new(39) == pytest.approx(ref.mbg_expected_new_39[0], rel=1e-6)
