/* fuzz_baseline_read.c - libFuzzer target: any bytes as a baseline (`compare --baseline FILE`),
 * read by baseline_read, then checked against its own rows (baseline_check).
 *
 * A read succeeds with tolerances at 0 or above, or fails with one line naming the file; a
 * baseline checked against itself finds nothing worse. */
#include <stddef.h>
#include <stdint.h>

#include "harness/compare/baseline.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_finding(void *context, const baseline_finding *finding) {
    (void)finding;
    (*(int *)context)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("baseline.json", data, size, path);
    baseline b;
    rl_error err;
    rl_error_clear(&err);
    int rc = baseline_read(path, &b, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "baseline.json");
        return 0;
    }
    for (int f = 0; f < FIGURE_COUNT; f++) {
        if (b.tolerance[f].checked &&
            !(b.tolerance[f].absolute >= 0 && b.tolerance[f].relative >= 0)) {
            fuzz_files_broken("read", "a tolerance below 0");
        }
    }
    int findings = 0;
    baseline_check(&b, &b.rows, count_finding, &findings);
    if (findings != 0) {
        fuzz_files_broken("checked", "a baseline is worse than itself");
    }
    baseline_free(&b);
    return 0;
}
