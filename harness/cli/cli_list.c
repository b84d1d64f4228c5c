/* cli_list.c - `ratelab list`: the algorithms and API models ratelab knows. */
#include <stdio.h>
#include <string.h>

#include "algorithms/limiter.h"
#include "harness/cli/cli.h"
#include "mock_api/api_model.h"
#include "mock_api/api_presets.h"

static void list_usage(FILE *out) {
    fputs("usage: ratelab list\n\n"
          "Lists the limiter algorithms (for `algorithm:` in a scenario), the API models\n"
          "(for `model:`) and the named API presets.\n",
          out);
}

int cli_list(int argc, char **argv) {
    if (argc > 1 && cli_is_help(argv[1])) {
        list_usage(stdout);
        return CLI_EXIT_OK;
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
    puts("\napi presets:");
    for (int i = 0; i < api_preset_count(); i++) {
        const api_preset *p = api_preset_at(i);
        printf("  %-22s %s\n", p->name, p->summary);
    }
    return CLI_EXIT_OK;
}
