/* live_text.c - printable copies of outside text (see live_text.h). */
#include "harness/live/live_text.h"

#include <assert.h>
#include <string.h>

void live_text_printable(char *out, size_t out_size, const char *text, size_t length) {
    assert(out_size >= 4);
    size_t room = out_size - 1;
    size_t copied = length <= room ? length : room - 3;
    for (size_t i = 0; i < copied; i++) {
        unsigned char c = (unsigned char)text[i];
        out[i] = c >= 0x20u && c < 0x7Fu ? (char)c : '?';
    }
    if (copied < length) {
        memcpy(out + copied, "...", 3);
        copied += 3;
    }
    out[copied] = '\0';
}
