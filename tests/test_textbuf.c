/* Tests of the text buffer (engine/textbuf.c) the portrait writers fill: each append is
 * checked against the stdio writer it replaces (ds_json_string, ds_output_csv_field,
 * printf "%zu" / "%ld") on the same input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/output.h"
#include "portrait_write.h"
#include "textbuf.h"
#include "helpers.h"

/* What a stdio writer puts in a memory stream. */
typedef struct captured {
    char *data;
    size_t size;
} captured;

static void assert_same(const ds_textbuf *b, const captured *c, const char *input)
{
    assert_false(b->failed);
    if (b->len != c->size || (b->len > 0 && memcmp(b->data, c->data, b->len) != 0))
        fail_msg("input \"%s\": buffer \"%.*s\", stdio \"%s\"", input, (int)b->len,
                 b->len > 0 ? b->data : "", c->data);
}

static const char *const STRINGS[] = {
    "",
    "plain",
    "Aigues-Juntes",
    "France métropolitaine",
    "with, comma",
    "a \"quoted\" word",
    "back\\slash",
    "line\nbreak",
    "carriage\rreturn",
    "tab\there",
    "\x01\x02\x1f control",
    "\"",
    ",",
    "325 communes sur 325 sans donnée : total non calculé",
    "ends with quote\"",
};

static void test_json_and_csv_strings(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof STRINGS / sizeof STRINGS[0]; i++) {
        captured json = {0}, csv = {0};
        FILE *fj = open_memstream(&json.data, &json.size);
        FILE *fc = open_memstream(&csv.data, &csv.size);
        assert_non_null(fj);
        assert_non_null(fc);
        ds_json_string(fj, STRINGS[i]);
        ds_output_csv_field(fc, STRINGS[i], ',');
        fclose(fj), fclose(fc);
        ds_textbuf bj = {0}, bc = {0};
        ds_textbuf_json_string(&bj, STRINGS[i]);
        ds_textbuf_csv_field(&bc, STRINGS[i]);
        assert_same(&bj, &json, STRINGS[i]);
        assert_same(&bc, &csv, STRINGS[i]);
        ds_textbuf_free(&bj), ds_textbuf_free(&bc);
        free(json.data), free(csv.data);
    }
    /* Every byte 1..255 alone, as JSON. */
    for (int c = 1; c < 256; c++) {
        char s[2] = {(char)c, '\0'};
        captured json = {0};
        FILE *fj = open_memstream(&json.data, &json.size);
        assert_non_null(fj);
        ds_json_string(fj, s);
        fclose(fj);
        ds_textbuf b = {0};
        ds_textbuf_json_string(&b, s);
        assert_same(&b, &json, s);
        ds_textbuf_free(&b);
        free(json.data);
    }
    ds_textbuf b = {0};
    ds_textbuf_json_string(&b, NULL);
    ds_textbuf_csv_field(&b, NULL);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, "null", 4);
    ds_textbuf_free(&b);
}

static void test_integers_and_numbers(void **state)
{
    (void)state;
    static const long longs[] = {0, 1, -1, 9, 10, -10, 12345, LONG_MAX, LONG_MIN};
    static const size_t sizes[] = {0, 1, 10, 99, 100, 4455, SIZE_MAX};
    ds_textbuf b = {0};
    char want[256] = "";
    size_t at = 0;
    for (size_t i = 0; i < sizeof longs / sizeof longs[0]; i++) {
        ds_textbuf_long(&b, longs[i]), ds_textbuf_putc(&b, ' ');
        at += (size_t)snprintf(want + at, sizeof want - at, "%ld ", longs[i]);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        ds_textbuf_size(&b, sizes[i]), ds_textbuf_putc(&b, ' ');
        at += (size_t)snprintf(want + at, sizeof want - at, "%zu ", sizes[i]);
    }
    ds_textbuf_number(&b, 0.95), ds_textbuf_putc(&b, ' ');
    ds_textbuf_number(&b, NAN), ds_textbuf_putc(&b, ' ');
    ds_textbuf_json_number(&b, NAN), ds_textbuf_putc(&b, ' ');
    ds_textbuf_json_number(&b, -INFINITY), ds_textbuf_putc(&b, ' ');
    ds_textbuf_json_number(&b, 1.0 / 3.0);
    at += (size_t)snprintf(want + at, sizeof want - at, "0.95  null null 0.3333333333333333");
    assert_false(b.failed);
    assert_int_equal(b.len, at);
    assert_memory_equal(b.data, want, at);
    ds_textbuf_free(&b);
}

/* Growth from empty across many appends keeps every byte; write sends them all. */
static void test_growth_and_write(void **state)
{
    (void)state;
    ds_textbuf b = {0};
    for (int i = 0; i < 100000; i++)
        ds_textbuf_putc(&b, (char)('a' + i % 26));
    ds_textbuf_put(&b, "end", 3);
    assert_false(b.failed);
    assert_int_equal(b.len, 100003);
    for (int i = 0; i < 100000; i += 9973)
        assert_int_equal(b.data[i], 'a' + i % 26);
    captured c = {0};
    FILE *f = open_memstream(&c.data, &c.size);
    assert_non_null(f);
    assert_true(ds_textbuf_write(&b, f));
    fclose(f);
    assert_int_equal(c.size, b.len);
    assert_memory_equal(c.data, b.data, b.len);
    free(c.data);
    b.failed = true;  /* a buffer that lost an append is never written */
    f = fopen("/dev/null", "w");
    assert_non_null(f);
    assert_false(ds_textbuf_write(&b, f));
    fclose(f);
    ds_textbuf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_and_csv_strings),
        cmocka_unit_test(test_integers_and_numbers),
        cmocka_unit_test(test_growth_and_write),
    };
    return cmocka_run_group_tests_name("textbuf", tests, NULL, NULL);
}
