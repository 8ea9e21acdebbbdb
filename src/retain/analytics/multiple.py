"""Multiple comparisons: keeping the chance of any false finding at the stated level.

Why: a league table that tests every dealer against the rest of the group at 5% will, with a
hundred dealers and no real difference, mark about five of them as different. The Holm (1979)
step-down procedure controls the family-wise error rate (the probability of at least one false
rejection) at ``alpha`` under any dependence between the tests, and rejects everything the
Bonferroni correction rejects and often more (Holm, S. (1979), "A simple sequentially rejective
multiple test procedure", *Scandinavian Journal of Statistics* 6(2), 65-70).

Adjusted p-values (Wright, S. P. (1992), "Adjusted p-values for simultaneous inference",
*Biometrics* 48(4), 1005-1013): with the m p-values sorted ascending, p_(1) <= ... <= p_(m),

    adjusted_(i) = max over j <= i of min(1, (m - j + 1) * p_(j)),

and a hypothesis is rejected at level alpha exactly when its adjusted p-value is <= alpha. These
are the values of R's ``p.adjust(p, method = "holm")``.
"""

import numpy as np

from ._base import as_vector


def holm(p_values) -> np.ndarray:
    """Holm-adjusted p-values, in the order given (see the module docstring)."""
    p = as_vector(p_values, "p_values", low=0, high=1)
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
