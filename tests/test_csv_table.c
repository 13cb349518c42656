/* Tests of the CSV indicator-table loader (engine/csv_table.c, csv_reader.c, csv_cells.c).
 * Fixtures are written by the tests themselves, byte for byte (Latin-1 bytes, NUL, BOM),
 * into a temporary folder; expected values are written by hand next to each input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagsante/csv_table.h"
#include "helpers.h"




/* Writes len bytes (or strlen when len is 0) to a fixture file; returns its path
 * (static buffer: use before the next call). */
static const char *fixture(const char *name, const char *bytes, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len == 0)
        len = strlen(bytes);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static ds_table *load_ok(const char *path, const ds_csv_options *options)
{
    ds_table *t = NULL;
    ds_error err;
    ds_error_clear(&err);
    ds_status st = ds_table_load(path, options, &t, &err);
    if (st != DS_OK)
        fail_msg("load of %s failed: %s", path, err.message);
    return t;
}

static ds_status load_fails(const char *path, const ds_csv_options *options, ds_error *err)
{
    ds_table *t = NULL;
    ds_error_clear(err);
    ds_status st = ds_table_load(path, options, &t, err);
    assert_null(t);
    assert_int_not_equal(st, DS_OK);
    return st;
}

static double number_at(const ds_table *t, size_t row, const char *column)
{
    long c = ds_table_column_index(t, column);
    assert_true(c >= 0);
    double v = -999;
    assert_int_equal(ds_table_number(t, row, (size_t)c, &v), DS_CELL_VALUE);
    return v;
}

/* --- numbers and markers ------------------------------------------------------------ */

static void test_parse_number_forms(void **state)
{
    (void)state;
    double v;
    char mark;
    /* Expected values are C literals: the compiler converts them correctly rounded. */
    assert_true(ds_parse_number("12,5", 4, &v, &mark));
    assert_true(v == 12.5 && mark == ',');
    assert_true(ds_parse_number("12.5", 4, &v, &mark));
    assert_true(v == 12.5 && mark == '.');
    assert_true(ds_parse_number("0,1", 3, &v, NULL));
    assert_true(v == 0.1);
    assert_true(ds_parse_number("-3,25", 5, &v, NULL));
    assert_true(v == -3.25);
    assert_true(ds_parse_number("+4", 2, &v, NULL));
    assert_true(v == 4.0);
    assert_true(ds_parse_number("0", 1, &v, &mark));
    assert_true(v == 0.0 && mark == 0);
    const char *space = "1 234,5", *nbsp = "1\xc2\xa0" "234", *nnbsp = "5\xe2\x80\xaf" "019\xe2\x80\xaf" "573";
    assert_true(ds_parse_number(space, strlen(space), &v, NULL));
    assert_true(v == 1234.5);
    assert_true(ds_parse_number(nbsp, strlen(nbsp), &v, NULL));
    assert_true(v == 1234.0);
    assert_true(ds_parse_number(nnbsp, strlen(nnbsp), &v, NULL));
    assert_true(v == 5019573.0);
    assert_true(ds_parse_number("12,5 %", 6, &v, NULL));
    assert_true(v == 12.5);
    assert_true(ds_parse_number("12,5%", 5, &v, NULL));
    assert_true(v == 12.5);
    assert_true(ds_parse_number("1e3", 3, &v, NULL));
    assert_true(v == 1000.0);
    assert_true(ds_parse_number("1,5E-2", 6, &v, NULL));
    assert_true(v == 1.5E-2);
    /* Beyond the fast path: strtod, still correctly rounded. */
    assert_true(ds_parse_number("9007199254740993", 16, &v, NULL));
    assert_true(v == 9007199254740993.0);
    assert_true(ds_parse_number("123456789012345678901", 21, &v, NULL));
    assert_true(v == 123456789012345678901.0);
    assert_true(ds_parse_number("0,000000000000000000000000123", 29, &v, NULL));
    assert_true(v == 0.000000000000000000000000123);
}

/* Oracle: glibc's strtod (correctly rounded; the tests never call setlocale, so the
 * decimal point is '.'). 200,000 numbers from a fixed seed, 1 to 18 digits, with and
 * without a sign and a decimal part, written with ',' and '.', across the 15-digit
 * limit of the direct conversion. */
static void test_parse_number_matches_strtod(void **state)
{
    (void)state;
    uint64_t seed = 2026;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int digits = 1 + (int)((seed >> 20) % 18), point = (int)((seed >> 30) % (unsigned)(digits + 1));
        char text[40], c_text[40];
        size_t n = 0;
        if ((seed >> 40) % 4 == 0)
            text[n++] = '-';
        uint64_t r = seed;
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                text[n++] = (seed >> 45) % 2 ? ',' : '.';
            r = r * 6364136223846793005ull + 1;
            char digit = (char)('0' + (r >> 59) % 10);
            if (d == 0 && digit == '0' && point != 1)
                digit = '7'; /* no leading zero, which makes an identifier */
            text[n++] = digit;
        }
        text[n] = '\0';
        for (size_t k = 0; k <= n; k++)
            c_text[k] = text[k] == ',' ? '.' : text[k];
        double v = 0;
        if (!ds_parse_number(text, n, &v, NULL))
            fail_msg("'%s' did not parse", text);
        if (v != strtod(c_text, NULL))
            fail_msg("'%s' parsed as %.17g, strtod gives %.17g", text, v, strtod(c_text, NULL));
    }
}

static void test_parse_number_rejects(void **state)
{
    (void)state;
    double v = 7;
    const char *bad[] = {"", "abc", "01001", "007", "1,2,3", "1.2,3", "1 23", "12 3456",
                         "1  234", ",5", "5,", "--1", "1e", "12 %x", "s", "2A004", "1-2",
                         "1e999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (ds_parse_number(bad[i], strlen(bad[i]), &v, NULL))
            fail_msg("'%s' parsed as %g", bad[i], v);
    assert_true(v == 7); /* untouched */
}

static void test_markers(void **state)
{
    (void)state;
    struct { const char *text; ds_cell_status status; } cases[] = {
        {"", DS_CELL_MISSING}, {"NA", DS_CELL_MISSING}, {"n.d.", DS_CELL_MISSING},
        {"nd", DS_CELL_MISSING}, {"-", DS_CELL_MISSING},
        {"N/A - r\xc3\xa9sultat non disponible", DS_CELL_MISSING},
        {"s", DS_CELL_SECRET}, {"c", DS_CELL_SECRET}, {"ns", DS_CELL_SECRET},
        {"NS", DS_CELL_SECRET}, {"secret", DS_CELL_SECRET},
        {"N/A - secret statistique", DS_CELL_SECRET},
        {"N/A - division par 0", DS_CELL_NOT_APPLICABLE},
        {"Nantes", DS_CELL_VALUE}, {"0", DS_CELL_VALUE}, {"-1", DS_CELL_VALUE},
        {"sud", DS_CELL_VALUE}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (ds_cell_marker(cases[i].text, strlen(cases[i].text)) != cases[i].status)
            fail_msg("'%s' is not classified as status %d", cases[i].text, cases[i].status);
}

/* --- detection ----------------------------------------------------------------------- */

static void test_semicolon_decimal_comma(void **state)
{
    (void)state;
    const char *path = fixture("semi.csv",
                               "CODGEO;LIBGEO;TX;POP\n"
                               "31555;Toulouse;12,5;498 003\n"
                               "34172;Montpellier;13,25;299 096\n", 0);
    ds_table *t = load_ok(path, NULL);
    const ds_load_report *r = ds_table_report(t);
    assert_int_equal(r->separator, ';');
    assert_true(r->separator_detected);
    assert_int_equal(r->decimal_mark, ',');
    assert_string_equal(r->encoding, "UTF-8");
    assert_int_equal(ds_table_rows(t), 2);
    assert_int_equal(ds_table_columns(t), 4);
    assert_int_equal(ds_table_column_type(t, 2), DS_COLUMN_NUMBER);
    assert_true(number_at(t, 1, "TX") == 13.25);
    assert_true(number_at(t, 0, "POP") == 498003.0);
    assert_string_equal(ds_table_text(t, 1, 1), "Montpellier");
    assert_int_equal(ds_table_row_line(t, 1), 3);
    ds_table_free(t);
}

static void test_comma_and_tab_separators(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("comma.csv", "code,name,rate\n09001,Foix,1.5\n09002,\"Pamiers, centre\",2.5\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->separator, ',');
    assert_string_equal(ds_table_text(t, 1, 1), "Pamiers, centre");
    assert_true(number_at(t, 1, "rate") == 2.5);
    ds_table_free(t);
    t = load_ok(fixture("tab.csv", "code\tname\trate\n09001\tFoix\t1,5\n09002\tPamiers\t2\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->separator, '\t');
    assert_true(number_at(t, 0, "rate") == 1.5);
    ds_table_free(t);
    /* Forced separator: ',' on a ';' file gives one column per line. */
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.separator = ',';
    t = load_ok(fixture("forced.csv", "a;b\n1;2\n", 0), &o);
    assert_int_equal(ds_table_columns(t), 1);
    assert_false(ds_table_report(t)->separator_detected);
    ds_table_free(t);
}

static void test_encodings(void **state)
{
    (void)state;
    /* UTF-8 with BOM. */
    ds_table *t = load_ok(fixture("bom.csv", "\xef\xbb\xbf" "code;nom\n34301;S\xc3\xa8te\n", 0), NULL);
    assert_string_equal(ds_table_report(t)->encoding, "UTF-8 (BOM)");
    assert_string_equal(ds_table_column_name(t, 0), "code");
    assert_string_equal(ds_table_text(t, 0, 1), "S\xc3\xa8te");
    ds_table_free(t);
    /* Windows-1252: 0xE8 is è, 0x80 is the euro sign (U+20AC, E2 82 AC in UTF-8). */
    t = load_ok(fixture("cp1252.csv", "code;nom;unit\n34301;S\xe8te;\x80\n", 0), NULL);
    assert_string_equal(ds_table_report(t)->encoding, "Windows-1252");
    assert_string_equal(ds_table_text(t, 0, 1), "S\xc3\xa8te");
    assert_string_equal(ds_table_text(t, 0, 2), "\xe2\x82\xac");
    ds_table_free(t);
    /* Asked for UTF-8, the Latin-1 byte is an error naming line and column. */
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.encoding = DS_ENCODING_UTF8;
    ds_error err;
    assert_int_equal(load_fails(fixture("cp1252b.csv", "code;nom\n34301;S\xe8te\n", 0), &o, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "cp1252b.csv:2: column 2 (nom)"));
    assert_non_null(strstr(err.message, "UTF-8"));
    /* A UTF-8 file with one corrupt byte is not taken for Latin-1 (no mojibake). */
    ds_csv_options_init(&o);
    o.on_error = DS_ON_ERROR_SKIP;
    t = load_ok(fixture("corrupt.csv", "code;nom\n34301;S\xc3\xa8te\n34172;Montpelli\xffr\n30189;N\xc3\xaemes\n", 0), &o);
    assert_string_equal(ds_table_report(t)->encoding, "UTF-8");
    assert_int_equal(ds_table_rows(t), 2);
    assert_int_equal(ds_table_report(t)->rows_rejected, 1);
    assert_int_equal(ds_table_report(t)->rejected[0].line, 3);
    assert_int_equal(ds_table_report(t)->rejected[0].column, 2);
    assert_string_equal(ds_table_text(t, 1, 1), "N\xc3\xaemes");
    ds_table_free(t);
}

static void test_title_lines(void **state)
{
    (void)state;
    /* Géoclip: two title lines. */
    ds_table *t = load_ok(fixture("geoclip.csv",
                                  "Taux de ch\xc3\xb4mage\n"
                                  "Source : Insee, RP 2019\n"
                                  "Code;Libell\xc3\xa9;Taux 2019\n"
                                  "31555;Toulouse;12,1\n"
                                  "31069;Blagnac;8,4\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->header_line, 3);
    assert_int_equal(ds_table_report(t)->title_lines, 2);
    assert_int_equal(ds_table_rows(t), 2);
    assert_true(number_at(t, 1, "Taux 2019") == 8.4);
    ds_table_free(t);
    /* INSEE spreadsheet export: 5 lines above, padded with separators. */
    t = load_ok(fixture("insee.csv",
                        "Nombre de m\xc3\xa9nages;;;\n"
                        ";;;\n"
                        "Champ : France;;;\n"
                        "Source : Insee;;;\n"
                        ";;;\n"
                        "CODGEO;LIBGEO;NBMEN;NBPERS\n"
                        "01001;L'Abergement;322;819\n"
                        "01002;Varey;113;263\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->header_line, 6);
    assert_int_equal(ds_table_rows(t), 2);
    assert_true(number_at(t, 1, "NBPERS") == 263.0);
    ds_table_free(t);
    /* --skip N overrides the detection. */
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.skip_lines = 1;
    t = load_ok(fixture("skip.csv", "a;b;c\nx;y;z\n1;2;3\n", 0), &o);
    assert_string_equal(ds_table_column_name(t, 0), "x");
    assert_int_equal(ds_table_rows(t), 1);
    ds_table_free(t);
}

static void test_trailing_unnamed_columns(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("trailing.csv",
                                  "CODGEO;POP;NOTE;;;;\n"
                                  "QP031001;1 200;0;;;;\n"
                                  "QP031002;900;0;;7;;\n", 0), NULL);
    /* Fields 4, 6 and 7 are unnamed and empty everywhere: dropped. Field 5 holds a 7. */
    assert_int_equal(ds_table_report(t)->empty_unnamed_columns_dropped, 3);
    assert_int_equal(ds_table_columns(t), 4);
    assert_string_equal(ds_table_column_name(t, 3), "column_5");
    assert_true(number_at(t, 1, "column_5") == 7.0);
    assert_int_equal(ds_table_status(t, 0, 3), DS_CELL_MISSING);
    ds_table_free(t);
}

static void test_repeated_header_is_an_error(void **state)
{
    (void)state;
    ds_error err;
    assert_int_equal(load_fails(fixture("dup.csv", "code;POP;TX;POP\n1;2;3;4\n", 0), NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "dup.csv:1: column 4 repeats the name 'POP' of column 2"));
}

static void test_missing_values_are_typed(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("missing.csv",
                                  "code;A;B\n"
                                  "1;10;s\n"
                                  "2;;N/A - division par 0\n"
                                  "3;NA;5\n"
                                  "4;secret;n.d.\n"
                                  "5;N/A - secret statistique;-\n", 0), NULL);
    size_t a = 1, b = 2;
    assert_int_equal(ds_table_column_type(t, a), DS_COLUMN_NUMBER);
    assert_int_equal(ds_table_column_type(t, b), DS_COLUMN_NUMBER);
    ds_column_counts ca, cb;
    ds_table_column_counts(t, a, &ca);
    ds_table_column_counts(t, b, &cb);
    /* A: 10 | empty | NA | secret | N/A - secret statistique */
    assert_int_equal(ca.by_status[DS_CELL_VALUE], 1);
    assert_int_equal(ca.by_status[DS_CELL_MISSING], 2);
    assert_int_equal(ca.by_status[DS_CELL_SECRET], 2);
    /* B: s | N/A - division par 0 | 5 | n.d. | - */
    assert_int_equal(cb.by_status[DS_CELL_VALUE], 1);
    assert_int_equal(cb.by_status[DS_CELL_SECRET], 1);
    assert_int_equal(cb.by_status[DS_CELL_NOT_APPLICABLE], 1);
    assert_int_equal(cb.by_status[DS_CELL_MISSING], 2);
    double v = 42;
    assert_int_equal(ds_table_number(t, 1, a, &v), DS_CELL_MISSING);
    assert_int_equal(ds_table_number(t, 0, b, &v), DS_CELL_SECRET);
    assert_true(v == 42); /* never turned into 0 */
    assert_int_equal(ds_table_number(t, 1, b, &v), DS_CELL_NOT_APPLICABLE);
    ds_table_free(t);
}

static void test_stray_word_in_numeric_column(void **state)
{
    (void)state;
    /* 150 numeric rows and one word: a numeric column with one bad cell. */
    char text[8192] = "code;POP;NOM\n";
    for (int i = 0; i < 150; i++) {
        char line[64];
        snprintf(line, sizeof line, "%05d;%d;n%d\n", 31001 + i, 100 + i, i);
        strcat(text, line);
        if (i == 99)
            strcat(text, "31999;douze;x\n"); /* line 102 */
    }
    const char *path = fixture("stray.csv", text, 0);
    ds_error err;
    assert_int_equal(load_fails(path, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "stray.csv:102: column 2 (POP): 'douze' is not a number"));
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.on_error = DS_ON_ERROR_SKIP;
    ds_table *t = load_ok(path, &o);
    assert_int_equal(ds_table_rows(t), 150);
    assert_int_equal(ds_table_report(t)->rows_rejected, 1);
    assert_int_equal(ds_table_report(t)->rejected[0].line, 102);
    assert_int_equal(ds_table_report(t)->rejected[0].column, 2);
    assert_int_equal(ds_table_column_type(t, 1), DS_COLUMN_NUMBER);
    /* Row 100 (0-based) is the one after the rejected line: 31101 on line 103. */
    assert_true(number_at(t, 100, "POP") == 200.0);
    assert_int_equal(ds_table_row_line(t, 100), 103);
    ds_column_counts c;
    ds_table_column_counts(t, 1, &c);
    assert_int_equal(c.by_status[DS_CELL_VALUE], 150);
    ds_table_free(t);
}

/* A column typed text in the sample (its stray word is among the first rows), then
 * converted to numbers: the rows below the stray keep their status (found by fuzzing:
 * they were left uninitialised, so values read back as garbage statuses). */
static void test_stray_in_sample_then_numbers(void **state)
{
    (void)state;
    const char *path = fixture("stray_sample.csv",
                               "code,x,y\n12,-0.18,1\n14,0.43:62,2\n15,-0.10,3\n16,bad,3,9\n"
                               "69,0.15,4\n13,0.92,5\n", 0);
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.on_error = DS_ON_ERROR_SKIP;
    ds_table *t = load_ok(path, &o);
    assert_int_equal(ds_table_rows(t), 4);
    assert_int_equal(ds_table_report(t)->rows_rejected, 2);
    assert_int_equal(ds_table_column_type(t, 1), DS_COLUMN_NUMBER);
    /* the sample sees two words in x ("0.43:62" and "bad", whose ragged line 5 is
     * rejected later): x is read as text, then converted to numbers with one stray.
     * Rows: lines 2, 4, 6, 7 (3 and 5 rejected); x = -0.18, -0.10, 0.15, 0.92 */
    static const double x[] = {-0.18, -0.10, 0.15, 0.92};
    for (size_t row = 0; row < 4; row++) {
        assert_int_equal(ds_table_status(t, row, 1), DS_CELL_VALUE);
        assert_true(number_at(t, row, "x") == x[row]);
    }
    ds_column_counts c;
    ds_table_column_counts(t, 1, &c);
    assert_int_equal(c.by_status[DS_CELL_VALUE], 4);
    ds_table_free(t);
}

static void test_ragged_rows(void **state)
{
    (void)state;
    const char *path = fixture("ragged.csv",
                               "a;b;c\n"
                               "1;2;3\n"
                               "4;5\n"          /* too few */
                               "6;7;8;9\n"      /* too many, with data */
                               "10;11;12;;\n"   /* extra empty fields: fine */
                               "13;14;15\n", 0);
    ds_error err;
    assert_int_equal(load_fails(path, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "ragged.csv:3: wrong number of fields: 2, the header (line 1) has 3"));
    ds_csv_options o;
    ds_csv_options_init(&o);
    o.on_error = DS_ON_ERROR_SKIP;
    ds_table *t = load_ok(path, &o);
    assert_int_equal(ds_table_rows(t), 3);
    assert_int_equal(ds_table_report(t)->rows_rejected, 2);
    assert_int_equal(ds_table_report(t)->rejected[0].line, 3);
    assert_int_equal(ds_table_report(t)->rejected[1].line, 4);
    assert_true(number_at(t, 2, "c") == 15.0);
    ds_table_free(t);
}

static void test_quotes_and_line_numbers(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("quotes.csv",
                                  "code;nom;note\n"
                                  "1;\"Saint-Jean; le \"\"vieux\"\"\";ok\n"
                                  "2;\"deux\nlignes\";ok\n"
                                  "3;trois;ok\n", 0), NULL);
    assert_int_equal(ds_table_rows(t), 3);
    assert_string_equal(ds_table_text(t, 0, 1), "Saint-Jean; le \"vieux\"");
    assert_string_equal(ds_table_text(t, 1, 1), "deux\nlignes");
    assert_int_equal(ds_table_row_line(t, 1), 3);
    assert_int_equal(ds_table_row_line(t, 2), 5); /* the quoted newline took a line */
    ds_table_free(t);
    ds_error err;
    assert_int_equal(load_fails(fixture("unterminated.csv", "a;b\n1;2\n3;\"never closed\n4;5\n", 0), NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unterminated.csv:3:"));
    assert_non_null(strstr(err.message, "never closed"));
}

static void test_nul_byte(void **state)
{
    (void)state;
    ds_error err;
    assert_int_equal(load_fails(fixture("nul.csv", "a;b\n1;2\n3;x\0y\n", 15), NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "nul.csv:3: column 2 (b)"));
    assert_non_null(strstr(err.message, "NUL"));
}

static void test_empty_inputs(void **state)
{
    (void)state;
    ds_error err;
    assert_int_equal(load_fails(fixture("empty.csv", "", 0), NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "empty"));
    assert_int_equal(load_fails(fixture("header_only.csv", "a;b;c\n", 0), NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "header_only.csv:1: no data rows"));
    assert_int_equal(load_fails("/nonexistent/file.csv", NULL, &err), DS_ENOINPUT);
    assert_non_null(strstr(err.message, "/nonexistent/file.csv"));
}

static void test_long_layout_and_observations(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("long.csv",
                                  "territoire;indicateur;annee;sexe;age;numerateur;denominateur\n"
                                  "31555;DECES;2019;H;65+;812;40 100\n"
                                  "31555;DECES;2019;F;65+;s;52 300\n", 0), NULL);
    const ds_load_report *r = ds_table_report(t);
    assert_int_equal(r->layout, DS_LAYOUT_LONG);
    assert_int_equal(r->indicator_column, 1);
    assert_int_equal(r->numerator_column, 5);
    assert_int_equal(r->denominator_column, 6);
    assert_int_equal(ds_table_observation_count(t), 2);
    ds_observation obs;
    ds_table_observation(t, 1, &obs);
    assert_string_equal(obs.indicator, "DECES");
    assert_string_equal(obs.year, "2019");
    assert_string_equal(obs.sex, "F");
    assert_string_equal(obs.age, "65+");
    assert_int_equal(obs.status, DS_CELL_SECRET);
    assert_true(isnan(obs.numerator));
    assert_true(obs.denominator == 52300.0);
    ds_table_free(t);
    /* Wide: one observation per row and numeric column. */
    t = load_ok(fixture("wide.csv", "code;nom;A;B\n31555;Toulouse;1;2\n34172;Montpellier;3;s\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->layout, DS_LAYOUT_WIDE);
    assert_int_equal(ds_table_observation_count(t), 4);
    ds_table_observation(t, 3, &obs);
    assert_string_equal(obs.indicator, "B");
    assert_int_equal(obs.status, DS_CELL_SECRET);
    ds_table_observation(t, 2, &obs);
    assert_true(obs.value == 3.0);
    /* Any cell as text: text as is, integers without decimals, a secret cell none. */
    char buf[DS_CELL_TEXT_MAX];
    assert_string_equal(ds_table_cell_text(t, 1, 1, buf), "Montpellier");
    assert_string_equal(ds_table_cell_text(t, 1, 2, buf), "3");
    assert_null(ds_table_cell_text(t, 1, 3, buf));
    ds_table_free(t);
}

/* A wide table listing a commune twice: reported with its first two lines. With a year
 * column the same code on several rows is expected and not reported. */
static void test_repeated_territories(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("repeat.csv", "code;POP\n31555;1\n34172;2\n31555;3\n30189;4\n34172;5\n", 0), NULL);
    const ds_load_report *r = ds_table_report(t);
    assert_int_equal(r->repeated_territories, 2);
    assert_string_equal(r->first_repeated, "31555");
    assert_int_equal(r->first_repeated_lines[0], 2);
    assert_int_equal(r->first_repeated_lines[1], 4);
    ds_table_free(t);
    t = load_ok(fixture("years.csv", "code;annee;POP\n31555;2019;1\n31555;2020;2\n", 0), NULL);
    assert_int_equal(ds_table_report(t)->repeated_territories, 0);
    ds_table_free(t);
}

/* A text column that varies within a territory (cause) is a dimension of the
 * observations; one that the territory determines (a label) is not. */
static void test_dimension_columns(void **state)
{
    (void)state;
    ds_table *t = load_ok(fixture("dims.csv",
                                  "departement,libelle,annee,sexe,cause,indicateur,valeur\n"
                                  "31,Haute-Garonne,2023,H,Tumeurs,TSM,210.5\n"
                                  "31,Haute-Garonne,2023,H,Suicides,TSM,14.2\n"
                                  "09,Ari\xc3\xa8ge,2023,H,Tumeurs,TSM,250.1\n", 0), NULL);
    const ds_load_report *r = ds_table_report(t);
    assert_int_equal(r->layout, DS_LAYOUT_LONG);
    assert_int_equal(r->n_dimension_columns, 1);
    assert_string_equal(ds_table_column_name(t, r->dimension_columns[0]), "cause");
    ds_observation obs;
    ds_table_observation(t, 1, &obs);
    assert_string_equal(ds_table_text(t, obs.row, r->dimension_columns[0]), "Suicides");
    assert_true(obs.value == 14.2);
    ds_table_free(t);
}

/* A column that looks numeric on the first 1000 rows and holds words further down
 * must be read again as text, not lose those words. */
static void test_sample_misjudged_column(void **state)
{
    (void)state;
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "id;label\n");
    for (int i = 0; i < 1500; i++)
        n += (size_t)snprintf(text + n, cap - n, i < 1000 ? "%d;%d\n" : "%d;mot%d\n", i + 1, i);
    const char *path = fixture("misjudged.csv", text, n);
    free(text);
    ds_table *t = load_ok(path, NULL);
    assert_int_equal(ds_table_column_type(t, 1), DS_COLUMN_TEXT);
    assert_string_equal(ds_table_text(t, 5, 1), "5");
    assert_string_equal(ds_table_text(t, 1200, 1), "mot1200");
    assert_int_equal(ds_table_rows(t), 1500);
    ds_table_free(t);
}

/* A column of 2-digit numbers whose leading-zero values ("01") come after the sample is
 * a column of identifiers (text), not a numeric column with errors. */
static void test_late_identifiers(void **state)
{
    (void)state;
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "id;x\n");
    for (int i = 0; i < 1200; i++)
        n += (size_t)snprintf(text + n, cap - n, i < 1195 ? "%d;84\n" : "%d;0%d\n", i + 1, i % 7);
    const char *path = fixture("late_ids.csv", text, n);
    free(text);
    ds_table *t = load_ok(path, NULL);
    assert_int_equal(ds_table_report(t)->rows_rejected, 0);
    assert_int_equal(ds_table_column_type(t, 1), DS_COLUMN_TEXT);
    assert_string_equal(ds_table_text(t, 0, 1), "84");
    assert_string_equal(ds_table_text(t, 1199, 1), "02"); /* row 1199: "0" then 1199 % 7 = 2 */
    ds_table_free(t);
}

/* A column empty on the first 1000 rows and numeric below is numeric. */
static void test_late_numbers(void **state)
{
    (void)state;
    size_t cap = 64 * 1024, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "id;late\n");
    for (int i = 0; i < 1200; i++)
        n += (size_t)snprintf(text + n, cap - n, i < 1100 ? "%d;\n" : "%d;%d,5\n", i + 1, i);
    const char *path = fixture("late.csv", text, n);
    free(text);
    ds_table *t = load_ok(path, NULL);
    assert_int_equal(ds_table_column_type(t, 1), DS_COLUMN_NUMBER);
    assert_true(number_at(t, 1150, "late") == 1150.5);
    ds_table_free(t);
}

/* The fast path for quote-free lines must give the same table as libcsv. */
static void assert_same_tables(const char *path)
{
    ds_csv_options fast, slow;
    ds_csv_options_init(&fast);
    ds_csv_options_init(&slow);
    fast.on_error = slow.on_error = DS_ON_ERROR_SKIP;
    slow.libcsv_only = true;
    ds_table *a = load_ok(path, &fast), *b = load_ok(path, &slow);
    assert_int_equal(ds_table_rows(a), ds_table_rows(b));
    assert_int_equal(ds_table_columns(a), ds_table_columns(b));
    assert_int_equal(ds_table_report(a)->rows_rejected, ds_table_report(b)->rows_rejected);
    for (size_t c = 0; c < ds_table_columns(a); c++) {
        assert_string_equal(ds_table_column_name(a, c), ds_table_column_name(b, c));
        assert_int_equal(ds_table_column_type(a, c), ds_table_column_type(b, c));
        for (size_t row = 0; row < ds_table_rows(a); row++) {
            assert_int_equal(ds_table_row_line(a, row), ds_table_row_line(b, row));
            assert_int_equal(ds_table_status(a, row, c), ds_table_status(b, row, c));
            const char *ta = ds_table_text(a, row, c), *tb = ds_table_text(b, row, c);
            if (ta != NULL || tb != NULL) {
                assert_non_null(ta);
                assert_non_null(tb);
                assert_string_equal(ta, tb);
            }
            double va = 0, vb = 0;
            if (ds_table_number(a, row, c, &va) == DS_CELL_VALUE) {
                assert_int_equal(ds_table_number(b, row, c, &vb), DS_CELL_VALUE);
                assert_true(va == vb);
            }
        }
    }
    ds_table_free(a);
    ds_table_free(b);
}

static void test_fast_path_matches_libcsv(void **state)
{
    (void)state;
    /* Spaces and tabs around fields, CRLF, blank lines, lines of spaces, quotes, a lone
     * CR inside a line, trailing separators, a ragged row. */
    assert_same_tables(fixture("diff1.csv",
                               "code ; nom ;\tval\t\r\n"
                               "  31555 ;Toulouse  ; 1,5\r\n"
                               "\r\n"
                               "   \r\n"
                               "34172;\"Montpellier\" ; 2\r\n"
                               "30189;N\xc3\xaemes;3\r4;x;5\r\n"
                               "11069;Carcassonne;\t\t\r\n"
                               "11070;a;b;c\r\n"
                               "66136;Perpignan;7", 0));
    /* Pseudo-random files from a fixed seed: fields drawn from a set of awkward pieces. */
    static const char *pieces[] = {"12", " 3,5 ", "\t7\t", "", "s", "abc", " a b ", "\"q;x\"",
                                   "\"a\"\"b\"", "2A004", "NA", "1 234", "\"\"", "-"};
    uint64_t seed = 12345;
    for (int file = 0; file < 20; file++) {
        char text[16384];
        size_t n = (size_t)snprintf(text, sizeof text, "c1;c2;c3;c4\n");
        for (int line = 0; line < 200; line++) {
            for (int f = 0; f < 4; f++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", f ? ";" : "",
                                      pieces[(seed >> 33) % (sizeof pieces / sizeof *pieces)]);
            }
            n += (size_t)snprintf(text + n, sizeof text - n, (seed >> 20) % 3 ? "\n" : "\r\n");
        }
        char name[32];
        snprintf(name, sizeof name, "random%d.csv", file);
        assert_same_tables(fixture(name, text, n));
    }
}

/* The same over several 1 MiB read chunks, so that quotes, CRLF, lone CRs and UTF-8
 * bytes fall on chunk boundaries and between the stretches checked in one go. */
static void test_fast_path_matches_libcsv_across_chunks(void **state)
{
    (void)state;
    static const char *pieces[] = {"12", "3,5", "abc", "", "s", "\"q;x\"", "\"two\nlines\"",
                                   "S\xc3\xa8te", "1 234", "\"a\"\"b\"", "x\ry", "NA"};
    size_t cap = 3u << 20, n = 0;
    char *text = malloc(cap + 256);
    assert_non_null(text);
    n += (size_t)snprintf(text, cap, "c1;c2;c3;c4\r\n");
    uint64_t seed = 99;
    while (n < cap) {
        for (int f = 0; f < 4; f++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            /* Mostly plain pieces, so that long quote-free stretches occur. */
            size_t k = (seed >> 33) % 100 < 90 ? (seed >> 40) % 5 : (seed >> 40) % 12;
            n += (size_t)snprintf(text + n, cap + 256 - n, "%s%s", f ? ";" : "", pieces[k]);
        }
        n += (size_t)snprintf(text + n, cap + 256 - n, (seed >> 20) % 2 ? "\n" : "\r\n");
    }
    const char *path = fixture("chunks.csv", text, n);
    free(text);
    assert_same_tables(path);
}

/* --- real files (../shared/data) ------------------------------------------------------ */

/* INSEE QPV demography 2017: ';', BOM, CRLF, decimal comma, U+202F thousands, 206 empty
 * unnamed trailing columns, an "Ensemble" total row. Expected figures from Python's csv
 * module: python3 -c "import csv; r=list(csv.reader(open(P, encoding='utf-8-sig'),
 * delimiter=';')); ..." (header 239 fields, 33 named; 1346 rows; TX_F 54 empty; the
 * QP rows' POP_MUN sum 5,019,573 equals the Ensemble row's '5 019 573'). */
static void test_real_qpv_demography(void **state)
{
    (void)state;
    require_shared("insee/qpv2015/DEMO_2017.csv");
    ds_table *t = load_ok(SHARED_DATA "insee/qpv2015/DEMO_2017.csv", NULL);
    const ds_load_report *r = ds_table_report(t);
    assert_string_equal(r->encoding, "UTF-8 (BOM)");
    assert_int_equal(r->separator, ';');
    assert_int_equal(r->decimal_mark, ',');
    assert_int_equal(ds_table_rows(t), 1346);
    assert_int_equal(ds_table_columns(t), 33);
    assert_int_equal(r->empty_unnamed_columns_dropped, 239 - 33);
    assert_int_equal(ds_table_column_type(t, 0), DS_COLUMN_CODE);
    assert_int_equal(ds_table_column_code_kind(t, 0), DS_CODE_QPV2015);
    ds_column_counts c;
    ds_table_column_counts(t, 0, &c);
    assert_int_equal(c.invalid_codes, 1); /* "Ensemble", on line 2 */
    assert_string_equal(c.first_invalid_code, "Ensemble");
    assert_int_equal(c.first_invalid_line, 2);
    long pop = ds_table_column_index(t, "POP_MUN");
    double sum = 0, total = -1;
    for (size_t row = 0; row < ds_table_rows(t); row++) {
        double v;
        assert_int_equal(ds_table_number(t, row, (size_t)pop, &v), DS_CELL_VALUE);
        if (ds_table_code(t, row, 0) != NULL)
            sum += v;
        else
            total = v;
    }
    assert_true(sum == 5019573.0);
    assert_true(total == 5019573.0);
    ds_table_column_counts(t, (size_t)ds_table_column_index(t, "TX_F"), &c);
    assert_int_equal(c.by_status[DS_CELL_MISSING], 54);
    assert_int_equal(c.by_status[DS_CELL_VALUE], 1292);
    ds_table_free(t);
}

/* Sums a numeric column over the rows where it has a value; counts them in *n. */
static double column_sum(const ds_table *t, const char *name, size_t *n)
{
    long c = ds_table_column_index(t, name);
    assert_true(c >= 0);
    double sum = 0, v;
    *n = 0;
    for (size_t row = 0; row < ds_table_rows(t); row++)
        if (ds_table_number(t, row, (size_t)c, &v) == DS_CELL_VALUE) {
            sum += v;
            (*n)++;
        }
    return sum;
}

/* INSEE QPV income 2022: every DISP_Q2 cell uses U+202F as thousands separator. Python
 * csv module (see test_real_qpv_demography), float() after removing U+202F and turning
 * ',' into '.': 1352 rows, all QP codes; TP60 5 empty, 1347 values summing to
 * 59949.000000000095; DISP_Q2 sums to 18,773,870; C has 33 empty cells and sums to
 * 4,877,944; C_C2SP sums to 243,974. */
static void test_real_qpv_income(void **state)
{
    (void)state;
    require_shared("insee/qpv2015/REVN_2022.csv");
    ds_table *t = load_ok(SHARED_DATA "insee/qpv2015/REVN_2022.csv", NULL);
    assert_int_equal(ds_table_rows(t), 1352);
    assert_int_equal(ds_table_column_code_kind(t, 0), DS_CODE_QPV2015);
    size_t n;
    assert_close(column_sum(t, "TP60", &n), 59949.000000000095, 1e-13);
    assert_int_equal(n, 1347);
    assert_true(column_sum(t, "DISP_Q2", &n) == 18773870.0);
    assert_int_equal(n, 1352);
    assert_true(column_sum(t, "C", &n) == 4877944.0);
    assert_int_equal(n, 1352 - 33);
    assert_true(column_sum(t, "C_C2SP", &n) == 243974.0);
    ds_table_free(t);
}

/* Filosofi 2019 by commune: masked (empty) values for small communes. Python csv:
 * 31361 rows, Q119 empty 26025 times, NBPERS19 sums to 67,272,982. */
static void test_real_filosofi_communes(void **state)
{
    (void)state;
    require_shared("insee/commune/FILO2019_DISP_COM.csv");
    ds_table *t = load_ok(SHARED_DATA "insee/commune/FILO2019_DISP_COM.csv", NULL);
    assert_int_equal(ds_table_rows(t), 31361);
    assert_int_equal(ds_table_column_code_kind(t, 0), DS_CODE_COMMUNE);
    ds_column_counts c;
    ds_table_column_counts(t, (size_t)ds_table_column_index(t, "Q119"), &c);
    assert_int_equal(c.by_status[DS_CELL_MISSING], 26025);
    assert_int_equal(c.by_status[DS_CELL_VALUE], 5336);
    long pers = ds_table_column_index(t, "NBPERS19");
    double sum = 0;
    for (size_t row = 0; row < ds_table_rows(t); row++)
        sum += number_at(t, row, "NBPERS19");
    (void)pers;
    assert_close(sum, 67272982.0, 1e-12);
    ds_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_number_forms),
        cmocka_unit_test(test_parse_number_matches_strtod),
        cmocka_unit_test(test_parse_number_rejects),
        cmocka_unit_test(test_markers),
        cmocka_unit_test(test_semicolon_decimal_comma),
        cmocka_unit_test(test_comma_and_tab_separators),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_title_lines),
        cmocka_unit_test(test_trailing_unnamed_columns),
        cmocka_unit_test(test_repeated_header_is_an_error),
        cmocka_unit_test(test_missing_values_are_typed),
        cmocka_unit_test(test_stray_word_in_numeric_column),
        cmocka_unit_test(test_stray_in_sample_then_numbers),
        cmocka_unit_test(test_ragged_rows),
        cmocka_unit_test(test_quotes_and_line_numbers),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_empty_inputs),
        cmocka_unit_test(test_long_layout_and_observations),
        cmocka_unit_test(test_dimension_columns),
        cmocka_unit_test(test_repeated_territories),
        cmocka_unit_test(test_sample_misjudged_column),
        cmocka_unit_test(test_late_numbers),
        cmocka_unit_test(test_late_identifiers),
        cmocka_unit_test(test_fast_path_matches_libcsv),
        cmocka_unit_test(test_fast_path_matches_libcsv_across_chunks),
        cmocka_unit_test(test_real_qpv_demography),
        cmocka_unit_test(test_real_qpv_income),
        cmocka_unit_test(test_real_filosofi_communes),
    };
    return cmocka_run_group_tests_name("csv_table", tests, test_dir_create, test_dir_remove);
}
