#!/usr/bin/env python3
"""A loopback LLM server for recording the advisor's labelled runs (scripts/advisor-fixtures.sh).

It speaks the OpenAI chat-completions wire (what llama.cpp's server, OpenAI and every
OpenAI-compatible host answer) and the Anthropic Messages wire, and answers in one of a few
real failure shapes. Bodies and headers are the providers' documented ones
(platform-facts.md, "LLM wire facts"):

  prose     llama.cpp server with a small model: 200, plain text, finish_reason "stop",
            never a tool call (what SmolLM2-135M does when handed tools)
  rate      OpenAI 429 rate_limit_exceeded with x-ratelimit-* headers and "try again in";
            Anthropic 429 rate_limit_error with retry-after
  expired   OpenAI 401 invalid_api_key; Anthropic 401 authentication_error
  context   OpenAI 400 context_length_exceeded; Anthropic 400 "prompt is too long"
  costly    200 with valid tool calls (file reads) and large usage, to reach a cost cap
  slow      the same, two seconds per answer, for a run that is cancelled mid-way
  empty     200 with no text and no tool call
  cut       200 with text stopped at the output limit (finish_reason "length")
  notools   Ollama's 400 "... does not support tools" for a model without a tool template

The first OK_FIRST requests (the audit's probe) are answered 200 "OK" in every mode, so the
failure happens inside the agent loop as it does on a real run.

Usage: mock_llm.py MODE PORT [OK_FIRST]
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1]
PORT = int(sys.argv[2])
OK_FIRST = int(sys.argv[3]) if len(sys.argv) > 3 else 0
COUNT = {"n": 0}

READS = ["calc/stats.py", "calc/report.py", "calc/__init__.py", "tests/test_stats.py"]


def openai_ok(model, content, tool_calls=None, usage=(12, 3), finish="stop"):
    msg = {"role": "assistant", "content": content}
    if tool_calls:
        msg["tool_calls"] = tool_calls
        finish = "tool_calls"
    return {
        "id": "chatcmpl-%d" % COUNT["n"],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        },
    }


def anthropic_ok(model, text):
    return {
        "id": "msg_%d" % COUNT["n"],
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 12, "output_tokens": 3},
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.endswith("/models"):
            self.send(200, {"object": "list", "data": [{"id": "SmolLM2-135M-Instruct", "object": "model"}]})
        else:
            self.send(404, {"error": {"message": "not found", "type": "not_found_error"}})

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        req = json.loads(self.rfile.read(length) or b"{}")
        if self.path.endswith("/count_tokens"):
            return self.send(200, {"input_tokens": 2400})
        COUNT["n"] += 1
        model = req.get("model", "model")
        anthropic = self.path.endswith("/messages")
        if COUNT["n"] <= OK_FIRST:
            if anthropic:
                return self.send(200, anthropic_ok(model, "OK"))
            return self.send(200, openai_ok(model, "OK"))
        if MODE == "prose":
            text = ("Sure! The median of a list is the middle value. To find it, sort the "
                    "numbers and pick the one in the middle. I hope this helps!")
            return self.send(200, openai_ok(model, text, usage=(900, 40)))
        if MODE == "empty":
            return self.send(200, openai_ok(model, "", usage=(900, 0)))
        if MODE == "cut":
            text = "<think>The user wants the median fixed. First I should look at how median is"
            return self.send(200, openai_ok(model, text, usage=(900, 4096), finish="length"))
        if MODE == "notools":
            # Ollama's answer for a model whose template has no tools (400, OpenAI-style body).
            return self.send(400, {"error": {"message": "registry.ollama.ai/library/%s does not support tools" % model,
                                             "type": "api_error", "param": None, "code": None}})
        if MODE == "rate":
            if anthropic:
                return self.send(
                    429,
                    {"type": "error", "error": {"type": "rate_limit_error",
                     "message": "This request would exceed the rate limit for your organization of 30,000 input tokens per minute."}},
                    [("retry-after", "1800"), ("anthropic-ratelimit-input-tokens-remaining", "0")],
                )
            return self.send(
                429,
                {"error": {"message": "Rate limit reached for gpt-4.1 in organization org-test on tokens per min (TPM): Limit 30000, Used 30000, Requested 2400. Please try again in 30m0s.",
                           "type": "tokens", "param": None, "code": "rate_limit_exceeded"}},
                [("x-ratelimit-limit-tokens", "30000"), ("x-ratelimit-remaining-tokens", "0"),
                 ("x-ratelimit-reset-tokens", "30m0s"), ("retry-after", "1800")],
            )
        if MODE == "expired":
            if anthropic:
                return self.send(401, {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})
            return self.send(401, {"error": {"message": "Incorrect API key provided: sk-test***************0000. You can find your API key at https://platform.openai.com/account/api-keys.",
                                             "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}})
        if MODE == "context":
            if anthropic:
                return self.send(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "prompt is too long: 212043 tokens > 200000 maximum"}})
            return self.send(400, {"error": {"message": "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
                                             "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}})
        if MODE == "slow":
            time.sleep(2)
        if MODE in ("costly", "slow"):
            path = READS[COUNT["n"] % len(READS)]
            call = {"id": "call_%d" % COUNT["n"], "type": "function",
                    "function": {"name": "read_file", "arguments": json.dumps({"path": path})}}
            return self.send(200, openai_ok(model, "", [call], usage=(400000, 800)))
        self.send(500, {"error": {"message": "unknown mode", "type": "server_error"}})


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
