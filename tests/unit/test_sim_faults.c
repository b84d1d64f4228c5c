/* test_sim_faults.c - the simulated world under faults and locks (sim_run): the lock-based
 * limiter's contention, store outages with each fallback, refused vs blackholed stores, pod
 * restarts and clock skew. Exact hand-computed cases first, then properties over a fixed list of
 * seeds. Scenarios are written inline as YAML, so each case states its whole world. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/rng.h"
#include "harness/scenario/scenario_load.h"
#include "harness/sim/sim_run.h"

#define YAML_BYTES 4096

/* Loads yaml (with overrides) or fails the test with the loader's message. */
static scenario *load(const char *yaml, const scenario_override *overrides, size_t count) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    rl_error_clear(&err);
    if (scenario_load_text(yaml, strlen(yaml), "inline.yaml", overrides, count, s, &err) !=
        RL_OK) {
        fail_msg("%s", err.message);
    }
    return s;
}

/* Runs s to its end or fails the test with the run's message (an accounting failure included:
 * sim_run checks created = completed + abandoned + pending). */
static metrics *run(const scenario *s) {
    metrics *m = calloc(1, sizeof *m);
    assert_non_null(m);
    sim_run_stats stats;
    rl_error err;
    rl_error_clear(&err);
    if (sim_run(s, m, &stats, NULL, NULL, &err) != RL_OK) {
        fail_msg("%s", err.message);
    }
    return m;
}

static void done(scenario *s, metrics *m) {
    metrics_destroy(m);
    free(m);
    free(s);
}

/* Attempts that reached API api in the bins covering [from_us, to_us). */
static int64_t attempts_between(const metrics *m, int api, int64_t from_us, int64_t to_us) {
    int64_t sum = 0;
    for (int64_t b = from_us / m->bin_us; b < to_us / m->bin_us && b < m->bin_count; b++) {
        sum += m->apis[api].bins[b].attempts;
    }
    return sum;
}

static const api_summary *summary_of(const metrics *m, const scenario *s, const char *api) {
    int index = scenario_find_api(s, api);
    assert_true(index >= 0);
    return &m->apis[index].summary;
}

/* ---- the lock protocol: exact cases ---- */

/* One pod gathers two jobs at t=0 through a leaky bucket guarded by a lock. Network 100 us each
 * way, 10 us per command, lock_retry 0 (a retry 1 us after a refusal). By hand:
 *   A: LOCK served 100-110 (taken), READ 310-320, WRITE 520-530, UNLOCK 730-740, sends at 840.
 *   B: LOCK 110-120 held; retries served 321-331 and 532-542 held; 743-753 taken; READ 953,
 *      WRITE 1163, UNLOCK 1373-1383, sends at 1483.
 * So 3 lock retries, 4 + 7 = 11 store commands, latencies 840 and 1483 us plus the API's 50 ms. */
/* Two jobs at t=0 in one pod through a leaky bucket in the store; limiter_tail ends the limiter's
 * mapping (its scope, and lock settings for redis_lock). */
static scenario *pair_scenario(const char *limiter_tail) {
    char yaml[YAML_BYTES];
    snprintf(yaml, sizeof yaml,
             "name: pair\n"
             "duration: 1s\n"
             "store: {network: 100us, command: 10us, script: 25us}\n"
             "apis:\n"
             "  api: {model: burst_intolerant, limit: 1000/s, latency: 50ms}\n"
             "limiters:\n"
             "  bucket: {algorithm: leaky_bucket_meter, rate: 1000/s, burst: 10, %s}\n"
             "pods:\n"
             "  workers:\n"
             "    count: 1\n"
             "    traffic:\n"
             "      - api: api\n"
             "        limiter: bucket\n"
             "        workload: {kind: gather, requests: 2}\n",
             limiter_tail);
    return load(yaml, NULL, 0);
}

/* Network 100 us each way, 10 us per command, lock_retry 0 (a retry 1 us after a refusal).
 * By hand, job A (first) and job B:
 *   A: LOCK served 100-110 (taken), READ 310-320, WRITE 520-530, UNLOCK 730-740, sends at 840.
 *   B: LOCK 110-120 held; retries served 321-331 and 532-542 held; 743-753 taken; READ 953,
 *      WRITE 1163, UNLOCK 1373-1383, sends at 1483.
 * So 3 lock retries, 4 + 7 = 11 store commands, latencies 840 and 1483 us plus the API's 50 ms. */
static void lock_pair_exact_retries_ops_and_latency(void **state) {
    (void)state;
    scenario *s = pair_scenario("scope: redis_lock, lock_ttl: 1s, lock_retry: 0");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(m->store.lock_retries, 3);
    assert_int_equal(m->store.ops, 11);
    assert_int_equal(a->jobs_completed, 2);
    assert_int_equal(a->attempts, 2);
    assert_int_equal(a->latency_max_us, 1483 + 50000);
    assert_int_equal(m->apis[0].latency.min, 840 + 50000);
    /* Every command took 210 us there and back, but B's first waited 10 us behind A's. */
    assert_int_equal(m->store.rtt_max_us, 220);
    done(s, m);
}

/* The same two jobs through an atomic script (scope redis): one round trip each, no retries.
 * A's script runs 100-125, B's 125-150: answers at 225 and 250. */
static void atomic_pair_exact_one_op_per_job(void **state) {
    (void)state;
    scenario *s = pair_scenario("scope: redis");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(m->store.lock_retries, 0);
    assert_int_equal(m->store.ops, 2);
    assert_int_equal(a->jobs_completed, 2);
    assert_int_equal(a->latency_max_us, 250 + 50000);
    assert_int_equal(m->apis[0].latency.min, 225 + 50000);
    done(s, m);
}

/* ---- store outages: each fallback, exact cases ---- */

/* pods pods each create a job every 100 ms from t=0 (constant 10/s) for 3 s, through a GCRA
 * held in the store (limit mode, rate `rate`) with on_store_failure `failure` and store_retry
 * 300 ms. The store (100 us each way, 25 us per script) is away from 1 s to 2 s, as `mode` says,
 * and a client waits 50 ms for an answer. */
static scenario *outage_scenario(const char *failure, const char *mode, int pods,
                                 const char *rate) {
    char yaml[YAML_BYTES];
    snprintf(yaml, sizeof yaml,
             "name: outage\n"
             "duration: 3s\n"
             "store: {network: 100us, command: 10us, script: 25us, timeout: 50ms}\n"
             "apis:\n"
             "  api: {model: burst_intolerant, limit: 1000/s, latency: 10ms}\n"
             "limiters:\n"
             "  shared: {algorithm: gcra, scope: redis, rate: %s, burst: 1,\n"
             "           on_store_failure: %s, store_retry: 300ms}\n"
             "pods:\n"
             "  workers:\n"
             "    count: %d\n"
             "    traffic:\n"
             "      - api: api\n"
             "        limiter: shared\n"
             "        workload: {kind: constant, rate: 10/s}\n"
             "        retry: {max: 3}\n"
             "faults:\n"
             "  - {kind: store_outage, at: 1s, for: 1s, mode: %s}\n",
             rate, failure, pods, mode);
    return load(yaml, NULL, 0);
}

/* fail_closed, refused: the job of 1.0 s is refused (answer at 1.0002 s); every job then waits
 * until the stream may ask again (store_retry after the last refusal), and all that wait ask at
 * once: 1 refusal at 1.0002 s, 4 at 1.3004 s (jobs of 1.0 to 1.3 s), 7 at 1.6006 s, 10 at
 * 1.9008 s: 22. The job of 1.0 s fails its fourth time then (more than retry.max 3) and is
 * abandoned; the store answers again from 2.2008 s, when the twelve jobs of 1.1 to 2.2 s are let
 * through one per 10 ms (the GCRA's 100/s). Nothing reaches the API while the store is away. */
static void fail_closed_sends_nothing_during_a_refusal_and_resumes(void **state) {
    (void)state;
    scenario *s = outage_scenario("fail_closed", "refuse", 1, "100/s");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(a->jobs_created, 30);
    assert_int_equal(attempts_between(m, 0, 0, 1000000), 10);
    assert_int_equal(attempts_between(m, 0, 1000000, 2200000), 0);
    assert_int_equal(a->abandoned[ABANDON_STORE_UNAVAILABLE], 1);
    assert_int_equal(a->jobs_completed, 29);
    assert_int_equal(m->store.errors_refused, 1 + 4 + 7 + 10);
    assert_int_equal(m->store.errors_timeout, 0);
    assert_int_equal(a->rejected_429, 0);
    done(s, m);
}

/* fail_open, refused: the jobs of 1.0, 1.4 and 1.8 s ask the store and are refused; every job
 * from 1.0 to 2.1 s (the last within store_retry of a refusal) is sent at once without the
 * limiter. The store serves only the jobs before 1 s and from 2.2 s. */
static void fail_open_sends_during_the_outage_without_the_limiter(void **state) {
    (void)state;
    scenario *s = outage_scenario("fail_open", "refuse", 1, "100/s");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(attempts_between(m, 0, 1000000, 2000000), 10);
    assert_int_equal(m->store.errors_refused, 3);
    assert_int_equal(m->store.ops, 10 + 8);
    assert_int_equal(a->jobs_completed, 30);
    done(s, m);
}

/* The limiter is bypassed, not just unreachable: with a GCRA at 1/s that holds the normal
 * traffic to one request a second, fail_open lets every job of the outage through, fail_closed
 * none, and local_fallback (one pod: its share is the whole 1/s) one a second. */
static void the_three_fallbacks_during_one_outage(void **state) {
    (void)state;
    const char *modes[] = {"fail_open", "fail_closed", "local_fallback"};
    int64_t sent[3];
    for (int i = 0; i < 3; i++) {
        scenario *s = outage_scenario(modes[i], "refuse", 1, "1/s");
        metrics *m = run(s);
        sent[i] = attempts_between(m, 0, 1000000, 2000000);
        print_message("%s: %lld sent during the outage\n", modes[i], (long long)sent[i]);
        done(s, m);
    }
    assert_true(sent[0] >= 10); /* every arrival, and the backlog of refused jobs too */
    assert_int_equal(sent[1], 0);
    assert_true(sent[2] >= 1 && sent[2] <= 2); /* 1/s over 1 s, with the GCRA's one of burst */
}

/* Refused: an error comes back after one trip there and back (200 us); blackholed: nothing comes
 * back and the client gives up after store.timeout (50 ms). With fail_open, the jobs of 1.0, 1.4
 * and 1.8 s ask the store in both cases; the others go within store_retry of a failure. */
static void blackhole_times_out_refuse_answers_at_once(void **state) {
    (void)state;
    scenario *s = outage_scenario("fail_open", "refuse", 1, "100/s");
    metrics *m = run(s);
    assert_int_equal(m->store.errors_refused, 3);
    assert_int_equal(m->store.errors_timeout, 0);
    assert_int_equal(m->store.rtt_max_us, 225);   /* a served script: 100 + 25 + 100 */
    assert_int_equal(m->apis[0].summary.latency_max_us, 225 + 10000);
    done(s, m);

    s = outage_scenario("fail_open", "blackhole", 1, "100/s");
    m = run(s);
    assert_int_equal(m->store.errors_refused, 0);
    assert_int_equal(m->store.errors_timeout, 3);
    assert_int_equal(m->store.rtt_max_us, 50000); /* the client's timeout */
    assert_int_equal(m->apis[0].summary.latency_max_us, 50000 + 10000);
    assert_int_equal(attempts_between(m, 0, 1000000, 2000000), 10);
    done(s, m);
}

/* A slow store is a failed store once its answers come later than the client waits: 20 ms more
 * each way keeps a round trip (40.225 ms) under the 50 ms timeout; 30 ms more does not. */
static void latency_beyond_the_timeout_counts_as_a_timeout(void **state) {
    (void)state;
    const char *base =
        "name: slow\n"
        "duration: 2s\n"
        "store: {network: 100us, command: 10us, script: 25us, timeout: 50ms}\n"
        "apis:\n"
        "  api: {model: burst_intolerant, limit: 1000/s, latency: 10ms}\n"
        "limiters:\n"
        "  shared: {algorithm: gcra, scope: redis, rate: 100/s, on_store_failure: fail_closed}\n"
        "pods:\n"
        "  workers:\n"
        "    count: 1\n"
        "    traffic:\n"
        "      - {api: api, limiter: shared, workload: {kind: constant, rate: 10/s},\n"
        "         retry: {max: 100}}\n"
        "faults:\n"
        "  - {kind: store_latency, at: 0s, for: 1s, extra: %s}\n";
    char yaml[YAML_BYTES];
    snprintf(yaml, sizeof yaml, base, "20ms");
    scenario *s = load(yaml, NULL, 0);
    metrics *m = run(s);
    assert_int_equal(m->store.errors_timeout, 0);
    assert_int_equal(m->store.rtt_max_us, 40225);
    assert_int_equal(m->apis[0].summary.jobs_completed, 20);
    done(s, m);

    snprintf(yaml, sizeof yaml, base, "30ms");
    s = load(yaml, NULL, 0);
    m = run(s);
    assert_true(m->store.errors_timeout > 0);
    assert_int_equal(m->store.errors_refused, 0);
    assert_int_equal(m->store.rtt_max_us, 50000);
    assert_int_equal(attempts_between(m, 0, 0, 1000000), 0); /* fail_closed: nothing goes */
    assert_int_equal(m->apis[0].summary.jobs_completed, 20); /* all go once it is fast again */
    done(s, m);
}

/* With four pods sharing a GCRA at 20/s, local_fallback paces each pod at its share (5/s): the
 * API sees about the shared rate during the outage, not the pods' demand (4 x 10/s). */
static void local_fallback_paces_at_the_pods_share(void **state) {
    (void)state;
    scenario *s = outage_scenario("local_fallback", "refuse", 4, "20/s");
    metrics *m = run(s);
    int64_t before = attempts_between(m, 0, 300000, 1000000);
    int64_t during = attempts_between(m, 0, 1000000, 2000000);
    print_message("0.3-1 s: %lld sent; 1-2 s (outage): %lld sent\n", (long long)before,
                  (long long)during);
    assert_int_equal(before, 14); /* the shared GCRA: 20/s over 0.7 s */
    /* Each pod: at most one at once (its share's burst) and one per 200 ms: 4 x (1 + 5). */
    assert_true(during <= 24);
    assert_true(during >= 16);
    assert_int_equal(m->apis[0].summary.rejected_429, 0);
    done(s, m);
}

/* ---- pod restarts ---- */

/* Two pods each create a job every 100 ms; the API answers after 250 ms. The first pod dies at
 * 1 s with its jobs of 0.8 and 0.9 s in flight (abandoned as pod_restarted; their late answers
 * are dropped), and wakes at 1.5 s with a fresh workload: jobs at 1.5 to 2.9 s. */
static void pod_restart_abandons_its_jobs_and_resumes_after_for(void **state) {
    (void)state;
    scenario *s = load("name: churn\n"
                       "duration: 3s\n"
                       "apis:\n"
                       "  api: {model: burst_intolerant, limit: 1000/s, latency: 250ms}\n"
                       "pods:\n"
                       "  workers:\n"
                       "    count: 2\n"
                       "    traffic:\n"
                       "      - {api: api, workload: {kind: constant, rate: 10/s}}\n"
                       "faults:\n"
                       "  - {kind: pod_restart, at: 1s, for: 500ms, group: workers, pods: 1}\n",
                       NULL, 0);
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(a->abandoned[ABANDON_POD_RESTARTED], 2);
    assert_int_equal(a->jobs_created, 30 + 10 + 15);
    assert_int_equal(attempts_between(m, 0, 1000000, 1500000), 5); /* the other pod only */
    assert_int_equal(attempts_between(m, 0, 1500000, 2000000), 10);
    assert_int_equal(a->jobs_completed, 28 + 8 + 13); /* those created by 2.7 s */
    assert_int_equal(a->jobs_pending, 4);
    done(s, m);
}

/* ---- clock skew ---- */

/* Ten pods, each allowed 10 per second by its own fixed window, against an API that takes 100
 * per second: with true clocks the pods' windows line up with the API's and it never refuses.
 * Skewed clocks (up to 200 ms either way) shift each pod's windows, and the API's windows get
 * more than 100. A limiter in the store reads the store's clock: skew changes nothing. */
static const char SKEW_BASE[] =
    "name: skew\n"
    "duration: 5s\n"
    "store: {network: 100us}\n"
    "apis:\n"
    "  api: {model: burst_intolerant, limit: 100/s, latency: 10ms}\n"
    "limiters:\n"
    "  own: {algorithm: fixed_window, scope: local, rate: 10/s}\n"
    "  shared: {algorithm: fixed_window, scope: redis, rate: 100/s}\n"
    "pods:\n"
    "  workers:\n"
    "    count: 10\n"
    "    traffic:\n"
    "      - {api: api, limiter: %s, workload: {kind: constant, rate: 20/s}, retry: {max: 0}}\n"
    "%s";

/* The API's summary of the skew scenario through limiter, with or without skew, at seed. */
static api_summary skew_summary(const char *limiter, bool skewed, uint64_t seed) {
    char yaml[YAML_BYTES];
    snprintf(yaml, sizeof yaml, SKEW_BASE, limiter,
             skewed ? "faults:\n  - {kind: clock_skew, group: workers, extra: 200ms}\n" : "");
    scenario *s = load(yaml, NULL, 0);
    s->seed = seed;
    metrics *m = run(s);
    api_summary summary = m->apis[0].summary;
    done(s, m);
    return summary;
}

static void clock_skew_matters_for_local_limiters_only(void **state) {
    (void)state;
    api_summary aligned = skew_summary("own", false, 1);
    api_summary skewed = skew_summary("own", true, 1);
    print_message("local fixed windows: 429s %lld aligned, %lld skewed\n",
                  (long long)aligned.rejected_429, (long long)skewed.rejected_429);
    assert_int_equal(aligned.rejected_429, 0);
    assert_true(skewed.rejected_429 > 0);
    api_summary shared_aligned = skew_summary("shared", false, 1);
    api_summary shared_skewed = skew_summary("shared", true, 1);
    assert_true(shared_aligned.attempts > 0);
    assert_memory_equal(&shared_aligned, &shared_skewed, sizeof(api_summary));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_pair_exact_retries_ops_and_latency),
        cmocka_unit_test(atomic_pair_exact_one_op_per_job),
        cmocka_unit_test(fail_closed_sends_nothing_during_a_refusal_and_resumes),
        cmocka_unit_test(fail_open_sends_during_the_outage_without_the_limiter),
        cmocka_unit_test(the_three_fallbacks_during_one_outage),
        cmocka_unit_test(blackhole_times_out_refuse_answers_at_once),
        cmocka_unit_test(latency_beyond_the_timeout_counts_as_a_timeout),
        cmocka_unit_test(local_fallback_paces_at_the_pods_share),
        cmocka_unit_test(pod_restart_abandons_its_jobs_and_resumes_after_for),
        cmocka_unit_test(clock_skew_matters_for_local_limiters_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
