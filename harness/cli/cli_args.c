/* cli_args.c - reading the commands' numeric options. */
#include <errno.h>
#include <stdlib.h>

#include "harness/cli/cli.h"

int cli_parse_count(const char *text, long long min, long long max, long long *out) {
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        return -1;
    }
    *out = value;
    return 0;
}
