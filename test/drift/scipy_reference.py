"""Reference values for the drift statistics, from SciPy and NumPy.

Reads a manifest (JSON) of cases whose samples the test wrote as little-endian float64
files, computes each case with scipy.stats / scipy.spatial / numpy, and writes the results
as JSON. Usage: scipy_reference.py MANIFEST OUTPUT
"""
import json
import sys

import numpy as np
from scipy import stats
from scipy.spatial import distance

BINS = 10
EMPTY_SHARE = 1e-4


def load(path):
    return np.fromfile(path, dtype="<f8")


def decile_counts(reference, current):
    """The documented bin rule: cut at the reference's deciles; bin = edges strictly below."""
    edges = np.quantile(reference, np.arange(1, BINS) / BINS)
    counts = []
    for values in (reference, current):
        index = np.searchsorted(edges, values, side="left")
        counts.append(np.bincount(index, minlength=BINS).astype(float))
    return counts


def category_counts(case):
    categories = sorted(set(case["reference"]) | set(case["current"]))
    return [
        np.array([float(side.get(c, 0)) for c in categories])
        for side in (case["reference"], case["current"])
    ]


def bins(case):
    if case["kind"] == "numeric":
        return decile_counts(load(case["reference"]), load(case["current"]))
    return category_counts(case)


def psi(reference, current):
    r = np.where(reference == 0, EMPTY_SHARE, reference / reference.sum())
    c = np.where(current == 0, EMPTY_SHARE, current / current.sum())
    return float(np.sum((c - r) * np.log(c / r)))


def compute(case):
    method = case["method"]
    if method == "ks":
        result = stats.ks_2samp(load(case["reference"]), load(case["current"]), method="auto")
        return {"statistic": float(result.statistic), "pValue": float(result.pvalue)}
    if method == "wasserstein":
        a, b = load(case["reference"]), load(case["current"])
        raw = stats.wasserstein_distance(a, b)
        return {"raw": float(raw), "statistic": float(raw / max(np.std(a), 0.001))}
    if method == "chi2":
        table = np.array(category_counts(case))
        if table.shape[1] < 2:
            return {"statistic": 0.0, "pValue": 1.0}
        statistic, p, _, _ = stats.chi2_contingency(table, correction=False)
        return {"statistic": float(statistic), "pValue": float(p)}
    if method == "js":
        reference, current = bins(case)
        return {"statistic": float(distance.jensenshannon(reference, current, base=2))}
    if method == "psi":
        reference, current = bins(case)
        return {"statistic": psi(reference, current)}
    raise ValueError(method)


def main():
    with open(sys.argv[1]) as manifest:
        cases = json.load(manifest)
    results = {case["id"]: compute(case) for case in cases}
    with open(sys.argv[2], "w") as output:
        json.dump(results, output)


main()
