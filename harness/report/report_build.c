/* report_build.c - the figures, then the report page, of a results folder. */
#include "harness/report/report_build.h"

#include "harness/report/plot.h"
#include "harness/report/report_page.h"

int report_build(const char *results_dir, const char *page_dir, const char *plots_dir,
                 const char *plots_link, plot_format format, rl_error *err) {
    int rc = plot_results_folder(results_dir, plots_dir, format, err);
    if (rc != RL_OK && rc != RL_ERR_TOOL_MISSING && rc != RL_ERR_TOOL_FAILED) {
        return rc; /* the data itself is missing or unreadable: no page either */
    }
    rl_error page_err;
    rl_error_clear(&page_err);
    report_page_options page = {.results_dir = results_dir, .page_dir = page_dir,
                                .plots_dir = plots_dir, .plots_link = plots_link,
                                .format = format,
                                .plots_note = rc == RL_OK ? NULL : err->message};
    int page_rc = report_page_write(&page, &page_err);
    if (page_rc != RL_OK) { /* a page that cannot be written matters more than its figures */
        *err = page_err;
        return page_rc;
    }
    return rc;
}
