/* diagsante — tests of the indicator dictionary (engine/indicators.c).
 *
 * Part 1 checks the shipped datasets/indicateurs.csv against counts computed
 * independently with Python's csv module (the command is next to the numbers). Part 2
 * checks the code tables (kinds, polarities, bases, chapters). Part 3 loads small
 * dictionaries written byte for byte into a temporary folder: valid ones (another
 * separator and column order, Windows-1252 bytes) and one per rule broken, whose error
 * must be DS_EDATA naming the file, the line and the column. Run from the project root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/indicators.h"
#include "helpers.h"

#define SHIPPED "datasets/indicateurs.csv"

/* --- helpers ----------------------------------------------------------------------- */

static ds_dictionary *load_ok(const char *path)
{
    ds_dictionary *dict = NULL;
    ds_error err;
    ds_error_clear(&err);
    ds_status s = ds_dictionary_load(path, &dict, &err);
    if (s != DS_OK)
        fail_msg("ds_dictionary_load(%s): %s", path, err.message);
    assert_non_null(dict);
    return dict;
}

/* Writes bytes to test_dir/name; the path goes into path (PATH_MAX-free: 256 bytes). */
static void fixture(const char *name, const char *bytes, char path[256])
{
    snprintf(path, 256, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    size_t len = strlen(bytes);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

#define HEADER                                                                          \
    "id,label,chapter,bases,numerator,denominator,kind,unit,multiplier,polarity,source," \
    "numerator_column,denominator_column,value_column,aggregable\n"
/* A valid first row (line 2), so that the row under test is on line 3. */
#define ROW_OK "ok,Libellé,1,prevention,Num,Den,proportion,%,100,worse,Source,n,d,,yes\n"

/* Loads HEADER ROW_OK row (row on line 3, or the whole content when row is NULL and
 * content given) and checks that the load fails with DS_EDATA, *out NULL, and a message
 * naming the file, the line and the column, in the dictionary's format ("F, line N,
 * column 'C'") or ds_table_load's ("F:N: column K (C)"), and holding word. */
static void expect_edata_in(const char *content, size_t line, const char *column,
                            const char *word)
{
    static int serial;
    char name[32], path[256];
    snprintf(name, sizeof name, "bad%d.csv", ++serial);
    fixture(name, content, path);
    ds_dictionary *dict = (ds_dictionary *)&serial; /* must be reset to NULL */
    ds_error err;
    ds_error_clear(&err);
    ds_status s = ds_dictionary_load(path, &dict, &err);
    if (s != DS_EDATA)
        fail_msg("status %d (%s), expected DS_EDATA for:\n%s", (int)s, err.message, content);
    assert_null(dict);
    char ours[400], table[400];
    snprintf(ours, sizeof ours, "%s, line %zu, column '%s'", path, line, column);
    snprintf(table, sizeof table, "%s:%zu: column ", path, line);
    char named[64];
    snprintf(named, sizeof named, "(%s)", column);
    bool ours_ok = strstr(err.message, ours) != NULL;
    bool table_ok = strstr(err.message, table) != NULL && strstr(err.message, named) != NULL;
    if (!ours_ok && !table_ok)
        fail_msg("message \"%s\" does not name %s, line %zu, column %s", err.message, path,
                 line, column);
    if (word != NULL && strstr(err.message, word) == NULL)
        fail_msg("message \"%s\" does not say \"%s\"", err.message, word);
}

static void expect_edata(const char *row, const char *column, const char *word)
{
    char content[2048];
    snprintf(content, sizeof content, "%s%s%s", HEADER, ROW_OK, row);
    expect_edata_in(content, 3, column, word);
}

/* --- part 1: the shipped dictionary ---------------------------------------------------- */

/* Expected counts, computed from the CSV with Python's csv module, independently of the
 * loader:
 *   python3 -c "import csv; r = list(csv.DictReader(open('datasets/indicateurs.csv',
 *     encoding='utf-8'))); print(len(r),
 *     [sum(x['chapter'] == str(c) for x in r) for c in range(1, 10)],
 *     [sum(b in x['bases'].split('|') for x in r) for b in ('prevention', 'acces_soins',
 *     'sante_env', 'sante_mentale')], sum(x['aggregable'] == 'yes' for x in r))"
 * gives 81 [8, 13, 8, 16, 4, 6, 10, 10, 6] [51, 47, 10, 19] 51. */
#define SHIPPED_COUNT 81
static const size_t SHIPPED_CHAPTERS[DS_CHAPTER_COUNT] = {8, 13, 8, 16, 4, 6, 10, 10, 6};
static const size_t SHIPPED_BASES[DS_BASE_COUNT] = {51, 47, 10, 19};
#define SHIPPED_AGGREGABLE 51

static void test_shipped_counts(void **state)
{
    (void)state;
    ds_dictionary *dict = load_ok(SHIPPED);
    assert_string_equal(ds_dictionary_path(dict), SHIPPED);
    assert_int_equal(ds_dictionary_count(dict), SHIPPED_COUNT);
    assert_null(ds_dictionary_indicator(dict, SHIPPED_COUNT));

    size_t total = 0;
    for (int c = 1; c <= DS_CHAPTER_COUNT; c++) {
        size_t n = 999;
        const ds_indicator *const *list = ds_dictionary_chapter(dict, c, &n);
        assert_non_null(list);
        assert_int_equal(n, SHIPPED_CHAPTERS[c - 1]);
        assert_true(n >= 3); /* issue 5: at least 3 indicators per chapter */
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(list[i]->chapter, c);
            if (i > 0)
                assert_true(list[i]->line > list[i - 1]->line); /* file order */
        }
        total += n;
    }
    assert_int_equal(total, SHIPPED_COUNT);

    for (int b = 0; b < DS_BASE_COUNT; b++) {
        size_t n = 999;
        const ds_indicator *const *list = ds_dictionary_base(dict, (ds_base)b, &n);
        assert_non_null(list);
        assert_int_equal(n, SHIPPED_BASES[b]);
        assert_int_equal(ds_dictionary_base_count(dict, (ds_base)b), SHIPPED_BASES[b]);
        assert_true(n >= 3);
        for (size_t i = 0; i < n; i++)
            assert_true(list[i]->bases & DS_BASE_BIT(b));
    }

    size_t aggregable = 0;
    for (size_t i = 0; i < SHIPPED_COUNT; i++) {
        const ds_indicator *ind = ds_dictionary_indicator(dict, i);
        assert_non_null(ind);
        assert_int_equal(ind->line, i + 2); /* one line per row, header on line 1 */
        assert_true(ind->bases != 0 && ind->bases < DS_BASE_BIT(DS_BASE_COUNT));
        assert_true(ind->multiplier > 0);
        assert_non_null(ind->label);
        assert_non_null(ind->source);
        assert_non_null(ind->unit);
        /* every indicator is found by its own id, at its own address */
        assert_ptr_equal(ds_dictionary_find(dict, ind->id), ind);
        aggregable += ind->aggregable;
    }
    assert_int_equal(aggregable, SHIPPED_AGGREGABLE);
    ds_dictionary_free(dict);
}

/* A few rows read back field by field (values copied from the CSV). */
static void test_shipped_find(void **state)
{
    (void)state;
    ds_dictionary *dict = load_ok(SHIPPED);

    const ds_indicator *ind = ds_dictionary_find(dict, "indice_vieillissement");
    assert_non_null(ind);
    assert_string_equal(ind->label, "Indice de vieillissement");
    assert_int_equal(ind->chapter, 1);
    assert_int_equal(ind->bases, DS_BASE_BIT(DS_BASE_PREVENTION) | DS_BASE_BIT(DS_BASE_ACCES_SOINS));
    assert_int_equal(ind->kind, DS_KIND_INDEX);
    assert_true(ind->multiplier == 100.0);
    assert_int_equal(ind->polarity, DS_POLARITY_NONE);
    assert_string_equal(ind->numerator_column, "P21_POP65P");
    assert_string_equal(ind->denominator_column, "P21_POP0019");
    assert_null(ind->value_column);
    assert_true(ind->aggregable);

    ind = ds_dictionary_find(dict, "revenu_median_uc");
    assert_non_null(ind);
    assert_int_equal(ind->kind, DS_KIND_MEDIAN);
    assert_null(ind->denominator);
    assert_null(ind->numerator_column);
    assert_string_equal(ind->value_column, "MED21");
    assert_int_equal(ind->polarity, DS_POLARITY_HIGHER_IS_BETTER);
    assert_false(ind->aggregable);
    assert_string_equal(ind->unit, "euros par an");

    ind = ds_dictionary_find(dict, "taux_pauvrete");
    assert_non_null(ind);
    assert_string_equal(ind->value_column, "TP6021");
    assert_int_equal(ind->polarity, DS_POLARITY_LOWER_IS_BETTER);
    assert_string_equal(ind->unit, "%");

    ind = ds_dictionary_find(dict, "mortalite_prematuree_tsm");
    assert_non_null(ind);
    assert_int_equal(ind->kind, DS_KIND_DSR);
    assert_int_equal(ind->chapter, 4);
    assert_true(ind->multiplier == 100000.0);
    assert_string_equal(ind->source, "Inserm-CépiDc ; INSEE ; standardisation directe");

    ind = ds_dictionary_find(dict, "pop_municipale");
    assert_non_null(ind);
    assert_int_equal(ind->line, 2);
    assert_int_equal(ind->bases, DS_BASE_BIT(DS_BASE_COUNT) - 1); /* all four */
    assert_int_equal(ind->kind, DS_KIND_COUNT);

    ind = ds_dictionary_find(dict, "places_adultes_handicapes");
    assert_non_null(ind);
    assert_ptr_equal(ind, ds_dictionary_indicator(dict, SHIPPED_COUNT - 1)); /* last row */
    assert_string_equal(ind->unit, "pour 1 000 adultes de 20 à 59 ans (‰)");

    assert_null(ds_dictionary_find(dict, "pop"));              /* a prefix */
    assert_null(ds_dictionary_find(dict, "pop_municipale_"));  /* longer */
    assert_null(ds_dictionary_find(dict, "POP_MUNICIPALE"));   /* exact case */
    assert_null(ds_dictionary_find(dict, ""));
    assert_null(ds_dictionary_find(dict, NULL));
    ds_dictionary_free(dict);
}

/* --- part 2: codes --------------------------------------------------------------------- */

static void test_kinds(void **state)
{
    (void)state;
    static const char *const codes[] = {"count", "proportion", "rate", "dsr",
                                        "isr",   "mean",       "median", "index"};
    assert_int_equal(sizeof codes / sizeof codes[0], DS_KIND_COUNT_OF_KINDS);
    for (int k = 0; k < DS_KIND_COUNT_OF_KINDS; k++) {
        ds_indicator_kind kind = DS_KIND_COUNT_OF_KINDS;
        assert_string_equal(ds_indicator_kind_code((ds_indicator_kind)k), codes[k]);
        assert_true(ds_indicator_kind_parse(codes[k], &kind));
        assert_int_equal(kind, k);
    }
    assert_null(ds_indicator_kind_code(DS_KIND_COUNT_OF_KINDS));
    ds_indicator_kind kind;
    assert_false(ds_indicator_kind_parse("Count", &kind));
    assert_false(ds_indicator_kind_parse("ratio", &kind));
    assert_false(ds_indicator_kind_parse("", &kind));
    assert_false(ds_indicator_kind_parse(NULL, &kind));
    assert_true(ds_indicator_kind_needs_denominator(DS_KIND_PROPORTION));
    assert_true(ds_indicator_kind_needs_denominator(DS_KIND_RATE));
    assert_true(ds_indicator_kind_needs_denominator(DS_KIND_DSR));
    assert_true(ds_indicator_kind_needs_denominator(DS_KIND_ISR));
    assert_false(ds_indicator_kind_needs_denominator(DS_KIND_COUNT));
    assert_false(ds_indicator_kind_needs_denominator(DS_KIND_MEAN));
    assert_false(ds_indicator_kind_needs_denominator(DS_KIND_MEDIAN));
    assert_false(ds_indicator_kind_needs_denominator(DS_KIND_INDEX));
}

static void test_polarities(void **state)
{
    (void)state;
    ds_polarity p = DS_POLARITY_NONE;
    assert_true(ds_indicator_polarity_parse("worse", &p));
    assert_int_equal(p, DS_POLARITY_LOWER_IS_BETTER);
    assert_true(ds_indicator_polarity_parse("better", &p));
    assert_int_equal(p, DS_POLARITY_HIGHER_IS_BETTER);
    assert_true(ds_indicator_polarity_parse("context", &p));
    assert_int_equal(p, DS_POLARITY_NONE);
    assert_false(ds_indicator_polarity_parse("lower-is-better", &p));
    assert_false(ds_indicator_polarity_parse("Worse", &p));
    assert_false(ds_indicator_polarity_parse(NULL, &p));
    assert_string_equal(ds_indicator_polarity_code(DS_POLARITY_LOWER_IS_BETTER), "worse");
    assert_string_equal(ds_indicator_polarity_code(DS_POLARITY_HIGHER_IS_BETTER), "better");
    assert_string_equal(ds_indicator_polarity_code(DS_POLARITY_NONE), "context");
    assert_null(ds_indicator_polarity_code((ds_polarity)3));
}

static void test_bases_and_chapters(void **state)
{
    (void)state;
    static const char *const codes[] = {"prevention", "acces_soins", "sante_env",
                                        "sante_mentale"};
    static const char *const names[] = {"Prévention et promotion de la santé",
                                        "Accès aux soins", "Santé environnementale",
                                        "Santé mentale"};
    for (int b = 0; b < DS_BASE_COUNT; b++) {
        ds_base base = DS_BASE_COUNT;
        assert_string_equal(ds_base_code((ds_base)b), codes[b]);
        assert_string_equal(ds_base_name((ds_base)b), names[b]);
        assert_true(ds_base_parse(codes[b], &base));
        assert_int_equal(base, b);
    }
    ds_base base;
    assert_false(ds_base_parse("sante", &base));
    assert_false(ds_base_parse("prevention|acces_soins", &base));
    assert_false(ds_base_parse(NULL, &base));
    assert_null(ds_base_code(DS_BASE_COUNT));
    assert_null(ds_base_name(DS_BASE_COUNT));

    static const char *const chapters[] = {
        "Population et territoire",          "Déterminants sociaux",
        "Déterminants environnementaux",     "État de santé",
        "Santé des enfants et des jeunes",   "Comportements de santé",
        "Accès à la prévention et aux soins", "Offre de soins de premier recours",
        "Handicap et dépendance"};
    for (int c = 1; c <= DS_CHAPTER_COUNT; c++) {
        assert_string_equal(ds_chapter_name(c), chapters[c - 1]);
        assert_string_equal(ds_chapter_portrait(c), c <= 3   ? "Portrait de territoire"
                                                    : c <= 6 ? "Portrait de santé"
                                                             : "Portrait des ressources");
    }
    assert_null(ds_chapter_name(0));
    assert_null(ds_chapter_name(10));
    assert_null(ds_chapter_portrait(0));
    assert_null(ds_chapter_portrait(10));
}

/* --- part 3: small dictionaries ----------------------------------------------------------- */

/* Semicolon separator, columns in another order, an extra column, spaces around codes,
 * a French thousands separator in a multiplier, an empty chapter and base. */
static void test_fixture_valid(void **state)
{
    (void)state;
    char path[256];
    fixture("valid.csv",
            "comment;aggregable;id;kind;label;chapter;bases;numerator;denominator;unit;"
            "multiplier;polarity;source;numerator_column;denominator_column;value_column\n"
            "x;yes;deces_evitables;rate;Décès évitables; 4 ; prevention | sante_mentale ;"
            "Décès;Population;pour 100 000 habitants;100 000; worse ;CépiDc;deces;P21_POP;\n"
            "y;no;revenu;median;Revenu médian;2;acces_soins;Revenu;;euros;1;better;Filosofi;;;"
            "MED21\n"
            "z;yes;icm;isr;ICM;4;prevention;Observés;Attendus;indice base 100;100;worse;CépiDc;"
            "o;e;icm\n",
            path);
    ds_dictionary *dict = load_ok(path);
    assert_int_equal(ds_dictionary_count(dict), 3);

    const ds_indicator *ind = ds_dictionary_find(dict, "deces_evitables");
    assert_non_null(ind);
    assert_ptr_equal(ind, ds_dictionary_indicator(dict, 0));
    assert_int_equal(ind->line, 2);
    assert_string_equal(ind->label, "Décès évitables");
    assert_int_equal(ind->chapter, 4);
    assert_int_equal(ind->bases,
                     DS_BASE_BIT(DS_BASE_PREVENTION) | DS_BASE_BIT(DS_BASE_SANTE_MENTALE));
    assert_int_equal(ind->kind, DS_KIND_RATE);
    assert_true(ind->multiplier == 100000.0);
    assert_int_equal(ind->polarity, DS_POLARITY_LOWER_IS_BETTER);
    assert_string_equal(ind->numerator_column, "deces");
    assert_string_equal(ind->denominator_column, "P21_POP");
    assert_null(ind->value_column);
    assert_true(ind->aggregable);

    ind = ds_dictionary_find(dict, "revenu");
    assert_non_null(ind);
    assert_int_equal(ind->line, 3);
    assert_null(ind->denominator);
    assert_null(ind->numerator_column);
    assert_null(ind->denominator_column);
    assert_string_equal(ind->value_column, "MED21");
    assert_false(ind->aggregable);

    ind = ds_dictionary_find(dict, "icm");
    assert_non_null(ind);
    assert_int_equal(ind->kind, DS_KIND_ISR);
    assert_string_equal(ind->value_column, "icm"); /* an aggregable one may have a value too */

    size_t n = 999;
    const ds_indicator *const *list = ds_dictionary_chapter(dict, 4, &n);
    assert_int_equal(n, 2);
    assert_string_equal(list[0]->id, "deces_evitables");
    assert_string_equal(list[1]->id, "icm");
    n = 999;
    assert_non_null(ds_dictionary_chapter(dict, 5, &n)); /* an empty chapter */
    assert_int_equal(n, 0);
    n = 999;
    assert_null(ds_dictionary_chapter(dict, 0, &n));
    assert_int_equal(n, 0);
    n = 999;
    assert_null(ds_dictionary_chapter(dict, 10, &n));
    assert_int_equal(n, 0);
    n = 999;
    assert_non_null(ds_dictionary_base(dict, DS_BASE_SANTE_ENV, &n)); /* an empty base */
    assert_int_equal(n, 0);
    assert_int_equal(ds_dictionary_base_count(dict, DS_BASE_PREVENTION), 2);
    n = 999;
    assert_null(ds_dictionary_base(dict, DS_BASE_COUNT, &n));
    assert_int_equal(n, 0);
    assert_int_equal(ds_dictionary_base_count(dict, DS_BASE_COUNT), 0);
    ds_dictionary_free(dict);
    ds_dictionary_free(NULL);
}

/* Windows-1252 / Latin-1 bytes: é = E9, à = E0, É = C9, ‰ = 89 (Windows-1252 only). The
 * text comes back as UTF-8, and the per-mille rule sees the converted unit. */
static void test_fixture_latin1(void **state)
{
    (void)state;
    char path[256];
    fixture("latin1.csv",
            HEADER "esperance_vie,Esp\xe9rance de vie \xe0 la naissance,4,prevention,"
                   "Dur\xe9\x65 de vie moyenne,,mean,ann\xe9\x65s,1,better,INSEE (\xc9tat civil),,,"
                   "ev,no\n"
                   "mortalite_infantile,Mortalit\xe9 infantile,5,prevention,D\xe9\x63\xe8s,"
                   "Naissances,rate,pour 1 000 naissances (\x89),1000,worse,INSEE,d,n,,yes\n",
            path);
    ds_dictionary *dict = load_ok(path);
    assert_int_equal(ds_dictionary_count(dict), 2);
    const ds_indicator *ind = ds_dictionary_find(dict, "esperance_vie");
    assert_non_null(ind);
    assert_string_equal(ind->label, "Espérance de vie à la naissance");
    assert_string_equal(ind->numerator, "Durée de vie moyenne");
    assert_string_equal(ind->unit, "années");
    assert_string_equal(ind->source, "INSEE (État civil)");
    ind = ds_dictionary_find(dict, "mortalite_infantile");
    assert_non_null(ind);
    assert_string_equal(ind->unit, "pour 1 000 naissances (‰)");
    ds_dictionary_free(dict);

    /* The same per-mille unit with multiplier 100 is refused. */
    fixture("latin1_bad.csv",
            HEADER "mortalite_infantile,Mortalit\xe9 infantile,5,prevention,D\xe9\x63\xe8s,"
                   "Naissances,rate,pour 1 000 naissances (\x89),100,worse,INSEE,d,n,,yes\n",
            path);
    ds_dictionary *bad = NULL;
    ds_error err;
    assert_int_equal(ds_dictionary_load(path, &bad, &err), DS_EDATA);
    assert_null(bad);
    assert_non_null(strstr(err.message, ", line 2, column 'multiplier'"));
}

/* An id of exactly DS_INDICATOR_ID_MAX bytes loads; one more byte is refused. */
static void test_id_length(void **state)
{
    (void)state;
    char id[DS_INDICATOR_ID_MAX + 2], content[1024], path[256];
    memset(id, 'a', DS_INDICATOR_ID_MAX);
    id[DS_INDICATOR_ID_MAX] = '\0';
    snprintf(content, sizeof content, HEADER "%s,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n",
             id);
    fixture("id64.csv", content, path);
    ds_dictionary *dict = load_ok(path);
    assert_non_null(ds_dictionary_find(dict, id));
    ds_dictionary_free(dict);

    strcat(id, "a");
    char row[256];
    snprintf(row, sizeof row, "%s,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", id);
    expect_edata(row, "id", "longer than 64");
}

static void test_bad_ids(void **state)
{
    (void)state;
    expect_edata("Pop,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "'Pop'");
    expect_edata("1pop,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "'1pop'");
    expect_edata("_pop,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "not a valid id");
    expect_edata("pop-x,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "'pop-x'");
    expect_edata("pop x,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "'pop x'");
    expect_edata("popé,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "not a valid id");
    expect_edata(",L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "empty");
    /* ids that ds_table_load reads as missing-value markers */
    expect_edata("s,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "marker");
    expect_edata("nd,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id", "marker");
    /* a repeated id names the line of its first use */
    expect_edata("ok,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "id",
                 "already used on line 2");
}

static void test_bad_chapters(void **state)
{
    (void)state;
    expect_edata("b,L,0,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "not a chapter");
    expect_edata("b,L,10,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "not a chapter");
    expect_edata("b,L,-1,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "not a chapter");
    expect_edata("b,L,2.5,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "2.5");
    expect_edata("b,L,,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "empty");
    expect_edata("b,L,deux,prevention,N,,count,u,1,context,S,n,,,yes\n", "chapter", "deux");
}

static void test_bad_bases(void **state)
{
    (void)state;
    expect_edata("b,L,1,sport,N,,count,u,1,context,S,n,,,yes\n", "bases", "unknown base 'sport'");
    expect_edata("b,L,1,prevention|Sante_env,N,,count,u,1,context,S,n,,,yes\n", "bases",
                 "'Sante_env'");
    expect_edata("b,L,1,prevention||sante_env,N,,count,u,1,context,S,n,,,yes\n", "bases",
                 "empty base");
    expect_edata("b,L,1,prevention|,N,,count,u,1,context,S,n,,,yes\n", "bases", "empty base");
    expect_edata("b,L,1,prevention|prevention,N,,count,u,1,context,S,n,,,yes\n", "bases",
                 "listed twice");
    expect_edata("b,L,1,,N,,count,u,1,context,S,n,,,yes\n", "bases", "empty");
}

static void test_bad_codes(void **state)
{
    (void)state;
    expect_edata("b,L,1,prevention,N,,ratio,u,1,context,S,n,,,yes\n", "kind", "unknown kind 'ratio'");
    expect_edata("b,L,1,prevention,N,,Count,u,1,context,S,n,,,yes\n", "kind", "'Count'");
    expect_edata("b,L,1,prevention,N,,,u,1,context,S,n,,,yes\n", "kind", "empty");
    expect_edata("b,L,1,prevention,N,,count,u,1,neutral,S,n,,,yes\n", "polarity",
                 "unknown polarity 'neutral'");
    expect_edata("b,L,1,prevention,N,,count,u,1,higher-is-better,S,n,,,yes\n", "polarity",
                 "'higher-is-better'");
    expect_edata("b,L,1,prevention,N,,count,u,1,context,S,n,,,oui\n", "aggregable",
                 "'oui' is neither yes nor no");
    expect_edata("b,L,1,prevention,N,,count,u,1,context,S,n,,,\n", "aggregable", "empty");
}

static void test_bad_multipliers(void **state)
{
    (void)state;
    expect_edata("b,L,1,prevention,N,,count,u,0,context,S,n,,,yes\n", "multiplier", "> 0");
    expect_edata("b,L,1,prevention,N,,count,u,-100,context,S,n,,,yes\n", "multiplier", "> 0");
    expect_edata("b,L,1,prevention,N,,count,u,,context,S,n,,,yes\n", "multiplier", "empty");
    /* nan and inf are no numbers. Next to one other row the column is typed text and the
     * dictionary parses the cell; next to three numbers it is a stray cell in a numeric
     * column, reported by ds_table_load in its own format ("F:5: column 9 (multiplier)"). */
    expect_edata("b,L,1,prevention,N,,count,u,nan,context,S,n,,,yes\n", "multiplier",
                 "'nan' is not a number");
    expect_edata("b,L,1,prevention,N,,count,u,inf,context,S,n,,,yes\n", "multiplier", "inf");
    expect_edata_in(HEADER "ok1,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n"
                           "ok2,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n"
                           "ok3,L,1,prevention,N,,count,u,1,context,S,n,,,yes\n"
                           "b,L,1,prevention,N,,count,u,nan,context,S,n,,,yes\n",
                    5, "multiplier", "nan");
    /* a value too large for a double */
    expect_edata("b,L,1,prevention,N,,count,u,1e999,context,S,n,,,yes\n", "multiplier", NULL);
    /* unit and multiplier */
    expect_edata("b,L,1,prevention,N,D,proportion,%,1,worse,S,n,d,,yes\n", "multiplier",
                 "needs multiplier 100");
    expect_edata("b,L,1,prevention,N,D,rate,pour 1 000 (‰),100,worse,S,n,d,,yes\n",
                 "multiplier", "needs multiplier 1000");
}

static void test_empty_required_cells(void **state)
{
    (void)state;
    expect_edata("b,,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "label", "empty");
    expect_edata("b,L,1,prevention,,,count,u,1,context,S,n,,,yes\n", "numerator", "empty");
    expect_edata("b,L,1,prevention,N,,count,,1,context,S,n,,,yes\n", "unit", "empty");
    expect_edata("b,L,1,prevention,N,,count,u,1,context,,n,,,yes\n", "source", "empty");
    expect_edata("b,L,1,prevention,N,,count,u,1,,S,n,,,yes\n", "polarity", "empty");
    /* a missing-value marker reads as an empty cell */
    expect_edata("b,NA,1,prevention,N,,count,u,1,context,S,n,,,yes\n", "label", "marker");
}

/* The rules between fields of include/diagsante/indicators.h, one by one. */
static void test_rules(void **state)
{
    (void)state;
    /* a proportion, rate, dsr or isr needs a denominator */
    expect_edata("b,L,1,prevention,N,,proportion,%,100,worse,S,n,,,yes\n", "denominator",
                 "kind proportion needs a denominator");
    expect_edata("b,L,1,prevention,N,,rate,u,1000,worse,S,n,,,yes\n", "denominator",
                 "kind rate needs");
    expect_edata("b,L,4,prevention,N,,dsr,u,100000,worse,S,,,v,no\n", "denominator",
                 "kind dsr needs");
    expect_edata("b,L,4,prevention,O,,isr,u,100,worse,S,o,,,yes\n", "denominator",
                 "kind isr needs");
    /* a count or a median has none */
    expect_edata("b,L,1,prevention,N,D,count,u,1,context,S,n,d,,yes\n", "denominator",
                 "kind count has no denominator");
    expect_edata("b,L,2,prevention,N,D,median,u,1,better,S,,,v,no\n", "denominator",
                 "kind median has no denominator");
    /* denominator_column needs a denominator */
    expect_edata("b,L,1,prevention,N,,mean,u,1,context,S,,d,v,no\n", "denominator_column",
                 "without a denominator");
    /* aggregable = yes: not a median or dsr */
    expect_edata("b,L,2,prevention,N,,median,u,1,better,S,n,,,yes\n", "aggregable",
                 "kind median cannot be aggregable");
    expect_edata("b,L,4,prevention,N,D,dsr,u,100000,worse,S,n,d,,yes\n", "aggregable",
                 "kind dsr cannot be aggregable");
    /* aggregable = yes: a numerator_column */
    expect_edata("b,L,1,prevention,N,D,proportion,%,100,worse,S,,d,,yes\n", "numerator_column",
                 "needs a numerator column");
    expect_edata("b,L,1,prevention,N,,count,u,1,context,S,,,v,yes\n", "numerator_column",
                 "needs a numerator column");
    /* aggregable = yes: a denominator_column when there is a denominator */
    expect_edata("b,L,1,prevention,N,D,proportion,%,100,worse,S,n,,,yes\n", "denominator_column",
                 "needs a denominator column");
    /* aggregable = yes: a mean or an index needs a denominator */
    expect_edata("b,L,7,acces_soins,N,,mean,km,1,worse,S,n,,,yes\n", "denominator",
                 "of kind mean needs a denominator");
    expect_edata("b,L,2,prevention,N,,index,u,1,worse,S,n,,,yes\n", "denominator",
                 "of kind index needs a denominator");
    /* aggregable = no: a value_column */
    expect_edata("b,L,1,prevention,N,D,proportion,%,100,worse,S,n,d,,no\n", "value_column",
                 "needs a value column");
    /* ...and the valid counterparts load */
    char path[256];
    fixture("rules_ok.csv",
            HEADER "mean_ok,L,7,acces_soins,N,D,mean,km,1,worse,S,n,d,,yes\n"
                   "index_value,L,2,prevention,N,,index,u,1,worse,S,,,v,no\n"
                   "index_sum,L,2,prevention,N,D,index,u,100,context,S,n,d,,yes\n"
                   "isr_ok,L,4,prevention,O,E,isr,indice base 100,100,worse,S,o,e,,yes\n"
                   "count_ok,L,8,acces_soins,N,,count,structures,1,context,S,n,,,yes\n",
            path);
    ds_dictionary *dict = load_ok(path);
    assert_int_equal(ds_dictionary_count(dict), 5);
    ds_dictionary_free(dict);
}

/* A missing required column names the header line and the column. */
static void test_missing_columns(void **state)
{
    (void)state;
    static const char *const columns[] = {
        "id", "label", "chapter", "bases", "numerator", "denominator", "kind", "unit",
        "multiplier", "polarity", "source", "numerator_column", "denominator_column",
        "value_column", "aggregable"};
    static const char *const cells[] = {"b", "L", "1", "prevention", "N", "", "count", "u",
                                        "1", "context", "S", "n", "", "", "yes"};
    for (size_t drop = 0; drop < 15; drop++) {
        char content[1024] = "", row[512] = "";
        for (size_t c = 0; c < 15; c++) {
            if (c == drop)
                continue;
            if (content[0] != '\0') {
                strcat(content, ",");
                strcat(row, ",");
            }
            strcat(content, columns[c]);
            strcat(row, cells[c]);
        }
        strcat(content, "\n");
        strcat(content, row);
        strcat(content, "\n");
        expect_edata_in(content, 1, columns[drop], "no such column");
    }
}

static void test_empty_files(void **state)
{
    (void)state;
    char path[256];
    ds_dictionary *dict = NULL;
    ds_error err;

    fixture("empty.csv", "", path);
    assert_int_equal(ds_dictionary_load(path, &dict, &err), DS_EDATA);
    assert_null(dict);
    assert_non_null(strstr(err.message, path));

    fixture("header_only.csv", HEADER, path);
    assert_int_equal(ds_dictionary_load(path, &dict, &err), DS_EDATA);
    assert_null(dict);
    char where[300];
    snprintf(where, sizeof where, "%s:1:", path); /* ds_table_load: no rows after line 1 */
    assert_non_null(strstr(err.message, where));

    snprintf(path, sizeof path, "%s/does_not_exist.csv", test_dir);
    assert_int_equal(ds_dictionary_load(path, &dict, &err), DS_ENOINPUT);
    assert_null(dict);
    assert_non_null(strstr(err.message, path));

    assert_int_equal(ds_dictionary_load(NULL, &dict, &err), DS_EUSAGE);
    assert_int_equal(ds_dictionary_load(SHIPPED, NULL, &err), DS_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_counts),
        cmocka_unit_test(test_shipped_find),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_polarities),
        cmocka_unit_test(test_bases_and_chapters),
        cmocka_unit_test(test_fixture_valid),
        cmocka_unit_test(test_fixture_latin1),
        cmocka_unit_test(test_id_length),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_bad_chapters),
        cmocka_unit_test(test_bad_bases),
        cmocka_unit_test(test_bad_codes),
        cmocka_unit_test(test_bad_multipliers),
        cmocka_unit_test(test_empty_required_cells),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_missing_columns),
        cmocka_unit_test(test_empty_files),
    };
    return cmocka_run_group_tests_name("indicators", tests, test_dir_create, test_dir_remove);
}
