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

/* Two jobs at t=0 in one pod through a leaky bucket in the store; limiter is the rest of the
 * limiter's mapping (rate, burst, scope, and lock settings for redis_lock). */
static scenario *pair_scenario(const char *limiter) {
    char yaml[YAML_BYTES];
    snprintf(yaml, sizeof yaml,
             "name: pair\n"
             "duration: 1s\n"
             "store: {network: 100us, command: 10us, script: 25us}\n"
             "apis:\n"
             "  api: {model: burst_intolerant, limit: 1000/s, latency: 50ms}\n"
             "limiters:\n"
             "  bucket: {algorithm: leaky_bucket_meter, %s}\n"
             "pods:\n"
             "  workers:\n"
             "    count: 1\n"
             "    traffic:\n"
             "      - api: api\n"
             "        limiter: bucket\n"
             "        workload: {kind: gather, requests: 2}\n",
             limiter);
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
    scenario *s =
        pair_scenario("rate: 1000/s, burst: 10, scope: redis_lock, lock_ttl: 1s, lock_retry: 0");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(m->store.lock_retries, 3);
    assert_int_equal(m->store.ops, 11);
    assert_int_equal(m->store.in_flight_max, 2); /* one command of each job at a time */
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
    scenario *s = pair_scenario("rate: 1000/s, burst: 10, scope: redis");
    metrics *m = run(s);
    const api_summary *a = summary_of(m, s, "api");
    assert_int_equal(m->store.lock_retries, 0);
    assert_int_equal(m->store.ops, 2);
    assert_int_equal(m->store.in_flight_max, 2); /* both sent at 0, answered at 225 and 250 */
    assert_int_equal(m->store.queue_max, 2);     /* B arrived at 100, behind A until 125 */
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
    for (int64_t b = 0; b < m->bin_count; b++) { /* the restarted jobs left no call in flight */
        assert_true(m->apis[0].bins[b].jobs_waiting >= 0);
    }
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

/* ---- the lock's guarantee, and where it ends ---- */

/* Two jobs at once through a leaky bucket that holds one (burst 1, 1/s). While the lock lasts
 * longer than the protocol (lock_ttl 1 s), the second job reads the first one's update and waits
 * its turn: one request in the first half second. With lock_ttl 1 us the lock has expired
 * before the second job asks, both read the empty bucket and both pass: the lost update behind
 * the seed's "race conditions corrupted timestamps, causing micro-bursts". */
static void an_expired_lock_lets_two_jobs_pass_a_limit_of_one(void **state) {
    (void)state;
    const char *limiters[] = {
        "rate: 1/s, burst: 1, scope: redis_lock, lock_ttl: 1s, lock_retry: 0",
        "rate: 1/s, burst: 1, scope: redis_lock, lock_ttl: 1us, lock_retry: 0",
    };
    int64_t expected[] = {1, 2};
    for (int i = 0; i < 2; i++) {
        scenario *s = pair_scenario(limiters[i]);
        metrics *m = run(s);
        assert_int_equal(attempts_between(m, 0, 0, 500000), expected[i]);
        assert_int_equal(m->store.lock_retries, i == 0 ? 3 : 0);
        done(s, m);
    }
}

/* ---- properties over seeds ---- */

static const uint64_t PROPERTY_SEEDS[] = {1, 2, 3, 7, 11, 42, 99, 1234, 65537, 987654321};
#define PROPERTY_SEED_COUNT (sizeof PROPERTY_SEEDS / sizeof PROPERTY_SEEDS[0])
#define PROPERTY_STREAM 7

/* A uniform integer in [low, high]. */
static int64_t draw(rng *r, int64_t low, int64_t high) {
    return low + (int64_t)rng_below(r, (uint64_t)(high - low + 1));
}

static void assert_jobs_balance(const metrics *m) {
    for (int i = 0; i < m->api_count; i++) {
        for (int64_t b = 0; b < m->bin_count; b++) {
            assert_true(m->apis[i].bins[b].jobs_waiting >= 0);
        }
        const api_summary *a = &m->apis[i].summary;
        assert_int_equal(a->jobs_created, a->jobs_completed + a->jobs_abandoned + a->jobs_pending);
        int64_t by_reason = 0;
        for (int r = 0; r < ABANDON_REASON_COUNT; r++) {
            by_reason += a->abandoned[r];
        }
        assert_int_equal(by_reason, a->jobs_abandoned);
    }
}

/* Random fleets (2 to 40 pods, 1 to 30 jobs a second each, random network and lock_retry)
 * through a fixed window of L per second held under a lock that outlives any protocol run
 * (lock_ttl 10 s). Whatever the contention: every job is accounted for; the API never gets more
 * than L in any of the 3 windows (decisions are taken one at a time on the latest state); every
 * request cost a whole lock protocol (4 commands) plus the refused lock attempts. */
static void lock_limiter_holds_its_limit_over_seeds(void **state) {
    (void)state;
    for (size_t i = 0; i < PROPERTY_SEED_COUNT; i++) {
        rng r;
        rng_seed(&r, PROPERTY_SEEDS[i], PROPERTY_STREAM);
        int64_t pods = draw(&r, 2, 40), per_pod = draw(&r, 1, 30), limit = draw(&r, 5, 200);
        int64_t net_low = draw(&r, 20, 300), net_high = net_low + draw(&r, 0, 700);
        int64_t lock_retry_us = draw(&r, 0, 5000);
        char yaml[YAML_BYTES];
        snprintf(yaml, sizeof yaml,
                 "name: lock_property\n"
                 "duration: 3s\n"
                 "store: {network: {dist: uniform, min: %lldus, max: %lldus}}\n"
                 "apis:\n"
                 "  api: {model: burst_intolerant, limit: 100000/s, latency: 20ms}\n"
                 "limiters:\n"
                 "  locked: {algorithm: fixed_window, scope: redis_lock, rate: %lld/s,\n"
                 "           lock_ttl: 10s, lock_retry: %lldus}\n"
                 "pods:\n"
                 "  workers:\n"
                 "    count: %lld\n"
                 "    jitter: 1s\n"
                 "    traffic:\n"
                 "      - {api: api, limiter: locked, workload: {kind: poisson, rate: %lld/s}}\n",
                 (long long)net_low, (long long)net_high, (long long)limit,
                 (long long)lock_retry_us, (long long)pods, (long long)per_pod);
        scenario *s = load(yaml, NULL, 0);
        s->seed = PROPERTY_SEEDS[i];
        metrics *m = run(s);
        const api_summary *a = &m->apis[0].summary;
        print_message("seed %llu: %lld pods x %lld/s, limit %lld/s: %lld sent, %lld lock "
                      "retries, %lld ops\n",
                      (unsigned long long)PROPERTY_SEEDS[i], (long long)pods, (long long)per_pod,
                      (long long)limit, (long long)a->attempts,
                      (long long)m->store.lock_retries, (long long)m->store.ops);
        assert_jobs_balance(m);
        assert_int_equal(a->rejected_429, 0);
        assert_true(a->attempts <= 3 * limit);
        assert_true(m->store.ops >= m->store.lock_retries + 4 * a->attempts);
        done(s, m);
    }
}

/* The same random fleets with a limiter that never binds, under a lock and as one script: the
 * script costs one command per request (plus those still in flight at the end), the lock four
 * plus its retries, and more pods mean retries. */
static void lock_costs_more_round_trips_than_a_script_over_seeds(void **state) {
    (void)state;
    for (size_t i = 0; i < PROPERTY_SEED_COUNT; i++) {
        rng r;
        rng_seed(&r, PROPERTY_SEEDS[i], PROPERTY_STREAM + 1);
        int64_t pods = draw(&r, 5, 60), per_pod = draw(&r, 5, 40);
        const char *scopes[] = {"scope: redis", "scope: redis_lock, lock_retry: 2ms"};
        double ops_per_request[2];
        for (int k = 0; k < 2; k++) {
            char yaml[YAML_BYTES];
            snprintf(yaml, sizeof yaml,
                     "name: ops_property\n"
                     "duration: 2s\n"
                     "apis:\n"
                     "  api: {model: burst_intolerant, limit: 100000/s, latency: 20ms}\n"
                     "limiters:\n"
                     "  meter: {algorithm: leaky_bucket_meter, rate: 100000/s, burst: 1000, %s}\n"
                     "pods:\n"
                     "  workers:\n"
                     "    count: %lld\n"
                     "    traffic:\n"
                     "      - {api: api, limiter: meter,\n"
                     "         workload: {kind: poisson, rate: %lld/s}}\n",
                     scopes[k], (long long)pods, (long long)per_pod);
            scenario *s = load(yaml, NULL, 0);
            s->seed = PROPERTY_SEEDS[i];
            metrics *m = run(s);
            const api_summary *a = &m->apis[0].summary;
            assert_jobs_balance(m);
            assert_true(a->attempts > 0);
            int64_t unsent = a->jobs_created - a->attempts; /* still asking at the end */
            if (k == 0) {
                assert_int_equal(m->store.lock_retries, 0);
                assert_true(m->store.ops >= a->attempts && m->store.ops <= a->jobs_created);
            } else {
                int64_t protocol_ops = m->store.ops - m->store.lock_retries;
                assert_true(protocol_ops >= 4 * a->attempts);
                assert_true(protocol_ops <= 4 * (a->attempts + unsent));
                assert_true(m->store.lock_retries > 0);
            }
            ops_per_request[k] = (double)m->store.ops / (double)a->attempts;
            done(s, m);
        }
        print_message("seed %llu: %lld pods x %lld/s: %.2f store ops per request as a script, "
                      "%.2f under a lock\n",
                      (unsigned long long)PROPERTY_SEEDS[i], (long long)pods, (long long)per_pod,
                      ops_per_request[0], ops_per_request[1]);
        assert_true(ops_per_request[1] > 4.0 * ops_per_request[0]);
    }
}

/* Jobs a pod with a constant workload of per_pod per second from t=0 creates in [from, to). */
static int64_t constant_arrivals(int64_t per_pod, int64_t from_us, int64_t to_us) {
    int64_t first = (from_us * per_pod + 999999) / 1000000; /* ceil(from / period) */
    int64_t last = (to_us * per_pod + 999999) / 1000000;    /* arrivals before to */
    return last - first;
}

/* Random fleets behind a shared GCRA facing one store outage (random start, length and mode;
 * random fallback, store_retry and client timeout). The network takes at most 500 us, so
 * nothing granted before the outage is still on its way 10 ms into it. Whatever the draw:
 * every job is accounted for; fail_closed sends nothing from 10 ms into the outage to its end;
 * fail_open sends every job created during the outage; local_fallback sends at most the shared
 * rate plus one per pod (each pod's share: burst 1, one per pods x T); a refused store gives
 * refusals and a blackholed one timeouts. */
static void outage_fallbacks_hold_over_seeds(void **state) {
    (void)state;
    const char *failures[] = {"fail_closed", "fail_open", "local_fallback"};
    const char *modes[] = {"refuse", "blackhole"};
    for (size_t i = 0; i < PROPERTY_SEED_COUNT; i++) {
        for (int f = 0; f < 3; f++) {
            rng r;
            rng_seed(&r, PROPERTY_SEEDS[i], PROPERTY_STREAM + 2 + (uint64_t)f);
            int64_t pods = draw(&r, 1, 20), per_pod = draw(&r, 1, 20), rate = draw(&r, 5, 200);
            if (f == 2) { /* demand above the shared rate, so that the pods' shares bind */
                pods = draw(&r, 2, 20);
                per_pod = draw(&r, 5, 20);
                rate = draw(&r, 5, pods * per_pod / 2);
            }
            int64_t at_ms = draw(&r, 200, 2000), for_ms = draw(&r, 100, 2000);
            int64_t store_retry_ms = draw(&r, 10, 500), timeout_ms = draw(&r, 5, 200);
            int mode = (int)draw(&r, 0, 1);
            char yaml[YAML_BYTES];
            snprintf(yaml, sizeof yaml,
                     "name: outage_property\n"
                     "duration: 5s\n"
                     "bin: 10ms\n"
                     "store: {network: {dist: uniform, min: 50us, max: 500us}, timeout: %lldms}\n"
                     "apis:\n"
                     "  api: {model: burst_intolerant, limit: 100000/s, latency: 20ms}\n"
                     "limiters:\n"
                     "  shared: {algorithm: gcra, scope: redis, rate: %lld/s, burst: 1,\n"
                     "           on_store_failure: %s, store_retry: %lldms}\n"
                     "pods:\n"
                     "  workers:\n"
                     "    count: %lld\n"
                     "    traffic:\n"
                     "      - {api: api, limiter: shared,\n"
                     "         workload: {kind: constant, rate: %lld/s},\n"
                     "         retry: {max: 3}, ttl: 3s}\n"
                     "faults:\n"
                     "  - {kind: store_outage, at: %lldms, for: %lldms, mode: %s}\n",
                     (long long)timeout_ms, (long long)rate, failures[f],
                     (long long)store_retry_ms, (long long)pods, (long long)per_pod,
                     (long long)at_ms, (long long)for_ms, modes[mode]);
            scenario *s = load(yaml, NULL, 0);
            s->seed = PROPERTY_SEEDS[i];
            metrics *m = run(s);
            int64_t from_us = at_ms * 1000 + 10000, to_us = (at_ms + for_ms) * 1000;
            int64_t sent = attempts_between(m, 0, from_us, to_us);
            print_message("seed %llu %s %s: %lld pods x %lld/s, GCRA %lld/s, outage %lld ms "
                          "from %lld ms: %lld sent in it\n",
                          (unsigned long long)PROPERTY_SEEDS[i], failures[f], modes[mode],
                          (long long)pods, (long long)per_pod, (long long)rate, (long long)for_ms,
                          (long long)at_ms, (long long)sent);
            assert_jobs_balance(m);
            assert_true(mode == 0 ? m->store.errors_refused > 0 && m->store.errors_timeout == 0
                                  : m->store.errors_timeout > 0 && m->store.errors_refused == 0);
            if (f == 0) {
                assert_int_equal(sent, 0);
            } else if (f == 1) {
                /* Each job of the outage goes at once, or after one timeout when it asked. */
                int64_t created = pods * constant_arrivals(per_pod, at_ms * 1000,
                                                           to_us - timeout_ms * 1000 - 1000);
                assert_true(attempts_between(m, 0, at_ms * 1000, to_us) >= created);
            } else {
                int64_t window_us = to_us - from_us;
                assert_true(sent <= rate * window_us / 1000000 + pods);
            }
            done(s, m);
        }
    }
}

/* Random fleets with constant workloads through a pacing GCRA in the store; some of the pods die
 * once, at a random instant (off the arrival grid by 1 us), for a random time. Whatever the draw:
 * every job is accounted for; a pod creates jobs only while it is up (the exact count follows);
 * and skewing the pods' clocks changes nothing, since the limiter reads the store's clock. */
static void restarts_and_skew_over_seeds(void **state) {
    (void)state;
    static const int64_t RATES_PER_S[] = {1, 2, 4, 5, 8, 10, 20, 25}; /* whole periods in us */
    for (size_t i = 0; i < PROPERTY_SEED_COUNT; i++) {
        rng r;
        rng_seed(&r, PROPERTY_SEEDS[i], PROPERTY_STREAM + 5);
        int64_t pods = draw(&r, 1, 30), restarted = draw(&r, 1, 40);
        int64_t per_pod = RATES_PER_S[draw(&r, 0, 7)], rate = draw(&r, 5, 300);
        int64_t at_us = draw(&r, 0, 3999) * 1000 + 1, for_us = draw(&r, 0, 2000) * 1000;
        int64_t skew_ms = draw(&r, 1, 500);
        api_summary summaries[2];
        for (int skewed = 0; skewed < 2; skewed++) {
            char skew[96] = "";
            if (skewed) {
                snprintf(skew, sizeof skew, "  - {kind: clock_skew, extra: %lldms}\n",
                         (long long)skew_ms);
            }
            char yaml[YAML_BYTES];
            snprintf(yaml, sizeof yaml,
                     "name: churn_property\n"
                     "duration: 6s\n"
                     "apis:\n"
                     "  api: {model: burst_intolerant, limit: 100000/s, latency: 50ms}\n"
                     "limiters:\n"
                     "  shared: {algorithm: gcra_pace, scope: redis, rate: %lld/s}\n"
                     "pods:\n"
                     "  workers:\n"
                     "    count: %lld\n"
                     "    traffic:\n"
                     "      - {api: api, limiter: shared,\n"
                     "         workload: {kind: constant, rate: %lld/s}}\n"
                     "faults:\n"
                     "  - {kind: pod_restart, at: %lldus, for: %lldus, group: workers,\n"
                     "     pods: %lld}\n"
                     "%s",
                     (long long)rate, (long long)pods, (long long)per_pod, (long long)at_us,
                     (long long)for_us, (long long)restarted, skew);
            scenario *s = load(yaml, NULL, 0);
            s->seed = PROPERTY_SEEDS[i];
            metrics *m = run(s);
            summaries[skewed] = m->apis[0].summary;
            assert_jobs_balance(m);
            done(s, m);
        }
        int64_t down = restarted < pods ? restarted : pods;
        int64_t duration_us = 6000000;
        int64_t expected = (pods - down) * constant_arrivals(per_pod, 0, duration_us) +
                           down * (constant_arrivals(per_pod, 0, at_us) +
                                   constant_arrivals(per_pod, 0, duration_us - at_us - for_us));
        print_message("seed %llu: %lld of %lld pods down %lld ms from %lld us: %lld jobs, %lld "
                      "lost in the restart\n",
                      (unsigned long long)PROPERTY_SEEDS[i], (long long)down, (long long)pods,
                      (long long)(for_us / 1000), (long long)at_us,
                      (long long)summaries[0].jobs_created,
                      (long long)summaries[0].abandoned[ABANDON_POD_RESTARTED]);
        assert_int_equal(summaries[0].jobs_created, expected);
        assert_memory_equal(&summaries[0], &summaries[1], sizeof(api_summary));
    }
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
        cmocka_unit_test(an_expired_lock_lets_two_jobs_pass_a_limit_of_one),
        cmocka_unit_test(lock_limiter_holds_its_limit_over_seeds),
        cmocka_unit_test(lock_costs_more_round_trips_than_a_script_over_seeds),
        cmocka_unit_test(outage_fallbacks_hold_over_seeds),
        cmocka_unit_test(restarts_and_skew_over_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
