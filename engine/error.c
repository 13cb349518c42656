/* diagsante — status codes and error messages (see include/diagsante/error.h). */
#include "diagsante/error.h"

#include <stdarg.h>
#include <stdio.h>

void ds_error_clear(ds_error *err)
{
    if (err == NULL)
        return;
    err->status = DS_OK;
    err->message[0] = '\0';
}

ds_status ds_error_set(ds_error *err, ds_status status, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
    return status;
}

const char *ds_status_name(ds_status status)
{
    switch (status) {
    case DS_OK: return "ok";
    case DS_EUSAGE: return "usage error";
    case DS_EDATA: return "data error";
    case DS_ENOINPUT: return "missing input";
    case DS_EIO: return "input/output error";
    case DS_ENOMEM: return "out of memory";
    case DS_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

int ds_status_exit_code(ds_status status)
{
    switch (status) {
    case DS_OK: return 0;
    case DS_EUSAGE: return 64;    /* EX_USAGE */
    case DS_EDATA: return 65;     /* EX_DATAERR */
    case DS_ENOINPUT: return 66;  /* EX_NOINPUT */
    case DS_ENOMEM: return 71;    /* EX_OSERR */
    case DS_EIO: return 74;       /* EX_IOERR */
    case DS_EINTERNAL: return 70; /* EX_SOFTWARE */
    }
    return 70;
}
