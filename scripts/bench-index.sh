#!/usr/bin/env bash
# Index benchmark against universal-ctags on code no one here wrote: the Python standard
# library and the Rust sources in the cargo registry. Prints both times, the ratios and
# peak memory. Usage: scripts/bench-index.sh [--debug] [PATH...]
#   --debug   use a debug build (no release build; figures are then pessimistic)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=--release
if [[ "${1:-}" == "--debug" ]]; then profile=""; shift; fi

if [[ $# -gt 0 ]]; then
  trees=("$@")
else
  trees=("$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')")
  reg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | head -1 || true)
  [[ -n "$reg" ]] && trees+=("$reg")
fi

command -v ctags >/dev/null || { echo "ctags not found: apt-get install universal-ctags" >&2; exit 2; }
cargo build $profile --example bench_index -q
bin=target/$([[ -n "$profile" ]] && echo release || echo debug)/examples/bench_index

for t in "${trees[@]}"; do
  echo "== $t ($(nproc) cores, ${profile:-debug} build)"
  start=$(date +%s.%N)
  /usr/bin/time -f "ctags_peak_rss_mb=%M" -o /tmp/ctags-time.$$ ctags -R --links=no -f - "$t" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  ctags_s=$(echo "$end - $start" | bc)
  ctags_rss=$(awk -F= '/^ctags_peak_rss_mb=/ {printf "%.1f", $2/1024}' /tmp/ctags-time.$$ 2>/dev/null || echo "?")
  rm -f /tmp/ctags-time.$$
  out=$("$bin" "$t")
  echo "$out"
  cold=$(sed -n 's/.*cold_s=\([0-9.]*\).*/\1/p' <<<"$out")
  warm=$(sed -n 's/.*warm_s=\([0-9.]*\).*/\1/p' <<<"$out")
  printf 'ctags_s=%.3f ctags_peak_rss_mb=%s\n' "$ctags_s" "$ctags_rss"
  printf 'ratio cold/ctags=%.2f (target <= 3)  warm/ctags=%.2f (target < 1)\n' \
    "$(echo "$cold / $ctags_s" | bc -l)" "$(echo "$warm / $ctags_s" | bc -l)"
done
