/* Generates a national-scale long indicator table for `make bench`, on stdout:
 *   code_commune;indicateur;annee;sexe;age;valeur;numerateur;denominateur
 * sorted by commune, indicator, year, sex and age band as ORS exports are, with the
 * INSEE conventions: ';' separator, decimal comma, secret cells ("s") for small counts,
 * empty cells for missing values. Deterministic (fixed seed). Usage:
 *   gen_national_table TARGET_MB > file.csv
 * Commune codes are plausible forms (département + 3 digits), not the real list. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state = 0x2545F4914F6CDD1Dull;

static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(int argc, char **argv)
{
    long target_mb = argc > 1 ? atol(argv[1]) : 1024;
    if (target_mb <= 0) {
        fprintf(stderr, "usage: gen_national_table TARGET_MB\n");
        return 64;
    }
    static const char *indicators[] = {"POP", "DECES", "DECES_PREMAT", "ALD", "ALD_DIAB",
                                       "ALD_CANCER", "HOSP_MCO", "C2S", "DEPIST_SEIN",
                                       "VACC_GRIPPE", "MEDGEN_CONSULT", "PSY_RECOURS"};
    static const char *sexes[] = {"H", "F", "T"};
    static const char *ages[] = {"0-14", "15-29", "30-44", "45-59", "60-74", "75+"};
    const unsigned long long target = (unsigned long long)target_mb * 1000000ull;
    unsigned long long written = 0;
    written += (unsigned long long)printf(
        "code_commune;indicateur;annee;sexe;age;valeur;numerateur;denominateur\n");
    static char buffer[1 << 20];
    setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
    for (int dep = 1; dep <= 95 && written < target; dep++) {
        if (dep == 20)
            continue;
        for (int com = 1; com <= 400 && written < target; com++) {
            long base_pop = 50 + (long)(next_random() % 20000);
            for (size_t i = 0; i < sizeof indicators / sizeof *indicators; i++)
                for (int year = 2016; year <= 2022; year++)
                    for (size_t s = 0; s < 3; s++)
                        for (size_t a = 0; a < sizeof ages / sizeof *ages; a++) {
                            long den = base_pop / 6 + (long)(next_random() % 50);
                            long num = (long)(next_random() % (unsigned long)(den / 4 + 1));
                            uint64_t r = next_random() % 100;
                            int n;
                            if (r < 3) /* missing */
                                n = printf("%02d%03d;%s;%d;%s;%s;;;%ld\n", dep, com,
                                           indicators[i], year, sexes[s], ages[a], den);
                            else if (num < 5) /* secret: small count */
                                n = printf("%02d%03d;%s;%d;%s;%s;s;s;%ld\n", dep, com,
                                           indicators[i], year, sexes[s], ages[a], den);
                            else {
                                long tenths = den > 0 ? num * 10000 / den : 0;
                                n = printf("%02d%03d;%s;%d;%s;%s;%ld,%ld;%ld;%ld\n", dep, com,
                                           indicators[i], year, sexes[s], ages[a], tenths / 10,
                                           tenths % 10, num, den);
                            }
                            if (n < 0)
                                return 74;
                            written += (unsigned long long)n;
                        }
        }
    }
    return fflush(stdout) == 0 ? 0 : 74;
}
