/* lua_scripts.h - the Lua mirrors of the limiter algorithms, embedded at build time.
 *
 * algorithms/lua/<name>.lua mirrors algorithms/<name>.c for real Redis; the build prepends
 * algorithms/lua/prelude/rate_math.lua to each and embeds the result (cmake/embed_lua.cmake),
 * so the binary needs no file at run time. Scripts are loaded with SCRIPT LOAD and called with
 * EVALSHA; the call format is in the prelude's header comment. */
#ifndef RATELAB_LUA_SCRIPTS_H
#define RATELAB_LUA_SCRIPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "algorithms/limiter.h"
#include "harness/core/rl_error.h"

/* One embedded script. Static data: nothing to free. */
typedef struct lua_script {
    const char *name;    /* the algorithm's name ("gcra"), or a helper's ("lock_release") */
    const char *source;  /* NUL-terminated Lua source */
    size_t source_bytes; /* without the NUL */
    bool is_algorithm;   /* called with the limiter call format (prelude header) */
} lua_script;

/* A limiter script sets its state hash to expire this long after the moment the state stops
 * mattering (prelude: STATE_TTL_SLACK_MS), so a run that is killed leaves no key for ever. The
 * slack covers clocks that step back (a pod's clock, or the server's) and slow round trips. */
#define LUA_STATE_TTL_SLACK_MS 60000

/* The generated table (lua_scripts_data.c). */
extern const lua_script lua_script_table[];
extern const size_t lua_script_table_count;

/* The script called name, or NULL. Static: nothing to free. */
const lua_script *lua_script_find(const char *name);

/* The script mirroring algorithm a, or NULL when a needs none (unlimited) or has no mirror. */
const lua_script *lua_script_for(const limiter_algorithm *a);

/* Checks the bounds the Lua mirror adds to cfg's own (validate must have passed): numbers in a
 * script stay below 2^53, so e.g. the sliding window needs period_us < 2^52. Returns 0 or
 * RL_ERR_INVALID with a message. */
int lua_scripts_config_check(const limiter_config *cfg, rl_error *err);

/* The ARGV of one script call, as decimal text: a limiter call's LUA_SCRIPT_ARGS (see the
 * prelude; sre_throttle's two more), an adaptive limiter's observe LUA_SCRIPT_ARGS_MAX
 * (adaptive_run in the prelude), or a helper's fewer (lock_release: the owner). */
#define LUA_SCRIPT_ARGS 8
#define LUA_SCRIPT_ARGS_MAX 14
#define LUA_SCRIPT_ARG_BYTES 24
typedef struct lua_script_args {
    int count; /* entries used, 1..LUA_SCRIPT_ARGS_MAX */
    char text[LUA_SCRIPT_ARGS_MAX][LUA_SCRIPT_ARG_BYTES];
    const char *argv[LUA_SCRIPT_ARGS_MAX];
    size_t lengths[LUA_SCRIPT_ARGS_MAX];
} lua_script_args;

/* Fills args for one call of cost under cfg: at now_us (>= 0), or, when now_us is negative, at
 * the server's clock (TIME) minus epoch_us. args->argv points into args itself. */
void lua_script_args_fill(lua_script_args *args, const limiter_config *cfg, int64_t cost,
                          int64_t now_us, int64_t epoch_us);

/* Fills args for telling an adaptive limiter under cfg the outcome of a request it allowed, at
 * now_us or the server's clock as lua_script_args_fill. args->argv points into args itself. */
void lua_script_args_fill_observe(lua_script_args *args, const limiter_config *cfg,
                                  const limiter_outcome *outcome, int64_t now_us,
                                  int64_t epoch_us);

/* Fills args with the one argument of lock_release: the lock's owner, in decimal (as the lock
 * command wrote it). args->argv points into args itself. */
void lua_script_args_fill_owner(lua_script_args *args, uint64_t owner);

#endif
