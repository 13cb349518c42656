/* diagsante — growable text buffer (textbuf.h). */
#include "textbuf.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "numfmt.h"

bool ds_textbuf_grow(ds_textbuf *b, size_t more)
{
    if (b->failed)
        return false;
    if (b->cap - b->len >= more)
        return true;
    size_t cap = b->cap < 4096 ? 4096 : b->cap;
    while (cap - b->len < more) {
        if (cap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = true;
        return false;
    }
    b->data = grown;
    b->cap = cap;
    return true;
}

void ds_textbuf_free(ds_textbuf *b)
{
    free(b->data);
    *b = (ds_textbuf){0};
}

void ds_textbuf_number(ds_textbuf *b, double v)
{
    if (b->cap - b->len < DS_FMT_DOUBLE_MAX && !ds_textbuf_grow(b, DS_FMT_DOUBLE_MAX))
        return;
    b->len += ds_fmt_double(v, b->data + b->len);
}

void ds_textbuf_json_number(ds_textbuf *b, double v)
{
    if (!isfinite(v))
        ds_textbuf_put(b, "null", 4);
    else
        ds_textbuf_number(b, v);
}

void ds_textbuf_size(ds_textbuf *b, size_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    ds_textbuf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

void ds_textbuf_long(ds_textbuf *b, long v)
{
    if (v < 0) {
        ds_textbuf_putc(b, '-');
        ds_textbuf_size(b, (size_t)0 - (size_t)v);  /* LONG_MIN too */
    } else {
        ds_textbuf_size(b, (size_t)v);
    }
}

void ds_textbuf_json_string(ds_textbuf *b, const char *s)
{
    if (s == NULL) {
        ds_textbuf_put(b, "null", 4);
        return;
    }
    static const char HEX[] = "0123456789abcdef";
    size_t n = strlen(s);
    if (n > (SIZE_MAX - 2) / 6 || !ds_textbuf_grow(b, 6 * n + 2))  /* the worst case */
        return;
    char *o = b->data + b->len;
    *o++ = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c >= 0x20 && *c != '"' && *c != '\\') {
            *o++ = (char)*c;
            continue;
        }
        *o++ = '\\';
        switch (*c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u', *o++ = '0', *o++ = '0';
            *o++ = HEX[*c >> 4], *o++ = HEX[*c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
}

void ds_textbuf_csv_field(ds_textbuf *b, const char *s)
{
    if (s == NULL)
        return;
    size_t len = strcspn(s, ",\"\n\r");
    if (s[len] == '\0') {
        ds_textbuf_put(b, s, len);
        return;
    }
    ds_textbuf_putc(b, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            ds_textbuf_putc(b, '"');
        ds_textbuf_putc(b, *c);
    }
    ds_textbuf_putc(b, '"');
}

bool ds_textbuf_write(const ds_textbuf *b, FILE *f)
{
    if (b->failed)
        return false;
    return b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len;
}
