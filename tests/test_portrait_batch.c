/* diagsante — tests of portrait batches (ds_portrait_batch_run, engine/portrait_batch.c)
 * on the demo configuration (datasets/demo/portrait, invented figures; the tests run
 * from the project root). The reference is the plain loop the batch replaces:
 * ds_portrait_compute then ds_portrait_write_table and ds_portrait_write_json_line, one
 * territory after the other; every thread count must give exactly its bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diagsante/config.h"
#include "diagsante/portrait.h"
#include "helpers.h"

#define DEMO "datasets/demo/portrait/diagnostic.ini"

typedef struct fixture {
    ds_config *config;
    ds_portrait_context *ctx;
} fixture;

static int open_demo(void **state)
{
    static fixture fx;
    ds_error err;
    if (ds_config_load(DEMO, &fx.config, &err) != DS_OK ||
        ds_portrait_context_open(fx.config, &fx.ctx, &err) != DS_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    *state = &fx;
    return 0;
}

static int close_demo(void **state)
{
    fixture *fx = *state;
    ds_portrait_context_free(fx->ctx);
    ds_config_free(fx->config);
    return 0;
}

/* A memory stream and what it holds. */
typedef struct memfile {
    FILE *f;
    char *data;
    size_t size;
} memfile;

static void mem_open(memfile *m)
{
    m->data = NULL, m->size = 0;
    m->f = open_memstream(&m->data, &m->size);
    assert_non_null(m->f);
}

static void mem_close(memfile *m)
{
    assert_int_equal(fclose(m->f), 0);
}

/* The reference: one portrait after the other, written straight to the streams. */
static void serial(ds_portrait_context *ctx, ds_level level, const ds_code_list *units,
                   memfile *table, memfile *json)
{
    mem_open(table), mem_open(json);
    for (size_t u = 0; u < units->count; u++) {
        ds_portrait *p;
        ds_error err;
        if (ds_portrait_compute(ctx, units->items[u], level, &p, &err) != DS_OK)
            fail_msg("%s", err.message);
        assert_true(ds_portrait_write_table(table->f, p, u == 0));
        assert_true(ds_portrait_write_json_line(json->f, p));
        ds_portrait_free(p);
    }
    mem_close(table), mem_close(json);
}

/* The callback checks that portraits come in order, one per unit. */
typedef struct seen {
    const ds_code_list *units;
    size_t next;
    size_t stop_at;  /* fail with DS_EIO at this index (SIZE_MAX: never) */
} seen;

static ds_status each(const ds_portrait *p, size_t index, void *data, ds_error *err)
{
    seen *s = data;
    if (index != s->next || strcmp(ds_portrait_code(p), s->units->items[index]) != 0)
        return ds_error_set(err, DS_EDATA, "portrait %zu out of order", index);
    s->next++;
    if (index == s->stop_at)
        return ds_error_set(err, DS_EIO, "stopped by the callback at %zu", index);
    return DS_OK;
}

static ds_status run(ds_portrait_context *ctx, ds_level level, const ds_code_list *units,
                     unsigned threads, memfile *table, memfile *json, seen *s, ds_error *err)
{
    mem_open(table), mem_open(json);
    ds_portrait_batch b = {level, units, threads, table->f, json->f, "table.csv",
                           "portraits.jsonl", each, s};
    ds_status st = ds_portrait_batch_run(ctx, &b, err);
    mem_close(table), mem_close(json);
    return st;
}

static void same_bytes(const memfile *a, const memfile *b, const char *what, unsigned threads)
{
    if (a->size != b->size || memcmp(a->data, b->data, a->size) != 0)
        fail_msg("%s with %u threads: %zu bytes, the serial loop wrote %zu", what, threads,
                 b->size, a->size);
}

static size_t count_lines(const memfile *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->size; i++)
        n += m->data[i] == '\n';
    return n;
}

/* The EPCI of the région and the communes of the Hautes-Pyrénées (where the demo has
 * data): 1, 2, 3 and 8 threads write the serial loop's bytes. */
static void test_threads_write_the_serial_bytes(void **state)
{
    fixture *fx = *state;
    const ds_referential *ref = ds_portrait_context_referential(fx->ctx);
    struct {
        ds_level level, parent_level;
        const char *parent;
    } jobs[] = {{DS_LEVEL_EPCI, DS_LEVEL_REGION, "76"},
                {DS_LEVEL_COMMUNE, DS_LEVEL_DEPARTEMENT, "65"}};
    for (size_t j = 0; j < 2; j++) {
        ds_code_list units = {0};
        ds_error err;
        assert_int_equal(ds_referential_members(ref, jobs[j].parent_level, jobs[j].parent,
                                                jobs[j].level, &units, &err),
                         DS_OK);
        assert_true(units.count > 10);
        /* A fresh context first run by 8 threads: its caches (ranks, references, input
         * hashes) are filled by workers at once. */
        ds_portrait_context *fresh;
        assert_int_equal(ds_portrait_context_open(fx->config, &fresh, &err), DS_OK);
        memfile table8, json8;
        seen s8 = {&units, 0, SIZE_MAX};
        if (run(fresh, jobs[j].level, &units, 8, &table8, &json8, &s8, &err) != DS_OK)
            fail_msg("%s", err.message);
        ds_portrait_context_free(fresh);
        memfile table0, json0;
        serial(fx->ctx, jobs[j].level, &units, &table0, &json0);
        assert_int_equal(count_lines(&json0), units.count);
        same_bytes(&table0, &table8, "table (fresh context)", 8);
        same_bytes(&json0, &json8, "JSON (fresh context)", 8);
        static const unsigned threads[] = {1, 2, 3, 8};
        for (size_t t = 0; t < 4; t++) {
            memfile table, json;
            seen s = {&units, 0, SIZE_MAX};
            if (run(fx->ctx, jobs[j].level, &units, threads[t], &table, &json, &s, &err) !=
                DS_OK)
                fail_msg("%s", err.message);
            assert_int_equal(s.next, units.count);
            same_bytes(&table0, &table, "table", threads[t]);
            same_bytes(&json0, &json, "JSON", threads[t]);
            free(table.data), free(json.data);
        }
        free(table0.data), free(json0.data), free(table8.data), free(json8.data);
        ds_code_list_free(&units);
    }
}

/* An unknown code at index 7: the batch stops with its error, after writing the 7
 * portraits before it, whatever the number of threads; a callback's error stops it too. */
static void test_first_error_in_order(void **state)
{
    fixture *fx = *state;
    const ds_referential *ref = ds_portrait_context_referential(fx->ctx);
    ds_code_list units = {0};
    ds_error err;
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_EPCI, &units,
                                            &err),
                     DS_OK);
    assert_true(units.count > 12);
    char *kept = units.items[7];
    units.items[7] = "999999999";
    static const unsigned threads[] = {1, 2, 4};
    for (size_t t = 0; t < 3; t++) {
        memfile table, json;
        seen s = {&units, 0, SIZE_MAX};
        assert_int_equal(run(fx->ctx, DS_LEVEL_EPCI, &units, threads[t], &table, &json, &s,
                             &err),
                         DS_EDATA);
        assert_non_null(strstr(err.message, "999999999"));
        assert_int_equal(s.next, 7);
        assert_int_equal(count_lines(&json), 7);
        free(table.data), free(json.data);
    }
    units.items[7] = kept;
    for (size_t t = 0; t < 3; t++) {
        memfile table, json;
        seen s = {&units, 0, 3};
        assert_int_equal(run(fx->ctx, DS_LEVEL_EPCI, &units, threads[t], &table, &json, &s,
                             &err),
                         DS_EIO);
        assert_string_equal(err.message, "stopped by the callback at 3");
        assert_int_equal(count_lines(&json), 4);  /* written before the callback */
        free(table.data), free(json.data);
    }
    ds_code_list_free(&units);
}

/* No unit: nothing written, no header; NULL arguments refused. */
static void test_empty_and_usage(void **state)
{
    fixture *fx = *state;
    ds_code_list none = {0};
    memfile table, json;
    ds_error err;
    seen s = {&none, 0, SIZE_MAX};
    assert_int_equal(run(fx->ctx, DS_LEVEL_EPCI, &none, 2, &table, &json, &s, &err), DS_OK);
    assert_int_equal(table.size, 0);
    assert_int_equal(json.size, 0);
    free(table.data), free(json.data);
    assert_int_equal(ds_portrait_batch_run(fx->ctx, NULL, &err), DS_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_write_the_serial_bytes),
        cmocka_unit_test(test_first_error_in_order),
        cmocka_unit_test(test_empty_and_usage),
    };
    return cmocka_run_group_tests_name("portrait_batch", tests, open_demo, close_demo);
}
