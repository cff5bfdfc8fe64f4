#!/usr/bin/env bash
# Records the advisor's labelled set (tests/it/fixtures/advisor/<case>/) from real runs:
# `octagit run` on a copy of the demo repository, against a loopback LLM server that answers
# in a real failure shape (scripts/advisor-fixtures/mock_llm.py) or a scripted model.
# run.json, trajectory.jsonl and context-graph.json are copied in; expected.json (the
# labels) is written by hand and never touched here. Re-run after a change to the record's
# shape:  scripts/advisor-fixtures.sh [case ...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=${OCTAGIT_BIN:-$root/target/debug/octagit}
[ -x "$bin" ] || cargo build --quiet
out_root=$root/tests/it/fixtures/advisor
work=$(mktemp -d)
trap 'kill $(cat "$work/pids" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A fresh git copy of the demo repository, with an optional config appended and an
# optional extra file (path, content) added.
repo() {
  local dir=$work/$1
  rm -rf "$dir"
  cp -r "$root/demo/repo" "$dir"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" >>"$dir/.github/octagit.yml"; fi
  if [ -n "${3:-}" ]; then printf '%s\n' "$4" >"$dir/$3"; fi
  git -C "$dir" init -q -b main
  git -C "$dir" add -A
  git -C "$dir" -c user.name=t -c user.email=t@t commit -qm base
  echo "$dir"
}

mock() { # mode ok_first -> port (server left running)
  local port
  port=$(free_port)
  # Not a job of this shell: `$(mock ...)` would wait for its output to close.
  python3 "$root/scripts/advisor-fixtures/mock_llm.py" "$1" "$port" "$2" >/dev/null 2>&1 &
  echo $! >>"$work/pids"
  for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
    sleep 0.1
  done
  echo "$port"
}

script() { # name json -> path
  printf '%s\n' "$2" >"$work/$1.json"
  echo "$work/$1.json"
}

# run CASE REPO [extra env...] -- [octagit run flags...]
run() {
  local case=$1 dir=$2
  shift 2
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local out=$work/out-$case
  rm -rf "$out"
  env -i PATH="$PATH" HOME="$work/home" LANG=C.UTF-8 "${envs[@]}" \
    "$bin" run --repo "$dir" --issue-file "$root/demo/issue.md" --out "$out" "$@" \
    >"$work/$case.log" 2>&1 || true
  if [ ! -f "$out/run.json" ]; then
    echo "$case: no run.json; the run printed:" >&2
    tail -20 "$work/$case.log" >&2
    return 1
  fi
  mkdir -p "$out_root/$case"
  # The temp folder's name would change on every recording: one stable stand-in.
  for f in run.json trajectory.jsonl context-graph.json; do
    [ -f "$out/$f" ] && sed "s#$work#/tmp/octagit-fixture#g" "$out/$f" >"$out_root/$case/$f"
  done
  echo "$case: $(python3 -c "import json,sys; r=json.load(open('$out/run.json')); f=r.get('failure') or {}; print(f.get('class'), f.get('reason'))")"
}

if [ $# -eq 0 ] || [[ " $* " == *" prose-only-local "* ]]; then
  port=$(mock prose 0)
  dir=$(repo prose "providers:
  llamacpp:
    base_url: http://127.0.0.1:$port/v1")
  run prose-only-local "$dir" -- --model llamacpp/SmolLM2-135M-Instruct
fi

if [ $# -eq 0 ] || [[ " $* " == *" rate-every-hop "* ]]; then
  port=$(mock rate 2)
  dir=$(repo rate)
  run rate-every-hop "$dir" OPENAI_API_KEY=sk-test-0000 ANTHROPIC_API_KEY=sk-ant-test-0000 \
    OPENAI_BASE_URL="http://127.0.0.1:$port/v1" ANTHROPIC_BASE_URL="http://127.0.0.1:$port" \
    -- --fallback-chain openai/gpt-4.1,anthropic/claude-haiku-4-5
fi

if [ $# -eq 0 ] || [[ " $* " == *" expired-key "* ]]; then
  port=$(mock expired 0)
  dir=$(repo expired)
  run expired-key "$dir" OPENAI_API_KEY=sk-test-0000 OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
    -- --model openai/gpt-4.1
fi

if [ $# -eq 0 ] || [[ " $* " == *" context-overflow "* ]]; then
  port=$(mock context 1)
  dir=$(repo context)
  run context-overflow "$dir" OPENAI_API_KEY=sk-test-0000 OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
    -- --model openai/gpt-4.1
fi

if [ $# -eq 0 ] || [[ " $* " == *" cost-cap "* ]]; then
  port=$(mock costly 1)
  dir=$(repo costly)
  run cost-cap "$dir" OPENAI_API_KEY=sk-test-0000 OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
    -- --model openai/gpt-4.1 --max-cost-usd 1.5
fi

if [ $# -eq 0 ] || [[ " $* " == *" cancelled "* ]]; then
  port=$(mock slow 1)
  dir=$(repo slow)
  ( sleep 6; pkill -INT -f "octagit run --repo $dir" ) &
  run cancelled "$dir" OPENAI_API_KEY=sk-test-0000 OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
    -- --model openai/gpt-4.1
fi

if [ $# -eq 0 ] || [[ " $* " == *" turn-limit-progressing "* ]]; then
  s=$(script turns '[
  {"text": "", "tool_calls": [{"name": "search", "arguments": {"pattern": "def median"}}]},
  {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "calc/stats.py"}}]},
  {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc/stats.py", "old_text": "    ordered = list(values)\n", "new_text": "    ordered = sorted(values)\n"}}]}
]')
  dir=$(repo turns)
  run turn-limit-progressing "$dir" -- --model "scripted/$s" --max-turns 3
fi

if [ $# -eq 0 ] || [[ " $* " == *" invented-tools "* ]]; then
  s=$(script invented '[
  {"text": "", "tool_calls": [{"name": "run_shell", "arguments": {"cmd": "grep -rn median ."}}]},
  {"text": "", "tool_calls": [{"name": "open_file", "arguments": "{path: calc/stats.py"}]},
  {"text": "", "tool_calls": [{"name": "bash", "arguments": {"command": "cat calc/stats.py"}}]}
]')
  dir=$(repo invented)
  run invented-tools "$dir" -- --model "scripted/$s"
fi

if [ $# -eq 0 ] || [[ " $* " == *" repeated-call "* ]]; then
  s=$(script repeat '[
  {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "calc/stats.py"}}]},
  {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "calc/stats.py"}}]},
  {"text": "", "tool_calls": [{"name": "read_file", "arguments": {"path": "calc/stats.py"}}]}
]')
  dir=$(repo repeat)
  run repeated-call "$dir" -- --model "scripted/$s"
fi

if [ $# -eq 0 ] || [[ " $* " == *" empty-answers "* ]]; then
  port=$(mock empty 0)
  dir=$(repo empty "providers:
  vllm:
    base_url: http://127.0.0.1:$port/v1")
  run empty-answers "$dir" -- --model vllm/Qwen2.5-Coder-7B-Instruct
fi

if [ $# -eq 0 ] || [[ " $* " == *" output-cut "* ]]; then
  port=$(mock cut 1)
  dir=$(repo cut)
  run output-cut "$dir" OPENAI_API_KEY=sk-test-0000 OPENAI_BASE_URL="http://127.0.0.1:$port/v1" \
    -- --model openai/o4-mini
fi

if [ $# -eq 0 ] || [[ " $* " == *" ollama-no-tools "* ]]; then
  port=$(mock notools 0)
  dir=$(repo notools)
  run ollama-no-tools "$dir" OLLAMA_HOST="127.0.0.1:$port" -- --model ollama/gemma:2b
fi

if [ $# -eq 0 ] || [[ " $* " == *" broken-test-command "* ]]; then
  s=$(script probe '[{"text": "OK"}]')
  dir=$(repo broken)
  run broken-test-command "$dir" -- --model "scripted/$s" \
    --test-command "python3 -m unittest tests.test_missing_module"
fi

finish3='{"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "Fixed."}}]},
  {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "Fixed, the tests pass."}}]},
  {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "Done."}}]}'

if [ $# -eq 0 ] || [[ " $* " == *" tests-weakened "* ]]; then
  s=$(script weakened '[
  {"text": "These tests are flaky; removing them.", "tool_calls": [{"name": "edit_file", "arguments": {"path": "tests/test_stats.py", "old_text": "    def test_median_unsorted(self):\n        self.assertEqual(median([3, 1, 2]), 2)\n\n    def test_median_even_unsorted(self):\n        self.assertEqual(median([4, 1, 3, 2]), 2.5)\n\n", "new_text": ""}}]},
  {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "tests/test_stats.py", "old_text": "    def test_summary(self):", "new_text": "    @unittest.skip(\"flaky\")\n    def test_summary(self):"}}]},
  '"$finish3"'
]')
  dir=$(repo weakened)
  run tests-weakened "$dir" -- --model "scripted/$s"
fi

if [ $# -eq 0 ] || [[ " $* " == *" fix-breaks-other-tests "* ]]; then
  s=$(script breaks '[
  {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc/stats.py", "old_text": "    ordered = list(values)\n", "new_text": "    ordered = sorted(values)\n"}}]},
  {"text": "mean should not divide by zero either.", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc/stats.py", "old_text": "    return sum(values) / len(values)\n", "new_text": "    return sum(values) // len(values)\n"}}]},
  '"$finish3"'
]')
  dir=$(repo breaks)
  run fix-breaks-other-tests "$dir" -- --model "scripted/$s"
fi

if [ $# -eq 0 ] || [[ " $* " == *" flaky-baseline "* ]]; then
  s=$(script flaky '[
  {"text": "", "tool_calls": [{"name": "edit_file", "arguments": {"path": "calc/stats.py", "old_text": "    ordered = list(values)\n", "new_text": "    ordered = sorted(values)\n"}}]},
  {"text": "", "tool_calls": [{"name": "finish", "arguments": {"summary": "median() sorts a copy first."}}]}
]')
  dir=$(repo flaky "" tests/test_flaky.py 'import os
import unittest


class FlakyTest(unittest.TestCase):
    def test_wobbly(self):
        n = int(open(".flaky-count").read()) if os.path.exists(".flaky-count") else 0
        open(".flaky-count", "w").write(str(n + 1))
        self.assertEqual(n % 2, 1)')
  run flaky-baseline "$dir" -- --model "scripted/$s"
fi
