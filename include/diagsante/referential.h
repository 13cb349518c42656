/* diagsante — the territorial referential: communes, EPCI, départements, régions,
 * QPV and custom territories (CLS, contrats de ville), with their nesting.
 *
 * Loaded from the CSV tables of datasets/referentiel/ (INSEE COG, converted from the
 * npm package @etalab/decoupage-administratif by scripts/update-referentiel.sh), then
 * optionally completed with a QPV -> communes table and custom territory definitions.
 * All codes given to and returned by this module are normalised (codes.h). */
#ifndef DIAGSANTE_REFERENTIAL_H
#define DIAGSANTE_REFERENTIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/codes.h"
#include "diagsante/error.h"

typedef struct ds_referential ds_referential;

/* A list of codes or identifiers returned by a query; the caller frees it with
 * ds_code_list_free. Items are sorted and unique. */
typedef struct ds_code_list {
    size_t count;
    char **items;
} ds_code_list;

void ds_code_list_free(ds_code_list *list); /* frees the items, leaves an empty list */
/* Sorts the items (strcmp order) and frees repeated ones. */
void ds_code_list_sort_unique(ds_code_list *list);

/* Loads the referential tables of dir, as written by scripts/update-referentiel.sh
 * (format in datasets/referentiel/README.md): regions.csv (code, name),
 * departements.csv (code, name, region), epci.csv (code, name, type),
 * communes.csv (code, name, type = commune-actuelle | arrondissement-municipal,
 * departement, region, epci, commune = parent of an arrondissement,
 * population_municipale), commune_history.csv (old_code, old_name, kind,
 * current_code) and VERSION (one line). Other columns are ignored.
 * On success *out owns a new referential (ds_referential_free). DS_ENOINPUT when a
 * table is missing, DS_EDATA (file, line, field) when one is malformed or inconsistent
 * (a commune in an unknown département or in a région that is not its département's,
 * an EPCI without communes, a history row leading to no current commune, a repeated
 * code...), DS_ENOMEM. */
ds_status ds_referential_open(const char *dir, ds_referential **out, ds_error *err);

/* Frees everything. Accepts NULL. */
void ds_referential_free(ds_referential *ref);

/* One line saying which vintage this is ("COG 2026, @etalab/decoupage-administratif
 * 6.0.0"), owned by the referential. */
const char *ds_referential_vintage(const ds_referential *ref);

/* Adds the QPV of a CSV table with one row per (QPV, commune) pair: columns named
 * qpv_column and commune_column (a QPV straddling two communes has two rows).
 * QPV codes of both generations (QP031001, QN03101M) are accepted. Commune codes of
 * former vintages and municipal arrondissements are mapped to the current commune
 * (ds_referential_map_commune); a commune that cannot be mapped is an error naming
 * file and line. Repeated pairs are merged; may be called several times. On DS_EDATA
 * the referential is left unchanged. QPV have no name here (ds_referential_name
 * returns "") and no population (-1). */
ds_status ds_referential_load_qpv(ds_referential *ref, const char *path,
                                  const char *qpv_column, const char *commune_column,
                                  ds_error *err);

/* Adds n (QPV, commune) pairs, as ds_referential_load_qpv does for a file: codes of
 * any vintage, pairs already known merged. DS_EDATA (naming the pair) for a bad QPV
 * code or an unknown commune; the referential is then left unchanged. */
ds_status ds_referential_add_qpv(ds_referential *ref, size_t n, const char *const *qpv,
                                 const char *const *communes, ds_error *err);

/* Adds custom territories (CLS, contrats de ville...) from a CSV with the columns
 * territory_id, name, kind, member_kind (commune|epci|qpv), member_code, and
 * optionally status, start, end; one row per member. name, kind, status, start and
 * end must be the same on every row of a territory. Members must exist: current
 * communes (a municipal arrondissement stands for its commune; a former code is an
 * error that names the current one), EPCI, QPV already loaded. A territory id already
 * defined is an error. On DS_EDATA the referential is left unchanged. */
ds_status ds_referential_load_territories(ds_referential *ref, const char *path,
                                          ds_error *err);

/* --- Levels and lookups ------------------------------------------------------ */
/* The levels of the referential. Custom territories have their own level. */
typedef enum ds_level {
    DS_LEVEL_COMMUNE = 0,
    DS_LEVEL_EPCI,
    DS_LEVEL_DEPARTEMENT,
    DS_LEVEL_REGION,
    DS_LEVEL_QPV,
    DS_LEVEL_TERRITORY, /* custom: CLS, contrat de ville... */
    DS_LEVEL_COUNT
} ds_level;

const char *ds_level_name(ds_level level); /* "commune", "epci", ..., "territory" */
bool ds_level_from_name(const char *name, ds_level *level);

/* Number of entities at a level (current communes only, not delegated ones nor
 * municipal arrondissements). */
size_t ds_referential_count(const ds_referential *ref, ds_level level);
/* All the codes of a level (communes: current ones only), sorted. */
ds_status ds_referential_codes(const ds_referential *ref, ds_level level, ds_code_list *out,
                               ds_error *err);
/* Name of an entity, NULL when unknown (owned by the referential). At the commune
 * level municipal arrondissements are found too. */
const char *ds_referential_name(const ds_referential *ref, ds_level level, const char *code);
/* Population municipale of a commune (or municipal arrondissement), EPCI,
 * département or région, or -1 when unknown. EPCI, départements and régions get the
 * sum of their communes (the same INSEE vintage as the communes; the DGCL figures of
 * epci.csv are not used), -1 when one of their communes has no population. */
long long ds_referential_population(const ds_referential *ref, ds_level level,
                                    const char *code);

/* The entity of level `parent_level` that contains `code` (commune -> EPCI,
 * département, région; EPCI -> région when all its communes share one; département ->
 * région; municipal arrondissement -> its commune, or its commune's EPCI, département,
 * région; QPV or custom territory -> the commune, EPCI, département or région shared by
 * all its communes). DS_EDATA when the code is unknown or the parent does not exist or
 * is not unique (an EPCI spanning two départements, a commune in no EPCI), with the
 * reason; DS_EUSAGE for any other pair of levels. */
ds_status ds_referential_parent(const ds_referential *ref, ds_level level, const char *code,
                                ds_level parent_level, char out[DS_CODE_MAX], ds_error *err);

/* The members of level member_level of an entity (région -> départements, EPCI,
 * communes or QPV; département -> EPCI, communes or QPV; EPCI -> communes or QPV;
 * commune -> QPV; QPV -> communes; custom territory -> communes, EPCI or QPV).
 * Communes are current communes (never arrondissements). Other than communes, the
 * members are the entities with at least one commune in the entity: an EPCI spanning
 * two régions is listed under both. A custom territory's communes are resolved through
 * the EPCI and QPV it declares; its EPCI are the ones it declares (a CLS of one commune
 * does not hold that commune's whole EPCI); its QPV are those of its communes (the
 * declared ones and any other QPV in its communes: what a CLS covers). DS_EDATA for an
 * unknown code, DS_EUSAGE for any other pair of levels. */
ds_status ds_referential_members(const ds_referential *ref, ds_level level, const char *code,
                                 ds_level member_level, ds_code_list *out, ds_error *err);

/* Every entity (EPCI, département, région, custom territory, QPV) that contains the
 * commune, as "level:code" items ("epci:243100518", "territory:CLS-TOULOUSE"). A QPV
 * is listed when it lies (partly) in the commune, a territory when the commune is one
 * of its resolved communes. A municipal arrondissement gets "commune:<parent>" and
 * the entities of its commune. DS_EDATA for an unknown code or a former one (the
 * message names the current commune: map codes first). */
ds_status ds_referential_containing(const ds_referential *ref, const char *commune,
                                    ds_code_list *out, ds_error *err);

/* --- Vintages ------------------------------------------------------------------ */
typedef enum ds_commune_mapping {
    DS_MAP_CURRENT = 0,    /* the code is a current commune */
    DS_MAP_MERGED,         /* a former commune (merged, delegated, associated) */
    DS_MAP_ARRONDISSEMENT, /* a municipal arrondissement, mapped to its commune */
    DS_MAP_UNKNOWN         /* no current commune can be found */
} ds_commune_mapping;

/* Maps a commune code of any vintage to the current commune (current receives it,
 * "" when unknown). The code is normalised first (1001 -> 01001). A code that is a
 * current commune is DS_MAP_CURRENT even when it covered another territory in an
 * older vintage (see datasets/referentiel/README.md). */
ds_commune_mapping ds_referential_map_commune(const ds_referential *ref, const char *code,
                                              char current[DS_CODE_MAX]);

/* Aggregates counts keyed by commune codes of any vintage onto current communes.
 * Input: n_rows codes and an n_rows x n_values row-major matrix of counts with a
 * matching status matrix (0 = value; any other value = not available; status may be
 * NULL: all available). A current commune whose sum includes a non-available input
 * gets status 1 (not available) and sum NAN for that value: a partial sum is never
 * published as the total. Rows whose code cannot be mapped are listed in unmapped,
 * never dropped silently. On success *out owns its arrays (ds_remap_result_free);
 * DS_EDATA when an available count is not finite, DS_EUSAGE on NULL inputs with
 * n_rows > 0, DS_ENOMEM. */
typedef struct ds_remap_result {
    size_t n_communes;           /* current communes that received at least one row */
    char **communes;             /* sorted */
    double *sums;                /* n_communes x n_values */
    unsigned char *status;       /* n_communes x n_values: 0 value, 1 not available */
    size_t rows_current, rows_merged, rows_arrondissement; /* how input rows mapped */
    size_t n_unmapped;           /* rows that could not be mapped */
    size_t *unmapped_rows;       /* their indices in the input */
} ds_remap_result;

ds_status ds_referential_remap_counts(const ds_referential *ref, size_t n_rows,
                                      const char *const *codes, size_t n_values,
                                      const double *counts, const unsigned char *status,
                                      ds_remap_result *out, ds_error *err);
void ds_remap_result_free(ds_remap_result *result); /* accepts NULL; leaves it zeroed */

/* --- Custom territories --------------------------------------------------------- */
/* What a territory file said about a territory; strings owned by the referential,
 * status, start and end NULL when not given. */
typedef struct ds_territory_info {
    const char *name, *kind, *status, *start, *end;
} ds_territory_info;

/* Fills *info for territory id; false when there is no such territory. */
bool ds_referential_territory(const ds_referential *ref, const char *id,
                              ds_territory_info *info);

#endif
