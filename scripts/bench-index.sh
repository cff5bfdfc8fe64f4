#!/usr/bin/env bash
# Index benchmark against universal-ctags on code no one here wrote: the Python standard
# library (and the Rust sources in the cargo registry when no PATH is given). Best of two
# runs each, in the same run: ctags -R, then octagit's cold (empty cache) and warm (cached)
# index. Prints the times, the ratios against the targets and octagit's peak memory.
# Usage: scripts/bench-index.sh [--debug] [PATH...]
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
bin=${CARGO_TARGET_DIR:-target}/$([[ -n "$profile" ]] && echo release || echo debug)/examples/bench_index

min() { python3 -c 'import sys; print(min(float(a) for a in sys.argv[1:]))' "$@"; }
max() { python3 -c 'import sys; print(max(float(a) for a in sys.argv[1:]))' "$@"; }

for t in "${trees[@]}"; do
  echo "== $t ($(nproc) cores, ${profile:-debug} build, best of two)"
  ctags_times=(); ctags_cpus=()
  for _ in 1 2; do
    # Wall and CPU (user + system) seconds: on a shared machine the CPU figure is the fair one.
    read -r wall cpu < <(python3 - "$t" <<'PY'
import resource, subprocess, sys, time
t = time.time()
subprocess.run(["ctags", "-R", "--links=no", "-f", "-", sys.argv[1]],
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.time() - t, r.ru_utime + r.ru_stime)
PY
)
    ctags_times+=("$wall"); ctags_cpus+=("$cpu")
  done
  colds=(); warms=(); ccpus=(); wcpus=(); rss=()
  for _ in 1 2; do
    out=$("$bin" "$t")
    echo "$out" | sed 's/^/  /'
    colds+=("$(sed -n 's/.*cold_s=\([0-9.]*\).*/\1/p' <<<"$out")")
    warms+=("$(sed -n 's/.*warm_s=\([0-9.]*\).*/\1/p' <<<"$out")")
    ccpus+=("$(sed -n 's/.*cold_cpu_s=\([0-9.]*\).*/\1/p' <<<"$out")")
    wcpus+=("$(sed -n 's/.*warm_cpu_s=\([0-9.]*\).*/\1/p' <<<"$out")")
    rss+=("$(sed -n 's/.*peak_rss_mb=\([0-9.]*\).*/\1/p' <<<"$out")")
  done
  ctags_s=$(min "${ctags_times[@]}"); ctags_cpu=$(min "${ctags_cpus[@]}")
  cold=$(min "${colds[@]}"); warm=$(min "${warms[@]}")
  ccpu=$(min "${ccpus[@]}"); wcpu=$(min "${wcpus[@]}")
  peak=$(max "${rss[@]}")
  printf 'ctags wall_s=%.3f cpu_s=%.3f | octagit cold wall_s=%.3f cpu_s=%.3f | warm wall_s=%.3f cpu_s=%.3f | peak_rss_mb=%s\n' \
    "$ctags_s" "$ctags_cpu" "$cold" "$ccpu" "$warm" "$wcpu" "$peak"
  printf 'wall ratio cold/ctags=%.2f (target <= 1.5)  warm/ctags=%.3f (target < 0.1)\n' \
    "$(echo "$cold / $ctags_s" | bc -l)" "$(echo "$warm / $ctags_s" | bc -l)"
  printf 'cpu  ratio cold/ctags=%.2f  warm/ctags=%.3f  peak %s MB (target < 500)\n' \
    "$(echo "$ccpu / $ctags_cpu" | bc -l)" "$(echo "$wcpu / $ctags_cpu" | bc -l)" "$peak"
done
