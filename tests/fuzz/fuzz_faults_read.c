/* fuzz_faults_read.c - libFuzzer target: any bytes as a results folder's faults.csv, read by
 * plot_faults_read (the fault windows the figures and the report page shade).
 *
 * A read succeeds with at most PLOT_FAULTS_MAX windows, each with printable texts and
 * 0 <= start_s <= end_s, or fails with one line naming the file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/report/plot_data.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *text) {
    size_t length = strnlen(text, PLOT_FAULT_TEXT_BYTES);
    if (length == PLOT_FAULT_TEXT_BYTES) {
        fuzz_files_broken("read", "a fault text not terminated");
    }
    for (size_t i = 0; i < length; i++) {
        if (text[i] < 0x20 || text[i] >= 0x7f) {
            fuzz_files_broken("read", "a fault text with a byte that is not printable");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("faults.csv", data, size, path);
    plot_faults faults;
    rl_error err;
    rl_error_clear(&err);
    int rc = plot_faults_read(fuzz_files_dir(), &faults, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "faults.csv");
        return 0;
    }
    if (faults.count < 0 || faults.count > PLOT_FAULTS_MAX) {
        fuzz_files_broken("read", "a fault count out of bounds");
    }
    for (int i = 0; i < faults.count; i++) {
        const plot_fault *f = &faults.faults[i];
        check_text(f->kind);
        check_text(f->target);
        if (!(f->start_s >= 0) || !(f->end_s >= f->start_s)) {
            fuzz_files_broken("read", "a fault window out of order");
        }
    }
    return 0;
}
