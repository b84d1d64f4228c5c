/* fuzz_scenario_load.c - libFuzzer target: any bytes as a scenario file (scenario_load_text).
 *
 * The input is the file's text as it is, NUL bytes and all. fuzz_check.h says what must hold. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/scenario/scenario_load.h"
#include "tests/fuzz/fuzz_check.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    scenario *s = malloc(sizeof *s); /* about 30 KiB: not on the stack */
    if (s == NULL) {
        return 0;
    }
    rl_error err;
    rl_error_clear(&err);
    int rc = scenario_load_text((const char *)data, size, FUZZ_FILE_NAME, NULL, 0, s, &err);
    fuzz_check_load(rc, s, &err);
    free(s);
    return 0;
}
