/* report_markdown.c - the report page as Markdown (report.md). */
#include <inttypes.h>
#include <string.h>

#include "harness/core/units.h"
#include "harness/report/report_format.h"
#include "harness/report/report_model.h"

/* Writes text for a table cell: '|' escaped, line ends and backticks made harmless. */
static void md_cell(FILE *out, const char *text) {
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '|') {
            fputs("\\|", out);
        } else if (*c == '\n' || *c == '\r') {
            fputc(' ', out);
        } else if (*c == '`') {
            fputc('\'', out);
        } else {
            fputc(*c, out);
        }
    }
}

/* The run's overrides, above the description they may contradict; then where it came from. */
static void write_overrides(FILE *out, const report_model *m) {
    const provenance_summary *p = &m->provenance;
    char note[512];
    report_model_override_note(m, note, sizeof note);
    if (note[0] != '\0') {
        fprintf(out, "**Overrides.** %s\n\n", note);
        for (int i = 0; i < p->override_count; i++) {
            fputs("- `", out);
            md_cell(out, p->overrides[i]);
            fputs("`\n", out);
        }
        if (p->overrides_total > p->override_count) {
            fprintf(out, "- and %d more (provenance.json)\n",
                    p->overrides_total - p->override_count);
        }
        fputc('\n', out);
    }
    if (p->present) {
        fputs("Made by ratelab ", out);
        md_cell(out, p->version);
        fputs(" (revision `", out);
        md_cell(out, p->revision);
        fputs("`), ", out);
        md_cell(out, p->world);
        fputs(": `", out);
        md_cell(out, p->command);
        fputs("`.\n\n", out);
    }
}

static void write_header(FILE *out, const report_model *m) {
    const run_summary *s = &m->summary;
    char duration[32];
    units_format_duration(s->duration_us, duration, sizeof duration);
    fprintf(out, "# ratelab report: %s (seed %" PRIu64 ")%s\n\n", s->name, s->seed,
            s->partial ? ", partial run" : "");
    fprintf(out, "%s, %" PRId64 " pods, %s%s", s->world, s->pods, duration,
            strcmp(s->world, "simulation") == 0 ? " of virtual time" : "");
    const char *file = report_model_scenario_file(m);
    if (file[0] != '\0') {
        fputs("; scenario file `", out);
        md_cell(out, file);
        fputc('`', out);
    }
    fputs(".\n\n", out);
    write_overrides(out, m);
    if (s->description[0] != '\0') {
        fputs("> ", out);
        for (const char *c = s->description; *c != '\0'; c++) {
            fputc(*c, out);
            if (*c == '\n' && c[1] != '\0') {
                fputs("> ", out);
            }
        }
        fputs("\n\n", out);
    }
}

/* The top of the page: for each API and its copies, which limiter did best. */
static void write_which(FILE *out, const report_model *m) {
    fputs("## Which limiter?\n\n", out);
    for (int g = 0; g < m->group_count; g++) {
        const report_api_group *group = &m->groups[g];
        fputs("- **", out);
        md_cell(out, group->description);
        fputs(".** ", out);
        md_cell(out, group->verdict);
        fputc('\n', out);
    }
    fputc('\n', out);
}

static void write_glance(FILE *out, const report_model *m) {
    fputs("## At a glance\n\n", out);
    for (int i = 0; i < m->summary.api_count; i++) {
        char line[1024];
        report_model_headline(m, i, line, sizeof line);
        fprintf(out, "- **%s** %s\n", m->summary.apis[i].name, line);
    }
    fputc('\n', out);
}

static void write_summary_table(FILE *out, const report_model *m) {
    fputs("## Summary\n\n"
          "| API | limiter | jobs done | attempts | 429 | p50 | p99 | wasted quota | burst "
          "ratio | fairness |\n"
          "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
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
        fprintf(out, "| %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %.3f |\n", a->name,
                a->limiter[0] != '\0' ? a->limiter : "?", done, created, attempts, rate, p50,
                p99, wasted, burst, a->fairness_jain);
    }
    char rtt50[32], rtt99[32], ops[32], ops_per_s[32];
    report_format_number(m->summary.store_ops_per_s, ops_per_s, sizeof ops_per_s);
    report_format_count(m->summary.store_ops, ops, sizeof ops);
    report_format_latency(m->summary.store_rtt_p50_us, rtt50, sizeof rtt50);
    report_format_latency(m->summary.store_rtt_p99_us, rtt99, sizeof rtt99);
    fprintf(out,
            "\nStore: %s operations (%s/s), round trip p50 %s, p99 %s. Definitions of every "
            "column: docs/METRICS.md in the ratelab repository.\n\n",
            ops, ops_per_s, rtt50, rtt99);
}

static void write_expectations(FILE *out, const report_model *m) {
    fputs("## Expectations\n\n", out);
    if (!m->has_expectations) {
        fputs("This run has no expectations file (`expectations.csv`): nothing was checked.\n\n",
              out);
        return;
    }
    if (m->expectation_count == 0) {
        fputs("The expectations file lists none.\n\n", out);
        return;
    }
    fprintf(out, "%d of %d held%s.\n\n| outcome | expectation | measured |\n|---|---|--:|\n",
            m->expectation_count - m->expectations_failed, m->expectation_count,
            m->expectations_failed > 0 ? " (**failed: see below**)" : "");
    for (int i = 0; i < m->expectation_count; i++) {
        const report_expectation *e = &m->expectations[i];
        fputs(e->passed == 1 ? "| pass | `" : e->passed == 0 ? "| **FAIL** | `" : "| ", out);
        if (e->passed < 0) {
            md_cell(out, e->passed_text);
            fputs(" | `", out);
        }
        md_cell(out, e->expression);
        fputs("` | ", out);
        md_cell(out, e->measured);
        fputs(" |\n", out);
    }
    fputc('\n', out);
}

static void write_faults(FILE *out, const report_model *m) {
    if (m->faults.count == 0) {
        return;
    }
    fputs("## Faults\n\n| kind | target | from (s) | to (s) |\n|---|---|--:|--:|\n", out);
    for (int i = 0; i < m->faults.count; i++) {
        const plot_fault *f = &m->faults.faults[i];
        fputs("| ", out);
        md_cell(out, f->kind);
        fputs(" | ", out);
        md_cell(out, f->target);
        fprintf(out, " | %.6g | %.6g |\n", f->start_s, f->end_s);
    }
    fputs("\nThe figures over time shade these windows in grey.\n\n", out);
}

static void write_figures(FILE *out, const report_model *m) {
    fputs("## Figures\n\n", out);
    if (m->plots_note != NULL) {
        fputs("**Figures not drawn:** ", out);
        md_cell(out, m->plots_note);
        fputs("\n\n", out);
    }
    if (m->figure_count == 0) {
        fputs("No figures in this folder yet: `ratelab plot RESULTS_DIR` draws them.\n", out);
        return;
    }
    fputs("How to read each figure: docs/PLOTS.md in the ratelab repository.\n\n", out);
    for (int i = 0; i < m->figure_count; i++) {
        const report_figure *f = &m->figures[i];
        fprintf(out, "### %s\n\n%s\n\n![%s](%s)\n\n", f->heading, f->hint, f->heading, f->link);
    }
}

void report_markdown_write(FILE *out, const report_model *model) {
    write_header(out, model);
    write_which(out, model);
    write_glance(out, model);
    write_summary_table(out, model);
    write_expectations(out, model);
    write_faults(out, model);
    write_figures(out, model);
}
