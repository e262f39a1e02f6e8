#!/usr/bin/env bash
# Proof under load (`npm run test:busy [-- RUNS]`): runs .ci/run as CI does — as root, with
# CI=true, in a fresh clone of this checkout's HEAD (committed work only) — RUNS times in a
# row (3 by default), while two CPU hogs run for the whole of each run. Each run's result,
# closing line and duration go to test-results/busy-ci/<start time>/summary.txt, its output beside it.
#
#   BUSY_COMMAND='npm test -- test/bootstrap/' BUSY_CLONE=once bench/busy-ci.sh 20
# runs another command instead (after `npm ci`), all runs in one clone.
set -euo pipefail

# One function, read whole before it runs: editing this file mid-run cannot change a run.
main() {
  repo=$(cd "$(dirname "$0")/.." && pwd)
  runs=${1:-3}
  command=${BUSY_COMMAND:-bash .ci/run}
  clone_mode=${BUSY_CLONE:-each}
  results=$repo/test-results/busy-ci/$(date +%Y%m%d-%H%M%S)
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/kubeseed-busy-XXXXXX")
  mkdir -p "$results"

  hogs=()
  start_hogs() {
    for _ in 1 2; do
      sh -c 'while :; do :; done' &
      hogs+=($!)
    done
  }
  stop_hogs() {
    for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null || true; done
    hogs=()
  }
  trap 'stop_hogs; rm -rf "$work"' EXIT

  fresh_clone() {
    rm -rf "$work/clone"
    git clone -q "$repo" "$work/clone"
    [ "$command" = 'bash .ci/run' ] || (cd "$work/clone" && npm ci --no-audit --no-fund >/dev/null)
  }

  echo "busy CI: $runs run(s) of '$command' with two CPU hogs; $(nproc) cores; commit $(git -C "$repo" rev-parse --short HEAD)" |
    tee -a "$results/summary.txt"
  [ "$clone_mode" = once ] && fresh_clone
  passed=0
  for run in $(seq 1 "$runs"); do
    [ "$clone_mode" = once ] || fresh_clone
    log=$results/run-$run.log
    start_hogs
    started=$(date +%s)
    if (cd "$work/clone" && CI=true $command) >"$log" 2>&1 </dev/null; then status=passed; else status=FAILED; fi
    seconds=$(($(date +%s) - started))
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    stop_hogs
    [ "$status" = passed ] && passed=$((passed + 1))
    closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
    failed_files=$(grep -E '^failed: ' "$log" | tail -1 || true)
    printf 'run %s: %s in %dm%02ds (%s)%s; load average at the end %s\n' "$run" "$status" $((seconds / 60)) \
      $((seconds % 60)) "${closing:-no closing line}" "${failed_files:+; $failed_files}" "$load" | tee -a "$results/summary.txt"
    if [ "$status" != passed ] && [ -d "$work/clone/test-results" ]; then
      rm -rf "$results/run-$run-test-results"
      cp -a "$work/clone/test-results" "$results/run-$run-test-results"
    fi
  done
  echo "busy CI: $passed of $runs run(s) passed" | tee -a "$results/summary.txt"
  [ "$passed" = "$runs" ]
}

main "$@"
