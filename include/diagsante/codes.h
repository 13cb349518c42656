/* diagsante — French territory codes: recognise, validate and normalise.
 *
 * This module knows the *forms* of the official codes (INSEE COG, SIREN, QPV);
 * whether a well-formed code exists in a given vintage of the geography is the
 * referential's business (referential.h). Nothing is guessed: a value that does not
 * fit a form is reported as not a code, with the reason. */
#ifndef DIAGSANTE_CODES_H
#define DIAGSANTE_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

typedef enum ds_code_kind {
    DS_CODE_NONE = 0,     /* not a territory code */
    DS_CODE_COMMUNE,      /* 5 chars: 31555, 2A004, 97411; municipal arrondissements
                             of Paris 75101-75120, Lyon 69381-69389, Marseille 13201-13216;
                             département part 01-19, 21-95, 2A, 2B then a number 001-999,
                             or 971-976 then 01-99 (31000, a postcode, is no commune) */
    DS_CODE_DEPARTEMENT,  /* 01-19, 21-95, 2A, 2B, 971-976 */
    DS_CODE_REGION,       /* 2 digits, 01-94 (INSEE has never used 00 nor 95-99) */
    DS_CODE_EPCI,         /* SIREN: 9 digits with a valid Luhn checksum */
    DS_CODE_IRIS,         /* commune code + 4 digits: 315550101 */
    DS_CODE_QPV2015,      /* QP + 3-char département + 3 digits: QP031001; the
                             département part is 0 + 01-19, 21-95, 2A, 2B (QP02A001)
                             or 971-976 (QP974001) */
    DS_CODE_QPV2024,      /* QN + 3-char département + 2 digits + N|M|I: QN03101M */
    DS_CODE_KIND_COUNT
} ds_code_kind;

/* Longest normalised code plus its NUL (IRIS: 9 characters). */
#define DS_CODE_MAX 16

/* Bit of a kind in a candidate mask: DS_CODE_BIT(DS_CODE_COMMUNE). */
#define DS_CODE_BIT(kind) (1u << (unsigned)(kind))

/* Stable lower-case identifier of a kind: "commune", "departement", "region", "epci",
 * "iris", "qpv2015", "qpv2024", "none". Static storage. */
const char *ds_code_kind_name(ds_code_kind kind);

/* The kind named by ds_code_kind_name (also accepts "dep", "reg", "qpv" for qpv2015),
 * or DS_CODE_NONE when the name is unknown. */
ds_code_kind ds_code_kind_from_name(const char *name);

/* Normalises `text` as a code of `kind` into out (DS_CODE_MAX bytes):
 *   - the text must be ASCII letters and digits once trimmed (no inner space);
 *   - surrounding spaces are removed, letters upper-cased (2a004 -> 2A004, qp031001);
 *   - leading zeros lost by spreadsheets are restored where the form is unambiguous:
 *     commune 1001 -> 01001, département 9 -> 09, IRIS 10040101 -> 010040101,
 *     QPV QP31001 is NOT repaired (ambiguous), région 1 -> 01;
 *   - numbers written with a decimal part of zeros (31555.0) are NOT accepted.
 * Returns DS_OK, or DS_EDATA with a reason in err ("'2C004' is not a commune code:
 * département part 2C does not exist"). out is set to "" on failure. DS_EUSAGE when
 * kind is DS_CODE_NONE or out of range, or text or out is NULL. */
ds_status ds_code_normalize(ds_code_kind kind, const char *text, char out[DS_CODE_MAX],
                            ds_error *err);

/* The kinds `text` can be normalised as, as a mask of DS_CODE_BIT(kind). A 1- or
 * 2-digit value is both a département and a région (except 20: région only; 95:
 * département only; 00, 96-99: neither); a 9-digit value is an IRIS when its first
 * 5 characters are a commune code and, when its Luhn checksum holds, also an EPCI
 * SIREN. 0 when it is no code at all (NULL included). */
unsigned ds_code_candidates(const char *text);

/* True when a commune code (normalised) is a municipal arrondissement of Paris, Lyon
 * or Marseille; *parent (may be NULL) then receives 75056, 69123 or 13055, and ""
 * otherwise. */
bool ds_code_is_arrondissement(const char *commune, char parent[DS_CODE_MAX]);

/* The département of a normalised commune, IRIS or QPV code (31555 -> 31, 2A004 -> 2A,
 * 97411 -> 974, QP031001 -> 31, QN03101M -> 31); a département code gives itself.
 * The code is normalised first (so 1001 -> 01). DS_EDATA when it has none (région,
 * EPCI) or is no code of that kind (with the reason); DS_EUSAGE for bad arguments.
 * out is "" on failure. */
ds_status ds_code_departement_of(ds_code_kind kind, const char *code, char out[DS_CODE_MAX],
                                 ds_error *err);

/* Luhn checksum of a string of digits (SIREN rule). False for non-digits or empty. */
bool ds_code_luhn_valid(const char *digits);

/* Detecting the code kind of a column from its header and values, streaming:
 * declare one, ds_code_votes_init, add every non-missing value, then decide. The
 * fields are plain counts: votes over distinct values may be weighted by summing
 * each field times the value's number of uses. */
typedef struct ds_code_votes {
    size_t values;                         /* values added */
    size_t matches[DS_CODE_KIND_COUNT];    /* values that normalise as each kind */
    size_t leading_zero_or_letter;         /* values that normalise as some kind and
                                              cannot be plain numbers (leading zero
                                              or a letter: 09, 2A004, QP031001) */
} ds_code_votes;

/* Zeroes the counts. */
void ds_code_votes_init(ds_code_votes *votes);

/* Counts one value (surrounding spaces ignored). NULL and blank values are ignored:
 * they are missing, not votes against. */
void ds_code_votes_add(ds_code_votes *votes, const char *value);

/* The kind of a column, or DS_CODE_NONE:
 *   1. the candidates are the kinds at least 90% of the values normalise as;
 *   2. when the header names some of the candidates, only those remain
 *      ("dep"/"dept"/"département" vs "reg"/"région", "iris", "epci"/"siren", ...);
 *   3. then only the candidates with the most matching values (2A, 95 or 971 among
 *      2-digit values make départements; SIREN 200... are no IRIS);
 *   4. then EPCI beats IRIS (a Luhn checksum holding on 90% of values is no accident);
 *      départements and régions still tied are ambiguous: DS_CODE_NONE;
 *   5. purely numeric columns (no matching value with a leading zero or a letter) are
 *      codes only when the header names codes in general ("code", "cod", "insee",
 *      "geo", "territoire") or the chosen kind: 5-digit populations are no communes.
 * The header is read case-insensitively, accents folded, as tokens (split at
 * punctuation, spaces, letter/digit and camelCase changes); its code part is its
 * leading tokens made only of code words ("code", "cod", "insee", "geo", "territ",
 * "com", "commune", "dep", "dept", "dpt", "departement", "reg", "region", "epci",
 * "siren", "iris", "qp", "qpv"), fillers ("num", "no", "id", "lib", "nom", "de",
 * "du", "des", "la", "le", one letter) and digits, up to the first other token:
 * "CODGEO", "DEPCOM", "CODE_IRIS", "Code du département", "dept" name codes;
 * "pop_commune", "income", "depenses" do not. */
ds_code_kind ds_code_votes_decide(const ds_code_votes *votes, const char *header);

#endif
