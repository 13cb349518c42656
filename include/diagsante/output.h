/* diagsante — output files written atomically.
 *
 * ds_output_open creates a temporary file next to the destination; the caller writes
 * to its FILE; ds_output_commit flushes it to disk and renames it over the destination
 * in one step, so that a reader (or a run killed at any moment) sees either the
 * previous file or the complete new one, never a partial file. ds_output_abort (or a
 * failed commit) removes the temporary file and leaves the destination untouched.
 * The committed file has mode 0666 modified by the process's umask (as fopen gives),
 * not mkstemp's 0600.
 *
 * Temporary files are hidden and name their process: DIR/.NAME.PID.tmp-XXXXXX. A run
 * killed before its rename leaves one behind; the next output to the same NAME removes
 * those whose PID is no longer running (never those of a live concurrent run).
 *
 * Groups: the files of one result (a portrait's tables, JSON and HTML; a batch's
 * tables) are opened in a ds_output_group. Committing one of them only finishes it
 * (flushed, synced, closed); ds_output_group_commit publishes them all at the end, in
 * one step: the deepest folder holding them is exchanged (renameat2 RENAME_EXCHANGE)
 * with a hidden copy of it beside it (.NAME.PID.swap-XXXXXX: sub-folders recreated,
 * other files hard-linked) that holds the new files. A run that fails before (or is
 * killed at any moment) leaves the previous set or the complete new one, never a mix;
 * ds_output_group_abort removes them all. Where the exchange cannot be used (that
 * folder is the current folder or holds it, is a mount point, belongs to another user,
 * sits in a folder we cannot write, lies on a file system without RENAME_EXCHANGE, or
 * holds what a hard link cannot carry), the files are renamed one after the other. */
#ifndef DIAGSANTE_OUTPUT_H
#define DIAGSANTE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "diagsante/error.h"

typedef struct ds_output ds_output;

/* Opens a temporary file in path's folder. DS_EIO (with the reason) when it cannot. */
ds_status ds_output_open(const char *path, ds_output **out, ds_error *err);

/* The stream to write to (owned by the output). */
FILE *ds_output_stream(ds_output *output);

/* The temporary file's path (owned by output), for a library that writes to a file
 * name rather than a stream (libxlsxwriter): it may open that file, truncate it and
 * write it (not unlink or rename it); write nothing to the stream then, and commit or
 * abort as usual. */
const char *ds_output_temporary_path(const ds_output *output);

/* Flushes, syncs, sets the mode, closes and renames onto the destination, then frees
 * output (also on failure, after removing the temporary file). DS_EIO names the path and the reason,
 * including a write error that happened earlier on the stream. */
ds_status ds_output_commit(ds_output *output, ds_error *err);

/* Writes one CSV field: as is, or quoted by libcsv when it holds the separator, a
 * quote or a line break. Returns 0, or EOF on a write error (also kept by ferror). */
int ds_output_csv_field(FILE *stream, const char *text, char separator);

/* Writes dir/name atomically: opens it, calls write(stream, data), commits. When write
 * returns false (out of memory) the file is abandoned and DS_ENOMEM returned. */
ds_status ds_output_write(const char *dir, const char *name,
                          bool (*write)(FILE *stream, const void *data), const void *data,
                          ds_error *err);

/* Closes and removes the temporary file, frees output (in a group: the group frees it,
 * and the group can then only be aborted). Accepts NULL. */
void ds_output_abort(ds_output *output);

typedef struct ds_output_group ds_output_group;

/* An empty group. DS_ENOMEM. */
ds_status ds_output_group_new(ds_output_group **out, ds_error *err);

/* ds_output_open for a file of the group: the output belongs to the group, and
 * ds_output_commit on it finishes the file without renaming it. */
ds_status ds_output_group_open(ds_output_group *group, const char *path, ds_output **out,
                               ds_error *err);

/* Finishes the files not committed yet, then publishes them all at once (the folder
 * exchange above, else one rename after another, in the order they were opened); frees
 * the group. When a file cannot be finished (or was abandoned) nothing is published and
 * every temporary file is removed; DS_EIO. */
ds_status ds_output_group_commit(ds_output_group *group, ds_error *err);

/* Removes every temporary file of the group and frees it. Accepts NULL. */
void ds_output_group_abort(ds_output_group *group);

/* ds_output_write for a file of group (NULL: written and renamed at once). */
ds_status ds_output_write_in(ds_output_group *group, const char *dir, const char *name,
                             bool (*write)(FILE *stream, const void *data), const void *data,
                             ds_error *err);

#endif
