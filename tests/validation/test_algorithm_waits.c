/* test_algorithm_waits.c - every algorithm's decisions and retry-after waits, for costs above 1,
 * against references written from the definitions, and every refusal's wait against what a
 * wait means.
 *
 * References (written here, apart from algorithms/ and in their own form: exact 128-bit integers
 * in units of 1/limit us, where the emission interval T is period_us units):
 *   - GCRA virtual scheduling (ITU-T I.371) with a cost c: TAT' = max(t, TAT) + c T, conforming
 *     iff TAT' - t <= b T; a refusal waits ceil(TAT' - b T - t), a cost above b the time until
 *     TAT (at least 1 us). gcra, token_bucket and leaky_bucket_meter must each equal it.
 *   - GCRA pacing: fire = max(t, TAT - (b - 1) T), wait ceil(fire - t), refused when that wait
 *     passes max_wait (then wait - max_wait). gcra_pace.
 *   - a FIFO of departures one T apart: departure = max(t, next), joins iff departure + c T - t
 *     <= (queue_max + 1) T, waits ceil(departure - t). leaky_bucket_queue.
 *   - a log of every admitted request: fixed windows sum the costs logged in t's window
 *     (fixed_window, token_bucket_interval: a refusal waits until the next window); the
 *     sliding window weighs the window before by how much of it is still in view.
 *   - unlimited admits everything at once.
 * What a wait means, checked on a copy of the state at every refusal of a cost that can pass:
 * the same request is refused w - 1 us later and allowed w us later (with nothing in between).
 * The limiters only get emptier as time passes, so that makes w the least such delay.
 *
 * Streams (fixed seed, printed): twenty settings like the identity file's (field report, 7/s,
 * 10/s, sub-microsecond rates, ten at random), WAITS_REQUESTS_PER_SETTING requests each, with
 * costs 1 (half), 1 to 3 (a quarter) and 1 to capacity + 2 (a quarter: some can never pass), and
 * gaps of bursts, one T, near T, idle, and exactly the last wait or 1 us short of it.
 * A GCRA whose refusals wait one emission interval too long must fail the check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"
#include "harness/validation/validation_row.h"

#define WAITS_SEED UINT64_C(0xa1a175eed)
#define WAITS_SETTINGS 20
#define WAITS_REQUESTS_PER_SETTING 50000
#define WAITS_TIME_MAX_US (INT64_C(1) << 39) /* a setting's stream stops before this */
#define TEST_BINARY "build/validation_algorithm_waits"

__extension__ typedef __int128 waits_i128;

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

/* ---- settings ---- */

typedef struct waits_setting {
    int64_t limit, period_us, burst, queue_max, max_wait_us;
} waits_setting;

static const waits_setting waits_fixed[] = {
    {50, 60000000, 50, 50, 0},     {7, 1000000, 1, 1, 0},         {7, 1000000, 5, 5, 2000000},
    {10, 1000000, 10, 3, 500000},  {600, 60000000, 10, 20, 0},    {3, 60000000, 2, 2, 30000000},
    {1000, 1000000, 50, 100, 0},   {5, 3, 2, 4, 7},               {100, 7, 3, 10, 1},
    {1, 1, 1, 1, 0},
};

#define WAITS_FIXED ((int)(sizeof waits_fixed / sizeof waits_fixed[0]))

static waits_setting waits_setting_at(int index, rng *r) {
    if (index < WAITS_FIXED) {
        return waits_fixed[index];
    }
    waits_setting s = {1 + (int64_t)rng_below(r, 1000), 1 + (int64_t)rng_below(r, 10000000),
                       1 + (int64_t)rng_below(r, 30), 1 + (int64_t)rng_below(r, 30), 0};
    if (rng_below(r, 2) == 0) {
        s.max_wait_us = 1 + (int64_t)rng_below(r, (uint64_t)(5 * s.period_us / s.limit + 1));
    }
    return s;
}

static limiter_config config_of(const limiter_algorithm *a, waits_setting s) {
    limiter_config cfg = {a, s.limit, s.period_us, s.burst, s.max_wait_us, s.queue_max, 0, 0};
    assert_int_equal(limiter_config_validate(&cfg, NULL), 0);
    return cfg;
}

/* The largest cost that can ever pass. */
static int64_t capacity_of(const limiter_config *cfg) {
    const char *name = cfg->algorithm->name;
    if (strcmp(name, "leaky_bucket_queue") == 0) {
        return cfg->queue_max + 1;
    }
    if (strcmp(name, "fixed_window") == 0 || strcmp(name, "token_bucket_interval") == 0 ||
        strcmp(name, "sliding_window") == 0) {
        return cfg->limit;
    }
    return cfg->burst; /* unlimited: any cost passes; its burst is a bound worth drawing up to */
}

/* ---- the references ---- */

typedef enum reference_kind {
    REFERENCE_GCRA = 0,
    REFERENCE_PACE,
    REFERENCE_QUEUE,
    REFERENCE_WINDOW,
    REFERENCE_SLIDING,
    REFERENCE_UNLIMITED
} reference_kind;

typedef struct reference {
    reference_kind kind;
    limiter_config cfg;
    waits_i128 mark; /* TAT or next departure, in units of 1/limit us; 0 when fresh */
    int64_t *log_us, *log_cost; /* admitted requests, oldest first (window kinds) */
    size_t log_count, log_capacity;
} reference;

static reference_kind reference_kind_of(const limiter_algorithm *a) {
    const char *gcra_like[] = {"gcra", "token_bucket", "leaky_bucket_meter"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(a->name, gcra_like[i]) == 0) {
            return REFERENCE_GCRA;
        }
    }
    if (strcmp(a->name, "gcra_pace") == 0) {
        return REFERENCE_PACE;
    }
    if (strcmp(a->name, "leaky_bucket_queue") == 0) {
        return REFERENCE_QUEUE;
    }
    if (strcmp(a->name, "fixed_window") == 0 || strcmp(a->name, "token_bucket_interval") == 0) {
        return REFERENCE_WINDOW;
    }
    if (strcmp(a->name, "sliding_window") == 0) {
        return REFERENCE_SLIDING;
    }
    assert_string_equal(a->name, "unlimited");
    return REFERENCE_UNLIMITED;
}

/* ceil(a / b) for b > 0 and any sign of a. */
static waits_i128 ceil_div(waits_i128 a, waits_i128 b) {
    return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

/* Whole microseconds from t until the instant x (both in units of 1/limit us), rounded up. */
static int64_t until_us(const reference *r, waits_i128 x, waits_i128 t) {
    return (int64_t)ceil_div(x - t, r->cfg.limit);
}

static int64_t max_i64(int64_t a, int64_t b) {
    return a > b ? a : b;
}

/* Sum of the logged costs at times in [from_us, to_us). */
static int64_t logged_cost(const reference *r, int64_t from_us, int64_t to_us) {
    int64_t sum = 0;
    for (size_t i = r->log_count; i > 0 && r->log_us[i - 1] >= from_us; i--) {
        sum += r->log_us[i - 1] < to_us ? r->log_cost[i - 1] : 0;
    }
    return sum;
}

static void log_admitted(reference *r, int64_t t_us, int64_t cost) {
    if (r->log_count == r->log_capacity) {
        r->log_capacity = r->log_capacity == 0 ? 1024 : 2 * r->log_capacity;
        r->log_us = realloc(r->log_us, r->log_capacity * sizeof *r->log_us);
        r->log_cost = realloc(r->log_cost, r->log_capacity * sizeof *r->log_cost);
        assert_true(r->log_us != NULL && r->log_cost != NULL);
    }
    r->log_us[r->log_count] = t_us;
    r->log_cost[r->log_count] = cost;
    r->log_count++;
}

/* GCRA virtual scheduling with cost (and, for the queue, span = queue_max + 1 in place of b). */
static bool reference_gcra(reference *r, waits_i128 t, int64_t cost, int64_t span,
                           int64_t *wait_us) {
    waits_i128 T = r->cfg.period_us;
    if (cost > span) {
        *wait_us = max_i64(1, until_us(r, r->mark, t));
        return false;
    }
    waits_i128 start = r->mark > t ? r->mark : t;
    waits_i128 after = start + cost * T;
    if (after - t > span * T) {
        *wait_us = until_us(r, after - span * T, t);
        return false;
    }
    r->mark = after;
    *wait_us = r->kind == REFERENCE_QUEUE ? until_us(r, start, t) : 0;
    return true;
}

static bool reference_pace(reference *r, waits_i128 t, int64_t cost, int64_t *wait_us) {
    waits_i128 T = r->cfg.period_us;
    if (cost > r->cfg.burst) {
        *wait_us = max_i64(1, until_us(r, r->mark, t));
        return false;
    }
    waits_i128 earliest = r->mark - (r->cfg.burst - 1) * T;
    waits_i128 fire = earliest > t ? earliest : t;
    int64_t wait = until_us(r, fire, t);
    int64_t wait_max = r->cfg.max_wait_us > 0 ? r->cfg.max_wait_us : (INT64_C(1) << 50);
    if (wait > wait_max) {
        *wait_us = wait - wait_max;
        return false;
    }
    r->mark = (fire > r->mark ? fire : r->mark) + cost * T;
    *wait_us = wait;
    return true;
}

/* Decides cost at t_us. *wait_known is false when the reference gives no wait (a sliding window
 * refusal of a cost that can pass: the probe checks that one). */
static bool reference_decide(reference *r, int64_t t_us, int64_t cost, int64_t *wait_us,
                             bool *wait_known) {
    waits_i128 t = (waits_i128)t_us * r->cfg.limit;
    int64_t P = r->cfg.period_us;
    *wait_known = true;
    switch (r->kind) {
    case REFERENCE_GCRA: return reference_gcra(r, t, cost, r->cfg.burst, wait_us);
    case REFERENCE_QUEUE: return reference_gcra(r, t, cost, r->cfg.queue_max + 1, wait_us);
    case REFERENCE_PACE: return reference_pace(r, t, cost, wait_us);
    case REFERENCE_WINDOW: {
        int64_t window_start_us = t_us / P * P;
        if (logged_cost(r, window_start_us, window_start_us + P) + cost > r->cfg.limit) {
            *wait_us = window_start_us + P - t_us;
            return false;
        }
        break;
    }
    case REFERENCE_SLIDING: {
        int64_t window_start_us = t_us / P * P;
        int64_t in_view_us = P - (t_us - window_start_us); /* of the window before */
        int64_t prev = logged_cost(r, window_start_us - P, window_start_us);
        int64_t cur = logged_cost(r, window_start_us, window_start_us + P);
        if (cost > r->cfg.limit) {
            *wait_us = in_view_us;
            return false;
        }
        if ((waits_i128)prev * in_view_us + (waits_i128)(cur + cost) * P >
            (waits_i128)r->cfg.limit * P) {
            *wait_known = false;
            *wait_us = 0;
            return false;
        }
        break;
    }
    case REFERENCE_UNLIMITED: break;
    }
    *wait_us = 0;
    if (r->kind == REFERENCE_WINDOW || r->kind == REFERENCE_SLIDING) {
        log_admitted(r, t_us, cost);
    }
    return true;
}

/* ---- the streams ---- */

static int64_t draw_cost(rng *r, int64_t capacity) {
    switch (rng_below(r, 4)) {
    case 0: return 1 + (int64_t)rng_below(r, 3);
    case 1: return 1 + (int64_t)rng_below(r, (uint64_t)capacity + 2);
    default: return 1;
    }
}

static int64_t draw_gap_us(rng *r, const waits_setting *s, int64_t last_wait_us) {
    int64_t t_floor = s->period_us / s->limit;
    int64_t t_ceil = t_floor + (s->period_us % s->limit != 0);
    uint64_t kind = rng_below(r, 20);
    if (kind < 5) {
        return 0;
    }
    if (kind < 7) {
        return kind == 5 ? t_floor : t_ceil;
    }
    if (kind < 10 && last_wait_us > 0) { /* right at the wait it was given, or 1 us short */
        return kind == 7 ? last_wait_us - 1 : last_wait_us;
    }
    if (kind < 18) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_ceil));
    }
    return (int64_t)rng_below(r, (uint64_t)(2 * s->burst * t_ceil + 1));
}

typedef struct waits_tally {
    int64_t requests, admitted, refused;
    int64_t costly_admitted, costly_refused; /* cost above 1 */
    int64_t waits_compared, waits_probed, paced; /* paced: admitted with a wait */
    int64_t mismatches;
    char first[160];
} waits_tally;

static void mismatch(waits_tally *tally, int setting, int request, const char *what,
                     int64_t expected, int64_t got) {
    if (tally->mismatches++ == 0) {
        snprintf(tally->first, sizeof tally->first,
                 "first: setting %d request %d, %s: expected %lld, got %lld", setting, request,
                 what, (long long)expected, (long long)got);
    }
}

/* The meaning of a refusal's wait w, on copies of the state: refused at t + w - 1 (when w > 1),
 * allowed at t + w. */
static bool wait_is_least(const limiter_config *cfg, const limiter_state *state, int64_t t_us,
                          int64_t cost, int64_t wait_us) {
    limiter_decision d;
    if (wait_us > 1) {
        limiter_state before = *state;
        cfg->algorithm->decide(cfg, &before, t_us + wait_us - 1, cost, &d);
        if (d.allowed) {
            return false;
        }
    }
    limiter_state at = *state;
    cfg->algorithm->decide(cfg, &at, t_us + wait_us, cost, &d);
    return d.allowed;
}

/* Runs the streams through candidate (deciding as algorithm `as` would: the reference and the
 * capacity are the latter's) and checks every decision and wait. */
static waits_tally run_streams(const limiter_algorithm *candidate, const limiter_algorithm *as,
                               uint64_t stream) {
    rng r;
    rng_seed(&r, WAITS_SEED, stream);
    waits_tally tally;
    memset(&tally, 0, sizeof tally);
    for (int setting = 0; setting < WAITS_SETTINGS; setting++) {
        waits_setting s = waits_setting_at(setting, &r);
        limiter_config cfg = config_of(as, s);
        cfg.algorithm = candidate;
        reference ref = {.kind = reference_kind_of(as), .cfg = config_of(as, s)};
        int64_t capacity = capacity_of(&ref.cfg);
        limiter_state state = {{0}};
        int64_t now_us = 0, last_wait_us = 0;
        for (int i = 0; i < WAITS_REQUESTS_PER_SETTING; i++) {
            now_us += draw_gap_us(&r, &s, last_wait_us);
            if (now_us >= WAITS_TIME_MAX_US) {
                break;
            }
            int64_t cost = draw_cost(&r, capacity);
            limiter_state before = state;
            limiter_decision got = {false, -1};
            candidate->decide(&cfg, &state, now_us, cost, &got);
            int64_t wait_us = 0;
            bool wait_known = false;
            bool allowed = reference_decide(&ref, now_us, cost, &wait_us, &wait_known);
            tally.requests++;
            tally.admitted += allowed;
            tally.refused += !allowed;
            tally.costly_admitted += allowed && cost > 1;
            tally.costly_refused += !allowed && cost > 1;
            tally.paced += allowed && wait_us > 0;
            if (got.allowed != allowed) {
                mismatch(&tally, setting, i, "allowed", allowed, got.allowed);
                break; /* the states part ways: the rest of this setting says nothing */
            }
            if (wait_known) {
                tally.waits_compared++;
                if (got.wait_us != wait_us) {
                    mismatch(&tally, setting, i, "wait_us", wait_us, got.wait_us);
                }
            }
            if (!allowed && cost <= capacity) {
                tally.waits_probed++;
                if (got.wait_us < 1 || !wait_is_least(&cfg, &before, now_us, cost, got.wait_us)) {
                    mismatch(&tally, setting, i, "wait_us is the least delay (1 = yes)", 1, 0);
                }
            }
            last_wait_us = got.wait_us;
        }
        free(ref.log_us);
        free(ref.log_cost);
    }
    return tally;
}

static const char *reference_name(reference_kind kind) {
    switch (kind) {
    case REFERENCE_GCRA: return "textbook GCRA with cost";
    case REFERENCE_PACE: return "textbook GCRA pacing with max_wait";
    case REFERENCE_QUEUE: return "FIFO of departures one T apart, queue_max + 1 in view";
    case REFERENCE_WINDOW: return "log of admitted requests, summed per aligned window";
    case REFERENCE_SLIDING: return "log of admitted requests, window before weighted by what is "
                                   "in view";
    case REFERENCE_UNLIMITED: return "admits everything at once";
    }
    return "?";
}

/* Reports one algorithm's row; returns whether it passed. An algorithm that refuses must have
 * admitted and refused costs above 1; one that never refuses (unlimited) must have refused
 * nothing. */
static bool report_algorithm(const char *section, const char *check, const char *formula,
                             const waits_tally *t, bool refuses, bool expect_failure,
                             const char *rerun) {
    char measured[512];
    snprintf(measured, sizeof measured,
             "%lld of %lld differ%s%s (%lld admitted, %lld of cost > 1; %lld refused, %lld of "
             "cost > 1; %lld waits compared, %lld probed; %lld paced)",
             (long long)t->mismatches, (long long)t->requests, t->mismatches > 0 ? "; " : "",
             t->first, (long long)t->admitted, (long long)t->costly_admitted,
             (long long)t->refused, (long long)t->costly_refused, (long long)t->waits_compared,
             (long long)t->waits_probed, (long long)t->paced);
    bool covered = refuses ? t->costly_admitted > 0 && t->costly_refused > 0
                           : t->costly_admitted > 0 && t->refused == 0;
    bool passed = expect_failure ? t->mismatches > 0 : t->mismatches == 0 && covered;
    validation_row row = {section,
                          check,
                          formula,
                          expect_failure ? "the check fails (> 0 differ)" : "0 differ",
                          measured,
                          "exact",
                          expect_failure ? "some decision or wait must differ"
                          : refuses ? "every decision and wait equal, every refusal's wait the "
                                      "least; costs above 1 both admitted and refused"
                                    : "every decision and wait equal; nothing refused",
                          passed,
                          rerun};
    emit_row(&row);
    return passed;
}

static void decisions_and_waits_equal_the_references(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d settings x %d requests per algorithm\n",
           (unsigned long long)WAITS_SEED, WAITS_SETTINGS, WAITS_REQUESTS_PER_SETTING);
    int failures = 0;
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        const limiter_algorithm *a = limiter_algorithm_at(i);
        if (a->observe != NULL) {
            continue; /* a learning algorithm has no textbook wait: test_aimd, test_sre_throttle,
                         test_gradient and test_selector check its rules by hand */
        }
        waits_tally t = run_streams(a, a, 1);
        char check[64], formula[256];
        snprintf(check, sizeof check, "waits_%s", a->name);
        snprintf(formula, sizeof formula,
                 "%s vs %s: decisions and waits, costs 1 to capacity + 2; each refusal's wait w: "
                 "refused at w - 1, allowed at w",
                 a->name, reference_name(reference_kind_of(a)));
        bool refuses = strcmp(a->name, "unlimited") != 0;
        failures += !report_algorithm("algorithms", check, formula, &t, refuses, false,
                                      TEST_BINARY " decisions_and_waits_equal_the_references");
    }
    assert_int_equal(failures, 0);
}

/* ---- broken on purpose: GCRA whose refusals wait one emission interval too long ---- */

static void gcra_late_retry_decide(const limiter_config *cfg, limiter_state *state,
                                   int64_t now_us, int64_t cost, limiter_decision *out) {
    limiter_gcra.decide(cfg, state, now_us, cost, out);
    if (!out->allowed) {
        out->wait_us += (cfg->period_us + cfg->limit - 1) / cfg->limit;
    }
}

static void broken_gcra_wait_fails_the_check(void **state) {
    (void)state;
    limiter_algorithm late = limiter_gcra;
    late.name = "gcra_late_retry";
    late.decide = gcra_late_retry_decide;
    waits_tally t = run_streams(&late, &limiter_gcra, 1);
    bool passed = report_algorithm("broken", "broken_gcra_wait_plus_T",
                                   "broken on purpose: gcra whose refusals wait one emission "
                                   "interval too long, vs textbook GCRA with cost",
                                   &t, true, true, TEST_BINARY " broken_gcra_wait_fails_the_check");
    assert_true(passed);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decisions_and_waits_equal_the_references),
        cmocka_unit_test(broken_gcra_wait_fails_the_check),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
