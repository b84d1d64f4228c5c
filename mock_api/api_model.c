/* api_model.c - models of upstream APIs: the decision on each request, its latency, max_burst.
 *
 * Every call draws from the model's own random stream in a fixed order (the request's token
 * cost, its latency, then, for a refusal only, the drop roll), so a run is a function of its
 * seed. Window and limit arithmetic is integer only; floating point appears only inside
 * dist_sample.
 *
 * Retry-After is the earliest delay after which this same request would be accepted if nothing
 * else arrived: the latest of the instants at which each constraint it breaks would admit it
 * (the penalty, and the penalty a violation starts, included). When one constraint refuses,
 * that is its own reset time (window end for fixed windows; for the burst window, the instant
 * the oldest accepted timestamp that must go leaves it). A client that honours it exactly is
 * accepted (unless a random token cost changed in between). */
#include "mock_api/api_model.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "harness/core/units.h"
#include "mock_api/api_sliding_count.h"

/* Largest count (limit, burst, tokens, quota): keeps sums exact and below 2^53 (see limiter.h). */
#define API_COUNT_MAX (INT64_C(1) << 53)
/* Largest duration (window, burst window, penalty, quota window). */
#define API_DURATION_MAX_US UNITS_DURATION_MAX_US
#define API_PPM_MAX INT64_C(1000000)
/* Most timestamps a ring gets at init; beyond that it grows on demand. */
#define API_RING_CAPACITY_INIT_MAX INT64_C(4096)

static int64_t max_i64(int64_t a, int64_t b) {
    return a > b ? a : b;
}

static int64_t min_i64(int64_t a, int64_t b) {
    return a < b ? a : b;
}

static int64_t clamp_i64(int64_t value, int64_t low, int64_t high) {
    return min_i64(max_i64(value, low), high);
}

/* Checks the distribution d of the setting called name (cost or latency). */
static int validate_dist(const dist *d, const char *name, rl_error *err) {
    if (d->kind != DIST_CONSTANT && d->kind != DIST_UNIFORM && d->kind != DIST_EXPONENTIAL &&
        d->kind != DIST_LOGNORMAL) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s: unknown distribution %d; allowed: constant, uniform, "
                            "exponential, lognormal",
                            name, (int)d->kind);
    }
    if (d->a < 0 || d->a > DIST_VALUE_MAX) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: %s value %lld must be between 0 and 2^40",
                            name, dist_kind_name(d->kind), (long long)d->a);
    }
    if (d->kind == DIST_UNIFORM || d->kind == DIST_LOGNORMAL) {
        if (d->b < d->a || d->b > DIST_VALUE_MAX) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "%s: %s upper value %lld must be between %lld and 2^40", name,
                                dist_kind_name(d->kind), (long long)d->b, (long long)d->a);
        }
    }
    return RL_OK;
}

/* Checks a duration setting: between min_us and 2^40 us. */
static int validate_duration(int64_t value_us, int64_t min_us, const char *what, rl_error *err) {
    if (value_us < min_us || value_us > API_DURATION_MAX_US) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "%s must be between %lldus and 2^40us (about 12.7 days); got %lldus",
                            what, (long long)min_us, (long long)value_us);
    }
    return RL_OK;
}

/* Checks the settings both models share. */
static int validate_common(const api_config *config, rl_error *err) {
    if (config->limit < 1 || config->limit > API_COUNT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "limit: requests per window must be between 1 and 2^53; got %lld",
                            (long long)config->limit);
    }
    int rc = validate_duration(config->window_us, 1, "limit: the window", err);
    if (rc != RL_OK) {
        return rc;
    }
    if (config->burst_limit < 0 || config->burst_limit > API_COUNT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "burst: must be 0 (no short window) or a count up to 2^53; got %lld",
                            (long long)config->burst_limit);
    }
    rc = validate_duration(config->burst_window_us, 1, "burst: the window", err);
    if (rc != RL_OK) {
        return rc;
    }
    if (config->drop_ppm < 0 || config->drop_ppm > API_PPM_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "drop: must be a share of refusals between 0 and 1 (0 to 1000000 "
                            "ppm); got %lld ppm",
                            (long long)config->drop_ppm);
    }
    rc = validate_duration(config->penalty_us, 0, "penalty: the duration", err);
    if (rc != RL_OK) {
        return rc;
    }
    return validate_dist(&config->latency_us, "latency", err);
}

/* Checks that a burst_intolerant or leaky_bucket config leaves the quota_bound settings unset. */
static int validate_burst_intolerant(const api_config *config, rl_error *err) {
    if (config->tokens_limit != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "tokens: only for model quota_bound");
    }
    if (config->cost_tokens.kind != DIST_CONSTANT || config->cost_tokens.a != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "cost: only for model quota_bound");
    }
    if (config->quota_limit != 0 || config->quota_window_us != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "quota: only for model quota_bound");
    }
    return RL_OK;
}

/* Checks the quota_bound settings: tokens, cost, quota. */
static int validate_quota_bound(const api_config *config, rl_error *err) {
    if (config->tokens_limit < 0 || config->tokens_limit > API_COUNT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "tokens: must be 0 (no token limit) or up to 2^53 per window; got %lld",
                            (long long)config->tokens_limit);
    }
    int rc = validate_dist(&config->cost_tokens, "cost", err);
    if (rc != RL_OK) {
        return rc;
    }
    /* Constant and uniform costs never go below a: above tokens, nothing could pass. */
    bool cost_min_is_a = config->cost_tokens.kind == DIST_CONSTANT ||
                         config->cost_tokens.kind == DIST_UNIFORM;
    if (config->tokens_limit > 0 && cost_min_is_a && config->cost_tokens.a > config->tokens_limit) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "cost: every request costs at least %lld tokens, more than tokens "
                            "allows per window (%lld)",
                            (long long)config->cost_tokens.a, (long long)config->tokens_limit);
    }
    if (config->quota_limit < 0 || config->quota_limit > API_COUNT_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "quota: must be 0 (no quota) or up to 2^53 requests; got %lld",
                            (long long)config->quota_limit);
    }
    if (config->quota_limit > 0) {
        return validate_duration(config->quota_window_us, 1, "quota: the window", err);
    }
    return validate_duration(config->quota_window_us, 0, "quota: the window", err);
}

/* Checks the leaky_bucket settings: a bucket, no burst window limit, nothing of quota_bound. */
static int validate_leaky_bucket(const api_config *config, rl_error *err) {
    if (config->bucket_size < 1 || config->bucket_size > API_BUCKET_SIZE_MAX) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "bucket: must be between 1 and 2^20 (1048576) requests; got %lld",
                            (long long)config->bucket_size);
    }
    if (config->burst_limit != 0) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "burst: not for model leaky_bucket, whose bucket is the burst it "
                            "allows; give bucket");
    }
    return validate_burst_intolerant(config, err);
}

int api_config_validate(const api_config *config, rl_error *err) {
    assert(config != NULL);
    if (config->kind != API_MODEL_BURST_INTOLERANT && config->kind != API_MODEL_QUOTA_BOUND &&
        config->kind != API_MODEL_LEAKY_BUCKET) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "model: unknown model %d; allowed: burst_intolerant, quota_bound, "
                            "leaky_bucket",
                            (int)config->kind);
    }
    int rc = validate_common(config, err);
    if (rc != RL_OK) {
        return rc;
    }
    if (config->kind == API_MODEL_LEAKY_BUCKET) {
        return validate_leaky_bucket(config, err);
    }
    if (config->bucket_size != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "bucket: only for model leaky_bucket");
    }
    if (config->kind == API_MODEL_BURST_INTOLERANT) {
        return validate_burst_intolerant(config, err);
    }
    return validate_quota_bound(config, err);
}

int64_t api_config_burst_allowance(const api_config *config) {
    assert(config != NULL);
    if (config->burst_limit > 0) {
        return config->burst_limit;
    }
    assert(config->limit > 0);
    assert(config->window_us > 0);
    assert(config->burst_window_us > 0);
    /* floor(limit * burst_window_us / window_us) in 128 bits: the product can reach 2^93. */
    __extension__ typedef unsigned __int128 u128;
    u128 scaled = (u128)config->limit * (u128)config->burst_window_us / (u128)config->window_us;
    if (config->kind == API_MODEL_LEAKY_BUCKET) {
        scaled += (u128)config->bucket_size; /* a full bucket at once, then what leaks */
    }
    if (scaled > (u128)INT64_MAX) {
        return INT64_MAX;
    }
    return max_i64(1, (int64_t)scaled);
}

int api_model_init(api_model *model, const api_config *config, uint64_t seed, uint64_t stream_id) {
    assert(model != NULL);
    assert(config != NULL);
    assert(api_config_validate(config, NULL) == RL_OK);
    memset(model, 0, sizeof *model);
    model->config = *config;
    model->cost_tokens = dist_sampler_of(&config->cost_tokens);
    model->latency_us = dist_sampler_of(&config->latency_us);
    rng_seed(&model->random, seed, stream_id);
    /* Room for a burst of twice the allowance at first; a ring grows if it must. The accepted
     * ring never holds more than burst_limit, so a small burst_limit never grows it. */
    int64_t allowance = min_i64(api_config_burst_allowance(config), API_RING_CAPACITY_INIT_MAX);
    int64_t arrivals_capacity = clamp_i64(2 * allowance, API_SLIDING_COUNT_CAPACITY_MIN,
                                          API_RING_CAPACITY_INIT_MAX);
    int64_t accepted_capacity = min_i64(config->burst_limit, API_RING_CAPACITY_INIT_MAX);
    if (api_sliding_count_init(&model->arrivals_in_burst_window, arrivals_capacity) != RL_OK) {
        goto err;
    }
    if (api_sliding_count_init(&model->accepted_in_burst_window, accepted_capacity) != RL_OK) {
        goto err;
    }
    return RL_OK;
err:
    api_model_destroy(model);
    return RL_ERR_NOMEM;
}

void api_model_destroy(api_model *model) {
    assert(model != NULL);
    api_sliding_count_destroy(&model->accepted_in_burst_window);
    api_sliding_count_destroy(&model->arrivals_in_burst_window);
    memset(model, 0, sizeof *model);
}

/* Moves the fixed windows to the ones holding now_us, emptying them if they changed. */
static void roll_fixed_windows(api_model *model, int64_t now_us) {
    const api_config *config = &model->config;
    int64_t start_us = now_us - now_us % config->window_us;
    assert(start_us >= model->window_start_us);
    if (start_us != model->window_start_us) {
        model->window_start_us = start_us;
        model->window_accepted = 0;
        model->window_tokens = 0;
    }
    if (config->quota_window_us > 0) {
        int64_t quota_start_us = now_us - now_us % config->quota_window_us;
        assert(quota_start_us >= model->quota_window_start_us);
        if (quota_start_us != model->quota_window_start_us) {
            model->quota_window_start_us = quota_start_us;
            model->quota_accepted = 0;
        }
    }
}

/* Records the arrival at now_us in the sliding count of arrivals and updates max_burst. */
static int record_arrival(api_model *model, int64_t now_us) {
    api_sliding_count *arrivals = &model->arrivals_in_burst_window;
    api_sliding_count_expire(arrivals, now_us, model->config.burst_window_us);
    int rc = api_sliding_count_add(arrivals, now_us);
    if (rc != RL_OK) {
        return rc;
    }
    int64_t in_window = api_sliding_count_count(arrivals);
    if (in_window > model->max_burst) {
        model->max_burst = in_window;
        model->max_burst_at_us = now_us;
    }
    return RL_OK;
}

/* Leaks the bucket up to now_us: limit requests per window_us, that is limit units of
 * bucket_level (requests x window_us) per microsecond, down to empty. */
static void bucket_leak(api_model *model, int64_t now_us) {
    assert(now_us >= model->bucket_updated_us);
    int64_t elapsed_us = now_us - model->bucket_updated_us;
    int64_t limit = model->config.limit;
    /* The bucket is empty after ceil(level / limit) us; below that, elapsed * limit < level +
     * limit, which cannot overflow. */
    int64_t empty_after_us = model->bucket_level / limit + (model->bucket_level % limit != 0);
    model->bucket_level = elapsed_us >= empty_after_us ? 0
                                                        : model->bucket_level - elapsed_us * limit;
    model->bucket_updated_us = now_us;
    assert(model->bucket_level >= 0);
}

/* leaky_bucket: how long until one more request fits in the bucket (0: it does now). */
static int64_t bucket_wait_us(const api_model *model) {
    const api_config *config = &model->config;
    int64_t capacity = config->bucket_size * config->window_us;
    int64_t excess = model->bucket_level + config->window_us - capacity;
    if (excess <= 0) {
        return 0;
    }
    return excess / config->limit + (excess % config->limit != 0);
}

/* How long until the request at now_us costing cost_tokens passes every limit (0: it does now).
 * Ignores the penalty. */
static int64_t limits_wait_us(const api_model *model, int64_t now_us, int64_t cost_tokens) {
    const api_config *config = &model->config;
    if (config->kind == API_MODEL_LEAKY_BUCKET) {
        return bucket_wait_us(model);
    }
    int64_t window_end_wait_us = model->window_start_us + config->window_us - now_us;
    int64_t wait_us = 0;
    if (model->window_accepted >= config->limit) {
        wait_us = max_i64(wait_us, window_end_wait_us);
    }
    if (config->tokens_limit > 0 && model->window_tokens + cost_tokens > config->tokens_limit) {
        wait_us = max_i64(wait_us, window_end_wait_us);
    }
    if (config->quota_limit > 0 && model->quota_accepted >= config->quota_limit) {
        wait_us = max_i64(wait_us,
                          model->quota_window_start_us + config->quota_window_us - now_us);
    }
    if (config->burst_limit > 0) {
        const api_sliding_count *accepted = &model->accepted_in_burst_window;
        int64_t held = api_sliding_count_count(accepted);
        if (held >= config->burst_limit) {
            /* It fits once held - burst_limit + 1 timestamps have left the window; one at t
             * leaves at t + burst_window_us (the window is half-open). */
            int64_t leaving_us = api_sliding_count_at(accepted, held - config->burst_limit);
            wait_us = max_i64(wait_us, leaving_us + config->burst_window_us - now_us);
        }
    }
    assert(wait_us >= 0);
    return wait_us;
}

/* Counts the request at now_us, costing cost_tokens, as accepted. */
static int accept_request(api_model *model, int64_t now_us, int64_t cost_tokens) {
    const api_config *config = &model->config;
    if (config->kind == API_MODEL_LEAKY_BUCKET) {
        model->bucket_level += config->window_us;
        assert(model->bucket_level <= config->bucket_size * config->window_us);
        return RL_OK;
    }
    if (config->burst_limit > 0) {
        int rc = api_sliding_count_add(&model->accepted_in_burst_window, now_us);
        if (rc != RL_OK) {
            return rc;
        }
        assert(api_sliding_count_count(&model->accepted_in_burst_window) <= config->burst_limit);
    }
    model->window_accepted++;
    model->window_tokens += min_i64(cost_tokens, INT64_MAX - model->window_tokens);
    model->quota_accepted++;
    assert(model->window_accepted <= config->limit);
    assert(config->tokens_limit == 0 || model->window_tokens <= config->tokens_limit);
    assert(config->quota_limit == 0 || model->quota_accepted <= config->quota_limit);
    return RL_OK;
}

/* leaky_bucket: writes the bucket's fill (rounded up to whole requests) and size into out. */
static void report_bucket(const api_model *model, api_response *out) {
    const api_config *config = &model->config;
    if (config->kind != API_MODEL_LEAKY_BUCKET) {
        return;
    }
    out->bucket_fill = model->bucket_level / config->window_us +
                       (model->bucket_level % config->window_us != 0);
    out->bucket_size = config->bucket_size;
    assert(out->bucket_fill <= out->bucket_size);
}

int api_model_call(api_model *model, int64_t now_us, api_response *out) {
    return api_model_call_cost(model, now_us, -1, out);
}

int api_model_call_cost(api_model *model, int64_t now_us, int64_t cost_tokens_given,
                        api_response *out) {
    assert(model != NULL);
    assert(out != NULL);
    assert(now_us >= 0);
    const api_config *config = &model->config;
    memset(out, 0, sizeof *out);
    roll_fixed_windows(model, now_us);
    if (config->kind == API_MODEL_LEAKY_BUCKET) {
        bucket_leak(model, now_us);
    }
    if (config->burst_limit > 0) {
        api_sliding_count_expire(&model->accepted_in_burst_window, now_us, config->burst_window_us);
    }
    int rc = record_arrival(model, now_us);
    if (rc != RL_OK) {
        return rc;
    }
    /* Fixed draw order, whatever the outcome: cost, latency, then the drop roll on refusal. */
    int64_t cost_tokens = dist_sampler_draw(&model->cost_tokens, &model->random);
    if (cost_tokens_given >= 0) {
        cost_tokens = cost_tokens_given; /* drawn all the same: the stream stays in step */
    }
    out->latency_us = dist_sampler_draw(&model->latency_us, &model->random);

    int64_t wait_us = limits_wait_us(model, now_us, cost_tokens);
    bool in_penalty = now_us < model->penalty_until_us;
    if (!in_penalty && wait_us == 0) {
        rc = accept_request(model, now_us, cost_tokens);
        if (rc != RL_OK) {
            return rc;
        }
        out->status = API_STATUS_ACCEPTED;
        out->cost_tokens = config->kind == API_MODEL_QUOTA_BOUND ? cost_tokens : 0;
        report_bucket(model, out);
        return RL_OK;
    }
    if (in_penalty) {
        wait_us = max_i64(wait_us, model->penalty_until_us - now_us);
    } else if (config->penalty_us > 0) {
        /* A violation (not a request refused during a penalty) starts a penalty. */
        model->penalty_until_us = now_us + config->penalty_us;
        wait_us = max_i64(wait_us, config->penalty_us);
    }
    assert(wait_us >= 1);
    bool dropped = (int64_t)rng_below(&model->random, (uint64_t)API_PPM_MAX) < config->drop_ppm;
    out->status = dropped ? API_STATUS_DROPPED : API_STATUS_REJECTED_429;
    out->retry_after_us = dropped ? 0 : wait_us;
    report_bucket(model, out);
    return RL_OK;
}

api_burst_peak api_model_burst_peak(const api_model *model) {
    return (api_burst_peak){.max_burst = model->max_burst,
                            .max_burst_at_us = model->max_burst_at_us,
                            .burst_allowance = api_config_burst_allowance(&model->config)};
}

int64_t api_model_bucket_drain_us(const api_model *model) {
    assert(model != NULL);
    assert(model->config.kind == API_MODEL_LEAKY_BUCKET);
    int64_t limit = model->config.limit;
    return model->bucket_level / limit + (model->bucket_level % limit != 0);
}

int64_t api_model_arrivals_in_burst_window(const api_model *model) {
    return api_sliding_count_count(&model->arrivals_in_burst_window);
}

const char *api_model_kind_name(api_model_kind kind) {
    switch (kind) {
    case API_MODEL_BURST_INTOLERANT: return "burst_intolerant";
    case API_MODEL_QUOTA_BOUND: return "quota_bound";
    case API_MODEL_LEAKY_BUCKET: return "leaky_bucket";
    }
    return "unknown";
}

int api_model_kind_parse(const char *name, api_model_kind *out) {
    assert(name != NULL);
    assert(out != NULL);
    if (strcmp(name, "burst_intolerant") == 0) {
        *out = API_MODEL_BURST_INTOLERANT;
        return RL_OK;
    }
    if (strcmp(name, "quota_bound") == 0) {
        *out = API_MODEL_QUOTA_BOUND;
        return RL_OK;
    }
    if (strcmp(name, "leaky_bucket") == 0) {
        *out = API_MODEL_LEAKY_BUCKET;
        return RL_OK;
    }
    return RL_ERR_UNKNOWN;
}

const char *api_status_name(api_status status) {
    switch (status) {
    case API_STATUS_ACCEPTED: return "accepted";
    case API_STATUS_REJECTED_429: return "429";
    case API_STATUS_DROPPED: return "dropped";
    }
    return "unknown";
}
