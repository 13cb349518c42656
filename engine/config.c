/* diagsante — reading diagnostic.ini (config.h) with inih. */
#include "diagsante/config.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const DATA_LEVEL_NAMES[DS_DATA_LEVEL_COUNT] = {
    "commune", "iris", "qpv", "epci", "departement", "region", "france"};

const char *ds_data_level_name(ds_data_level level)
{
    return (unsigned)level < DS_DATA_LEVEL_COUNT ? DATA_LEVEL_NAMES[level] : NULL;
}

/* What the handler keeps while inih reads: the configuration, the folder relative paths
 * are taken from, the first error and the keys already seen (a single key given twice is
 * an error). */
typedef struct reader {
    ds_config *config;
    char *folder;          /* "" or "dir/" */
    ds_status status;      /* of the first error */
    char message[DS_ERROR_MESSAGE_MAX];
    size_t lines_seen;     /* not known to inih's handler: kept for data files below */
    char **seen;           /* "section.key" of single keys already given */
    size_t n_seen, cap_seen;
} reader;

static bool fail(reader *r, ds_status status, const char *fmt, const char *a, const char *b)
{
    if (r->status == DS_OK) {
        r->status = status;
        snprintf(r->message, sizeof r->message, fmt, a, b);
    }
    return false;
}

static char *path_in_folder(const reader *r, const char *value)
{
    if (value[0] == '/' || r->folder[0] == '\0')
        return strdup(value);
    size_t n = strlen(r->folder) + strlen(value) + 1;
    char *p = malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s%s", r->folder, value);
    return p;
}

static bool parse_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"yes", "oui", "true", "1"};
    static const char *const no[] = {"no", "non", "false", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return *out = true, true;
        if (strcasecmp(value, no[i]) == 0)
            return *out = false, true;
    }
    return false;
}

/* Records "section.name" as given; false when it already was. */
static int remember(reader *r, const char *section, const char *name)
{
    char key[256];
    snprintf(key, sizeof key, "%s.%s", section, name);
    for (size_t i = 0; i < r->n_seen; i++)
        if (strcmp(r->seen[i], key) == 0)
            return 0;
    if (r->n_seen == r->cap_seen) {
        size_t cap = r->cap_seen ? 2 * r->cap_seen : 32;
        char **p = realloc(r->seen, cap * sizeof *p);
        if (p == NULL)
            return -1;
        r->seen = p, r->cap_seen = cap;
    }
    if ((r->seen[r->n_seen] = strdup(key)) == NULL)
        return -1;
    r->n_seen++;
    return 1;
}

/* Sets a string field once. */
static bool set_text(reader *r, const char *section, const char *name, const char *value,
                     char **field, bool is_path)
{
    int fresh = remember(r, section, name);
    if (fresh < 0)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    if (fresh == 0)
        return fail(r, DS_EDATA, "[%s] %s is given twice", section, name);
    if (value[0] == '\0')
        return fail(r, DS_EDATA, "[%s] %s is empty", section, name);
    char *copy = is_path ? path_in_folder(r, value) : strdup(value);
    if (copy == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    free(*field);
    *field = copy;
    return true;
}

static bool set_bool(reader *r, const char *section, const char *name, const char *value,
                     bool *field)
{
    int fresh = remember(r, section, name);
    if (fresh < 0)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    if (fresh == 0)
        return fail(r, DS_EDATA, "[%s] %s is given twice", section, name);
    if (!parse_bool(value, field))
        return fail(r, DS_EDATA, "%s = '%s': expected yes or no", name, value);
    return true;
}

static bool add_select(reader *r, const char *value)
{
    ds_config *c = r->config;
    char *copy = strdup(value);
    if (copy == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    bool ok = true;
    for (char *save = NULL, *tok = strtok_r(copy, ", \t", &save); tok != NULL && ok;
         tok = strtok_r(NULL, ", \t", &save)) {
        char **p = realloc(c->select, (c->n_select + 1) * sizeof *p);
        if (p == NULL || (p[c->n_select] = strdup(tok)) == NULL) {
            if (p != NULL)
                c->select = p;
            ok = fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
            break;
        }
        c->select = p;
        c->n_select++;
    }
    free(copy);
    return ok;
}

static bool add_data(reader *r, ds_data_level level, const char *value)
{
    ds_config *c = r->config;
    if (value[0] == '\0')
        return fail(r, DS_EDATA, "[data] %s is empty", ds_data_level_name(level), "");
    ds_data_file *p = realloc(c->data, (c->n_data + 1) * sizeof *p);
    if (p == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    c->data = p;
    char *path = path_in_folder(r, value);
    if (path == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    c->data[c->n_data++] = (ds_data_file){level, path, 0};
    return true;
}

/* column.ID.ROLE = COLUMN, or column.ID.ROLE.LEVEL = COLUMN (ids hold no dot). */
static bool add_override(reader *r, const char *name, const char *value)
{
    static const char *const roles[] = {"numerator", "denominator", "value"};
    const char *id = name + strlen("column.");
    const char *dot = strchr(id, '.');
    if (dot == NULL || dot == id)
        return fail(r, DS_EDATA, "[data] %s: expected column.INDICATOR.numerator, "
                                 ".denominator or .value%s", name, "");
    const char *role_text = dot + 1;
    const char *level_dot = strchr(role_text, '.');
    size_t role_len = level_dot != NULL ? (size_t)(level_dot - role_text) : strlen(role_text);
    int role = -1;
    for (int i = 0; i < 3; i++)
        if (strlen(roles[i]) == role_len && strncmp(role_text, roles[i], role_len) == 0)
            role = i;
    if (role < 0)
        return fail(r, DS_EDATA, "[data] %s: the role must be numerator, denominator or "
                                 "value%s", name, "");
    ds_data_level level = DS_DATA_LEVEL_COUNT;
    if (level_dot != NULL) {
        for (int l = 0; l < DS_DATA_LEVEL_COUNT; l++)
            if (strcmp(level_dot + 1, DATA_LEVEL_NAMES[l]) == 0)
                level = (ds_data_level)l;
        if (level == DS_DATA_LEVEL_COUNT)
            return fail(r, DS_EDATA, "[data] %s: the level must be commune, iris, qpv, epci, "
                                     "departement, region or france%s", name, "");
    }
    if (value[0] == '\0')
        return fail(r, DS_EDATA, "[data] %s is empty%s", name, "");
    int fresh = remember(r, "data", name);
    if (fresh <= 0)
        return fresh < 0 ? fail(r, DS_ENOMEM, "out of memory%s%s", "", "")
                         : fail(r, DS_EDATA, "[data] %s is given twice%s", name, "");
    ds_config *c = r->config;
    ds_column_override *p = realloc(c->overrides, (c->n_overrides + 1) * sizeof *p);
    if (p == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    c->overrides = p;
    ds_column_override *o = &c->overrides[c->n_overrides];
    o->indicator = strndup(id, (size_t)(dot - id));
    o->column = strdup(value);
    o->role = (ds_column_role)role;
    o->line = 0;
    o->level = level;
    if (o->indicator == NULL || o->column == NULL) {
        free(o->indicator), free(o->column);
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    }
    c->n_overrides++;
    return true;
}

/* [outputs] source = TEXT (repeatable) */
static bool add_cited(reader *r, const char *value)
{
    ds_config *c = r->config;
    if (value[0] == '\0')
        return fail(r, DS_EDATA, "[outputs] source is empty%s%s", "", "");
    char **p = realloc(c->cited, (c->n_cited + 1) * sizeof *p);
    if (p == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    c->cited = p;
    if ((p[c->n_cited] = strdup(value)) == NULL)
        return fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    c->n_cited++;
    return true;
}

/* Copies the trimmed text between s and end; NULL when empty or out of memory. */
static char *trimmed(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return end > s ? strndup(s, (size_t)(end - s)) : NULL;
}

/* [ages] group = LABEL, COLUMN[, COLUMN] */
static bool add_age_group(reader *r, const char *value)
{
    ds_config *c = r->config;
    char *part[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    bool empty = false;
    for (const char *s = value;; n++) {
        const char *comma = strchr(s, ',');
        const char *end = comma != NULL ? comma : s + strlen(s);
        if (n < 4) {
            part[n] = trimmed(s, end);
            empty = empty || part[n] == NULL;
        }
        if (comma == NULL) {
            n++;
            break;
        }
        s = comma + 1;
    }
    bool ok = true;
    int sexes = (int)n - 1;
    if (n < 2 || n > 3 || empty)
        ok = fail(r, DS_EDATA, "[ages] group = '%s': expected LABEL, COLUMN or LABEL, "
                               "MEN_COLUMN, WOMEN_COLUMN (no empty part)%s", value, "");
    else if (c->age_sexes != 0 && c->age_sexes != sexes)
        ok = fail(r, DS_EDATA, "[ages] group = '%s': every group needs the same number of "
                               "columns as the first one%s", value, "");
    ds_age_group *p = ok ? realloc(c->age_groups, (c->n_age_groups + 1) * sizeof *p) : NULL;
    if (ok && p == NULL)
        ok = fail(r, DS_ENOMEM, "out of memory%s%s", "", "");
    if (!ok) {
        for (size_t i = 0; i < 4; i++)
            free(part[i]);
        return false;
    }
    c->age_groups = p;
    p[c->n_age_groups++] = (ds_age_group){part[0], {part[1], part[2]}};
    free(part[3]);
    c->age_sexes = sexes;
    return true;
}

static bool set_number(reader *r, const char *section, const char *name, const char *value,
                       double low, double high, bool open_interval, double *out)
{
    int fresh = remember(r, section, name);
    if (fresh <= 0)
        return fresh < 0 ? fail(r, DS_ENOMEM, "out of memory%s%s", "", "")
                         : fail(r, DS_EDATA, "[%s] %s is given twice", section, name);
    char *end = NULL;
    errno = 0;
    double v = strtod(value, &end);
    bool inside = open_interval ? v > low && v < high : v >= low && v <= high;
    if (end == value || *end != '\0' || errno != 0 || !isfinite(v) || !inside)
        return fail(r, DS_EDATA, "%s = '%s' is out of range or not a number", name, value);
    *out = v;
    return true;
}

static int handle(void *user, const char *section, const char *name, const char *value)
{
    reader *r = user;
    ds_config *c = r->config;
    if (strcmp(section, "territory") == 0) {
        if (strcmp(name, "code") == 0)
            return set_text(r, section, name, value, &c->territory, false);
        if (strcmp(name, "name") == 0)
            return set_text(r, section, name, value, &c->territory_name, false);
        if (strcmp(name, "definitions") == 0)
            return set_text(r, section, name, value, &c->definitions, true);
        if (strcmp(name, "level") == 0) {
            int fresh = remember(r, section, name);
            if (fresh <= 0)
                return fresh < 0 ? fail(r, DS_ENOMEM, "out of memory%s%s", "", "")
                                 : fail(r, DS_EDATA, "[%s] %s is given twice", section, name);
            if (!ds_level_from_name(value, &c->level))
                return fail(r, DS_EDATA, "level = '%s': expected commune, epci, departement, "
                                         "region, qpv or territory%s", value, "");
            c->level_given = true;
            return 1;
        }
    } else if (strcmp(section, "referential") == 0) {
        if (strcmp(name, "dir") == 0)
            return set_text(r, section, name, value, &c->referential_dir, true);
        if (strcmp(name, "qpv_communes") == 0)
            return set_text(r, section, name, value, &c->qpv_communes, true);
        if (strcmp(name, "qpv_column") == 0)
            return set_text(r, section, name, value, &c->qpv_column, false);
        if (strcmp(name, "commune_column") == 0)
            return set_text(r, section, name, value, &c->commune_column, false);
    } else if (strcmp(section, "indicators") == 0) {
        if (strcmp(name, "dictionary") == 0)
            return set_text(r, section, name, value, &c->dictionary, true);
        if (strcmp(name, "select") == 0)
            return add_select(r, value);
        if (strcmp(name, "population") == 0)
            return set_text(r, section, name, value, &c->population_indicator, false);
    } else if (strcmp(section, "data") == 0) {
        for (int level = 0; level < DS_DATA_LEVEL_COUNT; level++)
            if (strcmp(name, DATA_LEVEL_NAMES[level]) == 0)
                return add_data(r, (ds_data_level)level, value);
        if (strncmp(name, "column.", 7) == 0)
            return add_override(r, name, value);
    } else if (strcmp(section, "references") == 0) {
        static const char *const refs[] = {"departement", "region", "france"};
        for (int i = 0; i < 3; i++)
            if (strcmp(name, refs[i]) == 0)
                return set_bool(r, section, name, value, &c->reference[i]);
        if (strcmp(name, "confidence") == 0)
            return set_number(r, section, name, value, 0, 1, true, &c->confidence);
    } else if (strcmp(section, "geometry") == 0) {
        static const char *const keys[] = {"communes", "commune_id", "qpv", "qpv_id",
                                           "iris", "iris_id"};
        char **fields[] = {&c->communes_shp, &c->commune_id, &c->qpv_shp, &c->qpv_id,
                           &c->iris_shp, &c->iris_id};
        for (int i = 0; i < 6; i++)
            if (strcmp(name, keys[i]) == 0)
                return set_text(r, section, name, value, fields[i], i % 2 == 0);
    } else if (strcmp(section, "disclosure") == 0) {
        if (strcmp(name, "threshold") == 0) {
            double t;
            if (!set_number(r, section, name, value, 1, 1000, false, &t))
                return 0;
            if (t != floor(t))
                return fail(r, DS_EDATA, "threshold = '%s' is not a whole number%s", value, "");
            c->threshold = (int)t;
            return 1;
        }
    } else if (strcmp(section, "outputs") == 0) {
        static const char *const keys[] = {"html", "csv", "json", "geojson", "excel",
                                           "fictitious"};
        bool *fields[] = {&c->out_html, &c->out_csv, &c->out_json, &c->out_geojson,
                          &c->out_excel, &c->fictitious};
        for (int i = 0; i < 6; i++)
            if (strcmp(name, keys[i]) == 0)
                return set_bool(r, section, name, value, fields[i]);
        if (strcmp(name, "title") == 0)
            return set_text(r, section, name, value, &c->title, false);
        if (strcmp(name, "source") == 0)
            return add_cited(r, value);
    } else if (strcmp(section, "ages") == 0) {
        if (strcmp(name, "group") == 0)
            return add_age_group(r, value);
        if (strcmp(name, "reference") == 0) {
            static const char *const refs[] = {"departement", "region", "france", "none"};
            int fresh = remember(r, section, name);
            if (fresh <= 0)
                return fresh < 0 ? fail(r, DS_ENOMEM, "out of memory%s%s", "", "")
                                 : fail(r, DS_EDATA, "[%s] %s is given twice", section, name);
            for (int i = 0; i < 4; i++)
                if (strcmp(value, refs[i]) == 0)
                    return c->age_reference = (ds_age_reference)i, 1;
            return fail(r, DS_EDATA, "reference = '%s': expected departement, region, france "
                                     "or none%s", value, "");
        }
    } else {
        return fail(r, DS_EDATA, "unknown section [%s] (key %s)", section, name);
    }
    return fail(r, DS_EDATA, "unknown key '%s' in [%s]", name, section);
}

static char *default_text(char **field, const char *value)
{
    if (*field == NULL)
        *field = strdup(value);
    return *field;
}

ds_status ds_config_new(ds_config **out, ds_error *err)
{
    ds_config *c = calloc(1, sizeof *c);
    if (c == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    c->reference[0] = c->reference[1] = c->reference[2] = true;
    c->confidence = 0.95;
    c->threshold = 5;
    c->out_html = c->out_csv = c->out_json = c->out_geojson = true;
    *out = c;
    return DS_OK;
}

/* Fills the defaults of text fields that have one. */
static bool complete(ds_config *c)
{
    return default_text(&c->qpv_column, "qpv") && default_text(&c->commune_column, "commune") &&
           default_text(&c->population_indicator, "pop_municipale") &&
           default_text(&c->commune_id, "code") && default_text(&c->qpv_id, "code_qp") &&
           default_text(&c->iris_id, "code_iris") &&
           default_text(&c->title, "Diagnostic local de santé");
}

ds_status ds_config_load(const char *path, ds_config **out, ds_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_config_load: NULL argument");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return ds_error_set(err, DS_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    ds_config *c;
    ds_status st = ds_config_new(&c, err);
    if (st != DS_OK) {
        fclose(f);
        return st;
    }
    reader r = {.config = c, .status = DS_OK};
    const char *slash = strrchr(path, '/');
    r.folder = slash ? strndup(path, (size_t)(slash - path) + 1) : strdup("");
    c->path = strdup(path);
    if (r.folder == NULL || c->path == NULL) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    } else {
        int line = ini_parse_file(f, handle, &r);
        if (line == -2 || r.status == DS_ENOMEM)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else if (line != 0 && r.status != DS_OK)
            st = ds_error_set(err, r.status, "%s:%d: %s", path, line, r.message);
        else if (line != 0)
            st = ds_error_set(err, DS_EDATA, "%s:%d: not a 'key = value' line nor a "
                              "[section] (or a line longer than inih's limit)", path, line);
        else if (c->territory == NULL)
            st = ds_error_set(err, DS_EDATA, "%s: [territory] code is missing", path);
        else if (c->referential_dir == NULL)
            st = ds_error_set(err, DS_EDATA, "%s: [referential] dir is missing", path);
        else if (c->dictionary == NULL)
            st = ds_error_set(err, DS_EDATA, "%s: [indicators] dictionary is missing", path);
        else if (c->n_data == 0)
            st = ds_error_set(err, DS_EDATA, "%s: [data] names no data file", path);
        else if (!complete(c))
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    fclose(f);
    for (size_t i = 0; i < r.n_seen; i++)
        free(r.seen[i]);
    free(r.seen);
    free(r.folder);
    if (st != DS_OK) {
        ds_config_free(c);
        return st;
    }
    *out = c;
    return DS_OK;
}

void ds_config_free(ds_config *c)
{
    if (c == NULL)
        return;
    char *texts[] = {c->path, c->territory, c->territory_name, c->definitions,
                     c->referential_dir, c->qpv_communes, c->qpv_column, c->commune_column,
                     c->dictionary, c->population_indicator, c->communes_shp, c->commune_id,
                     c->qpv_shp, c->qpv_id, c->iris_shp, c->iris_id, c->title};
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
        free(texts[i]);
    for (size_t i = 0; i < c->n_select; i++)
        free(c->select[i]);
    free(c->select);
    for (size_t i = 0; i < c->n_data; i++)
        free(c->data[i].path);
    free(c->data);
    for (size_t i = 0; i < c->n_overrides; i++)
        free(c->overrides[i].indicator), free(c->overrides[i].column);
    free(c->overrides);
    for (size_t i = 0; i < c->n_cited; i++)
        free(c->cited[i]);
    free(c->cited);
    for (size_t i = 0; i < c->n_age_groups; i++)
        free(c->age_groups[i].label), free(c->age_groups[i].column[0]),
            free(c->age_groups[i].column[1]);
    free(c->age_groups);
    free(c);
}
