/* provenance_json.h - provenance.json as JSON, for the files of harness/report that read it
 * (provenance.c, provenance_merge.c): one loader, so that every reader words its errors alike. */
#ifndef RATELAB_PROVENANCE_JSON_H
#define RATELAB_PROVENANCE_JSON_H

#include <jansson.h>

#include "harness/core/rl_error.h"

/* Loads dir/provenance.json as a JSON object into *out (the caller decrefs it). Returns 0, or
 * RL_ERR_INVALID / RL_ERR_IO with one printable line naming the file. */
int provenance_load_json(const char *dir, json_t **out, rl_error *err);

#endif
