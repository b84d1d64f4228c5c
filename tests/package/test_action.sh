#!/usr/bin/env bash
# test_action.sh - the GitHub Action (action.yml) run here: its comparison step
# (scripts/action_compare.sh) runs with the ratelab that `cmake --install` puts on PATH, in a
# workspace laid out as README.md's CI section says, with the inputs of README.md's three lines
# and action.yml's defaults, passed as action.yml passes them. Checks the job summary, the
# artifact's folder and the exit codes: 0 as the baseline, 1 a figure worse, 2 bad input. The
# install step cannot install here (on the machine everyone uses): its package list is checked
# against the Containerfile's build stage, and it runs with a stand-in for apt-get.
# usage: test_action.sh RATELAB_BINARY BUILD_DIR SOURCE_DIR
set -uo pipefail
build_dir=$(realpath "$2")
source_dir=$(realpath "$3")
source "$source_dir/tests/e2e/lib/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
action="$source_dir/action.yml"

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null || exit 1
export PATH="$work/prefix/bin:$PATH"

# input_default NAME: the default of input NAME in action.yml (empty when it has none).
input_default() {
  awk -v name="$1" '
    /^inputs:/ { in_inputs = 1; next }
    in_inputs && /^[^ ]/ { in_inputs = 0 }
    in_inputs && /^  [a-z-]+:$/ { current = substr($1, 1, length($1) - 1) }
    in_inputs && current == name && /^    default:/ {
      sub(/^    default: */, ""); gsub(/^"|"$/, ""); print }' "$action"
}
# readme_input NAME: the value README.md's CI lines give input NAME (empty when not given).
readme_input() {
  sed -n '/^## ratelab in your CI/,/^## /p' "$source_dir/README.md" |
    sed -n "s/^ *$1: *//p" | head -1
}
# The compare step's environment: each "INPUT_X: \${{ inputs.NAME }}" of action.yml, valued as
# README.md's lines give NAME, else as its default.
step_env=()
while read -r variable name; do
  value=$(readme_input "$name")
  if [ -z "$value" ]; then
    value=$(input_default "$name")
  fi
  step_env+=("$variable=$value")
done < <(sed -n '/name: Compare against the baseline/,/- name:/p' "$action" |
  sed -n 's/^ *\(INPUT_[A-Z_]*\): \${{ inputs\.\([a-z-]*\) }}$/\1 \2/p')
check "action.yml passes five inputs to the compare step" test "${#step_env[@]}" -eq 5
script_inputs=$(grep -o 'INPUT_[A-Z_]*' "$source_dir/scripts/action_compare.sh" | sort -u)
passed_inputs=$(printf '%s\n' "${step_env[@]%%=*}" | sort -u)
check "the compare script reads exactly the inputs action.yml passes" \
  test "$script_inputs" = "$passed_inputs"
check "README.md's lines give the scenarios" test -n "$(readme_input scenarios)"
check "README.md's lines use this action" bash -c \
  "sed -n '/^## ratelab in your CI/,/^## /p' '$source_dir/README.md' | grep -q 'uses: .*ratelab@v'"

# run_step SUMMARY [VAR=VALUE ...]: the compare step in the workspace, as GitHub runs it;
# prints its exit code.
run_step() {
  local summary=$1
  shift
  (cd "$work/workspace" && env "${step_env[@]}" "$@" GITHUB_STEP_SUMMARY="$summary" \
    bash "$source_dir/scripts/action_compare.sh" >"$summary.out" 2>&1)
  echo $?
}

# The caller's workspace: their scenarios and their baseline, written as action.yml says.
mkdir -p "$work/workspace/scenarios" "$work/workspace/results"
examples="$work/prefix/share/ratelab/examples"
cp "$examples/stampede.yaml" "$examples/demo.yaml" "$work/workspace/scenarios/"
(cd "$work/workspace" && ratelab compare scenarios/*.yaml --write-baseline results/baseline.json \
  >/dev/null 2>&1)
check "the caller's baseline is written" test -s "$work/workspace/results/baseline.json"

plots=$(readme_input plots)
plots=${plots:-$(input_default plots)}
status=$(run_step "$work/same.md")
check "as the baseline: exit 0" test "$status" -eq 0
check "as the baseline: the summary says so" \
  grep -q '^No figure is worse than the baseline' "$work/same.md"
check "the summary holds the table" grep -q '^| stampede | .*| powerbi_shared |' "$work/same.md"
check "the table is in the plots folder" \
  grep -q '^| demo | ' "$work/workspace/$plots/comparison.md"
if command -v gnuplot >/dev/null; then
  check "the figure is in the plots folder" test -s "$work/workspace/$plots/comparison.png"
fi

# A worse limiter in the caller's scenario (the shared GCRA given a burst of 5) fails the job.
sed -i '/^  shared_gcra:/,/^  [a-z_]*:$/ s/^    burst: 1$/    burst: 5/' \
  "$work/workspace/scenarios/stampede.yaml"
check "the scenario was made worse" bash -c \
  "! cmp -s '$work/workspace/scenarios/stampede.yaml' '$examples/stampede.yaml'"
status=$(run_step "$work/worse.md")
check "a worse figure: exit 1" test "$status" -eq 1
check "a worse figure: the summary says so" grep -q 'got worse than the baseline' "$work/worse.md"
check "a worse figure: the summary names it" \
  grep -q 'WORSE .*powerbi_shared: rate_429' "$work/worse.md"

status=$(run_step "$work/nobase.md" INPUT_BASELINE=limits/baseline.json)
check "no baseline file: exit 2" test "$status" -eq 2
check "no baseline file: the summary says how to write one" \
  grep -q -- '--write-baseline limits/baseline.json' "$work/nobase.md"
status=$(run_step "$work/nomatch.md" INPUT_SCENARIOS="scenarios/*.yaml limits/**/*.yaml")
check "a pattern matching nothing: exit 2" test "$status" -eq 2
check "a pattern matching nothing: named" \
  grep -q "no file matches 'limits/\*\*/\*.yaml'" "$work/nomatch.md"

# The install step builds with the packages of the Containerfile's build stage.
install_packages=$(sed -n '/^BUILD_PACKAGES=(/,/^)/p' "$source_dir/scripts/action_install.sh" |
  tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
container_packages=$(awk '/^FROM /{n++} n==1' "$source_dir/Containerfile" |
  sed -n '/apt-get install/,/rm -rf/p' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' |
  grep -vxE 'apt-get|install|rm|rf' | sort -u)
check "the install step builds with the Containerfile's build packages" \
  test "$install_packages" = "$container_packages"

# The install step with a stand-in for apt-get that records what it is asked (the machine's
# packages are not touched): a .deb named by a relative path goes to apt-get as ./PATH, with
# gnuplot-nox; one that is not there fails the step.
mkdir -p "$work/stand-in" "$work/runner"
printf '#!/usr/bin/env bash\necho "$*" >>"%s"\n' "$work/apt-get.log" >"$work/stand-in/apt-get"
chmod +x "$work/stand-in/apt-get"
touch "$work/workspace/ratelab_0.1.0_amd64.deb"
# install_step DEB: the install step in the workspace; prints its exit code.
install_step() {
  (cd "$work/workspace" && PATH="$work/stand-in:$PATH" INPUT_DEB=$1 RUNNER_TEMP="$work/runner" \
    bash "$source_dir/scripts/action_install.sh" >>"$work/install.out" 2>&1)
  echo $?
}
status=$(install_step ratelab_0.1.0_amd64.deb)
check "install step with a .deb: exit 0" test "$status" -eq 0
check "install step: apt-get installs ./the.deb and gnuplot-nox" grep -qx \
  'install -y -qq --no-install-recommends ./ratelab_0.1.0_amd64.deb gnuplot-nox' "$work/apt-get.log"
check "install step: ratelab --version is shown" grep -q '^ratelab ' "$work/install.out"
status=$(install_step missing/ratelab.deb)
check "install step with no such .deb: exit 1" test "$status" -eq 1
check "install step with no such .deb: named" \
  grep -q "no package at 'missing/ratelab.deb'" "$work/install.out"
if ((failures > 0)); then
  cat "$work"/*.out 2>/dev/null
fi
checks_finish
