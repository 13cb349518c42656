#!/usr/bin/env python3
"""Independent check of the real portrait of Toulouse Métropole (make demo-occitanie).

Recomputes from the raw files of the shared data (never from the derived tables of
scripts/prepare_occitanie.py, nor from diagsante's output) a set of figures of the
portrait and compares them with portrait.json at 1e-9 relative; then scans every
output for a count from 1 to threshold - 1 (disclosure). The member communes are taken
from the bundled referential (COG 2026), the IRIS by their commune code.
Usage: occitanie_check.py OUTDIR DATA THRESHOLD. One line per failure; exit 1 if any."""
import csv
import json
import math
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPCI = "243100518"
Z = 1.959963984540054
out, data, threshold = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = []
checked = 0


def check(name, got, expected, rel=1e-9):
    global checked
    checked += 1
    if got is None or expected is None or abs(got - expected) > rel * max(abs(expected), 1e-300):
        failures.append(f"{name}: got {got}, expected {expected}")


def fnum(text):
    return None if text.strip() == "" else float(text.replace(",", "."))


ref = list(csv.DictReader(open(os.path.join(ROOT, "datasets/referentiel/communes.csv"), encoding="utf-8")))
members = {r["code"] for r in ref if r["epci"] == EPCI and r["type"] == "commune-actuelle"}
dep31 = {r["code"] for r in ref if r["departement"] == "31" and r["type"] == "commune-actuelle"}
iris = [r for r in csv.DictReader(open(os.path.join(data, "iris_occitanie/iris_indicateurs_occitanie.csv"),
                                       encoding="utf-8"), delimiter=";")]
t_iris = [r for r in iris if r["COM"] in members]
portrait = json.load(open(os.path.join(out, "portrait.json"), encoding="utf-8"))
rows = {r["id"]: r for r in portrait["indicators"]}


def fig(ind, scope, key="value"):
    return rows[ind]["figures"][scope][key] if ind in rows else None


# 1. Population: sum of P22_POP over the IRIS of the 37 member communes.
check("member communes", len(members), 37, 0)
pop = sum(float(r["P22_POP"]) for r in t_iris)
check("population", fig("pop_municipale", "territoire"), pop)
check("population (département 31)", fig("pop_municipale", "departement"),
      sum(float(r["P22_POP"]) for r in iris if r["COM"] in dep31))

# 2. Share of the 65+: sum(share x population / 100) / sum(population).
x = sum(float(r["dmv_65p_pct_22"]) * float(r["P22_POP"]) / 100 for r in t_iris)
check("part_65ans_plus", fig("part_65ans_plus", "territoire"), 100 * x / pop)

# 3. Unemployment rate 15-64 = sum of unemployed / sum of actifs, each IRIS's actifs
# rebuilt as employed / (1 - rate): employed = txemp x pop(15-64); pop(15-64) from the
# age shares 15-24, 25-54, 55-64. With Wilson's interval.
act = chom = 0.0
for r in t_iris:
    p = float(r["P22_POP"])
    p1564 = sum(float(r[c]) * p / 100 for c in ("dm_1524_pct_22", "dm_2554_pct_22", "dm_5564_pct_22"))
    employed = float(r["eco_txemp_1564_22"]) * p1564 / 100
    rate = float(r["soc_txchom_1564_22"])
    a = employed / (1 - rate / 100)
    act += a
    chom += a * rate / 100
check("taux_chomage_15_64", fig("taux_chomage_15_64", "territoire"), 100 * chom / act)
wl = 100 * (2 * chom + Z * Z - Z * math.sqrt(Z * Z + 4 * chom * (1 - chom / act))) / (2 * (act + Z * Z))
check("taux_chomage_15_64 lower (Wilson)", fig("taux_chomage_15_64", "territoire", "lower"), wl)

# 4. CépiDc: all-cause standardised rate 2023 of Haute-Garonne, read as published.
tc = [r for r in csv.DictReader(open(os.path.join(data, "sante_occitanie/toutes_causes.csv"), encoding="utf-8"))
      if r["departement"] == "31" and r["annee"] == "2023"]
check("mortalite_generale_tsm (31)", fig("mortalite_generale_tsm", "departement"), float(tc[0]["valeur"]))
tum = [r for r in csv.DictReader(open(os.path.join(data, "sante_occitanie/mortalite_2023_standardise_all.csv"),
                                      encoding="utf-8"))
       if r["departement"] == "31" and r["sexe"] == "Tous sexes" and r["cause"] == "2. Tumeurs"]
check("mortalite_cancers_tsm (31)", fig("mortalite_cancers_tsm", "departement"), float(tum[0]["valeur"]))

# 5. QPV: population of the QPV whose commune is a member (qp.geojson) over the population.
geo = json.load(open(os.path.join(data, "qpv2015_occitanie/qp.geojson"), encoding="utf-8"))
qpv_in = {f["properties"]["code_qp"] for f in geo["features"] if f["properties"]["code_commune"] in members}
qpop = sum(float(r["pop_mun"]) for r in csv.DictReader(open(os.path.join(data, "qpv2015_occitanie/qp.csv"),
                                                            encoding="utf-8-sig")) if r["code_qp"] in qpv_in)
check("QPV count", len(portrait["territory"]["qpv"]), len(qpv_in), 0)
check("QPV population", portrait["territory"]["qpv_population"], qpop)
check("QPV share", portrait["territory"]["qpv_population"] / portrait["territory"]["population"], qpop / pop)

# 6. Distance to emergency care: population-weighted mean over the member communes.
dist = [r for r in csv.DictReader(open(os.path.join(data, "sante_occitanie/distances_communes_urgence_occitanie.csv"),
                                       encoding="utf-8")) if r["code_insee"].zfill(5) in members]
w = sum(float(r["population"]) for r in dist)
check("distance_urgences_km", fig("distance_urgences_km", "territoire"),
      sum(float(r["population"]) * float(r["distance_urgence_km"]) for r in dist) / w)

# 7. Filosofi 2019: the EPCI's median, published.
filo = [r for r in csv.DictReader(open(os.path.join(data, "insee/epci/FILO2019_DISP_EPCI.csv"),
                                       encoding="utf-8-sig"), delimiter=";") if r["CODGEO"] == EPCI]
check("revenu_median_uc", fig("revenu_median_uc", "territoire"), fnum(filo[0]["Q219"]))

# 8. Pharmacies (FINESS category 620) per 10,000 inhabitants (population of the
# distance file, RP 2021).
n_off = sum(1 for r in csv.DictReader(open(os.path.join(data, "sante_occitanie/finess_occitanie2.csv"),
                                           encoding="utf-8"))
            if r["categetab"] == "620" and r["code_insee"] in members)
check("densite_pharmacies", fig("densite_pharmacies", "territoire"), n_off / w * 10000)

# 9. Age structure: share of the 25-54 (sum of share x population over the population
# of all six groups).
groups = ["dm_0014_pct_22", "dm_1524_pct_22", "dm_2554_pct_22", "dm_5564_pct_22", "dm_6579_pct_22", "dm_80p_pct_22"]
cells = [sum(float(r[g]) * float(r["P22_POP"]) / 100 for r in t_iris) for g in groups]
ages = portrait.get("ages")
if ages is None:
    failures.append("no ages in portrait.json")
else:
    check("ages total", ages["territory"]["total"], sum(cells))
    check("ages 25-54 share", ages["territory"]["cells"][2]["percent"], 100 * cells[2] / sum(cells))

# Disclosure: no count from 1 to threshold - 1 published, in the JSON (figures, members,
# ages) or the CSV tables; a single withheld member never stands alone.
COUNTED = ("count", "proportion", "rate", "isr")
for r in portrait["indicators"]:
    for f in list(r["figures"].values()) + r["members"]["figures"]:
        if r["kind"] in COUNTED and f["numerator"] is not None and 0 < f["numerator"] < threshold:
            failures.append(f"{r['id']} {f['code']}: count {f['numerator']} published")
    if sum(1 for f in r["members"]["figures"] if f["withheld"] is not False) == 1:
        failures.append(f"{r['id']}: a single withheld member commune")
for side in ("territory", "reference"):
    for c in (ages or {}).get(side, {}).get("cells", []) if ages and ages.get(side) else []:
        if c["count"] is not None and 0 < c["count"] < threshold:
            failures.append(f"ages {side}: count {c['count']} published")
for name in sorted(os.listdir(os.path.join(out, "tables"))):
    for line in csv.DictReader(open(os.path.join(out, "tables", name), encoding="utf-8")):
        v, ind = line.get("numerator", ""), line.get("indicator")
        if v not in ("", None) and not v.startswith("<") and ind in rows and \
                rows[ind]["kind"] in COUNTED and 0 < float(v) < threshold:
            failures.append(f"tables/{name}: {ind} count {v} published")
html = open(os.path.join(out, "portrait.html"), encoding="utf-8").read()
if 'class="fictif-' in html or "Données fictives" in html:
    failures.append("the real portrait carries the 'données fictives' label")
if "<h3>Sources</h3>" not in html or "CépiDc" not in html:
    failures.append("the real portrait does not cite its sources")

for f in failures:
    print(f)
print(f"occitanie_check: {checked} figures checked, {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
