/* diagsante — the age pyramid of the HTML report (portrait_pyramid.h).
 *
 * An inline SVG: one row per age group, the oldest on top; with two sexes the men on
 * the left and the women on the right of the age labels, with one column (both sexes)
 * bars to the right. Bar length = the group's share of the territory's population (in
 * %, ds_age_cell.percent), filled; the reference's share is drawn over it as a dashed
 * outline of the same scale. The SVG has a title and a description (role="img"), and
 * the same figures follow in a table (the accessible fallback, and what prints). A
 * withheld cell has no bar and reads "< N" (or "s" for secondary suppression): its
 * count and share are written nowhere. */
#include "portrait_pyramid.h"

#include <math.h>
#include <string.h>

#include "portrait_html.h"

#define NNBSP "\xE2\x80\xAF"

#define PYR_WIDTH 640.0
#define PYR_ROW 22.0
#define PYR_BAR 16.0
#define PYR_TOP 26.0
#define PYR_LABELS 92.0   /* the age labels' column */
#define PYR_MARGIN 44.0   /* room for the value written at the end of the longest bar */

static void esc(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

double ds_pyramid_scale(double max_percent)
{
    static const double steps[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    if (!(max_percent > 0))
        return 1;
    double p = pow(10, floor(log10(max_percent)));
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (steps[i] * p >= max_percent * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

double ds_pyramid_half_width(int sexes)
{
    return sexes == 2 ? (PYR_WIDTH - PYR_LABELS) / 2 - PYR_MARGIN
                      : PYR_WIDTH - PYR_LABELS - PYR_MARGIN - 8;
}

/* The largest share drawn (territory and reference, cells not withheld). */
static double max_share(const ds_age_pyramid *a)
{
    size_t n = a->groups * (size_t)a->sexes;
    double m = 0;
    const ds_age_side *sides[2] = {&a->territory, a->has_reference ? &a->reference : NULL};
    for (int s = 0; s < 2; s++)
        for (size_t k = 0; sides[s] != NULL && sides[s]->available && k < n; k++)
            if (isfinite(sides[s]->cells[k].percent) && sides[s]->cells[k].percent > m)
                m = sides[s]->cells[k].percent;
    return m;
}

static void put_withheld(FILE *f, const ds_age_cell *c, const char *threshold)
{
    if (c->secondary)
        fputc('s', f);
    else
        fprintf(f, "&lt; %s", threshold);
}

/* One row's bars for sex s: the territory's filled bar with its value, the reference's
 * outline. x0 is the axis, dir -1 (to the left) or +1. */
static void bars(FILE *f, const ds_age_pyramid *a, size_t g, int s, double x0, int dir,
                 double y, double half, double scale, const char *threshold)
{
    size_t k = g * (size_t)a->sexes + (size_t)s;
    const char *sex = a->sexes == 1 ? "" : s == 0 ? ", hommes" : ", femmes";
    const char *fill = a->sexes == 1 ? "#5b7fa6" : s == 0 ? "#4f76a8" : "#b5654f";
    char b[DS_FMT_FR_MAX];
    const ds_age_cell *t = &a->territory.cells[k];
    if (t->withheld) {
        fprintf(f, "<text class=\"pyr-secret\" x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" "
                   "font-size=\"10\">", x0 + dir * 4, y + PYR_BAR - 4, dir < 0 ? "end" : "start");
        put_withheld(f, t, threshold);
        fputs("</text>\n", f);
    } else {
        double w = t->percent / scale * half, text_at = w;
        if (a->has_reference && a->reference.available && !a->reference.cells[k].withheld)
            text_at = fmax(w, a->reference.cells[k].percent / scale * half);
        fprintf(f, "<rect class=\"pyr-t\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.0f\" "
                   "fill=\"%s\"><title>", dir < 0 ? x0 - w : x0, y, w, PYR_BAR, fill);
        esc(f, a->group[g].label), esc(f, sex);
        fprintf(f, " : %s" NNBSP "%%</title></rect>\n", ds_fmt_fr(t->percent, 1, b));
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-size=\"10\">%s"
                   NNBSP "%%</text>\n", x0 + dir * (text_at + 3), y + PYR_BAR - 4,
                dir < 0 ? "end" : "start", ds_fmt_fr(t->percent, 1, b));
    }
    if (a->has_reference && a->reference.available) {
        const ds_age_cell *r = &a->reference.cells[k];
        if (!r->withheld) {
            double w = r->percent / scale * half;
            fprintf(f, "<rect class=\"pyr-ref\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
                       "height=\"%.0f\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\" "
                       "stroke-dasharray=\"4 2\"/>\n",
                    dir < 0 ? x0 - w : x0, y - 2, w, PYR_BAR + 4);
        }
    }
}

static void cell_cells(FILE *f, const ds_age_cell *c, bool reference, const char *threshold)
{
    char b[DS_FMT_FR_MAX];
    if (!reference) {
        fputs("<td class=\"num\">", f);
        if (c->withheld)
            put_withheld(f, c, threshold);
        else
            fputs(ds_fmt_fr(c->count, 0, b), f);
        fputs("</td>", f);
    }
    fputs("<td class=\"num\">", f);
    if (c->withheld)
        put_withheld(f, c, threshold);
    else
        fprintf(f, "%s" NNBSP "%%", ds_fmt_fr(c->percent, 1, b));
    fputs("</td>", f);
}

static void data_table(FILE *f, const ds_age_pyramid *a, const char *title,
                       const char *threshold)
{
    bool ref = a->has_reference && a->reference.available;
    fputs("<table class=\"indicateurs pyramide\"><caption>", f);
    esc(f, title);
    fputs(" : effectifs et part de la population", f);
    if (ref)
        fputs(" (référence : ", f), esc(f, a->reference.name), fputc(')', f);
    fputs("</caption>\n<thead><tr><th scope=\"col\"", f);
    if (a->sexes == 2)
        fputs(" rowspan=\"2\"", f);
    fputs(">Tranche d’âge</th>", f);
    const char *sexes[2] = {"Hommes", "Femmes"};
    if (a->sexes == 2) {
        for (int s = 0; s < 2; s++)
            fprintf(f, "<th colspan=\"%d\" scope=\"colgroup\">%s</th>", ref ? 3 : 2, sexes[s]);
        fputs("</tr>\n<tr>", f);
    }
    for (int s = 0; s < a->sexes; s++) {
        fputs("<th scope=\"col\">Effectif</th><th scope=\"col\">Part (%)</th>", f);
        if (ref)
            fputs("<th scope=\"col\">Part référence (%)</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t g = a->groups; g-- > 0;) {
        fputs("<tr><th scope=\"row\">", f);
        esc(f, a->group[g].label);
        fputs("</th>", f);
        for (int s = 0; s < a->sexes; s++) {
            size_t k = g * (size_t)a->sexes + (size_t)s;
            cell_cells(f, &a->territory.cells[k], false, threshold);
            if (ref)
                cell_cells(f, &a->reference.cells[k], true, threshold);
        }
        fputs("</tr>\n", f);
    }
    char b[DS_FMT_FR_MAX];
    fprintf(f, "</tbody></table>\n<p class=\"legende\">Population totale des tranches : %s "
               "habitants", ds_fmt_fr(a->territory.total, 0, b));
    if (ref)
        fprintf(f, " ; référence : %s habitants", ds_fmt_fr(a->reference.total, 0, b));
    fputs(".</p>\n", f);
}

void ds_portrait_pyramid_html(FILE *f, const ds_portrait *p, const char *threshold)
{
    const ds_age_pyramid *a = ds_portrait_ages(p);
    if (a == NULL)
        return;
    const char *title = a->sexes == 2 ? "Pyramide des âges" : "Structure de la population par âge";
    fputs("<figure class=\"graphe pyramide\" id=\"pyramide-ages\"><figcaption>", f);
    esc(f, title);
    fputs("</figcaption>\n", f);
    if (!a->territory.available) {
        fputs("<p class=\"vide\">Non disponible : ", f);
        esc(f, a->territory.flag != NULL ? a->territory.flag : "effectifs manquants");
        fputs(".</p>\n</figure>\n", f);
        return;
    }
    bool ref = a->has_reference && a->reference.available;
    double half = ds_pyramid_half_width(a->sexes);
    double scale = ds_pyramid_scale(max_share(a));
    double height = PYR_TOP + (double)a->groups * PYR_ROW + 22;
    char b[DS_FMT_FR_MAX];
    fprintf(f, "<svg class=\"pyramide\" role=\"img\" aria-labelledby=\"pyr-titre pyr-desc\" "
               "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\">\n<title id=\"pyr-titre\">",
            PYR_WIDTH, height, PYR_WIDTH, height);
    esc(f, title), fputs(" — ", f), esc(f, ds_portrait_name(p));
    fputs("</title>\n<desc id=\"pyr-desc\">Part de chaque tranche d’âge", f);
    if (a->sexes == 2)
        fputs(" et de chaque sexe (hommes à gauche, femmes à droite)", f);
    fputs(" dans la population du territoire, en pourcentage, en barres pleines", f);
    if (ref)
        fputs(" ; en contour pointillé, la même part pour ", f), esc(f, a->reference.name);
    fputs(". Les valeurs sont reprises dans le tableau qui suit.</desc>\n", f);
    double axis[2];
    if (a->sexes == 2) {
        axis[0] = PYR_MARGIN + half;
        axis[1] = axis[0] + PYR_LABELS;
        fprintf(f, "<text x=\"%.2f\" y=\"14\" text-anchor=\"end\" font-weight=\"bold\">Hommes"
                   "</text><text x=\"%.2f\" y=\"14\" font-weight=\"bold\">Femmes</text>\n",
                axis[0], axis[1]);
    } else {
        axis[0] = axis[1] = PYR_LABELS + 8;
    }
    for (size_t g = 0; g < a->groups; g++) {
        double y = PYR_TOP + (double)(a->groups - 1 - g) * PYR_ROW;
        double label_x = a->sexes == 2 ? (axis[0] + axis[1]) / 2 : PYR_LABELS;
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-size=\"11\">", label_x,
                y + PYR_BAR - 4, a->sexes == 2 ? "middle" : "end");
        esc(f, a->group[g].label);
        fputs("</text>\n", f);
        for (int s = 0; s < a->sexes; s++)
            bars(f, a, g, s, axis[s], a->sexes == 2 && s == 0 ? -1 : 1, y, half, scale, threshold);
    }
    double y_axis = PYR_TOP + (double)a->groups * PYR_ROW + 4;
    for (int s = 0; s < a->sexes; s++) {
        int dir = a->sexes == 2 && s == 0 ? -1 : 1;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#444\"/>\n",
                axis[s], y_axis, axis[s] + dir * half, y_axis);
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"10\">%s"
                   NNBSP "%%</text>\n", axis[s] + dir * half, y_axis + 13,
                ds_fmt_fr(scale, scale < 10 ? 1 : 0, b));
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" font-size=\"10\">0</text>\n",
                axis[s], y_axis + 13);
    }
    fputs("</svg>\n<p class=\"legende\">Barres pleines : ", f);
    esc(f, ds_portrait_name(p));
    if (ref)
        fputs(" ; contour pointillé : ", f), esc(f, a->reference.name);
    else if (a->has_reference)
        fputs(" ; référence non disponible : ", f), esc(f, a->reference.flag);
    fputs(". Part de la population de chaque territoire, en %.</p>\n", f);
    data_table(f, a, title, threshold);
    fputs("</figure>\n", f);
}
