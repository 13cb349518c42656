/* diagsante — the indicator dictionary: what each indicator of a health diagnostic is,
 * how it is computed and where its figures are read.
 *
 * A dictionary is a CSV file (datasets/indicateurs.csv ships the standard ORS /
 * Score-Santé indicators; datasets/indicateurs.md documents the format) with one row per
 * indicator and these columns, in any order (other columns are ignored):
 *
 *   id                  key: lower-case ASCII letters, digits and '_', starting with a
 *                       letter, at most DS_INDICATOR_ID_MAX bytes, unique in the file;
 *                       not a missing-value marker (na, nd, s, c, ns, secret)
 *   label               French label
 *   chapter             1 to 9, the chapters of ORS profiles (ds_chapter_name)
 *   bases               one or more of prevention, acces_soins, sante_env,
 *                       sante_mentale separated by '|' (ds_base_code)
 *   numerator           what is counted (or measured, for a median or mean)
 *   denominator         what it is divided by; required for the kinds that need one
 *                       (ds_indicator_kind_needs_denominator), empty for a count or median
 *   kind                count, proportion, rate, dsr, isr, mean, median, index
 *   unit                the unit written next to values ("%", "pour 100 000 habitants")
 *   multiplier          the factor applied to numerator / denominator (100 for %,
 *                       100000 for a rate per 100,000; 1 for counts, medians): > 0
 *   polarity            worse (a higher value is worse), better, context
 *   source              producer and data set
 *   numerator_column    default column names to read in data files (users override
 *   denominator_column  them); empty when not read
 *   value_column
 *   aggregable          yes or no: whether the indicator can be computed for any
 *                       territory by summing numerator_column and denominator_column
 *                       over its communes
 *
 * All fifteen columns must be present (a missing one is DS_EDATA naming the header line
 * and the column). Cells: id, label, chapter, bases, numerator, kind, unit, multiplier,
 * polarity, source and aggregable must be filled (chapter an integer, multiplier a
 * finite number, each base listed once); denominator and the three *_column cells may
 * be empty. The missing-value markers of ds_table_load (NA, nd, -, s, c, secret...)
 * read as empty cells. Spaces around codes (kind, polarity, aggregable, each base) are
 * ignored.
 *
 * Rules between fields (each failure is DS_EDATA naming file, line and column):
 *  - a proportion, rate, dsr or isr needs a denominator; a count or a median has none;
 *  - denominator_column needs a denominator;
 *  - unit "%" needs multiplier 100, and a unit containing "‰" multiplier 1000;
 *  - aggregable = yes: not a median or dsr (summing counts gives neither), a
 *    numerator_column, and a denominator_column when there is a denominator (for a mean
 *    or an index a denominator is then required: a sum of values alone is no mean);
 *  - aggregable = no: a value_column (the published values are read as they are).
 *
 * The file is read by ds_table_load (any separator, UTF-8 or Windows-1252), with the
 * header on line 1. Error messages read "FILE, line N, column 'NAME': what is wrong",
 * or are those of ds_table_load, which name the file and the line too: an empty file, a
 * header without rows, a malformed record, a lone non-number in a column otherwise
 * numeric ("FILE:N: column K (NAME): ..."). The library never prints: errors come back
 * in the ds_error. */
#ifndef DIAGSANTE_INDICATORS_H
#define DIAGSANTE_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"
#include "diagsante/inequality.h" /* ds_polarity */

#define DS_INDICATOR_ID_MAX 64
#define DS_CHAPTER_COUNT 9

/* --- Kinds ------------------------------------------------------------------------ */

typedef enum ds_indicator_kind {
    DS_KIND_COUNT = 0, /* a number of people, events, structures */
    DS_KIND_PROPORTION,/* a part of a whole: numerator included in denominator */
    DS_KIND_RATE,      /* events or resources per population */
    DS_KIND_DSR,       /* directly standardised rate (stats.h ds_stats_dsr) */
    DS_KIND_ISR,       /* indirectly standardised ratio, observed / expected (ds_stats_isr) */
    DS_KIND_MEAN,
    DS_KIND_MEDIAN,
    DS_KIND_INDEX,     /* a ratio or score that is none of the above (ageing index, APL) */
    DS_KIND_COUNT_OF_KINDS
} ds_indicator_kind;

/* The code of a kind as written in the file ("proportion"); static storage, NULL for
 * an invalid kind. */
const char *ds_indicator_kind_code(ds_indicator_kind kind);
/* Parses a kind code (exact, lower case). false when unknown. */
bool ds_indicator_kind_parse(const char *code, ds_indicator_kind *kind);
/* true for proportion, rate, dsr and isr. */
bool ds_indicator_kind_needs_denominator(ds_indicator_kind kind);

/* --- Polarity --------------------------------------------------------------------- */

/* The dictionary's polarity codes: "worse" (a higher value is worse:
 * DS_POLARITY_LOWER_IS_BETTER), "better" (DS_POLARITY_HIGHER_IS_BETTER), "context"
 * (DS_POLARITY_NONE). (The stats command spells them lower-is-better, higher-is-better,
 * none.) false when unknown. */
bool ds_indicator_polarity_parse(const char *code, ds_polarity *polarity);
/* The dictionary code of a polarity; static storage, NULL for an invalid value. */
const char *ds_indicator_polarity_code(ds_polarity polarity);

/* --- The four bases of an Occitanie CLS ---------------------------------------------- */

typedef enum ds_base {
    DS_BASE_PREVENTION = 0, /* prevention: prévention et promotion de la santé */
    DS_BASE_ACCES_SOINS,    /* acces_soins: accès aux soins */
    DS_BASE_SANTE_ENV,      /* sante_env: santé environnementale */
    DS_BASE_SANTE_MENTALE,  /* sante_mentale: santé mentale */
    DS_BASE_COUNT
} ds_base;

/* The bit of a base in ds_indicator.bases. */
#define DS_BASE_BIT(base) (1u << (unsigned)(base))

/* The short code ("acces_soins") and the French name ("Accès aux soins") of a base;
 * static storage, NULL outside [0, DS_BASE_COUNT). */
const char *ds_base_code(ds_base base);
const char *ds_base_name(ds_base base);
/* Parses a base code (exact). false when unknown. */
bool ds_base_parse(const char *code, ds_base *base);

/* --- The nine chapters ----------------------------------------------------------------- */

/* The French name of chapter 1..9 ("Population et territoire"), and the portrait it
 * belongs to ("Portrait de territoire" for 1-3, "Portrait de santé" 4-6, "Portrait des
 * ressources" 7-9). Static storage; NULL outside 1..9. */
const char *ds_chapter_name(int chapter);
const char *ds_chapter_portrait(int chapter);

/* --- Indicators ------------------------------------------------------------------------ */

/* One indicator. Strings are UTF-8 and owned by the dictionary (valid until
 * ds_dictionary_free); optional strings are NULL when the cell is empty. */
typedef struct ds_indicator {
    const char *id;
    const char *label;
    int chapter;                    /* 1..9 */
    unsigned bases;                 /* DS_BASE_BIT set, at least one bit */
    const char *numerator;
    const char *denominator;        /* NULL for a count, a median, or none given */
    ds_indicator_kind kind;
    const char *unit;
    double multiplier;              /* > 0, finite */
    ds_polarity polarity;
    const char *source;
    const char *numerator_column;   /* NULL when empty */
    const char *denominator_column; /* NULL when empty */
    const char *value_column;       /* NULL when empty */
    bool aggregable;
    size_t line;                    /* the 1-based line of the file it was read from */
} ds_indicator;

typedef struct ds_dictionary ds_dictionary;

/* Loads and validates path. On success *out owns a new dictionary (free with
 * ds_dictionary_free). On failure *out is NULL and err names the file, the line and the
 * column at fault: DS_ENOINPUT (cannot open), DS_EIO, DS_EDATA (a bad cell, a rule
 * above broken, a missing column, a repeated id, no indicator), DS_EUSAGE (NULL
 * arguments), DS_ENOMEM. The whole file is checked up to the first error. */
ds_status ds_dictionary_load(const char *path, ds_dictionary **out, ds_error *err);

/* Frees the dictionary and every string and array it handed out. Accepts NULL. */
void ds_dictionary_free(ds_dictionary *dict);

/* The path it was loaded from (owned by the dictionary). */
const char *ds_dictionary_path(const ds_dictionary *dict);

/* The number of indicators (at least 1). */
size_t ds_dictionary_count(const ds_dictionary *dict);

/* Indicator i in file order (0 <= i < count), owned by the dictionary; NULL out of
 * range. */
const ds_indicator *ds_dictionary_indicator(const ds_dictionary *dict, size_t i);

/* The indicator with that exact (case-sensitive) id, or NULL: a hash lookup, expected
 * O(1) (engine/text_dict.h). NULL id gives NULL. */
const ds_indicator *ds_dictionary_find(const ds_dictionary *dict, const char *id);

/* The indicators of chapter 1..9 in file order: returns an array of *n pointers owned
 * by the dictionary (never NULL for a valid chapter, *n may be 0); NULL and *n = 0
 * outside 1..9. */
const ds_indicator *const *ds_dictionary_chapter(const ds_dictionary *dict, int chapter,
                                                 size_t *n);

/* The indicators tagged with base, in file order: an array of *n pointers owned by the
 * dictionary (never NULL for a valid base, *n may be 0); NULL and *n = 0 for an invalid
 * base. */
const ds_indicator *const *ds_dictionary_base(const ds_dictionary *dict, ds_base base,
                                              size_t *n);

/* The number of indicators tagged with base. 0 for an invalid base. */
size_t ds_dictionary_base_count(const ds_dictionary *dict, ds_base base);

#endif
