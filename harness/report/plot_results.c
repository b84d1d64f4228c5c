/* plot_results.c - the figures of one results folder: data files, one small script per figure,
 * then gnuplot. */
#include "harness/report/plot.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/units.h"
#include "harness/report/gnuplot_run.h"
#include "harness/report/gnuplot_text.h"
#include "harness/report/output_file.h"
#include "harness/report/plot_data.h"
#include "harness/report/plot_figure.h"
#include "harness/report/plot_palette.h"
#include "harness/report/plot_scripts.h"
#include "harness/report/plot_window.h"
#include "harness/report/report_format.h"
#include "harness/report/results_folder.h"

#define PLOT_FIGURES_MAX (2 * SCENARIO_APIS_MAX + 1)
#define PLOT_NAME_BYTES (SCENARIO_NAME_BYTES + 32)
#define PLOT_TITLE_BYTES 512

/* The scripts every results folder's figures load. */
static const char *const results_scripts[] = {"plot_style.gp", "plot_timeseries.gp",
                                              "plot_bursts.gp", "plot_latency.gp"};

/* What every figure of one folder shares. */
typedef struct figure_context {
    const char *plots_dir;
    plot_format format;
    const run_summary *summary;
    const plot_faults *faults;
    char run_text[SCENARIO_NAME_BYTES + 64]; /* "stampede (seed 1)" */
    int script_count;
    char scripts[PLOT_FIGURES_MAX][PLOT_NAME_BYTES]; /* the NAME.gp to run, in order */
} figure_context;

int plot_image_name(char *buf, size_t size, const char *kind, const char *api,
                    plot_format format, rl_error *err) {
    int n = api != NULL ? snprintf(buf, size, "%s_%s.%s", kind, api, plot_format_name(format))
                        : snprintf(buf, size, "%s.%s", kind, plot_format_name(format));
    if (n < 0 || (size_t)n >= size) {
        return rl_error_set(err, RL_ERR_INVALID, "figure name too long for %s", kind);
    }
    return RL_OK;
}

int plot_results_check(const char *results_dir, rl_error *err) {
    static const char *const needed[] = {"summary.json", "timeseries.csv",
                                         "latency_histogram.csv"};
    if (access(results_dir, F_OK) != 0) {
        return rl_error_set(err, RL_ERR_INVALID, "%s: no such results folder", results_dir);
    }
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
        char path[RESULTS_PATH_BYTES];
        int rc = results_path_join(path, sizeof path, results_dir, needed[i], err);
        if (rc != RL_OK) {
            return rc;
        }
        if (access(path, R_OK) != 0) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "%s: no %s; not a complete ratelab results folder", results_dir,
                                needed[i]);
        }
    }
    return RL_OK;
}

/* Opens NAME.gp and writes what every figure script starts with. */
static int wrapper_open(figure_context *ctx, const char *kind, const char *api, FILE **out,
                        rl_error *err) {
    if (ctx->script_count == PLOT_FIGURES_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT, "more than %d figures", PLOT_FIGURES_MAX);
    }
    char *script = ctx->scripts[ctx->script_count];
    char image[PLOT_NAME_BYTES];
    int rc = plot_image_name(image, sizeof image, kind, api, ctx->format, err);
    if (rc != RL_OK) {
        return rc;
    }
    snprintf(script, PLOT_NAME_BYTES, "%s%s%s.gp", kind, api != NULL ? "_" : "",
             api != NULL ? api : "");
    rc = output_file_open(ctx->plots_dir, script, out, err);
    if (rc != RL_OK) {
        return rc;
    }
    ctx->script_count++;
    plot_figure_write_head(*out, ctx->plots_dir, script, image, kind, ctx->format);
    return RL_OK;
}

/* Writes the loads that end every figure script, and closes it. */
static int wrapper_close(figure_context *ctx, FILE *out, const char *kind, rl_error *err) {
    plot_figure_write_tail(out, kind);
    return output_file_close(out, ctx->plots_dir, ctx->scripts[ctx->script_count - 1], err);
}

/* The faults that concern api: all but those aimed at another API. */
static void write_faults(FILE *out, const figure_context *ctx, int api) {
    const char *labels[PLOT_FAULTS_MAX];
    char texts[PLOT_FAULTS_MAX][2 * PLOT_FAULT_TEXT_BYTES + 8];
    double starts[PLOT_FAULTS_MAX], ends[PLOT_FAULTS_MAX];
    int count = 0;
    for (int i = 0; i < ctx->faults->count; i++) {
        const plot_fault *f = &ctx->faults->faults[i];
        int target = summary_api_index(ctx->summary, f->target);
        if (target >= 0 && target != api) {
            continue;
        }
        snprintf(texts[count], sizeof texts[count], "%s (%s)", f->kind, f->target);
        labels[count] = texts[count];
        starts[count] = f->start_s;
        ends[count] = f->end_s;
        count++;
    }
    gnuplot_assign_number(out, "fault_count", count);
    gnuplot_assign_numbers(out, "fault_start", starts, count);
    gnuplot_assign_numbers(out, "fault_end", ends, count);
    gnuplot_assign_strings(out, "fault_label", labels, count);
}

static const char *limiter_text(const summary_api *a) {
    return a->limiter[0] != '\0' ? a->limiter : "unknown"; /* summary.json before it said */
}

/* Writes the data file of one API's time series (shared by its two over-time figures). */
static int write_series_dat(const figure_context *ctx, const plot_series *series, int api,
                            rl_error *err) {
    const char *name = ctx->summary->apis[api].name;
    char file[PLOT_NAME_BYTES];
    snprintf(file, sizeof file, "timeseries_%s.dat", name);
    FILE *out = NULL;
    int rc = output_file_open(ctx->plots_dir, file, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    plot_series_write_dat(series, name, api, out);
    return output_file_close(out, ctx->plots_dir, file, err);
}

/* The window view of the over-time figure: its data file (long windows), the busiest window
 * and the legend's limit text. */
static int write_window_settings(const figure_context *ctx, const plot_series *series, int api,
                                 FILE *out, rl_error *err) {
    const summary_api *a = &ctx->summary->apis[api];
    bool long_window = a->window_us >= PLOT_WINDOW_LONG_US;
    char file[PLOT_NAME_BYTES], window[32];
    snprintf(file, sizeof file, "timeseries_window_%s.dat", a->name);
    units_format_duration(a->window_us, window, sizeof window);
    if (long_window) {
        FILE *dat = NULL;
        int rc = output_file_open(ctx->plots_dir, file, &dat, err);
        if (rc != RL_OK) {
            return rc;
        }
        plot_window_write_dat(series, a->name, api, a->window_us, a->limit, dat);
        rc = output_file_close(dat, ctx->plots_dir, file, err);
        if (rc != RL_OK) {
            return rc;
        }
    }
    gnuplot_assign_number(out, "window_mode", long_window ? 1 : 0);
    gnuplot_assign_string(out, "windowfile", file);
    gnuplot_assign_string(out, "window_text", window);
    gnuplot_assign_number(out, "limit_count", (double)a->limit);
    gnuplot_assign_number(out, "window_exact", a->window_us >= series->bucket_us ? 1 : 0);
    gnuplot_assign_number(out, "peak_window",
                          (double)plot_window_attempts_max(series, api, a->window_us));
    char text[96];
    if (long_window) {
        snprintf(text, sizeof text, "quota: %" PRId64 " per %s", a->limit, window);
    } else {
        char rate[32];
        report_format_number((double)a->limit * 1e6 / (double)a->window_us, rate, sizeof rate);
        snprintf(text, sizeof text, "API limit, average %s/s", rate);
    }
    gnuplot_assign_string(out, "limit_text", text);
    return RL_OK;
}

static int write_timeseries_figure(figure_context *ctx, const plot_series *series, int api,
                                   rl_error *err) {
    const summary_api *a = &ctx->summary->apis[api];
    FILE *out = NULL;
    int rc = wrapper_open(ctx, PLOT_KIND_TIMESERIES, a->name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    char attempts[32], created[32], done[32], rate[16], window[32], limit[32];
    char title[PLOT_TITLE_BYTES];
    report_format_count(a->attempts, attempts, sizeof attempts);
    report_format_count(a->jobs_created, created, sizeof created);
    report_format_count(a->jobs_completed, done, sizeof done);
    report_format_percent(a->rate_429, rate, sizeof rate);
    units_format_duration(a->window_us, window, sizeof window);
    report_format_count(a->limit, limit, sizeof limit);
    snprintf(title, sizeof title,
             "%s: %s at %s, limiter %s\n"
             "refused (429): %s of %s attempts; jobs done: %s of %s; API limit %s per %s",
             ctx->run_text,
             a->window_us >= PLOT_WINDOW_LONG_US ? "quota use" : "requests per second", a->name,
             limiter_text(a), rate, attempts, done, created, limit, window);
    char text[128];
    snprintf(text, sizeof text, "timeseries_%s.dat", a->name);
    gnuplot_assign_string(out, "datafile", text);
    gnuplot_assign_string(out, "title_text", title);
    units_format_duration(series->bucket_us, text, sizeof text);
    gnuplot_assign_string(out, "bucket_text", text);
    rc = write_window_settings(ctx, series, api, out, err);
    if (rc != RL_OK) {
        fclose(out);
        return rc;
    }
    gnuplot_assign_number(out, "api_refused", a->rejected_429 + a->dropped > 0 ? 1 : 0);
    write_faults(out, ctx, api);
    return wrapper_close(ctx, out, PLOT_KIND_TIMESERIES, err);
}

static int write_bursts_figure(figure_context *ctx, int api, rl_error *err) {
    const summary_api *a = &ctx->summary->apis[api];
    FILE *out = NULL;
    int rc = wrapper_open(ctx, PLOT_KIND_BURSTS, a->name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    char window[32], title[PLOT_TITLE_BYTES], text[128], color[PLOT_COLOR_BYTES];
    units_format_duration(a->burst_window_us, window, sizeof window);
    char ratio[32];
    report_format_ratio(a->burst_ratio, ratio, sizeof ratio);
    snprintf(title, sizeof title,
             "%s: bursts at %s, limiter %s\n"
             "most requests in any %s: %" PRId64 ", the API allows %" PRId64
             " (burst ratio %s)",
             ctx->run_text, a->name, limiter_text(a), window, a->max_burst, a->burst_allowance,
             ratio);
    snprintf(text, sizeof text, "timeseries_%s.dat", a->name);
    gnuplot_assign_string(out, "datafile", text);
    gnuplot_assign_string(out, "title_text", title);
    gnuplot_assign_string(out, "window_text", window);
    snprintf(text, sizeof text, "allowed: %" PRId64 " in %s", a->burst_allowance, window);
    gnuplot_assign_string(out, "allowance_text", text);
    gnuplot_assign_string(out, "series_text", limiter_text(a));
    plot_palette_color(a->limiter, color);
    gnuplot_assign_string(out, "line_color", color);
    write_faults(out, ctx, api);
    return wrapper_close(ctx, out, PLOT_KIND_BURSTS, err);
}

/* One curve of the latency figure: its file, legend, colour and dash. */
typedef struct latency_series {
    char file[PLOT_NAME_BYTES];
    char title[PLOT_TITLE_BYTES];
    char color[PLOT_COLOR_BYTES];
    double dash;
} latency_series;

static void latency_series_describe(const summary_api *a, latency_series *series) {
    char p50[32], p99[32], done[32], created[32];
    report_format_latency(a->latency_p50_us, p50, sizeof p50);
    report_format_latency(a->latency_p99_us, p99, sizeof p99);
    report_format_count(a->jobs_completed, done, sizeof done);
    report_format_count(a->jobs_created, created, sizeof created);
    snprintf(series->file, sizeof series->file, "latency_%s.dat", a->name);
    snprintf(series->title, sizeof series->title, "%s, %s: %s of %s jobs done, p50 %s, p99 %s",
             a->name, limiter_text(a), done, created, p50, p99);
    plot_palette_color(a->limiter, series->color);
    series->dash = plot_palette_is_local(a->limiter) ? 2 : 1;
}

/* The latency figure, over the APIs with completed jobs (none completed: no figure). */
static int write_latency_figure(figure_context *ctx, const plot_latency_range *range,
                                rl_error *err) {
    latency_series series[SCENARIO_APIS_MAX];
    const char *files[SCENARIO_APIS_MAX], *titles[SCENARIO_APIS_MAX], *colors[SCENARIO_APIS_MAX];
    double dashes[SCENARIO_APIS_MAX];
    int count = 0;
    for (int i = 0; i < ctx->summary->api_count; i++) {
        if (range->completed[i] == 0) {
            continue;
        }
        latency_series_describe(&ctx->summary->apis[i], &series[count]);
        files[count] = series[count].file;
        titles[count] = series[count].title;
        colors[count] = series[count].color;
        dashes[count] = series[count].dash;
        count++;
    }
    if (count == 0) {
        return RL_OK;
    }
    FILE *out = NULL;
    int rc = wrapper_open(ctx, PLOT_KIND_LATENCY, NULL, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    char title[PLOT_TITLE_BYTES];
    snprintf(title, sizeof title, "%s: job latency per API and limiter, from creation to success",
             ctx->run_text);
    gnuplot_assign_string(out, "title_text", title);
    gnuplot_assign_number(out, "series_count", count);
    gnuplot_assign_strings(out, "series_file", files, count);
    gnuplot_assign_strings(out, "series_title", titles, count);
    gnuplot_assign_strings(out, "series_color", colors, count);
    gnuplot_assign_numbers(out, "series_dash", dashes, count);
    double low_us = range->low_us_min > 1 ? (double)range->low_us_min : 1.0;
    gnuplot_assign_number(out, "log_x", (double)range->high_us_max / low_us >= 100.0 ? 1 : 0);
    return wrapper_close(ctx, out, PLOT_KIND_LATENCY, err);
}

/* The data, scripts and figure scripts of every figure, before gnuplot runs. */
static int write_figures(figure_context *ctx, const char *results_dir, rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, results_dir, "timeseries.csv", err);
    plot_series series;
    if (rc == RL_OK) {
        rc = plot_series_read(path, ctx->summary, &series, err);
    }
    if (rc != RL_OK) {
        return rc;
    }
    for (size_t i = 0; rc == RL_OK && i < sizeof results_scripts / sizeof results_scripts[0];
         i++) {
        rc = plot_script_write(ctx->plots_dir, results_scripts[i], err);
    }
    for (int api = 0; rc == RL_OK && api < ctx->summary->api_count; api++) {
        rc = write_series_dat(ctx, &series, api, err);
        if (rc == RL_OK) {
            rc = write_timeseries_figure(ctx, &series, api, err);
        }
        if (rc == RL_OK) {
            rc = write_bursts_figure(ctx, api, err);
        }
    }
    plot_series_free(&series);
    plot_latency_range range;
    if (rc == RL_OK) {
        rc = results_path_join(path, sizeof path, results_dir, "latency_histogram.csv", err);
    }
    if (rc == RL_OK) {
        rc = plot_latency_write_dats(path, ctx->summary, ctx->plots_dir, &range, err);
    }
    if (rc == RL_OK) {
        rc = write_latency_figure(ctx, &range, err);
    }
    return rc;
}

/* Runs one gnuplot on every figure script, in order; it stops at the first failure. */
static int run_figures(const figure_context *ctx, rl_error *err) {
    const char *scripts[PLOT_FIGURES_MAX];
    for (int i = 0; i < ctx->script_count; i++) {
        scripts[i] = ctx->scripts[i];
    }
    return gnuplot_run(GNUPLOT_PROGRAM, ctx->plots_dir, scripts, ctx->script_count, err);
}

int plot_results_folder(const char *results_dir, const char *plots_dir, plot_format format,
                        rl_error *err) {
    int rc = plot_results_check(results_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    char path[RESULTS_PATH_BYTES];
    run_summary summary;
    plot_faults faults;
    rc = results_path_join(path, sizeof path, results_dir, "summary.json", err);
    if (rc == RL_OK) {
        rc = summary_read_file(path, &summary, err);
    }
    if (rc == RL_OK) {
        rc = plot_faults_read(results_dir, &faults, err);
    }
    if (rc == RL_OK) {
        rc = output_dir_make(plots_dir, err);
    }
    if (rc != RL_OK) {
        return rc;
    }
    figure_context ctx = {.plots_dir = plots_dir, .format = format, .summary = &summary,
                          .faults = &faults};
    snprintf(ctx.run_text, sizeof ctx.run_text, "%s (seed %" PRIu64 ")%s", summary.name,
             summary.seed, summary.partial ? ", partial run" : "");
    rc = write_figures(&ctx, results_dir, err);
    if (rc != RL_OK) {
        return rc;
    }
    return run_figures(&ctx, err);
}
