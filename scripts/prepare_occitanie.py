#!/usr/bin/env python3
"""Derived tables for the real Occitanie portrait (make demo-occitanie).

Reads the shared open data in place (DATA, usually ../shared/data; see its README.md and
each SOURCE.txt) and writes, into OUT (under build/, never committed), the few tables
that diagsante cannot read as they are. Nothing is invented: every value below is a
value of the inputs, a sum of them, or a count rebuilt from a published share times a
published count (the formulas are in the docstrings and in OUT/LISEZMOI.txt).

  iris.csv         one row per IRIS of Occitanie (iris_occitanie, RP 2022): P22_POP and
                   counts rebuilt from the shares of the file (share x population / 100):
                   age groups, 65+ and 75+, one-person households, 80+ living alone,
                   active and unemployed people aged 15-64 and 15-24
  communes.csv     one row per current commune (COG 2026) of Occitanie: population
                   (P21_POP) and distance to emergency care (sante_occitanie), pharmacies
                   and MSP counted in FINESS (sante_occitanie)
  departements.csv CépiDc 2023 standardised death rates (every département of France)
                   and CNAM 2023 prevalences, 100 x Ntop / Npop (the 13 of Occitanie)
  region.csv       the CNAM prevalences of Occitanie (76): 100 x sum of Ntop / sum of
                   Npop over its 13 départements
  qpv_communes.csv the commune of each QPV of Occitanie (qp.geojson: main commune only)

Usage: prepare_occitanie.py DATA OUT [ROOT]   (ROOT: the project, for the referential;
default: this script's parent folder). Exit 1 with a message naming the missing file."""
import csv
import json
import os
import sys

AGE_GROUPS = [("0014", "dm_0014_pct_22"), ("1524", "dm_1524_pct_22"), ("2554", "dm_2554_pct_22"),
              ("5564", "dm_5564_pct_22"), ("6579", "dm_6579_pct_22"), ("80p", "dm_80p_pct_22")]
CNAM_YEAR = "2023"
# Only groups whose Npop is the département's base Npop: the file adds, per group, the
# group's total row and the rows of its sub-groups (Npop of "Maladies psychiatriques" is
# 7 times the base, "Traitements psychotropes" 5 times): for a group with a single
# sub-group both Ntop and Npop are exactly doubled and their ratio, the prevalence, is
# right; for the others neither counts nor ratio can be used. Hence prevalences only
# (published values, no count), and no psychiatric group.
CNAM = {"prev_diabete": "Diabète",
        "prev_resp_chroniques": "Maladies respiratoires chroniques (hors mucoviscidose)"}
CEPIDC_YEAR = "2023"
CEPIDC = {"tsm_cancers": "2. Tumeurs",
          "tsm_cardiovasculaire": "7. Maladies de l\u2019appareil circulatoire"}
FINESS = {"officines": "620", "msp": "603"}
OCCITANIE = ["09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"]


def need(path):
    if not os.path.isfile(path):
        sys.exit(f"prepare_occitanie: missing input {path} (see the README of the shared data)")
    return path


def number(text):
    """A cell of the IRIS file: None when empty, else a float ('.' decimal)."""
    text = text.strip()
    return None if text == "" else float(text)


def share_count(pct, base):
    """A count rebuilt from a share (in %) of a count: pct x base / 100. An empty share of
    an empty base is 0 (INSEE leaves 0 / 0 empty); otherwise an empty share stays None."""
    if base is None:
        return None
    if pct is None:
        return 0.0 if base == 0 else None
    return pct * base / 100


def activity(pop, txemp, txchom):
    """(actifs, chômeurs) of an age band from its population, its employment rate
    (employed / population, %) and its unemployment rate (unemployed / actifs, %):
    employed = txemp x pop / 100; actifs = employed / (1 - txchom / 100);
    chômeurs = actifs x txchom / 100. An empty unemployment rate with no one employed
    means no actif (0 / 0); a rate of 100 % with no one employed cannot be rebuilt."""
    if pop is None:
        return None, None
    if pop == 0:
        return 0.0, 0.0
    if txemp is None:
        return None, None
    employed = txemp * pop / 100
    if txchom is None:
        return (0.0, 0.0) if employed == 0 else (None, None)
    if txchom >= 100:
        return None, None
    actifs = employed / (1 - txchom / 100)
    return actifs, actifs * txchom / 100


def iris_rows(data):
    """The derived counts of each IRIS (a dict of column -> float or None)."""
    path = need(os.path.join(data, "iris_occitanie", "iris_indicateurs_occitanie.csv"))
    out = []
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            pop = number(r["P22_POP"])
            row = {"code": r["code"], "P22_POP": pop}
            for name, col in AGE_GROUPS:
                row["pop" + name + "_22"] = share_count(number(r[col]), pop)
            row["pop65p_22"] = share_count(number(r["dmv_65p_pct_22"]), pop)
            row["pop75p_22"] = share_count(number(r["dmv_75p_pct_22"]), pop)
            row["pop80p_seules_22"] = share_count(number(r["dmv_80p_seul_pct_22"]), row["pop80p_22"])
            men = number(r["men_tot_stock_22"])
            row["men_22"] = men
            row["men_seules_22"] = share_count(number(r["men_seul_pct_22"]), men)
            pop1564 = None
            parts = [row["pop1524_22"], row["pop2554_22"], row["pop5564_22"]]
            if None not in parts:
                pop1564 = sum(parts)
            row["act1564_22"], row["chom1564_22"] = activity(
                pop1564, number(r["eco_txemp_1564_22"]), number(r["soc_txchom_1564_22"]))
            row["act1524_22"], row["chom1524_22"] = activity(
                row["pop1524_22"], number(r["eco_txemp_1524_22"]), number(r["soc_txchom_1524_22"]))
            out.append(row)
    return out


def current_communes(root):
    """Current communes of Occitanie (COG 2026 referential) and old code -> current."""
    ref = os.path.join(root, "datasets", "referentiel")
    current = set()
    with open(need(os.path.join(ref, "communes.csv")), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["type"] == "commune-actuelle" and r["region"] == "76":
                current.add(r["code"])
    history = {}
    with open(need(os.path.join(ref, "commune_history.csv")), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            history.setdefault(r["old_code"], set()).add(r["current_code"])
    return current, history


def to_current(code, current, history):
    """The current commune of a code (itself, or the one it merged into), else None."""
    if code in current:
        return code
    targets = history.get(code, set()) & current
    return next(iter(targets)) if len(targets) == 1 else None


def commune_rows(data, root):
    """Population, distance x population, pharmacies and MSP per current commune."""
    current, history = current_communes(root)
    rows = {c: {"P21_POP": 0.0, "distance_urgence_pop_km": 0.0, "officines": 0, "msp": 0,
                "seen": False} for c in current}
    dist = need(os.path.join(data, "sante_occitanie", "distances_communes_urgence_occitanie.csv"))
    with open(dist, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            code = to_current(r["code_insee"].zfill(5), current, history)
            if code is None:
                sys.exit(f"prepare_occitanie: {dist}: commune {r['code_insee']} is not a commune "
                         f"of Occitanie in the referential")
            pop, km = float(r["population"]), float(r["distance_urgence_km"])
            rows[code]["P21_POP"] += pop
            rows[code]["distance_urgence_pop_km"] += pop * km
            rows[code]["seen"] = True
    finess = need(os.path.join(data, "sante_occitanie", "finess_occitanie2.csv"))
    with open(finess, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            for column, category in FINESS.items():
                if r["categetab"] == category:
                    code = to_current(r["code_insee"], current, history)
                    if code is not None:
                        rows[code][column] += 1
    return rows


def departement_rows(data):
    """CépiDc rates (all départements) and CNAM counts (Occitanie) per département."""
    rows = {}
    path = need(os.path.join(data, "sante_occitanie", "mortalite_2023_standardise_all.csv"))
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["annee"] != CEPIDC_YEAR or r["sexe"] != "Tous sexes":
                continue
            for column, cause in CEPIDC.items():
                if r["cause"] == cause:
                    rows.setdefault(r["departement"], {})[column] = float(r["valeur"])
    path = need(os.path.join(data, "sante_occitanie", "toutes_causes.csv"))
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["annee"] == CEPIDC_YEAR and r["sexe"] == "Tous sexes" and r["cause"] == "Toutes causes":
                rows.setdefault(r["departement"], {})["tsm_toutes_causes"] = float(r["valeur"])
    path = need(os.path.join(data, "sante_occitanie", "pathologie_clean.csv"))
    with open(path, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["annee"] != CNAM_YEAR or r["libelle_classe_age"] != "tous âges":
                continue
            dep = r["dept"].zfill(2)  # the file writes 9 for 09
            for column, patho in CNAM.items():
                if r["patho_niv1"] == patho:
                    d = rows.setdefault(dep, {})
                    ntop, npop = float(r["Ntop"]), float(r["Npop"])
                    d[column] = 100 * ntop / npop
                    d["_" + column] = (ntop, npop)
                    if d.setdefault("_npop", npop) != npop:
                        sys.exit(f"prepare_occitanie: {path}: two Npop for département {dep}")
    return rows


def qpv_communes(data):
    path = need(os.path.join(data, "qpv2015_occitanie", "qp.geojson"))
    with open(path, encoding="utf-8") as f:
        features = json.load(f)["features"]
    return sorted((ft["properties"]["code_qp"], ft["properties"]["code_commune"]) for ft in features)


def cell(v):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def write(path, header, rows):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([cell(x) for x in r])
    os.replace(tmp, path)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    data, out = sys.argv[1], sys.argv[2]
    root = sys.argv[3] if len(sys.argv) == 4 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(out, exist_ok=True)

    iris = iris_rows(data)
    columns = ["code", "P22_POP"] + ["pop" + n + "_22" for n, _ in AGE_GROUPS] + \
        ["pop65p_22", "pop75p_22", "pop80p_seules_22", "men_22", "men_seules_22",
         "act1564_22", "chom1564_22", "act1524_22", "chom1524_22"]
    write(os.path.join(out, "iris.csv"), columns, ([r[c] for c in columns] for r in iris))

    communes = commune_rows(data, root)
    missing = sorted(c for c, r in communes.items() if not r["seen"])
    if missing:
        sys.exit(f"prepare_occitanie: no distance to emergency care for communes {missing}")
    columns = ["P21_POP", "distance_urgence_pop_km", "officines", "msp"]
    write(os.path.join(out, "communes.csv"), ["code"] + columns,
          ([c] + [communes[c][k] for k in columns] for c in sorted(communes)))

    deps = departement_rows(data)
    columns = ["tsm_toutes_causes", "tsm_cancers", "tsm_cardiovasculaire"] + list(CNAM)
    write(os.path.join(out, "departements.csv"), ["code"] + columns,
          ([d] + [deps[d].get(k) for k in columns] for d in sorted(deps)))
    # The région's prevalence: sum of patients over sum of insured (both doubled alike).
    region = {}
    for k in CNAM:
        if any("_" + k not in deps.get(d, {}) for d in OCCITANIE):
            sys.exit(f"prepare_occitanie: no CNAM {k} for some département of Occitanie")
        region[k] = 100 * sum(deps[d]["_" + k][0] for d in OCCITANIE) / \
            sum(deps[d]["_" + k][1] for d in OCCITANIE)
    write(os.path.join(out, "region.csv"), ["code"] + list(region), [["76"] + list(region.values())])

    write(os.path.join(out, "qpv_communes.csv"), ["qpv", "commune"], qpv_communes(data))
    with open(os.path.join(out, "LISEZMOI.txt"), "w", encoding="utf-8") as f:
        f.write(__doc__)
    print(f"prepare_occitanie: {len(iris)} IRIS, {len(communes)} communes, {len(deps)} départements "
          f"written to {out}")


if __name__ == "__main__":
    main()
