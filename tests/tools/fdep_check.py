#!/usr/bin/python3
"""Reference values for tests/test_fdep.c and tests/test_smoothing.c, computed with numpy
(never run by the tests: its output was pasted into them once).

FDep: first principal component of the (population-weighted or unweighted) correlation
matrix, numpy.linalg.eigh, moments with the weight total as denominator, signed so that
the unemployment loading is positive. Usage: /usr/bin/python3 tests/tools/fdep_check.py
"""
import csv
import os

import numpy as np

IRIS = "../shared/data/iris_occitanie/iris_indicateurs_occitanie.csv"


def pca_first(x, w):
    x = np.asarray(x, dtype=float)
    w = np.ones(len(x)) if w is None else np.asarray(w, dtype=float)
    mean = (w[:, None] * x).sum(0) / w.sum()
    d = x - mean
    cov = (w[:, None] * d).T @ d / w.sum()
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    vals, vecs = np.linalg.eigh(corr)
    lam, v = vals[-1], vecs[:, -1]
    if v[3 if x.shape[1] == 4 else 0] < 0:
        v = -v
    return corr, lam, v, (d / sd) @ v


def quintiles(scores, weights):
    """Quintile of the middle of each unit's span along the sorted scores (ties: one span)."""
    order = sorted(range(len(scores)), key=lambda i: (scores[i], i))
    total = sum(weights)
    q = [0] * len(scores)
    cum, a = 0.0, 0
    while a < len(order):
        b, span = a, 0.0
        while b < len(order) and scores[order[b]] == scores[order[a]]:
            span += weights[order[b]]
            b += 1
        k = min(5, max(1, 1 + int(np.floor(5 * (cum + span / 2) / total))))
        for t in range(a, b):
            q[order[t]] = k
        cum += span
        a = b
    return q


def show(name, x, w, ids=None, pop=None):
    corr, lam, v, s = pca_first(x, w)
    print(f"== {name}")
    print("correlation matrix:\n", np.array2string(corr, precision=17))
    print(f"eigenvalue {lam:.17g} share {lam / len(v):.17g}")
    print("loadings", ", ".join(f"{c:.17g}" for c in v))
    print("first scores", ", ".join(f"{c:.17g}" for c in s[:6]))
    if pop is not None:
        qu = quintiles(list(s), [1.0] * len(s))
        qp = quintiles(list(s), list(pop))
        print("units per unit quintile", [qu.count(k) for k in range(1, 6)])
        print("population per population quintile",
              [sum(p for p, k in zip(pop, qp) if k == kk) for kk in range(1, 6)])
        if ids is not None:
            for i in (0, 1, len(s) // 2, len(s) - 1):
                print(f"  {ids[i]} score {s[i]:.17g} qu {qu[i]} qp {qp[i]}")
        else:
            print("unit quintiles", qu, "population quintiles", qp)


def main():
    # Two perfectly correlated variables.
    show("two collinear", [[1, 3], [2, 5], [4, 9]], None)
    small = [  # income, bac %, workers %, unemployment %
        [18000, 35, 25, 14], [22000, 45, 18, 9], [25000, 50, 15, 8],
        [30000, 65, 8, 5], [16000, 30, 30, 16], [21000, 40, 22, 12]]
    pop = [1200, 800, 2500, 3000, 600, 1500]
    show("small weighted", small, pop, pop=pop)
    show("small unweighted", small, None, pop=pop)

    if os.access(IRIS, os.R_OK):
        rows = list(csv.DictReader(open(IRIS, encoding="utf-8"), delimiter=";"))
        cols = ["rev_med_21", "dsp_dipl_infbac_pct_22", "dsp_csp_ouvriers_pct_22",
                "soc_txchom_1564_22", "P22_POP"]
        keep = [r for r in rows if all(r[c] != "" for c in cols)]
        print(f"IRIS rows {len(rows)}, complete {len(keep)}, excluded {len(rows) - len(keep)}")
        x = [[float(r[cols[0]]), 100 - float(r[cols[1]]), float(r[cols[2]]), float(r[cols[3]])]
             for r in keep]
        pop = [float(r["P22_POP"]) for r in keep]
        ids = [r["code"] for r in keep]
        show("IRIS weighted", x, pop, ids, pop)
        show("IRIS unweighted", x, None, ids, pop)

    # Marshall (1991) global EB on 4 units, and the neighbourhood {0, 1, 4} of a ring.
    for name, x, n in (("EB global", [10, 60, 100, 30], [1000, 2000, 5000, 2000]),
                       ("EB clamp", [2, 6, 10, 2], [100, 200, 400, 100]),
                       ("EB ring unit 0", [10, 60, 20], [1000, 2000, 1000])):
        x, n = np.array(x, float), np.array(n, float)
        m = x.sum() / n.sum()
        s2 = (n * (x / n - m) ** 2).sum() / n.sum()
        a = max(0.0, s2 - m / n.mean())
        c = a / (a + m / n) if a > 0 else np.zeros_like(n)
        print(f"== {name}: m {m:.17g} s2 {s2:.17g} A {s2 - m / n.mean():.17g} -> {a:.17g}")
        print("   C", ", ".join(f"{v:.17g}" for v in c))
        print("   r*", ", ".join(f"{v:.17g}" for v in m + c * (x / n - m)))


if __name__ == "__main__":
    main()
