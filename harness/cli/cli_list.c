/* cli_list.c - `ratelab list`: the algorithms and API models ratelab knows; with --presets, every
 * API preset's settings as a scenario would write them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "algorithms/limiter.h"
#include "harness/cli/cli.h"
#include "harness/core/units.h"
#include "mock_api/api_model.h"
#include "mock_api/api_presets.h"

static void list_usage(FILE *out) {
    fputs("usage: ratelab list [--presets]\n\n"
          "Lists the limiter algorithms (for `algorithm:` in a scenario), the API models\n"
          "(for `model:`) and the named API presets (for `preset:`).\n"
          "  --presets   print every preset's settings, as an API in a scenario writes them\n",
          out);
}

enum { LIST_TEXT_BYTES = 32 };

/* Prints "  key: COUNT/PERIOD". */
static void print_rate(const char *key, int64_t count, int64_t period_us) {
    char period[LIST_TEXT_BYTES];
    units_format_duration(period_us, period, (int)sizeof period);
    printf("    %s: %" PRId64 "/%s\n", key, count, period);
}

/* Prints "  key: VALUE" for a duration. */
static void print_duration(const char *key, int64_t value_us) {
    char text[LIST_TEXT_BYTES];
    units_format_duration(value_us, text, (int)sizeof text);
    printf("    %s: %s\n", key, text);
}

/* Prints a distribution as the scenario format writes it; is_time says whether its values are
 * durations (latency) or counts (cost). */
static void print_dist(const char *key, const dist *d, bool is_time) {
    char a[LIST_TEXT_BYTES];
    char b[LIST_TEXT_BYTES];
    if (is_time) {
        units_format_duration(d->a, a, (int)sizeof a);
        units_format_duration(d->b, b, (int)sizeof b);
    } else {
        snprintf(a, sizeof a, "%" PRId64, d->a);
        snprintf(b, sizeof b, "%" PRId64, d->b);
    }
    switch (d->kind) {
    case DIST_CONSTANT: printf("    %s: %s\n", key, a); break;
    case DIST_UNIFORM: printf("    %s: {dist: uniform, min: %s, max: %s}\n", key, a, b); break;
    case DIST_EXPONENTIAL: printf("    %s: {dist: exponential, mean: %s}\n", key, a); break;
    case DIST_LOGNORMAL:
        printf("    %s: {dist: lognormal, median: %s, p99: %s}\n", key, a, b);
        break;
    }
}

/* Prints preset's settings, every one, in the keys of an API in a scenario. */
static void print_preset_values(const api_preset *preset) {
    const api_config *cfg = &preset->config;
    printf("  %s:   # %s\n", preset->name, preset->summary);
    printf("    # source: %s (as of %s)\n", preset->source_url, preset->source_date);
    printf("    model: %s\n", api_model_kind_name(cfg->kind));
    print_rate("limit", cfg->limit, cfg->window_us);
    if (cfg->kind == API_MODEL_LEAKY_BUCKET) {
        printf("    bucket: %" PRId64 "\n", cfg->bucket_size);
    }
    if (cfg->burst_limit > 0) {
        print_rate("burst", cfg->burst_limit, cfg->burst_window_us);
    } else {
        print_duration("burst_window", cfg->burst_window_us);
    }
    printf("    drop: %" PRId64 ".%06" PRId64 "\n", cfg->drop_ppm / 1000000,
           cfg->drop_ppm % 1000000);
    print_duration("penalty", cfg->penalty_us);
    if (cfg->kind == API_MODEL_QUOTA_BOUND) {
        if (cfg->tokens_limit > 0) {
            print_rate("tokens", cfg->tokens_limit, cfg->window_us);
        }
        if (cfg->tokens_limit > 0) {
            print_dist("cost", &cfg->cost_tokens, false);
        }
        if (cfg->quota_limit > 0) {
            print_rate("quota", cfg->quota_limit, cfg->quota_window_us);
        }
    }
    print_dist("latency", &cfg->latency_us, true);
}

/* `ratelab list --presets`: every preset's settings. */
static int list_presets(void) {
    puts("api presets (apis.NAME.preset: NAME; a key given beside preset overrides it):");
    for (int i = 0; i < api_preset_count(); i++) {
        print_preset_values(api_preset_at(i));
    }
    return CLI_EXIT_OK;
}

int cli_list(int argc, char **argv) {
    if (argc > 1 && cli_is_help(argv[1])) {
        list_usage(stdout);
        return CLI_EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "--presets") == 0) {
        return list_presets();
    }
    if (argc > 1) {
        fprintf(stderr, "ratelab list: unexpected argument '%s'\n", argv[1]);
        list_usage(stderr);
        return CLI_EXIT_BAD_INPUT;
    }
    puts("algorithms:");
    for (size_t i = 0; i < limiter_algorithm_count(); i++) {
        const limiter_algorithm *a = limiter_algorithm_at(i);
        printf("  %-22s %s\n", a->name, a->summary);
    }
    puts("\napi models:");
    printf("  %-22s %s\n", api_model_kind_name(API_MODEL_BURST_INTOLERANT),
           "a limit per window plus a short burst window; 429, drops and penalties on bursts");
    printf("  %-22s %s\n", api_model_kind_name(API_MODEL_QUOTA_BOUND),
           "requests and tokens per window plus a long-period quota; welcomes bursts");
    printf("  %-22s %s\n", api_model_kind_name(API_MODEL_LEAKY_BUCKET),
           "a bucket of `bucket` requests leaking `limit`; 429 when full; reports its fill");
    puts("\napi presets:");
    for (int i = 0; i < api_preset_count(); i++) {
        const api_preset *p = api_preset_at(i);
        printf("  %-22s %s\n", p->name, p->summary);
    }
    return CLI_EXIT_OK;
}
