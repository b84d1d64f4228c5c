/* test_results_folder.c - a results folder appears complete or not at all: written under a
 * temporary name beside its place, then renamed; an earlier results folder is replaced only by a
 * complete one; anything else at the place is left alone; a failed write leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness/report/results_folder.h"
#include "harness/report/results_writer.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

#define PATH_BYTES 512

static const char SCENARIO[] = "name: t\n"
                               "duration: 2s\n"
                               "apis:\n"
                               "  a: {model: burst_intolerant, limit: 10/s}\n"
                               "pods:\n"
                               "  g: {count: 2, traffic: [{api: a, workload: {kind: poisson, "
                               "rate: 5/s}}]}\n";

typedef struct fixture {
    char root[128]; /* a fresh folder for each test */
    char final[192];
    scenario *s;
    metrics *m;
    run_info info;
} fixture;

static bool exists(const char *path) {
    struct stat info;
    return lstat(path, &info) == 0;
}

static void write_text(const char *dir, const char *name, const char *text) {
    char path[PATH_BYTES];
    int used = snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(used > 0 && (size_t)used < sizeof path); /* never a truncated path */
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

/* Whether the folder holds anything whose name starts with prefix (a leftover). */
static bool has_entry_starting(const char *dir, const char *prefix) {
    char command[PATH_BYTES * 2];
    snprintf(command, sizeof command, "ls -a '%s' | grep -q '^%s'", dir, prefix);
    return system(command) == 0;
}

/* Whether the file at path holds exactly text. */
static bool holds_text(const char *path, const char *text) {
    char buffer[64] = {0};
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        return false;
    }
    size_t length = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    return length == strlen(text) && memcmp(buffer, text, length) == 0;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/ratelab-results-folder-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->final, sizeof f->final, "%s/runs/t-seed1", f->root);
    f->s = calloc(1, sizeof *f->s);
    f->m = calloc(1, sizeof *f->m);
    assert_true(f->s != NULL && f->m != NULL);
    rl_error err;
    rl_error_clear(&err);
    assert_int_equal(scenario_load_text(SCENARIO, strlen(SCENARIO), "t.yaml", NULL, 0, f->s, &err),
                     RL_OK);
    sim_run_stats stats;
    assert_int_equal(sim_run(f->s, f->m, &stats, NULL, NULL, &err), RL_OK);
    f->info = (run_info){.world = "simulation", .events_run = stats.events_run};
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char command[PATH_BYTES + 16];
    snprintf(command, sizeof command, "rm -rf '%s'", f->root);
    assert_int_equal(system(command), 0);
    metrics_destroy(f->m);
    free(f->m);
    free(f->s);
    free(f);
    return 0;
}

/* ---- exact cases ---- */

static void begin_commit_abort(void **state) {
    fixture *f = *state;
    char tmp[PATH_BYTES];
    rl_error err;
    assert_int_equal(results_folder_begin(f->final, tmp, sizeof tmp, &err), RL_OK);
    char expected[PATH_BYTES];
    snprintf(expected, sizeof expected, "%s.tmp-%ld-", f->final, (long)getpid());
    /* beside its place (the rename stays on one disk), with a name no other process holds */
    assert_int_equal(strncmp(tmp, expected, strlen(expected)), 0);
    /* A leftover of an earlier process with the same pid is not reused, nor removed. */
    char second[PATH_BYTES];
    assert_int_equal(results_folder_begin(f->final, second, sizeof second, &err), RL_OK);
    assert_string_not_equal(tmp, second);
    assert_true(exists(tmp));
    results_folder_abort(second);
    assert_true(exists(tmp));
    assert_false(exists(f->final));
    write_text(tmp, "summary.json", "{}\n");
    assert_int_equal(results_folder_commit(tmp, f->final, &err), RL_OK);
    assert_false(exists(tmp));
    char summary[PATH_BYTES];
    snprintf(summary, sizeof summary, "%s/summary.json", f->final);
    assert_true(exists(summary));
    /* Abort removes a temporary folder with what is in it, plots/ included. */
    assert_int_equal(results_folder_begin(f->final, tmp, sizeof tmp, &err), RL_OK);
    char plots[PATH_BYTES + 8];
    snprintf(plots, sizeof plots, "%s/plots", tmp);
    assert_int_equal(mkdir(plots, 0777), 0);
    write_text(plots, "a.png", "x");
    results_folder_abort(tmp);
    assert_false(exists(tmp));
    assert_true(exists(summary)); /* the committed folder is untouched */
}

static void commit_replaces_only_a_results_folder(void **state) {
    fixture *f = *state;
    rl_error err;
    char parent[PATH_BYTES];
    snprintf(parent, sizeof parent, "%s/runs", f->root);
    assert_int_equal(mkdir(parent, 0777), 0);
    /* Something at the place that is not a results folder: refused and left as it was. */
    assert_int_equal(mkdir(f->final, 0777), 0);
    write_text(f->final, "notes.txt", "mine\n");
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_ERR_IO);
    assert_non_null(strstr(err.message, "exists and is not a ratelab results folder (no "
                                        ".ratelab-results marker); not replacing it"));
    char notes[PATH_BYTES];
    snprintf(notes, sizeof notes, "%s/notes.txt", f->final);
    assert_true(exists(notes));
    assert_false(has_entry_starting(parent, "t-seed1.tmp-"));
    /* A folder that merely holds a summary.json is not one ratelab wrote: refused, untouched. */
    write_text(f->final, "summary.json", "{\"old\": true}\n");
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_ERR_IO);
    assert_non_null(strstr(err.message, "not a ratelab results folder (no .ratelab-results"));
    assert_true(exists(notes));
    assert_false(has_entry_starting(parent, "t-seed1.tmp-"));
    /* An earlier results folder ratelab wrote is replaced whole: its old files are gone. */
    char command[PATH_BYTES * 2];
    snprintf(command, sizeof command, "rm -rf '%s'", f->final);
    assert_int_equal(system(command), 0);
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_OK);
    char marker[PATH_BYTES];
    snprintf(marker, sizeof marker, "%s/.ratelab-results", f->final);
    assert_true(exists(marker));
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_OK);
    assert_false(has_entry_starting(parent, "t-seed1.tmp-"));
    assert_false(has_entry_starting(parent, "t-seed1.old-"));
}

/* The data loss of issue 22: a results folder someone added to is not replaced, and nothing in
 * it is deleted, at any depth. */
static void commit_never_deletes_what_ratelab_did_not_write(void **state) {
    fixture *f = *state;
    rl_error err;
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_OK);
    char deep[PATH_BYTES];
    snprintf(deep, sizeof deep, "%s/src/a/b", f->final);
    char command[PATH_BYTES * 2];
    snprintf(command, sizeof command, "mkdir -p '%s'", deep);
    assert_int_equal(system(command), 0);
    write_text(deep, "main.c", "int main(void) { return 0; }\n");
    bool replaces = true;
    assert_int_equal(results_folder_place_check(f->final, &replaces, &err), RL_ERR_INVALID);
    assert_false(replaces);
    assert_non_null(strstr(err.message, "holds src/, which ratelab did not write"));
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_ERR_IO);
    char path[PATH_BYTES + 16];
    snprintf(path, sizeof path, "%s/main.c", deep);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/summary.json", f->final);
    assert_true(exists(path)); /* the earlier run is untouched too */
    snprintf(path, sizeof path, "%s/runs", f->root);
    assert_false(has_entry_starting(path, "t-seed1.tmp-"));
    assert_false(has_entry_starting(path, "t-seed1.old-"));
    /* A file ratelab lists but someone replaced by a folder is not ratelab's either. */
    snprintf(command, sizeof command, "rm -rf '%s/src' '%s/timeseries.csv' && mkdir '%s/timeseries.csv'",
             f->final, f->final, f->final);
    assert_int_equal(system(command), 0);
    assert_int_equal(results_folder_place_check(f->final, &replaces, &err), RL_ERR_INVALID);
    /* A marker that is not ratelab's (no header), or a link to a results folder: refused. */
    snprintf(command, sizeof command, "rmdir '%s/timeseries.csv' && touch '%s/timeseries.csv'",
             f->final, f->final);
    assert_int_equal(system(command), 0);
    assert_int_equal(results_folder_place_check(f->final, &replaces, &err), RL_OK);
    assert_true(replaces);
    char link[PATH_BYTES];
    snprintf(link, sizeof link, "%s/runs/link", f->root);
    assert_int_equal(symlink(f->final, link), 0);
    assert_int_equal(results_folder_place_check(link, &replaces, &err), RL_ERR_INVALID);
    write_text(f->final, ".ratelab-results", "summary.json\n");
    assert_int_equal(results_folder_place_check(f->final, &replaces, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "is not one ratelab wrote"));
}

/* --out as given: a trailing slash names the folder itself; "", "/", "." and ".." are refused. */
static void place_parse_cases(void **state) {
    (void)state;
    char out[64];
    rl_error err;
    assert_int_equal(results_folder_place_parse("a/b//", out, sizeof out, &err), RL_OK);
    assert_string_equal(out, "a/b");
    assert_int_equal(results_folder_place_parse("/x/", out, sizeof out, &err), RL_OK);
    assert_string_equal(out, "/x");
    const char *refused[] = {"", "/", "//", ".", "./", "a/..", "../", "a/."};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(results_folder_place_parse(refused[i], out, sizeof out, &err),
                         RL_ERR_INVALID);
    }
    char longer[80];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(results_folder_place_parse(longer, out, sizeof out, &err), RL_ERR_INVALID);
}

/* A trailing slash: a new folder is written at the name (not inside it), and an earlier one is
 * replaced (was "exists" and an empty folder left; then "Invalid argument"). */
static void trailing_slash_names_the_folder(void **state) {
    fixture *f = *state;
    rl_error err;
    char with_slash[PATH_BYTES];
    snprintf(with_slash, sizeof with_slash, "%s/", f->final);
    assert_int_equal(results_write_folder(with_slash, f->s, f->m, &f->info, &err), RL_OK);
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/summary.json", f->final);
    assert_true(exists(path));
    assert_int_equal(results_write_folder(with_slash, f->s, f->m, &f->info, &err), RL_OK);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/runs", f->root);
    assert_false(has_entry_starting(path, "t-seed1."));
}

/* What a fill function sees: the files are in the temporary folder, the place still holds the
 * earlier run. */
typedef struct fill_probe {
    const fixture *f;
    bool saw_files_in_tmp;
    bool saw_old_in_place;
    int fail_with; /* 0, or an error to return (abandoning the folder) */
} fill_probe;

static int probe_fill(const char *tmp_dir, void *context, rl_error *err) {
    fill_probe *p = context;
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/timeseries.csv", tmp_dir);
    p->saw_files_in_tmp = exists(path);
    snprintf(path, sizeof path, "%s/timeseries.csv", p->f->final);
    p->saw_old_in_place = holds_text(path, "earlier run\n");
    write_text(tmp_dir, "report.md", "# report\n");
    if (p->fail_with != 0) {
        return rl_error_set(err, p->fail_with, "the fill failed on purpose");
    }
    return RL_OK;
}

static void failed_fill_leaves_nothing_new(void **state) {
    fixture *f = *state;
    rl_error err;
    /* An earlier run at the place. */
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_OK);
    write_text(f->final, "timeseries.csv", "earlier run\n");
    fill_probe probe = {.f = f, .fail_with = RL_ERR_IO};
    assert_int_equal(results_write_folder_then(f->final, f->s, f->m, &f->info, probe_fill, &probe,
                                               &err),
                     RL_ERR_IO);
    assert_true(probe.saw_files_in_tmp);
    assert_true(probe.saw_old_in_place);
    char path[PATH_BYTES];
    snprintf(path, sizeof path, "%s/timeseries.csv", f->final);
    assert_true(holds_text(path, "earlier run\n")); /* the earlier run is still there, whole */
    snprintf(path, sizeof path, "%s/report.md", f->final);
    assert_false(exists(path));
    snprintf(path, sizeof path, "%s/runs", f->root);
    assert_false(has_entry_starting(path, "t-seed1.tmp-"));
    /* The same fill succeeding: the new folder replaces the old one, report included. */
    probe = (fill_probe){.f = f};
    assert_int_equal(results_write_folder_then(f->final, f->s, f->m, &f->info, probe_fill, &probe,
                                               &err),
                     RL_OK);
    assert_true(probe.saw_old_in_place);
    snprintf(path, sizeof path, "%s/report.md", f->final);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/timeseries.csv", f->final);
    assert_false(holds_text(path, "earlier run\n"));
}

/* A place under a regular file cannot be created (even by root): nothing is left anywhere. */
static void unwritable_place_leaves_nothing(void **state) {
    fixture *f = *state;
    write_text(f->root, "runs", "a file, not a folder\n");
    rl_error err;
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_ERR_IO);
    assert_non_null(strstr(err.message, "cannot create folder"));
    assert_false(exists(f->final));
    assert_false(has_entry_starting(f->root, "runs."));
}

/* A write that fails part way (here the file size limit, as a full disk would): the error names
 * the file, and nothing is left, temporary or final; an earlier folder stays whole. */
static void failed_write_leaves_nothing(void **state) {
    fixture *f = *state;
    rl_error err;
    assert_int_equal(results_write_folder(f->final, f->s, f->m, &f->info, &err), RL_OK);
    char marker[PATH_BYTES];
    snprintf(marker, sizeof marker, "%s/.ratelab-results", f->final);
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*previous)(int) = signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
    struct rlimit small = {.rlim_cur = 512, .rlim_max = saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = results_write_folder(f->final, f->s, f->m, &f->info, &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, previous);
    assert_int_equal(rc, RL_ERR_IO);
    assert_non_null(strstr(err.message, "(disk full?)"));
    assert_true(exists(marker)); /* the earlier run, untouched */
    char parent[PATH_BYTES];
    snprintf(parent, sizeof parent, "%s/runs", f->root);
    assert_false(has_entry_starting(parent, "t-seed1.tmp-"));
}

static void path_too_long_is_refused(void **state) {
    fixture *f = *state;
    char final[RESULTS_PATH_BYTES + 16];
    memset(final, 'x', sizeof final - 1);
    final[0] = '/';
    final[sizeof final - 1] = '\0';
    char tmp[RESULTS_PATH_BYTES];
    rl_error err;
    assert_int_equal(results_folder_begin(final, tmp, sizeof tmp, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "path too long"));
    (void)f;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(begin_commit_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_replaces_only_a_results_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(commit_never_deletes_what_ratelab_did_not_write, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(place_parse_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(trailing_slash_names_the_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_fill_leaves_nothing_new, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_place_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(path_too_long_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
