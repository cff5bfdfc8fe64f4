#!/usr/bin/env bash
# Big-and-strange repository benchmark: generates FILES files (default 100,000) with deep
# trees, huge and binary files, symlink loops, FIFOs, non-UTF-8 and control-character names
# and files tree-sitter cannot parse; runs index + terrain over them; prints time, files
# indexed and skipped (with reasons), peak RSS (VmHWM) and `ctags -R` on the same tree.
# Fails when peak memory reaches 1 GiB or the terrain SVG is not well-formed XML.
#
# Usage: scripts/bench-bigrepo.sh [--debug] [FILES] [DIR]
#   --debug  use a debug build (no release build; index times are then ~3-5x pessimistic)
#   DIR      where to generate (must be new or empty; default: a temp dir, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."

profile=--release
if [[ "${1:-}" == "--debug" ]]; then profile=""; shift; fi

command -v ctags >/dev/null || echo "note: ctags not found (apt-get install universal-ctags); the reference run is skipped" >&2
cargo build $profile --example bench_bigrepo -q
bin=target/$([[ -n "$profile" ]] && echo release || echo debug)/examples/bench_bigrepo
echo "== bench_bigrepo ($(nproc) cores, ${profile:-debug} build)"
exec "$bin" "$@"
