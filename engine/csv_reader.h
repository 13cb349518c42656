/* diagsante (private) — streaming CSV records with line numbers.
 *
 * Reads a file in chunks, converts it to UTF-8 (Windows-1252 / Latin-1 through iconv),
 * splits it into records and hands each record to a callback. Records that contain a
 * double quote or a carriage return inside a line are parsed by libcsv (quoting,
 * escaped quotes, fields spanning lines); the other records, the vast majority of
 * statistical exports, are split on the separator directly with libcsv's exact rules
 * (surrounding spaces and tabs trimmed, blank lines ignored). tests/test_csv_table.c
 * checks that both paths give the same tables. Memory is bounded by the longest
 * record (max_record_bytes), not by the file. */
#ifndef DIAGSANTE_CSV_READER_H
#define DIAGSANTE_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/csv_table.h"

typedef struct ds_csv_field {
    const char *ptr; /* UTF-8, not NUL-terminated; valid during the callback only */
    size_t len;
} ds_csv_field;

typedef enum ds_record_problem {
    DS_RECORD_OK = 0,
    DS_RECORD_INVALID_UTF8,      /* bytes that are not UTF-8 in a UTF-8 file */
    DS_RECORD_BAD_BYTE,          /* a NUL byte, or a byte undefined in Windows-1252 */
    DS_RECORD_UNTERMINATED_QUOTE,/* a quoted field still open at the end of the file */
    DS_RECORD_TOO_LONG           /* longer than max_record_bytes: skipped up to its end */
} ds_record_problem;

typedef struct ds_csv_record {
    size_t line;       /* 1-based line where the record starts */
    size_t last_line;  /* line where it ends */
    size_t n_fields;
    const ds_csv_field *fields;
    ds_record_problem problem;
    size_t problem_field; /* 1-based field holding the problem, 0 when unknown */
} ds_csv_record;

/* Called for each record; returns 0 to go on, anything else to stop reading. */
typedef int (*ds_csv_record_fn)(void *user, const ds_csv_record *record);

typedef struct ds_csv_reader_options {
    char separator;          /* required */
    ds_encoding encoding;    /* DS_ENCODING_AUTO: decided on the first non-ASCII chunk */
    bool libcsv_only;
    size_t max_record_bytes; /* 0: 64 MiB */
} ds_csv_reader_options;

typedef struct ds_csv_read_info {
    ds_encoding encoding;    /* the one used (AUTO files with ASCII only: UTF8) */
    bool bom;
    size_t lines;            /* physical lines */
} ds_csv_read_info;

/* Reads path to the end or until fn asks to stop. DS_ENOINPUT when it cannot be
 * opened, DS_EIO on a read error, DS_ENOMEM, DS_EINTERNAL when iconv is unavailable. */
ds_status ds_csv_read(const char *path, const ds_csv_reader_options *options,
                      ds_csv_record_fn fn, void *user, ds_csv_read_info *info, ds_error *err);

/* Guesses the separator from the first lines of a sample: the one among tab, ';' and
 * ',' (in that order of preference) found outside quotes the same non-zero number of
 * times on most lines. Returns 0 when none fits. */
char ds_csv_guess_separator(const char *sample, size_t len);

#endif
