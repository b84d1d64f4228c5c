/* test_store_queueing.c - the simulated store is a single-server FIFO queue: with Poisson
 * arrivals it must give the M/M/1 and M/D/1 waiting times and queue lengths of queueing theory,
 * and obey Little's law.
 *
 * The store is driven directly through store_model_serve with Poisson arrivals (exponential
 * gaps from dist_sample) and exponential or constant service times, at utilisations 0.3, 0.5,
 * 0.8 and 0.9. Each case runs REPLICATIONS independent replications (own random stream each);
 * a replication discards a warm-up period, then measures over a fixed window [T0, T1):
 *   Wq  mean wait (start - arrival) of the customers arriving in the window;
 *   Lq  time-average number waiting (not in service), integrated exactly from the customers'
 *       [arrival, start) intervals clipped to the window (the model has no queue-length gauge);
 *   lambda  arrivals in the window / window length.
 * The confidence interval is Student's t over the replication means. The assertion: the
 * formula lies inside the interval at the Bonferroni-corrected level that keeps all
 * STORE_FAMILY_CHECKS interval checks of this file at 95% together (one 95% interval per check
 * would fail one check in two for a perfect model). The 95% interval is reported too, and must
 * be narrow: half-width at most STORE_CI_WIDTH_MAX of the formula.
 *
 * Little's law at the server: the time-average number of commands in service (the busy
 * fraction, integrated from the [start, end) intervals) must equal lambda x E[S] = rho, lambda
 * the offered rate and E[S] the configured service time: an independent prediction, not the
 * same sample path twice, held to a 95% half-width of 0.5%, so that a service time 1% too long
 * fails it. (Lq = measured lambda x Wq on the sample path is asserted beside it.)
 *
 * A store that serves every command at once (no queue) must fail the M/M/1 check: the test
 * asserts that it does. Finally the same M/D/1 check runs through the real simulated world
 * (sim_run): 100 pods with Poisson traffic asking one shared `unlimited` limiter in the store,
 * so that the store is the only queue. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/dist.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"
#include "harness/sim/store_model.h"
#include "harness/validation/validation_row.h"
#include "harness/core/validation_stats.h"

#define STORE_SEED UINT64_C(0x5704e0009)
#define SERVICE_MEAN_US 900 /* 1/mu; with it every utilisation below has an integer gap mean */
#define REPLICATIONS 20
#define STORE_FAMILY_CHECKS 26 /* Wq, Lq and busy of 8 cases, and Wq of 2 cases through sim_run */
#define STORE_CI_WIDTH_MAX 0.03
#define BUSY_CI_WIDTH_MAX 0.005 /* the busy fraction's 95% half-width: well below 1% */
#define LITTLE_TOLERANCE 0.005
#define SIM_REPLICATIONS 8
#define TEST_BINARY "build/validation_store_queueing"

typedef int (*serve_fn)(store_model *store, int64_t arrival_us, int64_t service_us,
                        int64_t *start_us, int64_t *end_us);

typedef enum queue_kind { QUEUE_MM1 = 0, QUEUE_MD1 } queue_kind;

typedef struct queue_case {
    queue_kind kind;
    double rho;
    int64_t window_customers; /* expected arrivals in the measured window */
} queue_case;

typedef struct replication {
    double wq_us;     /* mean wait of the customers arriving in the window */
    double lq;        /* time-average number waiting over the window */
    double lambda_wq; /* measured arrival rate x wq_us: Little's law's right side */
    double busy;      /* time-average number in service over the window */
} replication;

typedef struct case_result {
    validation_sample wq_us, lq, lambda_wq, busy;
} case_result;

static const queue_case store_cases[] = {
    {QUEUE_MM1, 0.3, 200000},  {QUEUE_MM1, 0.5, 200000},  {QUEUE_MM1, 0.8, 500000},
    {QUEUE_MM1, 0.9, 1000000}, {QUEUE_MD1, 0.3, 200000},  {QUEUE_MD1, 0.5, 200000},
    {QUEUE_MD1, 0.8, 500000},  {QUEUE_MD1, 0.9, 1000000},
};

#define STORE_CASE_COUNT ((int)(sizeof store_cases / sizeof store_cases[0]))

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

/* The model under test. */
static int serve_fifo(store_model *store, int64_t arrival_us, int64_t service_us, int64_t *start_us,
                      int64_t *end_us) {
    return store_model_serve(store, arrival_us, service_us, start_us, end_us);
}

/* A deliberately broken store: every command starts the instant it arrives (no queue). */
static int serve_at_once(store_model *store, int64_t arrival_us, int64_t service_us,
                         int64_t *start_us, int64_t *end_us) {
    (void)store;
    *start_us = arrival_us;
    *end_us = arrival_us + service_us;
    return 0;
}

static double theory_wq_us(queue_kind kind, double rho) {
    /* M/M/1: Wq = rho / (mu - lambda); M/D/1 (Pollaczek-Khinchine): rho / (2 mu (1 - rho)). */
    double mm1 = rho * SERVICE_MEAN_US / (1.0 - rho);
    return kind == QUEUE_MM1 ? mm1 : mm1 / 2.0;
}

static double theory_lq(queue_kind kind, double rho) {
    double mm1 = rho * rho / (1.0 - rho);
    return kind == QUEUE_MM1 ? mm1 : mm1 / 2.0;
}

/* Length of [from, to) inside [window_start, window_end). */
static int64_t overlap_us(int64_t from, int64_t to, int64_t window_start, int64_t window_end) {
    int64_t low = from > window_start ? from : window_start;
    int64_t high = to < window_end ? to : window_end;
    return high > low ? high - low : 0;
}

/* One replication of case c on random stream stream_id, served by serve. */
static replication run_replication(serve_fn serve, const queue_case *c, uint64_t stream_id) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    store_model store;
    assert_int_equal(store_model_init(&store, s, STORE_SEED, stream_id), 0);
    rng random;
    rng_seed(&random, STORE_SEED, stream_id);
    int64_t gap_mean_us = llround(SERVICE_MEAN_US / c->rho);
    assert_true(fabs((double)gap_mean_us * c->rho - SERVICE_MEAN_US) < 1e-6);
    dist gaps = {.kind = DIST_EXPONENTIAL, .a = gap_mean_us};
    dist service = c->kind == QUEUE_MM1 ? (dist){.kind = DIST_EXPONENTIAL, .a = SERVICE_MEAN_US}
                                        : dist_constant(SERVICE_MEAN_US);
    /* Warm-up: 10% of the window, and at least 20000 mean gaps (hundreds of relaxation times). */
    int64_t warmup_us =
        gap_mean_us * (c->window_customers / 10 > 20000 ? c->window_customers / 10 : 20000);
    int64_t window_start = warmup_us;
    int64_t window_end = warmup_us + gap_mean_us * c->window_customers;
    double wait_sum_us = 0.0, waiting_area = 0.0, busy_area = 0.0;
    int64_t arrivals = 0;
    for (int64_t arrival_us = dist_sample(&gaps, &random); arrival_us < window_end;
         arrival_us += dist_sample(&gaps, &random)) {
        int64_t start_us, end_us;
        assert_int_equal(
            serve(&store, arrival_us, dist_sample(&service, &random), &start_us, &end_us), 0);
        waiting_area += (double)overlap_us(arrival_us, start_us, window_start, window_end);
        busy_area += (double)overlap_us(start_us, end_us, window_start, window_end);
        if (arrival_us >= window_start) {
            wait_sum_us += (double)(start_us - arrival_us);
            arrivals++;
        }
    }
    store_model_destroy(&store);
    free(s);
    double window_us = (double)(window_end - window_start);
    replication r = {
        .wq_us = wait_sum_us / (double)arrivals,
        .lq = waiting_area / window_us,
        .lambda_wq = (double)arrivals / window_us * (wait_sum_us / (double)arrivals),
        .busy = busy_area / window_us,
    };
    return r;
}

static case_result run_case(serve_fn serve, int case_index, int replications) {
    case_result result;
    memset(&result, 0, sizeof result);
    for (int k = 0; k < replications; k++) {
        replication r = run_replication(serve, &store_cases[case_index],
                                        (uint64_t)case_index * 1000 + (uint64_t)k + 1);
        validation_sample_add(&result.wq_us, r.wq_us);
        validation_sample_add(&result.lq, r.lq);
        validation_sample_add(&result.lambda_wq, r.lambda_wq);
        validation_sample_add(&result.busy, r.busy);
    }
    return result;
}

static const char *kind_name(queue_kind kind) {
    return kind == QUEUE_MM1 ? "M/M/1" : "M/D/1";
}

/* Checks theory against sample s, with a 95% half-width at most width_max of theory (and any
 * extra condition: extra_ok, described by extra), and reports the row; returns whether the
 * check held. */
static bool check_interval_with(const char *check, const char *formula, const char *unit,
                                const validation_sample *s, double theory, double width_max,
                                bool extra_ok, const char *extra, const char *rerun) {
    double family_level = validation_bonferroni_level(0.95, STORE_FAMILY_CHECKS);
    validation_interval ci95 = validation_sample_mean_interval(s, 0.95);
    validation_interval wide = validation_sample_mean_interval(s, family_level);
    double half_width = (ci95.high - ci95.low) / 2.0;
    bool inside = validation_interval_contains(wide, theory);
    bool narrow = half_width <= width_max * theory;
    char expected[64], measured[64], ci[96], tolerance[384];
    snprintf(expected, sizeof expected, "%.4g%s", theory, unit);
    snprintf(measured, sizeof measured, "%.4g%s", s->mean, unit);
    snprintf(ci, sizeof ci, "[%.4g, %.4g] (+/-%.2f%%)", ci95.low, ci95.high,
             100.0 * half_width / theory);
    snprintf(tolerance, sizeof tolerance,
             "formula inside the %.2f%% CI [%.4g, %.4g] (95%% for the %d checks together); "
             "95%% half-width <= %.1f%%%s",
             100.0 * family_level, wide.low, wide.high, STORE_FAMILY_CHECKS, 100.0 * width_max,
             extra);
    bool passed = inside && narrow && extra_ok;
    validation_row row = {"store", check, formula, expected, measured, ci, tolerance, passed,
                          rerun};
    emit_row(&row);
    return passed;
}

/* check_interval_with at the store's usual width and nothing extra. */
static bool check_interval(const char *check, const char *formula, const char *unit,
                           const validation_sample *s, double theory, const char *rerun) {
    return check_interval_with(check, formula, unit, s, theory, STORE_CI_WIDTH_MAX, true, "",
                               rerun);
}

static void mm1_and_md1_match_theory(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d replications per case, mean service %d us\n",
           (unsigned long long)STORE_SEED, REPLICATIONS, SERVICE_MEAN_US);
    const char *rerun = TEST_BINARY " mm1_and_md1_match_theory";
    int failures = 0;
    for (int i = 0; i < STORE_CASE_COUNT; i++) {
        const queue_case *c = &store_cases[i];
        case_result r = run_case(serve_fifo, i, REPLICATIONS);
        const char *m = c->kind == QUEUE_MM1 ? "mm1" : "md1";
        char check[64], formula[160];
        snprintf(check, sizeof check, "%s_rho%.1f_wq", m, c->rho);
        snprintf(formula, sizeof formula, "%s Wq = %s, rho %.1f, 1/mu %d us", kind_name(c->kind),
                 c->kind == QUEUE_MM1 ? "rho/(mu - lambda)" : "rho/(2 mu (1 - rho)) (P-K)", c->rho,
                 SERVICE_MEAN_US);
        failures +=
            !check_interval(check, formula, " us", &r.wq_us, theory_wq_us(c->kind, c->rho), rerun);
        snprintf(check, sizeof check, "%s_rho%.1f_lq", m, c->rho);
        snprintf(formula, sizeof formula, "%s Lq = %s, rho %.1f (time average)", kind_name(c->kind),
                 c->kind == QUEUE_MM1 ? "rho^2/(1 - rho)" : "rho^2/(2 (1 - rho))", c->rho);
        failures += !check_interval(check, formula, "", &r.lq, theory_lq(c->kind, c->rho), rerun);
        /* Little's law at the server, against the prediction rho = lambda x E[S] (offered
         * lambda, configured E[S]); and Lq = measured lambda x Wq on the sample path. */
        double difference = fabs(r.lq.mean - r.lambda_wq.mean) / r.lambda_wq.mean;
        char extra[128];
        snprintf(extra, sizeof extra, "; on the sample path Lq = lambda Wq within %.1f%% (%.3f%%)",
                 100.0 * LITTLE_TOLERANCE, 100.0 * difference);
        snprintf(check, sizeof check, "%s_rho%.1f_little", m, c->rho);
        snprintf(formula, sizeof formula,
                 "%s Little's law at the server: time-average number in service = lambda E[S] "
                 "= rho, rho %.1f, E[S] %d us",
                 kind_name(c->kind), c->rho, SERVICE_MEAN_US);
        failures += !check_interval_with(check, formula, "", &r.busy, c->rho, BUSY_CI_WIDTH_MAX,
                                         difference <= LITTLE_TOLERANCE, extra, rerun);
    }
    assert_int_equal(failures, 0);
}

/* The deliberately broken store (no queue) must fail the M/M/1 check at rho 0.8. */
static void serve_at_once_store_fails_the_check(void **state) {
    (void)state;
    const int mm1_rho08 = 2;
    assert_true(store_cases[mm1_rho08].kind == QUEUE_MM1 && store_cases[mm1_rho08].rho == 0.8);
    case_result r = run_case(serve_at_once, mm1_rho08, 5);
    double theory = theory_wq_us(QUEUE_MM1, 0.8);
    double family_level = validation_bonferroni_level(0.95, STORE_FAMILY_CHECKS);
    validation_interval wide = validation_sample_mean_interval(&r.wq_us, family_level);
    bool check_fails = !validation_interval_contains(wide, theory);
    char expected[64], measured[96];
    snprintf(expected, sizeof expected, "%.4g us", theory);
    snprintf(measured, sizeof measured, "%.4g us: the M/M/1 check fails, as it must", r.wq_us.mean);
    validation_row row = {"broken",
                          "broken_store_serves_at_once",
                          "store that starts each command on arrival (no queue), M/M/1 rho 0.8",
                          expected,
                          measured,
                          "5 replications",
                          "the Wq check must fail",
                          check_fails,
                          TEST_BINARY " serve_at_once_store_fails_the_check"};
    emit_row(&row);
    assert_true(check_fails);
}

/* The M/D/1 check through the simulated world: pods -> network -> store -> network -> pods.
 * Round trip = 2 x network (constant) + wait + service, so wait = mean round trip - those. */
static void md1_through_sim_run(void **state) {
    (void)state;
    const char *source_dir = getenv("RATELAB_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/validation/scenarios/store_md1.yaml",
             source_dir != NULL ? source_dir : ".");
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_file(path, NULL, 0, s, &err) != 0) {
        fail_msg("%s", err.message);
    }
    assert_int_equal(s->store.network_us.kind, DIST_CONSTANT);
    const double rhos[] = {0.5, 0.8};
    const int64_t pods = scenario_pod_count(s);
    const int64_t service_us = s->store.service_script_us;
    int failures = 0;
    for (int i = 0; i < 2; i++) {
        /* Each pod offers rho / (service x pods) requests per microsecond. */
        workload_config *w = &s->pod_groups[0].traffic[0].workload;
        w->rate_period_us = 1000000;
        w->rate_count = llround(rhos[i] * 1e6 / (double)(service_us * pods));
        /* First arrival after an exponential time of the same mean: stationary from time 0. */
        s->pod_groups[0].start_jitter_us =
            (dist){.kind = DIST_EXPONENTIAL, .a = w->rate_period_us / w->rate_count};
        assert_int_equal(w->rate_period_us % w->rate_count, 0);
        double rho = (double)(w->rate_count * pods * service_us) / 1e6;
        validation_sample wq_us = {0};
        for (int k = 0; k < SIM_REPLICATIONS; k++) {
            s->seed = STORE_SEED + (uint64_t)(100 * i + k);
            metrics *m = calloc(1, sizeof *m);
            assert_non_null(m);
            sim_run_stats stats;
            if (sim_run(s, m, &stats, NULL, NULL, &err) != 0) {
                fail_msg("%s", err.message);
            }
            double fixed_us = 2.0 * (double)s->store.network_us.a + (double)service_us;
            validation_sample_add(&wq_us, histogram_mean(&m->store_rtt) - fixed_us);
            metrics_destroy(m);
            free(m);
        }
        char check[64], formula[200];
        snprintf(check, sizeof check, "sim_md1_rho%.1f_wq", rho);
        snprintf(formula, sizeof formula,
                 "M/D/1 Wq through sim_run (%lld pods, Poisson, unlimited@redis, script %lld us): "
                 "mean store round trip - 2 x network - service",
                 (long long)pods, (long long)service_us);
        double theory = rho * (double)service_us / (2.0 * (1.0 - rho));
        failures += !check_interval(check, formula, " us", &wq_us, theory,
                                    TEST_BINARY " md1_through_sim_run");
    }
    free(s);
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mm1_and_md1_match_theory),
        cmocka_unit_test(serve_at_once_store_fails_the_check),
        cmocka_unit_test(md1_through_sim_run),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
