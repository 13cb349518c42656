#!/usr/bin/env python3
"""Makes leaky copies of a demo portrait folder, one leak each, for the disclosure audit
to find (a check that can fail): tamper.py SRC DST prints the names of DST/NAME made.

  primary-json   a withheld member's numerator published (3) in portrait.json
  withheld-csv   a withheld QPV figure's value published in tables/portrait.csv
  derived-chapter  the QPV / rest ratio of a withheld QPV figure in tables/chapitre_N.csv
  qpv-rest       the QPV figure withheld alone (its rest published) in portrait.json
  members        a single withheld member (its secondary partner published) in portrait.json"""
import csv
import json
import os
import shutil
import sys

src, dst = sys.argv[1], sys.argv[2]
portrait = json.load(open(os.path.join(src, "portrait.json"), encoding="utf-8"))


def copy(name):
    d = os.path.join(dst, name)
    shutil.copytree(src, d)
    print(name)
    return d


def save(d, p):
    with open(os.path.join(d, "portrait.json"), "w", encoding="utf-8") as f:
        json.dump(p, f, ensure_ascii=False)


def fresh():
    return json.loads(json.dumps(portrait))


def withheld_member(p, kind="primary"):
    for r in p["indicators"]:
        for f in r["members"]["figures"]:
            if f["withheld"] == kind and r["kind"] in ("proportion", "rate", "count"):
                return r, f
    raise SystemExit("no withheld member in " + src)


def qpv_withheld(p):
    for r in p["indicators"]:
        if r["figures"]["qpv"]["withheld"] and not r["figures"]["territoire"]["withheld"]:
            return r
    raise SystemExit("no withheld QPV figure in " + src)


d = copy("primary-json")
p = fresh()
r, f = withheld_member(p)
f.update(numerator=3, withheld=False)
save(d, p)

d = copy("withheld-csv")
ind = qpv_withheld(portrait)["id"]
path = os.path.join(d, "tables", "portrait.csv")
rows = list(csv.reader(open(path, encoding="utf-8")))
value = rows[0].index("value")
for row in rows:
    if row[0] == ind and row[1] == "qpv":
        row[value] = "12.5"
csv.writer(open(path, "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)

d = copy("derived-chapter")
chapter = qpv_withheld(portrait)["chapter"]
path = os.path.join(d, "tables", f"chapitre_{chapter}.csv")
rows = list(csv.reader(open(path, encoding="utf-8")))
col = rows[0].index("qpv_ratio")
for row in rows:
    if row[0] == ind:
        row[col] = "1.25"
csv.writer(open(path, "w", encoding="utf-8", newline=""), lineterminator="\n").writerows(rows)

d = copy("qpv-rest")
p = fresh()
r = [x for x in p["indicators"] if x["id"] == ind][0]
rest = r["figures"]["hors_qpv"]
if rest["withheld"] == "secondary":
    rest.update(withheld=False, numerator=r["figures"]["territoire"]["numerator"] - 3)
save(d, p)

d = copy("members")
p = fresh()
r, f = withheld_member(p, "secondary")
f.update(withheld=False, numerator=7)
save(d, p)
