/* diagsante — the portrait's tables for Excel (portrait_write.h): the French-Excel CSV
 * variant of every table (tables/excel/NAME.csv) and a workbook (portrait.xlsx).
 *
 * Both are derived from the text of the UTF-8 tables (portrait_write.c), parsed back
 * with libcsv, so that they hold the same rows, columns and cells, withheld figures
 * included ("< 5", "s", or an empty cell as the UTF-8 table shows them):
 *  - tables/excel/NAME.csv: UTF-8 with a byte order mark, ';' between fields, CRLF line
 *    ends, and a decimal comma in the numeric columns (numeric_column below) — what a
 *    French Excel opens with a double click;
 *  - portrait.xlsx (libxlsxwriter): one sheet per chapter ("Chapitre N", the
 *    chapitre_N.csv table), "Ensemble" (tables/portrait.csv), and "Sources et
 *    méthodes" (the provenance). A cell of a numeric column that holds a number is
 *    stored as a number, with a display format chosen by its column and the
 *    indicator's kind; any other cell is text. Header row bold and frozen, an
 *    autofilter, column widths from the longest cell. libxlsxwriter writes to a file
 *    name: it writes the temporary file of a ds_output, which the commit renames.
 *    Document dates come from SOURCE_DATE_EPOCH when set (reproducible files). */
#include "portrait_model.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xlsxwriter.h>

#include "diagsante/output.h"
#include "portrait_write.h"

/* --- a CSV table parsed back ------------------------------------------------------------- */

typedef struct cells {
    size_t rows, cols;     /* cols: of the header */
    char **cell;           /* rows × cols, row-major; missing cells are NULL */
    size_t n, cap;         /* cells stored so far */
    size_t col;            /* column of the next field */
    bool failed;           /* out of memory or a ragged line */
} cells;

static void on_field(void *field, size_t len, void *data)
{
    cells *t = data;
    if (t->failed)
        return;
    if (t->rows > 0 && t->col >= t->cols) {
        t->failed = true;
        return;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        char **grown = realloc(t->cell, cap * sizeof *grown);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->cell = grown, t->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        t->failed = true;
        return;
    }
    if (len > 0)
        memcpy(copy, field, len);
    copy[len] = '\0';
    t->cell[t->n++] = copy;
    t->col++;
}

static void on_row(int term, void *data)
{
    (void)term;
    cells *t = data;
    if (t->failed)
        return;
    if (t->rows == 0)
        t->cols = t->col;
    else if (t->col != t->cols)
        t->failed = true;
    t->rows++;
    t->col = 0;
}

/* Keeps every space of a field (libcsv trims unquoted fields by default). */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void cells_free(cells *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->cell[i]);
    free(t->cell);
    *t = (cells){0};
}

/* The table that write(f, p, chapter) produces, parsed. false: out of memory. */
static bool table_of(const ds_portrait *p, int chapter, cells *t)
{
    *t = (cells){0};
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (f == NULL)
        return false;
    bool ok = chapter == 0 ? ds_portrait_write_long_csv(f, p)
                           : ds_portrait_write_chapter_csv(f, p, chapter);
    ok = fclose(f) == 0 && ok;
    struct csv_parser parser;
    if (ok && csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) == 0) {
        csv_set_space_func(&parser, no_space);
        ok = csv_parse(&parser, text, size, on_field, on_row, t) == size &&
             csv_fini(&parser, on_field, on_row, t) == 0 && !t->failed;
        csv_free(&parser);
    } else {
        ok = false;
    }
    free(text);
    if (!ok)
        cells_free(t);
    return ok;
}

static const char *cell_at(const cells *t, size_t row, size_t col)
{
    return t->cell[row * t->cols + col];
}

/* --- which columns hold numbers, and how to show them ---------------------------------- */

typedef enum col_kind {
    COL_TEXT = 0,
    COL_COUNT,  /* numerator, denominator: a whole number with thousands, else as is */
    COL_VALUE,  /* in the indicator's unit: format by its kind */
    COL_RATIO,  /* ratios: two decimals */
    COL_INTEGER /* rank, members_with_value */
} col_kind;

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The kind of a column of the UTF-8 tables, by its header name. */
static col_kind numeric_column(const char *name)
{
    if (strcmp(name, "numerator") == 0 || strcmp(name, "denominator") == 0)
        return COL_COUNT;
    if (strcmp(name, "rank") == 0 || strcmp(name, "rank_of") == 0 ||
        strcmp(name, "members_with_value") == 0)
        return COL_INTEGER;
    if (ends_with(name, "_ratio") || strncmp(name, "qpv_ratio", 9) == 0)
        return COL_RATIO;
    if (strcmp(name, "value") == 0 || strcmp(name, "lower") == 0 ||
        strcmp(name, "upper") == 0 || strcmp(name, "min") == 0 || strcmp(name, "max") == 0 ||
        ends_with(name, "_value") || ends_with(name, "_difference"))
        return COL_VALUE;
    return COL_TEXT;
}

/* A finite number written in full (the tables' "%.17g" form), into *v. */
static bool number_of(const char *text, double *v)
{
    if (*text == '\0')
        return false;
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

static const ds_indicator *indicator_of(const ds_portrait *p, const char *id)
{
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        if (strcmp(ds_portrait_row_at(p, i)->indicator->id, id) == 0)
            return ds_portrait_row_at(p, i)->indicator;
    return NULL;
}

/* --- tables/excel/NAME.csv --------------------------------------------------------------- */

typedef struct excel_csv {
    const cells *t;
    const col_kind *kinds;
} excel_csv;

static bool write_excel_csv(FILE *f, const void *data)
{
    const excel_csv *job = data;
    const cells *t = job->t;
    char buf[64];
    fputs("\xEF\xBB\xBF", f);
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->cols; c++) {
            const char *text = cell_at(t, r, c);
            double v;
            if (c > 0)
                fputc(';', f);
            if (r > 0 && job->kinds[c] != COL_TEXT && number_of(text, &v) &&
                strlen(text) < sizeof buf) {
                strcpy(buf, text);
                char *dot = strchr(buf, '.');
                if (dot != NULL)
                    *dot = ',';
                fputs(buf, f);
            } else {
                ds_output_csv_field(f, text, ';');
            }
        }
        fputs("\r\n", f);
    }
    return true; /* a write error is reported by the commit */
}

/* --- portrait.xlsx ----------------------------------------------------------------------- */

typedef struct book {
    lxw_workbook *wb;
    lxw_format *bold, *whole, *one, *two, *title;
    lxw_error error;
} book;

static void note(book *b, lxw_error e)
{
    if (b->error == LXW_NO_ERROR)
        b->error = e;
}

/* Characters of a UTF-8 text (for column widths). */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The display format of a number of an indicator's unit. */
static lxw_format *value_format(const book *b, const ds_indicator *ind)
{
    if (ind == NULL)
        return NULL;
    if (ind->kind == DS_KIND_COUNT ||
        (ind->unit != NULL && strstr(ind->unit, "euro") != NULL))
        return b->whole;
    return b->one;
}

/* Writes table t as sheet name; the indicator of each line is in column "indicator". */
static void add_table_sheet(book *b, const ds_portrait *p, const char *name, const cells *t,
                            const col_kind *kinds)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, name);
    if (ws == NULL) {
        note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    size_t id_col = SIZE_MAX;
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(cell_at(t, 0, c), "indicator") == 0)
            id_col = c;
    for (size_t r = 0; r < t->rows; r++) {
        const ds_indicator *ind =
            r > 0 && id_col != SIZE_MAX ? indicator_of(p, cell_at(t, r, id_col)) : NULL;
        for (size_t c = 0; c < t->cols; c++) {
            const char *text = cell_at(t, r, c);
            double v;
            if (r == 0) {
                note(b, worksheet_write_string(ws, 0, (lxw_col_t)c, text, b->bold));
            } else if (kinds[c] != COL_TEXT && number_of(text, &v)) {
                lxw_format *fmt = NULL;
                switch (kinds[c]) {
                case COL_COUNT: fmt = v == floor(v) ? b->whole : NULL; break;
                case COL_VALUE: fmt = value_format(b, ind); break;
                case COL_RATIO: fmt = b->two; break;
                default: fmt = NULL;
                }
                note(b, worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)c, v, fmt));
            } else if (*text != '\0') {
                note(b, worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)c, text, NULL));
            }
        }
    }
    for (size_t c = 0; c < t->cols; c++) {
        size_t width = 8;
        for (size_t r = 0; r < t->rows; r++) {
            size_t n = utf8_length(cell_at(t, r, c)) + (r == 0 ? 4 : 2);
            if (n > width)
                width = n;
        }
        note(b, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c,
                                     (double)(width > 60 ? 60 : width), NULL));
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (t->rows > 1)
        note(b, worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->rows - 1),
                                     (lxw_col_t)(t->cols - 1)));
}

/* The "Sources et méthodes" sheet: settings, methods and every input with its SHA-256. */
static void add_sources_sheet(book *b, const ds_portrait *p)
{
    lxw_worksheet *ws = workbook_add_worksheet(b->wb, "Sources et méthodes");
    if (ws == NULL) {
        note(b, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    const ds_config *c = ds_portrait_config(p);
    char text[512], withheld[40];
    lxw_row_t r = 0;
#define LINE(label, value)                                                                      \
    do {                                                                                        \
        note(b, worksheet_write_string(ws, r, 0, (label), b->bold));                            \
        note(b, worksheet_write_string(ws, r++, 1, (value), NULL));                             \
    } while (0)
    note(b, worksheet_write_string(ws, r++, 0, "Sources et méthodes", b->title));
    if (c->fictitious)
        note(b, worksheet_write_string(ws, r++, 0,
                                       "DONNÉES FICTIVES : les valeurs sont inventées pour la "
                                       "démonstration", b->title));
    r++;
    snprintf(text, sizeof text, "%s %s (%s)", ds_portrait_code(p), ds_portrait_name(p),
             ds_level_name(ds_portrait_level(p)));
    LINE("Territoire", text);
    LINE("Produit par", "diagsante " DS_VERSION);
    const char *vintage = ds_portrait_referential_vintage(p);
    LINE("Référentiel géographique", vintage != NULL ? vintage : "inconnu");
    snprintf(withheld, sizeof withheld, "< %d", c->threshold);
    snprintf(text, sizeof text,
             "les effectifs de 1 à %d sont masqués (« %s ») avec les valeurs calculées sur "
             "eux ; « s » : masqué pour ne pas révéler un autre chiffre (secret secondaire)",
             c->threshold - 1, withheld);
    LINE("Secret statistique", text);
    snprintf(text, sizeof text, "%g %%", 100 * c->confidence);
    LINE("Niveau de confiance", text);
    LINE("Intervalles", "proportions : Wilson ; taux et indices comparatifs : Poisson exact "
                        "sous 10 événements, Byar au-delà ; effectifs, indices, moyennes et "
                        "médianes publiés : sans intervalle");
    LINE("Comparaisons", "la valeur de référence dans l'intervalle de confiance du "
                         "territoire : similaire ; sinon supérieur ou inférieur, jugé meilleur "
                         "ou moins bon selon la polarité de l'indicateur (ci-benchmark)");
    LINE("Agrégation", "sommes des numérateurs et dénominateurs des communes (ou IRIS), "
                       "jamais moyenne de taux ; pas de total quand une commune manque");
    LINE("Données fictives", c->fictitious ? "oui" : "non");
    r++;
    note(b, worksheet_write_string(ws, r, 0, "Entrée", b->bold));
    note(b, worksheet_write_string(ws, r, 1, "Fichier", b->bold));
    note(b, worksheet_write_string(ws, r++, 2, "SHA-256", b->bold));
    const char *kinds[80], *paths[80];
    size_t n = ds_portrait_inputs(p, kinds, paths, 80);
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        note(b, worksheet_write_string(ws, r, 0, kinds[i], NULL));
        note(b, worksheet_write_string(ws, r, 1, paths[i], NULL));
        note(b, worksheet_write_string(ws, r++, 2,
                                       ds_sha256_file(paths[i], hex) ? hex : "illisible", NULL));
    }
#undef LINE
    note(b, worksheet_set_column(ws, 0, 0, 28, NULL));
    note(b, worksheet_set_column(ws, 1, 1, 90, NULL));
    note(b, worksheet_set_column(ws, 2, 2, 68, NULL));
}

/* The creation date of the document: SOURCE_DATE_EPOCH, else now. */
static time_t document_time(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && *sde != '\0') {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0' && v >= 0)
            return (time_t)v;
    }
    return time(NULL);
}

/* --- both --------------------------------------------------------------------------------- */

typedef struct table_set {
    int n;
    int chapter[DS_CHAPTER_COUNT + 1]; /* 0 = the long table */
    cells t[DS_CHAPTER_COUNT + 1];
    col_kind *kinds[DS_CHAPTER_COUNT + 1];
} table_set;

static void tables_free(table_set *s)
{
    for (int i = 0; i < s->n; i++) {
        cells_free(&s->t[i]);
        free(s->kinds[i]);
    }
}

static ds_status write_xlsx(ds_output_group *group, const ds_portrait *p, const char *dir,
                            const table_set *s, ds_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/portrait.xlsx", dir) >= sizeof path)
        return ds_error_set(err, DS_EUSAGE, "%s/portrait.xlsx: path too long", dir);
    ds_output *out;
    ds_status st = ds_output_group_open(group, path, &out, err);
    if (st != DS_OK)
        return st;
    book b = {0};
    lxw_workbook_options options = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    b.wb = workbook_new_opt(ds_output_temporary_path(out), &options);
    if (b.wb == NULL) {
        ds_output_abort(out);
        return ds_error_set(err, DS_ENOMEM, "%s: cannot start the workbook", path);
    }
    b.bold = workbook_add_format(b.wb);
    b.whole = workbook_add_format(b.wb);
    b.one = workbook_add_format(b.wb);
    b.two = workbook_add_format(b.wb);
    b.title = workbook_add_format(b.wb);
    if (b.bold == NULL || b.whole == NULL || b.one == NULL || b.two == NULL || b.title == NULL) {
        note(&b, LXW_ERROR_MEMORY_MALLOC_FAILED);
    } else {
        format_set_bold(b.bold);
        format_set_num_format(b.whole, "#,##0");
        format_set_num_format(b.one, "#,##0.0");
        format_set_num_format(b.two, "0.00");
        format_set_bold(b.title);
        format_set_font_size(b.title, 14);
    }
    char title[300];
    snprintf(title, sizeof title, "Portrait de santé : %s", ds_portrait_name(p));
    lxw_doc_properties props = {.title = title,
                                .author = "diagsante " DS_VERSION,
                                .comments = ds_portrait_config(p)->fictitious
                                                ? "données fictives"
                                                : NULL,
                                .created = document_time()};
    note(&b, workbook_set_properties(b.wb, &props));
    for (int i = 0; i < s->n && b.error == LXW_NO_ERROR; i++) {
        if (s->chapter[i] == 0)
            continue;
        char name[32];
        snprintf(name, sizeof name, "Chapitre %d", s->chapter[i]);
        add_table_sheet(&b, p, name, &s->t[i], s->kinds[i]);
    }
    for (int i = 0; i < s->n && b.error == LXW_NO_ERROR; i++)
        if (s->chapter[i] == 0)
            add_table_sheet(&b, p, "Ensemble", &s->t[i], s->kinds[i]);
    if (b.error == LXW_NO_ERROR)
        add_sources_sheet(&b, p);
    lxw_error closed = workbook_close(b.wb);
    note(&b, closed);
    if (b.error != LXW_NO_ERROR) {
        ds_output_abort(out);
        return ds_error_set(err, b.error == LXW_ERROR_MEMORY_MALLOC_FAILED ? DS_ENOMEM : DS_EIO,
                            "%s: %s", path, lxw_strerror(b.error));
    }
    return ds_output_commit(out, err);
}

ds_status ds_portrait_write_excel(ds_output_group *group, const ds_portrait *p, const char *dir,
                                  ds_error *err)
{
    table_set s = {0};
    ds_status st = DS_OK;
    for (int chapter = 0; chapter <= DS_CHAPTER_COUNT && st == DS_OK; chapter++) {
        if (chapter > 0 && !ds_portrait_has_chapter(p, chapter))
            continue;
        int i = s.n;
        if (!table_of(p, chapter, &s.t[i]))
            st = ds_error_set(err, DS_ENOMEM, "%s: cannot build the Excel tables", dir);
        else if ((s.kinds[i] = calloc(s.t[i].cols + 1, sizeof *s.kinds[i])) == NULL) {
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
            cells_free(&s.t[i]);
        }
        if (st != DS_OK)
            break;
        s.chapter[i] = chapter;
        for (size_t c = 0; c < s.t[i].cols; c++)
            s.kinds[i][c] = numeric_column(cell_at(&s.t[i], 0, c));
        s.n++;
    }
    char folder[4096];
    snprintf(folder, sizeof folder, "%s/tables", dir);
    if (st == DS_OK && mkdir(folder, 0777) != 0 && errno != EEXIST)
        st = ds_error_set(err, DS_EIO, "%s: cannot create the folder: %s", folder,
                          strerror(errno));
    snprintf(folder, sizeof folder, "%s/tables/excel", dir);
    if (st == DS_OK && mkdir(folder, 0777) != 0 && errno != EEXIST)
        st = ds_error_set(err, DS_EIO, "%s: cannot create the folder: %s", folder,
                          strerror(errno));
    for (int i = 0; i < s.n && st == DS_OK; i++) {
        char name[32];
        if (s.chapter[i] == 0)
            snprintf(name, sizeof name, "portrait.csv");
        else
            snprintf(name, sizeof name, "chapitre_%d.csv", s.chapter[i]);
        excel_csv job = {&s.t[i], s.kinds[i]};
        st = ds_output_write_in(group, folder, name, write_excel_csv, &job, err);
    }
    if (st == DS_OK)
        st = write_xlsx(group, p, dir, &s, err);
    tables_free(&s);
    return st;
}
