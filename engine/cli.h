/* diagsante — what the command-line tool's files share (private to the CLI: engine/main.c
 * and engine/cli_*.c; the library never includes it). */
#ifndef DIAGSANTE_CLI_H
#define DIAGSANTE_CLI_H

/* sysexits(3) EX_USAGE: a bad command line. */
#define EXIT_USAGE 64

/* Prints "diagsante: " and fmt (one %s, filled with arg) on stderr, then a hint to run
 * 'diagsante --help'; returns EXIT_USAGE. */
int usage_error(const char *fmt, const char *arg);

/* The exit code of a command once standard output is flushed: 74 (EX_IOERR) when it
 * could not be written (a full disk, a closed pipe), else exit_code. */
int finish_stdout(int exit_code);

/* `diagsante stats METHOD ...` (engine/cli_stats.c): argv[0] is "stats". Returns the
 * exit code. */
int command_stats(int argc, char **argv);

/* `diagsante portrait ...` (engine/cli_portrait.c): argv[0] is "portrait". */
int command_portrait(int argc, char **argv);

#endif
