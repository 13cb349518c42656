/* diagsante — the portrait as one self-contained HTML page (portrait.html).
 *
 * A file a reader can open, mail or print with nothing else: inline CSS and inline SVG,
 * no script, no external resource of any kind (no font, image, style sheet or link
 * outside the page). In French, laid out for A4 paper and readable in black and white
 * (every colour is doubled by a symbol or a word):
 *  - a cover: title, territory (level, code, département, région), population and the
 *    share living in QPV, date, contents, how to read the marks;
 *  - the three portraits (territoire, santé, ressources), each from a new page, with
 *    per chapter the headline findings (generated sentences: significant differences
 *    with France and the région, QPV gaps), the table (territory count, value and
 *    interval; département, région, France with the comparison mark; rank; QPV and the
 *    rest), notes for the figures' flags, and bar charts with the intervals;
 *  - the methods, then the provenance of every input (SHA-256), the referential
 *    vintage, the diagsante version and the date.
 * When the configuration says the figures are invented, "Données fictives" is printed
 * on every page (a fixed watermark, repeated by browsers on each printed page, and a
 * label on each chapter).
 *
 * Disclosure: the model has blanked the numbers of withheld figures (portrait.c); this
 * writer prints a withheld figure as "< N" (N the threshold, primary) or "s"
 * (secondary) and never writes its numerator, value or interval anywhere: cells,
 * sentences, charts, titles, attributes. */
#include "portrait_html.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diagsante/referential.h"
#include "portrait_map.h"
#include "portrait_model.h"
#include "portrait_pyramid.h"
#include "portrait_write.h"

#define NNBSP "\xE2\x80\xAF" /* U+202F narrow no-break space: thousands, before % */
#define MINUS "\xE2\x88\x92" /* U+2212 minus sign */
#define DASH "\xE2\x80\x94"  /* U+2014: not available */

/* --- numbers --------------------------------------------------------------------------- */

const char *ds_fmt_fr(double v, int decimals, char buf[DS_FMT_FR_MAX])
{
    buf[0] = '\0';
    if (!isfinite(v))
        return buf;
    if (decimals < 0)
        decimals = 0;
    if (decimals > 6)
        decimals = 6;
    char raw[DS_FMT_FR_MAX];
    if (fabs(v) >= 1e15) {
        snprintf(raw, sizeof raw, "%.6g", v);
        char *dot = strchr(raw, '.');
        if (dot != NULL)
            *dot = ',';
        snprintf(buf, DS_FMT_FR_MAX, "%s", raw);
        return buf;
    }
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    bool zero = strspn(raw, "0.") == strlen(raw);
    char *out = buf;
    if (v < 0 && !zero)
        memcpy(out, MINUS, 3), out += 3;
    const char *dot = strchr(raw, '.');
    size_t int_len = dot != NULL ? (size_t)(dot - raw) : strlen(raw);
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && int_len >= 4 && (int_len - i) % 3 == 0)
            memcpy(out, NNBSP, 3), out += 3;
        *out++ = raw[i];
    }
    if (dot != NULL) {
        *out++ = ',';
        size_t n = strlen(dot + 1);
        memcpy(out, dot + 1, n);
        out += n;
    }
    *out = '\0';
    return buf;
}

/* Decimals for the values of a row: 0 for counts and amounts in euros, 1 for
 * percentages, rates and most values, 0 for means, medians and indices of 1 000 or
 * more, 2 when every value is below 1. */
static int row_decimals(const ds_portrait_row *row)
{
    const ds_indicator *ind = row->indicator;
    if (ind->kind == DS_KIND_COUNT)
        return 0;
    if (ind->unit != NULL && strstr(ind->unit, "euro") != NULL)
        return 0;
    double m = 0;
    for (int s = 0; s < DS_SCOPE_COUNT; s++)
        if (isfinite(row->figure[s].value) && fabs(row->figure[s].value) > m)
            m = fabs(row->figure[s].value);
    bool level_kind = ind->kind == DS_KIND_MEAN || ind->kind == DS_KIND_MEDIAN ||
                      ind->kind == DS_KIND_INDEX;
    if (level_kind && m >= 1000)
        return 0;
    if (m > 0 && m < 1)
        return 2;
    return 1;
}

/* Decimals for a count: 0 when whole, else 1 (an annual mean of events). */
static int count_decimals(double v)
{
    return v == floor(v) ? 0 : 1;
}

/* --- the writer's state ---------------------------------------------------------------- */

/* Footnotes of one chapter: each flag text once, numbered from 1. */
typedef struct notes {
    const char **text;
    size_t n, cap;
} notes;

typedef struct html {
    FILE *f;
    const ds_portrait *p;
    const ds_config *c;
    const ds_referential *ref;
    char threshold[DS_FMT_FR_MAX]; /* the disclosure threshold, formatted */
    char confidence[DS_FMT_FR_MAX]; /* the confidence level in %, formatted ("95") */
    bool show[DS_SCOPE_COUNT];     /* the columns shown (territory always) */
    const ds_portrait_map *map;    /* member shapes, NULL when none */
    const char *map_error;         /* why the maps could not be drawn, or NULL */
    bool ok;                       /* false after an allocation failure */
} html;

/* Writes s escaped for HTML text and attribute values. */
static void esc(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Writes a label inside a sentence: its first letter in lower case unless the second
 * is upper case too (an acronym: "APL" stays). ASCII and the Latin-1 letters of UTF-8
 * (É, À, Ê...) are lowered. */
static void esc_lower_first(FILE *f, const char *s)
{
    if (s == NULL || *s == '\0')
        return;
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] >= 'A' && u[0] <= 'Z' && !(u[1] >= 'A' && u[1] <= 'Z')) {
        fputc(u[0] - 'A' + 'a', f);
        esc(f, s + 1);
    } else if (u[0] == 0xC3 && u[1] >= 0x80 && u[1] <= 0x9E && u[1] != 0x97 &&
               !(u[2] >= 'A' && u[2] <= 'Z')) {
        fputc(0xC3, f), fputc(u[1] + 0x20, f);
        esc(f, s + 2);
    } else {
        esc(f, s);
    }
}

static size_t note_ref(html *h, notes *n, const char *text)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->text[i], text) == 0)
            return i + 1;
    if (n->n == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 16;
        const char **grown = realloc(n->text, cap * sizeof *grown);
        if (grown == NULL) {
            h->ok = false;
            return 0;
        }
        n->text = grown, n->cap = cap;
    }
    n->text[n->n++] = text;
    return n->n;
}

/* A footnote call for a figure's flag (nothing when it has none). */
static void put_note(html *h, notes *n, const char *flag)
{
    if (flag == NULL || *flag == '\0')
        return;
    size_t k = note_ref(h, n, flag);
    if (k > 0)
        fprintf(h->f, "<sup class=\"appel\">%zu</sup>", k);
}

/* "< N" or "s" for a withheld figure. */
static void put_withheld(html *h, const ds_figure *fig)
{
    if (fig->secondary)
        fputs("<span class=\"secret\" title=\"Secret secondaire : masqué pour qu’une valeur "
              "sous le seuil ne puisse être retrouvée par différence\">s</span>", h->f);
    else
        fprintf(h->f, "<span class=\"secret\" title=\"Effectif inférieur à %s : non diffusé "
                      "(secret statistique)\">&lt; %s</span>", h->threshold, h->threshold);
}

/* The value of a figure: the number, the withheld mark, or a dash. */
static void put_value(html *h, const ds_figure *fig, int decimals)
{
    char buf[DS_FMT_FR_MAX];
    if (fig->withheld)
        put_withheld(h, fig);
    else if (isfinite(fig->value))
        fputs(ds_fmt_fr(fig->value, decimals, buf), h->f);
    else
        fputs("<span class=\"nd\">" DASH "</span>", h->f);
}

/* A value followed by its unit in running text when the unit is a sign: "11,2 %",
 * "7,9 ‰"; other units ("pour 100 000 habitants") are left to the table. */
static void put_value_unit(html *h, const ds_indicator *ind, double v, int decimals)
{
    char buf[DS_FMT_FR_MAX];
    fputs(ds_fmt_fr(v, decimals, buf), h->f);
    if (ind->unit != NULL && strcmp(ind->unit, "%") == 0)
        fputs(NNBSP "%", h->f);
    else if (ind->unit != NULL && strstr(ind->unit, "‰") != NULL)
        fputs(NNBSP "‰", h->f);
}

/* "(11,2 % contre 9,0 %)". */
static void put_versus_values(html *h, const ds_indicator *ind, double a, double b,
                              int decimals)
{
    fputc('(', h->f);
    put_value_unit(h, ind, a, decimals);
    fputs(" contre ", h->f);
    put_value_unit(h, ind, b, decimals);
    fputc(')', h->f);
}

static const char *level_fr(ds_level level)
{
    switch (level) {
    case DS_LEVEL_COMMUNE: return "Commune";
    case DS_LEVEL_EPCI: return "EPCI";
    case DS_LEVEL_DEPARTEMENT: return "Département";
    case DS_LEVEL_REGION: return "Région";
    case DS_LEVEL_QPV: return "Quartier prioritaire (QPV)";
    case DS_LEVEL_TERRITORY: return "Territoire de projet";
    default: return "Territoire";
    }
}

/* The plural used for ranks: "les 16 EPCI de la région". */
static const char *level_plural_fr(ds_level level)
{
    switch (level) {
    case DS_LEVEL_COMMUNE: return "communes";
    case DS_LEVEL_EPCI: return "EPCI";
    case DS_LEVEL_DEPARTEMENT: return "départements";
    case DS_LEVEL_QPV: return "QPV";
    default: return "territoires";
    }
}

static const char *method_fr(const char *method)
{
    if (method == NULL)
        return "";
    if (strcmp(method, "Wilson") == 0)
        return "score de Wilson";
    if (strcmp(method, "Byar") == 0)
        return "approximation de Byar";
    if (strcmp(method, "exact Poisson (Garwood)") == 0)
        return "loi de Poisson exacte (Garwood)";
    return method;
}

/* The date of generation in French ("3 mars 2026"); SOURCE_DATE_EPOCH (seconds since
 * 1970, UTC) replaces the clock when set, for reproducible files. */
static void generation_date(char out[64])
{
    static const char *const months[12] = {"janvier", "février", "mars", "avril", "mai",
                                           "juin", "juillet", "août", "septembre",
                                           "octobre", "novembre", "décembre"};
    time_t t = time(NULL);
    struct tm tm;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    bool fixed = false;
    if (sde != NULL && *sde != '\0') {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0' && v >= 0)
            t = (time_t)v, fixed = true;
    }
    if ((fixed ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) == NULL) {
        snprintf(out, 64, "date inconnue");
        return;
    }
    snprintf(out, 64, "%d%s %s %d", tm.tm_mday, tm.tm_mday == 1 ? "er" : "",
             months[tm.tm_mon], tm.tm_year + 1900);
}

static bool chapter_has_rows(const ds_portrait *p, int chapter)
{
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        if (ds_portrait_row_at(p, i)->indicator->chapter == chapter)
            return true;
    return false;
}

/* --- style ------------------------------------------------------------------------------ */

static const char css[] =
    "@page{size:A4;margin:14mm 13mm 16mm 13mm}\n"
    "*{box-sizing:border-box}\n"
    "html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,Helvetica,sans-serif;"
    "font-size:9.5pt;line-height:1.35;color:#111;margin:0 auto;max-width:200mm;padding:6mm}\n"
    "h1{font-size:19pt;margin:0 0 2mm}h2{font-size:15pt;margin:0 0 3mm;"
    "border-bottom:2pt solid #1f4e79;padding-bottom:1mm}\n"
    "h3{font-size:12pt;margin:6mm 0 2mm;break-after:avoid}"
    "h4{font-size:10pt;margin:2mm 0 1mm;break-after:avoid}\n"
    ".fictif-filigrane{position:fixed;top:42%;left:0;right:0;text-align:center;"
    "font-size:54pt;font-weight:bold;color:rgba(0,0,0,.07);transform:rotate(-28deg);"
    "z-index:-1;pointer-events:none;white-space:nowrap}\n"
    ".fictif-bandeau{border:2pt solid #000;background:#fde9a8;padding:2mm 3mm;margin:0 0 4mm;"
    "font-weight:bold;text-align:center}\n"
    ".fictif-etiquette{float:right;border:1pt solid #000;padding:0 2mm;font-size:8pt;"
    "font-weight:bold;margin-top:6mm;background:#fde9a8}\n"
    ".couverture .nom{font-size:15pt;font-weight:bold;margin:0 0 4mm}\n"
    "dl.identite{display:grid;grid-template-columns:1fr 1fr;gap:1mm 6mm;margin:0 0 5mm}\n"
    "dl.identite div{display:flex;gap:2mm;border-bottom:.5pt solid #ccc}"
    "dl.identite dt{font-weight:bold;min-width:38mm}dl.identite dd{margin:0}\n"
    ".sommaire ol{margin:1mm 0;padding-left:6mm}.sommaire a{color:inherit}\n"
    ".lecture{border:1pt solid #999;padding:2mm 3mm;margin:4mm 0;font-size:8.5pt}\n"
    ".portrait{break-before:page}.annexe{break-before:page}\n"
    ".constats{border-left:3pt solid #1f4e79;padding:1mm 3mm;margin:2mm 0 3mm;"
    "background:#f3f6fa}\n"
    ".constats ul{margin:1mm 0;padding-left:5mm}.constats li{margin:1mm 0}\n"
    "table{border-collapse:collapse;width:100%;font-size:7.6pt;margin:2mm 0}\n"
    "thead{display:table-header-group}tr{break-inside:avoid}\n"
    "th,td{border-bottom:.5pt solid #999;padding:1.2pt 2.5pt;vertical-align:top}\n"
    "th{background:#e4e9f0;font-weight:bold;text-align:center}\n"
    "td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "td.ind{min-width:40mm}.unite{color:#444;font-size:.9em}\n"
    "td.terr{font-weight:bold}\n"
    ".cmp{display:block;font-size:6.8pt;font-weight:bold}\n"
    ".pire{color:#b2182b}.mieux{color:#1b5e9b}.sim,.ctx{color:#333}"
    ".nt{color:#666;font-weight:normal;font-style:italic}\n"
    ".secret{font-style:italic;white-space:nowrap}.nd{color:#777}\n"
    "sup.appel{font-size:6pt;color:#444}\n"
    ".notes{font-size:7.5pt;color:#333;margin:1mm 0 2mm;padding-left:5mm}\n"
    ".graphes{display:grid;grid-template-columns:1fr 1fr;gap:2mm 5mm}\n"
    ".graphe{margin:0;break-inside:avoid}"
    ".graphe figcaption{font-size:8pt;font-weight:bold}\n"
    ".graphe svg{width:100%;height:auto;display:block}\n"
    ".graphe p{font-size:7.5pt;margin:0 0 1mm;color:#333}\n"
    ".legende{font-size:7.5pt;color:#333}\n"
    "svg text{font-family:inherit;font-size:8px;fill:#111}"
    "svg .secret-g{font-style:italic}\n"
    "svg .b0{fill:#1f4e79}svg .b1{fill:#9fb3c8}svg .b2{fill:#c4cfdb}svg .b3{fill:#7f7f7f}"
    "svg .b4{fill:#d95f02}svg .b5{fill:#f2b57f}\n"
    "svg .ic{stroke:#000;stroke-width:1}svg .axe{stroke:#555;stroke-width:.6}"
    "svg .ref{stroke:#000;stroke-width:.8;stroke-dasharray:2 2}\n"
    ;

/* (Two literals: C11 compilers need only support 4095 characters in one.) */
static const char css_maps[] =
    "svg.defs{position:absolute;width:0;height:0;overflow:hidden}\n"
    ".carte{display:block;width:100%;height:auto;max-width:62mm;max-height:70mm;margin:1mm 0}\n"
    ".carte use{stroke:#555;stroke-width:.35}\n"
    ".carte .k0,.cle.k0{fill:#eff3ff;background:#eff3ff}.carte .k1,.cle.k1{fill:#bdd7e7;"
    "background:#bdd7e7}.carte .k2,.cle.k2{fill:#6baed6;background:#6baed6}"
    ".carte .k3,.cle.k3{fill:#3182bd;background:#3182bd}.carte .k4,.cle.k4{fill:#08519c;"
    "background:#08519c}.carte .kn{fill:#fff}\n"
    ".carte .qpv{fill:none;stroke:#000;stroke-width:1}\n"
    ".legende-carte{font-size:7pt;line-height:1.6}.legende-carte span.item{white-space:nowrap;"
    "margin-right:2mm}.cle{display:inline-block;width:3.2mm;"
    "height:2.6mm;border:.5pt solid #555;vertical-align:middle;margin:0 1mm 0 2mm}\n"
    ".cle.ks{background:repeating-linear-gradient(45deg,#fff 0 1px,#444 1px 2px)}"
    ".cle.kq{border:1.4pt solid #000;background:#fff}\n"
    ".methodes p,.methodes li{text-align:justify}\n"
    "table.provenance td{font-size:7.5pt;word-break:break-all}\n"
    "code{font-family:\"DejaVu Sans Mono\",\"Liberation Mono\",monospace;font-size:7pt}\n"
    ".vide{font-style:italic;color:#555}\n"
    "@media print{body{padding:0;max-width:none}a{text-decoration:none}}\n";

/* --- cover ------------------------------------------------------------------------------- */

static void cover(html *h, const char *date)
{
    FILE *f = h->f;
    const ds_portrait *p = h->p;
    char a[DS_FMT_FR_MAX], b[DS_FMT_FR_MAX];
    fputs("<header class=\"couverture\">\n", f);
    if (h->c->fictitious)
        fputs("<p class=\"fictif-bandeau\">Données fictives — les chiffres de ce document sont "
              "inventés pour la démonstration et ne doivent pas être cités.</p>\n", f);
    fputs("<h1>", f);
    esc(f, h->c->title != NULL ? h->c->title : "Diagnostic local de santé");
    fputs("</h1>\n<p class=\"nom\">", f);
    esc(f, ds_portrait_name(p));
    fputs("</p>\n<dl class=\"identite\">\n<div><dt>Niveau</dt><dd>", f);
    fputs(level_fr(ds_portrait_level(p)), f);
    ds_territory_info info;
    if (ds_portrait_level(p) == DS_LEVEL_TERRITORY &&
        ds_referential_territory(h->ref, ds_portrait_code(p), &info)) {
        if (info.kind != NULL && *info.kind != '\0')
            fputs(" : ", f), esc(f, info.kind);
        if (info.status != NULL && *info.status != '\0')
            fputs(" (", f), esc(f, info.status), fputc(')', f);
    }
    fputs("</dd></div>\n<div><dt>Code</dt><dd>", f);
    esc(f, ds_portrait_code(p));
    fputs("</dd></div>\n", f);
    static const ds_level levels[2] = {DS_LEVEL_DEPARTEMENT, DS_LEVEL_REGION};
    const char *codes[2] = {p->departement, p->region};
    for (int r = 0; r < 2; r++) {
        if (ds_portrait_level(p) == levels[r])
            continue;
        fputs(r == 0 ? "<div><dt>Département</dt><dd>" : "<div><dt>Région</dt><dd>", f);
        if (codes[r][0] != '\0') {
            const char *name = ds_referential_name(h->ref, levels[r], codes[r]);
            if (name != NULL)
                esc(f, name), fputs(" (", f);
            esc(f, codes[r]);
            if (name != NULL)
                fputc(')', f);
        } else {
            fputs("plusieurs", f);
        }
        fputs("</dd></div>\n", f);
    }
    double pop = ds_portrait_population(p), qpv = ds_portrait_qpv_population(p);
    if (isfinite(pop)) {
        fprintf(f, "<div><dt>Population</dt><dd>%s habitants</dd></div>\n",
                ds_fmt_fr(pop, 0, a));
    }
    if (p->qpv.count > 0 && ds_portrait_level(p) != DS_LEVEL_QPV) {
        fputs("<div><dt>Population en QPV</dt><dd>", f);
        if (isfinite(qpv) && isfinite(pop) && pop > 0)
            fprintf(f, "%s habitants, soit %s" NNBSP "%% ", ds_fmt_fr(qpv, 0, a),
                    ds_fmt_fr(100 * qpv / pop, 1, b));
        else
            fputs("non disponible ", f);
        fprintf(f, "(%zu quartier%s prioritaire%s)</dd></div>\n", p->qpv.count,
                p->qpv.count > 1 ? "s" : "", p->qpv.count > 1 ? "s" : "");
    }
    size_t members = ds_portrait_member_count(p);
    if (members > 0)
        fprintf(f, "<div><dt>%s</dt><dd>%zu</dd></div>\n",
                p->members_are_iris ? "IRIS" : "Communes", members);
    fprintf(f, "<div><dt>Indicateurs</dt><dd>%zu</dd></div>\n", ds_portrait_rows(p));
    if (h->map_error != NULL)
        fputs("<div><dt>Cartes</dt><dd>non produites : ", f), esc(f, h->map_error),
            fputs("</dd></div>\n", f);
    fprintf(f, "<div><dt>Généré le</dt><dd>%s</dd></div>\n</dl>\n", date);

    fputs("<nav class=\"sommaire\"><p><strong>Sommaire</strong></p><ol>\n", f);
    for (int first = 1; first <= DS_CHAPTER_COUNT; first += 3) {
        fprintf(f, "<li><a href=\"#portrait-%d\">", (first + 2) / 3);
        esc(f, ds_chapter_portrait(first));
        fputs("</a><ol>", f);
        for (int ch = first; ch < first + 3; ch++) {
            fprintf(f, "<li><a href=\"#chapitre-%d\">", ch);
            esc(f, ds_chapter_name(ch));
            fputs("</a></li>", f);
        }
        fputs("</ol></li>\n", f);
    }
    fputs("<li><a href=\"#methodes\">Méthodes</a></li>\n"
          "<li><a href=\"#provenance\">Provenance des données</a></li>\n</ol></nav>\n", f);

    fprintf(f, "<div class=\"lecture\"><p><strong>Comment lire ce portrait.</strong> Chaque "
               "tableau donne la valeur du territoire avec son intervalle de confiance à "
               "%s" NNBSP "%%, puis celle du département, de la région et de la France "
               "métropolitaine. Sous chaque valeur de référence, une marque situe le "
               "territoire par rapport à elle : <strong>▲</strong> significativement plus "
               "élevé, <strong>▼</strong> significativement plus bas, <strong>●</strong> "
               "pas de différence significative, <em>non testé</em> quand le territoire "
               "n’a pas d’intervalle. Le mot qui suit dit si c’est "
               "<span class=\"mieux\">meilleur</span> ou <span class=\"pire\">moins "
               "bon</span> selon le sens de l’indicateur (rien pour un indicateur de "
               "contexte).</p><p>« &lt; %s » : effectif inférieur à %s, non diffusé "
               "(secret statistique) ; « s » : valeur masquée pour protéger une autre "
               "(secret secondaire) ; « " DASH " » : non disponible (la raison est en "
               "note). Rang : 1 = valeur la plus élevée parmi les territoires de même "
               "niveau de la région.</p></div>\n",
            h->confidence, h->threshold, h->threshold);
    fputs("</header>\n", f);
}

/* --- headline findings ------------------------------------------------------------------- */

/* The items of one category of a reference: label (values). */
static void finding_list(html *h, const ds_portrait *p, int chapter, int r, int which)
{
    FILE *f = h->f;
    bool first = true;
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(p, i);
        const ds_versus *v = &row->versus[r];
        if (row->indicator->chapter != chapter || !v->available || !v->tested)
            continue;
        int category;
        switch (v->comparison.judgement) {
        case DS_JUDGEMENT_WORSE: category = 0; break;
        case DS_JUDGEMENT_BETTER: category = 1; break;
        case DS_JUDGEMENT_NOT_APPLICABLE:
            category = v->comparison.direction == DS_DIRECTION_SIMILAR ? -1 : 2;
            break;
        default: category = -1;
        }
        if (category != which)
            continue;
        fputs(first ? "" : " ; ", f);
        first = false;
        esc_lower_first(f, row->indicator->label);
        if (which == 2)
            fputs(v->comparison.direction == DS_DIRECTION_HIGHER ? ", plus élevé" : ", plus bas",
                  f);
        fputc(' ', f);
        put_versus_values(h, row->indicator, row->figure[DS_SCOPE_TERRITORY].value,
                          row->figure[DS_SCOPE_DEPARTEMENT + r].value, row_decimals(row));
    }
}

/* One line per reference (France, région) and one for the QPV. */
static void findings(html *h, int chapter)
{
    FILE *f = h->f;
    const ds_portrait *p = h->p;
    fputs("<div class=\"constats\"><h4>Constats principaux</h4><ul>\n", f);
    bool any_line = false;
    static const int refs[2] = {2, 1};
    for (int k = 0; k < 2; k++) {
        int r = refs[k];
        if (!h->show[DS_SCOPE_DEPARTEMENT + r])
            continue;
        size_t tested = 0, count[3] = {0, 0, 0};
        for (size_t i = 0; i < ds_portrait_rows(p); i++) {
            const ds_portrait_row *row = ds_portrait_row_at(p, i);
            const ds_versus *v = &row->versus[r];
            if (row->indicator->chapter != chapter || !v->available || !v->tested)
                continue;
            tested++;
            if (v->comparison.judgement == DS_JUDGEMENT_WORSE)
                count[0]++;
            else if (v->comparison.judgement == DS_JUDGEMENT_BETTER)
                count[1]++;
            else if (v->comparison.judgement == DS_JUDGEMENT_NOT_APPLICABLE &&
                     v->comparison.direction != DS_DIRECTION_SIMILAR)
                count[2]++;
        }
        if (tested == 0)
            continue;
        any_line = true;
        fputs("<li><strong>Par rapport ", f);
        if (r == 2) {
            fputs("à la France métropolitaine", f);
        } else {
            fputs("à la région", f);
            const char *name = ds_referential_name(h->ref, DS_LEVEL_REGION, h->p->region);
            if (name != NULL)
                fputs(" (", f), esc(f, name), fputc(')', f);
        }
        fputs("</strong>, ", f);
        if (count[0] + count[1] + count[2] == 0) {
            if (tested == 1)
                fputs("aucun écart significatif pour le seul indicateur testé.</li>\n", f);
            else
                fprintf(f, "aucun écart significatif parmi les %zu indicateurs testés.</li>\n",
                        tested);
            continue;
        }
        static const char *const heads[3] = {
            "ignificativement <span class=\"pire\">moins favorable</span> : ",
            "ignificativement <span class=\"mieux\">plus favorable</span> : ",
            "ignificativement différent (indicateur de contexte, sans jugement) : "};
        bool first = true;
        for (int which = 0; which < 3; which++) {
            if (count[which] == 0)
                continue;
            fputs(first ? "s" : ". S", f);
            fputs(heads[which], f);
            first = false;
            finding_list(h, p, chapter, r, which);
        }
        size_t similar = tested - count[0] - count[1] - count[2];
        if (similar > 0)
            fprintf(f, ". %zu autre%s indicateur%s testé%s sans écart significatif", similar,
                    similar > 1 ? "s" : "", similar > 1 ? "s" : "", similar > 1 ? "s" : "");
        fputs(".</li>\n", f);
    }
    /* QPV against the rest of the territory. */
    size_t compared = 0, gaps = 0;
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(p, i);
        const ds_estimate *q = &row->qpv_ratio;
        if (row->indicator->chapter != chapter || !isfinite(q->value) || !isfinite(q->lower) ||
            !isfinite(q->upper))
            continue;
        compared++;
        gaps += q->lower > 1 || q->upper < 1;
    }
    if (compared > 0) {
        any_line = true;
        fputs("<li><strong>Quartiers prioritaires (QPV)</strong> : ", f);
        if (gaps == 0) {
            if (compared == 1)
                fputs("pas d’écart significatif avec le reste du territoire pour le seul "
                      "indicateur comparé.</li>\n", f);
            else
                fprintf(f, "pas d’écart significatif avec le reste du territoire parmi les %zu "
                           "indicateurs comparés.</li>\n", compared);
        } else {
            fputs("écart significatif avec le reste du territoire pour ", f);
            bool first = true;
            char a[DS_FMT_FR_MAX], b[DS_FMT_FR_MAX], c[DS_FMT_FR_MAX];
            for (size_t i = 0; i < ds_portrait_rows(p); i++) {
                const ds_portrait_row *row = ds_portrait_row_at(p, i);
                const ds_estimate *q = &row->qpv_ratio;
                if (row->indicator->chapter != chapter || !isfinite(q->lower) ||
                    !isfinite(q->upper) || !isfinite(q->value) || !(q->lower > 1 || q->upper < 1))
                    continue;
                fputs(first ? "" : " ; ", f);
                first = false;
                esc_lower_first(f, row->indicator->label);
                bool higher = q->lower > 1;
                ds_judgement j = ds_judge(higher ? DS_DIRECTION_HIGHER : DS_DIRECTION_LOWER,
                                          row->indicator->polarity);
                fprintf(f, ", <span class=\"%s\">%s dans les QPV</span> ",
                        j == DS_JUDGEMENT_WORSE ? "pire" : j == DS_JUDGEMENT_BETTER ? "mieux" : "ctx",
                        higher ? "plus élevé" : "plus bas");
                put_versus_values(h, row->indicator, row->figure[DS_SCOPE_QPV].value,
                                  row->figure[DS_SCOPE_OUTSIDE_QPV].value, row_decimals(row));
                fprintf(f, ", rapport %s [%s ; %s]", ds_fmt_fr(q->value, 2, a),
                        ds_fmt_fr(q->lower, 2, b), ds_fmt_fr(q->upper, 2, c));
            }
            if (compared > gaps)
                fprintf(f, ". %zu autre%s indicateur%s comparé%s sans écart significatif",
                        compared - gaps, compared - gaps > 1 ? "s" : "",
                        compared - gaps > 1 ? "s" : "", compared - gaps > 1 ? "s" : "");
            fputs(".</li>\n", f);
        }
    }
    if (!any_line)
        fputs("<li>Aucune comparaison statistique possible pour ce chapitre (pas de valeur avec "
              "intervalle de confiance pour le territoire).</li>\n", f);
    fputs("</ul></div>\n", f);
}

/* --- table --------------------------------------------------------------------------------- */

/* ▲ ▼ ● with the judgement in words, coloured by it. */
static void comparison_mark(html *h, const ds_versus *v)
{
    FILE *f = h->f;
    if (!v->available)
        return;
    if (!v->tested) {
        fputs("<span class=\"cmp nt\">non testé</span>", f);
        return;
    }
    const char *symbol = "●", *direction = "similaire";
    if (v->comparison.direction == DS_DIRECTION_HIGHER)
        symbol = "▲", direction = "supérieur";
    else if (v->comparison.direction == DS_DIRECTION_LOWER)
        symbol = "▼", direction = "inférieur";
    const char *cls = "ctx", *word = direction;
    switch (v->comparison.judgement) {
    case DS_JUDGEMENT_BETTER: cls = "mieux", word = "meilleur"; break;
    case DS_JUDGEMENT_WORSE: cls = "pire", word = "moins bon"; break;
    case DS_JUDGEMENT_SIMILAR: cls = "sim", word = "similaire"; break;
    default: break;
    }
    fprintf(f, "<span class=\"cmp %s\" title=\"Territoire %s à la référence\">%s %s</span>", cls,
            direction, symbol, word);
}

static bool shows_count(const ds_indicator *ind)
{
    return ind->kind == DS_KIND_COUNT || ind->kind == DS_KIND_PROPORTION ||
           ind->kind == DS_KIND_RATE || ind->kind == DS_KIND_ISR;
}

static void table_row(html *h, notes *n, const ds_portrait_row *row)
{
    FILE *f = h->f;
    const ds_indicator *ind = row->indicator;
    const ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
    int dec = row_decimals(row);
    char a[DS_FMT_FR_MAX], b[DS_FMT_FR_MAX];
    fputs("<tr><td class=\"ind\">", f);
    esc(f, ind->label);
    if (ind->unit != NULL && *ind->unit != '\0')
        fputs(" <span class=\"unite\">(", f), esc(f, ind->unit), fputs(")</span>", f);
    /* territory: count, value, interval */
    fputs("</td><td class=\"num\">", f);
    if (t->withheld)
        put_withheld(h, t);
    else if (shows_count(ind) && isfinite(t->numerator))
        fputs(ds_fmt_fr(t->numerator, count_decimals(t->numerator), a), f);
    fputs("</td><td class=\"num terr\">", f);
    put_value(h, t, dec);
    put_note(h, n, t->flag);
    fputs("</td><td class=\"num\">", f);
    if (!t->withheld && isfinite(t->lower) && isfinite(t->upper)) {
        fputs("<span title=\"", f), esc(f, method_fr(t->method)), fputs("\">", f);
        fprintf(f, "[%s ; %s]</span>", ds_fmt_fr(t->lower, dec, a), ds_fmt_fr(t->upper, dec, b));
    }
    fputs("</td>", f);
    for (int r = 0; r < 3; r++) {
        if (!h->show[DS_SCOPE_DEPARTEMENT + r])
            continue;
        const ds_figure *ref = &row->figure[DS_SCOPE_DEPARTEMENT + r];
        fputs("<td class=\"num\">", f);
        put_value(h, ref, dec);
        put_note(h, n, ref->flag);
        if (ind->kind != DS_KIND_COUNT) /* a count is no level to compare */
            comparison_mark(h, &row->versus[r]);
        fputs("</td>", f);
    }
    fputs("<td class=\"num\">", f);
    if (row->rank > 0)
        fprintf(f, "<span title=\"Rang parmi les %ld %s de la région (1 = valeur la plus "
                   "élevée)\">%ld" NNBSP "/" NNBSP "%ld</span>", row->rank_of,
                level_plural_fr(ds_portrait_level(h->p)), row->rank, row->rank_of);
    fputs("</td>", f);
    if (h->show[DS_SCOPE_QPV]) {
        const ds_figure *q = &row->figure[DS_SCOPE_QPV], *o = &row->figure[DS_SCOPE_OUTSIDE_QPV];
        fputs("<td class=\"num\">", f);
        put_value(h, q, dec);
        put_note(h, n, q->flag);
        const ds_estimate *e = &row->qpv_ratio;
        if (isfinite(e->value) && isfinite(e->lower) && isfinite(e->upper)) {
            bool higher = e->lower > 1, lower = e->upper < 1;
            const char *symbol = higher ? "▲" : lower ? "▼" : "●";
            ds_judgement j = ds_judge(higher ? DS_DIRECTION_HIGHER
                                             : lower ? DS_DIRECTION_LOWER : DS_DIRECTION_SIMILAR,
                                      ind->polarity);
            const char *cls = j == DS_JUDGEMENT_WORSE    ? "pire"
                              : j == DS_JUDGEMENT_BETTER ? "mieux"
                              : j == DS_JUDGEMENT_SIMILAR ? "sim"
                                                          : "ctx";
            fprintf(f, "<span class=\"cmp %s\" title=\"QPV / hors QPV : %s (IC [%s ; ", cls,
                    ds_fmt_fr(e->value, 2, a), ds_fmt_fr(e->lower, 2, b));
            fprintf(f, "%s])\">%s ×%s</span>", ds_fmt_fr(e->upper, 2, a), symbol,
                    ds_fmt_fr(e->value, 2, b));
        }
        fputs("</td><td class=\"num\">", f);
        /* The flag is the same as the QPV's (set together) in most cases: noted once. */
        put_value(h, o, dec);
        if (o->flag != NULL && (q->flag == NULL || strcmp(o->flag, q->flag) != 0))
            put_note(h, n, o->flag);
        fputs("</td>", f);
    }
    fputs("</tr>\n", f);
}

static void table(html *h, int chapter, notes *n)
{
    FILE *f = h->f;
    fputs("<table class=\"indicateurs\"><thead><tr><th rowspan=\"2\" scope=\"col\">Indicateur"
          "</th><th colspan=\"3\" scope=\"colgroup\">", f);
    esc(f, ds_portrait_name(h->p));
    fputs("</th>", f);
    static const char *const heads[3] = {"Département", "Région", "France métrop."};
    for (int r = 0; r < 3; r++)
        if (h->show[DS_SCOPE_DEPARTEMENT + r])
            fprintf(f, "<th rowspan=\"2\" scope=\"col\">%s</th>", heads[r]);
    fputs("<th rowspan=\"2\" scope=\"col\" title=\"Rang dans la région (1 = valeur la plus "
          "élevée)\">Rang</th>", f);
    if (h->show[DS_SCOPE_QPV])
        fputs("<th colspan=\"2\" scope=\"colgroup\">Quartiers prioritaires</th>", f);
    fprintf(f, "</tr>\n<tr><th scope=\"col\">Effectif</th><th scope=\"col\">Valeur</th>"
               "<th scope=\"col\">IC %s" NNBSP "%%</th>", h->confidence);
    if (h->show[DS_SCOPE_QPV])
        fputs("<th scope=\"col\">QPV</th><th scope=\"col\">Hors QPV</th>", f);
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < ds_portrait_rows(h->p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(h->p, i);
        if (row->indicator->chapter == chapter)
            table_row(h, n, row);
    }
    fputs("</tbody></table>\n", f);
    if (n->n > 0) {
        fputs("<ol class=\"notes\">\n", f);
        for (size_t k = 0; k < n->n; k++)
            fputs("<li>", f), esc(f, n->text[k]), fputs("</li>\n", f);
        fputs("</ol>\n", f);
    }
}

/* --- charts ------------------------------------------------------------------------------- */

/* The smallest 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at least x (x > 0). */
static double nice_ceiling(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double p = pow(10, floor(log10(x)));
    static const double steps[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
        if (steps[k] * p >= x * (1 - 1e-12))
            return steps[k] * p;
    return 10 * p;
}

enum {
    CHART_W = 340,  /* viewBox width */
    BAR_X0 = 70,    /* left of the plotting area */
    BAR_W = 210,    /* its width (values are written to its right) */
    ROW_H = 15,
    TOP = 3
};

static bool chartable(const ds_portrait_row *row)
{
    const ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
    return row->indicator->kind != DS_KIND_COUNT && (t->withheld || isfinite(t->value));
}

/* Horizontal bars for the territory, its references, the QPV and the rest, with the
 * intervals; the scale goes from 0 (or below for negative values) to a round value
 * above the highest bound. */
static void chart(html *h, const ds_portrait_row *row)
{
    FILE *f = h->f;
    static const char *const names[DS_SCOPE_COUNT] = {"Territoire", "Département", "Région",
                                                      "France", "QPV", "Hors QPV"};
    int scopes[DS_SCOPE_COUNT];
    int n = 0;
    double lo = 0, hi = 0;
    for (int s = 0; s < DS_SCOPE_COUNT; s++) {
        const ds_figure *fig = &row->figure[s];
        if (!h->show[s])
            continue;
        if (fig->withheld) {
            scopes[n++] = s;
            continue;
        }
        if (!isfinite(fig->value))
            continue;
        scopes[n++] = s;
        lo = fmin(lo, fig->value), hi = fmax(hi, fig->value);
        if (isfinite(fig->lower) && isfinite(fig->upper))
            lo = fmin(lo, fig->lower), hi = fmax(hi, fig->upper);
    }
    double top = hi > 0 ? nice_ceiling(hi) : 0, bottom = lo < 0 ? -nice_ceiling(-lo) : 0;
    if (top - bottom <= 0)
        top = 1;
    int dec = row_decimals(row);
    int height = TOP + n * ROW_H + 14;
#define X(v) (BAR_X0 + ((v) - bottom) / (top - bottom) * BAR_W)
    fprintf(f, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
               "aria-label=\"Graphique : ", CHART_W, height, CHART_W, height);
    esc(f, row->indicator->label);
    fputs("\">\n", f);
    char a[DS_FMT_FR_MAX];
    for (int k = 0; k < n; k++) {
        int s = scopes[k];
        const ds_figure *fig = &row->figure[s];
        double y = TOP + k * ROW_H;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", BAR_X0 - 4,
                y + 10.5, names[s]);
        if (fig->withheld) {
            if (fig->secondary)
                fprintf(f, "<text class=\"secret-g\" x=\"%d\" y=\"%.1f\">s (secret "
                           "secondaire)</text>\n", BAR_X0 + 3, y + 10.5);
            else
                fprintf(f, "<text class=\"secret-g\" x=\"%d\" y=\"%.1f\">&lt; %s (secret "
                           "statistique)</text>\n", BAR_X0 + 3, y + 10.5, h->threshold);
            continue;
        }
        double x0 = X(0), x1 = X(fig->value);
        fprintf(f, "<rect class=\"b%d\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"9\"/>", s,
                fmin(x0, x1), y + 3, fabs(x1 - x0));
        double right = fmax(x0, x1);
        if (isfinite(fig->lower) && isfinite(fig->upper)) {
            double l = X(fig->lower), u = X(fig->upper);
            fprintf(f, "<path class=\"ic\" d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\"/>",
                    l, y + 7.5, u, l, y + 4.5, y + 10.5, u, y + 4.5, y + 10.5);
            right = fmax(right, u);
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", right + 3, y + 10.5,
                ds_fmt_fr(fig->value, dec, a));
    }
    /* France as a dashed line across the bars. */
    const ds_figure *fr = &row->figure[DS_SCOPE_FRANCE];
    if (h->show[DS_SCOPE_FRANCE] && !fr->withheld && isfinite(fr->value))
        fprintf(f, "<path class=\"ref\" d=\"M%.1f %dV%d\"/>", X(fr->value), TOP,
                TOP + n * ROW_H);
    double axis = TOP + n * ROW_H + 1;
    fprintf(f, "<path class=\"axe\" d=\"M%.1f %.1fH%.1fM%.1f %dV%.1f\"/>", X(bottom), axis,
            X(top), X(0), TOP, axis);
    int tick_dec = (top - bottom) >= 10 ? 0 : (top - bottom) >= 1 ? 1 : 2;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">%s</text>", X(bottom),
            axis + 10, ds_fmt_fr(bottom, tick_dec, a));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", X(top), axis + 10,
            ds_fmt_fr(top, tick_dec, a));
#undef X
    fputs("</svg>\n", f);
}

/* The name of a member from its code (the figure's name), or the code. */
static const char *member_name(const ds_portrait_row *row, const char *code)
{
    for (size_t k = 0; k < row->n_members; k++)
        if (row->members[k].code != NULL && strcmp(row->members[k].code, code) == 0)
            return row->members[k].name != NULL ? row->members[k].name : code;
    return code;
}

/* "Entre les 81 communes avec une valeur : de 12,1 (X) à 30,2 (Y)." */
static void member_spread(html *h, const ds_portrait_row *row)
{
    FILE *f = h->f;
    if (row->members_with_value < 2 || !isfinite(row->min) || !isfinite(row->max) ||
        row->min_code == NULL || row->max_code == NULL)
        return;
    int dec = row_decimals(row);
    const char *what = h->p->members_are_iris ? "IRIS" : "communes";
    fprintf(f, "<p>Entre les %zu %s avec une valeur : de ", row->members_with_value, what);
    put_value_unit(h, row->indicator, row->min, dec);
    fputs(" (", f), esc(f, member_name(row, row->min_code)), fputs(") à ", f);
    put_value_unit(h, row->indicator, row->max, dec);
    fputs(" (", f), esc(f, member_name(row, row->max_code)), fputc(')', f);
    size_t withheld = 0;
    for (size_t k = 0; k < row->n_members; k++)
        withheld += row->members[k].withheld;
    if (withheld > 0)
        fprintf(f, " ; %zu sous secret statistique", withheld);
    fputs(".</p>\n", f);
}

/* --- maps ---------------------------------------------------------------------------------- */

static int compare_values(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The member shapes and QPV outlines once, for every map to <use>; and the hatching of
 * withheld members. */
static void map_defs(html *h)
{
    FILE *f = h->f;
    const ds_portrait_map *m = h->map;
    fputs("<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" "
          "focusable=\"false\"><defs>\n<pattern id=\"hachures\" width=\"3\" height=\"3\" "
          "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" "
          "height=\"3\" fill=\"#fff\"/><path d=\"M0 0V3\" stroke=\"#444\" "
          "stroke-width=\"1.2\"/></pattern>\n", f);
    for (size_t k = 0; k < ds_portrait_member_count(h->p); k++) {
        const char *d = ds_portrait_map_member_path(m, k);
        if (d != NULL)
            fprintf(f, "<path id=\"m%zu\" d=\"%s\"/>\n", k, d);
    }
    for (size_t i = 0; i < ds_portrait_map_qpv_count(m); i++) {
        const char *d = ds_portrait_map_qpv_path(m, i);
        if (d != NULL)
            fprintf(f, "<path id=\"q%zu\" d=\"%s\"/>\n", i, d);
    }
    fputs("</defs></svg>\n", f);
}

/* Up to five classes by quantiles of the members' values (type 7), with a sequential
 * ramp whose lightness follows the value (readable in grey); withheld members hatched,
 * members without value white, the QPV outlined in black. */
static void choropleth(html *h, const ds_portrait_row *row)
{
    FILE *f = h->f;
    const ds_portrait_map *m = h->map;
    size_t n = row->n_members, with = 0, withheld = 0, missing = 0;
    double *v = malloc((n + 1) * sizeof *v);
    if (v == NULL) {
        h->ok = false;
        return;
    }
    for (size_t k = 0; k < n; k++) {
        if (ds_portrait_map_member_path(m, k) == NULL)
            continue;
        const ds_figure *fig = &row->members[k];
        if (fig->withheld)
            withheld++;
        else if (isfinite(fig->value))
            v[with++] = fig->value;
        else
            missing++;
    }
    if (with + withheld == 0) { /* nothing to draw */
        free(v);
        return;
    }
    qsort(v, with, sizeof *v, compare_values);
    double breaks[4];
    int nb = 0;
    for (int q = 1; q <= 4 && with > 0; q++) {
        double at = (double)(with - 1) * q / 5, lo = floor(at);
        size_t i = (size_t)lo;
        double b = i + 1 < with ? v[i] + (at - lo) * (v[i + 1] - v[i]) : v[i];
        if (b > v[0] && b < v[with - 1] && (nb == 0 || b > breaks[nb - 1]))
            breaks[nb++] = b;
    }
    int classes = with > 0 ? nb + 1 : 0;
    int dec = row_decimals(row);
    double lo = with > 0 ? v[0] : NAN, hi = with > 0 ? v[with - 1] : NAN;
    free(v);
    char a[DS_FMT_FR_MAX], b[DS_FMT_FR_MAX];
    double height = ds_portrait_map_height(m);
    fprintf(f, "<svg class=\"carte\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
               "role=\"img\" aria-label=\"Carte : ", DS_MAP_WIDTH, height, DS_MAP_WIDTH, height);
    esc(f, row->indicator->label);
    fputs("\">\n", f);
    for (size_t k = 0; k < n; k++) {
        if (ds_portrait_map_member_path(m, k) == NULL)
            continue;
        const ds_figure *fig = &row->members[k];
        if (fig->withheld) {
            fprintf(f, "<use href=\"#m%zu\" fill=\"url(#hachures)\"><title>", k);
        } else if (!isfinite(fig->value)) {
            fprintf(f, "<use href=\"#m%zu\" class=\"kn\"><title>", k);
        } else {
            int c = 0;
            while (c < nb && fig->value > breaks[c])
                c++;
            int ramp = classes == 1 ? 2 : c * 4 / (classes - 1);
            fprintf(f, "<use href=\"#m%zu\" class=\"k%d\"><title>", k, ramp);
        }
        esc(f, fig->name != NULL ? fig->name : fig->code);
        fputs(" : ", f);
        if (fig->withheld)
            fputs("secret statistique", f);
        else if (isfinite(fig->value))
            put_value_unit(h, row->indicator, fig->value, dec);
        else
            fputs("non disponible", f);
        fputs("</title></use>\n", f);
    }
    for (size_t i = 0; i < ds_portrait_map_qpv_count(m); i++)
        if (ds_portrait_map_qpv_path(m, i) != NULL) {
            fprintf(f, "<use href=\"#q%zu\" class=\"qpv\"><title>", i);
            esc(f, ds_portrait_map_qpv_code(m, i));
            fputs("</title></use>\n", f);
        }
    fputs("</svg>\n<p class=\"legende-carte\">", f);
    for (int c = 0; c < classes; c++) {
        int ramp = classes == 1 ? 2 : c * 4 / (classes - 1);
        double from = c == 0 ? lo : breaks[c - 1], to = c == classes - 1 ? hi : breaks[c];
        fprintf(f, "<span class=\"item\"><span class=\"cle k%d\"></span>%s – %s</span> ", ramp,
                ds_fmt_fr(from, dec, a), ds_fmt_fr(to, dec, b));
    }
    if (withheld > 0)
        fputs("<span class=\"item\"><span class=\"cle ks\"></span>secret statistique</span> ", f);
    if (missing > 0)
        fputs("<span class=\"item\"><span class=\"cle kn\"></span>non disponible</span> ", f);
    if (ds_portrait_map_qpv_count(m) > 0)
        fputs("<span class=\"item\"><span class=\"cle kq\"></span>QPV</span>", f);
    fputs("</p>\n", f);
}

static void charts(html *h, int chapter)
{
    FILE *f = h->f;
    size_t n = 0;
    for (size_t i = 0; i < ds_portrait_rows(h->p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(h->p, i);
        n += row->indicator->chapter == chapter && chartable(row);
    }
    if (n == 0)
        return;
    fprintf(f, "<p class=\"legende\">Graphiques : barre = valeur ; trait = intervalle de "
               "confiance à %s" NNBSP "%% ; pointillés = France métropolitaine.</p>\n"
               "<div class=\"graphes\">\n", h->confidence);
    for (size_t i = 0; i < ds_portrait_rows(h->p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(h->p, i);
        if (row->indicator->chapter != chapter || !chartable(row))
            continue;
        fputs("<figure class=\"graphe\"><figcaption>", f);
        esc(f, row->indicator->label);
        if (row->indicator->unit != NULL && *row->indicator->unit != '\0')
            fputs(" <span class=\"unite\">(", f), esc(f, row->indicator->unit),
                fputs(")</span>", f);
        fputs("</figcaption>\n", f);
        chart(h, row);
        member_spread(h, row);
        if (h->map != NULL)
            choropleth(h, row);
        fputs("</figure>\n", f);
    }
    fputs("</div>\n", f);
}

/* --- portraits and chapters ----------------------------------------------------------------- */

static void chapter_section(html *h, int chapter)
{
    FILE *f = h->f;
    fprintf(f, "<section class=\"chapitre\" id=\"chapitre-%d\">\n", chapter);
    if (h->c->fictitious)
        fputs("<p class=\"fictif-etiquette\">Données fictives</p>\n", f);
    fprintf(f, "<h3>%d. ", chapter);
    esc(f, ds_chapter_name(chapter));
    fputs("</h3>\n", f);
    if (!chapter_has_rows(h->p, chapter)) {
        fputs("<p class=\"vide\">Aucun indicateur de ce chapitre dans ce portrait (le "
              "dictionnaire retenu n’en a pas, ou aucun fichier de données ne les "
              "fournit).</p>\n", f);
    } else {
        notes n = {0};
        findings(h, chapter);
        table(h, chapter, &n);
        free(n.text);
        charts(h, chapter);
    }
    if (chapter == 1) /* the age pyramid, when [ages] is given */
        ds_portrait_pyramid_html(f, h->p, h->threshold);
    fputs("</section>\n", f);
}

static void portraits(html *h)
{
    FILE *f = h->f;
    for (int first = 1; first <= DS_CHAPTER_COUNT; first += 3) {
        fprintf(f, "<section class=\"portrait\" id=\"portrait-%d\">\n", (first + 2) / 3);
        if (h->c->fictitious)
            fputs("<p class=\"fictif-bandeau\">Données fictives</p>\n", f);
        fputs("<h2>", f);
        esc(f, ds_chapter_portrait(first));
        fputs("</h2>\n", f);
        for (int ch = first; ch < first + 3; ch++)
            chapter_section(h, ch);
        fputs("</section>\n", f);
    }
}

/* --- methods and provenance ------------------------------------------------------------------ */

static void methods(html *h)
{
    FILE *f = h->f;
    const ds_portrait *p = h->p;
    char b[DS_FMT_FR_MAX];
    const char *conf = h->confidence;
    fputs("<section class=\"annexe methodes\" id=\"methodes\">\n", f);
    if (h->c->fictitious)
        fputs("<p class=\"fictif-bandeau\">Données fictives</p>\n", f);
    fputs("<h2>Méthodes</h2>\n"
          "<h3>Valeurs et agrégation</h3>\n"
          "<p>Pour chaque indicateur et chaque territoire, la valeur est : (1) lue telle "
          "quelle dans un fichier de données du niveau du territoire quand elle y figure "
          "(valeur publiée) ; (2) sinon, pour un indicateur agrégeable, calculée à partir de "
          "la <strong>somme des numérateurs et de la somme des dénominateurs</strong> des "
          "communes (ou des IRIS) du territoire, <strong>jamais comme une moyenne de "
          "taux</strong> ; si une commune n’a pas de donnée, le total n’est pas calculé (une "
          "somme partielle n’est jamais présentée comme le total) ; (3) sinon la valeur "
          "n’est pas disponible et la raison est donnée en note. Les indicateurs non "
          "agrégeables (médianes, taux standardisés, indices publiés) ne figurent que là où "
          "ils sont publiés. Une valeur vaut numérateur / dénominateur × multiplicateur (× 100 "
          "pour un pourcentage, × 100 000 pour un taux pour 100 000 habitants) ; un indice "
          "comparatif rapporte les événements observés aux événements attendus "
          "(base 100).</p>\n", f);
    fprintf(f, "<h3>Intervalles de confiance</h3>\n<p>Intervalles à %s" NNBSP "%% selon la "
               "nature de l’indicateur : <strong>proportions</strong> — intervalle du score de "
               "Wilson (Wilson 1927 ; Newcombe 1998) ; <strong>taux et indices "
               "comparatifs</strong> — loi de Poisson exacte (Garwood 1936) sous 10 "
               "événements, approximation de Byar à partir de 10 (Breslow et Day 1987) ; "
               "effectifs, moyennes, médianes, indices et valeurs publiées — pas "
               "d’intervalle.", conf);
    /* The methods used here, with how many figures. */
    const char *seen[8];
    size_t count[8] = {0}, n_seen = 0;
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        for (int s = 0; s < DS_SCOPE_COUNT; s++) {
            const char *m = ds_portrait_row_at(p, i)->figure[s].method;
            if (m == NULL || ds_portrait_row_at(p, i)->figure[s].withheld)
                continue;
            size_t k = 0;
            while (k < n_seen && strcmp(seen[k], m) != 0)
                k++;
            if (k == n_seen && n_seen < 8)
                seen[n_seen++] = m;
            if (k < n_seen)
                count[k]++;
        }
    if (n_seen > 0) {
        fputs(" Dans ce portrait : ", f);
        for (size_t k = 0; k < n_seen; k++)
            fprintf(f, "%s%s (%zu valeur%s)", k ? ", " : "", method_fr(seen[k]), count[k],
                    count[k] > 1 ? "s" : "");
        fputc('.', f);
    }
    fputs("</p>\n", f);
    fprintf(f, "<h3>Comparaisons</h3>\n<p>Le territoire est comparé au département, à la "
               "région et à la France métropolitaine par la règle de l’intervalle de "
               "confiance : si la valeur de référence est comprise dans l’intervalle à %s" NNBSP
               "%% du territoire, la différence n’est pas significative (● similaire) ; si "
               "elle est sous sa borne inférieure, le territoire est significativement plus "
               "élevé (▲) ; au-dessus de sa borne supérieure, significativement plus bas (▼). "
               "Le jugement « meilleur » ou « moins bon » dépend du sens de l’indicateur (un "
               "taux de mortalité plus élevé est moins bon, un taux de dépistage plus élevé "
               "est meilleur) ; les indicateurs de contexte n’en reçoivent pas. Sans "
               "intervalle pour le territoire, la comparaison n’est pas testée. La règle "
               "néglige l’incertitude de la référence, faible pour un département, une région "
               "ou la France.</p>\n", conf);
    fputs("<p>Le rang est celui du territoire parmi les territoires de même niveau de la même "
          "région, de la valeur la plus élevée (1) à la plus basse ; des valeurs égales "
          "partagent le meilleur rang.</p>\n"
          "<p>Les quartiers prioritaires (QPV) du territoire sont regroupés ; le reste du "
          "territoire (« hors QPV ») est la différence territoire moins QPV. Le rapport QPV / "
          "hors QPV est donné avec son intervalle de confiance (méthode delta sur le "
          "logarithme) : l’écart est significatif quand cet intervalle exclut 1. Un QPV à "
          "cheval sur la limite du territoire empêche la comparaison.</p>\n", f);
    fprintf(f, "<h3>Secret statistique</h3>\n<p>Un effectif de 1 à %s est non diffusé "
               "(« &lt; %s »), ainsi que la valeur et l’intervalle calculés sur lui, dans "
               "toutes les sorties (secret primaire). Secret secondaire (« s ») : quand la "
               "partie QPV ou le reste du territoire est masqué, l’autre l’est aussi (le "
               "territoire moins l’un donnerait l’autre) ; entre communes membres, quand une "
               "seule est masquée, la plus petite des autres l’est aussi. Dans ce portrait, "
               "%zu valeur%s (toutes échelles confondues) %s masquée%s.</p>\n",
            ds_fmt_fr(h->c->threshold - 1, 0, b), h->threshold, ds_portrait_withheld_count(p),
            ds_portrait_withheld_count(p) > 1 ? "s" : "",
            ds_portrait_withheld_count(p) > 1 ? "sont" : "est",
            ds_portrait_withheld_count(p) > 1 ? "s" : "");
    fputs("<h3>Arrondis</h3>\n<p>Les valeurs sont arrondies pour la lecture (effectifs à "
          "l’unité, pourcentages et taux à une décimale) ; les tableaux CSV et le fichier "
          "JSON produits avec ce rapport donnent la précision complète.</p>\n</section>\n", f);
}

static void provenance(html *h, const char *date)
{
    FILE *f = h->f;
    const ds_portrait *p = h->p;
    fputs("<footer class=\"annexe\" id=\"provenance\">\n", f);
    if (h->c->fictitious)
        fputs("<p class=\"fictif-bandeau\">Données fictives</p>\n", f);
    fputs("<h2>Provenance des données</h2>\n<table class=\"provenance\"><thead><tr>"
          "<th scope=\"col\">Rôle</th><th scope=\"col\">Fichier</th><th scope=\"col\">SHA-256"
          "</th></tr></thead>\n<tbody>\n", f);
    const char *kinds[80], *paths[80];
    size_t n = ds_portrait_inputs(p, kinds, paths, 80);
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        fputs("<tr><td>", f), esc(f, kinds[i]);
        fputs("</td><td><code>", f), esc(f, paths[i]);
        fputs("</code></td><td><code>", f);
        fputs(ds_sha256_file(paths[i], hex) ? hex : "illisible", f);
        fputs("</code></td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
    if (h->c->n_cited > 0) {
        fputs("<h3>Sources</h3>\n<ul class=\"sources\">\n", f);
        for (size_t i = 0; i < h->c->n_cited; i++)
            fputs("<li>", f), esc(f, h->c->cited[i]), fputs("</li>\n", f);
        fputs("</ul>\n", f);
    }
    fputs("<p>Référentiel géographique : ", f);
    esc(f, ds_portrait_referential_vintage(p));
    fprintf(f, ". Seuil de diffusion : %s ; niveau de confiance : %s" NNBSP "%%.</p>\n",
            h->threshold, h->confidence);
    fprintf(f, "<p>Produit par diagsante %s le %s.</p>\n</footer>\n", DS_VERSION, date);
}

/* --- the page ------------------------------------------------------------------------------- */

bool ds_portrait_write_html(FILE *f, const void *data)
{
    const ds_portrait *p = data;
    html h = {.f = f, .p = p, .c = ds_portrait_config(p), .ok = true};
    h.ref = p->ctx->ref;
    ds_fmt_fr(h.c->threshold, 0, h.threshold);
    double level = 100 * h.c->confidence;
    ds_fmt_fr(level, fabs(level - round(level)) < 1e-9 ? 0 : 1, h.confidence);
    /* A column is shown when some row has something to say in it. */
    h.show[DS_SCOPE_TERRITORY] = true;
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        for (int s = DS_SCOPE_DEPARTEMENT; s < DS_SCOPE_COUNT; s++) {
            const ds_figure *fig = &ds_portrait_row_at(p, i)->figure[s];
            if (s <= DS_SCOPE_FRANCE && !h.c->reference[s - DS_SCOPE_DEPARTEMENT])
                continue;
            if (fig->origin != DS_ORIGIN_NONE || fig->withheld)
                h.show[s] = true;
        }
    if (p->qpv.count > 0 && ds_portrait_level(p) != DS_LEVEL_QPV)
        h.show[DS_SCOPE_QPV] = h.show[DS_SCOPE_OUTSIDE_QPV] = true;
    char date[64];
    generation_date(date);
    ds_portrait_map *map = NULL;
    ds_error map_err;
    ds_error_clear(&map_err);
    ds_status st = ds_portrait_map_open(p, &map, &map_err);
    if (st == DS_ENOMEM)
        return false;
    h.map = map;
    if (st != DS_OK)
        h.map_error = map_err.message;

    fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"diagsante " DS_VERSION "\">\n<title>", f);
    esc(f, h.c->title != NULL ? h.c->title : "Diagnostic local de santé");
    fputs(" — ", f);
    esc(f, ds_portrait_name(p));
    if (h.c->fictitious)
        fputs(" (données fictives)", f);
    fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n", css, css_maps);
    if (h.c->fictitious)
        fputs("<div class=\"fictif-filigrane\" aria-hidden=\"true\">Données fictives</div>\n", f);
    if (map != NULL)
        map_defs(&h);
    cover(&h, date);
    fputs("<main>\n", f);
    portraits(&h);
    methods(&h);
    fputs("</main>\n", f);
    provenance(&h, date);
    fputs("</body>\n</html>\n", f);
    ds_portrait_map_free(map);
    return h.ok;
}
