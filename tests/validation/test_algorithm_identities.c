/* test_algorithm_identities.c - the limiter algorithms against the identities of theory and
 * against an independent, textbook implementation of GCRA.
 *
 * The reference is GCRA's virtual scheduling as ITU-T I.371 states it, written here apart from
 * algorithms/gcra.c and in its own form: with theoretical arrival time TAT, a request at t is
 * refused when TAT > t + tau; otherwise TAT = max(t, TAT) + T. Time is kept exactly in units of
 * 1/limit us, so T = period_us and any tau (not only multiples of T) is exact.
 *
 * Checks (fixed seed, printed; every stream of requests of cost 1, at least 100,000 per
 * property):
 *   - token_bucket(capacity b, rate r) admits exactly what the reference GCRA(T = 1/r,
 *     tau = (b - 1) T) admits, and so does ratelab's gcra(burst b);
 *   - GCRA with tau = 0 never admits two requests closer than T;
 *   - the most GCRA admits from idle is 1 + floor(tau / T) (reference, any tau; and ratelab);
 *   - the interval token bucket and the continuous one differ as the field report describes;
 *   - two deliberately broken GCRAs (tolerance one T too large; refusing at TAT = t + tau)
 *     must fail the identity check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "algorithms/limiter_registry.h"
#include "harness/core/rng.h"
#include "harness/validation/validation_row.h"

#define IDENTITY_SEED UINT64_C(0x1de47175eed)
#define IDENTITY_SETTINGS 20
#define IDENTITY_REQUESTS_PER_SETTING 50000 /* 1,000,000 requests per property */
#define TEST_BINARY "build/validation_algorithm_identities"

__extension__ typedef __int128 identity_i128;

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

/* ---- the reference: textbook GCRA, virtual scheduling ---- */

typedef struct reference_gcra {
    int64_t scale;        /* time unit 1/scale us: scale = limit */
    int64_t increment;    /* T in time units: period_us */
    int64_t tolerance;    /* tau in time units */
    identity_i128 tat;    /* theoretical arrival time, in time units; 0 when fresh */
    bool refuse_at_limit; /* broken variant: refuse when TAT >= t + tau (not >) and TAT > t */
} reference_gcra;

/* GCRA(T = period_us / limit, tau = tolerance / limit us). */
static reference_gcra reference_make(int64_t limit, int64_t period_us, int64_t tolerance) {
    reference_gcra g = {limit, period_us, tolerance, 0, false};
    return g;
}

/* Is a request at t_us conforming? Updates TAT when it is. */
static bool reference_conforms(reference_gcra *g, int64_t t_us) {
    identity_i128 t = (identity_i128)t_us * g->scale;
    identity_i128 tat = g->tat < t ? t : g->tat;
    /* The broken variant also refuses a busy limiter exactly at the limit, TAT = t + tau. */
    bool over = g->refuse_at_limit ? tat > t && tat >= t + g->tolerance : tat > t + g->tolerance;
    if (over) {
        return false;
    }
    g->tat = tat + g->increment;
    return true;
}

/* ---- streams ---- */

typedef struct identity_setting {
    int64_t limit;
    int64_t period_us;
    int64_t burst;
} identity_setting;

/* The field report's settings and exact or awkward rates; the rest are drawn at random. */
static const identity_setting identity_fixed[] = {
    {50, 60000000, 50},  {7, 1000000, 1},  {7, 1000000, 5},     {10, 1000000, 10},
    {600, 60000000, 10}, {3, 60000000, 2}, {1000, 1000000, 50}, {5, 3, 2},
    {100, 7, 3},         {1, 1, 1},
};

#define IDENTITY_FIXED ((int)(sizeof identity_fixed / sizeof identity_fixed[0]))

static identity_setting identity_setting_at(int index, rng *r) {
    if (index < IDENTITY_FIXED) {
        return identity_fixed[index];
    }
    identity_setting s = {1 + (int64_t)rng_below(r, 1000), 1 + (int64_t)rng_below(r, 10000000),
                          1 + (int64_t)rng_below(r, 30)};
    return s;
}

static limiter_config config_of(const limiter_algorithm *algorithm, identity_setting s) {
    limiter_config cfg = {algorithm, s.limit, s.period_us, s.burst, 0, 0, 0, 0};
    assert_int_equal(limiter_config_validate(&cfg, NULL), 0);
    return cfg;
}

/* A gap that mixes bursts (0), exactly one T (rounded either way), spacing near T and idle. */
static int64_t identity_gap_us(rng *r, identity_setting s) {
    int64_t t_floor = s.period_us / s.limit;
    int64_t t_ceil = t_floor + (s.period_us % s.limit != 0);
    uint64_t kind = rng_below(r, 20);
    if (kind < 6) {
        return 0;
    }
    if (kind < 8) {
        return kind == 6 ? t_floor : t_ceil;
    }
    if (kind < 17) {
        return (int64_t)rng_below(r, (uint64_t)(2 * t_ceil));
    }
    return (int64_t)rng_below(r, (uint64_t)(2 * s.burst * t_ceil + 1));
}

static bool decide(const limiter_config *cfg, limiter_state *state, int64_t now_us) {
    limiter_decision d = {false, -1};
    cfg->algorithm->decide(cfg, state, now_us, 1, &d);
    return d.allowed;
}

typedef struct stream_tally {
    int64_t requests, admitted;
    int64_t mismatches; /* candidate and reference disagreed */
    int64_t first_mismatch_setting, first_mismatch_request;
} stream_tally;

/* Runs the same random streams through candidate and the reference GCRA with
 * tau = (b - 1) T (broken at the limit when reference_refuses_at_limit); counts disagreements. */
static stream_tally compare_with_reference(const limiter_algorithm *candidate, uint64_t stream,
                                           bool reference_refuses_at_limit) {
    rng r;
    rng_seed(&r, IDENTITY_SEED, stream);
    stream_tally tally = {0, 0, 0, -1, -1};
    for (int setting = 0; setting < IDENTITY_SETTINGS; setting++) {
        identity_setting s = identity_setting_at(setting, &r);
        limiter_config cfg = config_of(candidate, s);
        limiter_state state = {{0}};
        reference_gcra g = reference_make(s.limit, s.period_us, (s.burst - 1) * s.period_us);
        g.refuse_at_limit = reference_refuses_at_limit;
        int64_t now_us = 0;
        for (int i = 0; i < IDENTITY_REQUESTS_PER_SETTING; i++) {
            now_us += identity_gap_us(&r, s);
            bool a = decide(&cfg, &state, now_us);
            bool b = reference_conforms(&g, now_us);
            tally.requests++;
            tally.admitted += b;
            if (a != b) {
                if (tally.mismatches == 0) {
                    tally.first_mismatch_setting = setting;
                    tally.first_mismatch_request = i;
                }
                tally.mismatches++;
            }
        }
    }
    return tally;
}

static void report_identity(const char *section, const char *check, const char *formula,
                            const char *expected, const stream_tally *t, bool passed,
                            const char *tolerance, const char *rerun) {
    char measured[160];
    if (t->mismatches == 0) {
        snprintf(measured, sizeof measured, "0 of %lld differ (%lld admitted, %lld refused)",
                 (long long)t->requests, (long long)t->admitted,
                 (long long)(t->requests - t->admitted));
    } else {
        snprintf(measured, sizeof measured,
                 "%lld of %lld differ (first: setting %lld request %lld)", (long long)t->mismatches,
                 (long long)t->requests, (long long)t->first_mismatch_setting,
                 (long long)t->first_mismatch_request);
    }
    validation_row row = {section, check,     formula, expected, measured,
                          "exact", tolerance, passed,  rerun};
    emit_row(&row);
}

static void token_bucket_and_gcra_equal_the_reference(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d settings x %d requests\n", (unsigned long long)IDENTITY_SEED,
           IDENTITY_SETTINGS, IDENTITY_REQUESTS_PER_SETTING);
    const char *rerun = TEST_BINARY " token_bucket_and_gcra_equal_the_reference";
    stream_tally tb = compare_with_reference(&limiter_token_bucket, 1, false);
    bool tb_ok = tb.mismatches == 0 && tb.admitted > tb.requests / 10 &&
                 tb.requests - tb.admitted > tb.requests / 10;
    report_identity("algorithms", "token_bucket_equals_gcra",
                    "token_bucket(capacity b, rate r) vs textbook GCRA(T = 1/r, tau = (b-1) T), "
                    "random streams, 20 settings",
                    "0 differ", &tb, tb_ok, "every decision equal; both answers >= 10% of requests",
                    rerun);
    stream_tally gcra = compare_with_reference(&limiter_gcra, 1, false);
    bool gcra_ok = gcra.mismatches == 0;
    report_identity("algorithms", "gcra_equals_reference",
                    "ratelab gcra(burst b) vs textbook GCRA(T = 1/r, tau = (b-1) T), same streams",
                    "0 differ", &gcra, gcra_ok, "every decision equal", rerun);
    assert_true(tb_ok);
    assert_true(gcra_ok);
}

/* With tau = 0, admitted requests i < j satisfy (t_j - t_i) x limit >= period_us. */
static void gcra_tau_zero_spacing(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " gcra_tau_zero_spacing";
    rng r;
    rng_seed(&r, IDENTITY_SEED, 2);
    int64_t requests = 0, admitted = 0, too_close = 0, tight = 0;
    double min_ratio = 1e300;
    for (int setting = 0; setting < IDENTITY_SETTINGS; setting++) {
        identity_setting s = identity_setting_at(setting, &r);
        s.burst = 1;
        limiter_config cfg = config_of(&limiter_gcra, s);
        limiter_state st = {{0}};
        reference_gcra g = reference_make(s.limit, s.period_us, 0);
        int64_t now_us = 0, last_us = -1;
        for (int i = 0; i < IDENTITY_REQUESTS_PER_SETTING; i++) {
            now_us += identity_gap_us(&r, s);
            bool a = decide(&cfg, &st, now_us);
            assert_true(a == reference_conforms(&g, now_us));
            requests++;
            if (!a) {
                continue;
            }
            if (last_us >= 0) {
                identity_i128 gap = (identity_i128)(now_us - last_us) * s.limit;
                too_close += gap < s.period_us;
                tight += gap == s.period_us;
                double ratio = (double)gap / (double)s.period_us;
                min_ratio = ratio < min_ratio ? ratio : min_ratio;
            }
            last_us = now_us;
            admitted++;
        }
    }
    char measured[192];
    snprintf(
        measured, sizeof measured,
        "min gap = %.6f T over %lld admitted of %lld; %lld pairs closer than T; %lld exactly T",
        min_ratio, (long long)admitted, (long long)requests, (long long)too_close,
        (long long)tight);
    bool passed = too_close == 0 && min_ratio >= 1.0 && tight > 0;
    validation_row row = {"algorithms",
                          "gcra_tau0_spacing",
                          "GCRA tau = 0 (burst 1): admitted requests never closer than T",
                          "min gap >= 1 T",
                          measured,
                          "exact",
                          "no pair closer than T; the bound is reached (some gaps exactly T)",
                          passed,
                          rerun};
    emit_row(&row);
    assert_true(passed);
}

/* From idle, requests at one instant until the first refusal: the count admitted. */
static int64_t reference_burst_from_idle(reference_gcra g, int64_t at_us) {
    int64_t count = 0;
    while (reference_conforms(&g, at_us)) {
        count++;
        assert_true(count <= 1000000);
    }
    return count;
}

static void gcra_max_burst_from_idle(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " gcra_max_burst_from_idle";
    rng r;
    rng_seed(&r, IDENTITY_SEED, 3);
    /* Reference, any tau: 100,000 random (T, tau), tau up to 50 T and mostly not a multiple. */
    int64_t reference_cases = 100000, reference_wrong = 0;
    for (int64_t i = 0; i < reference_cases; i++) {
        int64_t limit = 1 + (int64_t)rng_below(&r, 1000);
        int64_t period_us = 1 + (int64_t)rng_below(&r, 10000000);
        int64_t tolerance = (int64_t)rng_below(&r, (uint64_t)(50 * period_us + 1));
        reference_gcra g = reference_make(limit, period_us, tolerance);
        int64_t at_us = (int64_t)rng_below(&r, 1000000000);
        reference_wrong += reference_burst_from_idle(g, at_us) != 1 + tolerance / period_us;
    }
    /* ratelab gcra, tau = (b - 1) T: from fresh, and from idle after random history. */
    int64_t ratelab_cases = 0, ratelab_wrong = 0;
    for (int setting = 0; setting < IDENTITY_SETTINGS; setting++) {
        identity_setting s = identity_setting_at(setting, &r);
        for (int64_t b = 1; b <= 100; b++) {
            s.burst = b;
            limiter_config cfg = config_of(&limiter_gcra, s);
            limiter_state st = {{0}};
            int64_t now_us = 0;
            for (int round = 0; round < 5; round++) {
                for (int k = 0; k < 20; k++) { /* some history */
                    now_us += identity_gap_us(&r, s);
                    decide(&cfg, &st, now_us);
                }
                /* Idle for at least tau + T = b T: the limiter is idle again. */
                now_us += (int64_t)(((identity_i128)b * s.period_us + s.limit - 1) / s.limit);
                int64_t count = 0;
                while (decide(&cfg, &st, now_us)) {
                    count++;
                }
                ratelab_cases++;
                ratelab_wrong += count != 1 + ((b - 1) * s.period_us) / s.period_us;
            }
        }
    }
    char measured[192];
    snprintf(measured, sizeof measured,
             "%lld of %lld reference cases (tau any) and %lld of %lld ratelab gcra cases differ",
             (long long)reference_wrong, (long long)reference_cases, (long long)ratelab_wrong,
             (long long)ratelab_cases);
    bool passed = reference_wrong == 0 && ratelab_wrong == 0;
    validation_row row = {"algorithms",
                          "gcra_max_burst_from_idle",
                          "GCRA from idle admits 1 + floor(tau/T) at one instant, then refuses",
                          "0 differ",
                          measured,
                          "exact",
                          "every case equal",
                          passed,
                          rerun};
    emit_row(&row);
    assert_true(passed);
}

/* ---- interval bucket versus continuous bucket: the field report's setting ---- */

typedef struct steady_result {
    int64_t admitted_first_minute;
    int64_t admitted_total;
    int64_t longest_gap_us; /* longest time between consecutive admissions */
} steady_result;

/* One request every 100 ms for 10 minutes from t = 0. */
static steady_result steady_overload(const limiter_config *cfg) {
    limiter_state st = {{0}};
    steady_result out = {0, 0, 0};
    int64_t last_us = -1;
    for (int64_t t_us = 0; t_us < 600000000; t_us += 100000) {
        if (!decide(cfg, &st, t_us)) {
            continue;
        }
        out.admitted_total++;
        out.admitted_first_minute += t_us < 60000000;
        if (last_us >= 0 && t_us - last_us > out.longest_gap_us) {
            out.longest_gap_us = t_us - last_us;
        }
        last_us = t_us;
    }
    return out;
}

#define FIELD_REPORT_RERUN TEST_BINARY " interval_versus_continuous_field_report"

/* 1. From full, 51 requests at t = 0: both admit 50. Then when can the next one pass? */
static bool field_report_after_burst(const limiter_config *continuous,
                                     const limiter_config *interval) {
    limiter_state c = {{0}}, i = {{0}};
    int64_t burst_c = 0, burst_i = 0;
    for (int k = 0; k < 51; k++) {
        burst_c += decide(continuous, &c, 0);
        burst_i += decide(interval, &i, 0);
    }
    limiter_decision next_c, next_i;
    continuous->algorithm->decide(continuous, &c, 0, 1, &next_c);
    interval->algorithm->decide(interval, &i, 0, 1, &next_i);
    bool ok =
        burst_c == 50 && burst_i == 50 && next_c.wait_us == 1200000 && next_i.wait_us == 60000000;
    char measured[192];
    snprintf(measured, sizeof measured,
             "both admit %lld/%lld of 51; next admission after %.1f s (continuous) vs %.1f s "
             "(interval)",
             (long long)burst_c, (long long)burst_i, (double)next_c.wait_us / 1e6,
             (double)next_i.wait_us / 1e6);
    validation_row row = {"algorithms",
                          "interval_vs_continuous_after_burst",
                          "field report (max_tokens 50, refill_interval 60 s): 51 requests at "
                          "t = 0, then when can the next pass",
                          "50/50; 1.2 s (one token, 60 s/50) vs 60 s (the next refill)",
                          measured,
                          "exact",
                          "equal",
                          ok,
                          FIELD_REPORT_RERUN};
    emit_row(&row);
    return ok;
}

/* 2. Steady overload, 10/s for 10 minutes (12 x the rate). Hand-computed: the continuous bucket
 * admits 54 in a row (it refills 1/12 token per request), then one every 1.2 s from 6.0 s:
 * 54 + 45 = 99 in the first minute, 54 + 495 = 549 in all, gaps at most 1.2 s. The interval
 * bucket admits the first 50 of each minute (0 to 4.9 s), then refuses until the refill:
 * 50 per minute, 500 in all, gaps of 55.1 s. */
static bool field_report_steady_overload(const limiter_config *continuous,
                                         const limiter_config *interval) {
    steady_result sc = steady_overload(continuous);
    steady_result si = steady_overload(interval);
    bool ok = sc.admitted_first_minute == 99 && sc.admitted_total == 549 &&
              sc.longest_gap_us == 1200000 && si.admitted_first_minute == 50 &&
              si.admitted_total == 500 && si.longest_gap_us == 55100000;
    char measured[192];
    snprintf(measured, sizeof measured,
             "continuous %lld / %lld, longest gap %.1f s; interval %lld / %lld, longest gap %.1f s",
             (long long)sc.admitted_first_minute, (long long)sc.admitted_total,
             (double)sc.longest_gap_us / 1e6, (long long)si.admitted_first_minute,
             (long long)si.admitted_total, (double)si.longest_gap_us / 1e6);
    validation_row row = {"algorithms",
                          "interval_vs_continuous_steady_overload",
                          "field report setting, 10 requests/s for 10 min: admitted in the first "
                          "minute / in all, longest gap between admissions",
                          "continuous 99 / 549, 1.2 s; interval 50 / 500, 55.1 s",
                          measured,
                          "exact",
                          "equal (hand-computed)",
                          ok,
                          FIELD_REPORT_RERUN};
    emit_row(&row);
    return ok;
}

/* 3. At a refill boundary: 50 at 59.999999 s and 50 at 60 s, from full. */
static bool field_report_refill_edge(const limiter_config *continuous,
                                     const limiter_config *interval) {
    limiter_state c = {{0}}, i = {{0}};
    int64_t edge_c = 0, edge_i = 0;
    for (int k = 0; k < 100; k++) {
        int64_t at_us = k < 50 ? 59999999 : 60000000;
        edge_c += decide(continuous, &c, at_us);
        edge_i += decide(interval, &i, at_us);
    }
    bool ok = edge_c == 50 && edge_i == 100;
    char measured[96];
    snprintf(measured, sizeof measured, "continuous %lld, interval %lld within 1 us",
             (long long)edge_c, (long long)edge_i);
    validation_row row = {"algorithms",
                          "interval_vs_continuous_refill_edge",
                          "field report setting: 50 requests at 59.999999 s and 50 at 60 s",
                          "continuous 50 (b + r w), interval 100 (2 x max_tokens)",
                          measured,
                          "exact",
                          "equal",
                          ok,
                          FIELD_REPORT_RERUN};
    emit_row(&row);
    return ok;
}

static void interval_versus_continuous_field_report(void **state) {
    (void)state;
    identity_setting s = {50, 60000000, 50}; /* max_tokens 50, refill_interval 60 s */
    limiter_config continuous = config_of(&limiter_token_bucket, s);
    limiter_config interval = config_of(&limiter_token_bucket_interval, s);
    int failures = !field_report_after_burst(&continuous, &interval);
    failures += !field_report_steady_overload(&continuous, &interval);
    failures += !field_report_refill_edge(&continuous, &interval);
    assert_int_equal(failures, 0);
}

/* ---- deliberately broken GCRAs ---- */

/* GCRA whose tolerance is one T too large: tau = b T instead of (b - 1) T. */
static void gcra_tau_plus_one_decide(const limiter_config *cfg, limiter_state *state,
                                     int64_t now_us, int64_t cost, limiter_decision *out) {
    limiter_config wider = *cfg;
    wider.burst = cfg->burst + 1;
    limiter_gcra.decide(&wider, state, now_us, cost, out);
}

static const limiter_algorithm gcra_tau_plus_one = {
    .name = "gcra_tau_plus_one",
    .summary = "broken on purpose: GCRA with tau one emission interval too large",
    .params = LIMITER_PARAM_RATE | LIMITER_PARAM_BURST,
    .paces = false,
    .validate = NULL,
    .decide = gcra_tau_plus_one_decide,
};

static int broken_validate(const limiter_config *cfg, rl_error *err) {
    return limiter_gcra.validate(cfg, err);
}

static void broken_gcras_fail_the_identity(void **state) {
    (void)state;
    const char *rerun = TEST_BINARY " broken_gcras_fail_the_identity";
    limiter_algorithm off_by_one_t = gcra_tau_plus_one;
    off_by_one_t.validate = broken_validate;
    stream_tally wide = compare_with_reference(&off_by_one_t, 1, false);
    report_identity("broken", "broken_gcra_tau_plus_T",
                    "broken on purpose: gcra with tau = b T (one T too large) vs textbook GCRA "
                    "(b-1) T",
                    "the identity check fails (> 0 differ)", &wide, wide.mismatches > 0,
                    "some decisions must differ", rerun);
    stream_tally edge = compare_with_reference(&limiter_token_bucket, 1, true);
    report_identity("broken", "broken_gcra_refuses_at_limit",
                    "broken on purpose: textbook GCRA refusing at TAT = t + tau (>= for >) vs "
                    "token_bucket",
                    "the identity check fails (> 0 differ)", &edge, edge.mismatches > 0,
                    "some decisions must differ", rerun);
    assert_true(wide.mismatches > 0);
    assert_true(edge.mismatches > 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(token_bucket_and_gcra_equal_the_reference),
        cmocka_unit_test(gcra_tau_zero_spacing),
        cmocka_unit_test(gcra_max_burst_from_idle),
        cmocka_unit_test(interval_versus_continuous_field_report),
        cmocka_unit_test(broken_gcras_fail_the_identity),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
