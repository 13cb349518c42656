/* diagsante — polygon layers read from shapefiles (include/diagsante/layer.h).
 *
 * The shapelib adapter: no shapelib type leaves this file. Every shapelib call is
 * checked; SHPReadObject's blind spots (ring sizes, closure, finite coordinates, record
 * type, SHPT_NULL records) and DBFOpen's (record count against the file size) are
 * checked here, as listed in docs/toolchain-notes.md.
 *
 * Storage: one flat array per level. A feature owns a run of polygons, a polygon a run
 * of rings, a ring a run of points in one coordinate array; attributes are offsets into
 * one text buffer. */
#include "diagsante/layer.h"

#include <assert.h>
#include <errno.h>
#include <iconv.h>
#include <math.h>
#include <shapefil.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct feature {
    size_t first_polygon, n_polygons;
    bool valid;
} feature;

typedef struct polygon {
    size_t first_ring, n_rings;
} polygon;

typedef struct ring {
    size_t first_point, n_points; /* points, not doubles */
} ring;

typedef struct problem_slot {
    size_t shape;
    size_t identifier; /* offsets into layer->text */
    size_t reason;
} problem_slot;

struct ds_layer {
    char *crs;
    char *crs_source;   /* the .prj path, or "the CRS option" */
    char *path;         /* the .shp */
    char *encoding;
    size_t n_fields;
    size_t *field_names; /* offsets into text */
    size_t n_features;
    feature *features;
    size_t *attributes; /* n_features * n_fields offsets into text */
    polygon *polygons;
    size_t n_polygons, cap_polygons;
    ring *rings;
    size_t n_rings, cap_rings;
    double *xy;
    size_t n_points, cap_points;
    char *text;
    size_t n_text, cap_text;
    problem_slot *slots;
    ds_layer_problem *problems; /* built from slots once reading is over */
    size_t n_problems, cap_problems;
    double bounds[4];
};

/* --- shapelib's error hook ---------------------------------------------------------- */

/* shapelib's SAHooks.Error takes no user pointer: its message goes to this
 * thread-local buffer, cleared before each shapelib call whose failure we report. */
static _Thread_local char hook_message[512];

static void hook_error(const char *message)
{
    if (hook_message[0] == '\0')
        snprintf(hook_message, sizeof hook_message, "%s", message);
}

/* ": <message>" when shapelib said something, else "". */
static const char *hook_suffix(char *buf, size_t size)
{
    if (hook_message[0] == '\0')
        return "";
    snprintf(buf, size, ": %s", hook_message);
    return buf;
}

/* --- growing arrays and text -------------------------------------------------------- */

/* Makes room for need elements of size elem in *array (capacity *cap). */
static bool grow(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elem)
            return false;
        n *= 2;
    }
    void *p = realloc(*array, n * elem);
    if (p == NULL)
        return false;
    *array = p;
    *cap = n;
    return true;
}

/* Appends len bytes of s and a NUL to the layer's text; *offset receives where. */
static bool add_text(ds_layer *layer, const char *s, size_t len, size_t *offset)
{
    if (!grow((void **)&layer->text, &layer->cap_text, layer->n_text + len + 1, 1))
        return false;
    memcpy(layer->text + layer->n_text, s, len);
    layer->text[layer->n_text + len] = '\0';
    *offset = layer->n_text;
    layer->n_text += len + 1;
    return true;
}

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

/* --- the reader --------------------------------------------------------------------- */

/* A working ring of one shape, before classification. */
typedef struct work_ring {
    size_t first, n; /* points in reader.xy */
    double area;     /* signed, shoelace, y up: clockwise < 0 */
    double box[4];
    int parent;      /* -1: outer ring; else index of its outer ring */
    bool kept;
} work_ring;

typedef struct reader {
    ds_layer *layer;
    ds_error *err;
    char *base;                 /* path without .shp */
    char *shp, *shx, *dbf, *prj; /* the paths found (prj may be NULL) */
    unsigned long long shp_bytes; /* the size of the .shp on disk */
    SHPHandle shp_handle;
    DBFHandle dbf_handle;
    iconv_t cd;
    bool cd_open;
    long id_field;
    /* scratch, reused from shape to shape */
    double *xy;
    size_t cap_xy;
    work_ring *rings;
    size_t cap_rings;
    size_t *order;
    size_t cap_order;
    char *conv;
    size_t cap_conv;
} reader;

/* Records a problem of a shape; identifier is that of the shape's record. */
static ds_status add_problem(reader *r, size_t shape, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static ds_status add_problem(reader *r, size_t shape, const char *fmt, ...)
{
    ds_layer *layer = r->layer;
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (!grow((void **)&layer->slots, &layer->cap_problems, layer->n_problems + 1,
              sizeof *layer->slots))
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
    problem_slot *slot = &layer->slots[layer->n_problems];
    slot->shape = shape;
    size_t id_offset = 0;
    bool ok = true;
    if (r->id_field >= 0) {
        /* the identifier is already in text: copy its offset, not its bytes */
        id_offset = layer->attributes[shape * layer->n_fields + (size_t)r->id_field];
    } else {
        ok = add_text(layer, "", 0, &id_offset);
    }
    slot->identifier = id_offset;
    if (!ok || !add_text(layer, reason, strlen(reason), &slot->reason))
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
    layer->n_problems++;
    return DS_OK;
}

/* Finds base + ext in lower case, then upper case; a malloc'ed path or NULL. *oom is
 * set when memory ran out. */
static char *find_file(const char *base, const char *ext, bool *oom)
{
    size_t n = strlen(base);
    char *path = malloc(n + 5);
    if (path == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(path, base, n);
    path[n] = '.';
    for (int upper = 0; upper < 2; upper++) {
        for (int i = 0; i < 3; i++) {
            char c = ext[i];
            path[n + 1 + i] = upper ? (char)(c - 'a' + 'A') : c;
        }
        path[n + 4] = '\0';
        struct stat st;
        if (stat(path, &st) == 0)
            return path;
    }
    /* report the lower-case name */
    memcpy(path + n + 1, ext, 4);
    return path;
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Reads the .prj (or takes the override) into layer->crs. */
static ds_status read_crs(reader *r, const ds_layer_options *options)
{
    if (options->crs != NULL) {
        if (options->crs[0] == '\0')
            return ds_error_set(r->err, DS_EUSAGE, "%s: the CRS override is empty", r->shp);
        r->layer->crs = dup_text(options->crs);
        r->layer->crs_source = dup_text("the CRS option");
        return r->layer->crs && r->layer->crs_source
                   ? DS_OK : ds_error_set(r->err, DS_ENOMEM, "out of memory");
    }
    if (!file_exists(r->prj))
        return ds_error_set(r->err, DS_EDATA,
                            "%s: missing (the CRS of %s is unknown; give it as an override)",
                            r->prj, r->shp);
    FILE *f = fopen(r->prj, "rb");
    if (f == NULL)
        return ds_error_set(r->err, DS_EIO, "%s: %s", r->prj, strerror(errno));
    enum { PRJ_MAX = 1 << 20 };
    char *text = malloc(PRJ_MAX + 1);
    if (text == NULL) {
        fclose(f);
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->prj);
    }
    size_t n = fread(text, 1, PRJ_MAX + 1, f);
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        free(text);
        return ds_error_set(r->err, DS_EIO, "%s: read error", r->prj);
    }
    if (n > PRJ_MAX) {
        free(text);
        return ds_error_set(r->err, DS_EDATA, "%s: larger than 1 MiB, not a CRS", r->prj);
    }
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' ||
                     text[n - 1] == '\t'))
        n--;
    text[n] = '\0';
    if (n == 0 || memchr(text, '\0', n) != NULL) {
        free(text);
        return ds_error_set(r->err, DS_EDATA, "%s: empty or binary, not a CRS", r->prj);
    }
    char *shrunk = realloc(text, n + 1);
    r->layer->crs = shrunk ? shrunk : text;
    r->layer->crs_source = dup_text(r->prj);
    return r->layer->crs_source ? DS_OK : ds_error_set(r->err, DS_ENOMEM, "out of memory");
}

/* The iconv name for a .cpg or DBFGetCodePage value, or the value itself (trimmed,
 * for iconv to judge) written to buf. */
static const char *encoding_name(const char *code_page, char *buf, size_t size)
{
    static const struct {
        int ldid;
        const char *name;
    } ldids[] = {{1, "CP437"},     {2, "CP850"},    {3, "CP1252"},   {0x57, "CP1252"},
                 {0x58, "CP1252"}, {0x59, "CP1252"}, {0x64, "CP852"}, {0x65, "CP866"},
                 {0x66, "CP865"},  {0xC8, "CP1250"}, {0xC9, "CP1251"}};
    if (strncmp(code_page, "LDID/", 5) == 0) {
        int ldid = atoi(code_page + 5);
        for (size_t i = 0; i < sizeof ldids / sizeof ldids[0]; i++)
            if (ldids[i].ldid == ldid)
                return ldids[i].name;
        return "CP1252"; /* unknown language byte: the French legacy default */
    }
    /* trim, upper-case, drop "ANSI " and spaces: "ANSI 1252" -> "1252" */
    size_t n = 0;
    const char *s = code_page;
    while (*s == ' ' || *s == '\t')
        s++;
    if (strncasecmp(s, "ANSI ", 5) == 0)
        s += 5;
    for (; *s != '\0' && *s != '\r' && *s != '\n' && n + 1 < size; s++)
        if (*s != ' ' && *s != '\t')
            buf[n++] = (char)((*s >= 'a' && *s <= 'z') ? *s - 'a' + 'A' : *s);
    buf[n] = '\0';
    static const struct {
        const char *alias, *name;
    } aliases[] = {{"UTF8", "UTF-8"},          {"65001", "UTF-8"},
                   {"1252", "CP1252"},         {"WINDOWS-1252", "CP1252"},
                   {"CP1252", "CP1252"},       {"8859-1", "ISO-8859-1"},
                   {"88591", "ISO-8859-1"},    {"ISO88591", "ISO-8859-1"},
                   {"LATIN1", "ISO-8859-1"},   {"8859-15", "ISO-8859-15"},
                   {"885915", "ISO-8859-15"},  {"ISO885915", "ISO-8859-15"},
                   {"28591", "ISO-8859-1"},    {"28605", "ISO-8859-15"},
                   {"850", "CP850"},           {"437", "CP437"}};
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(buf, aliases[i].alias) == 0)
            return aliases[i].name;
    return buf;
}

/* Opens the converter to UTF-8 (none needed for UTF-8 itself: the text is only
 * validated) and stores the encoding name on the layer. */
static ds_status open_encoding(reader *r, const ds_layer_options *options)
{
    char buf[64];
    const char *name, *source;
    if (options->encoding != NULL) {
        name = options->encoding;
        source = "the encoding option";
    } else {
        const char *cp = DBFGetCodePage(r->dbf_handle);
        if (cp != NULL && cp[0] != '\0' && strcmp(cp, "LDID/0") != 0) {
            name = encoding_name(cp, buf, sizeof buf);
            source = strncmp(cp, "LDID/", 5) == 0 ? "the .dbf language byte" : "the .cpg";
        } else {
            name = "CP1252";
            source = "the default";
        }
    }
    /* a bad option is the caller's fault, a bad .cpg the data's */
    ds_status bad = options->encoding != NULL ? DS_EUSAGE : DS_EDATA;
    if (name[0] == '\0')
        return ds_error_set(r->err, bad, "%s: empty encoding from %s", r->dbf, source);
    r->cd = iconv_open("UTF-8", name);
    if (r->cd == (iconv_t)-1)
        return ds_error_set(r->err, bad,
                            "%s: unknown encoding '%s' (from %s); give the encoding option",
                            r->dbf, name, source);
    r->cd_open = true;
    r->layer->encoding = dup_text(name);
    return r->layer->encoding ? DS_OK : ds_error_set(r->err, DS_ENOMEM, "out of memory");
}

/* Converts s to UTF-8 and appends it to the layer's text: the value of field `field`
 * (from 0) in record `record`, or that field's name when record < 0 (the error message
 * names them, "record 3, field NOM" or "name of field 2": formatted on failure only). */
static ds_status add_converted(reader *r, const char *s, size_t *offset, int record,
                               size_t field)
{
    size_t len = strlen(s);
    bool ascii = true;
    for (size_t i = 0; i < len && ascii; i++)
        ascii = (unsigned char)s[i] < 0x80;
    if (ascii) {
        if (!add_text(r->layer, s, len, offset))
            return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->dbf);
        return DS_OK;
    }
    size_t need = len * 4 + 1; /* at most 4 UTF-8 bytes per input byte (well under) */
    if (!grow((void **)&r->conv, &r->cap_conv, need, 1))
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->dbf);
    iconv(r->cd, NULL, NULL, NULL, NULL);
    char *in = (char *)s, *outp = r->conv;
    size_t in_left = len, out_left = r->cap_conv;
    if (iconv(r->cd, &in, &in_left, &outp, &out_left) == (size_t)-1 ||
        iconv(r->cd, NULL, NULL, &outp, &out_left) == (size_t)-1) {
        char what[128];
        if (record < 0)
            snprintf(what, sizeof what, "name of field %zu", field + 1);
        else
            snprintf(what, sizeof what, "record %d, field %s", record,
                     r->layer->text + r->layer->field_names[field]);
        return ds_error_set(r->err, DS_EDATA,
                            "%s: %s: byte 0x%02X at position %zu is not valid %s text "
                            "(give the encoding option)",
                            r->dbf, what, in_left > 0 ? (unsigned)(unsigned char)*in : 0u,
                            (size_t)(in - s), r->layer->encoding);
    }
    if (!add_text(r->layer, r->conv, (size_t)(outp - r->conv), offset))
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->dbf);
    return DS_OK;
}

/* Why DBFOpen refused a file without a word (it calls no hook): a header cut short, or
 * a record length shorter than the fields. Written to buf as a " (...)" suffix. */
static const char *dbf_open_failure(const char *path, char *buf, size_t size)
{
    unsigned char head[12];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(head, 1, sizeof head, f) : 0;
    struct stat st;
    bool sized = f != NULL && fstat(fileno(f), &st) == 0;
    if (f != NULL)
        fclose(f);
    if (!sized || n < sizeof head) {
        snprintf(buf, size, " (%zu bytes: too short for a dBASE header)", n);
        return buf;
    }
    unsigned header = head[8] | (unsigned)head[9] << 8;
    if ((long long)st.st_size < (long long)header)
        snprintf(buf, size, " (its header is %u bytes long but the file has %lld: truncated)",
                 header, (long long)st.st_size);
    else
        snprintf(buf, size, " (record length %u shorter than its fields, or a corrupt header)",
                 head[10] | (unsigned)head[11] << 8);
    return buf;
}

/* Opens the .shp/.shx and the .dbf and checks them against each other. */
static ds_status open_files(reader *r, int *n_shapes)
{
    SAHooks hooks;
    SASetupDefaultHooks(&hooks);
    hooks.Error = hook_error;
    char msg[600];

    if (!file_exists(r->shp))
        return ds_error_set(r->err, DS_ENOINPUT, "%s: no such file", r->shp);
    if (!file_exists(r->shx))
        return ds_error_set(r->err, DS_ENOINPUT, "%s: no such file (the index of %s)", r->shx,
                            r->shp);
    if (!file_exists(r->dbf))
        return ds_error_set(r->err, DS_ENOINPUT, "%s: no such file (the attributes of %s)",
                            r->dbf, r->shp);

    struct stat shp_stat;
    if (stat(r->shp, &shp_stat) != 0)
        return ds_error_set(r->err, DS_EIO, "%s: %s", r->shp, strerror(errno));
    r->shp_bytes = (unsigned long long)shp_stat.st_size;
    hook_message[0] = '\0';
    r->shp_handle = SHPOpenLL(r->base, "rb", &hooks);
    if (r->shp_handle == NULL)
        return ds_error_set(r->err, DS_EDATA, "%s: cannot open as a shapefile%s", r->shp,
                            hook_suffix(msg, sizeof msg));
    int type = 0;
    double lo[4], hi[4];
    SHPGetInfo(r->shp_handle, n_shapes, &type, lo, hi);
    if (type != SHPT_POLYGON && type != SHPT_POLYGONZ && type != SHPT_POLYGONM)
        return ds_error_set(r->err, DS_EDATA, "%s: a %s layer, not a polygon layer", r->shp,
                            SHPTypeName(type));
    if (*n_shapes < 0)
        return ds_error_set(r->err, DS_EDATA, "%s: negative shape count", r->shx);

    hook_message[0] = '\0';
    r->dbf_handle = DBFOpenLL(r->dbf, "rb", &hooks);
    if (r->dbf_handle == NULL)
        return ds_error_set(r->err, DS_EDATA,
                            "%s: cannot open as a dBASE file%s", r->dbf,
                            hook_message[0] ? hook_suffix(msg, sizeof msg)
                                            : dbf_open_failure(r->dbf, msg, sizeof msg));
    /* DBFOpen does not check the record count against the file size: a corrupt count
     * would make every read fail slowly, one at a time. */
    struct stat st;
    if (stat(r->dbf, &st) != 0)
        return ds_error_set(r->err, DS_EIO, "%s: %s", r->dbf, strerror(errno));
    DBFHandle d = r->dbf_handle;
    if (d->nRecords < 0 || d->nRecordLength <= 0 || d->nHeaderLength <= 0)
        return ds_error_set(r->err, DS_EDATA, "%s: corrupt header", r->dbf);
    double declared = (double)d->nHeaderLength + (double)d->nRecords * d->nRecordLength;
    if (declared > (double)st.st_size)
        return ds_error_set(r->err, DS_EDATA,
                            "%s: the header declares %d records of %d bytes (%.0f bytes with "
                            "the header) but the file has %lld bytes: truncated or corrupt",
                            r->dbf, d->nRecords, d->nRecordLength, declared,
                            (long long)st.st_size);
    int n_records = DBFGetRecordCount(d);
    if (n_records != *n_shapes)
        return ds_error_set(r->err, DS_EDATA, "%s has %d records but %s indexes %d shapes",
                            r->dbf, n_records, r->shx, *n_shapes);
    return DS_OK;
}

/* Reads the field names and checks the id field option. */
static ds_status read_fields(reader *r, const ds_layer_options *options)
{
    ds_layer *layer = r->layer;
    int n = DBFGetFieldCount(r->dbf_handle);
    if (n < 0)
        return ds_error_set(r->err, DS_EDATA, "%s: negative field count", r->dbf);
    layer->n_fields = (size_t)n;
    layer->field_names = calloc(layer->n_fields ? layer->n_fields : 1, sizeof(size_t));
    if (layer->field_names == NULL)
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->dbf);
    for (int i = 0; i < n; i++) {
        char name[XBASE_FLDNAME_LEN_READ + 1];
        int width, decimals;
        name[0] = '\0';
        if (DBFGetFieldInfo(r->dbf_handle, i, name, &width, &decimals) == FTInvalid &&
            name[0] == '\0')
            return ds_error_set(r->err, DS_EDATA, "%s: field %d is unreadable", r->dbf, i + 1);
        ds_status status = add_converted(r, name, &layer->field_names[i], -1, (size_t)i);
        if (status != DS_OK)
            return status;
    }
    r->id_field = n > 0 ? 0 : -1;
    if (options->id_field != NULL) {
        r->id_field = ds_layer_field_index(layer, options->id_field);
        if (r->id_field < 0)
            return ds_error_set(r->err, DS_EUSAGE, "%s: no field named '%s' (id field option)",
                                r->dbf, options->id_field);
    }
    return DS_OK;
}

/* Reads the attributes of record i. */
static ds_status read_attributes(reader *r, int i)
{
    ds_layer *layer = r->layer;
    char msg[600];
    for (size_t f = 0; f < layer->n_fields; f++) {
        size_t *slot = &layer->attributes[(size_t)i * layer->n_fields + f];
        const char *name = layer->text + layer->field_names[f];
        hook_message[0] = '\0';
        const char *value = DBFReadStringAttribute(r->dbf_handle, i, (int)f);
        if (value == NULL)
            return ds_error_set(r->err, DS_EDATA, "%s: record %d, field %s cannot be read%s",
                                r->dbf, i, name, hook_suffix(msg, sizeof msg));
        /* value is shapelib's buffer: add_converted copies it before the next read */
        ds_status status = add_converted(r, value, slot, i, f);
        if (status != DS_OK)
            return status;
    }
    return DS_OK;
}

/* The smaller and the larger of two finite numbers: fmin and fmax are library calls
 * (they handle NaN), too slow for every point of a national layer. */
static inline double min2(double a, double b) { return a < b ? a : b; }
static inline double max2(double a, double b) { return a > b ? a : b; }

/* Signed area of a closed ring of n points (shoelace; clockwise < 0 with y up),
 * computed relative to the first point to limit cancellation. */
static double ring_area(const double *xy, size_t n)
{
    double sum = 0, x0 = xy[0], y0 = xy[1];
    for (size_t i = 1; i + 1 < n; i++)
        sum += (xy[2 * i] - x0) * (xy[2 * i + 3] - y0) - (xy[2 * i + 2] - x0) * (xy[2 * i + 1] - y0);
    return sum / 2;
}

/* Where point (x, y) lies relative to the closed ring xy of n points: 1 inside,
 * 0 outside, -1 on its boundary (even-odd crossing rule). */
static int point_in_ring(double x, double y, const double *xy, size_t n)
{
    bool inside = false;
    for (size_t i = 0; i + 1 < n; i++) {
        double x1 = xy[2 * i], y1 = xy[2 * i + 1], x2 = xy[2 * i + 2], y2 = xy[2 * i + 3];
        /* on the segment? */
        double cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1);
        if (cross == 0 && x >= min2(x1, x2) && x <= max2(x1, x2) && y >= min2(y1, y2) &&
            y <= max2(y1, y2))
            return -1;
        if ((y1 > y) != (y2 > y)) {
            double xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
            if (x < xi)
                inside = !inside;
        }
    }
    return inside ? 1 : 0;
}

/* True when ring a lies inside ring b: the first vertex of a that is not on b's
 * boundary decides. */
static bool ring_inside(const reader *r, const work_ring *a, const work_ring *b)
{
    if (a->box[0] < b->box[0] || a->box[1] < b->box[1] || a->box[2] > b->box[2] ||
        a->box[3] > b->box[3])
        return false;
    const double *pa = r->xy + 2 * a->first, *pb = r->xy + 2 * b->first;
    for (size_t i = 0; i + 1 < a->n; i++) {
        int where = point_in_ring(pa[2 * i], pa[2 * i + 1], pb, b->n);
        if (where >= 0)
            return where == 1;
    }
    return false; /* every vertex on b's boundary: the same ring, not a hole */
}

/* Sorts ring indexes by decreasing absolute area (insertion sort: few rings). */
static void sort_by_area(size_t *order, size_t n, const work_ring *rings)
{
    for (size_t i = 1; i < n; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && fabs(rings[order[j - 1]].area) < fabs(rings[k].area)) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
}

/* Reads, checks and classifies the rings of shape i and stores its polygons. */
static ds_status read_shape(reader *r, int i)
{
    ds_layer *layer = r->layer;
    feature *feat = &layer->features[i];
    size_t shape = (size_t)i;
    feat->first_polygon = layer->n_polygons;
    feat->n_polygons = 0;
    feat->valid = true;
    char msg[600];
    ds_status status;

    /* A record the .shx places beyond the end of the .shp: say so plainly (shapelib
     * would report a failed fread at some offset). */
    SHPHandle h = r->shp_handle;
    unsigned long long end = (unsigned long long)h->panRecOffset[i] + h->panRecSize[i] + 8;
    if (end > r->shp_bytes)
        return ds_error_set(r->err, DS_EDATA,
                            "%s: shape %d: %s gives it bytes %u to %llu, but the file has %llu "
                            "bytes (a truncated .shp or a corrupt .shx)",
                            r->shp, i, r->shx, h->panRecOffset[i], end, r->shp_bytes);
    hook_message[0] = '\0';
    SHPObject *obj = SHPReadObject(r->shp_handle, i);
    if (obj == NULL)
        return ds_error_set(r->err, DS_EDATA, "%s: shape %d cannot be read%s", r->shp, i,
                            hook_suffix(msg, sizeof msg));
    int type = obj->nSHPType;
    if (type != SHPT_NULL && type != SHPT_POLYGON && type != SHPT_POLYGONZ &&
        type != SHPT_POLYGONM) {
        feat->valid = false;
        status = add_problem(r, shape, "a %s record in a polygon layer (ignored)",
                             SHPTypeName(type));
        SHPDestroyObject(obj);
        return status;
    }
    if (type == SHPT_NULL || obj->nParts <= 0 || obj->nVertices <= 0) {
        status = add_problem(r, shape, type == SHPT_NULL ? "empty shape (null record)"
                                                         : "empty shape (no parts)");
        SHPDestroyObject(obj);
        return status;
    }

    /* copy the parts as closed rings */
    size_t n_parts = (size_t)obj->nParts, n_work = 0, used = 0;
    if (!grow((void **)&r->rings, &r->cap_rings, n_parts, sizeof *r->rings) ||
        !grow((void **)&r->order, &r->cap_order, n_parts, sizeof *r->order) ||
        !grow((void **)&r->xy, &r->cap_xy, 2 * ((size_t)obj->nVertices + n_parts), sizeof(double))) {
        SHPDestroyObject(obj);
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
    }
    status = DS_OK;
    for (size_t p = 0; p < n_parts && status == DS_OK; p++) {
        size_t start = (size_t)obj->panPartStart[p];
        size_t end = p + 1 < n_parts ? (size_t)obj->panPartStart[p + 1] : (size_t)obj->nVertices;
        size_t n = end - start;
        bool finite = true;
        for (size_t k = start; k < end && finite; k++)
            finite = isfinite(obj->padfX[k]) && isfinite(obj->padfY[k]);
        if (!finite) {
            feat->valid = false;
            status = add_problem(r, shape, "ring %zu has a NaN or infinite coordinate (ring dropped)", p);
            continue;
        }
        double *dst = r->xy + 2 * used;
        for (size_t k = 0; k < n; k++) {
            dst[2 * k] = obj->padfX[start + k];
            dst[2 * k + 1] = obj->padfY[start + k];
        }
        if (n > 0 && (dst[0] != dst[2 * n - 2] || dst[1] != dst[2 * n - 1])) {
            dst[2 * n] = dst[0];
            dst[2 * n + 1] = dst[1];
            n++;
            status = add_problem(r, shape, "ring %zu is not closed (closed by repeating its first point)", p);
            if (status != DS_OK)
                break;
        }
        if (n < 4) {
            feat->valid = false;
            status = add_problem(r, shape, "ring %zu has %zu points, fewer than 4 (ring dropped)", p, n);
            continue;
        }
        work_ring *w = &r->rings[n_work];
        w->first = used;
        w->n = n;
        w->area = ring_area(dst, n);
        if (w->area == 0) {
            feat->valid = false;
            status = add_problem(r, shape, "ring %zu has zero area (ring dropped)", p);
            continue;
        }
        w->box[0] = w->box[2] = dst[0];
        w->box[1] = w->box[3] = dst[1];
        for (size_t k = 1; k < n; k++) {
            w->box[0] = min2(w->box[0], dst[2 * k]); /* finite: checked above */
            w->box[1] = min2(w->box[1], dst[2 * k + 1]);
            w->box[2] = max2(w->box[2], dst[2 * k]);
            w->box[3] = max2(w->box[3], dst[2 * k + 1]);
        }
        w->parent = -1;
        r->order[n_work] = n_work;
        n_work++;
        used += n;
    }
    SHPDestroyObject(obj);
    if (status != DS_OK)
        return status;
    if (n_work == 0)
        return add_problem(r, shape, "empty shape (no usable ring)");

    /* classify: from the largest ring down, a ring inside others is a hole of the
     * smallest of them when that one is an outer ring, else an outer ring */
    sort_by_area(r->order, n_work, r->rings);
    for (size_t a = 1; a < n_work; a++) {
        work_ring *w = &r->rings[r->order[a]];
        for (size_t b = a; b-- > 0;) { /* smallest larger ring first */
            const work_ring *c = &r->rings[r->order[b]];
            if (fabs(c->area) > fabs(w->area) && ring_inside(r, w, c)) {
                w->parent = c->parent < 0 ? (int)r->order[b] : -1;
                break;
            }
        }
    }

    /* store: outer rings in record order, each followed by its holes in record order */
    for (size_t o = 0; o < n_work; o++) {
        if (r->rings[o].parent >= 0)
            continue;
        if (!grow((void **)&layer->polygons, &layer->cap_polygons, layer->n_polygons + 1,
                  sizeof *layer->polygons))
            return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
        polygon *poly = &layer->polygons[layer->n_polygons++];
        poly->first_ring = layer->n_rings;
        poly->n_rings = 0;
        feat->n_polygons++;
        for (size_t j = 0; j <= n_work; j++) { /* the outer ring, then its holes */
            size_t k = j == 0 ? o : j - 1;
            const work_ring *w = &r->rings[k];
            if (j > 0 && w->parent != (int)o)
                continue;
            if (!grow((void **)&layer->rings, &layer->cap_rings, layer->n_rings + 1,
                      sizeof *layer->rings) ||
                !grow((void **)&layer->xy, &layer->cap_points, 2 * (layer->n_points + w->n),
                      sizeof(double)))
                return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
            ring *dst = &layer->rings[layer->n_rings++];
            dst->first_point = layer->n_points;
            dst->n_points = w->n;
            memcpy(layer->xy + 2 * layer->n_points, r->xy + 2 * w->first,
                   2 * w->n * sizeof(double));
            layer->n_points += w->n;
            poly->n_rings++;
            if (w->parent < 0) { /* outer rings bound the holes */
                layer->bounds[0] = fmin(layer->bounds[0], w->box[0]);
                layer->bounds[1] = fmin(layer->bounds[1], w->box[1]);
                layer->bounds[2] = fmax(layer->bounds[2], w->box[2]);
                layer->bounds[3] = fmax(layer->bounds[3], w->box[3]);
            }
        }
    }
    return DS_OK;
}

static void close_reader(reader *r)
{
    if (r->shp_handle != NULL)
        SHPClose(r->shp_handle);
    if (r->dbf_handle != NULL)
        DBFClose(r->dbf_handle);
    if (r->cd_open)
        iconv_close(r->cd);
    free(r->base);
    free(r->shp);
    free(r->shx);
    free(r->dbf);
    free(r->prj);
    free(r->xy);
    free(r->rings);
    free(r->order);
    free(r->conv);
}

void ds_layer_options_init(ds_layer_options *options)
{
    options->crs = NULL;
    options->encoding = NULL;
    options->id_field = NULL;
}

/* Reads everything; on failure the caller frees the layer. */
static ds_status read_layer(reader *r, const char *path, const ds_layer_options *options)
{
    size_t len = strlen(path);
    if (len == 0)
        return ds_error_set(r->err, DS_EUSAGE, "empty shapefile path");
    if (len >= 4 && strcasecmp(path + len - 4, ".shp") == 0)
        len -= 4;
    r->base = malloc(len + 1);
    if (r->base == NULL)
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", path);
    memcpy(r->base, path, len);
    r->base[len] = '\0';
    bool oom = false;
    r->shp = find_file(r->base, "shp", &oom);
    r->shx = find_file(r->base, "shx", &oom);
    r->dbf = find_file(r->base, "dbf", &oom);
    r->prj = find_file(r->base, "prj", &oom);
    if (oom)
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", path);

    if ((r->layer->path = dup_text(r->shp ? r->shp : path)) == NULL)
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", path);
    int n_shapes = 0;
    ds_status status = open_files(r, &n_shapes);
    if (status == DS_OK)
        status = read_crs(r, options);
    if (status == DS_OK)
        status = open_encoding(r, options);
    if (status == DS_OK)
        status = read_fields(r, options);
    if (status != DS_OK)
        return status;

    ds_layer *layer = r->layer;
    layer->n_features = (size_t)n_shapes;
    layer->features = calloc(layer->n_features ? layer->n_features : 1, sizeof *layer->features);
    size_t n_cells = layer->n_features * layer->n_fields;
    if (layer->n_fields != 0 && n_cells / layer->n_fields != layer->n_features)
        return ds_error_set(r->err, DS_ENOMEM, "%s: too many records", r->dbf);
    layer->attributes = calloc(n_cells ? n_cells : 1, sizeof *layer->attributes);
    if (layer->features == NULL || layer->attributes == NULL)
        return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
    for (int i = 0; i < n_shapes && status == DS_OK; i++) {
        status = read_attributes(r, i);
        if (status == DS_OK)
            status = read_shape(r, i);
    }
    if (status != DS_OK)
        return status;

    /* problems with their strings, now that the text buffer has stopped moving */
    if (layer->n_problems > 0) {
        layer->problems = malloc(layer->n_problems * sizeof *layer->problems);
        if (layer->problems == NULL)
            return ds_error_set(r->err, DS_ENOMEM, "%s: out of memory", r->shp);
        for (size_t k = 0; k < layer->n_problems; k++) {
            layer->problems[k].shape = layer->slots[k].shape;
            layer->problems[k].identifier = layer->text + layer->slots[k].identifier;
            layer->problems[k].reason = layer->text + layer->slots[k].reason;
        }
    }
    if (layer->n_polygons == 0)
        layer->bounds[0] = layer->bounds[1] = layer->bounds[2] = layer->bounds[3] = NAN;
    return DS_OK;
}

ds_status ds_layer_read_shapefile(const char *path, const ds_layer_options *options,
                                  ds_layer **out, ds_error *err)
{
    *out = NULL;
    ds_layer_options defaults;
    if (options == NULL) {
        ds_layer_options_init(&defaults);
        options = &defaults;
    }
    reader r;
    memset(&r, 0, sizeof r);
    r.err = err;
    r.id_field = -1;
    r.layer = calloc(1, sizeof *r.layer);
    if (r.layer == NULL)
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    r.layer->bounds[0] = r.layer->bounds[1] = INFINITY;
    r.layer->bounds[2] = r.layer->bounds[3] = -INFINITY;
    ds_status status = read_layer(&r, path, options);
    close_reader(&r);
    if (status != DS_OK) {
        ds_layer_free(r.layer);
        return status;
    }
    *out = r.layer;
    return DS_OK;
}

void ds_layer_free(ds_layer *layer)
{
    if (layer == NULL)
        return;
    free(layer->crs);
    free(layer->crs_source);
    free(layer->path);
    free(layer->encoding);
    free(layer->field_names);
    free(layer->features);
    free(layer->attributes);
    free(layer->polygons);
    free(layer->rings);
    free(layer->xy);
    free(layer->text);
    free(layer->slots);
    free(layer->problems);
    free(layer);
}

size_t ds_layer_count(const ds_layer *layer)
{
    return layer->n_features;
}

const char *ds_layer_crs(const ds_layer *layer)
{
    return layer->crs;
}

const char *ds_layer_crs_source(const ds_layer *layer)
{
    return layer->crs_source;
}

const char *ds_layer_path(const ds_layer *layer)
{
    return layer->path;
}

const char *ds_layer_encoding(const ds_layer *layer)
{
    return layer->encoding;
}

size_t ds_layer_field_count(const ds_layer *layer)
{
    return layer->n_fields;
}

const char *ds_layer_field_name(const ds_layer *layer, size_t field)
{
    assert(field < layer->n_fields);
    return layer->text + layer->field_names[field];
}

long ds_layer_field_index(const ds_layer *layer, const char *name)
{
    for (size_t f = 0; f < layer->n_fields; f++)
        if (strcasecmp(layer->text + layer->field_names[f], name) == 0)
            return (long)f;
    return -1;
}

const char *ds_layer_attribute(const ds_layer *layer, size_t feature, size_t field)
{
    assert(feature < layer->n_features && field < layer->n_fields);
    return layer->text + layer->attributes[feature * layer->n_fields + field];
}

size_t ds_layer_polygon_count(const ds_layer *layer, size_t feature)
{
    assert(feature < layer->n_features);
    return layer->features[feature].n_polygons;
}

static const polygon *polygon_of(const ds_layer *layer, size_t feature, size_t index)
{
    assert(feature < layer->n_features && index < layer->features[feature].n_polygons);
    return &layer->polygons[layer->features[feature].first_polygon + index];
}

size_t ds_layer_ring_count(const ds_layer *layer, size_t feature, size_t polygon)
{
    return polygon_of(layer, feature, polygon)->n_rings;
}

const double *ds_layer_ring(const ds_layer *layer, size_t feature, size_t polygon,
                            size_t ring_index, size_t *n_points)
{
    const struct polygon *p = polygon_of(layer, feature, polygon);
    assert(ring_index < p->n_rings);
    const ring *rg = &layer->rings[p->first_ring + ring_index];
    *n_points = rg->n_points;
    return layer->xy + 2 * rg->first_point;
}

bool ds_layer_feature_empty(const ds_layer *layer, size_t feature)
{
    assert(feature < layer->n_features);
    return layer->features[feature].n_polygons == 0;
}

bool ds_layer_feature_valid(const ds_layer *layer, size_t feature)
{
    assert(feature < layer->n_features);
    return layer->features[feature].valid;
}

void ds_layer_bounds(const ds_layer *layer, double bounds[4])
{
    memcpy(bounds, layer->bounds, sizeof layer->bounds);
}

size_t ds_layer_problem_count(const ds_layer *layer)
{
    return layer->n_problems;
}

const ds_layer_problem *ds_layer_problem_at(const ds_layer *layer, size_t index)
{
    assert(index < layer->n_problems);
    return &layer->problems[index];
}
