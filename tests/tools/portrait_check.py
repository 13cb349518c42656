#!/usr/bin/env python3
"""Independent check of a demo portrait (diagsante portrait on datasets/demo/portrait).

Recomputes, with Python's csv module and the formulas written out here (not the C
code), the EPCI's sums over its communes (members taken from the bundled referential),
the Wilson and Byar intervals, the département's sums, the QPV / rest split, and scans
every output file for a withheld count. Usage: portrait_check.py OUTDIR THRESHOLD.
Prints one line per failed check and exits 1 if any failed."""
import csv
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO = os.path.join(ROOT, "datasets", "demo", "portrait")
Z = 1.959963984540054
out, threshold = sys.argv[1], int(sys.argv[2])
failures = []


def check(name, got, expected, rel=1e-12):
    if got is None or abs(got - expected) > rel * max(abs(expected), 1e-300):
        failures.append(f"{name}: got {got}, expected {expected}")


def wilson(x, n, sign):
    return 100 * (2 * x + Z * Z + sign * Z * math.sqrt(Z * Z + 4 * x * (1 - x / n))) / (2 * (n + Z * Z))


def byar(x, sign):
    if sign < 0:
        return x * (1 - 1 / (9 * x) - Z / (3 * math.sqrt(x))) ** 3
    return (x + 1) * (1 - 1 / (9 * (x + 1)) + Z / (3 * math.sqrt(x + 1))) ** 3


communes = {r["code"]: r for r in csv.DictReader(open(os.path.join(ROOT, "datasets/referentiel/communes.csv"),
                                                       encoding="utf-8"))}
data = {r["code"]: r for r in csv.DictReader(open(os.path.join(DEMO, "communes.csv"), encoding="utf-8"),
                                              delimiter=";")}
members = [c for c, r in communes.items() if r["epci"] == "200069300" and r["type"] == "commune-actuelle"]
dep = [c for c, r in communes.items() if r["departement"] == "65" and r["type"] == "commune-actuelle"]
qpv = {r["code_qp"]: r for r in csv.DictReader(open(os.path.join(DEMO, "qpv.csv"), encoding="utf-8"),
                                                delimiter=";")}
portrait = json.load(open(os.path.join(out, "portrait.json"), encoding="utf-8"))
rows = {r["id"]: r for r in portrait["indicators"]}


def total(codes, column):
    return sum(float(data[c][column]) for c in codes)


check("member communes", len(members), 86, 0)
check("population", rows["pop_municipale"]["figures"]["territoire"]["value"], total(members, "P21_POP"))
for ind, num, den in [("taux_chomage_15_64", "P21_CHOM1564", "P21_ACT1564"),
                      ("part_familles_monoparentales", "C21_FAMMONO", "C21_FAM")]:
    x, n = total(members, num), total(members, den)
    t = rows[ind]["figures"]["territoire"]
    check(ind + " value", t["value"], 100 * x / n)
    check(ind + " lower", t["lower"], wilson(x, n, -1))
    check(ind + " upper", t["upper"], wilson(x, n, +1))
    d = rows[ind]["figures"]["departement"]
    check(ind + " departement", d["value"], 100 * total(dep, num) / total(dep, den))
    qx = sum(float(q[num]) for q in qpv.values())
    qn = sum(float(q[den]) for q in qpv.values())
    check(ind + " qpv", rows[ind]["figures"]["qpv"]["value"], 100 * qx / qn)
    check(ind + " hors qpv", rows[ind]["figures"]["hors_qpv"]["value"], 100 * (x - qx) / (n - qn))
x, n = total(members, "NAISD21"), total(members, "P21_POP")
t = rows["taux_natalite"]["figures"]["territoire"]
check("natalite value", t["value"], x / n * 1000)
check("natalite lower", t["lower"], byar(x, -1) / n * 1000)
check("natalite upper", t["upper"], byar(x, +1) / n * 1000)
o, e = total(members, "deces_observes"), total(members, "deces_attendus")
check("icm", rows["icm_mortalite_generale"]["figures"]["territoire"]["value"], 100 * o / e)

# Disclosure: every count between 1 and threshold - 1 of the inputs must be absent from the
# outputs where it would be published: in the JSON no figure has such a numerator, and the
# member communes with such a count are withheld.
withheld_seen = 0
for r in portrait["indicators"]:
    kind = r["kind"]
    figs = list(r["figures"].values()) + r["members"]["figures"]
    for f in figs:
        if kind in ("count", "proportion", "rate", "isr") and f["numerator"] is not None \
                and 0 < f["numerator"] < threshold:
            failures.append(f"{r['id']} {f['code']}: count {f['numerator']} published")
        withheld_seen += f["withheld"] is not False
    # Secondary suppression: never exactly one withheld member.
    n_withheld = sum(1 for f in r["members"]["figures"] if f["withheld"] is not False)
    if n_withheld == 1:
        failures.append(f"{r['id']}: a single withheld member commune")
for name in ["tables/portrait.csv"] + sorted(f"tables/{f}" for f in os.listdir(os.path.join(out, "tables"))
                                             if f.startswith("chapitre")):
    for line in csv.DictReader(open(os.path.join(out, name), encoding="utf-8")):
        v = line.get("numerator", "")
        if v not in ("", None) and not v.startswith("<") and 0 < float(v) < threshold:
            ind = line.get("indicator")
            kind = rows[ind]["kind"] if ind in rows else None
            if kind in ("count", "proportion", "rate", "isr"):
                failures.append(f"{name}: {ind} count {v} published")
if withheld_seen == 0:
    failures.append("no figure withheld: the demo should exercise the disclosure rule")

for f in failures:
    print(f)
print(f"portrait_check: {len(failures)} failure(s), {withheld_seen} withheld figures seen")
sys.exit(1 if failures else 0)
