/* diagsante (private) — streaming CSV records (see csv_reader.h). */
#include "csv_reader.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_CHUNK ((size_t)1 << 20)
#define SMALL_CHUNK ((size_t)1 << 14) /* files smaller than a chunk read in one of these */
#define DEFAULT_MAX_RECORD ((size_t)64 << 20)
#define LIBCSV_ROW_NOT_BEGUN 0 /* libcsv.c's parser state between records */

typedef struct reader {
    const char *path;
    FILE *file;
    char separator;
    bool libcsv_only;
    size_t max_record;
    ds_csv_record_fn fn;
    void *user;
    ds_error *err;
    /* Input: raw bytes read, then UTF-8 text in buf[start, end). */
    unsigned char *raw;
    char *buf;
    size_t cap, start, end;
    size_t chunk;        /* bytes per read: READ_CHUNK, less for a small file */
    size_t plain_end; /* buf[start, plain_end) holds no quote, NUL, non-ASCII byte or lone CR */
    bool eof, first_read;
    ds_encoding encoding; /* AUTO until decided */
    bool bom;
    iconv_t iconv;
    bool iconv_open;
    size_t line; /* number of the next line to process */
    /* The record being built. */
    ds_csv_field *fields;
    size_t *offsets; /* libcsv fields: offsets into copy */
    size_t n_fields, fields_cap;
    char *copy;
    size_t copy_len, copy_cap;
    ds_record_problem problem;
    size_t problem_field;
    /* libcsv state for quoted records. */
    struct csv_parser parser;
    bool parser_ready;
    size_t record_line, current_line, record_bytes;
    bool stop;
    ds_status status;
} reader;

/* --- byte checks ------------------------------------------------------------ */

/* True when no byte of p[0..n) is NUL or >= 0x80 (8 bytes at a time). */
static bool all_plain_ascii(const char *p, size_t n)
{
    const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if ((w & high) != 0 || ((w - ones) & ~w & high) != 0)
            return false;
    }
    for (; i < n; i++)
        if ((unsigned char)p[i] >= 0x80 || p[i] == '\0')
            return false;
    return true;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_sequence_length(const unsigned char *p, size_t n)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

/* True when p[0..n) is valid UTF-8 without NUL bytes (ASCII runs 8 bytes at a time). */
static bool valid_utf8(const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, u + i, 8), (w & 0x8080808080808080ull) == 0 &&
                           ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) == 0)) {
            i += 8;
            continue;
        }
        if (u[i] == 0)
            return false;
        size_t len = utf8_sequence_length(u + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

/* Checks one field's bytes and records the first problem of the record. */
static void check_field_bytes(reader *r, const char *p, size_t n, size_t field_number)
{
    if (r->problem != DS_RECORD_OK || all_plain_ascii(p, n))
        return;
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        if (u[i] == 0) {
            r->problem = DS_RECORD_BAD_BYTE;
            r->problem_field = field_number;
            return;
        }
        size_t len = utf8_sequence_length(u + i, n - i);
        if (len == 0) {
            r->problem = DS_RECORD_INVALID_UTF8;
            r->problem_field = field_number;
            return;
        }
        i += len;
    }
}

/* --- records ------------------------------------------------------------------ */

/* Doubles the room for fields (and their libcsv offsets). */
static bool grow_fields(reader *r)
{
    size_t cap = r->fields_cap ? r->fields_cap * 2 : 64;
    ds_csv_field *fields = realloc(r->fields, cap * sizeof *fields);
    if (fields == NULL)
        return false;
    r->fields = fields;
    size_t *offsets = realloc(r->offsets, cap * sizeof *offsets);
    if (offsets == NULL)
        return false;
    r->offsets = offsets;
    r->fields_cap = cap;
    return true;
}

static bool push_field(reader *r, const char *ptr, size_t len)
{
    if (r->n_fields == r->fields_cap && !grow_fields(r))
        return false;
    r->fields[r->n_fields].ptr = ptr;
    r->fields[r->n_fields].len = len;
    r->n_fields++;
    return true;
}

static void fail_nomem(reader *r)
{
    r->status = ds_error_set(r->err, DS_ENOMEM, "%s: out of memory while reading line %zu",
                             r->path, r->current_line);
    r->stop = true;
}

static void emit_record(reader *r, size_t line, size_t last_line)
{
    ds_csv_record record = {.line = line,
                            .last_line = last_line,
                            .n_fields = r->n_fields,
                            .fields = r->fields,
                            .problem = r->problem,
                            .problem_field = r->problem_field};
    if (r->fn(r->user, &record) != 0)
        r->stop = true;
    r->n_fields = 0;
    r->copy_len = 0;
    r->problem = DS_RECORD_OK;
    r->problem_field = 0;
}

/* libcsv callback: one field, copied because libcsv reuses its buffer. */
static void on_libcsv_field(void *data, size_t len, void *user)
{
    reader *r = user;
    if (r->stop)
        return;
    if (r->copy_len + len > r->copy_cap) {
        size_t cap = r->copy_cap ? r->copy_cap : 4096;
        while (cap < r->copy_len + len)
            cap *= 2;
        char *copy = realloc(r->copy, cap);
        if (copy == NULL) {
            fail_nomem(r);
            return;
        }
        r->copy = copy;
        r->copy_cap = cap;
    }
    if (len > 0)
        memcpy(r->copy + r->copy_len, data, len);
    if (!push_field(r, NULL, len)) {
        fail_nomem(r);
        return;
    }
    r->offsets[r->n_fields - 1] = r->copy_len;
    r->copy_len += len;
}

/* libcsv callback: end of a record. */
static void on_libcsv_row(int terminator, void *user)
{
    (void)terminator;
    reader *r = user;
    if (r->stop)
        return;
    for (size_t i = 0; i < r->n_fields; i++) {
        /* no copy buffer yet when every field so far was empty: NULL + 0 is undefined */
        r->fields[i].ptr = r->copy != NULL ? r->copy + r->offsets[i] : "";
        check_field_bytes(r, r->fields[i].ptr, r->fields[i].len, i + 1);
    }
    emit_record(r, r->record_line, r->current_line);
    r->record_line = r->current_line; /* a lone CR may start another record on this line */
    r->record_bytes = 0;
}

static bool start_parser(reader *r)
{
    if (csv_init(&r->parser, 0) != 0)
        return false;
    csv_set_delim(&r->parser, (unsigned char)r->separator);
    r->parser_ready = true;
    return true;
}

static bool parser_in_record(const reader *r)
{
    return r->parser_ready && r->parser.pstate != LIBCSV_ROW_NOT_BEGUN;
}

/* Feeds one physical line (with its newline when it has one) to libcsv. */
static void feed_libcsv(reader *r, const char *p, size_t len, size_t line_number)
{
    if (!parser_in_record(r)) {
        r->record_line = line_number;
        r->record_bytes = 0;
    }
    r->current_line = line_number;
    r->record_bytes += len;
    if (r->record_bytes > r->max_record) {
        /* A quoted field that never closes would swallow the file: cut it here. */
        r->n_fields = 0;
        r->copy_len = 0;
        r->problem = DS_RECORD_TOO_LONG;
        emit_record(r, r->record_line, line_number);
        csv_free(&r->parser);
        r->parser_ready = false;
        if (!start_parser(r))
            fail_nomem(r);
        return;
    }
    if (csv_parse(&r->parser, p, len, on_libcsv_field, on_libcsv_row, r) != len && !r->stop)
        fail_nomem(r); /* not strict: libcsv only fails when it cannot grow its buffer */
}

/* First byte equal to c in p[0..n), or p + n: 8 bytes at a time (a zero byte of
 * w ^ (c repeated) marks a match), cheaper than memchr on fields of a few bytes. */
static const char *find_byte(const char *p, size_t n, char c)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    const uint64_t pattern = ones * (unsigned char)c;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        w ^= pattern;
        uint64_t zero = (w - ones) & ~w & high;
        if (zero != 0)
            return p + i + ((size_t)__builtin_ctzll(zero) >> 3);
    }
    for (; i < n; i++)
        if (p[i] == c)
            return p + i;
    return p + n;
}

/* Splits a quote-free line on the separator with libcsv's rules: spaces and tabs
 * around a field are dropped (a tab separator is kept), a line of blanks is no record. */
static void split_plain_line(reader *r, const char *p, size_t len, size_t line_number,
                             bool ascii)
{
    const char *end = p + len;
    const char sep = r->separator;
    const bool tab_is_space = sep != '\t';
    bool blank = true;
    for (const char *q = p; q < end; q++)
        if (*q != ' ' && (*q != '\t' || !tab_is_space)) {
            blank = false;
            break;
        }
    if (blank)
        return;
    const char *s = p;
    for (;;) {
        const char *q = find_byte(s, (size_t)(end - s), sep);
        /* Field s..q: drop the spaces (and tabs, unless tab separates) around it. */
        const char *a = s, *b = q;
        while (a < b && (*a == ' ' || (*a == '\t' && tab_is_space)))
            a++;
        while (b > a && (b[-1] == ' ' || (b[-1] == '\t' && tab_is_space)))
            b--;
        if (r->n_fields == r->fields_cap && !grow_fields(r)) {
            fail_nomem(r);
            return;
        }
        r->fields[r->n_fields++] = (ds_csv_field){.ptr = a, .len = (size_t)(b - a)};
        if (q == end)
            break;
        s = q + 1;
    }
    /* Check the whole line at once; look for the field only when something is wrong. */
    if (!ascii && !all_plain_ascii(p, len) && !valid_utf8(p, len))
        for (size_t i = 0; i < r->n_fields && r->problem == DS_RECORD_OK; i++)
            check_field_bytes(r, r->fields[i].ptr, r->fields[i].len, i + 1);
    r->current_line = line_number;
    emit_record(r, line_number, line_number);
}

/* One physical line: p[0..len) includes its '\n' when it has one. plain: the line is
 * known to hold no quote, NUL, non-ASCII byte or lone CR (see plain_until). */
static void process_line(reader *r, const char *p, size_t len, bool plain)
{
    size_t line_number = r->line++;
    if (r->libcsv_only || parser_in_record(r)) {
        feed_libcsv(r, p, len, line_number);
        return;
    }
    size_t body = len;
    if (body > 0 && p[body - 1] == '\n')
        body--;
    if (body > 0 && p[body - 1] == '\r')
        body--;
    if (!plain && (memchr(p, '"', body) != NULL || memchr(p, '\r', body) != NULL))
        feed_libcsv(r, p, len, line_number);
    else
        split_plain_line(r, p, body, line_number, plain);
}

/* --- input ---------------------------------------------------------------------- */

/* Decides the encoding of a file that gave no BOM from a chunk holding non-ASCII
 * bytes: UTF-8 when valid multi-byte sequences outnumber invalid bytes (a UTF-8 file
 * with a few corrupt bytes), Windows-1252 otherwise. */
static ds_encoding guess_encoding(const unsigned char *p, size_t n)
{
    size_t valid = 0, invalid = 0;
    for (size_t i = 0; i < n;) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ull) == 0)) {
            i += 8; /* eight ASCII bytes */
            continue;
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_sequence_length(p + i, n - i);
        if (len == 0) {
            if (n - i < 4) /* possibly a sequence cut by the chunk's end */
                break;
            invalid++;
            i++;
        } else {
            valid++;
            i += len;
        }
    }
    if (valid == 0 && invalid == 0)
        return DS_ENCODING_AUTO;
    return valid >= invalid && valid > 0 ? DS_ENCODING_UTF8 : DS_ENCODING_WINDOWS_1252;
}

static bool open_iconv(reader *r)
{
    const char *from = r->encoding == DS_ENCODING_LATIN1 ? "ISO-8859-1" : "WINDOWS-1252";
    r->iconv = iconv_open("UTF-8", from);
    if (r->iconv == (iconv_t)-1) {
        r->status = ds_error_set(r->err, DS_EINTERNAL, "%s: iconv cannot convert from %s",
                                 r->path, from);
        return false;
    }
    r->iconv_open = true;
    return true;
}

/* Converts n single-byte characters to UTF-8 at out (room for 3n bytes); a byte the
 * encoding does not define becomes NUL, which the record check reports. */
static size_t convert_chunk(reader *r, const unsigned char *in, size_t n, char *out)
{
    char *src = (char *)in, *dst = out;
    size_t left = n, room = 3 * n;
    while (left > 0) {
        if (iconv(r->iconv, &src, &left, &dst, &room) != (size_t)-1)
            break;
        if (errno == EILSEQ || errno == EINVAL) {
            *dst++ = '\0';
            room--;
            src++;
            left--;
        } else {
            break; /* E2BIG cannot happen with 3 bytes per input byte */
        }
    }
    return (size_t)(dst - out);
}

/* The first position at or after from where buf holds a byte that a quote-free ASCII
 * line cannot: '"', NUL, a byte >= 0x80, or a CR not followed by LF (a CR ending the
 * data is unknown yet). Lines before it need no per-line check. 8 bytes at a time. */
static size_t plain_until(const reader *r, size_t from)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    const uint64_t quotes = ones * '"', crs = ones * '\r';
    const char *b = r->buf;
    size_t i = from, end = r->end;
    for (;;) {
        for (; i + 8 <= end; i += 8) {
            uint64_t w, q, c;
            memcpy(&w, b + i, 8);
            q = w ^ quotes;
            c = w ^ crs;
            uint64_t special = (w & high) | ((w - ones) & ~w & high) | ((q - ones) & ~q & high) |
                               ((c - ones) & ~c & high);
            if (special != 0)
                break;
        }
        for (; i < end; i++) {
            unsigned char ch = (unsigned char)b[i];
            if (ch == '\r' && i + 1 < end && b[i + 1] == '\n')
                continue;
            if (ch == '"' || ch == '\0' || ch == '\r' || ch >= 0x80)
                return i;
            if (i % 8 == 7 && i + 1 < end)
                break; /* back to the word loop on aligned blocks */
        }
        if (i >= end)
            return end;
        i++;
    }
}

/* Reads the next chunk and appends its UTF-8 text to buf. */
static bool fill(reader *r)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->plain_end = r->plain_end > r->start ? r->plain_end - r->start : 0;
        r->start = 0;
    }
    if (r->cap - r->end < 3 * r->chunk) {
        size_t cap = r->cap * 2;
        char *buf = realloc(r->buf, cap);
        if (buf == NULL) {
            fail_nomem(r);
            return false;
        }
        r->buf = buf;
        r->cap = cap;
    }
    /* Read in place; bytes to convert move aside first (3 bytes of room per byte). */
    size_t old_end = r->end;
    unsigned char *in = (unsigned char *)r->buf + r->end;
    size_t n = fread(in, 1, r->chunk, r->file);
    if (n < r->chunk) {
        if (ferror(r->file)) {
            r->status = ds_error_set(r->err, DS_EIO, "%s: read error after line %zu: %s",
                                     r->path, r->line, strerror(errno));
            r->stop = true;
            return false;
        }
        r->eof = true;
    }
    if (r->first_read) {
        r->first_read = false;
        if (n >= 3 && in[0] == 0xEF && in[1] == 0xBB && in[2] == 0xBF) {
            r->bom = true;
            memmove(in, in + 3, n - 3);
            n -= 3;
            if (r->encoding == DS_ENCODING_AUTO)
                r->encoding = DS_ENCODING_UTF8;
        }
    }
    if (r->encoding == DS_ENCODING_AUTO) {
        ds_encoding guess = guess_encoding(in, n);
        if (guess != DS_ENCODING_AUTO)
            r->encoding = guess;
    }
    if ((r->encoding == DS_ENCODING_WINDOWS_1252 || r->encoding == DS_ENCODING_LATIN1) &&
        !r->iconv_open && !open_iconv(r)) {
        r->stop = true;
        return false;
    }
    if (r->iconv_open) {
        memcpy(r->raw, in, n);
        r->end += convert_chunk(r, r->raw, n, (char *)in);
    } else {
        r->end += n;
    }
    if (r->plain_end == old_end)
        r->plain_end = plain_until(r, old_end);
    return true;
}

/* Drops the rest of an over-long line (without keeping it) and reports it. */
static void skip_long_line(reader *r)
{
    size_t line_number = r->line++;
    r->current_line = line_number;
    r->n_fields = 0;
    r->problem = DS_RECORD_TOO_LONG;
    emit_record(r, line_number, line_number);
    for (;;) {
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        if (nl != NULL) {
            r->start = (size_t)(nl - r->buf) + 1;
            return;
        }
        r->start = r->end = r->plain_end = 0; /* and the plain-line mark with them */
        if (r->eof || r->stop || !fill(r))
            return;
    }
}

ds_status ds_csv_read(const char *path, const ds_csv_reader_options *options,
                      ds_csv_record_fn fn, void *user, ds_csv_read_info *info, ds_error *err)
{
    reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.separator = options->separator;
    r.libcsv_only = options->libcsv_only;
    r.max_record = options->max_record_bytes ? options->max_record_bytes : DEFAULT_MAX_RECORD;
    r.fn = fn;
    r.user = user;
    r.err = err;
    r.encoding = options->encoding;
    r.first_read = true;
    r.line = 1;
    r.status = DS_OK;

    r.file = fopen(path, "rb");
    if (r.file == NULL)
        return ds_error_set(err, DS_ENOINPUT, "%s: cannot open: %s", path, strerror(errno));
    /* A small file gets small buffers (5 MiB for every 100-byte file is slow under
     * sanitizers); the size only sets the first allocation, a file that grew since is
     * still read to its end. */
    struct stat st;
    r.chunk = READ_CHUNK;
    if (fstat(fileno(r.file), &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size < READ_CHUNK)
        r.chunk = (size_t)st.st_size < SMALL_CHUNK ? SMALL_CHUNK : (size_t)st.st_size + 1;
    r.cap = 4 * r.chunk;
    r.raw = malloc(r.chunk);
    r.buf = malloc(r.cap);
    if (r.raw == NULL || r.buf == NULL || !start_parser(&r)) {
        fail_nomem(&r);
        goto done;
    }
    while (!r.stop) {
        if (r.start >= r.plain_end && r.start < r.end)
            r.plain_end = plain_until(&r, r.start); /* past a special byte: look again */
        char *nl = memchr(r.buf + r.start, '\n', r.end - r.start);
        if (nl != NULL) {
            size_t len = (size_t)(nl - (r.buf + r.start)) + 1;
            process_line(&r, r.buf + r.start, len, r.start + len <= r.plain_end);
            r.start += len;
            continue;
        }
        if (r.eof) {
            if (r.end > r.start) {
                process_line(&r, r.buf + r.start, r.end - r.start, r.end <= r.plain_end);
                r.start = r.end;
            }
            break;
        }
        if (r.end - r.start > r.max_record) {
            skip_long_line(&r);
            continue;
        }
        if (!fill(&r))
            break;
    }
    if (!r.stop && parser_in_record(&r)) {
        /* The last record had no newline: give it one. If libcsv still holds the record
         * afterwards, a quoted field was never closed (csv_fini only says so in strict
         * mode, which would also reject stray quotes inside unquoted fields). */
        size_t line = r.record_line;
        feed_libcsv(&r, "\n", 1, r.line - 1);
        if (!r.stop && parser_in_record(&r)) {
            r.n_fields = 0;
            r.copy_len = 0;
            r.problem = DS_RECORD_UNTERMINATED_QUOTE;
            emit_record(&r, line, r.line - 1);
        }
    }
done:
    if (info != NULL) {
        info->encoding = r.encoding == DS_ENCODING_AUTO ? DS_ENCODING_UTF8 : r.encoding;
        info->bom = r.bom;
        info->lines = r.line - 1;
    }
    if (r.parser_ready)
        csv_free(&r.parser);
    if (r.iconv_open)
        iconv_close(r.iconv);
    fclose(r.file);
    free(r.raw);
    free(r.buf);
    free(r.fields);
    free(r.offsets);
    free(r.copy);
    return r.status;
}

/* --- separator ------------------------------------------------------------------- */

char ds_csv_guess_separator(const char *sample, size_t len)
{
    static const char candidates[] = {'\t', ';', ','};
    enum { MAX_LINES = 50 };
    size_t counts[3][MAX_LINES];
    size_t n_lines = 0;
    bool in_quotes = false;
    size_t current[3] = {0, 0, 0};
    bool line_has_text = false;
    for (size_t i = 0; i < len && n_lines < MAX_LINES; i++) {
        char c = sample[i];
        if (c == '"')
            in_quotes = !in_quotes;
        if (in_quotes)
            continue;
        if (c == '\n') {
            if (line_has_text) {
                for (int k = 0; k < 3; k++)
                    counts[k][n_lines] = current[k];
                n_lines++;
            }
            memset(current, 0, sizeof current);
            line_has_text = false;
            continue;
        }
        if (c != '\r' && c != ' ')
            line_has_text = true;
        for (int k = 0; k < 3; k++)
            if (c == candidates[k])
                current[k]++;
    }
    /* A last line without its newline is left out: it may be cut by the sample. */
    char best = 0;
    size_t best_support = 0;
    for (int k = 0; k < 3; k++) {
        /* The most frequent non-zero count of this candidate, and on how many lines. */
        size_t mode = 0, support = 0;
        for (size_t i = 0; i < n_lines; i++) {
            if (counts[k][i] == 0)
                continue;
            size_t same = 0;
            for (size_t j = 0; j < n_lines; j++)
                same += counts[k][j] == counts[k][i];
            if (same > support || (same == support && counts[k][i] > mode)) {
                support = same;
                mode = counts[k][i];
            }
        }
        /* Preference order tab, ';', ',': a later candidate must do strictly better. */
        if (support > best_support) {
            best = candidates[k];
            best_support = support;
        }
    }
    if (best == 0 && n_lines == 0 && len > 0)
        return 0;
    return best;
}
