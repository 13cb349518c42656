/* diagsante — output files written atomically (see include/diagsante/output.h). */
#include "diagsante/output.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ds_output {
    FILE *stream;
    char *path;      /* destination */
    char *temporary; /* path.tmp.XXXXXX, same folder: rename(2) stays atomic */
};

static void free_output(ds_output *output)
{
    free(output->path);
    free(output->temporary);
    free(output);
}

ds_status ds_output_open(const char *path, ds_output **out, ds_error *err)
{
    *out = NULL;
    ds_output *output = calloc(1, sizeof *output);
    size_t len = strlen(path);
    if (output == NULL || (output->path = malloc(len + 1)) == NULL ||
        (output->temporary = malloc(len + sizeof ".tmp.XXXXXX")) == NULL) {
        if (output != NULL)
            free_output(output);
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    }
    memcpy(output->path, path, len + 1);
    memcpy(output->temporary, path, len);
    memcpy(output->temporary + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(output->temporary);
    if (fd < 0) {
        ds_status status = ds_error_set(err, DS_EIO, "%s: cannot create a file there: %s",
                                        path, strerror(errno));
        free_output(output);
        return status;
    }
    output->stream = fdopen(fd, "w");
    if (output->stream == NULL) {
        ds_status status = ds_error_set(err, DS_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(output->temporary);
        free_output(output);
        return status;
    }
    *out = output;
    return DS_OK;
}

FILE *ds_output_stream(ds_output *output)
{
    return output->stream;
}

/* The process's umask. Linux shows it in /proc/self/status (since 4.7): read there, it
 * is read without changing it. Otherwise umask(2), which can only read it by setting it,
 * sets and restores it; a thread creating a file at that instant could see umask 022. */
static mode_t current_umask(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f != NULL) {
        char line[256];
        unsigned mask;
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                fclose(f);
                return (mode_t)(mask & 0777);
            }
        fclose(f);
    }
    mode_t mask = umask(022);
    umask(mask);
    return mask;
}

const char *ds_output_temporary_path(const ds_output *output)
{
    return output->temporary;
}

ds_status ds_output_commit(ds_output *output, ds_error *err)
{
    /* mkstemp creates the file with mode 0600: a published output gets the mode an
     * ordinary fopen would give it, 0666 modified by the umask. */
    mode_t mode = 0666 & ~current_umask();
    int failed = ferror(output->stream) != 0 || fflush(output->stream) != 0 ||
                 fsync(fileno(output->stream)) != 0 ||
                 fchmod(fileno(output->stream), mode) != 0;
    int saved = errno;
    if (fclose(output->stream) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    if (!failed && rename(output->temporary, output->path) != 0) {
        failed = 1;
        saved = errno;
    }
    ds_status status = DS_OK;
    if (failed) {
        unlink(output->temporary);
        status = ds_error_set(err, DS_EIO, "%s: cannot write: %s", output->path,
                              saved ? strerror(saved) : "write error");
    }
    free_output(output);
    return status;
}

void ds_output_abort(ds_output *output)
{
    if (output == NULL)
        return;
    fclose(output->stream);
    unlink(output->temporary);
    free_output(output);
}

int ds_output_csv_field(FILE *stream, const char *text, char separator)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (text[i] == separator || text[i] == '"' || text[i] == '\n' || text[i] == '\r')
            return csv_fwrite(stream, text, len);
    return fputs(text, stream) < 0 ? EOF : 0;
}

ds_status ds_output_write(const char *dir, const char *name,
                          bool (*write)(FILE *stream, const void *data), const void *data,
                          ds_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return ds_error_set(err, DS_EUSAGE, "%s/%s: path too long", dir, name);
    ds_output *output;
    ds_status st = ds_output_open(path, &output, err);
    if (st != DS_OK)
        return st;
    if (!write(ds_output_stream(output), data)) {
        ds_output_abort(output);
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    }
    return ds_output_commit(output, err);
}
