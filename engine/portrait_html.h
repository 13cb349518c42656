/* diagsante (private) — helpers of the HTML report (portrait_html.c) that the tests use
 * directly. */
#ifndef DIAGSANTE_PORTRAIT_HTML_H
#define DIAGSANTE_PORTRAIT_HTML_H

/* Room for any text ds_fmt_fr writes, NUL included. */
#define DS_FMT_FR_MAX 64

/* v rounded to `decimals` decimals (0 to 6, clamped) in French style for the report:
 * decimal comma, the digits of the integer part grouped by three from 1 000 on with a
 * narrow no-break space (U+202F), a minus sign U+2212 (never for a value that rounds to
 * zero: "0,0", not "−0,0"). |v| >= 1e15 is written with 6 significant digits
 * ("1,23457e+15"). "" for NaN or infinity. Returns buf. Never uses the locale. */
const char *ds_fmt_fr(double v, int decimals, char buf[DS_FMT_FR_MAX]);

#endif
