"""Driver analysis checked against independent references.

References and tolerances:

* Published output: R's ``summary(lm(Fertility ~ ., data = swiss))`` (coefficients printed to 5
  decimals, R² to 4) and the LMG / Pratt values relaimpo prints for the same model (Grömping 2006,
  JSS 17(1), the ``swiss`` example; 4 decimals). Tolerance: half a unit in the last printed digit.
* Closed forms: two drivers, LMG_1 = (r_1² + R² - r_2²) / 2 (Grömping 2006, section 3);
  uncorrelated drivers, every method gives r_j². Tolerance 1e-12.
* Second implementations inside this file: Shapley by brute force over all p! orders, refitting
  OLS on the raw rows with ``numpy.linalg.lstsq`` (p <= 5, 1e-10); relative weights through the
  SVD of the standardised data instead of the eigendecomposition of the correlation matrix
  (1e-10); Pratt weights from an lstsq fit on standardised data (1e-10).
* Planted truth: independent drivers with known betas, where each driver's share of R² is
  beta_j² / sum(beta²); n = 20,000, tolerance 0.02 on the share (sampling sd is about 0.005).
* Properties (hypothesis): weights sum to R² (1e-10), rescaled to 100 (1e-8), Shapley and relative
  weights are non-negative, and nothing changes when rows are shuffled or columns rescaled,
  shifted, sign-flipped or reordered (1e-9).
"""

import io
import math
from dataclasses import FrozenInstanceError
from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from retain.analytics import drivers
from retain.analytics.drivers import DriverResult, ols, relative_weights, shapley

METHODS = [shapley, relative_weights, ols]

# R's datasets::swiss (Mosteller & Tukey 1977, Data Analysis and Regression, pp. 549-551), as
# distributed with R and mirrored in the Rdatasets collection (csv/datasets/swiss.csv).
SWISS_CSV = """province,Fertility,Agriculture,Examination,Education,Catholic,Infant.Mortality
Courtelary,80.2,17,15,12,9.96,22.2
Delemont,83.1,45.1,6,9,84.84,22.2
Franches-Mnt,92.5,39.7,5,5,93.4,20.2
Moutier,85.8,36.5,12,7,33.77,20.3
Neuveville,76.9,43.5,17,15,5.16,20.6
Porrentruy,76.1,35.3,9,7,90.57,26.6
Broye,83.8,70.2,16,7,92.85,23.6
Glane,92.4,67.8,14,8,97.16,24.9
Gruyere,82.4,53.3,12,7,97.67,21
Sarine,82.9,45.2,16,13,91.38,24.4
Veveyse,87.1,64.5,14,6,98.61,24.5
Aigle,64.1,62,21,12,8.52,16.5
Aubonne,66.9,67.5,14,7,2.27,19.1
Avenches,68.9,60.7,19,12,4.43,22.7
Cossonay,61.7,69.3,22,5,2.82,18.7
Echallens,68.3,72.6,18,2,24.2,21.2
Grandson,71.7,34,17,8,3.3,20
Lausanne,55.7,19.4,26,28,12.11,20.2
La Vallee,54.3,15.2,31,20,2.15,10.8
Lavaux,65.1,73,19,9,2.84,20
Morges,65.5,59.8,22,10,5.23,18
Moudon,65,55.1,14,3,4.52,22.4
Nyone,56.6,50.9,22,12,15.14,16.7
Orbe,57.4,54.1,20,6,4.2,15.3
Oron,72.5,71.2,12,1,2.4,21
Payerne,74.2,58.1,14,8,5.23,23.8
Paysd'enhaut,72,63.5,6,3,2.56,18
Rolle,60.5,60.8,16,10,7.72,16.3
Vevey,58.3,26.8,25,19,18.46,20.9
Yverdon,65.4,49.5,15,8,6.1,22.5
Conthey,75.5,85.9,3,2,99.71,15.1
Entremont,69.3,84.9,7,6,99.68,19.8
Herens,77.3,89.7,5,2,100,18.3
Martigwy,70.5,78.2,12,6,98.96,19.4
Monthey,79.4,64.9,7,3,98.22,20.2
St Maurice,65,75.9,9,9,99.06,17.8
Sierre,92.2,84.6,3,3,99.46,16.3
Sion,79.3,63.1,13,13,96.83,18.1
Boudry,70.4,38.4,26,12,5.62,20.3
La Chauxdfnd,65.7,7.7,29,11,13.79,20.5
Le Locle,72.7,16.7,22,13,11.22,18.9
Neuchatel,64.4,17.6,35,32,16.92,23
Val de Ruz,77.6,37.6,15,7,4.97,20
ValdeTravers,67.6,18.7,25,7,8.65,19.5
V. De Geneve,35,1.2,37,53,42.34,18
Rive Droite,44.7,46.6,16,29,50.43,18.2
Rive Gauche,42.8,27.7,22,29,58.33,19.3
"""


@pytest.fixture(scope="module")
def swiss():
    frame = pd.read_csv(io.StringIO(SWISS_CSV), index_col="province")
    assert frame.shape == (47, 6)
    return frame.drop(columns="Fertility"), frame["Fertility"]


def correlated(n, p, seed, *, rho=0.5):
    """n rows of p drivers with pairwise correlation about rho, and y depending on all of them."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    X = math.sqrt(rho) * common + math.sqrt(1 - rho) * rng.normal(size=(n, p))
    beta = rng.uniform(-1, 2, size=p)
    y = X @ beta + rng.normal(size=n)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(p)]), y


# --------------------------------------------------------------------------------------------
# Independent reference implementations


def lstsq_r2(X: np.ndarray, y: np.ndarray, columns) -> float:
    """R² of OLS of y on an intercept and the given columns, refitted on the raw rows."""
    design = np.column_stack([np.ones(len(y))] + [X[:, j] for j in columns])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    residual = y - design @ coef
    return 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))


def brute_force_shapley(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """LMG by its definition: average over all p! orders of each driver's R² increase on entry."""
    p = X.shape[1]
    cache = {}

    def r2(subset):
        key = frozenset(subset)
        if key not in cache:
            cache[key] = lstsq_r2(X, y, sorted(key)) if key else 0.0
        return cache[key]

    total = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        for position, j in enumerate(order):
            total[j] += r2(order[: position + 1]) - r2(order[:position])
    return total / len(orders)


def svd_relative_weights(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) through the SVD of the standardised data matrix.

    X_s = U S V' gives the closest orthonormal matrix Z = sqrt(n-1) U V' (Johnson's eq. 5), the
    loadings Lambda = V S V' / sqrt(n-1) with X_s = Z Lambda, and the weights
    eps_j = sum_k Lambda_jk² beta_k² where beta = lstsq(Z, y_s).
    """
    n = len(y)
    Xs = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    U, S, Vt = np.linalg.svd(Xs, full_matrices=False)
    Z = math.sqrt(n - 1) * U @ Vt
    Lambda = Vt.T @ np.diag(S) @ Vt / math.sqrt(n - 1)
    assert np.allclose(Z @ Lambda, Xs)
    beta = np.linalg.lstsq(Z, ys, rcond=None)[0]
    return (Lambda ** 2) @ (beta ** 2)


def lstsq_pratt(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised betas from lstsq on z-scores, and Pratt's beta_j * r_jy."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ys = (y - y.mean()) / y.std()
    beta = np.linalg.lstsq(Xs, ys, rcond=None)[0]
    r = Xs.T @ ys / len(y)
    return beta, beta * r


# --------------------------------------------------------------------------------------------
# Published values: the swiss example


def test_swiss_ols_matches_the_published_lm_output(swiss):
    """R: summary(lm(Fertility ~ ., swiss)): Multiple R-squared 0.7067; coefficients below."""
    X, y = swiss
    result = ols(X, y)
    assert result.r2 == pytest.approx(0.7067, abs=5e-5)
    published = {"Agriculture": -0.17211, "Examination": -0.25801, "Education": -0.87094,
                 "Catholic": 0.10412, "Infant.Mortality": 1.07705}
    raw = result.beta * y.std(ddof=1) / X.std(ddof=1)
    for name, coefficient in published.items():
        assert raw[name] == pytest.approx(coefficient, abs=5e-6), name


def test_swiss_lmg_and_pratt_match_relaimpo(swiss):
    """relaimpo's calc.relimp(swiss, type = c("lmg", "pratt")) (Grömping 2006), 4 decimals."""
    X, y = swiss
    lmg = {"Agriculture": 0.0571, "Examination": 0.1712, "Education": 0.2601,
           "Catholic": 0.1056, "Infant.Mortality": 0.1128}
    pratt = {"Agriculture": -0.1105, "Examination": 0.1064, "Education": 0.4450,
             "Catholic": 0.1612, "Infant.Mortality": 0.1046}
    shap, pr = shapley(X, y), ols(X, y)
    for name in lmg:
        assert shap.weights[name] == pytest.approx(lmg[name], abs=5e-5), name
        assert pr.weights[name] == pytest.approx(pratt[name], abs=5e-5), name
    assert shap.weights.sum() == pytest.approx(0.7067, abs=5e-5)


def test_swiss_relative_weights_are_close_to_lmg(swiss):
    """Johnson (2000) and LeBreton et al. (2004) report RW and LMG within a few points of each other."""
    X, y = swiss
    rw, shap = relative_weights(X, y), shapley(X, y)
    assert (rw.weights - shap.weights).abs().max() < 0.02
    assert list(rw.weights.sort_values().index[-2:]) == list(shap.weights.sort_values().index[-2:])


# --------------------------------------------------------------------------------------------
# Closed forms


@pytest.mark.parametrize("seed", range(5))
def test_two_drivers_lmg_closed_form(seed):
    X, y = correlated(50, 2, seed, rho=0.6)
    r = np.array([np.corrcoef(X[c], y)[0, 1] for c in X])
    result = shapley(X, y)
    expected = np.array([r[0] ** 2 + result.r2 - r[1] ** 2, r[1] ** 2 + result.r2 - r[0] ** 2]) / 2
    np.testing.assert_allclose(result.weights.to_numpy(), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_uncorrelated_drivers_each_get_their_squared_correlation(method):
    rng = np.random.default_rng(7)
    raw = rng.normal(size=(40, 4))
    raw -= raw.mean(axis=0)
    orthogonal, _ = np.linalg.qr(raw - raw.mean(axis=0))
    X = pd.DataFrame(orthogonal * [1, 2, 3, 4], columns=list("abcd"))
    X -= X.mean()
    assert np.abs(np.corrcoef(X.to_numpy(), rowvar=False) - np.eye(4)).max() < 1e-12
    y = X.to_numpy() @ [1.0, -1.0, 0.5, 0.0] + rng.normal(size=40) * 0.1
    r2_each = np.array([np.corrcoef(X[c], y)[0, 1] ** 2 for c in X])
    result = method(X, y)
    np.testing.assert_allclose(result.weights.to_numpy(), r2_each, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Second implementations


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shapley_equals_brute_force_over_all_orderings(p, seed):
    X, y = correlated(30 + 5 * p, p, seed, rho=0.4 + 0.1 * seed)
    expected = brute_force_shapley(X.to_numpy(), y)
    result = shapley(X, y)
    np.testing.assert_allclose(result.weights.to_numpy(), expected, rtol=0, atol=1e-10)
    assert result.r2 == pytest.approx(lstsq_r2(X.to_numpy(), y, range(p)), abs=1e-10)


def test_shapley_brute_force_on_swiss(swiss):
    X, y = swiss
    np.testing.assert_allclose(shapley(X, y).weights.to_numpy(),
                               brute_force_shapley(X.to_numpy(), y.to_numpy()), rtol=0, atol=1e-10)


@pytest.mark.parametrize("p", [1, 2, 3, 6, 12])
@pytest.mark.parametrize("seed", [0, 1])
def test_relative_weights_equal_the_svd_computation(p, seed):
    X, y = correlated(40 + 3 * p, p, seed, rho=0.7)
    np.testing.assert_allclose(relative_weights(X, y).weights.to_numpy(),
                               svd_relative_weights(X.to_numpy(), y), rtol=0, atol=1e-10)


def test_relative_weights_svd_on_swiss(swiss):
    X, y = swiss
    np.testing.assert_allclose(relative_weights(X, y).weights.to_numpy(),
                               svd_relative_weights(X.to_numpy(), y.to_numpy()), rtol=0, atol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ols_equals_lstsq_on_standardised_data(seed):
    X, y = correlated(60, 4, seed)
    beta, pratt = lstsq_pratt(X.to_numpy(), y)
    result = ols(X, y)
    np.testing.assert_allclose(result.beta.to_numpy(), beta, rtol=0, atol=1e-10)
    np.testing.assert_allclose(result.weights.to_numpy(), pratt, rtol=0, atol=1e-10)
    assert result.r2 == pytest.approx(lstsq_r2(X.to_numpy(), y, range(4)), abs=1e-10)


def test_all_methods_share_beta_and_r2(swiss):
    X, y = swiss
    results = [method(X, y) for method in METHODS]
    for other in results[1:]:
        assert other.r2 == pytest.approx(results[0].r2, abs=1e-12)
        np.testing.assert_allclose(other.beta.to_numpy(), results[0].beta.to_numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------------
# Planted truth


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_independent_drivers_recover_planted_shares(method):
    """Independent unit-variance drivers: driver j explains beta_j² of var(y); share = beta_j²/sum."""
    rng = np.random.default_rng(2024)
    beta = np.array([3.0, 2.0, 1.0, 0.5])
    n = 20_000
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["repair_right", "no_rework", "value", "clean_car"])
    y = X.to_numpy() @ beta + rng.normal(scale=2.0, size=n)
    result = method(X, y)
    share = beta ** 2 / (beta ** 2).sum()
    np.testing.assert_allclose(result.weights.to_numpy() / result.r2, share, atol=0.02)
    np.testing.assert_allclose(result.rescaled.to_numpy(), 100 * share, atol=2.0)
    assert result.r2 == pytest.approx((beta ** 2).sum() / ((beta ** 2).sum() + 4.0), abs=0.01)


def test_bootstrap_interval_covers_planted_truth():
    rng = np.random.default_rng(11)
    beta = np.array([2.0, 1.0, 0.0])
    X = pd.DataFrame(rng.normal(size=(2_000, 3)), columns=list("abc"))
    y = X.to_numpy() @ beta + rng.normal(size=2_000)
    result = shapley(X, y, bootstrap=300, seed=5)
    truth = (beta ** 2 / ((beta ** 2).sum() + 1.0))[:2]
    assert (result.ci_low[["a", "b"]].to_numpy() <= truth).all()
    assert (truth <= result.ci_high[["a", "b"]].to_numpy()).all()
    # A share of R² cannot be negative, so a null driver's interval sits just above 0 (the known
    # upward bias of R²-based shares) rather than around it.
    assert 0 <= result.ci_low["c"] and result.ci_high["c"] < 0.005
    assert (result.ci_high - result.ci_low).max() < 0.05


# --------------------------------------------------------------------------------------------
# Properties

likert_data = st.integers(min_value=1, max_value=5).flatmap(lambda p: st.integers(p + 8, 60).flatmap(
    lambda n: hnp.arrays(np.float64, (n, p + 1), elements=st.integers(1, 5).map(float))))


def usable(data):
    """Skip draws whose drivers are constant or (near-)collinear: they are rejected by design."""
    if (np.ptp(data, axis=0) == 0).any():
        return False
    R = np.corrcoef(data[:, :-1], rowvar=False)
    return np.linalg.eigvalsh(np.atleast_2d(R)).min() > 1e-6


def split(data):
    X = pd.DataFrame(data[:, :-1], columns=[f"item{j}" for j in range(data.shape[1] - 1)])
    return X, data[:, -1]


PROPERTY_SETTINGS = settings(max_examples=60, deadline=None,
                             suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(likert_data)
def test_weights_sum_to_r2_and_rescaled_to_100(data):
    assume(usable(data))
    X, y = split(data)
    r2 = lstsq_r2(data[:, :-1], y, range(X.shape[1]))
    for method in METHODS:
        result = method(X, y)
        assert result.weights.sum() == pytest.approx(r2, abs=1e-10)
        assert result.r2 == pytest.approx(r2, abs=1e-10)
        if r2 > 1e-9:
            assert result.rescaled.sum() == pytest.approx(100, abs=1e-8)
        else:
            assert result.rescaled.isna().all()
        if method is not ols:
            assert (result.weights >= -1e-12).all()
            assert (result.weights <= result.r2 + 1e-12).all()


@PROPERTY_SETTINGS
@given(likert_data, st.randoms(use_true_random=False))
def test_invariant_to_row_order(data, random):
    assume(usable(data))
    order = list(range(len(data)))
    random.shuffle(order)
    X, y = split(data)
    Xs, ys = split(data[order])
    for method in METHODS:
        np.testing.assert_allclose(method(Xs, ys).weights.to_numpy(), method(X, y).weights.to_numpy(),
                                   rtol=0, atol=1e-10)


@PROPERTY_SETTINGS
@given(likert_data, st.data())
def test_invariant_to_column_scaling_shift_and_order(data, draw):
    assume(usable(data))
    X, y = split(data)
    p = X.shape[1]
    factors = draw.draw(st.lists(st.sampled_from([-1000.0, -3.0, -0.01, 0.001, 0.5, 7.0, 1e4]),
                                 min_size=p, max_size=p))
    shifts = draw.draw(st.lists(st.floats(-100, 100), min_size=p, max_size=p))
    order = draw.draw(st.permutations(list(X.columns)))
    transformed = (X * factors + shifts)[order]
    y_scale = draw.draw(st.sampled_from([-2.0, 0.01, 1.0, 300.0]))
    for method in METHODS:
        base = method(X, y).weights
        moved = method(transformed, y * y_scale + 5).weights
        assert list(moved.index) == order
        np.testing.assert_allclose(moved[base.index].to_numpy(), base.to_numpy(), rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# Result object


def test_result_shape_and_frame(swiss):
    X, y = swiss
    result = shapley(X, y)
    assert isinstance(result, DriverResult) and result.method == "shapley"
    assert list(result.weights.index) == list(X.columns) == result.drivers
    assert result.n == 47 and result.bootstrap == 0 and result.ci_low is None
    frame = result.to_frame()
    assert list(frame.columns) == ["driver", "weight", "rescaled", "beta"]
    assert len(frame) == 5
    text = result.summary()
    assert "shapley" in text and "Education" in text
    with pytest.raises(FrozenInstanceError):
        result.r2 = 1.0


def test_bootstrap_is_reproducible_and_brackets_the_estimate(swiss):
    X, y = swiss
    first = relative_weights(X, y, bootstrap=200, seed=42)
    second = relative_weights(X, y, bootstrap=200, seed=42)
    pd.testing.assert_series_equal(first.ci_low, second.ci_low)
    pd.testing.assert_series_equal(first.ci_high, second.ci_high)
    assert (first.ci_low <= first.ci_high).all()
    assert (first.ci_low <= first.weights).all() and (first.weights <= first.ci_high).all()
    assert first.bootstrap == 200 and first.level == 0.95 and first.seed == 42
    assert {"ci_low", "ci_high"} <= set(first.to_frame().columns)
    other = relative_weights(X, y, bootstrap=200, seed=43)
    assert not first.ci_low.equals(other.ci_low)


def test_narrower_level_gives_narrower_interval(swiss):
    X, y = swiss
    wide = ols(X, y, bootstrap=200, seed=1, level=0.95)
    narrow = ols(X, y, bootstrap=200, seed=1, level=0.5)
    assert ((narrow.ci_high - narrow.ci_low) <= (wide.ci_high - wide.ci_low) + 1e-15).all()


def test_shapley_handles_fifteen_drivers_quickly():
    import time

    X, y = correlated(200, 15, 3)
    start = time.perf_counter()
    result = shapley(X, y)
    assert time.perf_counter() - start < 5
    assert result.weights.sum() == pytest.approx(result.r2, abs=1e-10)
    np.testing.assert_allclose(result.weights.to_numpy(), relative_weights(X, y).weights.to_numpy(), atol=0.05)


def test_relative_weights_scale_past_the_shapley_limit():
    X, y = correlated(300, 40, 4)
    result = relative_weights(X, y)
    assert result.weights.sum() == pytest.approx(result.r2, abs=1e-10)


# --------------------------------------------------------------------------------------------
# Bad input


def test_shapley_refuses_more_than_fifteen_drivers():
    X, y = correlated(100, 16, 0)
    with pytest.raises(ValueError, match=r"2\^p subsets.*16 drivers.*limit is 15") as error:
        shapley(X, y)
    assert "relative_weights" in str(error.value)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_too_few_rows(method):
    X, y = correlated(5, 4, 0)
    with pytest.raises(ValueError, match="5 rows but 4 drivers need at least 6"):
        method(X, y)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_nan_in_drivers(method):
    X, y = correlated(30, 3, 0)
    X.iloc[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"missing values \(NaN\) in column\(s\) \['x1'\]"):
        method(X, y)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_nan_in_y(method):
    X, y = correlated(30, 3, 0)
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"y contains 1 missing value"):
        method(X, y)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_infinite_values(method):
    X, y = correlated(30, 3, 0)
    y[0] = np.inf
    with pytest.raises(ValueError, match="y contains infinite values"):
        method(X, y)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_constant_driver(method):
    X, y = correlated(30, 3, 0)
    X["x2"] = 4.0
    with pytest.raises(ValueError, match=r"constant column\(s\) \['x2'\]"):
        method(X, y)


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_constant_y(method):
    X, _ = correlated(30, 3, 0)
    with pytest.raises(ValueError, match="y is constant"):
        method(X, np.full(30, 5.0))


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_y_length_mismatch(method):
    X, y = correlated(30, 3, 0)
    with pytest.raises(ValueError, match="y has 29 values but X has 30 rows"):
        method(X, y[:-1])


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_collinear_drivers_are_named(method):
    X, y = correlated(30, 4, 0)
    X["total"] = X["x0"] + X["x2"]
    with pytest.raises(ValueError, match="perfectly collinear") as error:
        method(X, y)
    message = str(error.value)
    assert "['x0', 'x2', 'total']" in message and "x1" not in message and "x3" not in message


@pytest.mark.parametrize("method", METHODS, ids=lambda f: f.__name__)
def test_duplicated_driver_is_collinear(method):
    X, y = correlated(30, 2, 0)
    X["copy"] = 2 * X["x1"] + 3
    with pytest.raises(ValueError, match=r"perfectly collinear drivers \['x1', 'copy'\]"):
        method(X, y)


def test_duplicated_column_names():
    X, y = correlated(30, 2, 0)
    X.columns = ["a", "a"]
    with pytest.raises(ValueError, match=r"duplicated column name\(s\) \['a'\]"):
        shapley(X, y)


def test_non_numeric_driver():
    X, y = correlated(30, 2, 0)
    X["x1"] = "good"
    with pytest.raises(ValueError, match="must hold numbers only"):
        relative_weights(X, y)


def test_non_numeric_y():
    X, _ = correlated(30, 2, 0)
    with pytest.raises(ValueError, match="y must be numbers"):
        ols(X, ["a"] * 30)


def test_no_drivers():
    with pytest.raises(ValueError):
        shapley(pd.DataFrame(index=range(10)), np.arange(10.0))


@pytest.mark.parametrize("kwargs, message", [
    ({"bootstrap": -1}, "bootstrap must be >= 0"),
    ({"bootstrap": 2.5}, "bootstrap must be whole numbers"),
    ({"bootstrap": 10, "level": 1.5}, "level must be <= 1"),
    ({"bootstrap": 10, "level": 1.0}, "level must be strictly between 0 and 1"),
])
def test_bad_bootstrap_arguments(swiss, kwargs, message):
    X, y = swiss
    with pytest.raises(ValueError, match=message):
        shapley(X, y, **kwargs)


def test_bootstrap_gives_up_on_data_too_thin_to_resample():
    """Five 0/1 flags, each set on one of seven rows: a resample misses a given row with
    probability (6/7)^7 = 0.34, so about 96% of resamples have a constant (or collinear) flag;
    past 9 failures in 10 the error says the data are too thin."""
    X = pd.DataFrame(np.eye(7)[:, :5], columns=list("abcde"))
    y = np.array([3.0, 1.0, 2.0, 5.0, 4.0, 4.5, 3.5])
    assert shapley(X, y).n == 7  # the data themselves are fine
    with pytest.raises(ValueError, match="bootstrap resamples could be decomposed"):
        shapley(X, y, bootstrap=50, seed=0)


def test_module_does_not_import_django():
    import subprocess
    import sys

    code = ("import sys, retain.analytics.drivers, retain.analytics.quadrant; "
            "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
    assert drivers.MAX_SHAPLEY_DRIVERS == 15


@pytest.mark.parametrize("method", METHODS)
def test_drivers_that_explain_nothing_have_undefined_shares(method):
    # y is orthogonal to both drivers (all centred): R2 = 0, so percent shares are undefined.
    X = pd.DataFrame({"a": [1.0, -1.0, 1.0, -1.0, 0.0, 0.0], "b": [1.0, 1.0, -1.0, -1.0, 0.0, 0.0]})
    y = np.array([1.0, -1.0, -1.0, 1.0, 2.0, -2.0])
    result = method(X, y)
    assert result.r2 == pytest.approx(0, abs=1e-12)
    assert result.rescaled.isna().all()
