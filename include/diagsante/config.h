/* diagsante — the portrait's configuration file (diagnostic.ini).
 *
 * Read with inih (Debian libinih-dev). Sections and keys (any other section or key is an
 * error naming the line; values are trimmed; ';' and '#' start comments; relative paths
 * are taken from the folder of the .ini file):
 *
 *   [territory]    code        the territory: a commune (31555), an EPCI (SIREN), a QPV
 *                              (QP031001, QN03101M), a département, a région, or the id
 *                              of a territory of `definitions` (a CLS)   (required)
 *                  level       commune|epci|departement|region|qpv|territory (optional:
 *                              found from the code's form and the definitions)
 *                  name        a name to print instead of the referential's (optional)
 *                  definitions custom territories (CLS, contrats de ville): the CSV read
 *                              by ds_referential_load_territories (optional)
 *   [referential]  dir         the referential tables (datasets/referentiel)  (required)
 *                  qpv_communes a (qpv, commune) CSV: which communes each QPV lies in
 *                  qpv_column, commune_column  its columns (default qpv, commune)
 *   [indicators]   dictionary  the indicator dictionary (datasets/indicateurs.csv) (required)
 *                  select      ids to keep, separated by commas or spaces (default: all
 *                              the indicators for which some data file has a column)
 *                  population  the id of the population indicator used for the share of
 *                              the population living in QPV (default pop_municipale)
 *   [data]         commune, iris, qpv, epci, departement, region, france = FILE.csv
 *                              one key per level, repeatable (one file per source); each
 *                              file has one row per territory (its code column is found
 *                              by ds_table_load; a france file has one row)
 *                  column.ID.numerator | .denominator | .value = COLUMN
 *                              reads indicator ID from COLUMN instead of the dictionary's
 *                  column.ID.ROLE.LEVEL = COLUMN   the same for the files of one level
 *                              only (LEVEL: commune, iris, qpv, epci, departement, region,
 *                              france); it wins over column.ID.ROLE at that level
 *   [references]   departement, region, france = yes|no   (default yes)
 *                  confidence  0.95 (default), in (0, 1)
 *   [geometry]     communes, qpv, iris = FILE.shp; commune_id, qpv_id, iris_id = FIELD
 *                  (default code, code_qp, code_iris)
 *   [disclosure]   threshold   counts from 1 to threshold - 1 are withheld (default 5)
 *   [outputs]      html, csv, json, geojson, excel = yes|no (default yes, except excel)
 *                  title       the report's title (default "Diagnostic local de santé")
 *                  fictitious  yes when the figures are invented (the report says
 *                              "données fictives" on every page)
 *                  source      a source to cite in the report's provenance section
 *                              (repeatable: one line of text per source, in order)
 *   [ages]         group = LABEL, COLUMN  or  group = LABEL, MEN_COLUMN, WOMEN_COLUMN
 *                              one age group, youngest first (repeatable; every group
 *                              with the same number of columns): the counts are read
 *                              like a count indicator's (published rows, else summed
 *                              over the communes or their IRIS) and drawn as an age
 *                              pyramid (two sexes) or an age structure (one column)
 *                  reference   departement (default), region, france or none: the
 *                              outline drawn over the territory's bars
 *
 * Booleans accept yes/no, oui/non, true/false, 1/0. */
#ifndef DIAGSANTE_CONFIG_H
#define DIAGSANTE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"
#include "diagsante/referential.h"

/* The levels a data file can hold. */
typedef enum ds_data_level {
    DS_DATA_COMMUNE = 0,
    DS_DATA_IRIS,
    DS_DATA_QPV,
    DS_DATA_EPCI,
    DS_DATA_DEPARTEMENT,
    DS_DATA_REGION,
    DS_DATA_FRANCE,
    DS_DATA_LEVEL_COUNT
} ds_data_level;

/* "commune", "iris", "qpv", "epci", "departement", "region", "france"; NULL out of range. */
const char *ds_data_level_name(ds_data_level level);

typedef struct ds_data_file {
    ds_data_level level;
    char *path;   /* resolved against the .ini folder */
    size_t line;  /* where it was given */
} ds_data_file;

/* column.ID.ROLE = COLUMN */
typedef enum ds_column_role { DS_ROLE_NUMERATOR = 0, DS_ROLE_DENOMINATOR, DS_ROLE_VALUE } ds_column_role;

typedef struct ds_column_override {
    char *indicator;
    ds_column_role role;
    char *column;
    size_t line;
    ds_data_level level;   /* DS_DATA_LEVEL_COUNT: every level */
} ds_column_override;

/* [ages] group = LABEL, COLUMN[, COLUMN] */
typedef struct ds_age_group {
    char *label;
    char *column[2];       /* both sexes: column[0] only; else men, women */
} ds_age_group;

/* [ages] reference */
typedef enum ds_age_reference {
    DS_AGE_REF_DEPARTEMENT = 0,
    DS_AGE_REF_REGION,
    DS_AGE_REF_FRANCE,
    DS_AGE_REF_NONE
} ds_age_reference;

typedef struct ds_config {
    char *path;                 /* the .ini file */
    /* [territory] */
    char *territory;            /* as written (normalised later) */
    bool level_given;
    ds_level level;
    char *territory_name;       /* NULL: the referential's */
    char *definitions;          /* NULL when none */
    /* [referential] */
    char *referential_dir;
    char *qpv_communes, *qpv_column, *commune_column;
    /* [indicators] */
    char *dictionary;
    size_t n_select;
    char **select;              /* NULL when all */
    char *population_indicator;
    /* [data] */
    size_t n_data;
    ds_data_file *data;
    size_t n_overrides;
    ds_column_override *overrides;
    /* [references] */
    bool reference[3];          /* département, région, France */
    double confidence;
    /* [geometry] */
    char *communes_shp, *commune_id, *qpv_shp, *qpv_id, *iris_shp, *iris_id;
    /* [disclosure] */
    int threshold;
    /* [outputs] */
    bool out_html, out_csv, out_json, out_geojson, out_excel;
    char *title;
    bool fictitious;
    size_t n_cited;
    char **cited;               /* [outputs] source lines, in order */
    /* [ages] */
    size_t n_age_groups;
    ds_age_group *age_groups;   /* youngest first; none when n_age_groups is 0 */
    int age_sexes;              /* 1 (both together) or 2 (men, women); 0 when none */
    ds_age_reference age_reference;
} ds_config;

/* Reads path. On success *out owns a new configuration (ds_config_free). DS_ENOINPUT
 * when the file cannot be opened; DS_EDATA "FILE:LINE: ..." for an unknown section or
 * key, a bad value (level, boolean, number), a repeated single key, a missing required
 * key (then naming the section); DS_ENOMEM. Files named in it are not opened here. */
ds_status ds_config_load(const char *path, ds_config **out, ds_error *err);

/* A configuration with the defaults and no file: the caller sets the fields (the
 * command line builds one this way for --all). */
ds_status ds_config_new(ds_config **out, ds_error *err);

void ds_config_free(ds_config *config); /* accepts NULL */

#endif
