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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_pair_exact_retries_ops_and_latency),
        cmocka_unit_test(atomic_pair_exact_one_op_per_job),
        cmocka_unit_test(fail_closed_sends_nothing_during_a_refusal_and_resumes),
        cmocka_unit_test(fail_open_sends_during_the_outage_without_the_limiter),
        cmocka_unit_test(the_three_fallbacks_during_one_outage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
