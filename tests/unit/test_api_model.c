/* test_api_model.c - tests of the upstream API models (api_model.h) and their presets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"
#include "harness/core/rng.h"
#include "mock_api/api_model.h"
#include "mock_api/api_presets.h"
#include "mock_api/api_sliding_count.h"

#define MS INT64_C(1000)
#define S (INT64_C(1000) * MS)
#define H (INT64_C(3600) * S)

#define SEED UINT64_C(42)
#define PROPERTY_SEED UINT64_C(7340033)
#define PROPERTY_ARRIVALS 6000

/* ---- helpers ---- */

/* A burst_intolerant API: limit per window_us, no short window, no drops or penalty. */
static api_config burst_intolerant(int64_t limit, int64_t window_us) {
    api_config config = {
        .kind = API_MODEL_BURST_INTOLERANT,
        .limit = limit,
        .window_us = window_us,
        .burst_window_us = 100 * MS,
        .latency_us = {.kind = DIST_CONSTANT, .a = 7 * MS, .b = 7 * MS},
    };
    return config;
}

/* A quota_bound API: limit per window_us, every request costing cost tokens. */
static api_config quota_bound(int64_t limit, int64_t window_us, int64_t cost) {
    api_config config = burst_intolerant(limit, window_us);
    config.kind = API_MODEL_QUOTA_BOUND;
    config.cost_tokens = dist_constant(cost);
    return config;
}

/* A leaky_bucket API: bucket_size deep, leaking limit per window_us, 7 ms latency. */
static api_config leaky_bucket(int64_t bucket_size, int64_t limit, int64_t window_us) {
    api_config config = burst_intolerant(limit, window_us);
    config.kind = API_MODEL_LEAKY_BUCKET;
    config.bucket_size = bucket_size;
    config.burst_window_us = S;
    return config;
}

static void model_init_checked(api_model *model, const api_config *config, uint64_t seed) {
    rl_error err;
    rl_error_clear(&err);
    int rc = api_config_validate(config, &err);
    if (rc != RL_OK) {
        fail_msg("config invalid: %s", err.message);
    }
    assert_int_equal(api_model_init(model, config, seed, 3), RL_OK);
}

static api_response call(api_model *model, int64_t now_us) {
    api_response response;
    assert_int_equal(api_model_call(model, now_us, &response), RL_OK);
    return response;
}

/* A call at now_us to a leaky bucket: expects status, Retry-After and the reported fill. */
static void expect_bucket(api_model *model, int64_t now_us, api_status status,
                          int64_t retry_after_us, int64_t fill) {
    api_response response = call(model, now_us);
    if (response.status != status || response.retry_after_us != retry_after_us ||
        response.bucket_fill != fill) {
        fail_msg("at %lld us: %s, Retry-After %lld us, fill %lld; expected %s, %lld us, %lld",
                 (long long)now_us, api_status_name(response.status),
                 (long long)response.retry_after_us, (long long)response.bucket_fill,
                 api_status_name(status), (long long)retry_after_us, (long long)fill);
    }
    assert_int_equal(response.bucket_size, model->config.bucket_size);
}

static void expect_accepted(api_model *model, int64_t now_us) {
    api_response response = call(model, now_us);
    if (response.status != API_STATUS_ACCEPTED) {
        fail_msg("at %lld us: %s (Retry-After %lld us), expected accepted", (long long)now_us,
                 api_status_name(response.status), (long long)response.retry_after_us);
    }
    assert_int_equal(response.retry_after_us, 0);
}

static void expect_429(api_model *model, int64_t now_us, int64_t retry_after_us) {
    api_response response = call(model, now_us);
    if (response.status != API_STATUS_REJECTED_429) {
        fail_msg("at %lld us: %s, expected 429", (long long)now_us,
                 api_status_name(response.status));
    }
    assert_int_equal(response.retry_after_us, retry_after_us);
    assert_int_equal(response.cost_tokens, 0);
}

/* ---- exact cases ---- */

/* limit 3 per 1 s: the 4th in the window gets Retry-After = window end; refusals use no quota. */
static void test_fixed_window(void **state) {
    (void)state;
    api_config config = burst_intolerant(3, S);
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_accepted(&model, 100 * MS);
    expect_accepted(&model, 200 * MS);
    expect_429(&model, 300 * MS, 700 * MS);
    expect_429(&model, S - 1, 1);
    expect_accepted(&model, S);
    expect_accepted(&model, S + 1);
    expect_accepted(&model, 2 * S - 1);
    expect_429(&model, 2 * S - 1, 1);
    expect_accepted(&model, 5 * S + 3); /* windows skipped: still aligned to 0 */
    api_model_destroy(&model);
}

/* burst 2 per sliding 100 ms: Retry-After is when the oldest accepted leaves the window. */
static void test_burst_window(void **state) {
    (void)state;
    api_config config = burst_intolerant(100, S);
    config.burst_limit = 2;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_accepted(&model, 10 * MS);
    expect_429(&model, 50 * MS, 50 * MS);
    expect_429(&model, 100 * MS - 1, 1);
    expect_accepted(&model, 100 * MS);      /* 0 is out of (0, 100 ms] */
    expect_429(&model, 105 * MS, 5 * MS);   /* (5, 105] holds 10 and 100: wait for 10 to go */
    expect_accepted(&model, 110 * MS);
    expect_429(&model, 110 * MS, 90 * MS);  /* now 100 and 110: wait for 100 to go at 200 */
    api_model_destroy(&model);
}

/* Refused by both windows: Retry-After is when both admit, and the retry then passes. */
static void test_retry_after_covers_every_broken_limit(void **state) {
    (void)state;
    api_config config = burst_intolerant(3, S);
    config.burst_limit = 2;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_accepted(&model, 950 * MS);
    expect_accepted(&model, 960 * MS);
    /* The fixed window admits at 1000 ms, the burst window (950 leaving) at 1050 ms. */
    expect_429(&model, 970 * MS, 80 * MS);
    expect_429(&model, 1050 * MS - 1, 1);
    expect_accepted(&model, 1050 * MS);
    api_model_destroy(&model);
}

/* A violation starts a penalty; requests refused during it do not extend it. */
static void test_penalty(void **state) {
    (void)state;
    api_config config = burst_intolerant(1, S);
    config.penalty_us = 5 * S;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_429(&model, 100 * MS, 5 * S); /* window admits at 1 s, the penalty ends at 5.1 s */
    assert_int_equal(model.penalty_until_us, 5100 * MS);
    expect_429(&model, 1500 * MS, 3600 * MS); /* window free, penalty not */
    expect_429(&model, 5100 * MS - 1, 1);
    assert_int_equal(model.penalty_until_us, 5100 * MS);
    expect_accepted(&model, 5100 * MS);
    expect_429(&model, 5200 * MS, 5 * S); /* a new violation, a new penalty */
    assert_int_equal(model.penalty_until_us, 10200 * MS);
    api_model_destroy(&model);
}

/* A penalty shorter than the window: Retry-After is the window end, the later of the two. */
static void test_short_penalty(void **state) {
    (void)state;
    api_config config = burst_intolerant(1, S);
    config.penalty_us = 100 * MS;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_429(&model, 200 * MS, 800 * MS);
    expect_429(&model, 250 * MS, 750 * MS); /* in the penalty (until 300 ms); window full */
    expect_accepted(&model, S);
    api_model_destroy(&model);
}

/* drop 100%: every refusal is a dropped connection without Retry-After; latency still drawn. */
static void test_drop_all(void **state) {
    (void)state;
    api_config config = burst_intolerant(1, S);
    config.drop_ppm = 1000000;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    for (int64_t t = 1; t < 100; t++) {
        api_response response = call(&model, t * MS);
        assert_int_equal(response.status, API_STATUS_DROPPED);
        assert_int_equal(response.retry_after_us, 0);
        assert_int_equal(response.latency_us, 7 * MS);
    }
    expect_accepted(&model, S);
    api_model_destroy(&model);
}

/* drop 25%: about a quarter of refusals dropped (exact count fixed by the seed). */
static void test_drop_share(void **state) {
    (void)state;
    api_config config = burst_intolerant(1, H);
    config.drop_ppm = 250000;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    int64_t dropped = 0;
    for (int64_t t = 1; t <= 100000; t++) {
        api_response response = call(&model, t);
        assert_int_not_equal(response.status, API_STATUS_ACCEPTED);
        dropped += response.status == API_STATUS_DROPPED;
    }
    assert_in_range(dropped, 24000, 26000);
    api_model_destroy(&model);
}

/* quota_bound, 2,500 tokens per minute at 1,000 per request: the third waits for the window. */
static void test_tokens_limit(void **state) {
    (void)state;
    api_config config = quota_bound(100, 60 * S, 1000);
    config.tokens_limit = 2500;
    api_model model;
    model_init_checked(&model, &config, SEED);
    api_response response = call(&model, 0);
    assert_int_equal(response.status, API_STATUS_ACCEPTED);
    assert_int_equal(response.cost_tokens, 1000);
    expect_accepted(&model, S);
    assert_int_equal(model.window_tokens, 2000);
    expect_429(&model, 2 * S, 58 * S);
    assert_int_equal(model.window_tokens, 2000);
    response = call(&model, 60 * S);
    assert_int_equal(response.status, API_STATUS_ACCEPTED);
    assert_int_equal(response.cost_tokens, 1000);
    assert_int_equal(model.window_tokens, 1000);
    api_model_destroy(&model);

    /* Exactly tokens_limit fits. */
    config.tokens_limit = 2000;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_accepted(&model, 1);
    assert_int_equal(model.window_tokens, 2000);
    expect_429(&model, 2, 60 * S - 2);
    api_model_destroy(&model);
}

/* quota_bound, 3 requests per hour on top of 100 per second. */
static void test_quota_window(void **state) {
    (void)state;
    api_config config = quota_bound(100, S, 0);
    config.quota_limit = 3;
    config.quota_window_us = H;
    api_model model;
    model_init_checked(&model, &config, SEED);
    expect_accepted(&model, 0);
    expect_accepted(&model, 1);
    expect_accepted(&model, 2);
    expect_429(&model, 3, H - 3);
    expect_429(&model, 10 * S, H - 10 * S);
    expect_accepted(&model, H);
    api_model_destroy(&model);
}

/* 5 arrivals within 1 ms, then spread out: max_burst 5, first reached at the 5th. Refused
 * arrivals count. A later window holding 5 again does not move max_burst_at_us. */
static void test_max_burst_known_pattern(void **state) {
    (void)state;
    api_config config = burst_intolerant(1, H);
    api_model model;
    model_init_checked(&model, &config, SEED);
    const int64_t times_us[] = {0, 200, 400, 600, 800, 100 * MS, 300 * MS, 500 * MS, 2 * S};
    for (size_t i = 0; i < sizeof times_us / sizeof times_us[0]; i++) {
        call(&model, times_us[i]);
    }
    assert_int_equal(model.max_burst, 5); /* (0, 100 ms] also holds 5 */
    assert_int_equal(model.max_burst_at_us, 800);
    api_model_destroy(&model);
}

/* The burst window is half-open: arrivals exactly burst_window_us apart are never together. */
static void test_max_burst_half_open(void **state) {
    (void)state;
    api_config config = burst_intolerant(100, S);
    api_model model;
    model_init_checked(&model, &config, SEED);
    call(&model, 0);
    call(&model, 100 * MS);
    call(&model, 200 * MS);
    assert_int_equal(model.max_burst, 1);
    assert_int_equal(model.max_burst_at_us, 0);
    call(&model, 299 * MS);
    assert_int_equal(model.max_burst, 2);
    assert_int_equal(model.max_burst_at_us, 299 * MS);
    api_model_destroy(&model);
}

/* config is refused with RL_ERR_INVALID and a message starting with prefix. */
static void expect_invalid(const api_config *config, const char *prefix) {
    rl_error err;
    rl_error_clear(&err);
    int rc = api_config_validate(config, &err);
    if (rc != RL_ERR_INVALID || strncmp(err.message, prefix, strlen(prefix)) != 0) {
        fail_msg("rc %d, message \"%s\"; expected a message starting \"%s\"", rc, err.message,
                 prefix);
    }
}

/* Every setting out of range is refused with a message naming it. */
static void test_validate(void **state) {
    (void)state;
    const api_config good_bi = burst_intolerant(10, S);
    api_config good_qb = quota_bound(10, S, 5);
    good_qb.tokens_limit = 100;
    assert_int_equal(api_config_validate(&good_bi, NULL), RL_OK);
    assert_int_equal(api_config_validate(&good_qb, NULL), RL_OK);
    api_config c;

    c = good_bi, c.kind = (api_model_kind)7, expect_invalid(&c, "model:");
    c = good_bi, c.limit = 0, expect_invalid(&c, "limit:");
    c = good_bi, c.limit = (INT64_C(1) << 53) + 1, expect_invalid(&c, "limit:");
    c = good_bi, c.window_us = 0, expect_invalid(&c, "limit: the window");
    c = good_bi, c.window_us = (INT64_C(1) << 40) + 1, expect_invalid(&c, "limit: the window");
    c = good_bi, c.burst_limit = -1, expect_invalid(&c, "burst:");
    c = good_bi, c.burst_window_us = 0, expect_invalid(&c, "burst: the window");
    c = good_bi, c.drop_ppm = 1000001, expect_invalid(&c, "drop:");
    c = good_bi, c.drop_ppm = -1, expect_invalid(&c, "drop:");
    c = good_bi, c.penalty_us = -1, expect_invalid(&c, "penalty:");
    c = good_bi, c.latency_us.a = -1, expect_invalid(&c, "latency:");
    c = good_bi, c.latency_us.kind = (dist_kind)9, expect_invalid(&c, "latency:");
    c = good_bi, c.tokens_limit = 5, expect_invalid(&c, "tokens: only for model quota_bound");
    c = good_bi, c.cost_tokens = dist_constant(3), expect_invalid(&c, "cost: only for model quota_bound");
    c = good_bi, c.quota_limit = 3, expect_invalid(&c, "quota: only for model quota_bound");
    c = good_bi, c.quota_window_us = S, expect_invalid(&c, "quota: only for model quota_bound");
    c = good_qb, c.tokens_limit = -1, expect_invalid(&c, "tokens:");
    c = good_qb, c.quota_limit = 3, expect_invalid(&c, "quota: the window");
    c = good_qb, c.quota_limit = -3, expect_invalid(&c, "quota:");
    c = good_qb, c.quota_window_us = -1, expect_invalid(&c, "quota: the window");
    c = good_qb, c.cost_tokens.kind = DIST_UNIFORM, c.cost_tokens.b = 1, expect_invalid(&c, "cost:");
    c = good_qb, c.cost_tokens = dist_constant(101), expect_invalid(&c, "cost:");

    /* Allowed: the edges, and the shared settings on either model. */
    c = good_bi, c.drop_ppm = 1000000, c.penalty_us = 0, c.burst_limit = 0;
    assert_int_equal(api_config_validate(&c, NULL), RL_OK);
    c = good_qb, c.burst_limit = 3, c.drop_ppm = 10, c.penalty_us = S, c.tokens_limit = 0;
    c.cost_tokens = (dist){.kind = DIST_EXPONENTIAL, .a = 500};
    assert_int_equal(api_config_validate(&c, NULL), RL_OK);
    c = good_qb, c.quota_limit = 3, c.quota_window_us = H;
    assert_int_equal(api_config_validate(&c, NULL), RL_OK);
}

/* burst_limit if set, else floor(limit * burst_window / window), at least 1, without overflow. */
static void test_burst_allowance(void **state) {
    (void)state;
    api_config config = burst_intolerant(120, 60 * S);
    config.burst_window_us = S;
    assert_int_equal(api_config_burst_allowance(&config), 2);
    config.burst_limit = 7;
    assert_int_equal(api_config_burst_allowance(&config), 7);
    config = burst_intolerant(10, 3 * S);
    config.burst_window_us = S;
    assert_int_equal(api_config_burst_allowance(&config), 3);
    config = burst_intolerant(1, H);
    config.burst_window_us = S;
    assert_int_equal(api_config_burst_allowance(&config), 1);
    config = burst_intolerant(INT64_C(1) << 53, INT64_C(1) << 40);
    config.burst_window_us = (INT64_C(1) << 40) - 1; /* product near 2^93 */
    assert_int_equal(api_config_burst_allowance(&config), (INT64_C(1) << 53) - (INT64_C(1) << 13));
    config = burst_intolerant(INT64_C(1) << 53, 1);
    config.burst_window_us = INT64_C(1) << 40;
    assert_int_equal(api_config_burst_allowance(&config), INT64_MAX);
}

static void test_names(void **state) {
    (void)state;
    api_model_kind kind = API_MODEL_BURST_INTOLERANT;
    assert_string_equal(api_model_kind_name(API_MODEL_BURST_INTOLERANT), "burst_intolerant");
    assert_string_equal(api_model_kind_name(API_MODEL_QUOTA_BOUND), "quota_bound");
    assert_int_equal(api_model_kind_parse("quota_bound", &kind), RL_OK);
    assert_int_equal(kind, API_MODEL_QUOTA_BOUND);
    assert_int_equal(api_model_kind_parse("burst_intolerant", &kind), RL_OK);
    assert_int_equal(kind, API_MODEL_BURST_INTOLERANT);
    assert_int_equal(api_model_kind_parse("Quota_Bound", &kind), RL_ERR_UNKNOWN);
    assert_int_equal(api_model_kind_parse("", &kind), RL_ERR_UNKNOWN);
    assert_string_equal(api_status_name(API_STATUS_ACCEPTED), "accepted");
    assert_string_equal(api_status_name(API_STATUS_REJECTED_429), "429");
    assert_string_equal(api_status_name(API_STATUS_DROPPED), "dropped");
}

/* ---- leaky_bucket ---- */

/* A bucket 4 deep leaking 2/s, by hand: 4 at once fill it; the 5th waits 500 ms (one unit
 * leaks in 0.5 s); at 250 ms the fill is 3.5 (reported 4) and the wait 250 ms; at 500 ms one
 * fits; 2.5 s later the bucket is empty again. */
static void test_leaky_bucket_sequence(void **state) {
    (void)state;
    api_model model;
    api_config config = leaky_bucket(4, 2, S);
    model_init_checked(&model, &config, SEED);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 1);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 2);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 3);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 4);
    expect_bucket(&model, 0, API_STATUS_REJECTED_429, 500 * MS, 4);
    expect_bucket(&model, 250 * MS, API_STATUS_REJECTED_429, 250 * MS, 4);
    expect_bucket(&model, 500 * MS, API_STATUS_ACCEPTED, 0, 4);
    expect_bucket(&model, 500 * MS, API_STATUS_REJECTED_429, 500 * MS, 4);
    expect_bucket(&model, 1250 * MS, API_STATUS_ACCEPTED, 0, 4); /* 2.5 left, +1 = 3.5 */
    expect_bucket(&model, 3 * S, API_STATUS_ACCEPTED, 0, 1);     /* empty by 3 s */
    expect_bucket(&model, 3 * S + 1, API_STATUS_ACCEPTED, 0, 2);
    /* A fill of 1.999998 is reported 2, and the bucket of 4 still takes two more. */
    expect_bucket(&model, 3 * S + 2, API_STATUS_ACCEPTED, 0, 3);
    expect_bucket(&model, 3 * S + 3, API_STATUS_ACCEPTED, 0, 4);
    expect_bucket(&model, 3 * S + 4, API_STATUS_REJECTED_429, 500 * MS - 4, 4);
    /* The max_burst allowance: the bucket plus what leaks in the 1 s burst window. */
    assert_int_equal(api_config_burst_allowance(&config), 6);
    api_model_destroy(&model);
}

/* A rate that does not divide the window (3/s: one unit leaks in 333333.3 us) stays exact:
 * the 3rd request at 0 waits ceil(1e6 / 3) us; at 333333 us one unit is still 1 us short. */
static void test_leaky_bucket_exact_thirds(void **state) {
    (void)state;
    api_model model;
    api_config config = leaky_bucket(2, 3, S);
    model_init_checked(&model, &config, SEED);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 1);
    expect_bucket(&model, 0, API_STATUS_ACCEPTED, 0, 2);
    expect_bucket(&model, 0, API_STATUS_REJECTED_429, 333334, 2);
    expect_bucket(&model, 333333, API_STATUS_REJECTED_429, 1, 2);
    expect_bucket(&model, 333334, API_STATUS_ACCEPTED, 0, 2);
    api_model_destroy(&model);
}

/* Over random arrivals: never more accepted by t than the bucket plus what leaked by t; a
 * request made exactly Retry-After later is accepted; the reported fill never exceeds the size. */
static void test_leaky_bucket_properties(void **state) {
    (void)state;
    api_model model;
    api_config config = leaky_bucket(40, 2, S);
    model_init_checked(&model, &config, SEED);
    rng random;
    rng_seed(&random, PROPERTY_SEED, 1);
    int64_t now_us = 0;
    int64_t accepted = 0;
    for (int i = 0; i < PROPERTY_ARRIVALS; i++) {
        now_us += (int64_t)rng_below(&random, 600 * MS);
        api_response response = call(&model, now_us);
        assert_true(response.bucket_fill <= 40);
        if (response.status == API_STATUS_ACCEPTED) {
            accepted++;
        } else {
            assert_int_equal(response.status, API_STATUS_REJECTED_429);
            now_us += response.retry_after_us;
            expect_bucket(&model, now_us, API_STATUS_ACCEPTED, 0, 40);
            accepted++;
        }
        assert_true(accepted <= 40 + now_us * 2 / S);
    }
    api_model_destroy(&model);
}

/* leaky_bucket wants a bucket of 1 to 2^20, no burst limit and nothing of quota_bound; other
 * models want no bucket; the name round-trips. */
static void test_leaky_bucket_validate(void **state) {
    (void)state;
    rl_error err;
    api_config config = leaky_bucket(40, 2, S);
    assert_int_equal(api_config_validate(&config, &err), RL_OK);
    config.bucket_size = 0;
    assert_int_equal(api_config_validate(&config, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "bucket: must be between 1 and 2^20"));
    config.bucket_size = API_BUCKET_SIZE_MAX + 1;
    assert_int_equal(api_config_validate(&config, &err), RL_ERR_INVALID);
    config = leaky_bucket(40, 2, S);
    config.burst_limit = 5;
    assert_int_equal(api_config_validate(&config, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "burst: not for model leaky_bucket"));
    config = leaky_bucket(40, 2, S);
    config.tokens_limit = 100;
    assert_int_equal(api_config_validate(&config, &err), RL_ERR_INVALID);
    config = burst_intolerant(10, S);
    config.bucket_size = 4;
    assert_int_equal(api_config_validate(&config, &err), RL_ERR_INVALID);
    assert_non_null(strstr(err.message, "bucket: only for model leaky_bucket"));
    api_model_kind kind = API_MODEL_BURST_INTOLERANT;
    assert_int_equal(api_model_kind_parse("leaky_bucket", &kind), RL_OK);
    assert_int_equal(kind, API_MODEL_LEAKY_BUCKET);
    assert_string_equal(api_model_kind_name(API_MODEL_LEAKY_BUCKET), "leaky_bucket");
}

/* Other models report no bucket. */
static void test_no_bucket_reported_elsewhere(void **state) {
    (void)state;
    api_model model;
    api_config config = burst_intolerant(1, S);
    model_init_checked(&model, &config, SEED);
    api_response response = call(&model, 0);
    assert_int_equal(response.bucket_fill, 0);
    assert_int_equal(response.bucket_size, 0);
    response = call(&model, 0);
    assert_int_equal(response.status, API_STATUS_REJECTED_429);
    assert_int_equal(response.bucket_size, 0);
    api_model_destroy(&model);
}

/* Every preset validates, has a source and a unique name, and is found by its name. */
static void test_presets(void **state) {
    (void)state;
    const char *expected[] = {"powerbi", "github", "shopify_rest", "stripe", "llm"};
    assert_int_equal(api_preset_count(), 5);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const api_preset *preset = api_preset_find(expected[i]);
        assert_non_null(preset);
        assert_string_equal(preset->name, expected[i]);
    }
    assert_null(api_preset_find("nope"));
    for (int i = 0; i < api_preset_count(); i++) {
        const api_preset *preset = api_preset_at(i);
        rl_error err;
        rl_error_clear(&err);
        if (api_config_validate(&preset->config, &err) != RL_OK) {
            fail_msg("preset %s: %s", preset->name, err.message);
        }
        assert_ptr_equal(api_preset_find(preset->name), preset);
        assert_true(strncmp(preset->source_url, "https://", 8) == 0);
        assert_true(strlen(preset->summary) > 0);
        assert_true(strlen(preset->source_date) >= 4);
        api_model model;
        assert_int_equal(api_model_init(&model, &preset->config, SEED, 0), RL_OK);
        for (int64_t t = 0; t < 1000; t++) {
            call(&model, t * MS);
        }
        api_model_destroy(&model);
    }
    const api_preset *llm = api_preset_find("llm");
    assert_int_equal(llm->config.kind, API_MODEL_QUOTA_BOUND);
    assert_int_equal(llm->config.tokens_limit, 90000);
    assert_int_equal(api_config_burst_allowance(&api_preset_find("powerbi")->config), 4);
}

/* ---- properties over random arrival streams ---- */

/* Random non-decreasing arrival times, bursty: mostly tiny gaps, some medium, a few long. */
static void random_arrivals(rng *random, int64_t *times_us, int count) {
    int64_t now_us = 0;
    for (int i = 0; i < count; i++) {
        uint64_t pick = rng_below(random, 100);
        int64_t gap_us = pick < 70   ? (int64_t)rng_below(random, 2 * MS)
                         : pick < 95 ? (int64_t)rng_below(random, 50 * MS)
                                     : (int64_t)rng_below(random, 1500 * MS);
        now_us += gap_us;
        times_us[i] = now_us;
    }
}

/* A deep copy of model into copy (rings included); free it with api_model_destroy. */
static void model_clone(const api_model *model, api_model *copy) {
    *copy = *model;
    const api_sliding_count *from[] = {&model->arrivals_in_burst_window,
                                       &model->accepted_in_burst_window};
    api_sliding_count *to[] = {&copy->arrivals_in_burst_window, &copy->accepted_in_burst_window};
    for (int i = 0; i < 2; i++) {
        size_t capacity = (size_t)from[i]->capacity;
        to[i]->times_us = NULL;
        if (capacity > 0) {
            to[i]->times_us = rl_calloc(capacity, sizeof *to[i]->times_us);
            assert_non_null(to[i]->times_us);
            memcpy(to[i]->times_us, from[i]->times_us, capacity * sizeof *to[i]->times_us);
        }
    }
}

/* The most arrivals in any (t - window, t], and the first arrival at which it was reached. */
static void brute_max_burst(const int64_t *times_us, int count, int64_t window_us,
                            int64_t *max_out, int64_t *at_out) {
    *max_out = 0;
    *at_out = 0;
    for (int i = 0; i < count; i++) {
        int64_t in_window = 0;
        for (int j = 0; j <= i; j++) {
            in_window += times_us[j] > times_us[i] - window_us;
        }
        if (in_window > *max_out) {
            *max_out = in_window;
            *at_out = times_us[i];
        }
    }
}

/* The most accepted requests in any (t - window, t], over all of them. */
static int64_t brute_max_in_sliding(const int64_t *times_us, int count, int64_t window_us) {
    int64_t most = 0;
    for (int i = 0; i < count; i++) {
        int64_t in_window = 0;
        for (int j = 0; j < count; j++) {
            in_window += times_us[j] > times_us[i] - window_us && times_us[j] <= times_us[i];
        }
        most = in_window > most ? in_window : most;
    }
    return most;
}

/* The most of value[] summed over arrivals in one aligned fixed window. */
static int64_t most_per_fixed_window(const int64_t *times_us, const int64_t *value, int count,
                                     int64_t window_us) {
    int64_t most = 0;
    int64_t sum = 0;
    int64_t current = -1;
    for (int i = 0; i < count; i++) {
        int64_t index = times_us[i] / window_us;
        if (index != current) {
            current = index;
            sum = 0;
        }
        sum += value[i];
        most = sum > most ? sum : most;
    }
    return most;
}

typedef struct property_case {
    const char *name;
    api_config config;
    bool retry_exact; /* no drops and a constant cost: Retry-After must be honoured exactly */
} property_case;

static int property_cases(property_case *cases) {
    int n = 0;
    cases[n].name = "burst_intolerant 20/s, burst 5/100ms";
    cases[n].config = burst_intolerant(20, S);
    cases[n].config.burst_limit = 5;
    cases[n].config.latency_us = (dist){.kind = DIST_EXPONENTIAL, .a = 50 * MS};
    cases[n++].retry_exact = true;

    cases[n].name = "burst_intolerant 7/250ms, 30 ms penalty";
    cases[n].config = burst_intolerant(7, 250 * MS);
    cases[n].config.burst_window_us = 50 * MS;
    cases[n].config.penalty_us = 30 * MS;
    cases[n++].retry_exact = true;

    cases[n].name = "quota_bound 50/s, 5000 tokens at 700, quota 40/10s";
    cases[n].config = quota_bound(50, S, 700);
    cases[n].config.tokens_limit = 5000;
    cases[n].config.quota_limit = 40;
    cases[n].config.quota_window_us = 10 * S;
    cases[n].config.burst_window_us = S;
    cases[n++].retry_exact = true;

    cases[n].name = "quota_bound 15/s, 20000 tokens at 200..2000, burst 10/200ms, drops";
    cases[n].config = quota_bound(15, S, 0);
    cases[n].config.cost_tokens = (dist){.kind = DIST_UNIFORM, .a = 200, .b = 2000};
    cases[n].config.tokens_limit = 20000;
    cases[n].config.burst_limit = 10;
    cases[n].config.burst_window_us = 200 * MS;
    cases[n].config.quota_limit = 60;
    cases[n].config.quota_window_us = 7 * S;
    cases[n].config.drop_ppm = 300000;
    cases[n].config.penalty_us = 20 * MS;
    cases[n].config.latency_us = (dist){.kind = DIST_LOGNORMAL, .a = 100 * MS, .b = S};
    cases[n++].retry_exact = false;
    return n;
}

/* Retrying at now + Retry-After (nothing in between) is accepted; one microsecond earlier is not. */
static void check_retry_exact(const api_model *model, int64_t now_us, int64_t retry_after_us) {
    api_model copy;
    model_clone(model, &copy);
    api_response response = call(&copy, now_us + retry_after_us - 1);
    assert_int_equal(response.status, API_STATUS_REJECTED_429);
    api_model_destroy(&copy);
    model_clone(model, &copy);
    response = call(&copy, now_us + retry_after_us);
    if (response.status != API_STATUS_ACCEPTED) {
        fail_msg("refused at %lld with Retry-After %lld; retry got %s", (long long)now_us,
                 (long long)retry_after_us, api_status_name(response.status));
    }
    api_model_destroy(&copy);
}

/* Runs one property case over the arrivals; checks every limit, max_burst, determinism, and the
 * shape of each response. */
static void check_property_case(const property_case *pc, const int64_t *times_us, int count) {
    const api_config *config = &pc->config;
    int64_t *accepted_us = calloc((size_t)count, sizeof *accepted_us);
    int64_t *ones = calloc((size_t)count, sizeof *ones);
    int64_t *costs = calloc((size_t)count, sizeof *costs);
    api_response *responses = calloc((size_t)count, sizeof *responses);
    assert_non_null(accepted_us);
    assert_non_null(ones);
    assert_non_null(costs);
    assert_non_null(responses);
    api_model model;
    model_init_checked(&model, config, PROPERTY_SEED);
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < count; i++) {
        responses[i] = call(&model, times_us[i]);
        const api_response *r = &responses[i];
        assert_true(r->latency_us >= 0);
        if (r->status == API_STATUS_ACCEPTED) {
            assert_int_equal(r->retry_after_us, 0);
            accepted_us[accepted] = times_us[i];
            ones[accepted] = 1;
            costs[accepted] = r->cost_tokens;
            accepted++;
            continue;
        }
        refused++;
        assert_int_equal(r->cost_tokens, 0);
        if (r->status == API_STATUS_DROPPED) {
            assert_int_equal(r->retry_after_us, 0);
            continue;
        }
        assert_true(r->retry_after_us >= 1);
        if (pc->retry_exact) {
            check_retry_exact(&model, times_us[i], r->retry_after_us);
        }
    }
    print_message("  %s: %d accepted, %d refused, max_burst %lld\n", pc->name, accepted, refused,
                  (long long)model.max_burst);
    assert_true(accepted > 0);
    assert_true(refused > 0);

    assert_true(most_per_fixed_window(accepted_us, ones, accepted, config->window_us) <=
                config->limit);
    if (config->tokens_limit > 0) {
        assert_true(most_per_fixed_window(accepted_us, costs, accepted, config->window_us) <=
                    config->tokens_limit);
    }
    if (config->quota_limit > 0) {
        assert_true(most_per_fixed_window(accepted_us, ones, accepted, config->quota_window_us) <=
                    config->quota_limit);
    }
    if (config->burst_limit > 0) {
        assert_true(brute_max_in_sliding(accepted_us, accepted, config->burst_window_us) <=
                    config->burst_limit);
    }
    int64_t max_burst = 0;
    int64_t max_burst_at_us = 0;
    brute_max_burst(times_us, count, config->burst_window_us, &max_burst, &max_burst_at_us);
    assert_int_equal(model.max_burst, max_burst);
    assert_int_equal(model.max_burst_at_us, max_burst_at_us);

    /* The same seed gives the same responses. */
    api_model again;
    model_init_checked(&again, config, PROPERTY_SEED);
    for (int i = 0; i < count; i++) {
        api_response r = call(&again, times_us[i]);
        assert_int_equal(r.status, responses[i].status);
        assert_int_equal(r.latency_us, responses[i].latency_us);
        assert_int_equal(r.retry_after_us, responses[i].retry_after_us);
        assert_int_equal(r.cost_tokens, responses[i].cost_tokens);
    }
    api_model_destroy(&again);
    api_model_destroy(&model);
    free(responses);
    free(costs);
    free(ones);
    free(accepted_us);
}

static void test_properties_random_streams(void **state) {
    (void)state;
    print_message("test_properties_random_streams: seed %llu, %d arrivals per stream\n",
                  (unsigned long long)PROPERTY_SEED, PROPERTY_ARRIVALS);
    rng random;
    rng_seed(&random, PROPERTY_SEED, 99);
    int64_t *times_us = calloc(PROPERTY_ARRIVALS, sizeof *times_us);
    assert_non_null(times_us);
    property_case cases[8];
    int n = property_cases(cases);
    for (int round = 0; round < 3; round++) {
        random_arrivals(&random, times_us, PROPERTY_ARRIVALS);
        for (int i = 0; i < n; i++) {
            check_property_case(&cases[i], times_us, PROPERTY_ARRIVALS);
        }
    }
    free(times_us);
}

/* Different seeds give different random latencies (the stream is really the model's). */
static void test_seed_changes_latency(void **state) {
    (void)state;
    api_config config = burst_intolerant(10, S);
    config.latency_us = (dist){.kind = DIST_EXPONENTIAL, .a = 50 * MS};
    api_model a;
    api_model b;
    model_init_checked(&a, &config, 1);
    model_init_checked(&b, &config, 2);
    int differ = 0;
    for (int64_t t = 0; t < 100; t++) {
        differ += call(&a, t * MS).latency_us != call(&b, t * MS).latency_us;
    }
    assert_true(differ > 90);
    api_model_destroy(&a);
    api_model_destroy(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_window),
        cmocka_unit_test(test_burst_window),
        cmocka_unit_test(test_retry_after_covers_every_broken_limit),
        cmocka_unit_test(test_penalty),
        cmocka_unit_test(test_short_penalty),
        cmocka_unit_test(test_drop_all),
        cmocka_unit_test(test_drop_share),
        cmocka_unit_test(test_tokens_limit),
        cmocka_unit_test(test_quota_window),
        cmocka_unit_test(test_max_burst_known_pattern),
        cmocka_unit_test(test_max_burst_half_open),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_burst_allowance),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_leaky_bucket_sequence),
        cmocka_unit_test(test_leaky_bucket_exact_thirds),
        cmocka_unit_test(test_leaky_bucket_properties),
        cmocka_unit_test(test_leaky_bucket_validate),
        cmocka_unit_test(test_no_bucket_reported_elsewhere),
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_properties_random_streams),
        cmocka_unit_test(test_seed_changes_latency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
