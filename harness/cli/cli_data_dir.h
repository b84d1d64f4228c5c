/* cli_data_dir.h - where an installed ratelab finds its shared files (PREFIX/share/ratelab),
 * from the path of the running binary (PREFIX/bin/ratelab), so that any prefix works. */
#ifndef RATELAB_CLI_DATA_DIR_H
#define RATELAB_CLI_DATA_DIR_H

#include <stddef.h>

/* Writes into out (out_bytes, owned by the caller) the path of name under the shared files of
 * the installation the running binary belongs to: DIR/../share/ratelab/NAME for a binary in
 * DIR. Returns 0 when that path exists; -1 when it does not (a binary run from its build
 * folder), does not fit, or the binary's own path cannot be read. */
int cli_data_path(const char *name, char *out, size_t out_bytes);

#endif
