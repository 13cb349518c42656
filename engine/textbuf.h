/* diagsante (private) — a growable text buffer the portrait writers fill before one
 * write: no stdio call (nor its lock) per field, and a worker thread can format a
 * portrait while another writes the previous one. */
#ifndef DIAGSANTE_TEXTBUF_H
#define DIAGSANTE_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Zero-initialised = empty. After a failed allocation, failed is set and every later
 * append is dropped: check failed (or ds_textbuf_write's result) once at the end. */
typedef struct ds_textbuf {
    char *data;  /* not NUL-terminated */
    size_t len, cap;
    bool failed;
} ds_textbuf;

/* Makes room for `more` bytes; false (and failed set) when out of memory. */
bool ds_textbuf_grow(ds_textbuf *b, size_t more);
void ds_textbuf_free(ds_textbuf *b);  /* back to empty; keeps nothing */

static inline void ds_textbuf_put(ds_textbuf *b, const char *s, size_t n)
{
    if (n == 0 || (b->cap - b->len < n && !ds_textbuf_grow(b, n)))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void ds_textbuf_puts(ds_textbuf *b, const char *s)
{
    ds_textbuf_put(b, s, strlen(s));
}

static inline void ds_textbuf_putc(ds_textbuf *b, char c)
{
    if (b->cap == b->len && !ds_textbuf_grow(b, 1))
        return;
    b->data[b->len++] = c;
}

/* A number as ds_fmt_double writes it ("" for NaN and infinities). */
void ds_textbuf_number(ds_textbuf *b, double v);
/* A number, or null for NaN and infinities (JSON). */
void ds_textbuf_json_number(ds_textbuf *b, double v);
/* Decimal integers ("%ld", "%zu"). */
void ds_textbuf_long(ds_textbuf *b, long v);
void ds_textbuf_size(ds_textbuf *b, size_t v);
/* A JSON string literal, or null for NULL; the same bytes as ds_json_string. */
void ds_textbuf_json_string(ds_textbuf *b, const char *s);
/* A CSV field with separator ',': quoted (quotes doubled) when it holds a comma, a quote
 * or a line break, else as is; the same bytes as ds_output_csv_field. NULL is "". */
void ds_textbuf_csv_field(ds_textbuf *b, const char *s);
/* Writes the whole buffer to f; false when it failed earlier or the write fails. */
bool ds_textbuf_write(const ds_textbuf *b, FILE *f);

#endif
