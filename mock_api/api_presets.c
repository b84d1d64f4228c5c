/* api_presets.c - named api_config presets shaped like real public APIs.
 *
 * The figures marked "documented" come from the page cited for each preset, as that page stated
 * them at source_date (from the authors' knowledge of the public page, not fetched when this
 * file was written: ratelab is built offline; providers change their limits, so check the page). Everything else is an assumption chosen
 * to be plausible, and says so. Latencies are lognormal (median, 99th percentile). */
#include "mock_api/api_presets.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

#define MS_US INT64_C(1000)
#define S_US (INT64_C(1000) * MS_US)
#define MIN_US (INT64_C(60) * S_US)
#define H_US (INT64_C(60) * MIN_US)

static const api_preset presets[] = {
    /* Power BI REST API, Datasets - Execute Queries
     * (https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries).
     * Documented: "Maximum of 120 query requests per minute per user, regardless of the dataset
     * that's queried"; throttled requests get 429 with a Retry-After header, and Microsoft's
     * throttling guidance says a user over the limit is throttled "for a short period".
     * Assumed: bursts are judged over 1 s with at most 4 requests (twice the mean 2/s); the
     * "short period" is a 1 s penalty; 1% of refusals are connection resets; a DAX query takes
     * 200 ms median, 2 s at p99. */
    {
        .name = "powerbi",
        .summary = "Power BI Execute Queries: 120/min per user, at most 4 in any 1 s, 1 s penalty",
        .source_url = "https://learn.microsoft.com/en-us/rest/api/power-bi/datasets/execute-queries",
        .source_date = "2024",
        .config =
            {
                .kind = API_MODEL_BURST_INTOLERANT,
                .limit = 120,
                .window_us = MIN_US,
                .burst_limit = 4,
                .burst_window_us = S_US,
                .drop_ppm = 10000,
                .penalty_us = S_US,
                .latency_us = {.kind = DIST_LOGNORMAL, .a = 200 * MS_US, .b = 2 * S_US},
            },
    },
    /* GitHub REST API
     * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
     * Documented: primary limit 5,000 requests per hour for an authenticated user, reset at the
     * time in X-RateLimit-Reset (answered with 403 or 429; modelled as 429 with Retry-After =
     * the reset); secondary limit of 900 points per minute per REST endpoint.
     * Assumed: every request is a GET worth 1 point, so the secondary limit is 900 per sliding
     * minute; the hourly window starts with the run (GitHub starts it at the first request);
     * no penalty or drops; 100 ms median latency, 1 s at p99. */
    {
        .name = "github",
        .summary = "GitHub REST: 5,000/h quota (reset time on 429), at most 900 in any minute",
        .source_url = "https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api",
        .source_date = "2024",
        .config =
            {
                .kind = API_MODEL_QUOTA_BOUND,
                .limit = 5000,
                .window_us = H_US,
                .burst_limit = 900,
                .burst_window_us = MIN_US,
                .latency_us = {.kind = DIST_LOGNORMAL, .a = 100 * MS_US, .b = S_US},
            },
    },
    /* Shopify REST Admin API (https://shopify.dev/docs/api/admin-rest/usage/rate-limits).
     * Documented: a leaky bucket per app and store, 40 requests deep, leaking 2 requests per
     * second on the standard plan (Shopify Plus: 80 deep at 4/s); a request that finds the bucket
     * full gets 429 with Retry-After; every answer carries X-Shopify-Shop-Api-Call-Limit, the
     * bucket's fill such as "32/40". Modelled as it is documented (model leaky_bucket).
     * Assumed: the bucket starts empty; no penalty or drops; max_burst measured over 1 s; 150 ms
     * median latency, 1 s at p99. */
    {
        .name = "shopify_rest",
        .summary = "Shopify REST Admin: leaky bucket 40 deep leaking 2/s (standard plan)",
        .source_url = "https://shopify.dev/docs/api/admin-rest/usage/rate-limits",
        .source_date = "2024",
        .config =
            {
                .kind = API_MODEL_LEAKY_BUCKET,
                .limit = 2,
                .window_us = S_US,
                .bucket_size = 40,
                .burst_window_us = S_US,
                .latency_us = {.kind = DIST_LOGNORMAL, .a = 150 * MS_US, .b = S_US},
            },
    },
    /* Stripe API (https://docs.stripe.com/rate-limits).
     * Documented: in live mode the basic rate limiter allows 100 read operations (and 100 write
     * operations) per second, 25 per second in test mode; 429 when over, and Stripe asks for
     * backoff on 429 (its answer carries no documented Retry-After; ours gives the window end).
     * Assumed: reads only, judged per fixed 1 s window (max_burst is measured over 1 s too); no
     * penalty or drops; 300 ms median latency, 2 s at p99. */
    {
        .name = "stripe",
        .summary = "Stripe live mode: 100 reads per second",
        .source_url = "https://docs.stripe.com/rate-limits",
        .source_date = "2024",
        .config =
            {
                .kind = API_MODEL_BURST_INTOLERANT,
                .limit = 100,
                .window_us = S_US,
                .burst_limit = 0,
                .burst_window_us = S_US,
                .latency_us = {.kind = DIST_LOGNORMAL, .a = 300 * MS_US, .b = 2 * S_US},
            },
    },
    /* An LLM API shaped like OpenAI's (https://platform.openai.com/docs/guides/rate-limits).
     * Documented: limits in requests per minute (RPM) and tokens per minute (TPM) per
     * organisation and model, whichever is hit first; 429 when over. The figures depend on the
     * model and usage tier; 500 RPM and 90,000 TPM are illustrative, not one tier's row. The page
     * also says limits may be quantized (enforced over shorter periods); not modelled here
     * (burst_limit 0), so bursts within the minute are accepted.
     * Assumed: a request costs 200 to 2,000 tokens (uniform; mean 1,100, so the token limit
     * binds at about 82 requests per minute, long before 500 RPM); no penalty or drops; 3 s
     * median latency, 20 s at p99. */
    {
        .name = "llm",
        .summary = "LLM API: 500 requests and 90,000 tokens per minute, 200-2000 tokens each",
        .source_url = "https://platform.openai.com/docs/guides/rate-limits",
        .source_date = "2024",
        .config =
            {
                .kind = API_MODEL_QUOTA_BOUND,
                .limit = 500,
                .window_us = MIN_US,
                .burst_limit = 0,
                .burst_window_us = S_US,
                .tokens_limit = 90000,
                .cost_tokens = {.kind = DIST_UNIFORM, .a = 200, .b = 2000},
                .latency_us = {.kind = DIST_LOGNORMAL, .a = 3 * S_US, .b = 20 * S_US},
            },
    },
};

#define PRESET_COUNT ((int)(sizeof presets / sizeof presets[0]))

const api_preset *api_preset_find(const char *name) {
    assert(name != NULL);
    for (int i = 0; i < PRESET_COUNT; i++) {
        if (strcmp(presets[i].name, name) == 0) {
            return &presets[i];
        }
    }
    return NULL;
}

int api_preset_count(void) {
    return PRESET_COUNT;
}

const api_preset *api_preset_at(int index) {
    assert(index >= 0);
    assert(index < PRESET_COUNT);
    return &presets[index];
}
