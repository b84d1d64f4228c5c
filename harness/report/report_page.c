/* report_page.c - gathers what the report page shows from a results folder, then writes it as
 * report.md and report.html. */
#include "harness/report/report_page.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/units.h"
#include "harness/report/csv_reader.h"
#include "harness/report/output_file.h"
#include "harness/report/plot.h"
#include "harness/report/plot_window.h"
#include "harness/report/report_format.h"
#include "harness/report/report_model.h"
#include "harness/report/results_folder.h"

/* The jobs half of a headline: lost jobs named first, then what was done. */
static void headline_jobs(const summary_api *a, char *buf, size_t size) {
    char done[32], created[32], done_share[16], lost_share[16];
    int64_t lost = a->jobs_abandoned + a->jobs_pending;
    report_format_count(a->jobs_completed, done, sizeof done);
    report_format_count(a->jobs_created, created, sizeof created);
    double created_d = a->jobs_created > 0 ? (double)a->jobs_created : 1.0;
    report_format_percent((double)a->jobs_completed / created_d, done_share, sizeof done_share);
    report_format_percent((double)lost / created_d, lost_share, sizeof lost_share);
    if (lost > 0) {
        snprintf(buf, size,
                 "LOST %" PRId64 " of %s jobs (%s: %" PRId64 " abandoned, %" PRId64
                 " still pending at the end); %s done (%s)",
                 lost, created, lost_share, a->jobs_abandoned, a->jobs_pending, done,
                 done_share);
    } else {
        snprintf(buf, size, "all %s jobs done (%s; none abandoned, none pending)", created,
                 done_share);
    }
}

void report_model_headline(const report_model *model, int i, char *buf, size_t size) {
    const summary_api *a = &model->summary.apis[i];
    char attempts[32], rate[16], p99[32], wasted[16], jobs[256];
    report_format_count(a->attempts, attempts, sizeof attempts);
    report_format_percent(a->rate_429, rate, sizeof rate);
    report_format_latency(a->latency_p99_us, p99, sizeof p99);
    report_format_percent(a->wasted_quota, wasted, sizeof wasted);
    headline_jobs(a, jobs, sizeof jobs);
    bool within = a->rejected_429 == 0 && a->dropped == 0 && a->burst_ratio <= 1.0;
    /* "Within the limits" is only said beside the jobs: a limiter that kept the API happy by
     * losing work did not succeed. */
    snprintf(buf, size,
             "(%s): %s. The API saw %s its limits: %s of %s attempts refused (429), %" PRId64
             " dropped, bursts up to %.2fx what it allows; p99 latency %s; %s of the quota "
             "wasted.",
             a->limiter[0] != '\0' ? a->limiter : "limiter unknown", jobs,
             within ? "nothing over" : "traffic over", rate, attempts, a->dropped,
             a->burst_ratio, p99, wasted);
}

void report_model_override_note(const report_model *model, char *buf, size_t size) {
    const provenance_summary *p = &model->provenance;
    buf[0] = '\0';
    if (!p->present || p->overrides_total == 0) {
        return;
    }
    snprintf(buf, size,
             "This run changed %d setting%s of the scenario file (below). The description was "
             "written for the file as it is and may no longer match this run; the effective "
             "scenario is scenario.yaml in this folder.",
             p->overrides_total, p->overrides_total == 1 ? "" : "s");
}

const char *report_model_scenario_file(const report_model *model) {
    if (model->provenance.present && model->provenance.scenario_file[0] != '\0') {
        return model->provenance.scenario_file;
    }
    return model->summary.file;
}

/* Parses "true"/"false" (any case) into 1/0; anything else is -1. */
static int parse_passed(const char *text) {
    if (strcmp(text, "true") == 0 || strcmp(text, "TRUE") == 0 || strcmp(text, "True") == 0) {
        return 1;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "FALSE") == 0 || strcmp(text, "False") == 0) {
        return 0;
    }
    return -1;
}

static int read_expectation_rows(csv_reader *r, report_model *model, rl_error *err) {
    int expression, measured, passed;
    int rc = csv_reader_require(r, "expression", &expression, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "measured", &measured, err);
    if (rc == RL_OK) rc = csv_reader_require(r, "passed", &passed, err);
    while (rc == RL_OK) {
        int got = csv_reader_next(r, err);
        if (got <= 0) {
            return got;
        }
        if (model->expectation_count == REPORT_EXPECTATIONS_MAX) {
            return rl_error_set(err, RL_ERR_LIMIT, "%s: more than %d expectations", r->path,
                                REPORT_EXPECTATIONS_MAX);
        }
        report_expectation *e = &model->expectations[model->expectation_count++];
        snprintf(e->expression, sizeof e->expression, "%s", csv_reader_field(r, expression));
        snprintf(e->measured, sizeof e->measured, "%s", csv_reader_field(r, measured));
        snprintf(e->passed_text, sizeof e->passed_text, "%s", csv_reader_field(r, passed));
        e->passed = parse_passed(e->passed_text);
        model->expectations_failed += e->passed == 1 ? 0 : 1;
    }
    return rc;
}

/* Reads expectations.csv when the folder has one (a run without expectations has none). */
static int read_expectations(const char *results_dir, report_model *model, rl_error *err) {
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, results_dir, "expectations.csv", err);
    if (rc != RL_OK || access(path, F_OK) != 0) {
        return rc;
    }
    model->has_expectations = true;
    csv_reader r;
    rc = csv_reader_open(&r, path, err);
    if (rc != RL_OK) {
        return rc;
    }
    rc = read_expectation_rows(&r, model, err);
    csv_reader_close(&r);
    return rc;
}

/* Adds the figure kind (of api, or NULL) when its image is in the plots folder. */
static void add_figure(report_model *model, const report_page_options *o, const char *kind,
                       const char *api, const char *heading, const char *hint) {
    char image[128], path[RESULTS_PATH_BYTES];
    if (model->figure_count == REPORT_FIGURES_MAX ||
        plot_image_name(image, sizeof image, kind, api, o->format, NULL) != RL_OK ||
        results_path_join(path, sizeof path, o->plots_dir, image, NULL) != RL_OK ||
        access(path, R_OK) != 0) {
        return;
    }
    report_figure *f = &model->figures[model->figure_count++];
    snprintf(f->heading, sizeof f->heading, "%s", heading);
    snprintf(f->link, sizeof f->link, "%s%s", o->plots_link, image);
    snprintf(f->hint, sizeof f->hint, "%s", hint);
}

static void find_figures(report_model *model, const report_page_options *o) {
    char heading[REPORT_TEXT_BYTES], hint[REPORT_TEXT_BYTES], window[32];
    for (int i = 0; i < model->summary.api_count; i++) {
        const summary_api *a = &model->summary.apis[i];
        const char *limiter = a->limiter[0] != '\0' ? a->limiter : "limiter unknown";
        snprintf(heading, sizeof heading, "%s (%s): requests per second", a->name, limiter);
        add_figure(model, o, PLOT_KIND_TIMESERIES, a->name, heading,
                   a->window_us >= PLOT_WINDOW_LONG_US
                       ? "The height is what the API counted so far in its quota window "
                         "(it starts again at each window): green accepted, red refused with a "
                         "429, orange dropped. The dashed blue line is the quota; grey bands "
                         "are fault windows."
                       : "The height is what the pods sent each second: green was accepted, "
                         "red refused with a 429, orange dropped. The dashed blue line is the "
                         "API's declared limit; grey bands are fault windows.");
        units_format_duration(a->burst_window_us, window, sizeof window);
        snprintf(heading, sizeof heading, "%s (%s): bursts", a->name, limiter);
        snprintf(hint, sizeof hint,
                 "The most requests that reached the API in any %s window, against what it "
                 "allows there (dashed). Red above the line: bursts the API does not tolerate.",
                 window);
        add_figure(model, o, PLOT_KIND_BURSTS, a->name, heading, hint);
    }
    add_figure(model, o, PLOT_KIND_LATENCY, NULL, "Job latency per API and limiter",
               "For each latency, the share of the API's created jobs done within it: further "
               "left is faster, and a curve that levels off below 100% lost jobs (abandoned).");
}

static int write_page_file(const report_page_options *o, const report_model *model,
                           const char *name, void (*writer)(FILE *, const report_model *),
                           rl_error *err) {
    FILE *out = NULL;
    int rc = output_file_open(o->page_dir, name, &out, err);
    if (rc != RL_OK) {
        return rc;
    }
    writer(out, model);
    return output_file_close(out, o->page_dir, name, err);
}

int report_page_write(const report_page_options *o, rl_error *err) {
    report_model *model = rl_calloc(1, sizeof *model);
    if (model == NULL) {
        return rl_error_set(err, RL_ERR_NOMEM, "out of memory for the report page");
    }
    model->plots_note = o->plots_note;
    char path[RESULTS_PATH_BYTES];
    int rc = results_path_join(path, sizeof path, o->results_dir, "summary.json", err);
    if (rc == RL_OK) rc = summary_read_file(path, &model->summary, err);
    if (rc == RL_OK) rc = provenance_read(o->results_dir, &model->provenance, err);
    if (rc == RL_OK) rc = plot_faults_read(o->results_dir, &model->faults, err);
    if (rc == RL_OK) rc = read_expectations(o->results_dir, model, err);
    if (rc == RL_OK) rc = output_dir_make(o->page_dir, err);
    if (rc == RL_OK) {
        report_model_rank(model);
        find_figures(model, o);
        rc = write_page_file(o, model, "report.md", report_markdown_write, err);
    }
    if (rc == RL_OK) {
        rc = write_page_file(o, model, "report.html", report_html_write, err);
    }
    rl_free(model);
    return rc;
}
