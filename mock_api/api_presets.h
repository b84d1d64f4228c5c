/* api_presets.h - named api_config presets shaped like real public APIs (powerbi, github, ...).
 *
 * Each preset is modelled on the public documentation page named in its source_url; figures the
 * documentation does not give (latency, burst windows, drops, penalties) are assumptions, stated
 * next to each preset in api_presets.c. A scenario can start from a preset and override fields. */
#ifndef RATELAB_API_PRESETS_H
#define RATELAB_API_PRESETS_H

#include "mock_api/api_model.h"

typedef struct api_preset {
    const char *name;       /* as written in scenario files: "powerbi", "github", ... */
    const char *summary;    /* one line for listings */
    const char *source_url; /* the public documentation page the preset is modelled on */
    const char *source_date; /* when the documented figures were as stated ("2024") */
    api_config config;      /* valid for api_config_validate */
} api_preset;

/* The preset called name, or NULL if there is none. Static storage: never freed. */
const api_preset *api_preset_find(const char *name);

/* How many presets there are. */
int api_preset_count(void);

/* The index-th preset, 0 <= index < api_preset_count(). Static storage: never freed. */
const api_preset *api_preset_at(int index);

#endif
