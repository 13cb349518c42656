#!/usr/bin/env python3
"""Writes datasets/demo/portrait/: the invented figures of the demo portrait.

Every figure is made up (données fictives) from a fixed seed; only the commune codes,
names and populations come from the bundled referential (INSEE COG). The territory is
the CA Tarbes-Lourdes-Pyrénées (EPCI 200069300) in the Hautes-Pyrénées (65): the
commune file covers every commune of the département (so the département is summed),
the région (76) and France are given as published rows, and the four QPV of the EPCI
have their own rows. Run: python3 scripts/gen_demo_portrait.py (deterministic)."""
import csv
import os
import random

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "datasets", "demo", "portrait")
rng = random.Random(20261123)

communes = [r for r in csv.DictReader(open(os.path.join(ROOT, "datasets/referentiel/communes.csv"),
                                          encoding="utf-8"))
            if r["departement"] == "65" and r["type"] == "commune-actuelle"]

# Counted indicators: (numerator column, denominator column, typical share of the
# denominator); the denominator is a share of the population unless it is P21_POP.
COUNTED = [
    ("P21_POP0019", "P21_POP", 0.20), ("P21_POP65P", "P21_POP", 0.25),
    ("P21_POP75P", "P21_POP", 0.12), ("NAISD21", "P21_POP", 0.008),
    ("C21_FAMMONO", "C21_FAM", 0.17), ("P21_NSCOL15P_DIPLMIN", "P21_NSCOL15P", 0.22),
    ("P21_CHOM1564", "P21_ACT1564", 0.11), ("beneficiaires_c2s", "pop_protegee", 0.09),
    ("pop_radon_cat3", "P21_POP", 0.15), ("C21_RP_HSTU1P_SUROCC", "C21_RP_HSTU1P", 0.04),
    ("deces_observes", "deces_attendus", 1.0), ("ntop_diabete", "npop", 0.055),
    ("ntop_maladies_psy", "npop", 0.03), ("deces_moins_1an", "NAISD21", 0.0035),
    ("patients_17p_sans_mt", "patients_17p", 0.11), ("pop_plus_30min_urgences", "P21_POP", 0.08),
    ("mg_liberaux", "P21_POP", 0.0009), ("mg_liberaux_60p", "mg_liberaux", 0.35),
    ("infirmiers_liberaux", "P21_POP", 0.0022), ("places_ehpad", "P21_POP75P", 0.10),
    ("allocataires_aah", "P21_POP2064", 0.035),
]
# The denominators other than the population, as shares of it.
DENOMINATORS = {"C21_FAM": 0.28, "P21_NSCOL15P": 0.70, "P21_ACT1564": 0.46,
                "pop_protegee": 0.98, "C21_RP_HSTU1P": 0.45, "npop": 0.95,
                "patients_17p": 0.80, "P21_POP2064": 0.55}
# Values published only for whole territories (not for communes).
PUBLISHED = {"MED21": 21500, "TP6021": 15.5, "tsm_toutes_causes": 880, "tsm_prematuree": 190,
             "tsm_suicide": 16, "tsm_alcool": 28, "tsm_tabac": 95,
             "participation_depistage_sein": 50.5, "participation_depistage_colorectal": 31.0,
             "cv_grippe_65ans": 54.0, "apl_mg": 3.6}


def counts(pop, scale=1.0):
    """One unit's counts: denominators from the population, numerators by binomial-like
    draws around the typical shares (scale > 1 for more deprived places)."""
    row = {"P21_POP": pop}
    for name, share in DENOMINATORS.items():
        row[name] = round(pop * share)
    for num, den, share in COUNTED:
        if num == "deces_observes":
            expected = round(pop * 0.0095 * rng.uniform(0.8, 1.2), 1)
            row["deces_attendus"] = expected
            row[num] = max(0, round(expected * rng.uniform(0.85, 1.25) * scale))
            continue
        base = row.get(den, pop)
        if den == "mg_liberaux":
            base = row.get("mg_liberaux", 0)
        p = min(0.95, share * (scale if num in ("P21_CHOM1564", "beneficiaires_c2s",
                                                 "C21_FAMMONO", "P21_NSCOL15P_DIPLMIN") else 1))
        row[num] = sum(1 for _ in range(int(base)) if rng.random() < p) if base < 2000 \
            else round(base * p * rng.uniform(0.9, 1.1))
    return row


COLUMNS = ["P21_POP"] + list(DENOMINATORS) + [c[0] for c in COUNTED] + ["deces_attendus"]
COLUMNS = list(dict.fromkeys(COLUMNS))


# Ages by sex (the INSEE RP names of the "évolution et structure de la population"
# base), invented from their own seed so that the other columns keep their values:
# a fixed profile of shares, perturbed per commune, rounded to whole people summing to
# the population (the remainder goes to the largest cell).
AGE_COLUMNS = [f"P21_{sex}{band}" for band in ("0014", "1529", "3044", "4559", "6074", "75P")
               for sex in ("H", "F")]
AGE_PROFILE = [8.0, 7.6, 7.2, 7.0, 8.2, 8.4, 10.0, 10.6, 9.2, 10.2, 4.6, 9.0]
rng_ages = random.Random(20261124)


def ages(pop):
    weights = [w * rng_ages.uniform(0.8, 1.2) for w in AGE_PROFILE]
    cells = [int(pop * w / sum(weights)) for w in weights]
    cells[weights.index(max(weights))] += pop - sum(cells)
    return cells


def write(path, header, rows):
    with open(os.path.join(OUT, path), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for c in sorted(communes, key=lambda r: r["code"]):
        pop = int(c["population_municipale"] or 0)
        r = counts(pop)
        rows.append([c["code"], c["name"]] + [r[k] for k in COLUMNS])
    for row in rows:
        row.extend(ages(row[2]))
    write("communes.csv", ["code", "libelle"] + COLUMNS + AGE_COLUMNS, rows)

    # QPV of the EPCI: populations close to the real ones (INSEE 2018), figures invented.
    qpv = [("QP065001", "Tarbes Ouest", 1516), ("QP065002", "Tarbes Nord", 2357),
           ("QP065003", "Tarbes Est", 3316), ("QP065004", "Ophite", 1165)]
    write("qpv.csv", ["code_qp", "nom_qp"] + COLUMNS,
          [[code, name] + [counts(pop, 1.8)[k] for k in COLUMNS] for code, name, pop in qpv])
    write("qpv_communes.csv", ["qpv", "commune"],
          [["QP065001", "65440"], ["QP065002", "65440"], ["QP065003", "65440"],
           ["QP065003", "65417"], ["QP065004", "65286"]])

    def published(code, name, factor):
        return [code, name] + [round(v * factor * rng.uniform(0.95, 1.05), 1)
                               for v in PUBLISHED.values()]
    write("epci.csv", ["code", "libelle"] + list(PUBLISHED),
          [published("200069300", "CA Tarbes-Lourdes-Pyrénées", 1.0)])
    write("departements.csv", ["code", "libelle"] + list(PUBLISHED),
          [published("65", "Hautes-Pyrénées", 0.98)])
    # Région and France: published counts (whole-territory totals) and values.
    for path, code, name, pop in [("region.csv", "76", "Occitanie", 6_022_176),
                                  ("france.csv", "FM", "France métropolitaine", 65_505_213)]:
        r = counts(pop)
        write(path, ["code", "libelle"] + COLUMNS + list(PUBLISHED),
              [[code, name] + [r[k] for k in COLUMNS] +
               [round(v * rng.uniform(0.95, 1.05), 1) for v in PUBLISHED.values()]])


if __name__ == "__main__":
    main()
