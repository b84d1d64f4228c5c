/* fuzz_files.h - what the fuzz targets of ratelab's file readers share: a scratch folder to put
 * the input in as a file (the readers read paths), a few shapes of run summary to read a CSV
 * against, and the oracle for a reader that failed.
 *
 * A reader either succeeds with data inside its documented bounds (each target checks those), or
 * fails with RL_ERR_INVALID, RL_ERR_IO, RL_ERR_LIMIT or RL_ERR_NOMEM and one printable line that
 * names the file. Anything else aborts, which libFuzzer reports as a crash with its input. */
#ifndef RATELAB_FUZZ_FILES_H
#define RATELAB_FUZZ_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/report/summary_read.h"

#define FUZZ_PATH_BYTES 256

/* The process's scratch folder, made on first use and removed (one level deep) at exit. */
const char *fuzz_files_dir(void);

/* Writes size bytes of data as the file name in the scratch folder; its path goes into path
 * (FUZZ_PATH_BYTES). Aborts when it cannot. */
void fuzz_files_write(const char *name, const uint8_t *data, size_t size, char *path);

/* Fills out with one of four run summaries, chosen by shape (any byte): 1 API over 10 s in bins
 * of 100 ms; APIs a and b over 7 days; 1 us in bins of 1 us; 7 days in one bin. */
void fuzz_files_summary(uint8_t shape, run_summary *out);

/* Aborts unless a failed read (rc) is one of the codes above, with one printable line in err
 * that names file_name. */
void fuzz_check_read_error(int rc, const rl_error *err, const char *file_name);

/* Aborts with what and detail on stderr: a promise was broken. */
void fuzz_files_broken(const char *what, const char *detail);

#endif
