/* test_experiment_shard.c - a sweep split into shards: which runs each shard takes (exactly, on
 * small grids), --shard's parsing, and the shard file's round trip: a shard's figures, read
 * back, are bit for bit those of the same runs in the whole sweep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/experiment/experiment.h"
#include "harness/experiment/experiment_shard.h"
#include "harness/scenario/figure.h"

static const char SCENARIO[] =
    "name: tiny\n"
    "duration: 10s\n"
    "seed: 7\n"
    "apis:\n"
    "  api: {model: burst_intolerant, limit: 20/s, burst: 5/1s}\n"
    "limiters:\n"
    "  shared: {algorithm: gcra, scope: redis, rate: 10/s, burst: 2}\n"
    "pods:\n"
    "  workers:\n"
    "    count: 3\n"
    "    traffic:\n"
    "      - api: api\n"
    "        limiter: shared\n"
    "        workload: {kind: poisson, rate: 3/s}\n"
    "expect:\n"
    "  - api.rate_429 < 0.5\n"
    "sweep:\n"
    "  limiters.shared.rate: [5/s, 10/s, 20/s]\n";

static char path[64];
static char shard_path[64];

static int write_scenario(void **state) {
    (void)state;
    snprintf(path, sizeof path, "/tmp/ratelab_test_shard_%d.yaml", (int)getpid());
    snprintf(shard_path, sizeof shard_path, "/tmp/ratelab_test_shard_%d.csv", (int)getpid());
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        return -1;
    }
    fputs(SCENARIO, out);
    return fclose(out);
}

static int remove_files(void **state) {
    (void)state;
    unlink(shard_path);
    return unlink(path);
}

static void shard_parse_cases(void **state) {
    (void)state;
    rl_error err;
    int k = 0, n = 0;
    assert_int_equal(experiment_shard_parse("2/3", &k, &n, &err), RL_OK);
    assert_int_equal(k, 2);
    assert_int_equal(n, 3);
    assert_int_equal(experiment_shard_parse("10000/10000", &k, &n, &err), RL_OK);
    assert_int_equal(experiment_shard_parse("1/1", &k, &n, &err), RL_OK);
    static const char *const BAD[] = {"0/3", "4/3", "3", "a/b", "1/0", "1/3x", "/3", "-1/3",
                                      "1/10001", "", "1//3", " 1/3", "1/ 3", "+1/3", "2/3/4"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        k = n = -7;
        assert_int_equal(experiment_shard_parse(BAD[i], &k, &n, &err), RL_ERR_INVALID);
        assert_int_equal(k, -7); /* left alone */
    }
    assert_int_equal(experiment_shard_parse("4/3", &k, &n, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "shard 4 of 3 does not exist"));
}

/* Shard K of N of 10 runs: exactly the runs whose index mod N is K-1. */
static void shards_take_every_nth_run(void **state) {
    (void)state;
    experiment e = {.point_count = 5, .replications = 2, .shard_index = 1, .shard_count = 3};
    static const int64_t FIRST[] = {0, 3, 6, 9}, SECOND[] = {1, 4, 7}, THIRD[] = {2, 5, 8};
    const int64_t *const TAKEN[] = {FIRST, SECOND, THIRD};
    static const int64_t COUNTS[] = {4, 3, 3};
    for (int k = 1; k <= 3; k++) {
        e.shard_index = k;
        assert_int_equal(experiment_runs_in_shard(&e), COUNTS[k - 1]);
        int64_t found = 0;
        for (int64_t run = 0; run < 10; run++) {
            if (experiment_run_in_shard(&e, run)) {
                assert_true(found < COUNTS[k - 1]);
                assert_int_equal(run, TAKEN[k - 1][found]);
                found++;
            }
        }
        assert_int_equal(found, COUNTS[k - 1]);
    }
    e.shard_count = 0; /* not a shard: every run */
    assert_int_equal(experiment_runs_in_shard(&e), 10);
}

/* For every grid size up to 40 runs and every N up to it: each run in exactly one shard, and
 * each shard's count as it says. */
static void shards_partition_every_grid(void **state) {
    (void)state;
    for (int total = 1; total <= 40; total++) {
        for (int n = 1; n <= total; n++) {
            experiment e = {.point_count = total, .replications = 1, .shard_count = n};
            int64_t sum = 0;
            for (int k = 1; k <= n; k++) {
                e.shard_index = k;
                int64_t counted = 0;
                for (int64_t run = 0; run < total; run++) {
                    counted += experiment_run_in_shard(&e, run) ? 1 : 0;
                }
                assert_int_equal(experiment_runs_in_shard(&e), counted);
                assert_true(counted >= 1); /* no empty shard when N <= runs */
                sum += counted;
            }
            assert_int_equal(sum, total);
        }
    }
}

static void more_shards_than_runs_refused(void **state) {
    (void)state;
    experiment *e = calloc(1, sizeof *e);
    experiment_spec spec = {.file = path, .replications = 2, .jobs = 1, .shard_index = 7,
                            .shard_count = 7};
    rl_error err;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_ERR_LIMIT);
    assert_non_null(strstr(err.message, "the grid has only 6 runs"));
    experiment_free(e);
    spec.shard_count = spec.shard_index = 6;
    assert_int_equal(experiment_plan(&spec, e, &err), RL_OK);
    assert_int_equal(experiment_runs_in_shard(e), 1);
    experiment_free(e);
    free(e);
}

/* A shard's runs, written and read back into a fresh plan, are bit for bit the whole run's. */
static void shard_file_round_trip_is_exact(void **state) {
    (void)state;
    experiment *whole = calloc(1, sizeof *whole);
    experiment *shard = calloc(1, sizeof *shard);
    experiment *merged = calloc(1, sizeof *merged);
    rl_error err;
    experiment_spec spec = {.file = path, .replications = 2, .jobs = 2};
    assert_int_equal(experiment_plan(&spec, whole, &err), RL_OK);
    assert_int_equal(experiment_run(&spec, whole, &err), RL_OK);
    experiment_spec shard_spec = spec;
    shard_spec.shard_index = 2;
    shard_spec.shard_count = 4; /* runs 1 and 5 of 6 */
    assert_int_equal(experiment_plan(&shard_spec, shard, &err), RL_OK);
    assert_int_equal(experiment_run(&shard_spec, shard, &err), RL_OK);
    FILE *out = fopen(shard_path, "w");
    assert_non_null(out);
    experiment_shard_write_runs(out, shard);
    assert_int_equal(fclose(out), 0);

    experiment_shard_info info;
    assert_int_equal(experiment_shard_info_read(shard_path, &info, &err), RL_OK);
    assert_int_equal(info.index, 2);
    assert_int_equal(info.count, 4);
    assert_int_equal(info.runs_total, 6);
    assert_int_equal(info.points, 3);
    assert_int_equal(info.replications, 2);
    assert_int_equal(experiment_plan(&spec, merged, &err), RL_OK);
    assert_int_equal(experiment_figures_alloc(merged, &err), RL_OK);
    bool seen[6] = {false};
    assert_int_equal(experiment_shard_runs_read(shard_path, &info, merged, seen, &err), RL_OK);
    for (int64_t run = 0; run < 6; run++) {
        assert_int_equal(seen[run], run == 1 || run == 5);
        if (!seen[run]) {
            continue;
        }
        int p = (int)(run / 2), r = (int)(run % 2);
        for (int f = 0; f < FIGURE_COUNT; f++) {
            double a = experiment_value(whole, p, r, 0, (figure_id)f);
            double b = experiment_value(merged, p, r, 0, (figure_id)f);
            assert_memory_equal(&a, &b, sizeof a);
        }
        double a = *experiment_expect_slot(whole, run, 0);
        double b = *experiment_expect_slot(merged, run, 0);
        assert_memory_equal(&a, &b, sizeof a);
    }
    /* The same file again: every run is already seen. */
    assert_int_equal(experiment_shard_runs_read(shard_path, &info, merged, seen, &err),
                     RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "run 1 is given twice"));
    /* Read as another shard: its runs are not of that shard. */
    experiment_shard_info wrong = info;
    wrong.index = 1;
    memset(seen, 0, sizeof seen);
    assert_int_equal(experiment_shard_runs_read(shard_path, &wrong, merged, seen, &err),
                     RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "run 1 is not of shard 1/4"));
    experiment_free(whole);
    experiment_free(shard);
    experiment_free(merged);
    free(whole);
    free(shard);
    free(merged);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shard_parse_cases),
        cmocka_unit_test(shards_take_every_nth_run),
        cmocka_unit_test(shards_partition_every_grid),
        cmocka_unit_test(more_shards_than_runs_refused),
        cmocka_unit_test(shard_file_round_trip_is_exact),
    };
    return cmocka_run_group_tests(tests, write_scenario, remove_files);
}
