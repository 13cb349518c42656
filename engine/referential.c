/* diagsante — the territorial referential (include/diagsante/referential.h).
 *
 * The tables are read with ds_table_load (csv_table.h), the project's only CSV reader.
 * Entities live in arrays, one per level, indexed by position; a private
 * open-addressing hash maps codes to positions. Communes point to their département,
 * région and EPCI; the reverse lists (communes of a département, région, EPCI) are
 * built once after loading as compressed groups (first[g] .. first[g + 1] - 1 in one
 * array). Every query resolves an entity to its set of current communes and works
 * from there, so that the nesting rules live in one place. */
#include "diagsante/referential.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/csv_table.h"
#include "text_dict.h"

#define NONE SIZE_MAX

/* --- strings and small vectors ------------------------------------------------------ */

/* A malloc'ed copy of s (NULL in, NULL out; NULL when memory runs out). */
static char *dup_text(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

/* True when both strings are NULL or equal. */
static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* A growable array of indices. */
typedef struct idx_vec {
    size_t n, cap;
    size_t *v;
} idx_vec;

/* Appends x; false when memory runs out (the vector is unchanged). */
static bool vec_push(idx_vec *vec, size_t x)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 8;
        size_t *v = realloc(vec->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        vec->v = v;
        vec->cap = cap;
    }
    vec->v[vec->n++] = x;
    return true;
}

/* qsort order of indices. */
static int compare_index(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the vector and removes repeated indices. */
static void vec_sort_unique(idx_vec *vec)
{
    if (vec->n < 2)
        return;
    qsort(vec->v, vec->n, sizeof *vec->v, compare_index);
    size_t out = 1;
    for (size_t i = 1; i < vec->n; i++)
        if (vec->v[i] != vec->v[out - 1])
            vec->v[out++] = vec->v[i];
    vec->n = out;
}

/* True when x is in the vector (linear scan: vectors here are short). */
static bool vec_contains(const idx_vec *vec, size_t x)
{
    for (size_t i = 0; i < vec->n; i++)
        if (vec->v[i] == x)
            return true;
    return false;
}

/* --- code -> index map ----------------------------------------------------------------- */

/* Codes interned in a text dictionary (text_dict.h), with one value per dictionary id. */
typedef struct index_map {
    ds_text_dict keys;
    size_t *values; /* values[id] for each key id */
    size_t values_cap;
} index_map;

/* The value of key, or NONE. */
static size_t map_get(const index_map *m, const char *key)
{
    if (key == NULL)
        return NONE;
    uint32_t id = ds_text_dict_find(&m->keys, key, strlen(key));
    return id == UINT32_MAX ? NONE : m->values[id];
}

/* Grows the value array to match `wanted` keys. */
static bool map_reserve_values(index_map *m, size_t wanted)
{
    if (wanted <= m->values_cap)
        return true;
    size_t cap = m->values_cap ? m->values_cap : 64;
    while (cap < wanted)
        cap *= 2;
    size_t *values = realloc(m->values, cap * sizeof *values);
    if (values == NULL)
        return false;
    m->values = values;
    m->values_cap = cap;
    return true;
}

/* Makes room for `keys` more keys of `bytes` bytes in all, so that the next map_put
 * calls for them cannot fail. */
static bool map_reserve(index_map *m, size_t keys, size_t bytes)
{
    return ds_text_dict_reserve(&m->keys, keys, bytes) &&
           map_reserve_values(m, m->keys.count + keys);
}

/* Sets key -> value (the key is copied). False when memory runs out. */
static bool map_put(index_map *m, const char *key, size_t value)
{
    if (!map_reserve_values(m, m->keys.count + 1))
        return false;
    uint32_t id = ds_text_dict_intern(&m->keys, key, strlen(key));
    if (id == UINT32_MAX)
        return false;
    m->values[id] = value;
    return true;
}

/* Frees the map and leaves an empty one. */
static void map_free(index_map *m)
{
    ds_text_dict_free(&m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

/* --- the referential ------------------------------------------------------------------ */

typedef struct region {
    char *code, *name;
    long long population;
} region;

typedef struct departement {
    char *code, *name;
    size_t region;
    long long population;
} departement;

typedef struct epci {
    char *code, *name, *type;
    long long population;
} epci;

typedef struct commune {
    char *code, *name;
    size_t departement, region, epci; /* epci: NONE for the few communes in none */
    long long population;             /* -1 when unknown */
} commune;

typedef struct arrondissement {
    char *code, *name;
    size_t commune;
    long long population;
} arrondissement;

typedef struct former {
    char *code, *name, *kind;
    size_t commune;
} former;

typedef struct qpv {
    char *code;
    idx_vec communes; /* sorted, unique */
} qpv;

typedef struct member {
    ds_level level; /* DS_LEVEL_COMMUNE, DS_LEVEL_EPCI or DS_LEVEL_QPV */
    size_t index;
} member;

typedef struct territory {
    char *id, *name, *kind, *status, *start, *end;
    size_t n_members;
    member *members;
} territory;

/* Groups of communes: the communes of group g are items[first[g] .. first[g + 1]). */
typedef struct groups {
    size_t *first, *items;
} groups;

struct ds_referential {
    char *vintage;
    region *regions;
    departement *departements;
    epci *epcis;
    commune *communes;
    arrondissement *arrondissements;
    former *formers;
    qpv *qpvs;
    territory *territories;
    size_t n[DS_LEVEL_COUNT]; /* entities per level */
    size_t n_arrondissements, n_formers, cap_qpvs;
    index_map index[DS_LEVEL_COUNT], arrondissement_index, former_index;
    groups by_region, by_departement, by_epci, qpv_of_commune; /* the last: QPV per commune */
};

static const char *const LEVEL_NAMES[DS_LEVEL_COUNT] = {
    "commune", "epci", "departement", "region", "qpv", "territory"};

/* The level's name, "?" when out of range. Static storage. */
const char *ds_level_name(ds_level level)
{
    return (unsigned)level < DS_LEVEL_COUNT ? LEVEL_NAMES[level] : "?";
}

/* The level named name (exact, lower case); false when none. */
bool ds_level_from_name(const char *name, ds_level *level)
{
    for (int l = 0; name != NULL && l < DS_LEVEL_COUNT; l++) {
        if (strcmp(name, LEVEL_NAMES[l]) == 0) {
            *level = (ds_level)l;
            return true;
        }
    }
    return false;
}

/* Frees the items and leaves an empty list. Accepts NULL. */
void ds_code_list_free(ds_code_list *list)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    list->count = 0;
    list->items = NULL;
}

/* Frees a grouping and leaves it empty. */
static void groups_free(groups *g)
{
    free(g->first);
    free(g->items);
    g->first = g->items = NULL;
}

/* Frees what a territory owns (not the struct itself). */
static void territory_free_fields(territory *t)
{
    free(t->id);
    free(t->name);
    free(t->kind);
    free(t->status);
    free(t->start);
    free(t->end);
    free(t->members);
}

/* Frees everything. Accepts NULL. */
void ds_referential_free(ds_referential *ref)
{
    if (ref == NULL)
        return;
    for (size_t i = 0; i < ref->n[DS_LEVEL_REGION]; i++)
        free(ref->regions[i].code), free(ref->regions[i].name);
    for (size_t i = 0; i < ref->n[DS_LEVEL_DEPARTEMENT]; i++)
        free(ref->departements[i].code), free(ref->departements[i].name);
    for (size_t i = 0; i < ref->n[DS_LEVEL_EPCI]; i++)
        free(ref->epcis[i].code), free(ref->epcis[i].name), free(ref->epcis[i].type);
    for (size_t i = 0; i < ref->n[DS_LEVEL_COMMUNE]; i++)
        free(ref->communes[i].code), free(ref->communes[i].name);
    for (size_t i = 0; i < ref->n_arrondissements; i++)
        free(ref->arrondissements[i].code), free(ref->arrondissements[i].name);
    for (size_t i = 0; i < ref->n_formers; i++)
        free(ref->formers[i].code), free(ref->formers[i].name), free(ref->formers[i].kind);
    for (size_t i = 0; i < ref->n[DS_LEVEL_QPV]; i++)
        free(ref->qpvs[i].code), free(ref->qpvs[i].communes.v);
    for (size_t i = 0; i < ref->n[DS_LEVEL_TERRITORY]; i++)
        territory_free_fields(&ref->territories[i]);
    free(ref->regions);
    free(ref->departements);
    free(ref->epcis);
    free(ref->communes);
    free(ref->arrondissements);
    free(ref->formers);
    free(ref->qpvs);
    free(ref->territories);
    for (int l = 0; l < DS_LEVEL_COUNT; l++)
        map_free(&ref->index[l]);
    map_free(&ref->arrondissement_index);
    map_free(&ref->former_index);
    groups_free(&ref->by_region);
    groups_free(&ref->by_departement);
    groups_free(&ref->by_epci);
    groups_free(&ref->qpv_of_commune);
    free(ref->vintage);
    free(ref);
}

/* --- reading tables ------------------------------------------------------------------ */

/* One loaded table and where it came from, for messages. */
typedef struct reader {
    const char *path;
    ds_table *table;
} reader;

/* Reports an allocation failure. */
static ds_status nomem(ds_error *err)
{
    return ds_error_set(err, DS_ENOMEM, "out of memory");
}

/* Loads path; referential tables are fixed-format (comma, UTF-8, header on line 1),
 * user tables (QPV, territories) are detected. */
static ds_status reader_open(reader *r, const char *path, bool fixed_format, ds_error *err)
{
    ds_csv_options options;
    ds_csv_options_init(&options);
    if (fixed_format) {
        options.separator = ',';
        options.encoding = DS_ENCODING_UTF8;
        options.skip_lines = 0;
    }
    r->path = path;
    r->table = NULL;
    return ds_table_load(path, &options, &r->table, err);
}

/* The index of a column; DS_EDATA naming file and column when it is absent and
 * required (an optional absent column gives -1). */
static ds_status reader_column(const reader *r, const char *name, bool required, long *column,
                               ds_error *err)
{
    *column = ds_table_column_index(r->table, name);
    if (*column < 0 && required)
        return ds_error_set(err, DS_EDATA, "%s: no column '%s'", r->path, name);
    return DS_OK;
}

/* The text of a cell, NULL when the cell is missing or the column absent (-1).
 * Numbers (a code column taken as numeric) are written back as text into buf. */
static const char *reader_text(const reader *r, size_t row, long column, char buf[64])
{
    if (column < 0)
        return NULL;
    if (ds_table_column_type(r->table, (size_t)column) == DS_COLUMN_NUMBER) {
        double v;
        if (ds_table_number(r->table, row, (size_t)column, &v) != DS_CELL_VALUE)
            return NULL;
        snprintf(buf, 64, "%.17g", v);
        return buf;
    }
    const char *text = ds_table_text(r->table, row, (size_t)column);
    return text != NULL && text[0] != '\0' ? text : NULL;
}

/* Prefix "path, line N, column 'name'" of messages about a cell. */
#define CELL_FMT "%s, line %zu, column '%s'"
#define CELL_ARGS(r, row, column) \
    (r)->path, ds_table_row_line((r)->table, row), ds_table_column_name((r)->table, (size_t)(column))

/* A required text cell (DS_EDATA when missing). */
static ds_status reader_required(const reader *r, size_t row, long column, char buf[64],
                                 const char **text, ds_error *err)
{
    *text = reader_text(r, row, column, buf);
    if (*text == NULL)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": missing value", CELL_ARGS(r, row, column));
    return DS_OK;
}

/* A cell normalised as a code of kind into out; "" when missing and not required. */
static ds_status reader_code(const reader *r, size_t row, long column, ds_code_kind kind,
                             bool required, char out[DS_CODE_MAX], ds_error *err)
{
    char buf[64];
    const char *text = reader_text(r, row, column, buf);
    out[0] = '\0';
    if (text == NULL) {
        if (!required)
            return DS_OK;
        return ds_error_set(err, DS_EDATA, CELL_FMT ": missing %s code", CELL_ARGS(r, row, column),
                            ds_code_kind_name(kind));
    }
    ds_error why;
    ds_error_clear(&why);
    if (ds_code_normalize(kind, text, out, &why) != DS_OK)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": '%s' is not a %s code (%s)",
                            CELL_ARGS(r, row, column), text, ds_code_kind_name(kind), why.message);
    return DS_OK;
}

/* Normalises a commune code of any vintage: the current forms of codes.h, else the
 * historical form (5 digits or 2A/2B + 3 digits, upper-cased, a lost leading zero
 * restored), for the codes of former départements such as 20 (Corsica before 1976)
 * that no current code can have. */
static ds_status normalize_any_vintage(const char *text, char out[DS_CODE_MAX], ds_error *why)
{
    if (ds_code_normalize(DS_CODE_COMMUNE, text, out, why) == DS_OK)
        return DS_OK;
    while (*text == ' ')
        text++;
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == ' ')
        n--;
    if (n != 4 && n != 5)
        return DS_EDATA;
    char code[6];
    size_t start = 5 - n;
    code[0] = '0';
    for (size_t k = 0; k < n; k++) {
        char ch = text[k];
        code[start + k] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    }
    code[5] = '\0';
    bool corsica = code[0] == '2' && (code[1] == 'A' || code[1] == 'B');
    for (size_t k = corsica ? 2 : 0; k < 5; k++)
        if (code[k] < '0' || code[k] > '9')
            return DS_EDATA;
    memcpy(out, code, 6);
    if (why != NULL)
        ds_error_clear(why);
    return DS_OK;
}

/* A population cell: a whole number >= 0, or -1 when missing or the column absent. */
static ds_status reader_population(const reader *r, size_t row, long column, long long *out,
                                   ds_error *err)
{
    *out = -1;
    if (column < 0)
        return DS_OK;
    double v;
    if (ds_table_column_type(r->table, (size_t)column) == DS_COLUMN_NUMBER) {
        ds_cell_status status = ds_table_number(r->table, row, (size_t)column, &v);
        if (status != DS_CELL_VALUE)
            return DS_OK;
    } else {
        const char *text = ds_table_text(r->table, row, (size_t)column);
        if (text == NULL || text[0] == '\0')
            return DS_OK;
        if (!ds_parse_number(text, strlen(text), &v, NULL))
            return ds_error_set(err, DS_EDATA, CELL_FMT ": '%s' is not a population",
                                CELL_ARGS(r, row, column), text);
    }
    if (!(v >= 0 && v < 1e15 && v == floor(v)))
        return ds_error_set(err, DS_EDATA, CELL_FMT ": %.17g is not a population (a count)",
                            CELL_ARGS(r, row, column), v);
    *out = (long long)v;
    return DS_OK;
}

/* Joins dir and name into a new string. */
static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *path = malloc(a + b + 2);
    if (path == NULL)
        return NULL;
    memcpy(path, dir, a);
    size_t n = a;
    if (a > 0 && dir[a - 1] != '/')
        path[n++] = '/';
    memcpy(path + n, name, b + 1);
    return path;
}

/* Opens dir/name as a fixed-format referential table. */
static ds_status open_table(const char *dir, const char *name, reader *r, char **path,
                            ds_error *err)
{
    *path = join_path(dir, name);
    r->table = NULL;
    if (*path == NULL)
        return nomem(err);
    return reader_open(r, *path, true, err);
}

/* Reads the one line of dir/VERSION into ref->vintage. */
static ds_status load_version(ds_referential *ref, const char *dir, ds_error *err)
{
    char *path = join_path(dir, "VERSION");
    if (path == NULL)
        return nomem(err);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        ds_status s = ds_error_set(err, DS_ENOINPUT, "%s: cannot open", path);
        free(path);
        return s;
    }
    char line[512];
    ds_status s = DS_OK;
    if (fgets(line, sizeof line, f) == NULL) {
        s = ds_error_set(err, ferror(f) ? DS_EIO : DS_EDATA, "%s: %s", path,
                         ferror(f) ? "read error" : "empty file");
    } else {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (n == 0)
            s = ds_error_set(err, DS_EDATA, "%s, line 1: empty vintage line", path);
        else if ((ref->vintage = dup_text(line)) == NULL)
            s = nomem(err);
    }
    fclose(f);
    free(path);
    return s;
}

/* Allocates an array of n elements of size each (at least one). */
static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

/* Adds code -> i to an index; DS_EDATA when the code is already there. */
static ds_status index_add(index_map *m, const char *code, size_t i, const reader *r, size_t row,
                           long column, ds_error *err)
{
    if (map_get(m, code) != NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": code %s appears twice", CELL_ARGS(r, row, column),
                            code);
    return map_put(m, code, i) ? DS_OK : nomem(err);
}

/* regions.csv: code, name. Codes unique. */
static ds_status load_regions(ds_referential *ref, const reader *r, ds_error *err)
{
    long c_code, c_name;
    ds_status s;
    if ((s = reader_column(r, "code", true, &c_code, err)) != DS_OK ||
        (s = reader_column(r, "name", true, &c_name, err)) != DS_OK)
        return s;
    size_t rows = ds_table_rows(r->table);
    if ((ref->regions = alloc_array(rows, sizeof *ref->regions)) == NULL)
        return nomem(err);
    for (size_t row = 0; row < rows; row++) {
        char code[DS_CODE_MAX], buf[64];
        const char *name;
        if ((s = reader_code(r, row, c_code, DS_CODE_REGION, true, code, err)) != DS_OK ||
            (s = reader_required(r, row, c_name, buf, &name, err)) != DS_OK)
            return s;
        region *g = &ref->regions[ref->n[DS_LEVEL_REGION]];
        if ((g->code = dup_text(code)) == NULL || (g->name = dup_text(name)) == NULL) {
            free(g->code);
            return nomem(err);
        }
        ref->n[DS_LEVEL_REGION]++;
        if ((s = index_add(&ref->index[DS_LEVEL_REGION], g->code, ref->n[DS_LEVEL_REGION] - 1, r,
                           row, c_code, err)) != DS_OK)
            return s;
    }
    return DS_OK;
}

/* departements.csv: code, name, region (a known région). Codes unique. */
static ds_status load_departements(ds_referential *ref, const reader *r, ds_error *err)
{
    long c_code, c_name, c_region;
    ds_status s;
    if ((s = reader_column(r, "code", true, &c_code, err)) != DS_OK ||
        (s = reader_column(r, "name", true, &c_name, err)) != DS_OK ||
        (s = reader_column(r, "region", true, &c_region, err)) != DS_OK)
        return s;
    size_t rows = ds_table_rows(r->table);
    if ((ref->departements = alloc_array(rows, sizeof *ref->departements)) == NULL)
        return nomem(err);
    for (size_t row = 0; row < rows; row++) {
        char code[DS_CODE_MAX], reg[DS_CODE_MAX], buf[64];
        const char *name;
        if ((s = reader_code(r, row, c_code, DS_CODE_DEPARTEMENT, true, code, err)) != DS_OK ||
            (s = reader_required(r, row, c_name, buf, &name, err)) != DS_OK ||
            (s = reader_code(r, row, c_region, DS_CODE_REGION, true, reg, err)) != DS_OK)
            return s;
        size_t g = map_get(&ref->index[DS_LEVEL_REGION], reg);
        if (g == NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": unknown région %s", CELL_ARGS(r, row, c_region),
                                reg);
        departement *d = &ref->departements[ref->n[DS_LEVEL_DEPARTEMENT]];
        if ((d->code = dup_text(code)) == NULL || (d->name = dup_text(name)) == NULL) {
            free(d->code);
            return nomem(err);
        }
        d->region = g;
        ref->n[DS_LEVEL_DEPARTEMENT]++;
        if ((s = index_add(&ref->index[DS_LEVEL_DEPARTEMENT], d->code,
                           ref->n[DS_LEVEL_DEPARTEMENT] - 1, r, row, c_code, err)) != DS_OK)
            return s;
    }
    return DS_OK;
}

/* epci.csv: code (SIREN), name, optional type. Codes unique; the DGCL population
 * columns are not read (EPCI populations are sums of communes). */
static ds_status load_epcis(ds_referential *ref, const reader *r, ds_error *err)
{
    long c_code, c_name, c_type;
    ds_status s;
    if ((s = reader_column(r, "code", true, &c_code, err)) != DS_OK ||
        (s = reader_column(r, "name", true, &c_name, err)) != DS_OK ||
        (s = reader_column(r, "type", false, &c_type, err)) != DS_OK)
        return s;
    size_t rows = ds_table_rows(r->table);
    if ((ref->epcis = alloc_array(rows, sizeof *ref->epcis)) == NULL)
        return nomem(err);
    for (size_t row = 0; row < rows; row++) {
        char code[DS_CODE_MAX], buf[64], tbuf[64];
        const char *name, *type;
        if ((s = reader_code(r, row, c_code, DS_CODE_EPCI, true, code, err)) != DS_OK ||
            (s = reader_required(r, row, c_name, buf, &name, err)) != DS_OK)
            return s;
        type = reader_text(r, row, c_type, tbuf);
        epci *e = &ref->epcis[ref->n[DS_LEVEL_EPCI]];
        if ((e->code = dup_text(code)) == NULL || (e->name = dup_text(name)) == NULL ||
            (type != NULL && (e->type = dup_text(type)) == NULL)) {
            free(e->code);
            free(e->name);
            return nomem(err);
        }
        ref->n[DS_LEVEL_EPCI]++;
        if ((s = index_add(&ref->index[DS_LEVEL_EPCI], e->code, ref->n[DS_LEVEL_EPCI] - 1, r, row,
                           c_code, err)) != DS_OK)
            return s;
    }
    return DS_OK;
}

/* The columns of communes.csv. */
typedef struct commune_columns {
    long code, name, type, departement, region, epci, parent, population;
} commune_columns;

/* Reads the département and région of a communes.csv row and checks they agree. */
static ds_status commune_place(const ds_referential *ref, const reader *r, size_t row,
                               const commune_columns *c, size_t *dep, size_t *reg, ds_error *err)
{
    char code[DS_CODE_MAX];
    ds_status s;
    if ((s = reader_code(r, row, c->departement, DS_CODE_DEPARTEMENT, true, code, err)) != DS_OK)
        return s;
    if ((*dep = map_get(&ref->index[DS_LEVEL_DEPARTEMENT], code)) == NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": unknown département %s",
                            CELL_ARGS(r, row, c->departement), code);
    if ((s = reader_code(r, row, c->region, DS_CODE_REGION, true, code, err)) != DS_OK)
        return s;
    if ((*reg = map_get(&ref->index[DS_LEVEL_REGION], code)) == NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": unknown région %s",
                            CELL_ARGS(r, row, c->region), code);
    if (ref->departements[*dep].region != *reg)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": région %s is not the région of département %s (%s)",
                            CELL_ARGS(r, row, c->region), code, ref->departements[*dep].code,
                            ref->regions[ref->departements[*dep].region].code);
    return DS_OK;
}

/* One row of communes.csv: a current commune (arrondissements = false) or a municipal
 * arrondissement (arrondissements = true); rows of the other type are skipped. */
static ds_status load_commune_row(ds_referential *ref, const reader *r, size_t row,
                                  const commune_columns *c, bool arrondissements, ds_error *err)
{
    char buf[64], code[DS_CODE_MAX], other[DS_CODE_MAX];
    const char *type, *name;
    ds_status s;
    if ((s = reader_required(r, row, c->type, buf, &type, err)) != DS_OK)
        return s;
    bool is_arrondissement = strcmp(type, "arrondissement-municipal") == 0;
    if (!is_arrondissement && strcmp(type, "commune-actuelle") != 0)
        return ds_error_set(err, DS_EDATA,
                            CELL_FMT ": type '%s' is neither commune-actuelle nor arrondissement-municipal",
                            CELL_ARGS(r, row, c->type), type);
    if (is_arrondissement != arrondissements)
        return DS_OK;
    size_t dep = NONE, reg = NONE;
    long long population;
    if ((s = reader_code(r, row, c->code, DS_CODE_COMMUNE, true, code, err)) != DS_OK ||
        (s = commune_place(ref, r, row, c, &dep, &reg, err)) != DS_OK ||
        (s = reader_population(r, row, c->population, &population, err)) != DS_OK ||
        (s = reader_required(r, row, c->name, buf, &name, err)) != DS_OK)
        return s;
    char own[DS_CODE_MAX];
    if (ds_code_departement_of(DS_CODE_COMMUNE, code, own, NULL) != DS_OK ||
        strcmp(own, ref->departements[dep].code) != 0)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": commune %s is not in département %s",
                            CELL_ARGS(r, row, c->code), code, ref->departements[dep].code);
    if (map_get(&ref->index[DS_LEVEL_COMMUNE], code) != NONE ||
        map_get(&ref->arrondissement_index, code) != NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": code %s appears twice", CELL_ARGS(r, row, c->code),
                            code);
    if (!is_arrondissement) {
        size_t e = NONE;
        if ((s = reader_code(r, row, c->epci, DS_CODE_EPCI, false, other, err)) != DS_OK)
            return s;
        if (other[0] != '\0' && (e = map_get(&ref->index[DS_LEVEL_EPCI], other)) == NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": unknown EPCI %s", CELL_ARGS(r, row, c->epci),
                                other);
        if ((s = reader_code(r, row, c->parent, DS_CODE_COMMUNE, false, other, err)) != DS_OK)
            return s;
        if (other[0] != '\0')
            return ds_error_set(err, DS_EDATA, CELL_FMT ": a current commune has no parent commune",
                                CELL_ARGS(r, row, c->parent));
        commune *m = &ref->communes[ref->n[DS_LEVEL_COMMUNE]];
        if ((m->code = dup_text(code)) == NULL || (m->name = dup_text(name)) == NULL) {
            free(m->code);
            return nomem(err);
        }
        *m = (commune){m->code, m->name, dep, reg, e, population};
        ref->n[DS_LEVEL_COMMUNE]++;
        return map_put(&ref->index[DS_LEVEL_COMMUNE], m->code, ref->n[DS_LEVEL_COMMUNE] - 1)
                   ? DS_OK
                   : nomem(err);
    }
    if ((s = reader_code(r, row, c->parent, DS_CODE_COMMUNE, true, other, err)) != DS_OK)
        return s;
    size_t parent = map_get(&ref->index[DS_LEVEL_COMMUNE], other);
    if (parent == NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": parent %s is no current commune",
                            CELL_ARGS(r, row, c->parent), other);
    if (ref->communes[parent].departement != dep)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": not the département of the parent commune %s",
                            CELL_ARGS(r, row, c->departement), other);
    if ((s = reader_code(r, row, c->epci, DS_CODE_EPCI, false, other, err)) != DS_OK)
        return s;
    if (other[0] != '\0')
        return ds_error_set(err, DS_EDATA, CELL_FMT ": an arrondissement belongs to the EPCI of its commune; leave it empty",
                            CELL_ARGS(r, row, c->epci));
    arrondissement *a = &ref->arrondissements[ref->n_arrondissements];
    if ((a->code = dup_text(code)) == NULL || (a->name = dup_text(name)) == NULL) {
        free(a->code);
        return nomem(err);
    }
    a->commune = parent;
    a->population = population;
    ref->n_arrondissements++;
    return map_put(&ref->arrondissement_index, a->code, ref->n_arrondissements - 1) ? DS_OK
                                                                                    : nomem(err);
}

/* communes.csv: current communes and municipal arrondissements (see load_commune_row). */
static ds_status load_communes(ds_referential *ref, const reader *r, ds_error *err)
{
    commune_columns c;
    ds_status s;
    if ((s = reader_column(r, "code", true, &c.code, err)) != DS_OK ||
        (s = reader_column(r, "name", true, &c.name, err)) != DS_OK ||
        (s = reader_column(r, "type", true, &c.type, err)) != DS_OK ||
        (s = reader_column(r, "departement", true, &c.departement, err)) != DS_OK ||
        (s = reader_column(r, "region", true, &c.region, err)) != DS_OK ||
        (s = reader_column(r, "epci", true, &c.epci, err)) != DS_OK ||
        (s = reader_column(r, "commune", true, &c.parent, err)) != DS_OK ||
        (s = reader_column(r, "population_municipale", true, &c.population, err)) != DS_OK)
        return s;
    size_t rows = ds_table_rows(r->table);
    if ((ref->communes = alloc_array(rows, sizeof *ref->communes)) == NULL ||
        (ref->arrondissements = alloc_array(rows, sizeof *ref->arrondissements)) == NULL)
        return nomem(err);
    /* Communes first, so that an arrondissement may come before its commune. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t row = 0; row < rows; row++)
            if ((s = load_commune_row(ref, r, row, &c, pass == 1, err)) != DS_OK)
                return s;
    return DS_OK;
}

/* commune_history.csv: old_code, old_name, kind, current_code. Every row must lead to
 * a current commune; a row whose old code is the current commune itself (a delegated
 * commune that kept its chef-lieu's code) is checked and skipped. */
static ds_status load_history(ds_referential *ref, const reader *r, ds_error *err)
{
    long c_old, c_name, c_kind, c_current;
    ds_status s;
    if ((s = reader_column(r, "old_code", true, &c_old, err)) != DS_OK ||
        (s = reader_column(r, "old_name", false, &c_name, err)) != DS_OK ||
        (s = reader_column(r, "kind", true, &c_kind, err)) != DS_OK ||
        (s = reader_column(r, "current_code", true, &c_current, err)) != DS_OK)
        return s;
    size_t rows = ds_table_rows(r->table);
    if ((ref->formers = alloc_array(rows, sizeof *ref->formers)) == NULL)
        return nomem(err);
    for (size_t row = 0; row < rows; row++) {
        char old[DS_CODE_MAX], cur[DS_CODE_MAX], obuf[64], nbuf[64], kbuf[64];
        const char *kind, *name;
        const char *old_text = reader_text(r, row, c_old, obuf);
        if (old_text == NULL || normalize_any_vintage(old_text, old, NULL) != DS_OK)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": '%s' is not a commune code",
                                CELL_ARGS(r, row, c_old), old_text ? old_text : "");
        if ((s = reader_code(r, row, c_current, DS_CODE_COMMUNE, true, cur, err)) != DS_OK ||
            (s = reader_required(r, row, c_kind, kbuf, &kind, err)) != DS_OK)
            return s;
        name = reader_text(r, row, c_name, nbuf);
        size_t target = map_get(&ref->index[DS_LEVEL_COMMUNE], cur);
        if (target == NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": %s is no current commune",
                                CELL_ARGS(r, row, c_current), cur);
        if (map_get(&ref->index[DS_LEVEL_COMMUNE], old) != NONE) {
            /* A delegated commune that kept the code of its chef-lieu: the code is current. */
            if (strcmp(old, cur) != 0)
                return ds_error_set(err, DS_EDATA, CELL_FMT ": %s is a current commune, it cannot lead to %s",
                                    CELL_ARGS(r, row, c_old), old, cur);
            continue;
        }
        if (map_get(&ref->arrondissement_index, old) != NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": %s is a municipal arrondissement",
                                CELL_ARGS(r, row, c_old), old);
        if (map_get(&ref->former_index, old) != NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": former code %s appears twice",
                                CELL_ARGS(r, row, c_old), old);
        former *f = &ref->formers[ref->n_formers];
        if ((f->code = dup_text(old)) == NULL || (f->kind = dup_text(kind)) == NULL ||
            (name != NULL && (f->name = dup_text(name)) == NULL)) {
            free(f->code);
            free(f->kind);
            *f = (former){0};
            return nomem(err);
        }
        f->commune = target;
        ref->n_formers++;
        if (!map_put(&ref->former_index, f->code, ref->n_formers - 1))
            return nomem(err);
    }
    return DS_OK;
}

static size_t commune_parent(const ds_referential *ref, size_t c, ds_level level);

/* Groups the communes by their entity of a level (EPCI, département, région). */
static bool build_groups(const ds_referential *ref, ds_level level, groups *out)
{
    size_t n = ref->n[DS_LEVEL_COMMUNE], n_groups = ref->n[level];
    out->first = calloc(n_groups + 1, sizeof *out->first);
    out->items = alloc_array(n, sizeof *out->items);
    if (out->first == NULL || out->items == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t g = commune_parent(ref, i, level);
        if (g != NONE)
            out->first[g + 1]++;
    }
    for (size_t g = 0; g < n_groups; g++)
        out->first[g + 1] += out->first[g];
    size_t *fill = alloc_array(n_groups, sizeof *fill);
    if (fill == NULL)
        return false;
    memcpy(fill, out->first, n_groups * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        size_t g = commune_parent(ref, i, level);
        if (g != NONE)
            out->items[fill[g]++] = i; /* communes in file order within a group */
    }
    free(fill);
    return true;
}

/* Sum of the populations of a group, -1 when one is unknown. */
static long long group_population(const ds_referential *ref, const groups *g, size_t group)
{
    long long sum = 0;
    for (size_t k = g->first[group]; k < g->first[group + 1]; k++) {
        long long p = ref->communes[g->items[k]].population;
        if (p < 0)
            return -1;
        sum += p;
    }
    return sum;
}

/* Builds the reverse lists and the population sums; checks every EPCI has communes. */
static ds_status finish_open(ds_referential *ref, const char *epci_path, ds_error *err)
{
    if (!build_groups(ref, DS_LEVEL_REGION, &ref->by_region) ||
        !build_groups(ref, DS_LEVEL_DEPARTEMENT, &ref->by_departement) ||
        !build_groups(ref, DS_LEVEL_EPCI, &ref->by_epci))
        return nomem(err);
    for (size_t i = 0; i < ref->n[DS_LEVEL_EPCI]; i++) {
        if (ref->by_epci.first[i] == ref->by_epci.first[i + 1])
            return ds_error_set(err, DS_EDATA, "%s: EPCI %s has no commune in communes.csv", epci_path,
                                ref->epcis[i].code);
        ref->epcis[i].population = group_population(ref, &ref->by_epci, i);
    }
    for (size_t i = 0; i < ref->n[DS_LEVEL_DEPARTEMENT]; i++)
        ref->departements[i].population = group_population(ref, &ref->by_departement, i);
    for (size_t i = 0; i < ref->n[DS_LEVEL_REGION]; i++)
        ref->regions[i].population = group_population(ref, &ref->by_region, i);
    /* No QPV yet: every commune has an empty list. */
    ref->qpv_of_commune.first = calloc(ref->n[DS_LEVEL_COMMUNE] + 1, sizeof(size_t));
    ref->qpv_of_commune.items = malloc(sizeof(size_t));
    if (ref->qpv_of_commune.first == NULL || ref->qpv_of_commune.items == NULL)
        return nomem(err);
    return DS_OK;
}

/* Loads the referential of dir. See the header. */
ds_status ds_referential_open(const char *dir, ds_referential **out, ds_error *err)
{
    static const char *const TABLES[] = {"regions.csv", "departements.csv", "epci.csv",
                                         "communes.csv", "commune_history.csv"};
    static ds_status (*const LOADERS[])(ds_referential *, const reader *, ds_error *) = {
        load_regions, load_departements, load_epcis, load_communes, load_history};
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_open: no output");
    *out = NULL;
    if (dir == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_open: no directory");
    ds_referential *ref = calloc(1, sizeof *ref);
    if (ref == NULL)
        return nomem(err);
    char *epci_path = NULL;
    ds_status s = load_version(ref, dir, err);
    for (size_t t = 0; s == DS_OK && t < sizeof TABLES / sizeof TABLES[0]; t++) {
        reader r;
        char *path;
        s = open_table(dir, TABLES[t], &r, &path, err);
        if (s == DS_OK)
            s = LOADERS[t](ref, &r, err);
        ds_table_free(r.table);
        if (t == 2 && s == DS_OK)
            epci_path = path;
        else
            free(path);
    }
    if (s == DS_OK)
        s = finish_open(ref, epci_path, err);
    free(epci_path);
    if (s != DS_OK) {
        ds_referential_free(ref);
        return s;
    }
    *out = ref;
    return DS_OK;
}

/* The vintage line (owned by the referential). */
const char *ds_referential_vintage(const ds_referential *ref)
{
    return ref != NULL ? ref->vintage : NULL;
}

/* --- lookups ------------------------------------------------------------------------ */

/* Index of an entity of a level, NONE when unknown (arrondissements are not found). */
static size_t find(const ds_referential *ref, ds_level level, const char *code)
{
    if (ref == NULL || code == NULL || (unsigned)level >= DS_LEVEL_COUNT)
        return NONE;
    return map_get(&ref->index[level], code);
}

/* Code and name of entity i of a level. */
static const char *entity_code(const ds_referential *ref, ds_level level, size_t i)
{
    switch (level) {
    case DS_LEVEL_COMMUNE: return ref->communes[i].code;
    case DS_LEVEL_EPCI: return ref->epcis[i].code;
    case DS_LEVEL_DEPARTEMENT: return ref->departements[i].code;
    case DS_LEVEL_REGION: return ref->regions[i].code;
    case DS_LEVEL_QPV: return ref->qpvs[i].code;
    case DS_LEVEL_TERRITORY: return ref->territories[i].id;
    default: return NULL;
    }
}

/* Number of entities of a level; 0 for NULL or an invalid level. */
size_t ds_referential_count(const ds_referential *ref, ds_level level)
{
    return ref != NULL && (unsigned)level < DS_LEVEL_COUNT ? ref->n[level] : 0;
}

/* Name of an entity (arrondissements found at the commune level), NULL when unknown. */
const char *ds_referential_name(const ds_referential *ref, ds_level level, const char *code)
{
    size_t i = find(ref, level, code);
    if (i == NONE) {
        if (ref != NULL && level == DS_LEVEL_COMMUNE &&
            (i = map_get(&ref->arrondissement_index, code)) != NONE)
            return ref->arrondissements[i].name;
        return NULL;
    }
    switch (level) {
    case DS_LEVEL_COMMUNE: return ref->communes[i].name;
    case DS_LEVEL_EPCI: return ref->epcis[i].name;
    case DS_LEVEL_DEPARTEMENT: return ref->departements[i].name;
    case DS_LEVEL_REGION: return ref->regions[i].name;
    case DS_LEVEL_QPV: return "";
    case DS_LEVEL_TERRITORY: return ref->territories[i].name;
    default: return NULL;
    }
}

/* Population municipale, precomputed at load time for EPCI, départements, régions;
 * -1 when unknown or not available (QPV, territories). */
long long ds_referential_population(const ds_referential *ref, ds_level level, const char *code)
{
    size_t i = find(ref, level, code);
    if (i == NONE) {
        if (ref != NULL && level == DS_LEVEL_COMMUNE &&
            (i = map_get(&ref->arrondissement_index, code)) != NONE)
            return ref->arrondissements[i].population;
        return -1;
    }
    switch (level) {
    case DS_LEVEL_COMMUNE: return ref->communes[i].population;
    case DS_LEVEL_EPCI: return ref->epcis[i].population;
    case DS_LEVEL_DEPARTEMENT: return ref->departements[i].population;
    case DS_LEVEL_REGION: return ref->regions[i].population;
    default: return -1;
    }
}

/* The attributes of a custom territory; false when there is none with that id. */
bool ds_referential_territory(const ds_referential *ref, const char *id, ds_territory_info *info)
{
    size_t i = find(ref, DS_LEVEL_TERRITORY, id);
    if (i == NONE)
        return false;
    const territory *t = &ref->territories[i];
    *info = (ds_territory_info){t->name, t->kind, t->status, t->start, t->end};
    return true;
}

/* --- code lists -------------------------------------------------------------------- */

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void ds_code_list_sort_unique(ds_code_list *list)
{
    if (list->count < 2)
        return;
    qsort(list->items, list->count, sizeof *list->items, compare_text);
    size_t out = 1;
    for (size_t i = 1; i < list->count; i++) {
        if (strcmp(list->items[i], list->items[out - 1]) == 0)
            free(list->items[i]);
        else
            list->items[out++] = list->items[i];
    }
    list->count = out;
}

/* A list of the codes of the entities of a level given by index; prefixed with
 * "level:" when prefix is set. Sorted and unique. */
static ds_status list_from(const ds_referential *ref, ds_level level, const idx_vec *vec,
                           bool prefix, ds_code_list *out, ds_error *err)
{
    out->count = 0;
    out->items = alloc_array(vec->n, sizeof *out->items);
    if (out->items == NULL)
        return nomem(err);
    for (size_t i = 0; i < vec->n; i++) {
        const char *code = entity_code(ref, level, vec->v[i]);
        char *item;
        if (prefix) {
            size_t a = strlen(LEVEL_NAMES[level]), b = strlen(code);
            if ((item = malloc(a + b + 2)) != NULL) {
                memcpy(item, LEVEL_NAMES[level], a);
                item[a] = ':';
                memcpy(item + a + 1, code, b + 1);
            }
        } else {
            item = dup_text(code);
        }
        if (item == NULL) {
            ds_code_list_free(out);
            return nomem(err);
        }
        out->items[out->count++] = item;
    }
    ds_code_list_sort_unique(out);
    return DS_OK;
}

/* Every code of a level, sorted (the caller frees the list). */
ds_status ds_referential_codes(const ds_referential *ref, ds_level level, ds_code_list *out,
                               ds_error *err)
{
    if (ref == NULL || out == NULL || (unsigned)level >= DS_LEVEL_COUNT)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_codes: invalid arguments");
    idx_vec all = {0, 0, NULL};
    for (size_t i = 0; i < ref->n[level]; i++)
        if (!vec_push(&all, i)) {
            free(all.v);
            return nomem(err);
        }
    ds_status s = list_from(ref, level, &all, false, out, err);
    free(all.v);
    return s;
}

/* --- communes of an entity ------------------------------------------------------------ */

/* Appends the communes of a group. */
static bool push_group(idx_vec *vec, const groups *g, size_t group)
{
    for (size_t k = g->first[group]; k < g->first[group + 1]; k++)
        if (!vec_push(vec, g->items[k]))
            return false;
    return true;
}

/* The current communes of entity i of a level, sorted and unique, appended to vec. */
static bool communes_of(const ds_referential *ref, ds_level level, size_t i, idx_vec *vec)
{
    switch (level) {
    case DS_LEVEL_COMMUNE:
        if (!vec_push(vec, i))
            return false;
        break;
    case DS_LEVEL_EPCI:
        if (!push_group(vec, &ref->by_epci, i))
            return false;
        break;
    case DS_LEVEL_DEPARTEMENT:
        if (!push_group(vec, &ref->by_departement, i))
            return false;
        break;
    case DS_LEVEL_REGION:
        if (!push_group(vec, &ref->by_region, i))
            return false;
        break;
    case DS_LEVEL_QPV:
        for (size_t k = 0; k < ref->qpvs[i].communes.n; k++)
            if (!vec_push(vec, ref->qpvs[i].communes.v[k]))
                return false;
        break;
    case DS_LEVEL_TERRITORY:
        for (size_t k = 0; k < ref->territories[i].n_members; k++) {
            const member *m = &ref->territories[i].members[k];
            if (!communes_of(ref, m->level, m->index, vec))
                return false;
        }
        break;
    default:
        break;
    }
    vec_sort_unique(vec);
    return true;
}

/* The entity of a level a commune belongs to (EPCI, département, région), or NONE. */
static size_t commune_parent(const ds_referential *ref, size_t c, ds_level level)
{
    switch (level) {
    case DS_LEVEL_COMMUNE: return c;
    case DS_LEVEL_EPCI: return ref->communes[c].epci;
    case DS_LEVEL_DEPARTEMENT: return ref->communes[c].departement;
    case DS_LEVEL_REGION: return ref->communes[c].region;
    default: return NONE;
    }
}

/* Resolves (level, code) to an entity; a municipal arrondissement at the commune level
 * resolves to its commune (*arrondissement then receives its index). DS_EDATA naming
 * the code when unknown, with the current commune of a former code. */
static ds_status resolve(const ds_referential *ref, ds_level level, const char *code, size_t *i,
                         size_t *arrondissement, ds_error *err)
{
    *arrondissement = NONE;
    if ((*i = find(ref, level, code)) != NONE)
        return DS_OK;
    if (level == DS_LEVEL_COMMUNE && code != NULL) {
        size_t a = map_get(&ref->arrondissement_index, code);
        if (a != NONE) {
            *arrondissement = a;
            *i = ref->arrondissements[a].commune;
            return DS_OK;
        }
        size_t f = map_get(&ref->former_index, code);
        if (f != NONE)
            return ds_error_set(err, DS_EDATA,
                                "commune %s is a former commune (%s), now part of %s: map codes to the current vintage first",
                                code, ref->formers[f].kind, ref->communes[ref->formers[f].commune].code);
    }
    return ds_error_set(err, DS_EDATA, "unknown %s code '%s' in %s", ds_level_name(level),
                        code != NULL ? code : "(null)", ref->vintage);
}

/* The unique parent of an entity: checks the pair of levels, then looks at the parents
 * of all the entity's communes (départements go straight to their région). */
ds_status ds_referential_parent(const ds_referential *ref, ds_level level, const char *code,
                                ds_level parent_level, char out[DS_CODE_MAX], ds_error *err)
{
    if (ref == NULL || out == NULL || (unsigned)level >= DS_LEVEL_COUNT ||
        (unsigned)parent_level >= DS_LEVEL_COUNT)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_parent: invalid arguments");
    out[0] = '\0';
    bool allowed;
    switch (level) {
    case DS_LEVEL_COMMUNE:
    case DS_LEVEL_QPV:
    case DS_LEVEL_TERRITORY:
        allowed = parent_level == DS_LEVEL_COMMUNE || parent_level == DS_LEVEL_EPCI ||
                  parent_level == DS_LEVEL_DEPARTEMENT || parent_level == DS_LEVEL_REGION;
        break;
    case DS_LEVEL_EPCI:
        allowed = parent_level == DS_LEVEL_DEPARTEMENT || parent_level == DS_LEVEL_REGION;
        break;
    case DS_LEVEL_DEPARTEMENT:
        allowed = parent_level == DS_LEVEL_REGION;
        break;
    default:
        allowed = false;
    }
    if (!allowed)
        return ds_error_set(err, DS_EUSAGE, "a %s has no parent %s", ds_level_name(level),
                            ds_level_name(parent_level));
    size_t i, arr;
    ds_status s = resolve(ref, level, code, &i, &arr, err);
    if (s != DS_OK)
        return s;
    if (level == DS_LEVEL_COMMUNE && parent_level == DS_LEVEL_COMMUNE && arr == NONE)
        return ds_error_set(err, DS_EDATA, "%s is a commune, not a municipal arrondissement", code);
    if (level == DS_LEVEL_DEPARTEMENT) {
        snprintf(out, DS_CODE_MAX, "%s", ref->regions[ref->departements[i].region].code);
        return DS_OK;
    }
    idx_vec communes = {0, 0, NULL};
    if (!communes_of(ref, level, i, &communes)) {
        free(communes.v);
        return nomem(err);
    }
    size_t found = NONE, second = NONE, orphan = NONE;
    for (size_t k = 0; k < communes.n; k++) {
        size_t p = commune_parent(ref, communes.v[k], parent_level);
        if (p == NONE) {
            if (orphan == NONE)
                orphan = communes.v[k];
        } else if (found == NONE)
            found = p;
        else if (p != found && second == NONE)
            second = p;
    }
    size_t n_communes = communes.n;
    free(communes.v);
    if (n_communes == 0)
        return ds_error_set(err, DS_EDATA, "%s %s has no commune", ds_level_name(level), code);
    if (orphan != NONE && level == DS_LEVEL_COMMUNE)
        return ds_error_set(err, DS_EDATA, "commune %s belongs to no %s", ref->communes[orphan].code,
                            ds_level_name(parent_level));
    if (orphan != NONE)
        return ds_error_set(err, DS_EDATA, "%s %s: commune %s belongs to no %s", ds_level_name(level),
                            code, ref->communes[orphan].code, ds_level_name(parent_level));
    if (second != NONE)
        return ds_error_set(err, DS_EDATA, "%s %s is not in one %s: it spans %s %s and %s at least",
                            ds_level_name(level), code, ds_level_name(parent_level),
                            ds_level_name(parent_level), entity_code(ref, parent_level, found),
                            entity_code(ref, parent_level, second));
    snprintf(out, DS_CODE_MAX, "%s", entity_code(ref, parent_level, found));
    return DS_OK;
}

/* Appends the QPV lying (partly) in commune c. */
static bool push_qpv_of_commune(const ds_referential *ref, size_t c, idx_vec *vec)
{
    return push_group(vec, &ref->qpv_of_commune, c);
}

/* Members of an entity: its communes, or the entities of member_level that have at
 * least one of its communes (territories: their declared EPCI; their QPV are those of
 * their communes). */
ds_status ds_referential_members(const ds_referential *ref, ds_level level, const char *code,
                                 ds_level member_level, ds_code_list *out, ds_error *err)
{
    if (ref == NULL || out == NULL || (unsigned)level >= DS_LEVEL_COUNT ||
        (unsigned)member_level >= DS_LEVEL_COUNT)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_members: invalid arguments");
    out->count = 0;
    out->items = NULL;
    bool allowed;
    switch (level) {
    case DS_LEVEL_REGION:
        allowed = member_level != DS_LEVEL_REGION && member_level != DS_LEVEL_TERRITORY;
        break;
    case DS_LEVEL_DEPARTEMENT:
        allowed = member_level == DS_LEVEL_EPCI || member_level == DS_LEVEL_COMMUNE ||
                  member_level == DS_LEVEL_QPV;
        break;
    case DS_LEVEL_EPCI:
        allowed = member_level == DS_LEVEL_COMMUNE || member_level == DS_LEVEL_QPV;
        break;
    case DS_LEVEL_COMMUNE:
        allowed = member_level == DS_LEVEL_QPV;
        break;
    case DS_LEVEL_QPV:
        allowed = member_level == DS_LEVEL_COMMUNE;
        break;
    case DS_LEVEL_TERRITORY:
        allowed = member_level == DS_LEVEL_COMMUNE || member_level == DS_LEVEL_EPCI ||
                  member_level == DS_LEVEL_QPV;
        break;
    default:
        allowed = false;
    }
    if (!allowed)
        return ds_error_set(err, DS_EUSAGE, "a %s has no %s members", ds_level_name(level),
                            ds_level_name(member_level));
    size_t i, arr;
    ds_status s = resolve(ref, level, code, &i, &arr, err);
    if (s != DS_OK)
        return s;
    idx_vec members = {0, 0, NULL};
    bool ok = true;
    if (level == DS_LEVEL_TERRITORY && member_level == DS_LEVEL_EPCI) {
        const territory *t = &ref->territories[i];
        for (size_t k = 0; ok && k < t->n_members; k++)
            if (t->members[k].level == member_level)
                ok = vec_push(&members, t->members[k].index);
    } else {
        idx_vec communes = {0, 0, NULL};
        ok = communes_of(ref, level, i, &communes);
        for (size_t k = 0; ok && k < communes.n; k++) {
            size_t c = communes.v[k];
            if (member_level == DS_LEVEL_QPV) {
                ok = push_qpv_of_commune(ref, c, &members);
            } else {
                size_t p = commune_parent(ref, c, member_level);
                if (p != NONE)
                    ok = vec_push(&members, p);
            }
        }
        free(communes.v);
    }
    if (!ok) {
        free(members.v);
        return nomem(err);
    }
    s = list_from(ref, member_level, &members, false, out, err);
    free(members.v);
    return s;
}

/* True when commune c is one of the resolved communes of territory t. */
static bool territory_has(const ds_referential *ref, const territory *t, size_t c)
{
    for (size_t k = 0; k < t->n_members; k++) {
        const member *m = &t->members[k];
        if ((m->level == DS_LEVEL_COMMUNE && m->index == c) ||
            (m->level == DS_LEVEL_EPCI && ref->communes[c].epci == m->index) ||
            (m->level == DS_LEVEL_QPV && vec_contains(&ref->qpvs[m->index].communes, c)))
            return true;
    }
    return false;
}

/* Every entity containing a commune, as sorted "level:code" items. */
ds_status ds_referential_containing(const ds_referential *ref, const char *commune_code,
                                    ds_code_list *out, ds_error *err)
{
    if (ref == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_containing: invalid arguments");
    out->count = 0;
    out->items = NULL;
    size_t c, arr;
    ds_status s = resolve(ref, DS_LEVEL_COMMUNE, commune_code, &c, &arr, err);
    if (s != DS_OK)
        return s;
    ds_code_list parts[DS_LEVEL_COUNT] = {{0, NULL}};
    idx_vec vec[DS_LEVEL_COUNT] = {{0, 0, NULL}};
    bool ok = true;
    if (arr != NONE)
        ok = vec_push(&vec[DS_LEVEL_COMMUNE], c);
    if (ok && ref->communes[c].epci != NONE)
        ok = vec_push(&vec[DS_LEVEL_EPCI], ref->communes[c].epci);
    ok = ok && vec_push(&vec[DS_LEVEL_DEPARTEMENT], ref->communes[c].departement) &&
         vec_push(&vec[DS_LEVEL_REGION], ref->communes[c].region) &&
         push_qpv_of_commune(ref, c, &vec[DS_LEVEL_QPV]);
    for (size_t t = 0; ok && t < ref->n[DS_LEVEL_TERRITORY]; t++)
        if (territory_has(ref, &ref->territories[t], c))
            ok = vec_push(&vec[DS_LEVEL_TERRITORY], t);
    s = ok ? DS_OK : nomem(err);
    size_t total = 0;
    for (int l = 0; l < DS_LEVEL_COUNT && s == DS_OK; l++) {
        s = list_from(ref, (ds_level)l, &vec[l], true, &parts[l], err);
        total += parts[l].count;
    }
    if (s == DS_OK && (out->items = alloc_array(total, sizeof *out->items)) == NULL)
        s = nomem(err);
    for (int l = 0; l < DS_LEVEL_COUNT; l++) {
        for (size_t k = 0; s == DS_OK && k < parts[l].count; k++) {
            out->items[out->count++] = parts[l].items[k];
            parts[l].items[k] = NULL;
        }
        ds_code_list_free(&parts[l]); /* frees what was not moved (NULLs are fine) */
        free(vec[l].v);
    }
    if (s != DS_OK) {
        ds_code_list_free(out);
        return s;
    }
    ds_code_list_sort_unique(out);
    return DS_OK;
}

/* --- vintages ------------------------------------------------------------------------- */

ds_commune_mapping ds_referential_map_commune(const ds_referential *ref, const char *code,
                                              char current[DS_CODE_MAX])
{
    char norm[DS_CODE_MAX];
    current[0] = '\0';
    if (ref == NULL || code == NULL || normalize_any_vintage(code, norm, NULL) != DS_OK)
        return DS_MAP_UNKNOWN;
    size_t i = map_get(&ref->index[DS_LEVEL_COMMUNE], norm);
    ds_commune_mapping kind = DS_MAP_CURRENT;
    if (i == NONE) {
        kind = DS_MAP_ARRONDISSEMENT;
        if ((i = map_get(&ref->arrondissement_index, norm)) != NONE) {
            i = ref->arrondissements[i].commune;
        } else if ((i = map_get(&ref->former_index, norm)) != NONE) {
            kind = DS_MAP_MERGED;
            i = ref->formers[i].commune;
        } else {
            return DS_MAP_UNKNOWN;
        }
    }
    snprintf(current, DS_CODE_MAX, "%s", ref->communes[i].code);
    return kind;
}

/* Index of the current commune a code maps to (NONE when unknown) and how. */
static size_t map_index(const ds_referential *ref, const char *code, ds_commune_mapping *kind)
{
    char current[DS_CODE_MAX];
    *kind = ds_referential_map_commune(ref, code, current);
    return *kind == DS_MAP_UNKNOWN ? NONE : map_get(&ref->index[DS_LEVEL_COMMUNE], current);
}

/* Frees the arrays of a remap result and zeroes it. Accepts NULL. */
void ds_remap_result_free(ds_remap_result *result)
{
    if (result == NULL)
        return;
    for (size_t i = 0; i < result->n_communes; i++)
        free(result->communes[i]);
    free(result->communes);
    free(result->sums);
    free(result->status);
    free(result->unmapped_rows);
    memset(result, 0, sizeof *result);
}

/* A distinct current commune of the output, with the code for sorting. */
typedef struct slot {
    const char *code;
    size_t commune;
} slot;

/* qsort order of output communes: by code. */
static int compare_slot(const void *a, const void *b)
{
    return strcmp(((const slot *)a)->code, ((const slot *)b)->code);
}

/* Maps every row, gives each distinct current commune an output row (sorted by code),
 * then sums; an unavailable input marks the sum not available (NAN, status 1). */
ds_status ds_referential_remap_counts(const ds_referential *ref, size_t n_rows,
                                      const char *const *codes, size_t n_values,
                                      const double *counts, const unsigned char *status,
                                      ds_remap_result *out, ds_error *err)
{
    if (out == NULL || ref == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_remap_counts: invalid arguments");
    memset(out, 0, sizeof *out);
    if (n_rows > 0 && (codes == NULL || (n_values > 0 && counts == NULL)))
        return ds_error_set(err, DS_EUSAGE, "ds_referential_remap_counts: no codes or counts");
    if (n_values > 0 && n_rows > SIZE_MAX / n_values)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_remap_counts: too many values");
    for (size_t r = 0; r < n_rows; r++)
        for (size_t v = 0; v < n_values; v++)
            if ((status == NULL || status[r * n_values + v] == 0) && !isfinite(counts[r * n_values + v]))
                return ds_error_set(err, DS_EDATA,
                                    "row %zu (commune %s), value %zu: %g is not a count but is marked available",
                                    r, codes[r] != NULL ? codes[r] : "(null)", v, counts[r * n_values + v]);

    size_t n_communes = ref->n[DS_LEVEL_COMMUNE];
    size_t *target = alloc_array(n_rows, sizeof *target);     /* row -> commune or NONE */
    size_t *position = alloc_array(n_communes, sizeof *position); /* commune -> output row */
    slot *slots = alloc_array(n_rows, sizeof *slots);
    ds_status s = DS_OK;
    if (target == NULL || position == NULL || slots == NULL) {
        s = nomem(err);
        goto done;
    }
    for (size_t c = 0; c < n_communes; c++)
        position[c] = NONE;
    size_t n_slots = 0;
    for (size_t r = 0; r < n_rows; r++) {
        ds_commune_mapping kind;
        target[r] = map_index(ref, codes[r], &kind);
        switch (kind) {
        case DS_MAP_CURRENT: out->rows_current++; break;
        case DS_MAP_MERGED: out->rows_merged++; break;
        case DS_MAP_ARRONDISSEMENT: out->rows_arrondissement++; break;
        default: out->n_unmapped++; break;
        }
        if (target[r] != NONE && position[target[r]] == NONE) {
            position[target[r]] = 0; /* seen; the position is set after sorting */
            slots[n_slots++] = (slot){ref->communes[target[r]].code, target[r]};
        }
    }
    qsort(slots, n_slots, sizeof *slots, compare_slot);
    out->n_communes = n_slots;
    out->communes = alloc_array(n_slots, sizeof *out->communes);
    out->sums = calloc(n_slots * n_values + 1, sizeof *out->sums);
    out->status = calloc(n_slots * n_values + 1, 1);
    out->unmapped_rows = alloc_array(out->n_unmapped, sizeof *out->unmapped_rows);
    if (out->communes == NULL || out->sums == NULL || out->status == NULL ||
        out->unmapped_rows == NULL) {
        out->n_communes = 0;
        s = nomem(err);
        goto done;
    }
    for (size_t k = 0; k < n_slots; k++) {
        position[slots[k].commune] = k;
        if ((out->communes[k] = dup_text(slots[k].code)) == NULL) {
            out->n_communes = k;
            s = nomem(err);
            goto done;
        }
    }
    size_t unmapped = 0;
    for (size_t r = 0; r < n_rows; r++) {
        if (target[r] == NONE) {
            out->unmapped_rows[unmapped++] = r;
            continue;
        }
        size_t k = position[target[r]];
        for (size_t v = 0; v < n_values; v++) {
            if (status != NULL && status[r * n_values + v] != 0)
                out->status[k * n_values + v] = 1;
            else
                out->sums[k * n_values + v] += counts[r * n_values + v];
        }
    }
    for (size_t k = 0; k < n_slots * n_values; k++)
        if (out->status[k])
            out->sums[k] = NAN;
done:
    free(target);
    free(position);
    free(slots);
    if (s != DS_OK)
        ds_remap_result_free(out);
    return s;
}

/* --- QPV --------------------------------------------------------------------------- */

/* Normalises a QPV code of either generation. */
static ds_status normalize_qpv(const char *text, char out[DS_CODE_MAX], ds_error *why)
{
    if (ds_code_normalize(DS_CODE_QPV2015, text, out, NULL) == DS_OK)
        return DS_OK;
    return ds_code_normalize(DS_CODE_QPV2024, text, out, why);
}

/* Rebuilds the QPV list of every commune. */
static bool rebuild_qpv_of_commune(ds_referential *ref)
{
    size_t n = ref->n[DS_LEVEL_COMMUNE], total = 0;
    for (size_t q = 0; q < ref->n[DS_LEVEL_QPV]; q++)
        total += ref->qpvs[q].communes.n;
    groups g = {calloc(n + 1, sizeof(size_t)), alloc_array(total, sizeof(size_t))};
    size_t *fill = alloc_array(n, sizeof *fill);
    if (g.first == NULL || g.items == NULL || fill == NULL) {
        groups_free(&g);
        free(fill);
        return false;
    }
    for (size_t q = 0; q < ref->n[DS_LEVEL_QPV]; q++)
        for (size_t k = 0; k < ref->qpvs[q].communes.n; k++)
            g.first[ref->qpvs[q].communes.v[k] + 1]++;
    for (size_t c = 0; c < n; c++)
        g.first[c + 1] += g.first[c];
    memcpy(fill, g.first, n * sizeof *fill);
    for (size_t q = 0; q < ref->n[DS_LEVEL_QPV]; q++)
        for (size_t k = 0; k < ref->qpvs[q].communes.n; k++)
            g.items[fill[ref->qpvs[q].communes.v[k]]++] = q;
    free(fill);
    groups_free(&ref->qpv_of_commune);
    ref->qpv_of_commune = g;
    return true;
}

/* Adds the pair (QPV code, commune c); false when memory runs out. */
static bool add_qpv_pair(ds_referential *ref, const char *code, size_t c)
{
    size_t q = map_get(&ref->index[DS_LEVEL_QPV], code);
    if (q == NONE) {
        if (ref->n[DS_LEVEL_QPV] == ref->cap_qpvs) {
            size_t cap = ref->cap_qpvs ? ref->cap_qpvs * 2 : 64;
            qpv *grown = realloc(ref->qpvs, cap * sizeof *grown);
            if (grown == NULL)
                return false;
            ref->qpvs = grown;
            ref->cap_qpvs = cap;
        }
        q = ref->n[DS_LEVEL_QPV];
        qpv *p = &ref->qpvs[q];
        *p = (qpv){dup_text(code), {0, 0, NULL}};
        if (p->code == NULL)
            return false;
        ref->n[DS_LEVEL_QPV]++;
        if (!map_put(&ref->index[DS_LEVEL_QPV], p->code, q))
            return false;
    }
    idx_vec *communes = &ref->qpvs[q].communes;
    if (vec_contains(communes, c))
        return true;
    if (!vec_push(communes, c))
        return false;
    vec_sort_unique(communes);
    return true;
}

typedef struct qpv_pair {
    char code[DS_CODE_MAX];
    size_t commune;
} qpv_pair;

/* Reads (QPV, commune) pairs: every row is checked first, then the pairs are added and
 * the QPV list of each commune rebuilt. */
ds_status ds_referential_load_qpv(ds_referential *ref, const char *path, const char *qpv_column,
                                  const char *commune_column, ds_error *err)
{
    if (ref == NULL || path == NULL || qpv_column == NULL || commune_column == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_load_qpv: invalid arguments");
    reader r;
    ds_status s = reader_open(&r, path, false, err);
    if (s != DS_OK)
        return s;
    long c_qpv, c_commune;
    qpv_pair *pairs = NULL;
    size_t rows = ds_table_rows(r.table);
    if ((s = reader_column(&r, qpv_column, true, &c_qpv, err)) != DS_OK ||
        (s = reader_column(&r, commune_column, true, &c_commune, err)) != DS_OK)
        goto done;
    if ((pairs = alloc_array(rows, sizeof *pairs)) == NULL) {
        s = nomem(err);
        goto done;
    }
    /* Everything is checked before the referential changes. */
    for (size_t row = 0; row < rows; row++) {
        char buf[64], cbuf[64], current[DS_CODE_MAX];
        const char *text, *commune_text;
        if ((s = reader_required(&r, row, c_qpv, buf, &text, err)) != DS_OK ||
            (s = reader_required(&r, row, c_commune, cbuf, &commune_text, err)) != DS_OK)
            goto done;
        ds_error why;
        ds_error_clear(&why);
        if (normalize_qpv(text, pairs[row].code, &why) != DS_OK) {
            s = ds_error_set(err, DS_EDATA, CELL_FMT ": '%s' is not a QPV code (%s)",
                             CELL_ARGS(&r, row, c_qpv), text, why.message);
            goto done;
        }
        if (ds_referential_map_commune(ref, commune_text, current) == DS_MAP_UNKNOWN) {
            s = ds_error_set(err, DS_EDATA, CELL_FMT ": commune '%s' is unknown to %s",
                             CELL_ARGS(&r, row, c_commune), commune_text, ref->vintage);
            goto done;
        }
        pairs[row].commune = map_get(&ref->index[DS_LEVEL_COMMUNE], current);
    }
    for (size_t row = 0; row < rows; row++)
        if (!add_qpv_pair(ref, pairs[row].code, pairs[row].commune)) {
            s = nomem(err);
            goto done;
        }
    if (!rebuild_qpv_of_commune(ref))
        s = nomem(err);
done:
    free(pairs);
    ds_table_free(r.table);
    return s;
}

ds_status ds_referential_add_qpv(ds_referential *ref, size_t n, const char *const *qpv,
                                 const char *const *communes, ds_error *err)
{
    if (ref == NULL || (n > 0 && (qpv == NULL || communes == NULL)))
        return ds_error_set(err, DS_EUSAGE, "ds_referential_add_qpv: invalid arguments");
    qpv_pair *pairs = alloc_array(n, sizeof *pairs);
    if (pairs == NULL)
        return nomem(err);
    ds_status s = DS_OK;
    for (size_t i = 0; i < n && s == DS_OK; i++) { /* everything is checked first */
        char current[DS_CODE_MAX];
        ds_error why;
        ds_error_clear(&why);
        if (normalize_qpv(qpv[i], pairs[i].code, &why) != DS_OK)
            s = ds_error_set(err, DS_EDATA, "'%s' is not a QPV code (%s)", qpv[i], why.message);
        else if (ds_referential_map_commune(ref, communes[i], current) == DS_MAP_UNKNOWN)
            s = ds_error_set(err, DS_EDATA, "QPV %s: commune '%s' is unknown to %s", qpv[i],
                             communes[i], ref->vintage);
        else
            pairs[i].commune = map_get(&ref->index[DS_LEVEL_COMMUNE], current);
    }
    for (size_t i = 0; i < n && s == DS_OK; i++)
        if (!add_qpv_pair(ref, pairs[i].code, pairs[i].commune))
            s = nomem(err);
    if (s == DS_OK && n > 0 && !rebuild_qpv_of_commune(ref))
        s = nomem(err);
    free(pairs);
    return s;
}

/* --- custom territories -------------------------------------------------------------- */

/* The columns of a territory file. */
typedef struct territory_columns {
    long id, name, kind, member_kind, member_code, status, start, end;
} territory_columns;

/* Checks that an attribute of a territory is the same on all its rows. */
static ds_status same_attribute(const reader *r, size_t row, long column, const char *kept,
                                const char *value, const char *id, ds_error *err)
{
    if (same_text(kept, value))
        return DS_OK;
    return ds_error_set(err, DS_EDATA, CELL_FMT ": territory %s has '%s' here and '%s' on an earlier row",
                        CELL_ARGS(r, row, column), id, value ? value : "", kept ? kept : "");
}

/* Resolves the member of one row into *m. */
static ds_status territory_member(ds_referential *ref, const reader *r, size_t row,
                                  const territory_columns *c, member *m, ds_error *err)
{
    char kbuf[64], mbuf[64], code[DS_CODE_MAX];
    const char *kind, *text;
    ds_status s;
    if ((s = reader_required(r, row, c->member_kind, kbuf, &kind, err)) != DS_OK ||
        (s = reader_required(r, row, c->member_code, mbuf, &text, err)) != DS_OK)
        return s;
    ds_error why;
    ds_error_clear(&why);
    if (strcmp(kind, "commune") == 0) {
        m->level = DS_LEVEL_COMMUNE;
        if (ds_code_normalize(DS_CODE_COMMUNE, text, code, &why) != DS_OK)
            goto bad_code;
        size_t arr;
        ds_error lookup;
        if (resolve(ref, DS_LEVEL_COMMUNE, code, &m->index, &arr, &lookup) != DS_OK)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": %s", CELL_ARGS(r, row, c->member_code),
                                lookup.message);
        return DS_OK;
    }
    if (strcmp(kind, "epci") == 0) {
        m->level = DS_LEVEL_EPCI;
        if (ds_code_normalize(DS_CODE_EPCI, text, code, &why) != DS_OK)
            goto bad_code;
    } else if (strcmp(kind, "qpv") == 0) {
        m->level = DS_LEVEL_QPV;
        if (normalize_qpv(text, code, &why) != DS_OK)
            goto bad_code;
    } else {
        return ds_error_set(err, DS_EDATA, CELL_FMT ": member kind '%s' is not commune, epci or qpv",
                            CELL_ARGS(r, row, c->member_kind), kind);
    }
    if ((m->index = find(ref, m->level, code)) == NONE)
        return ds_error_set(err, DS_EDATA, CELL_FMT ": unknown %s %s%s", CELL_ARGS(r, row, c->member_code),
                            ds_level_name(m->level), code,
                            m->level == DS_LEVEL_QPV ? " (load the QPV table first)" : "");
    return DS_OK;
bad_code:
    return ds_error_set(err, DS_EDATA, CELL_FMT ": '%s' is not a %s code (%s)",
                        CELL_ARGS(r, row, c->member_code), text, kind, why.message);
}

/* Adds member m to territory t unless it is there already; false on no memory. */
static bool territory_add_member(territory *t, member m, size_t *cap)
{
    for (size_t k = 0; k < t->n_members; k++)
        if (t->members[k].level == m.level && t->members[k].index == m.index)
            return true;
    if (t->n_members == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 4;
        member *grown = realloc(t->members, grown_cap * sizeof *grown);
        if (grown == NULL)
            return false;
        t->members = grown;
        *cap = grown_cap;
    }
    t->members[t->n_members++] = m;
    return true;
}

/* Reads the rows of a territory file into the new territories *list (n of them, indexed
 * by map), checking everything against ref. */
static ds_status read_territories(ds_referential *ref, const reader *r, const territory_columns *c,
                                  territory *list, size_t *n, size_t *caps, index_map *map,
                                  ds_error *err)
{
    size_t rows = ds_table_rows(r->table);
    for (size_t row = 0; row < rows; row++) {
        char ibuf[64], nbuf[64], kbuf[64], sbuf[64], abuf[64], ebuf[64];
        const char *id, *name, *kind, *status, *start, *end;
        ds_status s;
        if ((s = reader_required(r, row, c->id, ibuf, &id, err)) != DS_OK ||
            (s = reader_required(r, row, c->name, nbuf, &name, err)) != DS_OK ||
            (s = reader_required(r, row, c->kind, kbuf, &kind, err)) != DS_OK)
            return s;
        status = reader_text(r, row, c->status, sbuf);
        start = reader_text(r, row, c->start, abuf);
        end = reader_text(r, row, c->end, ebuf);
        if (find(ref, DS_LEVEL_TERRITORY, id) != NONE)
            return ds_error_set(err, DS_EDATA, CELL_FMT ": territory %s is already defined",
                                CELL_ARGS(r, row, c->id), id);
        member m;
        if ((s = territory_member(ref, r, row, c, &m, err)) != DS_OK)
            return s;
        size_t t = map_get(map, id);
        if (t == NONE) {
            t = (*n)++;
            territory *x = &list[t];
            x->id = dup_text(id), x->name = dup_text(name), x->kind = dup_text(kind);
            x->status = dup_text(status), x->start = dup_text(start), x->end = dup_text(end);
            if (x->id == NULL || x->name == NULL || x->kind == NULL || (status && !x->status) ||
                (start && !x->start) || (end && !x->end) || !map_put(map, x->id, t))
                return nomem(err);
        } else {
            const territory *x = &list[t];
            if ((s = same_attribute(r, row, c->name, x->name, name, id, err)) != DS_OK ||
                (s = same_attribute(r, row, c->kind, x->kind, kind, id, err)) != DS_OK ||
                (s = same_attribute(r, row, c->status, x->status, status, id, err)) != DS_OK ||
                (s = same_attribute(r, row, c->start, x->start, start, id, err)) != DS_OK ||
                (s = same_attribute(r, row, c->end, x->end, end, id, err)) != DS_OK)
                return s;
        }
        if (!territory_add_member(&list[t], m, &caps[t]))
            return nomem(err);
    }
    return DS_OK;
}

/* Reads and checks every row into new territories, then moves them into the
 * referential in one step (the index is reserved first, so the move cannot fail
 * half-way). */
ds_status ds_referential_load_territories(ds_referential *ref, const char *path, ds_error *err)
{
    if (ref == NULL || path == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_referential_load_territories: invalid arguments");
    reader r;
    ds_status s = reader_open(&r, path, false, err);
    if (s != DS_OK)
        return s;
    territory_columns c;
    territory *list = NULL;
    size_t n = 0, *caps = NULL, rows = ds_table_rows(r.table);
    index_map map;
    memset(&map, 0, sizeof map);
    if ((s = reader_column(&r, "territory_id", true, &c.id, err)) != DS_OK ||
        (s = reader_column(&r, "name", true, &c.name, err)) != DS_OK ||
        (s = reader_column(&r, "kind", true, &c.kind, err)) != DS_OK ||
        (s = reader_column(&r, "member_kind", true, &c.member_kind, err)) != DS_OK ||
        (s = reader_column(&r, "member_code", true, &c.member_code, err)) != DS_OK ||
        (s = reader_column(&r, "status", false, &c.status, err)) != DS_OK ||
        (s = reader_column(&r, "start", false, &c.start, err)) != DS_OK ||
        (s = reader_column(&r, "end", false, &c.end, err)) != DS_OK)
        goto done;
    list = alloc_array(rows, sizeof *list);
    caps = alloc_array(rows, sizeof *caps);
    if (list == NULL || caps == NULL) {
        s = nomem(err);
        goto done;
    }
    if ((s = read_territories(ref, &r, &c, list, &n, caps, &map, err)) != DS_OK)
        goto done;
    /* All checked: move the new territories into the referential. */
    size_t have = ref->n[DS_LEVEL_TERRITORY];
    territory *grown = realloc(ref->territories, (have + n + 1) * sizeof *grown);
    if (grown == NULL) {
        s = nomem(err);
        goto done;
    }
    ref->territories = grown;
    size_t id_bytes = 0;
    for (size_t t = 0; t < n; t++)
        id_bytes += strlen(list[t].id);
    if (!map_reserve(&ref->index[DS_LEVEL_TERRITORY], n, id_bytes)) {
        s = nomem(err);
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        map_put(&ref->index[DS_LEVEL_TERRITORY], list[t].id, have + t); /* reserved */
    memcpy(ref->territories + have, list, n * sizeof *list);
    ref->n[DS_LEVEL_TERRITORY] += n;
    n = 0; /* now owned by the referential */
done:
    for (size_t t = 0; t < n; t++)
        territory_free_fields(&list[t]);
    free(list);
    free(caps);
    map_free(&map);
    ds_table_free(r.table);
    return s;
}
