/* diagsante — tests of the HTML report of a portrait (engine/portrait_html.c).
 *
 * Two portraits are written and read back as text:
 *  - a fixture written here in a temporary folder, on the hand-made referential of
 *    tests/fixtures/referential/mini: Toulouse Métropole (EPCI 243100518 = Blagnac
 *    31069 + Toulouse 31555, two QPV in Toulouse), five indicators in chapters 1, 2, 4
 *    and 5, disclosure threshold 1000 so that withheld counts have three digits and
 *    can be looked for. Every withheld number below is summed by hand from the CSV
 *    written in fixture_write;
 *  - the demo portrait (datasets/demo/portrait/diagnostic.ini, données fictives), and
 *    with maps from the shared open data (diagnostic_cartes.ini) when it is there.
 * Run from the project root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <ctype.h>
#include <limits.h>
#include <shapefil.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/config.h"
#include "diagsante/portrait.h"
#include "portrait_html.h"
#include "portrait_write.h"

#define NNBSP "\xE2\x80\xAF"

/* --- helpers -------------------------------------------------------------------------- */

static void write_text(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + len, needle))
        n++;
    return n;
}

#define assert_contains(s, needle)                                                     \
    do {                                                                               \
        if (strstr((s), (needle)) == NULL)                                             \
            fail_msg("'%s' is not in the HTML", (needle));                             \
    } while (0)
#define assert_lacks(s, needle)                                                        \
    do {                                                                               \
        const char *at_ = strstr((s), (needle));                                       \
        if (at_ != NULL)                                                               \
            fail_msg("'%s' is in the HTML: ...%.80s...", (needle),                     \
                     at_ - (s) > 30 ? at_ - 30 : (s));                                 \
    } while (0)

/* Loads config, computes its territory and writes portrait.html into out_dir; returns
 * the HTML text (free it). */
static char *render(const char *config_path, const char *out_dir)
{
    ds_config *config = NULL;
    ds_portrait_context *ctx = NULL;
    ds_portrait *p = NULL;
    ds_error err;
    ds_error_clear(&err);
    if (ds_config_load(config_path, &config, &err) != DS_OK)
        fail_msg("ds_config_load: %s", err.message);
    if (ds_portrait_context_open(config, &ctx, &err) != DS_OK)
        fail_msg("ds_portrait_context_open: %s", err.message);
    if (ds_portrait_compute(ctx, config->territory,
                            config->level_given ? config->level : DS_LEVEL_COUNT, &p,
                            &err) != DS_OK)
        fail_msg("ds_portrait_compute: %s", err.message);
    ds_portrait_outputs what = {.html = true};
    if (ds_portrait_write(p, out_dir, &what, &err) != DS_OK)
        fail_msg("ds_portrait_write: %s", err.message);
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(config);
    char path[512];
    snprintf(path, sizeof path, "%s/portrait.html", out_dir);
    return read_all(path);
}

/* Structure every report must have: one document, balanced elements, nothing loaded
 * from outside, every link internal. */
static void assert_self_contained_and_balanced(const char *html)
{
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"fr\">", 32) == 0);
    size_t len = strlen(html);
    assert_true(len > 7 && strcmp(html + len - 8, "</html>\n") == 0);
    static const char *const external[] = {"http://", "https://", "src=", "@import",
                                           "<link", "<script", "<img", "<iframe", "<object",
                                           "<embed", "xlink:href", "ftp://", "file:"};
    for (size_t k = 0; k < sizeof external / sizeof *external; k++)
        assert_lacks(html, external[k]);
    for (const char *p = strstr(html, "href=\""); p != NULL; p = strstr(p + 6, "href=\""))
        if (p[6] != '#')
            fail_msg("a link leaves the page: %.60s", p);
    for (const char *p = strstr(html, "url("); p != NULL; p = strstr(p + 4, "url("))
        if (p[4] != '#')
            fail_msg("a resource outside the page: %.60s", p);
    static const char *const pairs[][2] = {{"<svg", "</svg>"},         {"<table", "</table>"},
                                           {"<section", "</section>"}, {"<figure", "</figure>"},
                                           {"<tr>", "</tr>"},          {"<ul>", "</ul>"},
                                           {"<ol", "</ol>"},           {"<thead>", "</thead>"},
                                           {"<tbody>", "</tbody>"},    {"<header", "</header>"},
                                           {"<footer", "</footer>"},   {"<main>", "</main>"},
                                           {"<style>", "</style>"},    {"<dl", "</dl>"}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
        if (count_of(html, pairs[k][0]) != count_of(html, pairs[k][1]))
            fail_msg("%zu '%s' but %zu '%s'", count_of(html, pairs[k][0]), pairs[k][0],
                     count_of(html, pairs[k][1]), pairs[k][1]);
    /* Elements open and close in order: <svg> and <table> never nest in themselves. */
    static const char *const flat[][2] = {{"<svg", "</svg>"}, {"<table", "</table>"}};
    for (size_t k = 0; k < 2; k++) {
        int depth = 0;
        for (const char *p = html; *p; p++) {
            if (strncmp(p, flat[k][0], strlen(flat[k][0])) == 0)
                depth++;
            else if (strncmp(p, flat[k][1], strlen(flat[k][1])) == 0)
                depth--;
            if (depth < 0 || depth > 1)
                fail_msg("'%s' badly nested near %.60s", flat[k][0], p);
        }
        assert_int_equal(depth, 0);
    }
    /* Every chapter title, in its heading. */
    for (int ch = 1; ch <= DS_CHAPTER_COUNT; ch++) {
        char heading[256];
        snprintf(heading, sizeof heading, "<h3>%d. %s</h3>", ch, ds_chapter_name(ch));
        assert_contains(html, heading);
    }
    for (int first = 1; first <= DS_CHAPTER_COUNT; first += 3) {
        char heading[256];
        snprintf(heading, sizeof heading, "<h2>%s</h2>", ds_chapter_portrait(first));
        assert_contains(html, heading);
    }
    assert_contains(html, "<h2>Méthodes</h2>");
    assert_contains(html, "<h2>Provenance des données</h2>");
    assert_contains(html, "diagsante " DS_VERSION);
}

/* The numbers written in the page, as values: digits with an optional decimal part
 * ("," or ".") and thousands separated by U+202F or U+00A0. A number glued to a letter
 * ("13mm", hex digits of a hash) or following '#' (colours, character references) is no
 * value and is skipped. With text_only, only the text shown (outside tags and <style>)
 * and the title and aria-label attributes are read: the SVG coordinates are not
 * values. Returns how many were found; *out is malloc'ed. */
static size_t numbers_in(const char *html, bool text_only, double **out)
{
    size_t n = 0, cap = 1024;
    double *v = malloc(cap * sizeof *v);
    assert_non_null(v);
    const char *style_end = strstr(html, "</style>");
    bool in_tag = false, in_attr = false;
    for (const char *p = html; *p;) {
        if (text_only) {
            if (!in_tag && style_end != NULL && p < style_end && strncmp(p, "<style>", 7) == 0) {
                p = style_end;
                continue;
            }
            if (!in_tag && *p == '<') {
                in_tag = true, p++;
                continue;
            }
            if (in_tag && !in_attr) {
                if (*p == '>') {
                    in_tag = false, p++;
                    continue;
                }
                if (strncmp(p, "title=\"", 7) == 0 || strncmp(p, "aria-label=\"", 12) == 0) {
                    in_attr = true;
                    p = strchr(p, '"') + 1;
                    continue;
                }
                p++;
                continue;
            }
            if (in_attr && *p == '"') {
                in_attr = false, p++;
                continue;
            }
        }
        const unsigned char *u = (const unsigned char *)p;
        bool starts = isdigit(u[0]) &&
                      (p == html || !(isalnum((unsigned char)p[-1]) || p[-1] == '#' ||
                                      p[-1] == '.' || p[-1] == ','));
        if (!starts) {
            p++;
            continue;
        }
        char digits[128];
        size_t k = 0;
        const char *q = p;
        while (k < sizeof digits - 1) {
            if (isdigit((unsigned char)*q)) {
                digits[k++] = *q++;
            } else if (strncmp(q, NNBSP, 3) == 0 && isdigit((unsigned char)q[3])) {
                q += 3;
            } else if (strncmp(q, "\xC2\xA0", 2) == 0 && isdigit((unsigned char)q[2])) {
                q += 2;
            } else if ((*q == ',' || *q == '.') && isdigit((unsigned char)q[1]) &&
                       strchr(digits, '.') == NULL) {
                digits[k++] = '.', q++;
                digits[k] = '\0';
            } else {
                break;
            }
            digits[k] = '\0';
        }
        digits[k] = '\0';
        if (!isalpha((unsigned char)*q) && *q != '#') {
            if (n == cap) {
                cap *= 2;
                v = realloc(v, cap * sizeof *v);
                assert_non_null(v);
            }
            v[n++] = strtod(digits, NULL);
        }
        p = q;
    }
    *out = v;
    return n;
}

static void assert_number_absent(const double *values, size_t n, double forbidden,
                                 const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(values[i] - forbidden) <= 1e-9 * fabs(forbidden))
            fail_msg("the withheld %s (%.17g) is printed in the HTML", what, forbidden);
}

/* --- the fixture ------------------------------------------------------------------------- */

/* Data (threshold 1000: counts 1..999 withheld):
 *   commune  pop     actifs  chom   rare  deces  (revenu: EPCI file only)
 *   31069    25000   12000   1500   13    1200
 *   31555    514819  260000  41800  968   4100
 *   31001    100     50      0      2     0
 *   81001    200     90      0      1     0
 *   81002    50      20      0      0     0
 *   QPV QP031001 (31555): pop 20000, actifs 9000, chom 523, deces 1100
 *   QPV QP031002 (31555): pop 15000, actifs 7000, chom 398, deces 1500
 * Toulouse Métropole = 31069 + 31555: pop 539819, chom 43300 / 272000, rare 981
 * (withheld), deces 5300. Département 31 = + 31001: rare 983 (withheld); région 76
 * = + 81001 + 81002: rare 984 (withheld). QPV chom = 523 + 398 = 921 (withheld), so
 * the rest, 43300 - 921 = 42379, is withheld too (secondary). Members: Blagnac's rare
 * 13 is withheld, so Toulouse's 968 is too (secondary). */
static const double WITHHELD_COUNTS[] = {981, 983, 984, 921, 42379, 968};
static const char *const WITHHELD_NAMES[] = {"territory count", "département count",
                                             "région count", "QPV count",
                                             "outside-QPV count (secondary)",
                                             "member count (secondary)"};
/* The values built on them, as the report would round them (1 decimal):
 * 981 / 539819 × 1e5 = 181.73; 983 / 539919 × 1e5 = 182.07 (département: + 100
 * inhabitants); 984 / 540169 × 1e5 = 182.16 (région: + 200 + 50); 921 / 16000 × 100 =
 * 5.76 (QPV actifs 9000 + 7000); 42379 / 256000 × 100 = 16.55 (272000 - 16000). */
static const double WITHHELD_VALUES[] = {181.7, 182.1, 182.2, 5.8, 16.6};

typedef struct square {
    const char *code;
    double x0, y0, x1, y1; /* metres from (570000, 6280000), near Toulouse in Lambert-93 */
} square;

/* A polygon shapefile of rectangles with one text field. */
static void write_squares(const char *name, const char *field, const square *items, size_t n)
{
    char base[256];
    snprintf(base, sizeof base, "%s/%s", test_dir, name);
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    DBFHandle dbf = DBFCreateEx(base, "UTF-8");
    assert_non_null(shp);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, field, FTString, 16, 0), 0);
    for (size_t i = 0; i < n; i++) {
        const square *r = &items[i];
        double x[5] = {r->x0, r->x0, r->x1, r->x1, r->x0};
        double y[5] = {r->y0, r->y1, r->y1, r->y0, r->y0};
        for (int k = 0; k < 5; k++)
            x[k] += 570000, y[k] += 6280000;
        int start = 0;
        SHPObject *o = SHPCreateObject(SHPT_POLYGON, -1, 1, &start, NULL, 5, x, y, NULL, NULL);
        assert_true(SHPWriteObject(shp, -1, o) >= 0);
        SHPDestroyObject(o);
        assert_true(DBFWriteStringAttribute(dbf, (int)i, 0, r->code));
    }
    SHPClose(shp);
    DBFClose(dbf);
    char prj[300];
    snprintf(prj, sizeof prj, "%s.prj", base);
    write_text(strrchr(prj, '/') + 1, LAMBERT93_WKT);
}

/* Blagnac west of Toulouse, a commune that is no member (drawn nowhere), the two QPV
 * inside Toulouse and one QPV elsewhere. */
static void write_geometry(void)
{
    static const square communes[] = {{"31069", 0, 0, 1000, 1000},
                                      {"31555", 1000, 0, 3000, 2000},
                                      {"31001", 9000, 9000, 9500, 9500}};
    static const square qpv[] = {{"QP031001", 1200, 200, 1600, 600},
                                 {"QP031002", 2000, 1000, 2400, 1400},
                                 {"QP031003", 9100, 9100, 9200, 9200}};
    write_squares("communes", "insee", communes, 3);
    write_squares("qpv", "code_qp", qpv, 3);
}

/* geometry: "" for none, else the [geometry] section to add. */
static void fixture_write(const char *territory_name, bool fictitious, const char *geometry)
{
    write_text("dictionary.csv",
               "id,label,chapter,bases,numerator,denominator,kind,unit,multiplier,polarity,"
               "source,numerator_column,denominator_column,value_column,aggregable\n"
               "pop_municipale,Population municipale,1,prevention,habitants,,count,habitants,"
               "1,context,test,pop,,,yes\n"
               "chomage,Taux de chômage,2,prevention,chômeurs,actifs,proportion,%,100,worse,"
               "test,chom,actifs,,yes\n"
               "revenu,Revenu médian,2,prevention,revenu,,median,euros,1,better,test,,,revenu,"
               "no\n"
               "deces,Décès,4,prevention,décès,habitants,rate,pour 100 000 habitants,100000,"
               "worse,test,deces,pop,,yes\n"
               "evenements,Événements rares,5,prevention,événements,habitants,rate,"
               "pour 100 000 habitants,100000,worse,test,rare,pop,,yes\n");
    write_text("communes.csv", "code,pop,actifs,chom,rare,deces\n"
                               "31069,25000,12000,1500,13,1200\n"
                               "31555,514819,260000,41800,968,4100\n"
                               "31001,100,50,0,2,0\n"
                               "81001,200,90,0,1,0\n"
                               "81002,50,20,0,0,0\n");
    write_text("qpv.csv", "code_qp,pop,actifs,chom,deces\n"
                          "QP031001,20000,9000,523,1100\n"
                          "QP031002,15000,7000,398,1500\n");
    write_text("qpv_communes.csv", "qpv,commune\nQP031001,31555\nQP031002,31555\n");
    write_text("epci.csv", "code,revenu\n243100518,22100\n200099992,19000\n");
    write_text("france.csv", "pays,pop,actifs,chom,rare,deces,revenu\n"
                             "France,66000000,30000000,2700000,25000,600000,22000\n");
    char ref[2048];
    assert_non_null(getcwd(ref, 1024));
    strcat(ref, "/tests/fixtures/referential/mini");
    char ini[4096];
    snprintf(ini, sizeof ini,
             "[territory]\ncode = 243100518\nname = %s\n"
             "[referential]\ndir = %s\nqpv_communes = qpv_communes.csv\n"
             "[indicators]\ndictionary = dictionary.csv\n"
             "[data]\ncommune = communes.csv\nqpv = qpv.csv\nepci = epci.csv\n"
             "france = france.csv\n"
             "[disclosure]\nthreshold = 1000\n"
             "[outputs]\ntitle = Portrait <test>\nfictitious = %s\n%s",
             territory_name, ref, fictitious ? "yes" : "no", geometry);
    if (*geometry != '\0')
        write_geometry();
    write_text("diagnostic.ini", ini);
}

/* The [geometry] of the fixture's shapefiles. */
#define MAPS "[geometry]\ncommunes = communes.shp\ncommune_id = insee\nqpv = qpv.shp\n"

static char *fixture_render(const char *territory_name, bool fictitious, const char *geometry)
{
    fixture_write(territory_name, fictitious, geometry);
    char config[256], out[256];
    snprintf(config, sizeof config, "%s/diagnostic.ini", test_dir);
    snprintf(out, sizeof out, "%s/out", test_dir);
    return render(config, out);
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_fmt_fr(void **state)
{
    (void)state;
    char buf[DS_FMT_FR_MAX];
    assert_string_equal(ds_fmt_fr(127408, 0, buf), "127" NNBSP "408");
    assert_string_equal(ds_fmt_fr(65505213, 0, buf), "65" NNBSP "505" NNBSP "213");
    assert_string_equal(ds_fmt_fr(999, 0, buf), "999");
    assert_string_equal(ds_fmt_fr(1000, 0, buf), "1" NNBSP "000");
    assert_string_equal(ds_fmt_fr(20.518334798442798, 1, buf), "20,5");
    assert_string_equal(ds_fmt_fr(20.55, 1, buf), "20,6"); /* 20.550000000000000711 */
    assert_string_equal(ds_fmt_fr(999.96, 1, buf), "1" NNBSP "000,0");
    assert_string_equal(ds_fmt_fr(-1234.5, 1, buf), "\xE2\x88\x92" "1" NNBSP "234,5");
    assert_string_equal(ds_fmt_fr(-0.04, 1, buf), "0,0"); /* no "−0,0" */
    assert_string_equal(ds_fmt_fr(0.456, 2, buf), "0,46");
    assert_string_equal(ds_fmt_fr(3.5, 9, buf), "3,500000"); /* clamped to 6 */
    assert_string_equal(ds_fmt_fr(2.5, -1, buf), "2");       /* clamped to 0; %.0f rounds to even */
    assert_string_equal(ds_fmt_fr(NAN, 1, buf), "");
    assert_string_equal(ds_fmt_fr(INFINITY, 1, buf), "");
    assert_string_equal(ds_fmt_fr(1.5e15, 1, buf), "1,5e+15");
}

/* The fixture: structure, escaping, French numbers, findings, provenance. */
static void test_fixture_report(void **state)
{
    (void)state;
    char *html = fixture_render("Métropole <test> & \"CLS\" l'essai", false, "");
    assert_self_contained_and_balanced(html);
    /* Not fictitious: no banner. */
    assert_lacks(html, "Données fictives");
    assert_lacks(html, "<div class=\"fictif-filigrane\"");
    assert_lacks(html, "fictif-etiquette\">");
    /* Escaping of the territory name and the title, everywhere. */
    assert_contains(html, "Métropole &lt;test&gt; &amp; &quot;CLS&quot; l&#39;essai");
    assert_contains(html, "<h1>Portrait &lt;test&gt;</h1>");
    assert_lacks(html, "<test>");
    /* Header: level, code, département and région, population and QPV share:
     * 35000 / 539819 = 6.48 %. */
    assert_contains(html, "<dt>Niveau</dt><dd>EPCI</dd>");
    assert_contains(html, "<dt>Code</dt><dd>243100518</dd>");
    assert_contains(html, "Haute-Garonne (31)");
    assert_contains(html, "Occitanie (76)");
    assert_contains(html, "539" NNBSP "819 habitants");
    assert_contains(html, "35" NNBSP "000 habitants, soit 6,5" NNBSP "%");
    assert_contains(html, "(2 quartiers prioritaires)");
    /* Table: the unemployment rate 43300 / 272000 = 15.92 %; France 2700000 / 30000000
     * = 9.0 %: the territory is higher, worse. */
    assert_contains(html, "43" NNBSP "300");
    assert_contains(html, ">15,9<");
    assert_contains(html, ">9,0<");
    assert_contains(html, "▲ moins bon");
    /* Counts have no comparison mark. Withheld: "< 1 000" (primary), "s" (secondary). */
    assert_contains(html, "&lt; 1" NNBSP "000</span>");
    assert_contains(html, "\">s</span>");
    /* The median is not aggregable and the EPCI file publishes it: 22 100 euros,
     * ranked 1 of 2 EPCI of the région (19 000 for the other). */
    assert_contains(html, "22" NNBSP "100");
    assert_contains(html, "1" NNBSP "/" NNBSP "2");
    /* Findings: QPV deaths 2600 / 35000 × 1e5 = 7428.6 against 2700 / 504819 × 1e5 =
     * 534.8: significantly higher in the QPV; unemployment worse than France. */
    assert_contains(html, "plus élevé dans les QPV</span> (7" NNBSP "428,6 contre 534,8)");
    /* The région: unemployment 43300 / 272160 = 15.91 %, inside the territory's
     * interval; the only indicator tested against it in chapter 2. */
    assert_contains(html, "<strong>Par rapport à la région (Occitanie)</strong>, aucun écart "
                          "significatif pour le seul indicateur testé.");
    assert_contains(html, "<strong>Par rapport à la France métropolitaine</strong>, "
                          "significativement <span class=\"pire\">moins favorable</span> : "
                          "taux de chômage (15,9" NNBSP "% contre 9,0" NNBSP "%)");
    /* Chapters without indicators say so; chapters with some have a chart. */
    assert_contains(html, "Aucun indicateur de ce chapitre dans ce portrait");
    assert_true(count_of(html, "<svg") >= 3);
    /* Méthodes: the rules; provenance: the dictionary's SHA-256. */
    assert_contains(html, "Wilson");
    assert_contains(html, "Byar");
    assert_contains(html, "jamais comme une moyenne de taux");
    char path[256], hex[65];
    snprintf(path, sizeof path, "%s/dictionary.csv", test_dir);
    assert_true(ds_sha256_file(path, hex));
    assert_contains(html, hex);
    assert_contains(html, "Mini test referential (hand-made)");
    free(html);
}

/* No withheld number anywhere: not as a count (anywhere in the file, tags included),
 * not as the value built on it (in the text, titles and labels). */
static void test_fixture_withholds(void **state)
{
    (void)state;
    char *html = fixture_render("Toulouse Métropole", false, MAPS);
    assert_contains(html, "<svg class=\"defs\""); /* the maps are scanned too */
    double *all = NULL, *shown = NULL;
    size_t n_all = numbers_in(html, false, &all);
    size_t n_shown = numbers_in(html, true, &shown);
    assert_true(n_all > n_shown && n_shown > 100);
    /* The scanner finds the numbers it must: the population and the France count. */
    bool population = false, france = false;
    for (size_t i = 0; i < n_shown; i++)
        population = population || shown[i] == 539819, france = france || shown[i] == 25000;
    assert_true(population);
    assert_true(france); /* the France count of rare events (25 000) is not withheld */
    for (size_t k = 0; k < sizeof WITHHELD_COUNTS / sizeof *WITHHELD_COUNTS; k++)
        assert_number_absent(all, n_all, WITHHELD_COUNTS[k], WITHHELD_NAMES[k]);
    for (size_t k = 0; k < sizeof WITHHELD_VALUES / sizeof *WITHHELD_VALUES; k++)
        assert_number_absent(shown, n_shown, WITHHELD_VALUES[k], "value");
    free(all);
    free(shown);
    free(html);
}

/* Fictitious: the banner, the watermark and a label on every chapter. */
static void test_fixture_fictitious(void **state)
{
    (void)state;
    char *html = fixture_render("Toulouse Métropole", true, "");
    assert_self_contained_and_balanced(html);
    assert_contains(html, "<div class=\"fictif-filigrane\" aria-hidden=\"true\">Données "
                          "fictives</div>");
    assert_true(count_of(html, "<p class=\"fictif-etiquette\">Données fictives</p>") ==
                DS_CHAPTER_COUNT);
    assert_contains(html, "(données fictives)</title>");
    free(html);
}

/* With SOURCE_DATE_EPOCH two runs give the same bytes, dated from it. */
static void test_fixture_reproducible(void **state)
{
    (void)state;
    assert_int_equal(setenv("SOURCE_DATE_EPOCH", "0", 1), 0);
    char *a = fixture_render("Toulouse Métropole", false, MAPS);
    char *b = fixture_render("Toulouse Métropole", false, MAPS);
    assert_int_equal(unsetenv("SOURCE_DATE_EPOCH"), 0);
    assert_string_equal(a, b);
    assert_contains(a, "<dt>Généré le</dt><dd>1er janvier 1970</dd>");
    assert_contains(a, "le 1er janvier 1970.");
    free(a);
    free(b);
}

/* Maps: the member shapes once, a choropleth per indicator with member values, the QPV
 * outlines; withheld members hatched with no value in their title. */
static void test_fixture_maps(void **state)
{
    (void)state;
    char *html = fixture_render("Toulouse Métropole", false, MAPS);
    assert_self_contained_and_balanced(html);
    /* Members in the order of the referential (31069, 31555): m0, m1; 31001 is no member;
     * QP031003 is no QPV of the territory. */
    assert_contains(html, "<path id=\"m0\" d=\"M");
    assert_contains(html, "<path id=\"m1\" d=\"M");
    assert_lacks(html, "<path id=\"m2\"");
    assert_contains(html, "<path id=\"q0\" d=\"M");
    assert_contains(html, "<path id=\"q1\" d=\"M");
    assert_lacks(html, "<path id=\"q2\"");
    assert_int_equal(count_of(html, "<path id=\"m"), 2);
    /* The members are drawn north up (an equal-area projection centred on them), and
     * their squares are squares of Lambert-93, whose meridians converge: at 1.4° E,
     * γ = n (λ − 3°) = 0.7256 × (−1.6°) = −1.15°. The union, 3000 × 2000 m with Blagnac
     * (0-1000 × 0-1000) at its south-west, turned by γ spans 3000 cos γ + 1000 sin γ =
     * 3019.8 m across and 2000 cos γ + 3000 sin γ = 2059.8 m down: a view box 300 wide
     * (3 units of margin) and ceil(6 + 294 × 2059.8 / 3019.8) = ceil(206.5) = 207 high. */
    assert_contains(html, "viewBox=\"0 0 300 207\"");
    /* Maps for unemployment and deaths (members with values) and rare events (both
     * withheld: hatched); none for the median (no member value) nor the population (a
     * count). */
    assert_int_equal(count_of(html, "<svg class=\"carte\""), 3);
    assert_int_equal(count_of(html, "<use href=\"#m"), 6);
    assert_int_equal(count_of(html, "<use href=\"#q"), 6);
    /* Blagnac: 1500 / 12000 = 12.5 % unemployed; Toulouse 41800 / 260000 = 16.1 %. */
    assert_contains(html, "<title>Blagnac : 12,5" NNBSP "%</title>");
    assert_contains(html, "<title>Toulouse : 16,1" NNBSP "%</title>");
    assert_contains(html, "fill=\"url(#hachures)\"><title>Blagnac : secret statistique</title>");
    assert_contains(html, "fill=\"url(#hachures)\"><title>Toulouse : secret statistique</title>");
    assert_contains(html, "<title>QP031001</title>");
    /* Two values: one class break between them, two classes at both ends of the ramp. */
    assert_contains(html, "<use href=\"#m0\" class=\"k0\"><title>Blagnac : 12,5");
    assert_contains(html, "<use href=\"#m1\" class=\"k4\"><title>Toulouse : 16,1");
    /* The geometry files are in the provenance. */
    assert_contains(html, "contours des communes");
    assert_contains(html, "contours des QPV");
    free(html);
}

/* A missing or wrong geometry file does not stop the report: the cover says why. */
static void test_fixture_map_errors(void **state)
{
    (void)state;
    char *html = fixture_render("Toulouse Métropole", false,
                                "[geometry]\ncommunes = absent.shp\n");
    assert_self_contained_and_balanced(html);
    assert_contains(html, "<dt>Cartes</dt><dd>non produites : ");
    assert_contains(html, "absent.shp");
    assert_lacks(html, "<svg class=\"carte\"");
    free(html);
    html = fixture_render("Toulouse Métropole", false,
                          "[geometry]\ncommunes = communes.shp\ncommune_id = code_commune\n");
    assert_contains(html, "<dt>Cartes</dt><dd>non produites : ");
    assert_contains(html, "no field &#39;code_commune&#39; (fields: insee)");
    free(html);
}

/* The demo portrait: fictitious, every section, balanced, self-contained. */
static void test_demo_report(void **state)
{
    (void)state;
    char out[256];
    snprintf(out, sizeof out, "%s/demo", test_dir);
    char *html = render("datasets/demo/portrait/diagnostic.ini", out);
    assert_self_contained_and_balanced(html);
    assert_contains(html, "Données fictives");
    assert_contains(html, "<div class=\"fictif-filigrane\"");
    assert_contains(html, "CA Tarbes-Lourdes-Pyrénées");
    assert_contains(html, "Hautes-Pyrénées (65)");
    /* 127408 inhabitants, 8354 in QPV: 6.56 % (the CLI's summary says the same). */
    assert_contains(html, "127" NNBSP "408 habitants");
    assert_contains(html, "8" NNBSP "354 habitants, soit 6,6" NNBSP "%");
    assert_true(count_of(html, "<svg") >= 20);
    assert_true(count_of(html, "class=\"constats\"") == DS_CHAPTER_COUNT);
    free(html);
}

/* The demo with the shared commune and QPV contours: the 86 communes of the EPCI (2026)
 * are all drawn from the 2018 contours (codes put on today's communes), with the 4 QPV
 * of the territory. */
static void test_demo_maps(void **state)
{
    (void)state;
    require_shared("communes_2018/communes_occitanie_2018_lb93.shp");
    require_shared("qpv2015_occitanie/qp_occitanie_2015_lb93.shp");
    char out[256];
    snprintf(out, sizeof out, "%s/demo_maps", test_dir);
    char *html = render("datasets/demo/portrait/diagnostic_cartes.ini", out);
    assert_self_contained_and_balanced(html);
    assert_lacks(html, "<dt>Cartes</dt>");
    assert_int_equal(count_of(html, "<path id=\"m"), 86);
    assert_int_equal(count_of(html, "<path id=\"q"), 4);
    assert_true(count_of(html, "<svg class=\"carte\"") >= 20);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_fr),
        cmocka_unit_test(test_fixture_report),
        cmocka_unit_test(test_fixture_withholds),
        cmocka_unit_test(test_fixture_fictitious),
        cmocka_unit_test(test_fixture_reproducible),
        cmocka_unit_test(test_fixture_maps),
        cmocka_unit_test(test_fixture_map_errors),
        cmocka_unit_test(test_demo_report),
        cmocka_unit_test(test_demo_maps),
    };
    return cmocka_run_group_tests_name("portrait_html", tests, test_dir_create, test_dir_remove);
}
