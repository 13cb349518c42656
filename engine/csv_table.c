/* diagsante — indicator tables loaded from CSV files (see include/diagsante/csv_table.h).
 *
 * One pass over the file (csv_reader.c). The first SAMPLE_RECORDS records are kept
 * aside to find the header and to give each column a provisional storage: numbers
 * (doubles) or text (interned strings). The rest of the file streams into those
 * columns. At the end every column is typed on all its cells: a text column whose
 * values all parse becomes numeric, a code column is normalised, and a numeric column
 * with too many cells that do not parse is read again as text (a second pass, only in
 * that rare case: the provisional guess from the sample was wrong). */
#include "diagsante/csv_table.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv_reader.h"
#include "text_dict.h"

#define SAMPLE_RECORDS 1000
#define STATUS_STRAY 7 /* internal: a cell of a numeric column that did not parse */
#define VALUE_CACHE 64 /* per text column: ids found by length and 3 bytes, no hashing */

typedef enum store_kind { STORE_NONE = 0, STORE_NUMBER, STORE_TEXT } store_kind;

typedef enum role {
    ROLE_NONE = 0,
    ROLE_INDICATOR,
    ROLE_VALUE,
    ROLE_NUMERATOR,
    ROLE_DENOMINATOR,
    ROLE_YEAR,
    ROLE_SEX,
    ROLE_AGE
} role;

typedef struct stray {
    size_t row;
    char *text;
} stray;

/* A column while loading and after. Storage states:
 *  store NONE:   no cell had a value yet; status NULL means every cell is MISSING;
 *  store NUMBER: numbers[row]; status NULL means every cell is a value;
 *  store TEXT:   ids[row] into dict (UINT32_MAX for a non-value); status as above. */
typedef struct column {
    char *name;
    bool named;
    bool force_text;
    role role;
    store_kind sample_store;
    store_kind store;
    ds_column_type type;
    ds_code_kind code_kind;
    double *numbers;
    uint32_t *ids;
    uint32_t recent;                /* text columns: the id stored last */
    uint32_t cache[VALUE_CACHE];    /* text columns: ids by a cheap key of their bytes */
    uint8_t *status;
    ds_text_dict dict;
    size_t *uses; /* text columns, once loaded: per dict id, how many cells hold it */
    char **codes; /* code columns: per dict id, the normalised code or NULL */
    size_t by_status[DS_CELL_STATUS_COUNT];
    size_t invalid_codes;
    size_t first_invalid_row; /* the first row holding a value that is no code */
    stray *strays;
    size_t n_strays, strays_cap;
    size_t identifier_strays; /* strays such as "01": digits with a leading zero */
    size_t decimal_commas, decimal_points;
} column;

struct ds_table {
    char *path;
    column *columns;
    size_t n_columns;
    size_t n_rows, rows_cap;
    uint32_t *row_lines;
    ds_load_report report;
    ds_rejected_row *rejected;
    size_t n_rejected, rejected_cap;
    size_t *obs_columns; /* wide layout: the indicator columns */
    size_t n_obs_columns;
    size_t *dimension_columns;
    size_t n_dimension_columns;
};

/* A record kept aside while the header is not known. One allocation (block) holds
 * the texts and lens arrays and the NUL-terminated field bytes. */
typedef struct kept_record {
    size_t line, last_line, n_fields;
    void *block;
    char **texts;
    size_t *lens;
    ds_record_problem problem;
    size_t problem_field;
} kept_record;

typedef struct loader {
    ds_table *t;
    const ds_csv_options *options;
    const bool *forced_text; /* per header field, from a previous attempt, or NULL */
    size_t n_forced;
    char separator;
    ds_error *err;
    ds_status status;
    bool streaming;
    kept_record *kept;
    size_t n_kept;
    size_t header_fields;  /* fields in the header record */
    size_t named_fields;   /* index of the last named header field + 1 */
    size_t header_line;
    size_t file_bytes;     /* size of the file, 0 when unknown */
    bool failed;           /* stop: err is set */
    bool need_retry;       /* a numeric column must be read again as text */
} loader;

/* --- small helpers --------------------------------------------------------------- */

static char *copy_text(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* True for digits with a leading zero ("01", "09001"): identifiers, never numbers. A
 * column holding one is a column of codes or identifiers, not a numeric column. */
static bool looks_like_identifier(const char *p, size_t len)
{
    if (len < 2 || p[0] != '0')
        return false;
    for (size_t i = 1; i < len; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* The numeric-column rule: among the non-missing cells of a column, those that do not
 * parse as numbers are "strays"; the column is numeric when strays are at most 1% of
 * its cells (or a single cell) and fewer than the cells that parse. Strays are then
 * errors of their rows. */
static bool numeric_despite_strays(size_t parsed, size_t strays)
{
    size_t one_percent = (parsed + strays) / 100;
    return parsed > strays && strays <= (one_percent > 1 ? one_percent : 1);
}

/* Lower-cases a header name, drops French accents and maps spaces/hyphens to '_'. */
static void plain_name(const char *name, char *out, size_t size)
{
    static const char *const accents[][2] = {
        {"\xc3\xa0", "a"}, {"\xc3\xa2", "a"}, {"\xc3\xa4", "a"}, {"\xc3\xa9", "e"},
        {"\xc3\xa8", "e"}, {"\xc3\xaa", "e"}, {"\xc3\xab", "e"}, {"\xc3\xae", "i"},
        {"\xc3\xaf", "i"}, {"\xc3\xb4", "o"}, {"\xc3\xb6", "o"}, {"\xc3\xb9", "u"},
        {"\xc3\xbb", "u"}, {"\xc3\xbc", "u"}, {"\xc3\xa7", "c"}, {"\xc3\x89", "e"}};
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n + 1 < size;) {
        bool replaced = false;
        for (size_t i = 0; i < sizeof accents / sizeof accents[0]; i++)
            if (strncmp(p, accents[i][0], 2) == 0) {
                out[n++] = accents[i][1][0];
                p += 2;
                replaced = true;
                break;
            }
        if (replaced)
            continue;
        char c = *p++;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (c == ' ' || c == '-')
            c = '_';
        out[n++] = c;
    }
    out[n] = '\0';
}

static bool name_in(const char *name, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* The role a column's name gives it in a long table. */
static role role_of_name(const char *header)
{
    static const char *const indicator[] = {"indicateur", "indicator", "indic", "id_indicateur",
                                            "code_indicateur", "variable", "var", NULL};
    static const char *const value[] = {"valeur", "value", "val", NULL};
    static const char *const numerator[] = {"numerateur", "numerator", "num", "ntop",
                                            "nb_cas", "cas", "evenements", "events", NULL};
    static const char *const denominator[] = {"denominateur", "denominator", "den", "denom",
                                              "npop", "population", "pop", NULL};
    static const char *const year[] = {"annee", "an", "year", "periode", "period",
                                       "millesime", NULL};
    static const char *const sex[] = {"sexe", "sex", "genre", NULL};
    static const char *const age[] = {"age", "ages", "classe_age", "classe_d_age", "tranche_age",
                                      "tranche_d_age", "libelle_classe_age", "age_class",
                                      "cl_age", NULL};
    char name[128];
    plain_name(header, name, sizeof name);
    if (name_in(name, indicator)) return ROLE_INDICATOR;
    if (name_in(name, value)) return ROLE_VALUE;
    if (name_in(name, numerator)) return ROLE_NUMERATOR;
    if (name_in(name, denominator)) return ROLE_DENOMINATOR;
    if (name_in(name, year)) return ROLE_YEAR;
    if (name_in(name, sex)) return ROLE_SEX;
    if (name_in(name, age)) return ROLE_AGE;
    return ROLE_NONE;
}

static bool role_is_dimension(role r)
{
    return r == ROLE_INDICATOR || r == ROLE_YEAR || r == ROLE_SEX || r == ROLE_AGE;
}

static const char *problem_text(ds_record_problem problem)
{
    switch (problem) {
    case DS_RECORD_INVALID_UTF8: return "bytes that are not valid UTF-8";
    case DS_RECORD_BAD_BYTE: return "a NUL byte or a byte undefined in the encoding";
    case DS_RECORD_UNTERMINATED_QUOTE: return "a quoted field that is never closed";
    case DS_RECORD_TOO_LONG: return "a record longer than the 64 MiB limit";
    case DS_RECORD_OK: break;
    }
    return "no problem";
}

/* --- rejections ----------------------------------------------------------------------- */

/* Records a bad row: under STOP the load fails with the message, under SKIP it is
 * listed in the report. field is 1-based (0: the whole row). */
static void reject_row(loader *L, size_t line, size_t field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void reject_row(loader *L, size_t line, size_t field, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    ds_table *t = L->t;
    if (L->options->on_error == DS_ON_ERROR_STOP) {
        if (field > 0 && field <= t->n_columns)
            ds_error_set(L->err, DS_EDATA, "%s:%zu: column %zu (%s): %s", t->path, line, field,
                         t->columns[field - 1].name, reason);
        else if (field > 0)
            ds_error_set(L->err, DS_EDATA, "%s:%zu: field %zu: %s", t->path, line, field,
                         reason);
        else
            ds_error_set(L->err, DS_EDATA, "%s:%zu: %s", t->path, line, reason);
        L->status = DS_EDATA;
        L->failed = true;
        return;
    }
    if (t->n_rejected == t->rejected_cap) {
        size_t cap = t->rejected_cap ? t->rejected_cap * 2 : 16;
        ds_rejected_row *rows = realloc(t->rejected, cap * sizeof *rows);
        if (rows == NULL)
            goto nomem;
        t->rejected = rows;
        t->rejected_cap = cap;
    }
    char *text = copy_text(reason, strlen(reason));
    if (text == NULL)
        goto nomem;
    t->rejected[t->n_rejected++] = (ds_rejected_row){.line = line, .column = field, .reason = text};
    return;
nomem:
    L->status = ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
    L->failed = true;
}

/* --- column storage ------------------------------------------------------------------ */

static bool grow_rows(loader *L)
{
    ds_table *t = L->t;
    size_t cap = t->rows_cap ? t->rows_cap * 2 : 1024;
    uint32_t *lines = realloc(t->row_lines, cap * sizeof *lines);
    if (lines == NULL)
        return false;
    t->row_lines = lines;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        if (col->numbers != NULL) {
            double *p = realloc(col->numbers, cap * sizeof *p);
            if (p == NULL)
                return false;
            col->numbers = p;
        }
        if (col->ids != NULL) {
            uint32_t *p = realloc(col->ids, cap * sizeof *p);
            if (p == NULL)
                return false;
            col->ids = p;
        }
        if (col->status != NULL) {
            uint8_t *p = realloc(col->status, cap);
            if (p == NULL)
                return false;
            col->status = p;
        }
    }
    t->rows_cap = cap;
    return true;
}

/* Makes col->status explicit, the rows before `row` taking the implied status. */
static bool ensure_status(ds_table *t, column *col, size_t row)
{
    if (col->status != NULL)
        return true;
    col->status = malloc(t->rows_cap);
    if (col->status == NULL)
        return false;
    memset(col->status, col->store == STORE_NONE ? DS_CELL_MISSING : DS_CELL_VALUE, row);
    return true;
}

/* Gives a column that had only missing cells its storage, at its first value. */
static bool activate(ds_table *t, column *col, size_t row)
{
    store_kind store = col->sample_store == STORE_NUMBER && !col->force_text ? STORE_NUMBER
                                                                               : STORE_TEXT;
    if (row > 0 && !ensure_status(t, col, row))
        return false;
    if (store == STORE_NUMBER) {
        col->numbers = malloc(t->rows_cap * sizeof *col->numbers);
        if (col->numbers == NULL)
            return false;
        for (size_t i = 0; i < row; i++)
            col->numbers[i] = NAN;
    } else {
        col->ids = malloc(t->rows_cap * sizeof *col->ids);
        if (col->ids == NULL)
            return false;
        for (size_t i = 0; i < row; i++)
            col->ids[i] = UINT32_MAX;
    }
    col->store = store;
    return true;
}

static bool add_stray(column *col, size_t row, const char *p, size_t len)
{
    if (col->n_strays == col->strays_cap) {
        size_t cap = col->strays_cap ? col->strays_cap * 2 : 8;
        stray *s = realloc(col->strays, cap * sizeof *s);
        if (s == NULL)
            return false;
        col->strays = s;
        col->strays_cap = cap;
    }
    char *text = copy_text(p, len);
    if (text == NULL)
        return false;
    col->strays[col->n_strays++] = (stray){.row = row, .text = text};
    return true;
}

/* True when the dictionary string id is p[0..len). */
static bool dict_entry_is(const ds_text_dict *dict, uint32_t id, const char *p, size_t len)
{
    if (ds_text_dict_length(dict, id) != len)
        return false;
    const char *q = ds_text_dict_get(dict, id);
    size_t k = 0;
    while (k < len && q[k] == p[k])
        k++;
    return k == len;
}

/* The slot of p[0..len) (len > 0) in a column's value cache: from its length and its
 * first, middle and last bytes. */
static size_t cache_slot(const char *p, size_t len)
{
    unsigned key = (unsigned)len * 0x9E37u ^ (unsigned char)p[0] * 0x85EBu ^
                   (unsigned char)p[len / 2] * 0xC2B3u ^ (unsigned char)p[len - 1] * 0x27D5u;
    return (key ^ (key >> 7)) % VALUE_CACHE;
}

/* The id of p[0..len) when it is found without hashing, else UINT32_MAX: the value
 * stored last (sorted files repeat the territory on consecutive rows), or the one in
 * its cache slot (columns with few values: sex, age band, year, indicator). */
static uint32_t cached_id(const column *col, const char *p, size_t len)
{
    if (col->recent != UINT32_MAX && dict_entry_is(&col->dict, col->recent, p, len))
        return col->recent;
    uint32_t id = col->cache[cache_slot(p, len)];
    return id != UINT32_MAX && dict_entry_is(&col->dict, id, p, len) ? id : UINT32_MAX;
}

/* Stores one cell of the row being appended. */
static bool put_cell(ds_table *t, column *col, size_t row, const char *p, size_t len)
{
    /* No marker starts with a digit: most cells skip the marker table. */
    ds_cell_status marker =
        len > 0 && p[0] >= '0' && p[0] <= '9' ? DS_CELL_VALUE : ds_cell_marker(p, len);
    if (marker != DS_CELL_VALUE) {
        col->by_status[marker]++;
        if (col->numbers != NULL)
            col->numbers[row] = NAN;
        if (col->ids != NULL)
            col->ids[row] = UINT32_MAX;
        if (col->status == NULL && marker == DS_CELL_MISSING && col->store == STORE_NONE)
            return true;
        if (!ensure_status(t, col, row))
            return false;
        col->status[row] = (uint8_t)marker;
        return true;
    }
    if (col->store == STORE_NONE && !activate(t, col, row))
        return false;
    uint8_t status = DS_CELL_VALUE;
    if (col->store == STORE_NUMBER) {
        double v;
        char mark;
        if (ds_parse_number(p, len, &v, &mark)) {
            col->numbers[row] = v;
            col->by_status[DS_CELL_VALUE]++;
            col->decimal_commas += mark == ',';
            col->decimal_points += mark == '.';
        } else {
            col->numbers[row] = NAN;
            status = STATUS_STRAY;
            col->identifier_strays += looks_like_identifier(p, len);
            if (!add_stray(col, row, p, len))
                return false;
        }
    } else {
        uint32_t id = cached_id(col, p, len);
        if (id == UINT32_MAX) {
            id = ds_text_dict_intern(&col->dict, p, len);
            if (id == UINT32_MAX)
                return false;
            col->cache[cache_slot(p, len)] = id;
        }
        col->recent = id;
        col->ids[row] = id;
        col->by_status[DS_CELL_VALUE]++;
    }
    if (col->status != NULL || status != DS_CELL_VALUE) {
        if (!ensure_status(t, col, row))
            return false;
        col->status[row] = status;
    }
    return true;
}

/* --- records ------------------------------------------------------------------------- */

static size_t last_nonempty_field(const ds_csv_field *fields, size_t n)
{
    while (n > 0 && fields[n - 1].len == 0)
        n--;
    return n;
}

/* Appends a data record to the table, or rejects it. */
static void add_record(loader *L, const ds_csv_record *rec)
{
    ds_table *t = L->t;
    L->t->report.records++;
    if (rec->problem != DS_RECORD_OK) {
        if (rec->problem == DS_RECORD_UNTERMINATED_QUOTE)
            reject_row(L, rec->line, 0, "%s (it runs from line %zu to the end of the file, line %zu)",
                       problem_text(rec->problem), rec->line, rec->last_line);
        else
            reject_row(L, rec->line, rec->problem_field, "%s", problem_text(rec->problem));
        return;
    }
    size_t width = last_nonempty_field(rec->fields, rec->n_fields);
    if (width == 0) {
        t->report.blank_records++;
        return;
    }
    if (rec->n_fields < L->named_fields) {
        reject_row(L, rec->line, 0, "wrong number of fields: %zu, the header (line %zu) has %zu",
                   rec->n_fields, L->header_line, L->header_fields);
        return;
    }
    if (width > L->header_fields) {
        reject_row(L, rec->line, 0,
                   "wrong number of fields: %zu, the header (line %zu) has %zu (field %zu holds "
                   "data)",
                   rec->n_fields, L->header_line, L->header_fields, width);
        return;
    }
    if (rec->line > UINT32_MAX) {
        L->status = ds_error_set(L->err, DS_EDATA, "%s: more than %u lines", t->path, UINT32_MAX);
        L->failed = true;
        return;
    }
    if (t->n_rows == t->rows_cap && !grow_rows(L))
        goto nomem;
    size_t row = t->n_rows;
    t->row_lines[row] = (uint32_t)rec->line;
    for (size_t c = 0; c < t->n_columns; c++) {
        const char *p = c < rec->n_fields ? rec->fields[c].ptr : "";
        size_t len = c < rec->n_fields ? rec->fields[c].len : 0;
        if (!put_cell(t, &t->columns[c], row, p, len))
            goto nomem;
    }
    t->n_rows++;
    return;
nomem:
    L->status = ds_error_set(L->err, DS_ENOMEM, "%s: out of memory at line %zu", t->path, rec->line);
    L->failed = true;
}

static void free_kept(loader *L)
{
    for (size_t i = 0; i < L->n_kept; i++)
        free(L->kept[i].block);
    free(L->kept);
    L->kept = NULL;
    L->n_kept = 0;
}

static bool keep_record(loader *L, const ds_csv_record *rec)
{
    if (L->kept == NULL) {
        L->kept = calloc(SAMPLE_RECORDS, sizeof *L->kept);
        if (L->kept == NULL)
            return false;
    }
    size_t bytes = 0;
    for (size_t f = 0; f < rec->n_fields; f++)
        bytes += rec->fields[f].len + 1;
    size_t n = rec->n_fields;
    char *block = malloc(n * (sizeof(char *) + sizeof(size_t)) + bytes + 1);
    if (block == NULL)
        return false;
    kept_record *k = &L->kept[L->n_kept++];
    *k = (kept_record){.line = rec->line,
                       .last_line = rec->last_line,
                       .n_fields = n,
                       .block = block,
                       .texts = (char **)(void *)block,
                       .lens = (size_t *)(void *)(block + n * sizeof(char *)),
                       .problem = rec->problem,
                       .problem_field = rec->problem_field};
    char *text = block + n * (sizeof(char *) + sizeof(size_t));
    for (size_t f = 0; f < n; f++) {
        memcpy(text, rec->fields[f].ptr, rec->fields[f].len);
        text[rec->fields[f].len] = '\0';
        k->texts[f] = text;
        k->lens[f] = rec->fields[f].len;
        text += rec->fields[f].len + 1;
    }
    return true;
}

/* --- header and provisional types ---------------------------------------------------------- */

static size_t kept_nonempty(const kept_record *k)
{
    size_t n = 0;
    for (size_t f = 0; f < k->n_fields; f++)
        n += k->lens[f] > 0;
    return n;
}

static size_t kept_width(const kept_record *k)
{
    size_t n = k->n_fields;
    while (n > 0 && k->lens[n - 1] == 0)
        n--;
    return n;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Index in kept of the header record, or n_kept when there is none (or, with
 * *nomem set, when memory ran out). Title lines have one or two filled cells; the
 * header is the first record filling at least half as many fields as the typical data
 * record (the median width of the later half of the sample). */
static size_t find_header(const loader *L, bool *nomem)
{
    *nomem = false;
    if (L->options->skip_lines >= 0) {
        for (size_t i = 0; i < L->n_kept; i++)
            if (L->kept[i].line > (size_t)L->options->skip_lines && kept_nonempty(&L->kept[i]) > 0)
                return i;
        return L->n_kept;
    }
    size_t half = L->n_kept / 2, n = L->n_kept - half;
    if (n == 0)
        return L->n_kept;
    size_t *widths = malloc(n * sizeof *widths);
    if (widths == NULL) {
        *nomem = true;
        return L->n_kept;
    }
    for (size_t i = 0; i < n; i++)
        widths[i] = kept_width(&L->kept[half + i]);
    qsort(widths, n, sizeof *widths, compare_size);
    size_t typical = widths[n / 2];
    free(widths);
    for (size_t i = 0; i < L->n_kept; i++) {
        size_t filled = kept_nonempty(&L->kept[i]);
        if (filled == 0)
            continue;
        if (typical <= 1 || (filled >= 2 && 2 * filled >= typical))
            return i;
    }
    return L->n_kept;
}

static ds_status set_up_columns(loader *L, const kept_record *header)
{
    ds_table *t = L->t;
    L->header_line = header->line;
    L->header_fields = header->n_fields;
    L->named_fields = kept_width(header);
    t->report.header_line = header->line;
    t->report.title_lines = header->line - 1;
    if (header->problem != DS_RECORD_OK)
        return ds_error_set(L->err, DS_EDATA, "%s:%zu: the header holds %s", t->path,
                            header->line, problem_text(header->problem));
    t->columns = calloc(header->n_fields, sizeof *t->columns);
    if (t->columns == NULL)
        return ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
    t->n_columns = header->n_fields;
    for (size_t c = 0; c < header->n_fields; c++) {
        column *col = &t->columns[c];
        ds_text_dict_init(&col->dict);
        col->recent = UINT32_MAX;
        for (size_t i = 0; i < VALUE_CACHE; i++)
            col->cache[i] = UINT32_MAX;
        col->named = header->lens[c] > 0;
        if (col->named) {
            col->name = copy_text(header->texts[c], header->lens[c]);
        } else {
            char name[32];
            snprintf(name, sizeof name, "column_%zu", c + 1);
            col->name = copy_text(name, strlen(name));
        }
        if (col->name == NULL)
            return ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
        for (size_t d = 0; d < c && col->named; d++)
            if (t->columns[d].named && strcmp(t->columns[d].name, col->name) == 0)
                return ds_error_set(L->err, DS_EDATA,
                                    "%s:%zu: column %zu repeats the name '%s' of column %zu",
                                    t->path, header->line, c + 1, col->name, d + 1);
        col->role = col->named ? role_of_name(col->name) : ROLE_NONE;
        col->force_text = role_is_dimension(col->role) ||
                          (c < L->n_forced && L->forced_text[c]);
    }
    return DS_OK;
}

/* Chooses each column's provisional storage from the kept data records. */
static void choose_sample_stores(loader *L, size_t first_data)
{
    ds_table *t = L->t;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        ds_code_votes votes;
        ds_code_votes_init(&votes);
        size_t non_missing = 0, parsed = 0, identifiers = 0;
        for (size_t i = first_data; i < L->n_kept; i++) {
            const kept_record *k = &L->kept[i];
            if (c >= k->n_fields || ds_cell_marker(k->texts[c], k->lens[c]) != DS_CELL_VALUE)
                continue;
            non_missing++;
            identifiers += looks_like_identifier(k->texts[c], k->lens[c]);
            double v;
            parsed += ds_parse_number(k->texts[c], k->lens[c], &v, NULL);
            if (k->lens[c] < DS_CODE_MAX)
                ds_code_votes_add(&votes, k->texts[c]);
            else
                votes.values++; /* longer than any code: a value that matches no kind */
        }
        if (col->force_text || non_missing == 0 || identifiers > 0 ||
            ds_code_votes_decide(&votes, col->name) != DS_CODE_NONE ||
            !numeric_despite_strays(parsed, non_missing - parsed))
            col->sample_store = STORE_TEXT;
        else
            col->sample_store = STORE_NUMBER;
    }
}

static void fail_nomem(loader *L)
{
    L->status = ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", L->t->path);
    L->failed = true;
}

/* Sizes the column arrays for the whole file at once, from its size and the bytes per
 * record of the sample (10% more): growing them by doubling would copy them. A wrong
 * guess costs nothing but the usual doubling later. */
static void reserve_rows(loader *L, size_t first_data)
{
    size_t records = L->n_kept - first_data, bytes = 0;
    for (size_t i = first_data; i < L->n_kept; i++)
        for (size_t f = 0; f < L->kept[i].n_fields; f++)
            bytes += L->kept[i].lens[f] + 1;
    if (records == 0 || bytes == 0 || L->file_bytes == 0)
        return;
    double estimate = 1.1 * (double)L->file_bytes / ((double)bytes / (double)records);
    if (estimate <= 1024 || estimate >= 4e9 || L->t->rows_cap != 0)
        return;
    /* Column arrays are allocated at their first value, with rows_cap rows; untouched
     * pages of an over-estimate are never mapped in. */
    size_t cap = (size_t)estimate;
    uint32_t *lines = malloc(cap * sizeof *lines);
    if (lines == NULL)
        return; /* fall back on doubling */
    L->t->row_lines = lines;
    L->t->rows_cap = cap;
}

/* Replays the kept records into the table once the header is known. */
static void start_streaming(loader *L)
{
    bool nomem;
    size_t h = find_header(L, &nomem);
    if (nomem) {
        fail_nomem(L);
        return;
    }
    if (h == L->n_kept) {
        L->status = ds_error_set(L->err, DS_EDATA, "%s: no header line found%s", L->t->path,
                                 L->n_kept == 0 ? " (the file is empty)" : "");
        L->failed = true;
        return;
    }
    L->status = set_up_columns(L, &L->kept[h]);
    if (L->status != DS_OK) {
        L->failed = true;
        return;
    }
    choose_sample_stores(L, h + 1);
    reserve_rows(L, h + 1);
    L->streaming = true;
    ds_csv_field *fields = NULL;
    size_t fields_cap = 0;
    for (size_t i = h + 1; i < L->n_kept && !L->failed; i++) {
        const kept_record *k = &L->kept[i];
        if (k->n_fields > fields_cap) {
            ds_csv_field *f = realloc(fields, k->n_fields * sizeof *f);
            if (f == NULL) {
                fail_nomem(L);
                break;
            }
            fields = f;
            fields_cap = k->n_fields;
        }
        for (size_t f = 0; f < k->n_fields; f++)
            fields[f] = (ds_csv_field){.ptr = k->texts[f], .len = k->lens[f]};
        ds_csv_record rec = {.line = k->line,
                             .last_line = k->last_line,
                             .n_fields = k->n_fields,
                             .fields = fields,
                             .problem = k->problem,
                             .problem_field = k->problem_field};
        add_record(L, &rec);
    }
    free(fields);
    free_kept(L);
}

static int on_record(void *user, const ds_csv_record *rec)
{
    loader *L = user;
    if (L->streaming) {
        add_record(L, rec);
    } else {
        if (!keep_record(L, rec)) {
            fail_nomem(L);
            return 1;
        }
        if (L->n_kept == SAMPLE_RECORDS)
            start_streaming(L);
    }
    return L->failed ? 1 : 0;
}

/* --- final typing ------------------------------------------------------------------------- */

/* Counts how many cells hold each distinct value of a text column. */
static bool count_uses(const ds_table *t, column *col)
{
    col->uses = calloc(col->dict.count ? col->dict.count : 1, sizeof *col->uses);
    if (col->uses == NULL)
        return false;
    for (size_t row = 0; row < t->n_rows; row++)
        if (col->ids[row] != UINT32_MAX)
            col->uses[col->ids[row]]++;
    return true;
}

/* Votes for a code kind over the distinct values of a text column, each weighted by
 * its number of uses. */
static ds_code_kind decide_code_kind(const column *col)
{
    ds_code_votes total;
    ds_code_votes_init(&total);
    for (size_t id = 0; id < col->dict.count; id++) {
        ds_code_votes one;
        ds_code_votes_init(&one);
        ds_code_votes_add(&one, ds_text_dict_get(&col->dict, (uint32_t)id));
        size_t uses = col->uses[id];
        total.values += one.values * uses;
        total.leading_zero_or_letter += one.leading_zero_or_letter * uses;
        for (int k = 0; k < DS_CODE_KIND_COUNT; k++)
            total.matches[k] += one.matches[k] * uses;
    }
    return ds_code_votes_decide(&total, col->name);
}

static bool normalise_codes(column *col)
{
    col->codes = calloc(col->dict.count ? col->dict.count : 1, sizeof *col->codes);
    if (col->codes == NULL)
        return false;
    for (size_t id = 0; id < col->dict.count; id++) {
        char code[DS_CODE_MAX];
        if (ds_code_normalize(col->code_kind, ds_text_dict_get(&col->dict, (uint32_t)id), code,
                              NULL) == DS_OK) {
            col->codes[id] = copy_text(code, strlen(code));
            if (col->codes[id] == NULL)
                return false;
        }
    }
    return true;
}

/* Counts the cells of a code column that hold no valid code, and finds the first one
 * (after rejected rows are gone). */
static void count_invalid_codes(const ds_table *t, column *col)
{
    col->invalid_codes = 0;
    for (size_t row = t->n_rows; row-- > 0;)
        if (col->ids[row] != UINT32_MAX && col->codes[col->ids[row]] == NULL) {
            col->invalid_codes++;
            col->first_invalid_row = row;
        }
}

/* Turns a text column whose values (nearly) all parse into a numeric one; values that
 * do not parse become strays. Returns false when memory runs out. */
static bool convert_text_to_numbers(ds_table *t, column *col)
{
    size_t n = col->dict.count;
    double *values = malloc((n ? n : 1) * sizeof *values);
    char *marks = malloc(n ? n : 1);
    double *numbers = malloc(t->rows_cap * sizeof *numbers);
    if (values == NULL || marks == NULL || numbers == NULL)
        goto nomem;
    for (size_t id = 0; id < n; id++) {
        const char *s = ds_text_dict_get(&col->dict, (uint32_t)id);
        if (!ds_parse_number(s, ds_text_dict_length(&col->dict, (uint32_t)id), &values[id], &marks[id]))
            values[id] = NAN, marks[id] = 'x';
    }
    for (size_t row = 0; row < t->n_rows; row++) {
        uint32_t id = col->ids[row];
        if (id == UINT32_MAX) {
            numbers[row] = NAN;
            continue;
        }
        numbers[row] = values[id];
        if (marks[id] == 'x') {
            /* every row's status, not only the rows above: those below may be values */
            if (!ensure_status(t, col, t->n_rows) ||
                !add_stray(col, row, ds_text_dict_get(&col->dict, id), ds_text_dict_length(&col->dict, (uint32_t)id)))
                goto nomem;
            col->status[row] = STATUS_STRAY;
            col->by_status[DS_CELL_VALUE]--;
        } else {
            col->decimal_commas += marks[id] == ',';
            col->decimal_points += marks[id] == '.';
        }
    }
    free(values);
    free(marks);
    free(col->ids);
    col->ids = NULL;
    free(col->uses);
    col->uses = NULL;
    ds_text_dict_free(&col->dict);
    col->numbers = numbers;
    col->store = STORE_NUMBER;
    return true;
nomem:
    free(values);
    free(marks);
    free(numbers);
    return false;
}

/* How many values of a text column parse as numbers (counting uses); 0 when one of
 * them is an identifier such as "01" (the column is then no numeric column). */
static size_t parsing_uses(const column *col)
{
    size_t n = 0;
    for (size_t id = 0; id < col->dict.count; id++) {
        if (looks_like_identifier(ds_text_dict_get(&col->dict, (uint32_t)id),
                                  ds_text_dict_length(&col->dict, (uint32_t)id)))
            return 0;
        double v;
        if (ds_parse_number(ds_text_dict_get(&col->dict, (uint32_t)id), ds_text_dict_length(&col->dict, (uint32_t)id), &v,
                            NULL))
            n += col->uses[id];
    }
    return n;
}

typedef struct stray_ref {
    size_t line, column;
    const char *text;
    size_t row;
} stray_ref;

static int compare_stray(const void *a, const void *b)
{
    const stray_ref *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}

/* Removes the rows flagged in drop from every column. */
static void drop_rows(ds_table *t, const bool *drop)
{
    size_t out = 0;
    for (size_t row = 0; row < t->n_rows; row++) {
        if (drop[row])
            continue;
        t->row_lines[out] = t->row_lines[row];
        for (size_t c = 0; c < t->n_columns; c++) {
            column *col = &t->columns[c];
            if (col->numbers != NULL)
                col->numbers[out] = col->numbers[row];
            if (col->ids != NULL)
                col->ids[out] = col->ids[row];
            if (col->status != NULL)
                col->status[out] = col->status[row];
        }
        out++;
    }
    t->n_rows = out;
}

/* Recounts the status counts of every column after rows were dropped. */
static void recount(ds_table *t)
{
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        if (col->status == NULL) {
            memset(col->by_status, 0, sizeof col->by_status);
            col->by_status[col->store == STORE_NONE ? DS_CELL_MISSING : DS_CELL_VALUE] = t->n_rows;
            continue;
        }
        memset(col->by_status, 0, sizeof col->by_status);
        for (size_t row = 0; row < t->n_rows; row++)
            if (col->status[row] < DS_CELL_STATUS_COUNT)
                col->by_status[col->status[row]]++;
    }
}

/* Types every column on all its cells, turns strays into rejected rows, drops empty
 * unnamed columns. Sets need_retry when a numeric column must be read as text. */
static void finish_columns(loader *L, bool *retry_columns)
{
    ds_table *t = L->t;
    size_t n_strays = 0;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        if (col->store == STORE_TEXT && !count_uses(t, col)) {
            fail_nomem(L);
            return;
        }
        if (col->store == STORE_TEXT && !col->force_text) {
            col->code_kind = decide_code_kind(col);
            if (col->code_kind == DS_CODE_NONE) {
                size_t values = col->by_status[DS_CELL_VALUE];
                size_t parsed = parsing_uses(col);
                if (numeric_despite_strays(parsed, values - parsed) &&
                    !convert_text_to_numbers(t, col)) {
                    fail_nomem(L);
                    return;
                }
            }
        }
        if (col->store == STORE_NUMBER) {
            if (col->identifier_strays > 0 ||
                !numeric_despite_strays(col->by_status[DS_CELL_VALUE], col->n_strays)) {
                retry_columns[c] = true;
                L->need_retry = true;
            }
            col->type = DS_COLUMN_NUMBER;
            n_strays += col->n_strays;
        } else if (col->store == STORE_TEXT) {
            col->type = col->code_kind != DS_CODE_NONE ? DS_COLUMN_CODE : DS_COLUMN_TEXT;
            if (col->code_kind != DS_CODE_NONE && !normalise_codes(col)) {
                fail_nomem(L);
                return;
            }
        } else {
            col->type = DS_COLUMN_NUMBER; /* never a value: an indicator fully masked */
        }
    }
    if (L->need_retry)
        return;
    /* Stray cells in numeric columns: rejected rows, in file order. */
    if (n_strays > 0) {
        stray_ref *refs = malloc(n_strays * sizeof *refs);
        bool *drop = calloc(t->n_rows, sizeof *drop);
        if (refs == NULL || drop == NULL) {
            free(refs);
            free(drop);
            fail_nomem(L);
            return;
        }
        size_t n = 0;
        for (size_t c = 0; c < t->n_columns; c++)
            for (size_t s = 0; s < t->columns[c].n_strays; s++)
                refs[n++] = (stray_ref){.line = t->row_lines[t->columns[c].strays[s].row],
                                        .column = c + 1,
                                        .text = t->columns[c].strays[s].text,
                                        .row = t->columns[c].strays[s].row};
        qsort(refs, n, sizeof *refs, compare_stray);
        for (size_t i = 0; i < n && !L->failed; i++) {
            if (drop[refs[i].row])
                continue; /* one reason per row is enough */
            drop[refs[i].row] = true;
            reject_row(L, refs[i].line, refs[i].column, "'%s' is not a number in a numeric column",
                       refs[i].text);
        }
        if (!L->failed) {
            drop_rows(t, drop);
            recount(t);
        }
        free(refs);
        free(drop);
    }
    for (size_t c = 0; c < t->n_columns; c++)
        if (t->columns[c].codes != NULL)
            count_invalid_codes(t, &t->columns[c]);
    /* Drop unnamed columns that never held anything. */
    size_t out = 0;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        bool empty = col->store == STORE_NONE && col->by_status[DS_CELL_MISSING] == t->n_rows;
        if (!col->named && empty) {
            t->report.empty_unnamed_columns_dropped++;
            free(col->name);
            free(col->status);
            ds_text_dict_free(&col->dict);
            continue;
        }
        t->columns[out++] = *col;
    }
    t->n_columns = out;
}

static int compare_rejected(const void *a, const void *b)
{
    const ds_rejected_row *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* True when column c's value varies within one territory (a dimension such as a
 * cause of death), false when the territory determines it (a label such as LIBGEO).
 * Rows missing either value are left out. */
static bool varies_within_territory(const ds_table *t, const column *territory, const column *c,
                                    bool *nomem)
{
    size_t n = territory->dict.count;
    uint32_t *first = malloc((n ? n : 1) * sizeof *first);
    if (first == NULL) {
        *nomem = true;
        return false;
    }
    for (size_t i = 0; i < n; i++)
        first[i] = UINT32_MAX;
    bool varies = false;
    for (size_t row = 0; row < t->n_rows && !varies; row++) {
        uint32_t where = territory->ids[row], what = c->ids[row];
        if (where == UINT32_MAX || what == UINT32_MAX)
            continue;
        if (first[where] == UINT32_MAX)
            first[where] = what;
        else
            varies = first[where] != what;
    }
    free(first);
    return varies;
}

/* The text columns, other than the territory and the named roles, whose value varies
 * within a territory: with no territory column, every such text column. */
static ds_status find_dimensions(loader *L)
{
    ds_table *t = L->t;
    long tc = t->report.territory_column;
    const column *territory = tc >= 0 && t->columns[tc].ids != NULL ? &t->columns[tc] : NULL;
    t->dimension_columns = malloc((t->n_columns ? t->n_columns : 1) * sizeof *t->dimension_columns);
    if (t->dimension_columns == NULL)
        return ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
    for (size_t c = 0; c < t->n_columns; c++) {
        const column *col = &t->columns[c];
        if ((long)c == tc || col->role != ROLE_NONE || col->ids == NULL)
            continue;
        bool nomem = false;
        if (territory == NULL || varies_within_territory(t, territory, col, &nomem))
            t->dimension_columns[t->n_dimension_columns++] = c;
        if (nomem)
            return ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
    }
    t->report.n_dimension_columns = t->n_dimension_columns;
    t->report.dimension_columns = t->dimension_columns;
    return DS_OK;
}

/* In a wide table where only the territory tells rows apart (no year, sex, age or
 * other dimension column), counts the territory codes found on several rows. */
static void find_repeated_territories(ds_table *t)
{
    ds_load_report *r = &t->report;
    long tc = r->territory_column;
    if (r->layout != DS_LAYOUT_WIDE || tc < 0 || r->year_column >= 0 || r->sex_column >= 0 ||
        r->age_column >= 0 || t->n_dimension_columns > 0)
        return;
    const column *col = &t->columns[tc];
    if (col->uses == NULL || col->ids == NULL)
        return;
    for (size_t id = 0; id < col->dict.count; id++)
        r->repeated_territories += col->uses[id] > 1;
    if (r->repeated_territories == 0)
        return;
    /* The first row whose code was seen on an earlier row. */
    for (size_t row = 0; row < t->n_rows; row++) {
        uint32_t id = col->ids[row];
        if (id == UINT32_MAX || col->uses[id] < 2)
            continue;
        for (size_t later = row + 1; later < t->n_rows; later++)
            if (col->ids[later] == id) {
                r->first_repeated = ds_table_text(t, row, (size_t)tc);
                r->first_repeated_lines[0] = t->row_lines[row];
                r->first_repeated_lines[1] = t->row_lines[later];
                return;
            }
    }
}

/* Layout, roles and the territory column. */
static ds_status finish_report(loader *L)
{
    ds_table *t = L->t;
    ds_load_report *r = &t->report;
    r->territory_column = r->indicator_column = r->year_column = r->sex_column = -1;
    r->age_column = r->value_column = r->numerator_column = r->denominator_column = -1;
    size_t commas = 0, points = 0;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        commas += col->decimal_commas;
        points += col->decimal_points;
        if (col->type == DS_COLUMN_CODE && r->territory_column < 0)
            r->territory_column = (long)c;
        long *slot = NULL;
        switch (col->role) {
        case ROLE_INDICATOR: slot = &r->indicator_column; break;
        case ROLE_YEAR: slot = &r->year_column; break;
        case ROLE_SEX: slot = &r->sex_column; break;
        case ROLE_AGE: slot = &r->age_column; break;
        case ROLE_VALUE: slot = col->type == DS_COLUMN_NUMBER ? &r->value_column : NULL; break;
        case ROLE_NUMERATOR: slot = col->type == DS_COLUMN_NUMBER ? &r->numerator_column : NULL; break;
        case ROLE_DENOMINATOR: slot = col->type == DS_COLUMN_NUMBER ? &r->denominator_column : NULL; break;
        case ROLE_NONE: break;
        }
        if (slot != NULL && *slot < 0)
            *slot = (long)c;
    }
    r->decimal_mark = commas >= points ? (commas ? ',' : (points ? '.' : 0)) : '.';
    r->mixed_decimal_marks = commas > 0 && points > 0;
    bool can_be_long = r->indicator_column >= 0 &&
                       (r->value_column >= 0 || r->numerator_column >= 0);
    if (L->options->layout == DS_LAYOUT_LONG && !can_be_long)
        return ds_error_set(L->err, DS_EUSAGE,
                            "%s: a long layout needs an indicator column (indicateur, "
                            "indicator, variable) and a numeric value or numerator column",
                            t->path);
    r->layout = L->options->layout != DS_LAYOUT_AUTO ? L->options->layout
                : can_be_long                        ? DS_LAYOUT_LONG
                                                     : DS_LAYOUT_WIDE;
    if (r->layout == DS_LAYOUT_WIDE) {
        t->obs_columns = malloc((t->n_columns ? t->n_columns : 1) * sizeof *t->obs_columns);
        if (t->obs_columns == NULL)
            return ds_error_set(L->err, DS_ENOMEM, "%s: out of memory", t->path);
        for (size_t c = 0; c < t->n_columns; c++)
            if (t->columns[c].type == DS_COLUMN_NUMBER && !role_is_dimension(t->columns[c].role))
                t->obs_columns[t->n_obs_columns++] = c;
        r->indicator_column = r->value_column = r->numerator_column = r->denominator_column = -1;
    }
    ds_status status = find_dimensions(L);
    if (status != DS_OK)
        return status;
    find_repeated_territories(t);
    if (t->n_rejected > 1)
        qsort(t->rejected, t->n_rejected, sizeof *t->rejected, compare_rejected);
    r->rows_loaded = t->n_rows;
    r->rows_rejected = t->n_rejected;
    r->n_rejected = t->n_rejected;
    r->rejected = t->rejected;
    return DS_OK;
}

/* --- load ------------------------------------------------------------------------------------ */

void ds_csv_options_init(ds_csv_options *options)
{
    memset(options, 0, sizeof *options);
    options->skip_lines = -1;
}

/* Reads up to 64 KiB from the start of the file to guess the separator. */
static ds_status guess_separator_of(const char *path, char *separator, ds_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return ds_error_set(err, DS_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    char sample[65536];
    size_t n = fread(sample, 1, sizeof sample, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed)
        return ds_error_set(err, DS_EIO, "%s: read error", path);
    *separator = ds_csv_guess_separator(sample, n);
    return DS_OK;
}

static const char *encoding_name(const ds_csv_read_info *info)
{
    switch (info->encoding) {
    case DS_ENCODING_WINDOWS_1252: return "Windows-1252";
    case DS_ENCODING_LATIN1: return "ISO-8859-1";
    default: return info->bom ? "UTF-8 (BOM)" : "UTF-8";
    }
}

/* One read of the file. When a numeric column must be read again as text, returns
 * DS_OK with *out NULL and *retry (n_retry flags, one per header field, caller frees)
 * naming the columns to force. */
static ds_status load_once(const char *path, const ds_csv_options *options, char separator,
                           const bool *forced_text, size_t n_forced, bool **retry, size_t *n_retry,
                           ds_table **out, ds_error *err)
{
    ds_table *t = calloc(1, sizeof *t);
    if (t == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    t->path = copy_text(path, strlen(path));
    if (t->path == NULL) {
        ds_table_free(t);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    t->report.path = t->path;
    t->report.separator = separator;
    t->report.separator_detected = options->separator == 0;
    t->report.encoding_detected = options->encoding == DS_ENCODING_AUTO;

    loader L = {.t = t, .options = options, .forced_text = forced_text, .n_forced = n_forced,
                .separator = separator,
                .err = err, .status = DS_OK};
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        L.file_bytes = (size_t)st.st_size;
    ds_csv_reader_options ro = {.separator = separator,
                                .encoding = options->encoding,
                                .libcsv_only = options->libcsv_only};
    ds_csv_read_info info;
    ds_status status = ds_csv_read(path, &ro, on_record, &L, &info, err);
    if (status == DS_OK && !L.failed && !L.streaming)
        start_streaming(&L); /* fewer records than the sample */
    free_kept(&L);
    if (status == DS_OK && L.failed)
        status = L.status;
    if (status == DS_OK && t->n_rows == 0 && t->n_rejected == 0)
        status = ds_error_set(err, DS_EDATA, "%s:%zu: no data rows after the header", path,
                              L.header_line);
    if (status == DS_OK) {
        t->report.encoding = encoding_name(&info);
        t->report.lines = info.lines;
        *n_retry = t->n_columns;
        *retry = calloc(t->n_columns ? t->n_columns : 1, sizeof **retry);
        if (*retry == NULL)
            fail_nomem(&L);
        else
            finish_columns(&L, *retry);
        status = L.failed ? L.status : DS_OK;
    }
    if (status == DS_OK && !L.need_retry)
        status = finish_report(&L);
    if (status != DS_OK || L.need_retry) {
        ds_table_free(t);
        return status;
    }
    *out = t;
    return DS_OK;
}

ds_status ds_table_load(const char *path, const ds_csv_options *options, ds_table **out,
                        ds_error *err)
{
    ds_csv_options defaults;
    if (options == NULL) {
        ds_csv_options_init(&defaults);
        options = &defaults;
    }
    *out = NULL;
    if (options->separator != 0 && options->separator != ';' && options->separator != ',' &&
        options->separator != '\t')
        return ds_error_set(err, DS_EUSAGE, "separator must be ';', ',' or tab");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return ds_error_set(err, DS_ENOINPUT, "%s: a folder, not a CSV file", path);
    char separator = options->separator;
    if (separator == 0) {
        ds_status status = guess_separator_of(path, &separator, err);
        if (status != DS_OK)
            return status;
        if (separator == 0)
            separator = ';'; /* a single column: any separator reads it */
    }
    /* Normally one attempt; a second one reads as text the numeric columns that the
     * sample misjudged. The set of forced columns only grows, so this ends. */
    bool *forced = NULL;
    size_t n_forced = 0;
    ds_status status;
    for (;;) {
        ds_table *t = NULL;
        bool *retry = NULL;
        size_t n_retry = 0;
        status = load_once(path, options, separator, forced, n_forced, &retry, &n_retry, &t, err);
        if (status != DS_OK || t != NULL) {
            free(retry);
            *out = t;
            break;
        }
        bool more = false;
        if (n_forced < n_retry) {
            bool *grown = realloc(forced, n_retry * sizeof *grown);
            if (grown == NULL) {
                free(retry);
                status = ds_error_set(err, DS_ENOMEM, "out of memory");
                break;
            }
            memset(grown + n_forced, 0, (n_retry - n_forced) * sizeof *grown);
            forced = grown;
            n_forced = n_retry;
        }
        for (size_t c = 0; c < n_retry; c++)
            if (retry[c] && !forced[c])
                forced[c] = more = true;
        free(retry);
        if (!more) {
            status = ds_error_set(err, DS_EINTERNAL, "%s: column typing did not settle", path);
            break;
        }
    }
    free(forced);
    return status;
}

/* --- accessors ------------------------------------------------------------------------------ */

void ds_table_free(ds_table *t)
{
    if (t == NULL)
        return;
    for (size_t c = 0; c < t->n_columns; c++) {
        column *col = &t->columns[c];
        free(col->name);
        free(col->numbers);
        free(col->ids);
        free(col->status);
        if (col->codes != NULL)
            for (size_t id = 0; id < col->dict.count; id++)
                free(col->codes[id]);
        free(col->codes);
        free(col->uses);
        ds_text_dict_free(&col->dict);
        for (size_t s = 0; s < col->n_strays; s++)
            free(col->strays[s].text);
        free(col->strays);
    }
    free(t->columns);
    for (size_t i = 0; i < t->n_rejected; i++)
        free((char *)t->rejected[i].reason);
    free(t->rejected);
    free(t->row_lines);
    free(t->obs_columns);
    free(t->dimension_columns);
    free(t->path);
    free(t);
}

size_t ds_table_rows(const ds_table *t) { return t->n_rows; }
size_t ds_table_columns(const ds_table *t) { return t->n_columns; }

const char *ds_table_column_name(const ds_table *t, size_t c)
{
    return c < t->n_columns ? t->columns[c].name : NULL;
}

long ds_table_column_index(const ds_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_columns; c++)
        if (strcmp(t->columns[c].name, name) == 0)
            return (long)c;
    return -1;
}

ds_column_type ds_table_column_type(const ds_table *t, size_t c)
{
    return c < t->n_columns ? t->columns[c].type : DS_COLUMN_TEXT;
}

ds_code_kind ds_table_column_code_kind(const ds_table *t, size_t c)
{
    return c < t->n_columns ? t->columns[c].code_kind : DS_CODE_NONE;
}

ds_cell_status ds_table_status(const ds_table *t, size_t row, size_t c)
{
    if (c >= t->n_columns || row >= t->n_rows)
        return DS_CELL_MISSING;
    const column *col = &t->columns[c];
    if (col->status != NULL)
        return (ds_cell_status)col->status[row];
    return col->store == STORE_NONE ? DS_CELL_MISSING : DS_CELL_VALUE;
}

ds_cell_status ds_table_number(const ds_table *t, size_t row, size_t c, double *value)
{
    if (c >= t->n_columns || row >= t->n_rows || t->columns[c].type != DS_COLUMN_NUMBER)
        return DS_CELL_MISSING;
    ds_cell_status status = ds_table_status(t, row, c);
    if (status == DS_CELL_VALUE)
        *value = t->columns[c].numbers[row];
    return status;
}

const char *ds_table_text(const ds_table *t, size_t row, size_t c)
{
    if (c >= t->n_columns || row >= t->n_rows)
        return NULL;
    const column *col = &t->columns[c];
    if (col->type == DS_COLUMN_NUMBER || col->ids == NULL || col->ids[row] == UINT32_MAX)
        return NULL;
    uint32_t id = col->ids[row];
    if (col->codes != NULL && col->codes[id] != NULL)
        return col->codes[id];
    return ds_text_dict_get(&col->dict, id);
}

const char *ds_table_cell_text(const ds_table *t, size_t row, size_t c,
                               char buf[DS_CELL_TEXT_MAX])
{
    double v;
    if (ds_table_column_type(t, c) != DS_COLUMN_NUMBER)
        return ds_table_text(t, row, c);
    if (ds_table_number(t, row, c, &v) != DS_CELL_VALUE)
        return NULL;
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, DS_CELL_TEXT_MAX, "%lld", (long long)v); /* no locale involved */
    else
        snprintf(buf, DS_CELL_TEXT_MAX, "%.17g", v);
    return buf;
}

const char *ds_table_code(const ds_table *t, size_t row, size_t c)
{
    if (c >= t->n_columns || row >= t->n_rows)
        return NULL;
    const column *col = &t->columns[c];
    if (col->codes == NULL || col->ids[row] == UINT32_MAX)
        return NULL;
    return col->codes[col->ids[row]];
}

size_t ds_table_row_line(const ds_table *t, size_t row)
{
    return row < t->n_rows ? t->row_lines[row] : 0;
}

void ds_table_column_counts(const ds_table *t, size_t c, ds_column_counts *out)
{
    memset(out, 0, sizeof *out);
    if (c >= t->n_columns)
        return;
    const column *col = &t->columns[c];
    memcpy(out->by_status, col->by_status, sizeof out->by_status);
    out->invalid_codes = col->invalid_codes;
    if (col->invalid_codes > 0) {
        out->first_invalid_code = ds_text_dict_get(&col->dict, col->ids[col->first_invalid_row]);
        out->first_invalid_line = t->row_lines[col->first_invalid_row];
    }
    out->distinct_values = col->ids != NULL ? col->dict.count : 0;
}

const ds_load_report *ds_table_report(const ds_table *t) { return &t->report; }

size_t ds_table_observation_count(const ds_table *t)
{
    if (t->report.layout == DS_LAYOUT_LONG)
        return t->n_rows;
    return t->n_rows * t->n_obs_columns;
}

static const char *text_or_null(const ds_table *t, size_t row, long c)
{
    return c < 0 ? NULL : ds_table_text(t, row, (size_t)c);
}

static double number_or_nan(const ds_table *t, size_t row, long c, ds_cell_status *status)
{
    double v = NAN;
    if (c < 0)
        return NAN;
    ds_cell_status s = ds_table_number(t, row, (size_t)c, &v);
    if (status != NULL)
        *status = s;
    return s == DS_CELL_VALUE ? v : NAN;
}

void ds_table_observation(const ds_table *t, size_t i, ds_observation *obs)
{
    const ds_load_report *r = &t->report;
    memset(obs, 0, sizeof *obs);
    size_t row = r->layout == DS_LAYOUT_LONG ? i : i / t->n_obs_columns;
    obs->row = row;
    obs->territory = text_or_null(t, row, r->territory_column);
    obs->year = text_or_null(t, row, r->year_column);
    obs->sex = text_or_null(t, row, r->sex_column);
    obs->age = text_or_null(t, row, r->age_column);
    obs->numerator = obs->denominator = NAN;
    if (r->layout == DS_LAYOUT_LONG) {
        obs->indicator = text_or_null(t, row, r->indicator_column);
        ds_cell_status value_status = DS_CELL_MISSING, num_status = DS_CELL_MISSING;
        obs->value = number_or_nan(t, row, r->value_column, &value_status);
        obs->numerator = number_or_nan(t, row, r->numerator_column, &num_status);
        obs->denominator = number_or_nan(t, row, r->denominator_column, NULL);
        obs->status = r->value_column >= 0 ? value_status : num_status;
    } else {
        size_t c = t->obs_columns[i % t->n_obs_columns];
        obs->indicator = t->columns[c].name;
        obs->value = number_or_nan(t, row, (long)c, &obs->status);
    }
}
