#!/usr/bin/env python3
"""Disclosure audit of portrait outputs: no count under the threshold is published, and
no pair (or sum) of published figures gives one away.

    disclosure_audit.py THRESHOLD DIR...

Each DIR is the output folder of `diagsante portrait` (portrait.json, portrait.html,
tables/*.csv) or of a batch (LEVEL.jsonl, LEVEL.csv). Every file is read by the reader
of its format (READERS below: to audit a new output format, write a function that
returns its Facts and add it there) into facts: (indicator, scope, code, field) ->
published number, or withheld. The checks then run on the facts of all formats:

  primary        a published count (the numerator of a count, proportion, rate or isr,
                 or a count's value) from 1 to THRESHOLD - 1;
  withheld       a figure withheld somewhere must be published nowhere: not its
                 numerator, value or interval, in no format, and no figure derived from
                 it (its comparisons with the references, the QPV / rest ratio, the
                 QPV and rest columns of the tables, the cells of the HTML report);
  qpv-rest       territory = QPV + rest: two published numerators of the three give the
                 third, so one withheld alone is a leak;
  members        territory = sum of its member communes (origin 'somme'): the total less
                 the published members gives the withheld ones: a single withheld member,
                 or withheld members adding up to 1 .. THRESHOLD - 1 (or to exactly their
                 number, all ones) are leaks.
  across         the same rule across the portraits of one folder (a batch): an EPCI's
                 total, or a département's or région's (the references of the commune
                 portraits, when all their communes are there), less its communes' counts
                 as published anywhere in the folder (their own portraits, any member
                 list): what stays unknown must not be a single commune or a small sum.

Prints one line per leak and a summary; exits 1 when any leak was found (2 when a
folder holds no output it can read)."""
import csv
import glob
import html.parser
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

COUNT_KINDS = ("count", "proportion", "rate", "isr")
FIELDS = ("numerator", "denominator", "value", "lower", "upper")


class Fact:
    """One figure of one output: fields maps a field to a float, or None when the output
    shows it empty or masked; withheld is True when the output says so."""

    def __init__(self, source, indicator, scope, code, fields, withheld, origin=None,
                 parent=None, parts=None):
        self.source, self.indicator, self.scope, self.code = source, indicator, scope, code
        self.fields, self.withheld, self.origin, self.parent = fields, withheld, origin, parent
        self.parts = parts

    def key(self):
        return (self.parent, self.indicator, self.scope, self.code)


def number(text):
    """A published number from a cell ("127 408", "20,5", "3.2"), or None (empty,
    '< 5', 's', 'secret', ...)."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    t = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    t = t.rstrip("%‰")
    try:
        return float(t)
    except ValueError:
        return None


# --- readers: one per format -----------------------------------------------------------

def portrait_facts(p, source, kinds, labels):
    """Facts of one portrait object (portrait.json, a line of LEVEL.jsonl)."""
    parent = p["territory"]["code"] if isinstance(p.get("territory"), dict) else None
    out = []
    for r in p["indicators"]:
        ind = r["id"]
        kinds[ind] = r["kind"]
        labels[r["label"]] = ind
        for scope, f in r["figures"].items():
            out.append(Fact(source, ind, scope, f.get("code"),
                            {k: number(f.get(k)) for k in FIELDS}, f.get("withheld") not in (False, None),
                            f.get("origin"), parent, f.get("parts")))
        for f in r["members"]["figures"]:
            out.append(Fact(source, ind, "member", f.get("code"),
                            {k: number(f.get(k)) for k in FIELDS}, f.get("withheld") not in (False, None),
                            f.get("origin"), parent))
        # figures derived from the territory's value, and from the QPV and rest values
        derived = {f"{ref}_{k}": number(c.get(k)) for ref, c in r.get("comparisons", {}).items()
                   for k in ("ratio", "difference")}
        out.append(Fact(source, ind, "territoire:derived", None, derived, False, None, parent))
        q = r.get("qpv_ratio") or {}
        out.append(Fact(source, ind, "qpv:derived", None,
                        {"qpv_ratio": number(q.get("value")), "qpv_ratio_lower": number(q.get("lower"))},
                        False, None, parent))
    return out


def read_json(path, ctx):
    with open(path, encoding="utf-8") as f:
        return portrait_facts(json.load(f), path, ctx["kinds"], ctx["labels"])


def read_jsonl(path, ctx):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            out += portrait_facts(json.loads(line), path, ctx["kinds"], ctx["labels"])
    return out


def table_rows(path):
    """The rows of a table as dicts: the UTF-8 CSVs (','), the French-Excel ones under
    tables/excel/ (BOM, ';', decimal comma: number() reads "20,5")."""
    excel = os.sep + "excel" + os.sep in path
    with open(path, encoding="utf-8-sig" if excel else "utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";" if excel else ","))


def read_long_csv(path, ctx, parent_column=None, rows=None):
    """tables/portrait.csv (and its Excel variant, and the workbook's sheet 'Ensemble'),
    and LEVEL.csv of a batch (territory_code first)."""
    out = []
    if True:
        for row in (rows if rows is not None else table_rows(path)):
            parent = row.get("territory_code", ctx.get("parent"))
            scope = "member" if row["scope"] in ("commune", "epci", "iris", "qpv_member") else row["scope"]
            out.append(Fact(path, row["indicator"], scope, row["code"],
                            {k: number(row.get(k)) for k in FIELDS},
                            row.get("withheld", "") != "", row.get("origin"), parent))
    return out


def read_chapter_csv(path, ctx, rows=None):
    """tables/chapitre_N.csv (and its Excel variant, and the workbook's chapter sheets):
    one row per indicator, the territory's figure and what is derived from it."""
    out = []
    if True:
        for row in (rows if rows is not None else table_rows(path)):
            ind = row["indicator"]
            out.append(Fact(path, ind, "territoire", None, {k: number(row.get(k)) for k in FIELDS},
                            row.get("withheld", "") != "", row.get("origin"), ctx.get("parent")))
            derived = {k: number(v) for k, v in row.items()
                       if k.endswith("_ratio") or k.endswith("_difference") or k in ("rank",)}
            derived.pop("qpv_ratio", None)
            out.append(Fact(path, ind, "territoire:derived", None, derived, False, None, ctx.get("parent")))
            out.append(Fact(path, ind, "qpv", None, {"value": number(row.get("qpv_value"))}, False,
                            None, ctx.get("parent")))
            out.append(Fact(path, ind, "hors_qpv", None, {"value": number(row.get("outside_qpv_value"))},
                            False, None, ctx.get("parent")))
            out.append(Fact(path, ind, "qpv:derived", None,
                            {"qpv_ratio": number(row.get("qpv_ratio")),
                             "qpv_ratio_lower": number(row.get("qpv_ratio_lower"))}, False, None,
                            ctx.get("parent")))
    return out


class _Tables(html.parser.HTMLParser):
    """The rows of the report's indicator tables, as lists of cell texts."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.depth = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "indicateurs") in attrs:
            self.depth = 1
        elif tag == "tr" and self.depth:
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row:
                self.rows.append(self.row)
            self.row = None
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def read_html(path, ctx):
    """portrait.html: indicator rows (label, count, value, interval, département, région,
    France, rank, QPV, rest); the label names the indicator (from the JSON)."""
    parser = _Tables()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    out = []
    for row in parser.rows:
        label = re.sub(r"\s*\([^()]*\)\s*$", "", row[0]).strip()
        ind = ctx["labels"].get(label)
        if ind is None or len(row) < 10:
            continue
        first = lambda t: number(re.split(r"[▲▼●]", t)[0])  # the number before a comparison mark
        out.append(Fact(path, ind, "territoire", None,
                        {"numerator": number(row[1]), "value": number(row[2])}, False, None,
                        ctx.get("parent")))
        out.append(Fact(path, ind, "qpv", None, {"value": first(row[8])}, False, None, ctx.get("parent")))
        out.append(Fact(path, ind, "hors_qpv", None, {"value": first(row[9])}, False, None, ctx.get("parent")))
    return out


def read_xlsx(path, ctx):
    """portrait.xlsx: the sheet 'Ensemble' is the long table, 'Chapitre N' the chapter
    tables (header on the first row); read with zipfile + ElementTree, numbers stored as
    numbers, withheld cells as text."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    out = []
    for sheet in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
        name = sheet.get("name")
        if name != "Ensemble" and not name.startswith("Chapitre "):
            continue
        target = rels[sheet.get(f"{{{ns['r']}}}id")]
        root = ET.fromstring(z.read("xl/" + target.lstrip("/").replace("xl/", "")))
        grid = {}
        for c in root.iter(f"{{{ns['m']}}}c"):
            ref = c.get("r")
            letters = re.match(r"[A-Z]+", ref).group(0)
            col = 0
            for ch in letters:
                col = col * 26 + ord(ch) - 64
            row = int(ref[len(letters):]) - 1
            v, t = c.find("m:v", ns), c.get("t")
            if t == "s":
                text = shared[int(v.text)]
            elif t in ("str", "inlineStr"):
                text = "".join(x.text or "" for x in c.iter(f"{{{ns['m']}}}t"))
            else:
                text = v.text if v is not None else ""
            grid.setdefault(row, {})[col - 1] = text
        if not grid:
            continue
        header = [grid[0].get(c, "") for c in range(max(grid[0]) + 1)]
        rows = [{h: grid[r].get(c, "") for c, h in enumerate(header)} for r in sorted(grid) if r > 0]
        reader = read_long_csv if name == "Ensemble" else read_chapter_csv
        out += reader(f"{path}:{name}", ctx, rows=rows)
    return out


# (glob relative to an output folder, reader): JSON first, it names the indicators
READERS = [
    ("portrait.json", read_json),
    ("*.jsonl", read_jsonl),
    ("tables/portrait.csv", read_long_csv),
    ("tables/chapitre_*.csv", read_chapter_csv),
    ("tables/excel/portrait.csv", read_long_csv),
    ("tables/excel/chapitre_*.csv", read_chapter_csv),
    ("portrait.xlsx", read_xlsx),
    ("portrait.html", read_html),
    ("commune.csv", read_long_csv),
    ("epci.csv", read_long_csv),
    ("qpv.csv", read_long_csv),
]


# --- checks ------------------------------------------------------------------------------

def audit(facts, kinds, threshold):
    leaks = []
    small = lambda x: x is not None and 0 < x < threshold and abs(x - round(x)) < 1e-9

    withheld = {}  # (parent, indicator, scope, code) -> a source saying so
    for f in facts:
        if f.withheld:
            withheld.setdefault(f.key(), f.source)
    withheld_scopes = {(f.parent, f.indicator, f.scope) for f in facts if f.withheld}

    for f in facts:
        kind = kinds.get(f.indicator)
        published = {k: v for k, v in f.fields.items() if v is not None}
        # primary
        if kind in COUNT_KINDS and small(published.get("numerator")):
            leaks.append(f"primary: {f.source}: {f.indicator} {f.scope} {f.code}: count "
                         f"{published['numerator']:g} published")
        if kind == "count" and small(published.get("value")):
            leaks.append(f"primary: {f.source}: {f.indicator} {f.scope} {f.code}: count "
                         f"{published['value']:g} published")
        # withheld here or elsewhere, yet published here
        scope = f.scope.split(":")[0]
        hidden = f.withheld or f.key() in withheld or \
            (f.code is None and (f.parent, f.indicator, scope) in withheld_scopes and
             any(k[0] == f.parent and k[1] == f.indicator and k[2] == scope for k in withheld))
        if f.scope == "qpv:derived":
            hidden = any((f.parent, f.indicator, s) in withheld_scopes for s in ("qpv", "hors_qpv"))
        if hidden:
            shown = [k for k in published if k != "denominator" and not k.startswith("rank")]
            if f.scope == "territoire:derived":
                shown = list(published)
            if shown:
                leaks.append(f"withheld: {f.source}: {f.indicator} {f.scope} {f.code or ''}: "
                             f"{', '.join(shown)} published although the figure is withheld")

    # qpv-rest and members, per output file
    by_file = {}
    for f in facts:
        by_file.setdefault((f.source, f.parent, f.indicator), []).append(f)
    for (source, parent, ind), fs in by_file.items():
        if kinds.get(ind) not in COUNT_KINDS:
            continue
        num = {f.scope: f.fields.get("numerator") for f in fs if f.scope in ("territoire", "qpv", "hors_qpv")}
        if len(num) == 3 and sum(v is None for v in num.values()) == 1:
            missing = [s for s, v in num.items() if v is None][0]
            held = any(f.scope == missing and f.withheld for f in fs)
            if held:
                leaks.append(f"qpv-rest: {source}: {ind}: {missing} withheld but the two others published")
        total = [f for f in fs if f.scope == "territoire" and f.origin == "somme"]
        members = [f for f in fs if f.scope == "member"]
        if total and members and total[0].fields.get("numerator") is not None:
            held = [m for m in members if m.withheld]
            if held:
                rest = total[0].fields["numerator"] - sum(m.fields["numerator"] or 0 for m in members
                                                         if not m.withheld)
                if len(held) == 1 or 0 < rest < threshold or abs(rest - len(held)) < 1e-9:
                    leaks.append(f"members: {source}: {ind}: {len(held)} withheld member(s) "
                                 f"whose sum {rest:g} follows from the total")
    leaks += audit_across(facts, kinds, threshold)
    return leaks


def audit_across(facts, kinds, threshold):
    """The 'across' check: totals less their communes as published anywhere."""
    leaks = []
    known = {}  # (indicator, commune) -> count published somewhere
    for f in facts:
        if f.scope == "member" or (f.scope == "territoire" and f.code == f.parent):
            n = f.fields.get("numerator")
            if not f.withheld and n is not None:
                known[(f.indicator, f.code)] = n
    totals = []  # (what, indicator, total, member codes)
    members = {}
    for f in facts:
        if f.scope == "member" and f.source.endswith((".json", ".jsonl")):
            members.setdefault((f.source, f.parent, f.indicator), []).append(f.code)
    communes_of = {}  # (indicator, scope, code) -> communes whose portrait names it
    reference = {}
    for f in facts:
        if kinds.get(f.indicator) not in COUNT_KINDS or not f.source.endswith((".json", ".jsonl")):
            continue
        total = f.fields.get("numerator")
        if f.scope == "territoire" and f.origin == "somme" and total is not None:
            codes = members.get((f.source, f.parent, f.indicator), [])
            if len(codes) >= 2 and len(codes) == f.parts:
                totals.append((f"{f.parent}", f.indicator, total, codes))
        if f.scope in ("departement", "region") and f.code and f.parent and len(f.parent) == 5:
            communes_of.setdefault((f.indicator, f.scope, f.code), set()).add(f.parent)
            if f.origin == "somme" and total is not None:
                reference[(f.indicator, f.scope, f.code)] = (total, f.parts)
    for (ind, scope, code), (total, parts) in reference.items():
        codes = communes_of[(ind, scope, code)]
        if len(codes) == parts:
            totals.append((f"{scope} {code}", ind, total, sorted(codes)))
    seen = set()
    for what, ind, total, codes in totals:
        if (what, ind) in seen:
            continue
        seen.add((what, ind))
        unknown = [c for c in codes if (ind, c) not in known]
        if not unknown:
            continue
        rest = total - sum(known[(ind, c)] for c in codes if (ind, c) in known)
        if len(unknown) == 1 or 0 < rest < threshold or abs(rest - len(unknown)) < 1e-9:
            leaks.append(f"across: {what}: {ind}: {len(unknown)} commune(s) published nowhere "
                         f"whose sum {rest:g} follows from the total and the other portraits")
    return leaks


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 64
    threshold = int(argv[0])
    leaks, n_files, n_facts, n_withheld = [], 0, 0, 0
    for d in argv[1:]:
        ctx = {"kinds": {}, "labels": {}, "parent": None}
        facts = []
        for pattern, reader in READERS:
            for path in sorted(glob.glob(os.path.join(d, pattern))):
                facts += reader(path, ctx)
                n_files += 1
                if reader is read_json and facts:
                    ctx["parent"] = facts[0].parent
        if not facts:
            print(f"disclosure_audit: {d}: no output to audit")
            return 2
        n_facts += len(facts)
        n_withheld += sum(f.withheld for f in facts)
        leaks += audit(facts, ctx["kinds"], threshold)
    for leak in leaks:
        print(leak)
    print(f"disclosure_audit: {n_files} files, {n_facts} figures, {n_withheld} withheld, "
          f"{len(leaks)} leak(s)")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
