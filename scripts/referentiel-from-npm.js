#!/usr/bin/env node
// diagsante — converts the JSON data of the npm package @etalab/decoupage-administratif
// into the CSV tables of datasets/referentiel/ read by engine/referential.c.
//
// Usage: node referentiel-from-npm.js DATA_DIR OUT_DIR PACKAGE_VERSION COG_YEAR
//   DATA_DIR holds communes.json, epci.json, departements.json, regions.json (the
//   package's data/ folder). OUT_DIR must exist; its CSV, VERSION and README.md files
//   are (over)written. Run through scripts/update-referentiel.sh.
//
// Output: UTF-8, comma separated, RFC 4180 quoting, LF line ends, one header line,
// rows sorted by code (byte order), codes as text. Only the package's data is used:
// the output depends on nothing else (no clock, no locale), so two runs on the same
// data give byte-identical files.
'use strict'

const fs = require('fs')
const path = require('path')
const crypto = require('crypto')

function die(message) {
  process.stderr.write(`referentiel-from-npm: ${message}\n`)
  process.exit(1)
}

if (process.argv.length !== 6) {
  die('usage: node referentiel-from-npm.js DATA_DIR OUT_DIR PACKAGE_VERSION COG_YEAR')
}
const [dataDir, outDir, packageVersion, cogYear] = process.argv.slice(2)
if (!/^\d{4}$/.test(cogYear)) die(`COG year '${cogYear}' is not a year`)

const INPUTS = ['communes.json', 'epci.json', 'departements.json', 'regions.json']

function readJson(name) {
  const file = path.join(dataDir, name)
  let text
  try {
    text = fs.readFileSync(file)
  } catch (error) {
    die(`cannot read ${file}: ${error.message}`)
  }
  try {
    return {data: JSON.parse(text.toString('utf8')), sha256: crypto.createHash('sha256').update(text).digest('hex')}
  } catch (error) {
    die(`${file} is not JSON: ${error.message}`)
  }
}

const inputs = {}
for (const name of INPUTS) inputs[name] = readJson(name)
const communesJson = inputs['communes.json'].data
const epciJson = inputs['epci.json'].data
const departementsJson = inputs['departements.json'].data
const regionsJson = inputs['regions.json'].data

// --- CSV writing ---------------------------------------------------------------------
function field(value) {
  if (value === undefined || value === null) return ''
  const s = String(value)
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) return '"' + s.replace(/"/g, '""') + '"'
  return s
}

function byteOrder(a, b) {
  // Codes are ASCII: UTF-16 code unit order is byte order.
  return a < b ? -1 : a > b ? 1 : 0
}

const written = {}
function writeCsv(name, header, rows) {
  const lines = [header.join(',')]
  for (const row of rows) lines.push(row.map(field).join(','))
  fs.writeFileSync(path.join(outDir, name), lines.join('\n') + '\n')
  written[name] = rows.length
}

// --- checks --------------------------------------------------------------------------
const COMMUNE_RE = /^(\d{5}|2[AB]\d{3})$/
const DEPARTEMENT_RE = /^(\d{2}|2[AB]|97\d)$/
const REGION_RE = /^\d{2}$/
const SIREN_RE = /^\d{9}$/

function check(condition, message) {
  if (!condition) die(message)
}

function population(value, what) {
  if (value === undefined) return ''
  check(Number.isInteger(value) && value >= 0, `${what}: population ${value} is not a count`)
  return value
}

// The collectivités d'outre-mer (zone "com": Saint-Pierre-et-Miquelon, Saint-Barthélemy,
// Saint-Martin, TAAF, Wallis-et-Futuna, Polynésie, Nouvelle-Calédonie, Clipperton) are
// left out: INSEE's COG commune table covers France métropolitaine and the DROM, and
// they have no EPCI, no population légale in the same census and codes (975, 984...)
// outside the forms of codes.h.
const ZONES = new Set(['metro', 'drom', 'com'])
function kept(entity, what) {
  check(ZONES.has(entity.zone), `${what} ${entity.code}: unknown zone '${entity.zone}'`)
  return entity.zone !== 'com'
}

// --- régions, départements -------------------------------------------------------------
const regions = new Map()
for (const r of regionsJson) {
  if (!kept(r, 'région')) continue
  check(REGION_RE.test(r.code), `région code '${r.code}'`)
  check(!regions.has(r.code), `région ${r.code} twice`)
  regions.set(r.code, r)
}

const departements = new Map()
for (const d of departementsJson) {
  if (!kept(d, 'département')) continue
  check(DEPARTEMENT_RE.test(d.code), `département code '${d.code}'`)
  check(!departements.has(d.code), `département ${d.code} twice`)
  check(regions.has(d.region), `département ${d.code}: unknown région ${d.region}`)
  departements.set(d.code, d)
}

// --- communes ----------------------------------------------------------------------------
const TYPES = new Set(['commune-actuelle', 'commune-deleguee', 'commune-associee', 'arrondissement-municipal'])
const current = new Map()
const arrondissements = new Map()
const attached = [] // commune-deleguee and commune-associee entries
for (const c of communesJson) {
  check(TYPES.has(c.type), `commune ${c.code}: unknown type '${c.type}'`)
  if (!kept(c, 'commune')) continue
  check(COMMUNE_RE.test(c.code), `commune code '${c.code}'`)
  check(departements.has(c.departement), `commune ${c.code}: unknown département ${c.departement}`)
  check(departements.get(c.departement).region === c.region,
    `commune ${c.code}: région ${c.region} is not the région of département ${c.departement}`)
  if (c.type === 'commune-actuelle') {
    check(!current.has(c.code), `current commune ${c.code} twice`)
    current.set(c.code, c)
  } else if (c.type === 'arrondissement-municipal') {
    check(!arrondissements.has(c.code), `arrondissement ${c.code} twice`)
    arrondissements.set(c.code, c)
  } else {
    attached.push(c)
  }
}
for (const a of arrondissements.values()) {
  check(current.has(a.commune), `arrondissement ${a.code}: parent ${a.commune} is no current commune`)
  check(!current.has(a.code), `arrondissement ${a.code} is also a current commune`)
}

// --- EPCI and their members --------------------------------------------------------------
const epciOf = new Map()
const epcis = []
for (const e of epciJson) {
  check(SIREN_RE.test(e.code), `EPCI code '${e.code}'`)
  check(Array.isArray(e.membres) && e.membres.length > 0, `EPCI ${e.code} has no members`)
  for (const m of e.membres) {
    check(current.has(m.code), `EPCI ${e.code}: member ${m.code} is no current commune`)
    check(!epciOf.has(m.code), `commune ${m.code} is a member of EPCI ${epciOf.get(m.code)} and ${e.code}`)
    epciOf.set(m.code, e.code)
  }
  epcis.push(e)
}
check(new Set(epcis.map(e => e.code)).size === epcis.length, 'an EPCI appears twice')

// --- commune history: former codes -> current commune --------------------------------------
// A delegated or associated commune is attached to its chef-lieu today: that current
// status wins over the anciensCodes lists, which follow the history of codes and can
// disagree with it (a commune restored later). A delegated commune may carry the code of
// its chef-lieu (the commune nouvelle kept it): such rows have old_code == current_code.
const history = new Map()
const conflicts = []
for (const c of attached) {
  check(COMMUNE_RE.test(c.chefLieu) && current.has(c.chefLieu),
    `${c.type} ${c.code}: chef-lieu ${c.chefLieu} is no current commune`)
  check(!history.has(c.code), `${c.type} ${c.code} appears twice`)
  check(c.code === c.chefLieu || !current.has(c.code), `${c.type} ${c.code} is also a current commune`)
  check(!arrondissements.has(c.code), `${c.type} ${c.code} is also an arrondissement`)
  history.set(c.code, {code: c.code, name: c.nom, kind: c.type, current: c.chefLieu})
}
for (const c of current.values()) {
  for (const old of c.anciensCodes || []) {
    check(COMMUNE_RE.test(old), `commune ${c.code}: former code '${old}'`)
    check(!current.has(old) && !arrondissements.has(old), `commune ${c.code}: former code ${old} is in use`)
    const known = history.get(old)
    if (known === undefined) {
      history.set(old, {code: old, name: '', kind: 'ancien-code', current: c.code})
    } else if (known.current !== c.code) {
      if (known.kind === 'ancien-code') die(`former code ${old} listed by ${known.current} and ${c.code}`)
      conflicts.push(`${old} (${known.name}): in the anciensCodes of ${c.code}, ${known.kind} of ${known.current}; kept ${known.current}`)
    }
  }
}

// --- write -------------------------------------------------------------------------------
writeCsv('regions.csv', ['code', 'name'],
  [...regions.values()].sort((a, b) => byteOrder(a.code, b.code)).map(r => [r.code, r.nom]))

writeCsv('departements.csv', ['code', 'name', 'region'],
  [...departements.values()].sort((a, b) => byteOrder(a.code, b.code)).map(d => [d.code, d.nom, d.region]))

writeCsv('epci.csv', ['code', 'name', 'type', 'population_municipale_dgcl', 'population_totale_dgcl'],
  epcis.sort((a, b) => byteOrder(a.code, b.code)).map(e => [
    e.code, e.nom, e.type,
    population(e.populationMunicipale, `EPCI ${e.code}`), population(e.populationTotale, `EPCI ${e.code}`)
  ]))

const communeRows = []
for (const c of current.values()) {
  communeRows.push([c.code, c.nom, c.type, c.departement, c.region, epciOf.get(c.code) || '', '',
    population(c.population, `commune ${c.code}`)])
}
for (const a of arrondissements.values()) {
  communeRows.push([a.code, a.nom, a.type, a.departement, a.region, '', a.commune,
    population(a.population, `arrondissement ${a.code}`)])
}
communeRows.sort((a, b) => byteOrder(a[0], b[0]))
writeCsv('communes.csv',
  ['code', 'name', 'type', 'departement', 'region', 'epci', 'commune', 'population_municipale'], communeRows)

writeCsv('commune_history.csv', ['old_code', 'old_name', 'kind', 'current_code'],
  [...history.values()].sort((a, b) => byteOrder(a.code, b.code)).map(h => [h.code, h.name, h.kind, h.current]))

const vintage = `COG ${cogYear}, @etalab/decoupage-administratif ${packageVersion}`
fs.writeFileSync(path.join(outDir, 'VERSION'), vintage + '\n')

// --- README: source, version, licence, content ---------------------------------------------
const noEpci = [...current.keys()].filter(code => !epciOf.has(code)).sort(byteOrder)
const kinds = {}
for (const h of history.values()) kinds[h.kind] = (kinds[h.kind] || 0) + 1
const sameCode = [...history.values()].filter(h => h.code === h.current).length
const readme = `# Territorial referential: ${vintage}

Generated by \`scripts/update-referentiel.sh ${packageVersion}\` (conversion:
\`scripts/referentiel-from-npm.js\`). Do not edit by hand: re-run the script to change
vintage (\`scripts/update-referentiel.sh VERSION\`, or \`--from DIR\` offline).

## Source

- npm package \`@etalab/decoupage-administratif@${packageVersion}\`
  (https://www.npmjs.com/package/@etalab/decoupage-administratif,
  repository https://github.com/etalab/decoupage-administratif), COG ${cogYear}.
- Input files (SHA-256):
${INPUTS.map(name => `  - \`data/${name}\`: ${inputs[name].sha256}`).join('\n')}
- Upstream sources named by the package: INSEE Code officiel géographique; DGCL list
  and composition of the EPCI à fiscalité propre (epcicom); INSEE populations légales.

## Licence

Data: Licence Ouverte / Open Licence (Etalab), as stated by the package for its data
(https://www.etalab.gouv.fr/licence-ouverte-open-licence). Attribution: INSEE (COG,
populations légales), DGCL (EPCI), via Etalab's @etalab/decoupage-administratif.
The package's code is under the MIT licence; none of it is copied here.

## Files

All files: UTF-8, comma separated, RFC 4180 quoting, LF line ends, sorted by code.

| file | rows | columns |
|---|---|---|
| \`regions.csv\` | ${written['regions.csv']} | code, name |
| \`departements.csv\` | ${written['departements.csv']} | code, name, region |
| \`epci.csv\` | ${written['epci.csv']} | code (SIREN), name, type (CC, CA, CU, METRO, MET69), population_municipale_dgcl, population_totale_dgcl |
| \`communes.csv\` | ${written['communes.csv']} | code, name, type, departement, region, epci, commune, population_municipale |
| \`commune_history.csv\` | ${written['commune_history.csv']} | old_code, old_name, kind, current_code |
| \`VERSION\` | 1 | the vintage line |

- \`communes.csv\`: the ${current.size} current communes (type \`commune-actuelle\`) and
  the ${arrondissements.size} municipal arrondissements of Paris, Lyon and Marseille
  (type \`arrondissement-municipal\`, parent in column \`commune\`, no \`epci\`).
  \`epci\` is the SIREN of the EPCI à fiscalité propre the commune belongs to, from the
  member lists of \`epci.json\`; ${noEpci.length} island communes belong to none
  (${noEpci.join(', ')}).
- \`population_municipale\` is the INSEE population municipale (the package's
  \`population\` field, taken from the PMUN column of the populations légales; for
  Paris, Lyon and Marseille the sum of their arrondissements). Arrondissements are
  part of their commune: do not add them to commune totals.
- \`epci.csv\` population columns are the figures of the DGCL file (its own vintage,
  which differs from the INSEE figures of \`communes.csv\`); the engine computes EPCI
  populations as the sum of their communes instead.
- \`commune_history.csv\`: every former commune code that leads to a current commune:
  \`commune-deleguee\` and \`commune-associee\` (current status, with the chef-lieu as
  \`current_code\`), and \`ancien-code\` (codes listed in the \`anciensCodes\` of a
  current commune that are no delegated or associated commune: communes merged
  outright, and codes changed with their département, such as Corsica's 20xxx before
  1976 or Seine-et-Oise's 78xxx before 1968). Counts: ${Object.keys(kinds).sort(byteOrder).map(k => `${k} ${kinds[k]}`).join(', ')}.
  ${sameCode} delegated communes carry the code of their chef-lieu
  (\`old_code == current_code\`): that code is a current commune.
  Where \`anciensCodes\` and the current status disagree, the current status is kept
  (${conflicts.length}: ${conflicts.length ? conflicts.join('; ') : 'none'}).
- Mapping caveat: a code that is a current commune is taken as that commune, even
  where it covered another territory in an older vintage (a commune nouvelle that
  kept the code of one of its members and was split again later). A table of an
  older vintage keyed by such a code is attributed to today's commune of that code.
- Left out: the collectivités d'outre-mer (zone \`com\`: 975, 977, 978, 984, 986-989),
  which are not in INSEE's commune table, have no EPCI and codes outside the forms the
  engine accepts; the package's \`arrondissements.json\` (departmental arrondissements)
  and \`ept.json\`.
`
fs.writeFileSync(path.join(outDir, 'README.md'), readme)

for (const c of conflicts) process.stderr.write(`referentiel-from-npm: note: ${c}\n`)
process.stdout.write(`${vintage}: ${current.size} communes, ${arrondissements.size} arrondissements, ` +
  `${history.size} former codes, ${epcis.length} EPCI, ${departements.size} départements, ${regions.size} régions\n`)
