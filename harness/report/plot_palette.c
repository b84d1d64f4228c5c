/* plot_palette.c - the fixed colour table of the algorithms, and the tint of local limiters. */
#include "harness/report/plot_palette.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct palette_entry {
    const char *algorithm;
    uint32_t rgb;
} palette_entry;

/* One hue per algorithm. Red, green and orange are left out on purpose: the over-time figures
 * use them for 429s, accepted requests and drops. */
static const palette_entry palette_table[] = {
    {"gcra", 0x1f77b4},                  /* blue */
    {"gcra_pace", 0x6a3d9a},             /* purple */
    {"token_bucket", 0x8c564b},          /* brown */
    {"token_bucket_interval", 0x9a9a00}, /* olive */
    {"leaky_bucket_meter", 0x17a2b8},    /* teal */
    {"leaky_bucket_queue", 0xd62f9e},    /* magenta */
    {"fixed_window", 0xc89400},          /* mustard */
    {"sliding_window", 0x08306b},        /* navy */
    {"unlimited", 0x555555},             /* dark grey */
    {"aimd", 0x393b79},                  /* indigo */
    {"sre_throttle", 0x637939},          /* moss */
    {"gradient", 0x7b4173},              /* plum */
    {"selector", 0x000000},              /* black */
    {"none", 0x555555},                  /* no limiter at all: like unlimited */
};

/* For algorithms the table does not know (added later, or named by another tool). */
static const uint32_t palette_spare[] = {0x393b79, 0x637939, 0x843c39, 0x7b4173, 0x3182bd};

#define PALETTE_LOCAL_TINT_PERCENT 45 /* how far towards white a local limiter's colour goes */

/* Copies the algorithm part of label (before '@' or '+') into out (size bytes). */
static void label_algorithm(const char *label, char *out, size_t size) {
    size_t length = strcspn(label, "@+");
    if (length >= size) {
        length = size - 1;
    }
    memcpy(out, label, length);
    out[length] = '\0';
}

static uint32_t algorithm_rgb(const char *algorithm) {
    for (size_t i = 0; i < sizeof palette_table / sizeof palette_table[0]; i++) {
        if (strcmp(palette_table[i].algorithm, algorithm) == 0) {
            return palette_table[i].rgb;
        }
    }
    uint32_t hash = 2166136261u; /* FNV-1a: stable across runs and machines */
    for (const char *c = algorithm; *c != '\0'; c++) {
        hash = (hash ^ (uint8_t)*c) * 16777619u;
    }
    return palette_spare[hash % (sizeof palette_spare / sizeof palette_spare[0])];
}

bool plot_palette_is_local(const char *label) {
    size_t first = strcspn(label, "+");
    const char *at = strchr(label, '@');
    return at != NULL && (size_t)(at - label) < first && strncmp(at, "@local", 6) == 0 &&
           (at[6] == '\0' || at[6] == '+');
}

void plot_palette_color(const char *label, char color[PLOT_COLOR_BYTES]) {
    char algorithm[64];
    label_algorithm(label, algorithm, sizeof algorithm);
    uint32_t rgb = algorithm_rgb(algorithm);
    unsigned channel[3] = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
    if (plot_palette_is_local(label)) {
        for (int i = 0; i < 3; i++) {
            channel[i] += (255 - channel[i]) * PALETTE_LOCAL_TINT_PERCENT / 100;
        }
    }
    snprintf(color, PLOT_COLOR_BYTES, "#%02x%02x%02x", channel[0], channel[1], channel[2]);
}

void plot_palette_series_color(int index, char color[PLOT_COLOR_BYTES]) {
    /* Distinct at a glance, and none of the over-time figures' red, green and orange. */
    static const uint32_t distinct[] = {0x1f77b4, 0x6a3d9a, 0x8c564b, 0x17a2b8, 0xd62f9e,
                                        0xc89400, 0x08306b, 0x9a9a00, 0x555555, 0x7fb8e6};
    size_t count = sizeof distinct / sizeof distinct[0];
    uint32_t rgb = distinct[(size_t)(index < 0 ? 0 : index) % count];
    snprintf(color, PLOT_COLOR_BYTES, "#%06x", (unsigned)rgb);
}
