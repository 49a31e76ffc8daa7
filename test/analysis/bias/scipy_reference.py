"""Reference numbers for test/analysis/bias: SciPy's statistics on the cases the tests send.

Reads JSON on stdin:
  {"welch": [[a, b], ...],                         # scipy.stats.ttest_ind(a, b, equal_var=False)
   "betainc": [[x, a, b], ...],                    # scipy.special.betainc(a, b, x)
   "tcdf": [[t, df], ...],                         # scipy.stats.t.cdf(t, df)
   "permutation": [[a, b, n_resamples], ...]}      # scipy.stats.permutation_test, difference of means
Prints {"welch": [[t, df, p], ...], "betainc": [...], "tcdf": [...],
        "permutation": [[statistic, p, exact], ...]}; NaN and infinities as strings.
"""

import json
import math
import sys

import numpy as np
from scipy import special, stats


def num(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def diff_of_means(x, y, axis):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def main():
    req = json.load(sys.stdin)
    out = {"welch": [], "betainc": [], "tcdf": [], "permutation": []}
    with np.errstate(all="ignore"):
        for a, b in req.get("welch", []):
            r = stats.ttest_ind(np.asarray(a, float), np.asarray(b, float), equal_var=False)
            out["welch"].append([num(r.statistic), num(r.df), num(r.pvalue)])
    for x, a, b in req.get("betainc", []):
        out["betainc"].append(num(special.betainc(a, b, x)))
    for t, df in req.get("tcdf", []):
        out["tcdf"].append(num(stats.t.cdf(t, df)))
    for a, b, n in req.get("permutation", []):
        r = stats.permutation_test(
            (np.asarray(a, float), np.asarray(b, float)),
            diff_of_means,
            permutation_type="independent",
            vectorized=True,
            n_resamples=n,
            alternative="two-sided",
            rng=np.random.default_rng(0),
        )
        n_max = math.comb(len(a) + len(b), len(a))
        out["permutation"].append([num(r.statistic), num(r.pvalue), n >= n_max])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
