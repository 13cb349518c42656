/* diagsante — the indicator dictionary (include/diagsante/indicators.h).
 *
 * The file is loaded by ds_table_load, then each row is checked field by field and
 * against the rules between fields, in file order, stopping at the first error. Ids
 * are interned in a text_dict as they are accepted, which finds repeated ids on the
 * way and gives ds_dictionary_find its lookup: the dictionary id of an indicator is its
 * index in file order. */
#include "diagsante/indicators.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/csv_table.h"
#include "text_dict.h"

struct ds_dictionary {
    char *path;
    ds_indicator *items; /* n, file order */
    size_t n;
    ds_text_dict ids;    /* id -> index into items */
    const ds_indicator **chapters[DS_CHAPTER_COUNT];
    size_t chapter_n[DS_CHAPTER_COUNT];
    const ds_indicator **bases[DS_BASE_COUNT];
    size_t base_n[DS_BASE_COUNT];
};

/* --- Codes ------------------------------------------------------------------------ */

static const char *const KIND_CODES[DS_KIND_COUNT_OF_KINDS] = {
    [DS_KIND_COUNT] = "count", [DS_KIND_PROPORTION] = "proportion", [DS_KIND_RATE] = "rate",
    [DS_KIND_DSR] = "dsr",     [DS_KIND_ISR] = "isr",               [DS_KIND_MEAN] = "mean",
    [DS_KIND_MEDIAN] = "median", [DS_KIND_INDEX] = "index",
};

static const char *const BASE_CODES[DS_BASE_COUNT] = {
    [DS_BASE_PREVENTION] = "prevention",
    [DS_BASE_ACCES_SOINS] = "acces_soins",
    [DS_BASE_SANTE_ENV] = "sante_env",
    [DS_BASE_SANTE_MENTALE] = "sante_mentale",
};

static const char *const BASE_NAMES[DS_BASE_COUNT] = {
    [DS_BASE_PREVENTION] = "Prévention et promotion de la santé",
    [DS_BASE_ACCES_SOINS] = "Accès aux soins",
    [DS_BASE_SANTE_ENV] = "Santé environnementale",
    [DS_BASE_SANTE_MENTALE] = "Santé mentale",
};

static const char *const CHAPTER_NAMES[DS_CHAPTER_COUNT] = {
    "Population et territoire",
    "Déterminants sociaux",
    "Déterminants environnementaux",
    "État de santé",
    "Santé des enfants et des jeunes",
    "Comportements de santé",
    "Accès à la prévention et aux soins",
    "Offre de soins de premier recours",
    "Handicap et dépendance",
};

const char *ds_indicator_kind_code(ds_indicator_kind kind)
{
    return (unsigned)kind < DS_KIND_COUNT_OF_KINDS ? KIND_CODES[kind] : NULL;
}

/* Parses the len bytes at code as a kind. */
static bool kind_parse_n(const char *code, size_t len, ds_indicator_kind *kind)
{
    for (int k = 0; k < DS_KIND_COUNT_OF_KINDS; k++)
        if (strlen(KIND_CODES[k]) == len && memcmp(KIND_CODES[k], code, len) == 0) {
            *kind = (ds_indicator_kind)k;
            return true;
        }
    return false;
}

bool ds_indicator_kind_parse(const char *code, ds_indicator_kind *kind)
{
    return code != NULL && kind != NULL && kind_parse_n(code, strlen(code), kind);
}

bool ds_indicator_kind_needs_denominator(ds_indicator_kind kind)
{
    return kind == DS_KIND_PROPORTION || kind == DS_KIND_RATE || kind == DS_KIND_DSR ||
           kind == DS_KIND_ISR;
}

/* The dictionary's polarity codes, indexed by ds_polarity. */
static const char *const POLARITY_CODES[] = {
    [DS_POLARITY_NONE] = "context",
    [DS_POLARITY_HIGHER_IS_BETTER] = "better",
    [DS_POLARITY_LOWER_IS_BETTER] = "worse",
};
#define N_POLARITIES (sizeof POLARITY_CODES / sizeof POLARITY_CODES[0])

static bool polarity_parse_n(const char *code, size_t len, ds_polarity *polarity)
{
    for (size_t p = 0; p < N_POLARITIES; p++)
        if (strlen(POLARITY_CODES[p]) == len && memcmp(POLARITY_CODES[p], code, len) == 0) {
            *polarity = (ds_polarity)p;
            return true;
        }
    return false;
}

bool ds_indicator_polarity_parse(const char *code, ds_polarity *polarity)
{
    return code != NULL && polarity != NULL && polarity_parse_n(code, strlen(code), polarity);
}

const char *ds_indicator_polarity_code(ds_polarity polarity)
{
    return (unsigned)polarity < N_POLARITIES ? POLARITY_CODES[polarity] : NULL;
}

const char *ds_base_code(ds_base base)
{
    return (unsigned)base < DS_BASE_COUNT ? BASE_CODES[base] : NULL;
}

const char *ds_base_name(ds_base base)
{
    return (unsigned)base < DS_BASE_COUNT ? BASE_NAMES[base] : NULL;
}

static bool base_parse_n(const char *code, size_t len, ds_base *base)
{
    for (int b = 0; b < DS_BASE_COUNT; b++)
        if (strlen(BASE_CODES[b]) == len && memcmp(BASE_CODES[b], code, len) == 0) {
            *base = (ds_base)b;
            return true;
        }
    return false;
}

bool ds_base_parse(const char *code, ds_base *base)
{
    return code != NULL && base != NULL && base_parse_n(code, strlen(code), base);
}

const char *ds_chapter_name(int chapter)
{
    return chapter >= 1 && chapter <= DS_CHAPTER_COUNT ? CHAPTER_NAMES[chapter - 1] : NULL;
}

const char *ds_chapter_portrait(int chapter)
{
    if (chapter < 1 || chapter > DS_CHAPTER_COUNT)
        return NULL;
    if (chapter <= 3)
        return "Portrait de territoire";
    return chapter <= 6 ? "Portrait de santé" : "Portrait des ressources";
}

/* --- Reading the rows --------------------------------------------------------------- */

/* The columns, in the order their cells are checked. */
enum {
    COL_ID, COL_LABEL, COL_CHAPTER, COL_BASES, COL_NUMERATOR, COL_DENOMINATOR, COL_KIND,
    COL_UNIT, COL_MULTIPLIER, COL_POLARITY, COL_SOURCE, COL_NUMERATOR_COLUMN,
    COL_DENOMINATOR_COLUMN, COL_VALUE_COLUMN, COL_AGGREGABLE, N_COLS
};

static const char *const COLUMN_NAMES[N_COLS] = {
    "id", "label", "chapter", "bases", "numerator", "denominator", "kind", "unit",
    "multiplier", "polarity", "source", "numerator_column", "denominator_column",
    "value_column", "aggregable",
};

typedef struct reader {
    const char *path;
    const ds_table *table;
    size_t columns[N_COLS]; /* table column of each COL_ */
    size_t row, line;       /* the row being read and its line in the file */
    ds_error *err;
} reader;

/* The complaint about an empty required cell. ds_table_load reads its missing-value
 * markers as empty cells. */
#define EMPTY_CELL "the cell is empty (or a missing-value marker such as NA, nd, -, s, c)"

/* Fails with DS_EDATA naming the file, the line of the current row and column col. */
static ds_status cell_error(const reader *r, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ds_status cell_error(const reader *r, int col, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ds_error_set(r->err, DS_EDATA, "%s, line %zu, column '%s': %s", r->path, r->line,
                        COLUMN_NAMES[col], what);
}

/* The text of a cell, NULL when it is empty or a missing-value marker. Numbers (a
 * column ds_table_load typed numeric) are written into buf. */
static const char *cell_text(const reader *r, int col, char buf[DS_CELL_TEXT_MAX])
{
    const char *text = ds_table_cell_text(r->table, r->row, r->columns[col], buf);
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* The bytes of text without the spaces and tabs around them. */
static void trim(const char **text, size_t *len)
{
    const char *s = *text, *e = s + strlen(s);
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *text = s;
    *len = (size_t)(e - s);
}

/* A copy of a cell's text into *out (NULL when the cell is empty); DS_EDATA when the
 * cell is empty and required. */
static ds_status read_string(const reader *r, int col, bool required, const char **out)
{
    char buf[DS_CELL_TEXT_MAX];
    const char *text = cell_text(r, col, buf);
    *out = NULL;
    if (text == NULL)
        return required ? cell_error(r, col, EMPTY_CELL) : DS_OK;
    char *copy = strdup(text);
    if (copy == NULL)
        return ds_error_set(r->err, DS_ENOMEM, "out of memory");
    *out = copy;
    return DS_OK;
}

/* The number in a required cell, from a numeric column or parsed from a text one. */
static ds_status read_number(const reader *r, int col, double *value)
{
    size_t c = r->columns[col];
    if (ds_table_column_type(r->table, c) == DS_COLUMN_NUMBER) {
        if (ds_table_number(r->table, r->row, c, value) != DS_CELL_VALUE)
            return cell_error(r, col, EMPTY_CELL);
        return DS_OK;
    }
    char buf[DS_CELL_TEXT_MAX];
    const char *text = cell_text(r, col, buf);
    if (text == NULL)
        return cell_error(r, col, EMPTY_CELL);
    size_t len;
    trim(&text, &len);
    if (!ds_parse_number(text, len, value, NULL))
        return cell_error(r, col, "'%.*s' is not a number", (int)len, text);
    return DS_OK;
}

/* A required code cell, trimmed: its bytes. */
static ds_status read_code(const reader *r, int col, char buf[DS_CELL_TEXT_MAX],
                           const char **code, size_t *len)
{
    *code = cell_text(r, col, buf);
    if (*code == NULL)
        return cell_error(r, col, EMPTY_CELL);
    trim(code, len);
    if (*len == 0)
        return cell_error(r, col, EMPTY_CELL);
    return DS_OK;
}

/* Lower-case ASCII letters, digits and '_', starting with a letter, 1 to
 * DS_INDICATOR_ID_MAX bytes. */
static bool valid_id(const char *id, size_t len)
{
    if (len == 0 || len > DS_INDICATOR_ID_MAX || !(id[0] >= 'a' && id[0] <= 'z'))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* The '|'-separated list of base codes into a DS_BASE_BIT set. */
static ds_status read_bases(const reader *r, unsigned *bases)
{
    char buf[DS_CELL_TEXT_MAX];
    const char *text = cell_text(r, COL_BASES, buf);
    *bases = 0;
    if (text == NULL)
        return cell_error(r, COL_BASES, EMPTY_CELL);
    for (const char *p = text;;) {
        const char *bar = strchr(p, '|');
        size_t piece = bar != NULL ? (size_t)(bar - p) : strlen(p);
        const char *s = p, *e = p + piece;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        ds_base base;
        if (s == e)
            return cell_error(r, COL_BASES, "an empty base in '%s'", text);
        if (!base_parse_n(s, (size_t)(e - s), &base))
            return cell_error(r, COL_BASES,
                              "unknown base '%.*s' (expected prevention, acces_soins, "
                              "sante_env or sante_mentale, separated by '|')",
                              (int)(e - s), s);
        if (*bases & DS_BASE_BIT(base))
            return cell_error(r, COL_BASES, "base '%s' is listed twice", BASE_CODES[base]);
        *bases |= DS_BASE_BIT(base);
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return DS_OK;
}

/* Reads and checks the current row into *ind (its strings then belong to *ind, even on
 * failure). index is the row's index in file order; its id is added to ids. */
static ds_status read_row(const reader *r, ds_text_dict *ids, const ds_indicator *items,
                          size_t index, ds_indicator *ind)
{
    ds_status s;
    ind->line = r->line;

    /* id: valid and new. */
    char id_buf[DS_CELL_TEXT_MAX];
    const char *id = cell_text(r, COL_ID, id_buf);
    if (id == NULL)
        return cell_error(r, COL_ID, EMPTY_CELL);
    size_t id_len = strlen(id);
    if (id_len > DS_INDICATOR_ID_MAX)
        return cell_error(r, COL_ID, "'%.*s...' is longer than %d bytes", 20, id,
                          DS_INDICATOR_ID_MAX);
    if (!valid_id(id, id_len))
        return cell_error(r, COL_ID,
                          "'%s' is not a valid id (lower-case ASCII letters, digits and '_', "
                          "starting with a letter)",
                          id);
    uint32_t known = ds_text_dict_find(ids, id, id_len);
    if (known != UINT32_MAX)
        return cell_error(r, COL_ID, "id '%s' is already used on line %zu", id,
                          items[known].line);
    uint32_t k = ds_text_dict_intern(ids, id, id_len);
    if (k == UINT32_MAX)
        return ds_error_set(r->err, DS_ENOMEM, "out of memory");
    assert(k == index);
    (void)index;
    if ((s = read_string(r, COL_ID, true, &ind->id)) != DS_OK ||
        (s = read_string(r, COL_LABEL, true, &ind->label)) != DS_OK)
        return s;

    /* chapter: an integer 1..9. */
    double chapter;
    if ((s = read_number(r, COL_CHAPTER, &chapter)) != DS_OK)
        return s;
    if (!(chapter >= 1 && chapter <= DS_CHAPTER_COUNT && chapter == floor(chapter)))
        return cell_error(r, COL_CHAPTER, "%.17g is not a chapter (an integer from 1 to %d)",
                          chapter, DS_CHAPTER_COUNT);
    ind->chapter = (int)chapter;

    if ((s = read_bases(r, &ind->bases)) != DS_OK ||
        (s = read_string(r, COL_NUMERATOR, true, &ind->numerator)) != DS_OK ||
        (s = read_string(r, COL_DENOMINATOR, false, &ind->denominator)) != DS_OK)
        return s;

    char buf[DS_CELL_TEXT_MAX];
    const char *code;
    size_t len;
    if ((s = read_code(r, COL_KIND, buf, &code, &len)) != DS_OK)
        return s;
    if (!kind_parse_n(code, len, &ind->kind))
        return cell_error(r, COL_KIND,
                          "unknown kind '%.*s' (expected count, proportion, rate, dsr, isr, "
                          "mean, median or index)",
                          (int)len, code);

    if ((s = read_string(r, COL_UNIT, true, &ind->unit)) != DS_OK ||
        (s = read_number(r, COL_MULTIPLIER, &ind->multiplier)) != DS_OK)
        return s;
    if (!(isfinite(ind->multiplier) && ind->multiplier > 0.0))
        return cell_error(r, COL_MULTIPLIER, "the multiplier must be finite and > 0, got %.17g",
                          ind->multiplier);

    if ((s = read_code(r, COL_POLARITY, buf, &code, &len)) != DS_OK)
        return s;
    if (!polarity_parse_n(code, len, &ind->polarity))
        return cell_error(r, COL_POLARITY,
                          "unknown polarity '%.*s' (expected worse, better or context)",
                          (int)len, code);

    if ((s = read_string(r, COL_SOURCE, true, &ind->source)) != DS_OK ||
        (s = read_string(r, COL_NUMERATOR_COLUMN, false, &ind->numerator_column)) != DS_OK ||
        (s = read_string(r, COL_DENOMINATOR_COLUMN, false, &ind->denominator_column)) !=
            DS_OK ||
        (s = read_string(r, COL_VALUE_COLUMN, false, &ind->value_column)) != DS_OK)
        return s;

    if ((s = read_code(r, COL_AGGREGABLE, buf, &code, &len)) != DS_OK)
        return s;
    if (len == 3 && memcmp(code, "yes", 3) == 0)
        ind->aggregable = true;
    else if (len == 2 && memcmp(code, "no", 2) == 0)
        ind->aggregable = false;
    else
        return cell_error(r, COL_AGGREGABLE, "'%.*s' is neither yes nor no", (int)len, code);

    /* The rules between fields. */
    const char *kind = KIND_CODES[ind->kind];
    if (ds_indicator_kind_needs_denominator(ind->kind) && ind->denominator == NULL)
        return cell_error(r, COL_DENOMINATOR, "kind %s needs a denominator", kind);
    if ((ind->kind == DS_KIND_COUNT || ind->kind == DS_KIND_MEDIAN) && ind->denominator != NULL)
        return cell_error(r, COL_DENOMINATOR, "kind %s has no denominator: leave the cell empty",
                          kind);
    if (ind->denominator_column != NULL && ind->denominator == NULL)
        return cell_error(r, COL_DENOMINATOR_COLUMN,
                          "a denominator column without a denominator (fill 'denominator')");
    if (strcmp(ind->unit, "%") == 0 && ind->multiplier != 100.0)
        return cell_error(r, COL_MULTIPLIER, "unit %% needs multiplier 100, got %.17g",
                          ind->multiplier);
    if (strstr(ind->unit, "\xe2\x80\xb0") != NULL && ind->multiplier != 1000.0) /* U+2030 ‰ */
        return cell_error(r, COL_MULTIPLIER, "unit '%s' needs multiplier 1000, got %.17g",
                          ind->unit, ind->multiplier);
    if (ind->aggregable) {
        if (ind->kind == DS_KIND_MEDIAN || ind->kind == DS_KIND_DSR)
            return cell_error(r, COL_AGGREGABLE,
                              "kind %s cannot be aggregable: summing counts over communes "
                              "does not give it",
                              kind);
        if (ind->numerator_column == NULL)
            return cell_error(r, COL_NUMERATOR_COLUMN,
                              "an aggregable indicator needs a numerator column");
        if ((ind->kind == DS_KIND_MEAN || ind->kind == DS_KIND_INDEX) &&
            ind->denominator == NULL)
            return cell_error(r, COL_DENOMINATOR,
                              "an aggregable indicator of kind %s needs a denominator: a sum "
                              "of values alone is no %s",
                              kind, kind);
        if (ind->denominator != NULL && ind->denominator_column == NULL)
            return cell_error(r, COL_DENOMINATOR_COLUMN,
                              "an aggregable indicator with a denominator needs a denominator "
                              "column");
    } else if (ind->value_column == NULL) {
        return cell_error(r, COL_VALUE_COLUMN,
                          "an indicator that is not aggregable needs a value column");
    }
    return DS_OK;
}

/* --- The dictionary --------------------------------------------------------------------- */

void ds_dictionary_free(ds_dictionary *dict)
{
    if (dict == NULL)
        return;
    for (size_t i = 0; i < dict->n; i++) {
        ds_indicator *ind = &dict->items[i];
        free((char *)ind->id);
        free((char *)ind->label);
        free((char *)ind->numerator);
        free((char *)ind->denominator);
        free((char *)ind->unit);
        free((char *)ind->source);
        free((char *)ind->numerator_column);
        free((char *)ind->denominator_column);
        free((char *)ind->value_column);
    }
    free(dict->items);
    ds_text_dict_free(&dict->ids);
    for (int c = 0; c < DS_CHAPTER_COUNT; c++)
        free(dict->chapters[c]);
    for (int b = 0; b < DS_BASE_COUNT; b++)
        free(dict->bases[b]);
    free(dict->path);
    free(dict);
}

/* Fills the per-chapter and per-base arrays of pointers (file order). */
static bool build_groups(ds_dictionary *dict)
{
    for (size_t i = 0; i < dict->n; i++) {
        const ds_indicator *ind = &dict->items[i];
        dict->chapter_n[ind->chapter - 1]++;
        for (int b = 0; b < DS_BASE_COUNT; b++)
            if (ind->bases & DS_BASE_BIT(b))
                dict->base_n[b]++;
    }
    for (int c = 0; c < DS_CHAPTER_COUNT; c++) {
        dict->chapters[c] = calloc(dict->chapter_n[c] ? dict->chapter_n[c] : 1,
                                   sizeof *dict->chapters[c]);
        if (dict->chapters[c] == NULL)
            return false;
        dict->chapter_n[c] = 0;
    }
    for (int b = 0; b < DS_BASE_COUNT; b++) {
        dict->bases[b] = calloc(dict->base_n[b] ? dict->base_n[b] : 1, sizeof *dict->bases[b]);
        if (dict->bases[b] == NULL)
            return false;
        dict->base_n[b] = 0;
    }
    for (size_t i = 0; i < dict->n; i++) {
        const ds_indicator *ind = &dict->items[i];
        int c = ind->chapter - 1;
        dict->chapters[c][dict->chapter_n[c]++] = ind;
        for (int b = 0; b < DS_BASE_COUNT; b++)
            if (ind->bases & DS_BASE_BIT(b))
                dict->bases[b][dict->base_n[b]++] = ind;
    }
    return true;
}

ds_status ds_dictionary_load(const char *path, ds_dictionary **out, ds_error *err)
{
    if (out == NULL || path == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_dictionary_load: %s is NULL",
                            out == NULL ? "out" : "path");
    *out = NULL;
    ds_csv_options options;
    ds_csv_options_init(&options);
    options.skip_lines = 0; /* the header is line 1: no title lines */
    ds_table *table = NULL;
    ds_status s = ds_table_load(path, &options, &table, err);
    if (s != DS_OK)
        return s;

    reader r = {.path = path, .table = table, .err = err};
    size_t header_line = ds_table_report(table)->header_line;
    for (int col = 0; col < N_COLS; col++) {
        long c = ds_table_column_index(table, COLUMN_NAMES[col]);
        if (c < 0) {
            ds_table_free(table);
            return ds_error_set(err, DS_EDATA, "%s, line %zu, column '%s': no such column",
                                path, header_line, COLUMN_NAMES[col]);
        }
        r.columns[col] = (size_t)c;
    }

    size_t rows = ds_table_rows(table);
    ds_dictionary *dict = calloc(1, sizeof *dict);
    if (dict != NULL) {
        ds_text_dict_init(&dict->ids);
        dict->path = strdup(path);
        dict->items = calloc(rows ? rows : 1, sizeof *dict->items);
    }
    if (dict == NULL || dict->path == NULL || dict->items == NULL) {
        ds_dictionary_free(dict);
        ds_table_free(table);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < rows && s == DS_OK; i++) {
        r.row = i;
        r.line = ds_table_row_line(table, i);
        dict->n = i + 1; /* the row's strings are freed with the dictionary, even on failure */
        s = read_row(&r, &dict->ids, dict->items, i, &dict->items[i]);
    }
    ds_table_free(table);
    if (s == DS_OK && dict->n == 0)
        s = ds_error_set(err, DS_EDATA, "%s: no indicator", path);
    if (s == DS_OK && !build_groups(dict))
        s = ds_error_set(err, DS_ENOMEM, "out of memory");
    if (s != DS_OK) {
        ds_dictionary_free(dict);
        return s;
    }
    *out = dict;
    return DS_OK;
}

const char *ds_dictionary_path(const ds_dictionary *dict)
{
    return dict != NULL ? dict->path : NULL;
}

size_t ds_dictionary_count(const ds_dictionary *dict)
{
    return dict != NULL ? dict->n : 0;
}

const ds_indicator *ds_dictionary_indicator(const ds_dictionary *dict, size_t i)
{
    return dict != NULL && i < dict->n ? &dict->items[i] : NULL;
}

const ds_indicator *ds_dictionary_find(const ds_dictionary *dict, const char *id)
{
    if (dict == NULL || id == NULL)
        return NULL;
    uint32_t k = ds_text_dict_find(&dict->ids, id, strlen(id));
    return k != UINT32_MAX ? &dict->items[k] : NULL;
}

const ds_indicator *const *ds_dictionary_chapter(const ds_dictionary *dict, int chapter,
                                                 size_t *n)
{
    if (dict == NULL || chapter < 1 || chapter > DS_CHAPTER_COUNT) {
        if (n != NULL)
            *n = 0;
        return NULL;
    }
    if (n != NULL)
        *n = dict->chapter_n[chapter - 1];
    return (const ds_indicator *const *)dict->chapters[chapter - 1];
}

const ds_indicator *const *ds_dictionary_base(const ds_dictionary *dict, ds_base base,
                                              size_t *n)
{
    if (dict == NULL || (unsigned)base >= DS_BASE_COUNT) {
        if (n != NULL)
            *n = 0;
        return NULL;
    }
    if (n != NULL)
        *n = dict->base_n[base];
    return (const ds_indicator *const *)dict->bases[base];
}

size_t ds_dictionary_base_count(const ds_dictionary *dict, ds_base base)
{
    return dict != NULL && (unsigned)base < DS_BASE_COUNT ? dict->base_n[base] : 0;
}
