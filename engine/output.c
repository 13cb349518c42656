/* diagsante — output files written atomically (see include/diagsante/output.h). */
#define _GNU_SOURCE /* renameat2 (RENAME_EXCHANGE), nftw */
#include "diagsante/output.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

struct ds_output {
    FILE *stream;
    char *path;      /* destination */
    char *temporary; /* DIR/.NAME.PID.tmp-XXXXXX, same folder: rename(2) stays atomic */
    char *resolved;  /* the destination with its folder's real path (group commit) */
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
    free(output->resolved);
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

/* The process named by one of our hidden files, .BASE.PID<tag>XXXXXX (tag ".tmp-" for a
 * temporary file, ".swap-" for a swap folder; base NULL: any), or 0 when name is not
 * one. */
static long hidden_pid(const char *name, const char *base, const char *tag)
{
    size_t len = strlen(name), tag_len = strlen(tag);
    if (name[0] != '.' || len < tag_len + 9 || strncmp(name + len - 6 - tag_len, tag, tag_len) != 0)
        return 0;
    size_t digits_end = len - 6 - tag_len, start = digits_end;
    while (start > 0 && name[start - 1] >= '0' && name[start - 1] <= '9')
        start--;
    if (start == digits_end || start < 2 || name[start - 1] != '.' || digits_end - start > 10)
        return 0;
    if (base != NULL && (start - 2 != strlen(base) || strncmp(name + 1, base, start - 2) != 0))
        return 0;
    return strtol(name + start, NULL, 10);
}

/* True when process pid is known not to exist (kill(2) answers ESRCH). */
static bool process_gone(long pid)
{
    return pid > 0 && pid <= INT32_MAX && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* nftw callback removing one entry of a tree (children first). */
static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Removes the file or tree at path, without following symbolic links; failures are
 * ignored (what remains is hidden and removed by a later run). */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Removes what runs that no longer exist left in dir for base: their temporary files
 * (tag ".tmp-", killed before their rename) or swap folders (".swap-", killed while
 * publishing a group). Those of a live process (a concurrent run) are left alone.
 * Failures are ignored: what stays is hidden and harmless. */
static void remove_stale(const char *dir, const char *base, const char *tag)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!process_gone(hidden_pid(e->d_name, base, tag)))
            continue;
        char stale[PATH_MAX + 256];
        if ((size_t)snprintf(stale, sizeof stale, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir,
                             e->d_name) < sizeof stale)
            remove_tree(stale);
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
    remove_stale(dir, base, ".tmp-");
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

/* --- a group published in one step: the exchange of two folders ---------------------------
 *
 * The group's files lie under one folder, ROOT (the deepest folder holding all of them).
 * A sibling folder, PARENT/.NAME.PID.swap-XXXXXX, is filled with hard links to everything
 * ROOT holds (the files of other programs and runs keep their content and inode) and to
 * the group's new files under their final names; renameat2(RENAME_EXCHANGE) then swaps
 * the two folders in one step, and the old one is removed. A kill before the swap leaves
 * ROOT as it was, after it the complete new set: a reader never sees a mix. What a
 * killed run leaves in PARENT is hidden and removed by the next group commit there. */

enum { MIRROR_LIMIT = 200000 }; /* entries: a larger ROOT is published file by file */

/* Fills the folder dst (a file descriptor, empty) with what the folder src holds:
 * sub-folders recreated with their mode and group, files hard-linked, symbolic links
 * copied; the temporary files of this process and of dead ones left out. False when
 * an entry cannot be carried over exactly (another device, another owner, a special
 * file, a link refused, more than MIRROR_LIMIT entries): the caller falls back. */
static bool mirror_folder(int src, int dst, dev_t device, size_t *entries)
{
    int src_copy = dup(src);
    DIR *d = src_copy >= 0 ? fdopendir(src_copy) : NULL;
    if (d == NULL) {
        if (src_copy >= 0)
            close(src_copy);
        return false;
    }
    bool ok = true;
    struct dirent *e;
    while (ok && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        long pid = hidden_pid(name, NULL, ".tmp-");
        if (pid == (long)getpid() || process_gone(pid))
            continue;
        struct stat st;
        if (++*entries > MIRROR_LIMIT || fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            st.st_dev != device) {
            ok = false;
        } else if (S_ISREG(st.st_mode)) {
            ok = linkat(src, name, dst, name, 0) == 0;
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlinkat(src, name, target, sizeof target - 1);
            ok = n >= 0;
            if (ok) {
                target[n] = '\0';
                ok = symlinkat(target, dst, name) == 0;
            }
        } else if (S_ISDIR(st.st_mode) && st.st_uid == geteuid()) {
            ok = mkdirat(dst, name, 0700) == 0;
            int from = ok ? openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) : -1;
            int to = ok ? openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) : -1;
            ok = from >= 0 && to >= 0 && mirror_folder(from, to, device, entries) &&
                 fchmod(to, st.st_mode & 07777) == 0 && fchown(to, (uid_t)-1, st.st_gid) == 0;
            if (from >= 0)
                close(from);
            if (to >= 0)
                close(to);
        } else {
            ok = false;
        }
    }
    closedir(d);
    return ok;
}

/* Sets each output's resolved path (its folder's real path, then its name) and root to
 * the deepest folder holding them all. False when a folder cannot be resolved. */
static bool resolve_destinations(ds_output_group *group, char *root)
{
    root[0] = '\0';
    char dir[PATH_MAX], previous[PATH_MAX] = "", real[PATH_MAX] = "";
    for (size_t i = 0; i < group->count; i++) {
        ds_output *o = group->items[i];
        const char *base;
        split_path(o->path, dir, sizeof dir, &base);
        if (strcmp(dir, previous) != 0) {
            if (realpath(dir, real) == NULL)
                return false;
            snprintf(previous, sizeof previous, "%s", dir);
        }
        size_t size = strlen(real) + strlen(base) + 2;
        if ((o->resolved = malloc(size)) == NULL)
            return false;
        snprintf(o->resolved, size, "%s/%s", strcmp(real, "/") == 0 ? "" : real, base);
        if (i == 0) {
            snprintf(root, PATH_MAX, "%s", real);
            continue;
        }
        /* root becomes the longest common prefix of root and real, on whole components */
        size_t n = 0;
        while (root[n] != '\0' && root[n] == real[n])
            n++;
        if (root[n] == '\0' && (real[n] == '\0' || real[n] == '/'))
            continue;
        if (real[n] == '\0' && root[n] == '/') {
            root[n] = '\0';
            continue;
        }
        while (n > 0 && root[n] != '/')
            n--;
        root[n > 0 ? n : 1] = '\0';
    }
    return true;
}

/* Publishes the group's finished files by the exchange described above. False (with
 * nothing changed, the temporary files still in place) when it cannot be used: a
 * single file, the root folder, the current folder or one holding it, a mount point,
 * a folder of another owner, a parent folder not writable, a file system without
 * RENAME_EXCHANGE, or any entry mirror_folder cannot carry over. */
static bool publish_by_exchange(ds_output_group *group)
{
    char root[PATH_MAX], cwd[PATH_MAX], staging[PATH_MAX + 64];
    if (group->count < 2 || !resolve_destinations(group, root) || strcmp(root, "/") == 0)
        return false;
    size_t root_len = strlen(root);
    if (getcwd(cwd, sizeof cwd) == NULL ||
        (strncmp(cwd, root, root_len) == 0 && (cwd[root_len] == '\0' || cwd[root_len] == '/')))
        return false;
    char *slash = strrchr(root, '/');
    const char *name = slash + 1;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%.*s", slash == root ? 1 : (int)(slash - root), root);
    struct stat root_st, parent_st;
    if (stat(root, &root_st) != 0 || !S_ISDIR(root_st.st_mode) ||
        root_st.st_uid != geteuid() || stat(parent, &parent_st) != 0 ||
        parent_st.st_dev != root_st.st_dev)
        return false;
    remove_stale(parent, name, ".swap-");
    snprintf(staging, sizeof staging, "%s/.%s.%ld.swap-XXXXXX", strcmp(parent, "/") == 0 ? "" : parent,
             name, (long)getpid());
    if (mkdtemp(staging) == NULL)
        return false;
    int src = open(root, O_RDONLY | O_DIRECTORY);
    int dst = open(staging, O_RDONLY | O_DIRECTORY);
    size_t entries = 0;
    bool ok = src >= 0 && dst >= 0 && mirror_folder(src, dst, root_st.st_dev, &entries) &&
              fchmod(dst, root_st.st_mode & 07777) == 0 &&
              fchown(dst, (uid_t)-1, root_st.st_gid) == 0;
    /* the new files under their final names, replacing the links to the old ones */
    for (size_t i = 0; ok && i < group->count; i++) {
        const char *relative = group->items[i]->resolved + root_len + 1;
        if (unlinkat(dst, relative, 0) != 0 && errno != ENOENT)
            ok = false;
        else
            ok = linkat(AT_FDCWD, group->items[i]->temporary, dst, relative, 0) == 0;
    }
    ok = ok && fsync(dst) == 0 && renameat2(AT_FDCWD, staging, AT_FDCWD, root, RENAME_EXCHANGE) == 0;
    if (src >= 0)
        close(src);
    if (dst >= 0)
        close(dst);
    if (ok) {
        /* the swap is on disk once the parent folder is */
        int p = open(parent, O_RDONLY | O_DIRECTORY);
        if (p >= 0) {
            fsync(p);
            close(p);
        }
    }
    /* after the swap, staging holds the old folder (and the temporary files) */
    remove_tree(staging);
    return ok;
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
    bool exchanged = publish_by_exchange(group);
    for (size_t i = 0; i < group->count; i++) {
        ds_output *o = group->items[i];
        /* otherwise one rename after another: each file whole, the set mixed meanwhile */
        if (!exchanged && status == DS_OK)
            status = publish(o, err);
        else if (!exchanged)
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
