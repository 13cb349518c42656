/* diagsante — batches of portraits (portrait.h: ds_portrait_batch_run).
 *
 * Workers claim units in order, compute each portrait and format its table lines and
 * JSON line into the unit's slot of a ring of `window` slots; the calling thread takes
 * the slots in unit order, writes them and hands the portrait to the caller's callback.
 * A worker never runs more than `window` units ahead of the writer, so memory stays at a
 * few portraits per thread. The context's lazily filled caches are guarded by its lock
 * (portrait.c); everything else a worker reads is read-only. */
#include "portrait_model.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "portrait_write.h"
#include "textbuf.h"

typedef struct slot {
    ds_portrait *p;
    ds_textbuf table, json;
    ds_status st;
    ds_error err;
    bool ready;
} slot;

typedef struct batch_state {
    ds_portrait_context *ctx;
    const ds_portrait_batch *b;
    size_t window;
    slot *slots;
    pthread_mutex_t lock;
    pthread_cond_t ready, space;
    size_t next;     /* the next unit to claim */
    size_t written;  /* units the writer is done with */
    bool stop;
} batch_state;

/* Computes and formats unit u into s (any thread). */
static void fill_slot(batch_state *bs, size_t u, slot *s)
{
    const ds_portrait_batch *b = bs->b;
    s->table.len = s->json.len = 0;
    s->st = ds_portrait_compute(bs->ctx, b->units->items[u], b->level, &s->p, &s->err);
    if (s->st != DS_OK)
        return;
    if (b->table != NULL)
        ds_portrait_format_table(&s->table, s->p, u == 0);
    if (b->json != NULL)
        ds_portrait_format_json_line(&s->json, s->p);
    if (s->table.failed || s->json.failed)
        s->st = ds_error_set(&s->err, DS_ENOMEM, "%s: out of memory", b->units->items[u]);
}

/* Writes slot s of unit u, calls the callback, frees the portrait (calling thread). */
static ds_status drain_slot(batch_state *bs, size_t u, slot *s, ds_error *err)
{
    const ds_portrait_batch *b = bs->b;
    ds_status st = s->st;
    if (st != DS_OK)
        *err = s->err;
    if (st == DS_OK && b->table != NULL && !ds_textbuf_write(&s->table, b->table))
        st = ds_error_set(err, DS_EIO, "%s: write error",
                          b->table_name != NULL ? b->table_name : "table");
    if (st == DS_OK && b->json != NULL && !ds_textbuf_write(&s->json, b->json))
        st = ds_error_set(err, DS_EIO, "%s: write error",
                          b->json_name != NULL ? b->json_name : "JSON");
    if (st == DS_OK && b->each != NULL)
        st = b->each(s->p, u, b->data, err);
    ds_portrait_free(s->p);
    s->p = NULL;
    return st;
}

static void *worker(void *arg)
{
    batch_state *bs = arg;
    size_t n = bs->b->units->count;
    pthread_mutex_lock(&bs->lock);
    for (;;) {
        while (!bs->stop && bs->next < n && bs->next >= bs->written + bs->window)
            pthread_cond_wait(&bs->space, &bs->lock);
        if (bs->stop || bs->next >= n)
            break;
        size_t u = bs->next++;
        pthread_mutex_unlock(&bs->lock);
        /* The slot's previous unit (u - window) has been written: it is ours. */
        slot *s = &bs->slots[u % bs->window];
        fill_slot(bs, u, s);
        pthread_mutex_lock(&bs->lock);
        s->ready = true;
        pthread_cond_broadcast(&bs->ready);
    }
    pthread_mutex_unlock(&bs->lock);
    return NULL;
}

static size_t worker_count(unsigned threads, size_t units)
{
    long n = threads;
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > DS_PORTRAIT_MAX_THREADS)
        n = DS_PORTRAIT_MAX_THREADS;
    return (size_t)n < units ? (size_t)n : units > 0 ? units : 1;
}

/* Threads: n workers, the calling thread writing. */
static ds_status run_threads(batch_state *bs, size_t n_workers, ds_error *err)
{
    size_t n = bs->b->units->count;
    pthread_t threads[DS_PORTRAIT_MAX_THREADS];
    size_t started = 0;
    ds_status st = DS_OK;
    if (pthread_mutex_init(&bs->lock, NULL) != 0)
        return ds_error_set(err, DS_ENOMEM, "cannot create a mutex");
    if (pthread_cond_init(&bs->ready, NULL) != 0) {
        pthread_mutex_destroy(&bs->lock);
        return ds_error_set(err, DS_ENOMEM, "cannot create a condition variable");
    }
    if (pthread_cond_init(&bs->space, NULL) != 0) {
        pthread_cond_destroy(&bs->ready);
        pthread_mutex_destroy(&bs->lock);
        return ds_error_set(err, DS_ENOMEM, "cannot create a condition variable");
    }
    while (started < n_workers && pthread_create(&threads[started], NULL, worker, bs) == 0)
        started++;
    if (started == 0)
        st = ds_error_set(err, DS_ENOMEM, "cannot start a thread");
    for (size_t u = 0; u < n && st == DS_OK; u++) {
        slot *s = &bs->slots[u % bs->window];
        pthread_mutex_lock(&bs->lock);
        while (!s->ready)
            pthread_cond_wait(&bs->ready, &bs->lock);
        pthread_mutex_unlock(&bs->lock);
        st = drain_slot(bs, u, s, err);
        pthread_mutex_lock(&bs->lock);
        s->ready = false;
        bs->written = u + 1;
        pthread_cond_broadcast(&bs->space);
        pthread_mutex_unlock(&bs->lock);
    }
    pthread_mutex_lock(&bs->lock);
    bs->stop = true;
    pthread_cond_broadcast(&bs->space);
    pthread_mutex_unlock(&bs->lock);
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_cond_destroy(&bs->space);
    pthread_cond_destroy(&bs->ready);
    pthread_mutex_destroy(&bs->lock);
    return st;
}

ds_status ds_portrait_batch_run(ds_portrait_context *ctx, const ds_portrait_batch *b,
                                ds_error *err)
{
    if (ctx == NULL || b == NULL || b->units == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_portrait_batch_run: NULL argument");
    size_t n = b->units->count, n_workers = worker_count(b->threads, n);
    batch_state bs = {.ctx = ctx, .b = b, .window = n_workers == 1 ? 1 : 4 * n_workers};
    bs.slots = calloc(bs.window, sizeof *bs.slots);
    if (bs.slots == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = DS_OK;
    if (n_workers == 1) {
        for (size_t u = 0; u < n && st == DS_OK; u++) {
            fill_slot(&bs, u, &bs.slots[0]);
            st = drain_slot(&bs, u, &bs.slots[0], err);
        }
    } else {
        st = run_threads(&bs, n_workers, err);
    }
    for (size_t k = 0; k < bs.window; k++) {
        ds_portrait_free(bs.slots[k].p);  /* left by workers ahead of a failure */
        ds_textbuf_free(&bs.slots[k].table);
        ds_textbuf_free(&bs.slots[k].json);
    }
    free(bs.slots);
    return st;
}
