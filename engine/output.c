/* diagsante — output files written atomically (see include/diagsante/output.h). */
#include "diagsante/output.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

struct ds_output {
    FILE *stream;
    char *path;      /* destination */
    char *temporary; /* DIR/.NAME.PID.tmp-XXXXXX, same folder: rename(2) stays atomic */
    ds_output_group *group; /* NULL: renamed by ds_output_commit */
    bool closed;     /* finished, waiting for the group's rename */
};

struct ds_output_group {
    ds_output **items;
    size_t count, cap;
};

static void free_output(ds_output *output)
{
    free(output->path);
    free(output->temporary);
    free(output);
}

/* Splits path into its folder ("." when none) and its last component. */
static void split_path(const char *path, char *dir, size_t dir_size, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(dir, dir_size, ".");
        *base = path;
    } else {
        snprintf(dir, dir_size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        *base = slash + 1;
    }
}

/* Removes the temporary files of base left in dir by runs that no longer exist (killed
 * before their rename): .BASE.PID.tmp-XXXXXX whose PID is no running process. A file
 * of a live process (a concurrent run) is left alone. Failures are ignored: a stale
 * temporary file is hidden and harmless. */
static void remove_stale_temporaries(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    size_t base_len = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (name[0] != '.' || strncmp(name + 1, base, base_len) != 0 || name[1 + base_len] != '.')
            continue;
        char *end;
        long pid = strtol(name + 2 + base_len, &end, 10);
        if (pid <= 0 || strncmp(end, ".tmp-", 5) != 0 || strlen(end) != 11)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char stale[4096];
        if ((size_t)snprintf(stale, sizeof stale, "%s/%s", dir, name) < sizeof stale)
            unlink(stale);
    }
    closedir(d);
}

static ds_status open_output(const char *path, ds_output_group *group, ds_output **out,
                             ds_error *err)
{
    *out = NULL;
    char dir[4096];
    const char *base;
    split_path(path, dir, sizeof dir, &base);
    if (*base == '\0')
        return ds_error_set(err, DS_EUSAGE, "%s: not a file name", path);
    remove_stale_temporaries(dir, base);
    ds_output *output = calloc(1, sizeof *output);
    size_t len = strlen(path), room = strlen(dir) + strlen(base) + 64;
    if (output == NULL || (output->path = malloc(len + 1)) == NULL ||
        (output->temporary = malloc(room)) == NULL) {
        if (output != NULL)
            free_output(output);
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    }
    memcpy(output->path, path, len + 1);
    snprintf(output->temporary, room, "%s/.%s.%ld.tmp-XXXXXX", dir, base, (long)getpid());
    int fd = mkstemp(output->temporary);
    if (fd < 0) {
        ds_status status = ds_error_set(err, DS_EIO, "%s: cannot create a file there: %s",
                                        path, strerror(errno));
        free_output(output);
        return status;
    }
    /* mkstemp makes 0600: give the file the mode a plain fopen would (0666 less the
     * umask, read once: umask(2) can only be read by setting it) */
    static mode_t mode = 0;
    if (mode == 0) {
        mode_t mask = umask(022);
        umask(mask);
        mode = (mode_t)(0666 & ~mask) | 0400;
    }
    fchmod(fd, mode);
    output->stream = fdopen(fd, "w");
    if (output->stream == NULL) {
        ds_status status = ds_error_set(err, DS_EIO, "%s: %s", path, strerror(errno));
        close(fd);
        unlink(output->temporary);
        free_output(output);
        return status;
    }
    if (group != NULL) {
        if (group->count == group->cap) {
            size_t cap = group->cap ? group->cap * 2 : 16;
            ds_output **items = realloc(group->items, cap * sizeof *items);
            if (items == NULL) {
                fclose(output->stream);
                unlink(output->temporary);
                free_output(output);
                return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
            }
            group->items = items;
            group->cap = cap;
        }
        group->items[group->count++] = output;
        output->group = group;
    }
    *out = output;
    return DS_OK;
}

ds_status ds_output_open(const char *path, ds_output **out, ds_error *err)
{
    return open_output(path, NULL, out, err);
}

ds_status ds_output_group_open(ds_output_group *group, const char *path, ds_output **out,
                               ds_error *err)
{
    return open_output(path, group, out, err);
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

/* Flushes, syncs and closes the stream; on failure removes the temporary file. */
static ds_status finish(ds_output *output, ds_error *err)
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
    output->stream = NULL;
    output->closed = true;
    if (!failed)
        return DS_OK;
    unlink(output->temporary);
    return ds_error_set(err, DS_EIO, "%s: cannot write: %s", output->path,
                        saved ? strerror(saved) : "write error");
}

/* Renames a finished output onto its destination; on failure removes it. */
static ds_status publish(ds_output *output, ds_error *err)
{
    if (rename(output->temporary, output->path) == 0)
        return DS_OK;
    int saved = errno;
    unlink(output->temporary);
    return ds_error_set(err, DS_EIO, "%s: cannot write: %s", output->path, strerror(saved));
}

ds_status ds_output_commit(ds_output *output, ds_error *err)
{
    ds_status status = finish(output, err);
    if (output->group != NULL) {
        /* the group renames it (or removes it, on failure) */
        if (status != DS_OK)
            output->temporary[0] = '\0';
        return status;
    }
    if (status == DS_OK)
        status = publish(output, err);
    free_output(output);
    return status;
}

void ds_output_abort(ds_output *output)
{
    if (output == NULL)
        return;
    if (output->stream != NULL)
        fclose(output->stream);
    output->stream = NULL;
    if (output->temporary[0] != '\0')
        unlink(output->temporary);
    if (output->group != NULL) {
        output->temporary[0] = '\0'; /* the group frees it */
        output->closed = true;
        return;
    }
    free_output(output);
}

ds_status ds_output_group_new(ds_output_group **out, ds_error *err)
{
    *out = calloc(1, sizeof **out);
    return *out != NULL ? DS_OK : ds_error_set(err, DS_ENOMEM, "out of memory");
}

ds_status ds_output_group_commit(ds_output_group *group, ds_error *err)
{
    /* every file finished first: the renames then follow one another at once */
    for (size_t i = 0; i < group->count; i++) {
        ds_output *o = group->items[i];
        if (!o->closed && finish(o, err) != DS_OK) {
            o->temporary[0] = '\0';
            ds_output_group_abort(group);
            return DS_EIO;
        }
        if (o->temporary[0] == '\0') {
            ds_status st = ds_error_set(err, DS_EIO, "%s: was abandoned", o->path);
            ds_output_group_abort(group);
            return st;
        }
    }
    ds_status status = DS_OK;
    for (size_t i = 0; i < group->count; i++) {
        ds_output *o = group->items[i];
        if (status == DS_OK)
            status = publish(o, err);
        else
            unlink(o->temporary);
        free_output(o);
    }
    free(group->items);
    free(group);
    return status;
}

void ds_output_group_abort(ds_output_group *group)
{
    if (group == NULL)
        return;
    for (size_t i = 0; i < group->count; i++) {
        ds_output *o = group->items[i];
        if (o->stream != NULL)
            fclose(o->stream);
        if (o->temporary[0] != '\0')
            unlink(o->temporary);
        free_output(o);
    }
    free(group->items);
    free(group);
}

int ds_output_csv_field(FILE *stream, const char *text, char separator)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < len; i++)
        if (text[i] == separator || text[i] == '"' || text[i] == '\n' || text[i] == '\r')
            return csv_fwrite(stream, text, len);
    return fputs(text, stream) < 0 ? EOF : 0;
}

ds_status ds_output_write_in(ds_output_group *group, const char *dir, const char *name,
                             bool (*write)(FILE *stream, const void *data), const void *data,
                             ds_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return ds_error_set(err, DS_EUSAGE, "%s/%s: path too long", dir, name);
    ds_output *output;
    ds_status st = open_output(path, group, &output, err);
    if (st != DS_OK)
        return st;
    if (!write(ds_output_stream(output), data)) {
        ds_output_abort(output);
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    }
    return ds_output_commit(output, err);
}

ds_status ds_output_write(const char *dir, const char *name,
                          bool (*write)(FILE *stream, const void *data), const void *data,
                          ds_error *err)
{
    return ds_output_write_in(NULL, dir, name, write, data, err);
}
