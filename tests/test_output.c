/* Tests of atomic output files (engine/output.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagsante/output.h"
#include "helpers.h"




static size_t files_in_dir(void)
{
    DIR *d = opendir(test_dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void read_file(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static bool write_x(FILE *f, const void *data)
{
    (void)data;
    return fputs("x\n", f) >= 0;
}

static void test_commit_replaces_and_abort_keeps(void **state)
{
    (void)state;
    char path[128], text[256];
    snprintf(path, sizeof path, "%s/table.csv", test_dir);
    ds_output *out;
    ds_error err;
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    fputs("a,b\n1,2\n", ds_output_stream(out));
    assert_int_equal(access(path, F_OK), -1); /* nothing at the destination before commit */
    assert_int_equal(ds_output_commit(out, &err), DS_OK);
    read_file(path, text, sizeof text);
    assert_string_equal(text, "a,b\n1,2\n");
    /* A second run that fails: the first file stays whole, no temporary remains. */
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    fputs("partial", ds_output_stream(out));
    ds_output_abort(out);
    read_file(path, text, sizeof text);
    assert_string_equal(text, "a,b\n1,2\n");
    assert_int_equal(files_in_dir(), 1);
}

static void test_open_in_missing_folder(void **state)
{
    (void)state;
    ds_output *out = (ds_output *)1;
    ds_error err;
    assert_int_equal(ds_output_open("/nonexistent/dir/x.csv", &out, &err), DS_EIO);
    assert_null(out);
    assert_non_null(strstr(err.message, "/nonexistent/dir/x.csv"));
}

static void test_csv_field_quoting(void **state)
{
    (void)state;
    char path[128], text[256];
    snprintf(path, sizeof path, "%s/fields.csv", test_dir);
    ds_output *out;
    ds_error err;
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    FILE *f = ds_output_stream(out);
    const char *fields[] = {"Toulouse", "Cap d'Astarac", "Pamiers, centre", "le \"vieux\"", "a\nb"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(ds_output_csv_field(f, fields[i], ','), 0);
        fputc(i < 4 ? ',' : '\n', f);
    }
    assert_int_equal(ds_output_commit(out, &err), DS_OK);
    read_file(path, text, sizeof text);
    /* RFC 4180: quoted only when needed, inner quotes doubled. */
    assert_string_equal(text, "Toulouse,Cap d'Astarac,\"Pamiers, centre\",\"le \"\"vieux\"\"\",\"a\nb\"\n");
}

/* A committed file has the mode fopen would give it: 0666 less the umask (mkstemp's
 * 0600 before). Three umasks, the expected modes worked out by hand. */
static void test_commit_mode_follows_umask(void **state)
{
    (void)state;
    static const struct { mode_t mask, mode; } cases[] = {
        {022, 0644}, {027, 0640}, {002, 0664}};
    mode_t saved = umask(022);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        umask(cases[i].mask);
        char path[128];
        snprintf(path, sizeof path, "%s/mode_%zu.csv", test_dir, i);
        ds_output *out;
        ds_error err;
        assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
        fputs("x\n", ds_output_stream(out));
        assert_int_equal(ds_output_commit(out, &err), DS_OK);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, cases[i].mode);
    }
    umask(saved);
}

/* ds_output_write: the file another library writes by name at the temporary path is
 * what the commit publishes (with its mode). */
static void test_temporary_path_written_by_name(void **state)
{
    (void)state;
    char path[128], text[64];
    snprintf(path, sizeof path, "%s/by_name.bin", test_dir);
    ds_output *out;
    ds_error err;
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    FILE *f = fopen(ds_output_temporary_path(out), "wb");
    assert_non_null(f);
    fputs("written by name", f);
    fclose(f);
    assert_int_equal(ds_output_commit(out, &err), DS_OK);
    read_file(path, text, sizeof text);
    assert_string_equal(text, "written by name");
}

/* Entries of the test folder whose name starts with prefix (hidden ones included). */
static size_t entries_starting(const char *prefix)
{
    DIR *d = opendir(test_dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The temporary file is hidden and names the process: .NAME.PID.tmp-XXXXXX. */
static void test_temporary_name(void **state)
{
    (void)state;
    char path[512], prefix[64];
    snprintf(path, sizeof path, "%s/named.csv", test_dir);
    snprintf(prefix, sizeof prefix, ".named.csv.%ld.tmp-", (long)getpid());
    ds_output *out;
    ds_error err;
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    assert_int_equal(entries_starting(prefix), 1);
    assert_int_equal(entries_starting("named.csv"), 0);
    ds_output_abort(out);
    assert_int_equal(entries_starting(prefix), 0);
}

/* A group renames its files only when committed, and an abort changes nothing. */
static void test_group_commit_and_abort(void **state)
{
    (void)state;
    char a[512], b[512], text[64];
    snprintf(a, sizeof a, "%s/ga.csv", test_dir);
    snprintf(b, sizeof b, "%s/gb.csv", test_dir);
    write_text(a, "old a\n");
    ds_output_group *g;
    ds_output *oa, *ob;
    ds_error err;
    assert_int_equal(ds_output_group_new(&g, &err), DS_OK);
    assert_int_equal(ds_output_group_open(g, a, &oa, &err), DS_OK);
    assert_int_equal(ds_output_group_open(g, b, &ob, &err), DS_OK);
    fputs("new a\n", ds_output_stream(oa));
    fputs("new b\n", ds_output_stream(ob));
    assert_int_equal(ds_output_commit(oa, &err), DS_OK); /* finished, not renamed */
    read_file(a, text, sizeof text);
    assert_string_equal(text, "old a\n");
    assert_int_equal(access(b, F_OK), -1);
    assert_int_equal(ds_output_group_commit(g, &err), DS_OK); /* ob finished here */
    read_file(a, text, sizeof text);
    assert_string_equal(text, "new a\n");
    read_file(b, text, sizeof text);
    assert_string_equal(text, "new b\n");
    assert_int_equal(entries_starting(".ga.csv."), 0);
    assert_int_equal(entries_starting(".gb.csv."), 0);

    /* an abort after some files were finished: the destinations stay as they were */
    assert_int_equal(ds_output_group_new(&g, &err), DS_OK);
    assert_int_equal(ds_output_group_open(g, a, &oa, &err), DS_OK);
    fputs("newer a\n", ds_output_stream(oa));
    assert_int_equal(ds_output_commit(oa, &err), DS_OK);
    assert_int_equal(ds_output_write_in(g, test_dir, "gc.csv", write_x,
                                        NULL, &err), DS_OK);
    ds_output_group_abort(g);
    read_file(a, text, sizeof text);
    assert_string_equal(text, "new a\n");
    assert_int_equal(access(b, F_OK), 0);
    assert_int_equal(entries_starting("gc.csv"), 0);
    assert_int_equal(entries_starting(".g"), 0);
}

/* Temporary files left by a killed run (their process is gone) are removed by the next
 * output of the same name; those of a live process are not. */
static void test_stale_temporaries_removed(void **state)
{
    (void)state;
    char path[512], stale[512], live[512];
    snprintf(path, sizeof path, "%s/s.csv", test_dir);
    /* 999999999 is above any pid_max (2^22 on Linux): no such process */
    snprintf(stale, sizeof stale, "%s/.s.csv.999999999.tmp-AbCdEf", test_dir);
    snprintf(live, sizeof live, "%s/.s.csv.%ld.tmp-GhIjKl", test_dir, (long)getppid());
    write_text(stale, "partial");
    write_text(live, "partial");
    ds_output *out;
    ds_error err;
    assert_int_equal(ds_output_open(path, &out, &err), DS_OK);
    fputs("x\n", ds_output_stream(out));
    assert_int_equal(ds_output_commit(out, &err), DS_OK);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    unlink(live);
}

/* Makes test_dir/NAME/PATH's folders as the writers do (mkdir -p). */
static void make_folder(const char *path)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", test_dir, path);
    for (char *p = buf + strlen(test_dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        mkdir(buf, 0777);
        *p = '/';
    }
    mkdir(buf, 0777);
}

/* A group of two files, ex/NAME and ex/tables/t.csv, committed. */
static void commit_two(const char *name, const char *text)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/ex/%s", test_dir, name);
    snprintf(b, sizeof b, "%s/ex/tables/t.csv", test_dir);
    ds_output_group *g;
    ds_output *oa, *ob;
    ds_error err;
    assert_int_equal(ds_output_group_new(&g, &err), DS_OK);
    assert_int_equal(ds_output_group_open(g, a, &oa, &err), DS_OK);
    assert_int_equal(ds_output_group_open(g, b, &ob, &err), DS_OK);
    fputs(text, ds_output_stream(oa));
    fputs(text, ds_output_stream(ob));
    assert_int_equal(ds_output_group_commit(g, &err), DS_OK);
}

static ino_t inode_of(const char *relative)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", test_dir, relative);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_ino;
}

static void read_in(const char *relative, char *buf, size_t size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", test_dir, relative);
    read_file(path, buf, size);
}

/* A group is published by exchanging its folder for a copy holding the new files: the
 * folder's other files (same inodes), sub-folders, symbolic links and mode are kept, a
 * reader of an old file keeps reading it whole, and nothing is left beside the folder. */
static void test_group_exchange_keeps_other_files(void **state)
{
    (void)state;
    char path[512], text[64];
    make_folder("ex/sub");
    make_folder("ex/tables");
    snprintf(path, sizeof path, "%s/ex/other.txt", test_dir);
    write_text(path, "mine\n");
    snprintf(path, sizeof path, "%s/ex/sub/keep.txt", test_dir);
    write_text(path, "kept\n");
    snprintf(path, sizeof path, "%s/ex/link", test_dir);
    assert_int_equal(symlink("other.txt", path), 0);
    snprintf(path, sizeof path, "%s/ex", test_dir);
    assert_int_equal(chmod(path, 0750), 0);
    commit_two("out.csv", "old\n");
    ino_t folder = inode_of("ex"), other = inode_of("ex/other.txt");
    snprintf(path, sizeof path, "%s/ex/out.csv", test_dir);
    FILE *reader = fopen(path, "r");
    assert_non_null(reader);

    commit_two("out.csv", "new\n");
    assert_true(inode_of("ex") != folder); /* exchanged, not renamed file by file */
    read_in("ex/out.csv", text, sizeof text);
    assert_string_equal(text, "new\n");
    read_in("ex/tables/t.csv", text, sizeof text);
    assert_string_equal(text, "new\n");
    assert_true(inode_of("ex/other.txt") == other);
    read_in("ex/other.txt", text, sizeof text);
    assert_string_equal(text, "mine\n");
    read_in("ex/sub/keep.txt", text, sizeof text);
    assert_string_equal(text, "kept\n");
    char target[64];
    snprintf(path, sizeof path, "%s/ex/link", test_dir);
    ssize_t n = readlink(path, target, sizeof target - 1);
    assert_int_equal(n, 9);
    target[n] = '\0';
    assert_string_equal(target, "other.txt");
    struct stat st;
    snprintf(path, sizeof path, "%s/ex", test_dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0750);
    assert_non_null(fgets(text, sizeof text, reader));
    assert_string_equal(text, "old\n");
    fclose(reader);
    assert_int_equal(entries_starting(".ex."), 0);
    assert_int_equal(entries_starting("ex"), 1);
}

/* When the folder is the current one (an exchange would strand the process in the old
 * folder), the files are renamed one by one: published all the same. */
static void test_group_in_current_folder(void **state)
{
    (void)state;
    char cwd[512], path[512], text[64];
    make_folder("ex/tables");
    assert_non_null(getcwd(cwd, sizeof cwd));
    ino_t folder = inode_of("ex");
    snprintf(path, sizeof path, "%s/ex/tables", test_dir);
    assert_int_equal(chdir(path), 0);
    commit_two("here.csv", "here\n");
    assert_int_equal(chdir(cwd), 0);
    assert_true(inode_of("ex") == folder);
    read_in("ex/here.csv", text, sizeof text);
    assert_string_equal(text, "here\n");
    read_in("ex/tables/t.csv", text, sizeof text);
    assert_string_equal(text, "here\n");
    assert_int_equal(entries_starting(".ex."), 0);
}

/* A swap folder left beside the folder by a killed run is removed by the next commit;
 * one of a live process is not. */
static void test_stale_swap_removed(void **state)
{
    (void)state;
    char stale[256], live[256], path[512];
    make_folder("ex/tables");
    snprintf(stale, sizeof stale, "%s/.ex.999999999.swap-AbCdEf", test_dir);
    snprintf(live, sizeof live, "%s/.ex.%ld.swap-GhIjKl", test_dir, (long)getppid());
    assert_int_equal(mkdir(stale, 0700), 0);
    assert_int_equal(mkdir(live, 0700), 0);
    snprintf(path, sizeof path, "%s/old.csv", stale);
    write_text(path, "old\n");
    commit_two("s.csv", "s\n");
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(live, F_OK), 0);
    rmdir(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_replaces_and_abort_keeps),
        cmocka_unit_test(test_open_in_missing_folder),
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_commit_mode_follows_umask),
        cmocka_unit_test(test_temporary_path_written_by_name),
        cmocka_unit_test(test_temporary_name),
        cmocka_unit_test(test_group_commit_and_abort),
        cmocka_unit_test(test_stale_temporaries_removed),
        cmocka_unit_test(test_group_exchange_keeps_other_files),
        cmocka_unit_test(test_group_in_current_folder),
        cmocka_unit_test(test_stale_swap_removed),
    };
    return cmocka_run_group_tests_name("output", tests, test_dir_create, test_dir_remove);
}
