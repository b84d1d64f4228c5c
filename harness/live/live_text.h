/* live_text.h - text that came from outside (a server's error reply, a URL) made safe to print. */
#ifndef RATELAB_LIVE_TEXT_H
#define RATELAB_LIVE_TEXT_H

#include <stddef.h>

/* Copies text[0..length) into out (out_size >= 4 bytes, always terminated) with every byte
 * outside printable ASCII (control bytes, escape codes, line breaks, non-ASCII) as '?'; text that
 * does not fit is cut and ends with "...". */
void live_text_printable(char *out, size_t out_size, const char *text, size_t length);

#endif
