/* build_info.c - the version, revision and random-stream version of this binary. */
#include "harness/core/build_info.h"

#include <stdio.h>

#include "harness/core/rng.h"

const char *build_info_version(void) {
    return RATELAB_VERSION;
}

const char *build_info_revision(void) {
    return build_info_revision_text[0] != '\0' ? build_info_revision_text : "unknown";
}

int build_info_rng_stream_version(void) {
    return RNG_STREAM_VERSION;
}

void build_info_format(char *buf, size_t size) {
    snprintf(buf, size, "ratelab %s (revision %s, random streams v%d)", build_info_version(),
             build_info_revision(), build_info_rng_stream_version());
}
