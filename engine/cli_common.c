/* diagsante — helpers shared by the command-line tool's commands (engine/cli.h). */
#include <stdio.h>

#include "cli.h"

int finish_stdout(int exit_code)
{
    if (fflush(stdout) != 0) {
        perror("diagsante: stdout");
        return 74;
    }
    return exit_code;
}

int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "diagsante: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'diagsante --help'.\n");
    return EXIT_USAGE;
}
