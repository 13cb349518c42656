/* diagsante — fuzz target: the CSV loader (ds_table_load), every detection path.
 *
 * Input: two option bytes, then the file. Byte 0: separator (detected, ';', ',', tab),
 * encoding (detected, UTF-8, Windows-1252, Latin-1), on_error (stop, skip), layout
 * (detected, wide, long). Byte 1: skip_lines (detected or 0..6). The file is loaded
 * twice, once with the fast path for quote-free records and once with libcsv only: the
 * two tables must be the same (same status, same rows, columns, cells). Every accessor
 * is then called on every cell. */
#include <math.h>

#include "diagsante/csv_table.h"
#include "fuzz_common.h"

static void walk(const ds_table *t)
{
    const ds_load_report *r = ds_table_report(t);
    FUZZ_ASSERT(r->rows_loaded == ds_table_rows(t));
    FUZZ_ASSERT(r->n_rejected == r->rows_rejected);
    for (size_t i = 0; i < r->n_rejected; i++)
        FUZZ_ASSERT(r->rejected[i].reason != NULL && r->rejected[i].line >= 1);
    for (size_t c = 0; c < ds_table_columns(t); c++) {
        const char *name = ds_table_column_name(t, c);
        FUZZ_ASSERT(name != NULL);
        FUZZ_ASSERT(ds_table_column_index(t, name) >= 0);
        ds_column_counts counts;
        ds_table_column_counts(t, c, &counts);
        size_t total = 0;
        for (int s = 0; s < DS_CELL_STATUS_COUNT; s++)
            total += counts.by_status[s];
        FUZZ_ASSERT(total == ds_table_rows(t));
        for (size_t row = 0; row < ds_table_rows(t); row++) {
            double v;
            char buf[DS_CELL_TEXT_MAX];
            ds_cell_status st = ds_table_number(t, row, c, &v);
            if (ds_table_column_type(t, c) == DS_COLUMN_NUMBER) {
                FUZZ_ASSERT(st == ds_table_status(t, row, c));
                if (st == DS_CELL_VALUE)
                    FUZZ_ASSERT(isfinite(v));
            } else {
                FUZZ_ASSERT(st == DS_CELL_MISSING);
            }
            const char *text = ds_table_cell_text(t, row, c, buf);
            if (text == buf)
                FUZZ_ASSERT(strlen(text) < DS_CELL_TEXT_MAX);
            (void)ds_table_text(t, row, c);
            (void)ds_table_code(t, row, c);
        }
    }
    size_t n = ds_table_observation_count(t);
    for (size_t i = 0; i < n; i++) {
        ds_observation obs;
        ds_table_observation(t, i, &obs);
        FUZZ_ASSERT(obs.row < ds_table_rows(t));
    }
}

/* The cells of a and b, as text, are the same. */
static void same_tables(const ds_table *a, const ds_table *b)
{
    FUZZ_ASSERT(ds_table_rows(a) == ds_table_rows(b));
    FUZZ_ASSERT(ds_table_columns(a) == ds_table_columns(b));
    FUZZ_ASSERT(ds_table_report(a)->rows_rejected == ds_table_report(b)->rows_rejected);
    for (size_t c = 0; c < ds_table_columns(a); c++) {
        FUZZ_ASSERT(strcmp(ds_table_column_name(a, c), ds_table_column_name(b, c)) == 0);
        FUZZ_ASSERT(ds_table_column_type(a, c) == ds_table_column_type(b, c));
        for (size_t row = 0; row < ds_table_rows(a); row++) {
            char ba[DS_CELL_TEXT_MAX], bb[DS_CELL_TEXT_MAX];
            const char *ta = ds_table_cell_text(a, row, c, ba);
            const char *tb = ds_table_cell_text(b, row, c, bb);
            FUZZ_ASSERT((ta == NULL) == (tb == NULL));
            if (ta != NULL)
                FUZZ_ASSERT(strcmp(ta, tb) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char separators[4] = {0, ';', ',', '\t'};
    ds_csv_options options;
    ds_csv_options_init(&options);
    options.separator = separators[data[0] & 3];
    options.encoding = (ds_encoding)((data[0] >> 2) & 3);
    options.on_error = (data[0] >> 4) & 1 ? DS_ON_ERROR_SKIP : DS_ON_ERROR_STOP;
    options.layout = (ds_layout)(((data[0] >> 5) & 3) % 3);
    options.skip_lines = (data[1] & 7) == 7 ? -1 : (long)(data[1] & 7);
    if ((data[1] & 0x80) == 0)
        options.skip_lines = -1;
    char path[512];
    fuzz_write("input.csv", data + 2, size - 2, path);

    ds_table *fast = NULL, *slow = NULL;
    ds_error e1, e2;
    ds_status s1 = ds_table_load(path, &options, &fast, &e1);
    options.libcsv_only = true;
    ds_status s2 = ds_table_load(path, &options, &slow, &e2);
    FUZZ_ASSERT(s1 == s2);
    FUZZ_ASSERT((s1 == DS_OK) == (fast != NULL));
    if (s1 != DS_OK) {
        FUZZ_ASSERT(e1.message[0] != '\0');
        FUZZ_ASSERT(strcmp(e1.message, e2.message) == 0);
    } else {
        walk(fast);
        same_tables(fast, slow);
    }
    ds_table_free(fast);
    ds_table_free(slow);
    return 0;
}
