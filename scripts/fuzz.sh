#!/usr/bin/env bash
# Bounded fuzzing. With a nightly toolchain and cargo-fuzz, runs every target in fuzz/ for
# FUZZ_SECONDS each (default: 60 seconds shared by all targets), from the small seed corpus
# in fuzz/corpus/<target>/ (new finds go to a scratch dir, so the committed corpus stays
# small). Without nightly (stable-only machines, CI), runs the property tests that mirror
# the targets (tests/it/proptests.rs): they are the fuzzing CI relies on.
#
# Usage: scripts/fuzz.sh [TARGET...]
#   FUZZ_SECONDS=N      seconds per target
#   FUZZ_INSTALL=1      install cargo-fuzz with `cargo install` when missing
#   PROPTEST_CASES=N    cases per property in the fallback
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^octagit-fuzz$')
fi
secs=${FUZZ_SECONDS:-$((60 / ${#targets[@]}))}
((secs > 0)) || secs=1

have_nightly() { rustup run nightly rustc --version >/dev/null 2>&1; }
have_cargo_fuzz() { cargo fuzz --version >/dev/null 2>&1; }

if have_nightly && ! have_cargo_fuzz && [[ "${FUZZ_INSTALL:-0}" == 1 ]]; then
  cargo install cargo-fuzz --locked -q
fi

if ! have_nightly || ! have_cargo_fuzz; then
  why="no nightly toolchain"
  have_nightly && why="cargo-fuzz is not installed (FUZZ_INSTALL=1 installs it)"
  echo "fuzz.sh: $why; cargo-fuzz needs both. Running the property tests that mirror the fuzz targets instead."
  exec cargo test --test it proptests::
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd fuzz
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  echo "== $t (${secs}s)"
  if ! cargo +nightly fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>"$scratch/$t.log"; then
    failed=1
    tail -40 "$scratch/$t.log"
    echo "FAIL: $t (the crashing input is under fuzz/artifacts/$t/)"
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$scratch/$t.log" | tr '\n' ' '
    echo
  fi
done
exit $failed
