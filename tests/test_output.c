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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_replaces_and_abort_keeps),
        cmocka_unit_test(test_open_in_missing_folder),
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_commit_mode_follows_umask),
        cmocka_unit_test(test_temporary_path_written_by_name),
    };
    return cmocka_run_group_tests_name("output", tests, test_dir_create, test_dir_remove);
}
