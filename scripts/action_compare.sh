#!/usr/bin/env bash
# action_compare.sh - the comparison step of the GitHub Action (action.yml), also runnable by
# hand: `ratelab compare` over the caller's scenario files against the caller's baseline; the
# table goes to the job summary and, with the figure, into the plots folder (uploaded as an
# artifact by the action). Run from the caller's workspace. Inputs, as action.yml passes them:
#
#   INPUT_SCENARIOS     scenario files, separated by spaces or newlines; globs (with **) allowed
#   INPUT_BASELINE      the baseline to compare with (written by `ratelab compare FILES
#                       --write-baseline FILE`)
#   INPUT_ALGORITHMS    optional: a,b,c to compare every scenario under each of these algorithms
#   INPUT_REPLICATIONS  optional: seeds per scenario (the baseline must have been written so too)
#   INPUT_PLOTS         the folder for comparison.md (the table), comparison.err and the figure
#   GITHUB_STEP_SUMMARY where the summary goes (set by GitHub; default: standard output)
#
# Exit codes are ratelab compare's: 0 no figure worse than the baseline, 1 a figure got worse
# (the job fails), 2 bad input (also: no file matches a pattern, or no baseline file).
set -uo pipefail
shopt -s globstar nullglob

scenarios=${INPUT_SCENARIOS:-}
baseline=${INPUT_BASELINE:-}
plots=${INPUT_PLOTS:-ratelab-comparison}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}

fail() { # fail MESSAGE: the message on stderr and in the summary; exit 2
  echo "ratelab action: $1" >&2
  printf '## ratelab comparison\n\n%s\n' "$1" >>"$summary"
  exit 2
}

read -r -d '' -a patterns <<<"$scenarios"
if ((${#patterns[@]} == 0)); then
  fail "no scenario files given (input scenarios, such as scenarios/*.yaml)"
fi
files=()
for pattern in "${patterns[@]}"; do
  # shellcheck disable=SC2206 # the pattern is meant to expand here, and only here
  matches=($pattern)
  if ((${#matches[@]} == 0)); then
    fail "no file matches '$pattern' (input scenarios, relative to $(pwd))"
  fi
  files+=("${matches[@]}")
done
if [ -z "$baseline" ]; then
  fail "no baseline given (input baseline)"
fi
if [ ! -f "$baseline" ]; then
  write="ratelab compare ${patterns[*]} --write-baseline $baseline"
  fail "no baseline at '$baseline': write one with \`$write\` and commit it"
fi

args=(compare "${files[@]}" --baseline "$baseline" --plots "$plots")
if [ -n "${INPUT_ALGORITHMS:-}" ]; then
  args+=(--algorithms "$INPUT_ALGORITHMS")
fi
if [ -n "${INPUT_REPLICATIONS:-}" ]; then
  args+=(--replications "$INPUT_REPLICATIONS")
fi
mkdir -p "$plots" || fail "cannot create the plots folder '$plots'"
status=0
ratelab "${args[@]}" >"$plots/comparison.md" 2>"$plots/comparison.err" || status=$?
cat "$plots/comparison.err" >&2

case $status in
  0) verdict="No figure is worse than the baseline \`$baseline\`." ;;
  1) verdict="**A figure got worse than the baseline \`$baseline\` allows** (below)." ;;
  *) verdict="ratelab compare failed (exit $status)." ;;
esac
{
  echo "## ratelab comparison"
  echo
  echo "$verdict"
  echo
  cat "$plots/comparison.md"
  echo
  echo '```'
  cat "$plots/comparison.err"
  echo '```'
} >>"$summary"
exit "$status"
