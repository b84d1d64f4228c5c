/* experiment_plan.c - the grid of a sweep: every combination of its keys' values. */
#include "harness/experiment/experiment.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "harness/core/rl_alloc.h"

/* The file's sweep keys, with --sweep keys replacing those of the same path, then appended. */
static int merge_sweep(const experiment_spec *spec, experiment *e, rl_error *err) {
    e->sweep_key_count = e->base.sweep_key_count;
    memcpy(e->sweep, e->base.sweep, sizeof e->sweep);
    for (int i = 0; i < spec->extra_sweep_count; i++) {
        const scenario_sweep_key *extra = &spec->extra_sweep[i];
        int k = 0;
        while (k < e->sweep_key_count && strcmp(e->sweep[k].path, extra->path) != 0) {
            k++;
        }
        if (k == e->sweep_key_count) {
            if (k == SCENARIO_SWEEP_KEYS_MAX) {
                return rl_error_set(err, RL_ERR_INVALID,
                                    "--sweep %s: a sweep has at most %d keys", extra->path,
                                    SCENARIO_SWEEP_KEYS_MAX);
            }
            e->sweep_key_count++;
        }
        e->sweep[k] = *extra;
    }
    return RL_OK;
}

static void point_fill(experiment *e, int index, experiment_point *point) {
    memset(point, 0, sizeof *point);
    int rest = index;
    size_t used = 0;
    /* The last key varies fastest, as nested loops written in the file's order would. */
    int digits[SCENARIO_SWEEP_KEYS_MAX];
    for (int k = e->sweep_key_count - 1; k >= 0; k--) {
        digits[k] = rest % e->sweep[k].value_count;
        rest /= e->sweep[k].value_count;
    }
    for (int k = 0; k < e->sweep_key_count; k++) {
        const scenario_sweep_key *key = &e->sweep[k];
        point->overrides[k].path = key->path;
        point->overrides[k].value = key->values[digits[k]];
        if (used < sizeof point->label) {
            int n = snprintf(point->label + used, sizeof point->label - used, "%s%s=%s",
                             k > 0 ? " " : "", key->path, key->values[digits[k]]);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    point->override_count = e->sweep_key_count;
}

int experiment_plan(const experiment_spec *spec, experiment *out, rl_error *err) {
    memset(out, 0, sizeof *out);
    if (spec->replications < 1 || spec->jobs < 1) {
        return rl_error_set(err, RL_ERR_INVALID, "replications and jobs must be at least 1");
    }
    int rc = scenario_load_file(spec->file, spec->overrides, spec->override_count, &out->base, err);
    if (rc != RL_OK) {
        return rc;
    }
    int64_t points = 1;
    if (spec->given_point_count > 0) {
        out->sweep_key_count = 0;
        points = spec->given_point_count;
    } else {
        rc = merge_sweep(spec, out, err);
        if (rc != RL_OK) {
            return rc;
        }
        for (int k = 0; k < out->sweep_key_count; k++) {
            points *= out->sweep[k].value_count;
        }
    }
    int64_t runs = points * spec->replications;
    if (runs > EXPERIMENT_RUNS_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT,
                            "%lld points x %d replications = %lld runs; at most %d runs at once",
                            (long long)points, spec->replications, (long long)runs,
                            EXPERIMENT_RUNS_MAX);
    }
    out->point_count = (int)points;
    out->replications = spec->replications;
    out->seed = spec->seed_given ? spec->seed : out->base.seed;
    out->api_count = out->base.api_count;
    out->expectation_count = out->base.expectation_count;
    if (spec->shard_count < 0 || spec->shard_index < 0 ||
        (spec->shard_count > 0 && (spec->shard_index < 1 || spec->shard_index > spec->shard_count))) {
        return rl_error_set(err, RL_ERR_INVALID, "shard %d/%d: K must be from 1 to N",
                            spec->shard_index, spec->shard_count);
    }
    if (spec->shard_count > runs) {
        return rl_error_set(err, RL_ERR_LIMIT,
                            "--shard %d/%d: the grid has only %lld run%s (%lld point%s x %d "
                            "replication%s); at most %lld shards, so none is empty",
                            spec->shard_index, spec->shard_count, (long long)runs,
                            runs == 1 ? "" : "s", (long long)points, points == 1 ? "" : "s",
                            spec->replications, spec->replications == 1 ? "" : "s",
                            (long long)runs);
    }
    out->shard_index = spec->shard_count > 0 ? spec->shard_index : 0;
    out->shard_count = spec->shard_count;
    out->points = rl_calloc((size_t)points, sizeof *out->points);
    if (out->points == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for %lld points",
                            (long long)points);
    }
    for (int p = 0; p < out->point_count; p++) {
        if (spec->given_point_count > 0) {
            assert(spec->given_points[p].override_count <= SCENARIO_SWEEP_KEYS_MAX);
            out->points[p] = spec->given_points[p];
        } else {
            point_fill(out, p, &out->points[p]);
        }
    }
    return RL_OK;
}

int64_t experiment_runs_total(const experiment *e) {
    return (int64_t)e->point_count * e->replications;
}

bool experiment_run_in_shard(const experiment *e, int64_t index) {
    return e->shard_count == 0 || index % e->shard_count == e->shard_index - 1;
}

int64_t experiment_runs_in_shard(const experiment *e) {
    int64_t total = experiment_runs_total(e);
    if (e->shard_count == 0) {
        return total;
    }
    /* Runs shard_index - 1, + shard_count, ...: those below total. */
    return (total - e->shard_index + e->shard_count) / e->shard_count;
}

void experiment_free(experiment *e) {
    rl_free(e->points);
    rl_free(e->values);
    rl_free(e->expect_values);
    rl_free(e->estimates);
    memset(e, 0, sizeof *e);
}
