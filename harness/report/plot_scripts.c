/* plot_scripts.c - finding a built-in gnuplot script and copying it beside the figures. */
#include "harness/report/plot_scripts.h"

#include <stdio.h>
#include <string.h>

#include "harness/report/output_file.h"

const plot_script *plot_script_find(const char *name) {
    for (int i = 0; i < plot_scripts_builtin_count; i++) {
        if (strcmp(plot_scripts_builtin[i].name, name) == 0) {
            return &plot_scripts_builtin[i];
        }
    }
    return NULL;
}

int plot_script_write(const char *dir, const char *name, rl_error *err) {
    const plot_script *script = plot_script_find(name);
    if (script == NULL) {
        return rl_error_set(err, RL_ERR_UNKNOWN, "no built-in gnuplot script %s", name);
    }
    FILE *out = NULL;
    int rc = output_file_open(dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    fwrite(script->text, 1, script->size, out);
    return output_file_close(out, dir, name, err);
}
