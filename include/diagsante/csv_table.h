/* diagsante — indicator tables loaded from CSV files.
 *
 * ds_table_load turns one CSV file (INSEE, ORS, CNAM, Géoclip exports) into a typed,
 * column-oriented table, and keeps a report of what it did: separator, encoding,
 * decimal mark, title lines skipped, columns dropped, per-column counts of values and
 * of typed missing cells, rejected rows with their reasons.
 *
 * Rules (each one is tested in tests/test_csv_table.c):
 *  - separator ';', ',' or tab, detected from the first lines unless given;
 *  - encoding UTF-8 (BOM or not) or Windows-1252/Latin-1, detected from the bytes
 *    unless given; text inside the table is always UTF-8;
 *  - title lines above the header are detected (or skipped with options.skip_lines);
 *  - unnamed columns empty on every row are dropped and counted; a repeated header
 *    name is an error; an unnamed column that holds data is kept as "column_N";
 *  - numbers: decimal comma or point, thousands separators (space, U+00A0, U+202F),
 *    a trailing '%'; a column is numeric when its non-missing cells parse, allowing
 *    for stray cells (at most 1% of them, or a single one), which are then errors;
 *  - missing values are typed (ds_cell_status), never zero;
 *  - code columns (commune, IRIS, EPCI, QPV...) are detected (codes.h) and their
 *    values normalised; values that are not codes are counted and listed;
 *  - a bad row (wrong number of fields, unterminated quote, invalid bytes, a stray
 *    cell in a numeric column) stops the load (DS_ON_ERROR_STOP, DS_EDATA with file,
 *    line and column) or is skipped, counted and listed (DS_ON_ERROR_SKIP). */
#ifndef DIAGSANTE_CSV_TABLE_H
#define DIAGSANTE_CSV_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/codes.h"
#include "diagsante/error.h"

typedef struct ds_table ds_table;

typedef enum ds_encoding {
    DS_ENCODING_AUTO = 0,
    DS_ENCODING_UTF8,
    DS_ENCODING_WINDOWS_1252, /* a superset of the printable ISO-8859-1 (Latin-1): detected */
    DS_ENCODING_LATIN1        /* ISO-8859-1 proper: only when asked for */
} ds_encoding;

typedef enum ds_on_error { DS_ON_ERROR_STOP = 0, DS_ON_ERROR_SKIP } ds_on_error;

typedef enum ds_layout {
    DS_LAYOUT_AUTO = 0,
    DS_LAYOUT_WIDE, /* one row per territory, one column per indicator */
    DS_LAYOUT_LONG  /* one row per territory x indicator [x year x sex x age] */
} ds_layout;

typedef struct ds_csv_options {
    char separator;          /* ';', ',', '\t', or 0 to detect */
    ds_encoding encoding;    /* DS_ENCODING_AUTO to detect */
    long skip_lines;         /* lines above the header; -1 to detect (default) */
    ds_on_error on_error;    /* DS_ON_ERROR_STOP (default) or DS_ON_ERROR_SKIP */
    ds_layout layout;        /* DS_LAYOUT_AUTO (default) */
    bool libcsv_only;        /* parse every record with libcsv (tests: the fast path
                                for quote-free records must give the same table) */
} ds_csv_options;

/* Fills options with the defaults (everything detected, stop on error). */
void ds_csv_options_init(ds_csv_options *options);

typedef enum ds_column_type {
    DS_COLUMN_TEXT = 0,
    DS_COLUMN_NUMBER,
    DS_COLUMN_CODE /* text holding territory codes of one kind, normalised */
} ds_column_type;

/* The state of a cell. Missing kinds are kept apart: they are never turned into 0. */
typedef enum ds_cell_status {
    DS_CELL_VALUE = 0,
    DS_CELL_MISSING,        /* empty, NA, n.d., nd, -, "N/A - résultat non disponible" */
    DS_CELL_SECRET,         /* s, c, ns, NS, secret, "N/A - secret statistique" */
    DS_CELL_NOT_APPLICABLE, /* "N/A - division par 0" */
    DS_CELL_STATUS_COUNT
} ds_cell_status;

/* Classifies a trimmed cell text as a missing-value marker; DS_CELL_VALUE when it is
 * none. */
ds_cell_status ds_cell_marker(const char *text, size_t len);

/* Parses a number as found in French and international exports: optional sign,
 * digits with optional thousands separators (space, U+00A0, U+202F, each group of
 * exactly 3 digits), one decimal mark ('.' or ','), optional exponent, optional
 * trailing '%' (kept as the number: "12,5 %" -> 12.5). Correctly rounded. Rejects
 * leading zeros before other digits ("01001" is an identifier, not 1001).
 * *decimal_mark receives '.', ',' or 0 (no decimal part); may be NULL. */
bool ds_parse_number(const char *text, size_t len, double *value, char *decimal_mark);

/* Loads path. On success *out owns a new table (free with ds_table_free). On failure
 * *out is NULL and err says which file, line and column, and why: DS_ENOINPUT (cannot
 * open), DS_EIO (read error), DS_EDATA (a bad row under DS_ON_ERROR_STOP, no header,
 * repeated header name, empty file), DS_EUSAGE (invalid options), DS_ENOMEM. */
ds_status ds_table_load(const char *path, const ds_csv_options *options, ds_table **out,
                        ds_error *err);

/* Frees the table and everything it handed out. Accepts NULL. */
void ds_table_free(ds_table *table);

/* --- Shape and columns --------------------------------------------------------- */
size_t ds_table_rows(const ds_table *table);
size_t ds_table_columns(const ds_table *table);
/* Column name (UTF-8, owned by the table). */
const char *ds_table_column_name(const ds_table *table, size_t column);
/* Index of the column with that exact name, or -1. */
long ds_table_column_index(const ds_table *table, const char *name);
ds_column_type ds_table_column_type(const ds_table *table, size_t column);
/* Code kind of a DS_COLUMN_CODE column, DS_CODE_NONE otherwise. */
ds_code_kind ds_table_column_code_kind(const ds_table *table, size_t column);

/* --- Cells ---------------------------------------------------------------------- */
/* Status of a cell (rows and columns are 0-based over the loaded rows). */
ds_cell_status ds_table_status(const ds_table *table, size_t row, size_t column);
/* Value of a numeric cell: DS_CELL_VALUE and *value set, or the missing status
 * (*value untouched). For a non-numeric column returns DS_CELL_MISSING. */
ds_cell_status ds_table_number(const ds_table *table, size_t row, size_t column,
                               double *value);
/* Text of a text or code cell (owned by the table, valid until ds_table_free);
 * NULL when the cell is missing or the column is numeric. Code cells are normalised
 * when valid, verbatim otherwise. */
const char *ds_table_text(const ds_table *table, size_t row, size_t column);
/* Room for the text of a numeric cell written by ds_table_cell_text. */
#define DS_CELL_TEXT_MAX 32

/* The text of any cell holding a value: a text or code cell's text (owned by the
 * table), or a number written into buf (an integer without decimals: an identifier
 * column that was typed numeric, such as 5-digit codes too few to be recognised, reads
 * back as its codes). NULL when the cell is missing, secret or not applicable. */
const char *ds_table_cell_text(const ds_table *table, size_t row, size_t column,
                               char buf[DS_CELL_TEXT_MAX]);

/* The normalised code of a code cell, NULL when the cell is missing or not a valid
 * code (e.g. the "Ensemble" total row of an INSEE QPV file). */
const char *ds_table_code(const ds_table *table, size_t row, size_t column);
/* The 1-based line of the source file a row came from. */
size_t ds_table_row_line(const ds_table *table, size_t row);

/* --- The load report -------------------------------------------------------------- */
typedef struct ds_column_counts {
    size_t by_status[DS_CELL_STATUS_COUNT]; /* values, missing, secret, not applicable */
    size_t invalid_codes;                    /* code columns: values that are no code */
    const char *first_invalid_code;          /* the first of them (owned by the table) */
    size_t first_invalid_line;               /* and its line, 0 when none */
    size_t distinct_values;                  /* text and code columns */
} ds_column_counts;

void ds_table_column_counts(const ds_table *table, size_t column, ds_column_counts *out);

typedef struct ds_rejected_row {
    size_t line;       /* 1-based line in the file where the record starts */
    size_t column;     /* 1-based field, 0 when the whole row is at fault */
    const char *reason;
} ds_rejected_row;

typedef struct ds_load_report {
    const char *path;
    char separator;                 /* ';' ',' '\t' */
    bool separator_detected;
    const char *encoding;           /* "UTF-8", "UTF-8 (BOM)", "Windows-1252" */
    bool encoding_detected;
    char decimal_mark;              /* ',' '.' or 0 when no number had decimals */
    bool mixed_decimal_marks;       /* both marks were seen in numbers */
    size_t title_lines;             /* lines skipped above the header */
    size_t header_line;             /* 1-based */
    size_t lines;                   /* physical lines read */
    size_t records;                 /* data records after the header (blank lines excluded) */
    size_t blank_records;           /* records with every field empty, ignored */
    size_t rows_loaded;
    size_t rows_rejected;
    size_t empty_unnamed_columns_dropped;
    ds_layout layout;
    long territory_column;          /* -1 when none */
    long indicator_column, year_column, sex_column, age_column;   /* long layout, or -1 */
    long value_column, numerator_column, denominator_column;      /* long layout, or -1 */
    size_t repeated_territories;    /* wide tables whose rows nothing but the territory
                                       tells apart: codes found on more than one row */
    const char *first_repeated;     /* the first of them (owned by the table), and */
    size_t first_repeated_lines[2]; /* the lines of its first two rows */
    size_t n_dimension_columns;     /* other text columns that vary within a territory */
    const size_t *dimension_columns;/* (a cause of death, a pathology): an observation is
                                       only identified with their values; owned by the table */
    size_t n_rejected;              /* == rows_rejected */
    const ds_rejected_row *rejected;/* owned by the table, in file order */
} ds_load_report;

/* The report of the load that built table (owned by the table). */
const ds_load_report *ds_table_report(const ds_table *table);

/* --- Observations: the same view of wide and long layouts ------------------------- */
/* A wide table has rows x numeric columns observations (indicator = column name); a
 * long table has one per row. Strings are owned by the table; absent parts are NULL.
 * When the report lists dimension columns, an observation is identified by their values
 * too: ds_table_text(table, obs.row, report->dimension_columns[k]). */
typedef struct ds_observation {
    size_t row;
    const char *territory;   /* normalised code, or the verbatim text if not a code */
    const char *indicator;
    const char *year, *sex, *age;
    ds_cell_status status;   /* of the value, or of the numerator when there is no value */
    double value;            /* NAN when absent */
    double numerator, denominator;  /* NAN when absent */
} ds_observation;

size_t ds_table_observation_count(const ds_table *table);
/* Fills *obs with observation i (0 <= i < count). */
void ds_table_observation(const ds_table *table, size_t i, ds_observation *obs);

#endif
