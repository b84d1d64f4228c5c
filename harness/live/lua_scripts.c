/* lua_scripts.c - lookup of the embedded Lua scripts and the format of their arguments. */
#include "harness/live/lua_scripts.h"

#include <stdio.h>
#include <string.h>

const lua_script *lua_script_find(const char *name) {
    for (size_t i = 0; i < lua_script_table_count; i++) {
        if (strcmp(lua_script_table[i].name, name) == 0) {
            return &lua_script_table[i];
        }
    }
    return NULL;
}

const lua_script *lua_script_for(const limiter_algorithm *a) {
    const lua_script *script = lua_script_find(a->name);
    return script != NULL && script->is_algorithm ? script : NULL;
}

int lua_scripts_config_check(const limiter_config *cfg, rl_error *err) {
    const limiter_algorithm *a = cfg->algorithm;
    if (strcmp(a->name, "unlimited") == 0) {
        return RL_OK;
    }
    if (lua_script_for(a) == NULL) {
        return rl_error_set(err, RL_ERR_INVALID, "algorithm %s has no Lua mirror for scope redis",
                            a->name);
    }
    /* The sliding window's longest wait is 2 x period_us, which must stay exact in a double. */
    if (strcmp(a->name, "sliding_window") == 0 && cfg->period_us >= (INT64_C(1) << 52)) {
        return rl_error_set(err, RL_ERR_INVALID,
                            "sliding_window in Redis needs period_us below 2^52 (got %lld)",
                            (long long)cfg->period_us);
    }
    return RL_OK;
}

static void args_set(lua_script_args *args, int index, const char *text) {
    snprintf(args->text[index], LUA_SCRIPT_ARG_BYTES, "%s", text);
}

static void args_set_i64(lua_script_args *args, int index, int64_t value) {
    snprintf(args->text[index], LUA_SCRIPT_ARG_BYTES, "%lld", (long long)value);
}

void lua_script_args_fill(lua_script_args *args, const limiter_config *cfg, int64_t cost,
                          int64_t now_us, int64_t epoch_us) {
    args_set_i64(args, 0, cfg->limit);
    args_set_i64(args, 1, cfg->period_us);
    args_set_i64(args, 2, cfg->burst);
    args_set_i64(args, 3, cfg->max_wait_us);
    args_set_i64(args, 4, cfg->queue_max);
    args_set_i64(args, 5, cost);
    if (now_us >= 0) {
        args_set_i64(args, 6, now_us);
    } else {
        args_set(args, 6, "time");
    }
    args_set_i64(args, 7, epoch_us);
    args->count = LUA_SCRIPT_ARGS;
    if ((cfg->algorithm->params & (LIMITER_PARAM_K | LIMITER_PARAM_WINDOW)) != 0) {
        args_set_i64(args, 8, cfg->k_milli); /* sre_throttle reads them on decide too */
        args_set_i64(args, 9, cfg->window_us);
        args->count = LUA_SCRIPT_ARGS + 2;
    }
    for (int i = 0; i < args->count; i++) {
        args->argv[i] = args->text[i];
        args->lengths[i] = strlen(args->text[i]);
    }
}

void lua_script_args_fill_observe(lua_script_args *args, const limiter_config *cfg,
                                  const limiter_outcome *outcome, int64_t now_us,
                                  int64_t epoch_us) {
    lua_script_args_fill(args, cfg, outcome->cost, now_us, epoch_us);
    args_set_i64(args, 8, cfg->k_milli);
    args_set_i64(args, 9, cfg->window_us);
    args_set(args, 10, "observe");
    args_set_i64(args, 11, (int64_t)outcome->kind); /* 0 accepted, 1 refused, 2 dropped */
    args_set_i64(args, 12, outcome->retry_after_us);
    args_set_i64(args, 13, outcome->latency_us);
    args->count = LUA_SCRIPT_ARGS_MAX;
    for (int i = 0; i < args->count; i++) {
        args->argv[i] = args->text[i];
        args->lengths[i] = strlen(args->text[i]);
    }
}

void lua_script_args_fill_owner(lua_script_args *args, uint64_t owner) {
    snprintf(args->text[0], LUA_SCRIPT_ARG_BYTES, "%llu", (unsigned long long)owner);
    args->count = 1;
    args->argv[0] = args->text[0];
    args->lengths[0] = strlen(args->text[0]);
}
