/* report_html.c - the report page as one standalone HTML file (report.html): the same content
 * as report.md, readable in any browser without a Markdown viewer. */
#include <inttypes.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/report/report_format.h"
#include "harness/report/report_model.h"

/* Writes text with &, <, > and " escaped. */
static void html_text(FILE *out, const char *text) {
    for (const char *c = text; *c != '\0'; c++) {
        switch (*c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*c, out);
        }
    }
}

static const char page_style[] =
    "body{font-family:sans-serif;max-width:1640px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;max-width:100%}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;overflow-wrap:anywhere}"
    "td.n{text-align:right}"
    "th{background:#f3f3f3}.fail{color:#b00000;font-weight:bold}.pass{color:#1a7a1a}"
    "blockquote{white-space:pre-wrap;color:#555;border-left:4px solid #ddd;margin:1em 0;"
    "padding-left:1em}img{max-width:100%;border:1px solid #ddd}"
    ".overrides{background:#fff4d6;border:1px solid #e0b040;padding:.2em 1em;margin:1em 0}"
    "code{overflow-wrap:anywhere}";

/* The run's overrides, above the description they may contradict; then where it came from. */
static void write_overrides(FILE *out, const report_model *m) {
    const provenance_summary *p = &m->provenance;
    char note[512];
    report_model_override_note(m, note, sizeof note);
    if (note[0] != '\0') {
        fputs("<div class=\"overrides\"><p><b>Overrides.</b> ", out);
        html_text(out, note);
        fputs("</p>\n<ul>\n", out);
        for (int i = 0; i < p->override_count; i++) {
            fputs("<li><code>", out);
            html_text(out, p->overrides[i]);
            fputs("</code></li>\n", out);
        }
        if (p->overrides_total > p->override_count) {
            fprintf(out, "<li>and %d more (provenance.json)</li>\n",
                    p->overrides_total - p->override_count);
        }
        fputs("</ul></div>\n", out);
    }
    if (p->present) {
        fputs("<p class=\"provenance\">Made by ratelab ", out);
        html_text(out, p->version);
        fputs(" (revision <code>", out);
        html_text(out, p->revision);
        fputs("</code>), ", out);
        html_text(out, p->world);
        fputs(": <code>", out);
        html_text(out, p->command);
        fputs("</code>.</p>\n", out);
    }
}

static void write_header(FILE *out, const report_model *m) {
    const run_summary *s = &m->summary;
    char duration[32];
    units_format_duration(s->duration_us, duration, sizeof duration);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
    fputs("ratelab report: ", out);
    html_text(out, s->name);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>ratelab report: ",
            page_style);
    html_text(out, s->name);
    fprintf(out, " (seed %" PRIu64 ")%s</h1>\n<p>", s->seed, s->partial ? ", partial run" : "");
    html_text(out, s->world);
    fprintf(out, ", %" PRId64 " pods, %s%s", s->pods, duration,
            strcmp(s->world, "simulation") == 0 ? " of virtual time" : "");
    const char *file = report_model_scenario_file(m);
    if (file[0] != '\0') {
        fputs("; scenario file <code>", out);
        html_text(out, file);
        fputs("</code>", out);
    }
    fputs(".</p>\n", out);
    write_overrides(out, m);
    if (s->description[0] != '\0') {
        fputs("<blockquote>", out);
        html_text(out, s->description);
        fputs("</blockquote>\n", out);
    }
}

/* The top of the page: for each API and its copies, which limiter did best. */
static void write_which(FILE *out, const report_model *m) {
    fputs("<h2>Which limiter?</h2>\n<ul>\n", out);
    for (int g = 0; g < m->group_count; g++) {
        const report_api_group *group = &m->groups[g];
        fputs("<li><b>", out);
        html_text(out, group->description);
        fputs(".</b> ", out);
        html_text(out, group->verdict);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static void write_glance(FILE *out, const report_model *m) {
    fputs("<h2>At a glance</h2>\n<ul>\n", out);
    for (int i = 0; i < m->summary.api_count; i++) {
        char line[1024];
        report_model_headline(m, i, line, sizeof line);
        fputs("<li><b>", out);
        html_text(out, m->summary.apis[i].name);
        fputs("</b> ", out);
        html_text(out, line);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static void write_summary_table(FILE *out, const report_model *m) {
    fputs("<h2>Summary</h2>\n<table>\n<tr><th>API</th><th>limiter</th><th>jobs done</th>"
          "<th>attempts</th><th>429</th><th>p50</th><th>p99</th><th>wasted quota</th>"
          "<th>burst ratio</th><th>fairness</th></tr>\n",
          out);
    for (int row = 0; row < m->summary.api_count; row++) {
        const summary_api *a = &m->summary.apis[m->row_order[row]];
        char done[32], created[32], attempts[32], rate[16], p50[32], p99[32], wasted[16];
        char burst[32];
        report_format_ratio(a->burst_ratio, burst, sizeof burst);
        report_format_count(a->jobs_completed, done, sizeof done);
        report_format_count(a->jobs_created, created, sizeof created);
        report_format_count(a->attempts, attempts, sizeof attempts);
        report_format_percent(a->rate_429, rate, sizeof rate);
        report_format_latency(a->latency_p50_us, p50, sizeof p50);
        report_format_latency(a->latency_p99_us, p99, sizeof p99);
        report_format_percent(a->wasted_quota, wasted, sizeof wasted);
        fprintf(out,
                "<tr><td>%s</td><td>%s</td><td class=\"n\">%s / %s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%.3f</td>"
                "</tr>\n",
                a->name, a->limiter[0] != '\0' ? a->limiter : "?", done, created, attempts,
                rate, p50, p99, wasted, burst, a->fairness_jain);
    }
    char rtt50[32], rtt99[32], ops[32], ops_per_s[32];
    report_format_number(m->summary.store_ops_per_s, ops_per_s, sizeof ops_per_s);
    report_format_count(m->summary.store_ops, ops, sizeof ops);
    report_format_latency(m->summary.store_rtt_p50_us, rtt50, sizeof rtt50);
    report_format_latency(m->summary.store_rtt_p99_us, rtt99, sizeof rtt99);
    fprintf(out,
            "</table>\n<p>Store: %s operations (%s/s), round trip p50 %s, p99 %s. "
            "Definitions of every column: docs/METRICS.md in the ratelab repository.</p>\n",
            ops, ops_per_s, rtt50, rtt99);
}

static void write_expectations(FILE *out, const report_model *m) {
    fputs("<h2>Expectations</h2>\n", out);
    if (!m->has_expectations || m->expectation_count == 0) {
        fputs(m->has_expectations ? "<p>The expectations file lists none.</p>\n"
                                  : "<p>This run has no expectations file "
                                    "(<code>expectations.csv</code>): nothing was checked.</p>\n",
              out);
        return;
    }
    fprintf(out, "<p>%d of %d held.</p>\n<table>\n<tr><th>outcome</th><th>expectation</th>"
                 "<th>measured</th></tr>\n",
            m->expectation_count - m->expectations_failed, m->expectation_count);
    for (int i = 0; i < m->expectation_count; i++) {
        const report_expectation *e = &m->expectations[i];
        fprintf(out, "<tr><td class=\"%s\">", e->passed == 1 ? "pass" : "fail");
        html_text(out, e->passed == 1 ? "pass" : e->passed == 0 ? "FAIL" : e->passed_text);
        fputs("</td><td><code>", out);
        html_text(out, e->expression);
        fputs("</code></td><td class=\"n\">", out);
        html_text(out, e->measured);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void write_faults(FILE *out, const report_model *m) {
    if (m->faults.count == 0) {
        return;
    }
    fputs("<h2>Faults</h2>\n<table>\n<tr><th>kind</th><th>target</th><th>from (s)</th>"
          "<th>to (s)</th></tr>\n",
          out);
    for (int i = 0; i < m->faults.count; i++) {
        const plot_fault *f = &m->faults.faults[i];
        fputs("<tr><td>", out);
        html_text(out, f->kind);
        fputs("</td><td>", out);
        html_text(out, f->target);
        fprintf(out, "</td><td class=\"n\">%.6g</td><td class=\"n\">%.6g</td></tr>\n",
                f->start_s, f->end_s);
    }
    fputs("</table>\n<p>The figures over time shade these windows in grey.</p>\n", out);
}

static void write_figures(FILE *out, const report_model *m) {
    fputs("<h2>Figures</h2>\n", out);
    if (m->plots_note != NULL) {
        fputs("<p class=\"fail\">Figures not drawn: ", out);
        html_text(out, m->plots_note);
        fputs("</p>\n", out);
    }
    if (m->figure_count == 0) {
        fputs("<p>No figures in this folder yet: <code>ratelab plot RESULTS_DIR</code> draws "
              "them.</p>\n",
              out);
    } else {
        fputs("<p>How to read each figure: docs/PLOTS.md in the ratelab repository.</p>\n",
              out);
    }
    for (int i = 0; i < m->figure_count; i++) {
        const report_figure *f = &m->figures[i];
        fputs("<h3>", out);
        html_text(out, f->heading);
        fputs("</h3>\n<p>", out);
        html_text(out, f->hint);
        fputs("</p>\n<p><img src=\"", out);
        html_text(out, f->link);
        fputs("\" alt=\"", out);
        html_text(out, f->heading);
        fputs("\"></p>\n", out);
    }
}

void report_html_write(FILE *out, const report_model *model) {
    write_header(out, model);
    write_which(out, model);
    write_glance(out, model);
    write_summary_table(out, model);
    write_expectations(out, model);
    write_faults(out, model);
    write_figures(out, model);
    fputs("</body>\n</html>\n", out);
}
