#!/usr/bin/env bash
# test_seed_baseline.sh - CI's regression gate: the seed scenarios compared with the committed
# baseline (results/baseline.json) must show no figure worse than its tolerance. After a
# deliberate change of the model, refresh it and say why in the commit:
#   build/ratelab compare scenarios/seed/*.yaml --baseline results/baseline.json \
#     --write-baseline results/baseline.json
# usage: test_seed_baseline.sh RATELAB_BINARY SOURCE_DIR
set -euo pipefail
ratelab=$(realpath "$1")
cd "$2"
"$ratelab" compare scenarios/seed/*.yaml --baseline results/baseline.json
