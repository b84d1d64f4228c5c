/* fuzz_provenance_read.c - libFuzzer target: any bytes as a results folder's provenance.json,
 * read by provenance_read (what `ratelab plot` and the report page show of how a run was made).
 *
 * A read succeeds with every text NUL-terminated inside its field and at most
 * PROVENANCE_OVERRIDES_MAX overrides kept of the total counted, or fails with one printable line
 * naming the file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness/report/provenance.h"
#include "tests/fuzz/fuzz_files.h"

/* libFuzzer's entry point: one input per call. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *text, size_t size, const char *field) {
    if (memchr(text, '\0', size) == NULL) {
        fuzz_files_broken("read", field);
    }
}

static void check_provenance(const provenance_summary *p) {
    if (!p->present) {
        fuzz_files_broken("read", "a file read as absent");
    }
    check_text(p->scenario_file, sizeof p->scenario_file, "scenario_file not terminated");
    check_text(p->version, sizeof p->version, "version not terminated");
    check_text(p->revision, sizeof p->revision, "revision not terminated");
    check_text(p->world, sizeof p->world, "world not terminated");
    check_text(p->command, sizeof p->command, "command not terminated");
    if (p->override_count < 0 || p->override_count > PROVENANCE_OVERRIDES_MAX ||
        p->override_count > p->overrides_total) {
        fuzz_files_broken("read", "an override count out of bounds");
    }
    for (int i = 0; i < p->override_count; i++) {
        check_text(p->overrides[i], sizeof p->overrides[i], "an override not terminated");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[FUZZ_PATH_BYTES];
    fuzz_files_write("provenance.json", data, size, path);
    provenance_summary summary;
    rl_error err;
    rl_error_clear(&err);
    int rc = provenance_read(fuzz_files_dir(), &summary, &err);
    if (rc != RL_OK) {
        fuzz_check_read_error(rc, &err, "provenance.json");
        return 0;
    }
    check_provenance(&summary);
    return 0;
}
