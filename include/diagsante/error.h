/* diagsante — status codes and error messages.
 *
 * Every library function that can fail returns a ds_status and, when it fails,
 * fills the ds_error the caller passed in (which may be NULL when the caller does
 * not want the message). The library never prints, exits or aborts: the message
 * names the file and where in it (line, column, shape number) the problem is. */
#ifndef DIAGSANTE_ERROR_H
#define DIAGSANTE_ERROR_H

#include <stddef.h>

typedef enum ds_status {
    DS_OK = 0,
    DS_EUSAGE,   /* the caller asked for something invalid (bad option, bad argument) */
    DS_EDATA,    /* the input data is malformed or inconsistent */
    DS_ENOINPUT, /* an input file does not exist or cannot be opened */
    DS_EIO,      /* a read or write failed */
    DS_ENOMEM,   /* an allocation failed */
    DS_EINTERNAL /* a dependency failed in a way that is not the input's fault */
} ds_status;

#define DS_ERROR_MESSAGE_MAX 1024

/* The message of the last failure. A public value type: declare one on the stack. */
typedef struct ds_error {
    ds_status status;
    char message[DS_ERROR_MESSAGE_MAX];
} ds_error;

/* Clears err (status DS_OK, empty message). Accepts NULL. */
void ds_error_clear(ds_error *err);

/* Stores status and a printf-style message in err (accepts NULL) and returns status,
 * so that a failing function can end with `return ds_error_set(err, DS_EDATA, ...)`.
 * The message is truncated to DS_ERROR_MESSAGE_MAX - 1 bytes. */
ds_status ds_error_set(ds_error *err, ds_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A short English name of a status ("data error"), for messages. Static storage. */
const char *ds_status_name(ds_status status);

/* The sysexits(3) exit code a command-line tool should use for a status:
 * EX_USAGE 64, EX_DATAERR 65, EX_NOINPUT 66, EX_OSERR 71 (no memory),
 * EX_SOFTWARE 70, EX_IOERR 74; DS_OK gives 0. */
int ds_status_exit_code(ds_status status);

#endif
