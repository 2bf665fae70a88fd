"""JSON library micro benchmark on realistic gateway payloads: orjson vs msgspec vs stdlib json.

What Bastion does per request with JSON: parse the client's body, serialise the (re-targeted) body for
the provider, parse the provider's answer (usage capture), and parse each SSE chunk of a stream.
Bodies are untyped (dicts: unknown fields must pass through), so msgspec is used schemaless.

  bench/alternatives/setup.sh                                   # venv with orjson, msgspec
  ~/.cache/bastion-bench/alt-venv/bin/python bench/micro/json_bench.py [--repeat 7] [--markdown]

Prints the median CPU time per operation (µs) over --repeat rounds and the ratio to orjson.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import timeit

import msgspec
import orjson

SMALL_REQ = {  # the harness's request body
    "model": "mock-gpt",
    "messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {
            "role": "user",
            "content": "Summarise the following support ticket in two sentences. Customer reports that the "
            "export button on the billing page returns an error since yesterday's release; they need the "
            "CSV for month-end closing.",
        },
    ],
    "max_tokens": 64,
    "temperature": 0.2,
    "stream": False,
}


def chat_request(turns: int) -> dict:
    """A multi-turn conversation with tools, non-ASCII text and a tool result (an agent-style body)."""
    msgs = [
        {
            "role": "system",
            "content": "You are a helpful assistant for Acme Corp. Réponds en français si besoin. " * 4,
        }
    ]
    for i in range(turns):
        msgs.append(
            {"role": "user", "content": f"Question {i}: what is the status of order #{1000 + i}? " * 6}
        )
        msgs.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{i:04d}",
                        "type": "function",
                        "function": {"name": "get_order", "arguments": json.dumps({"order_id": 1000 + i})},
                    }
                ],
            }
        )
        msgs.append(
            {
                "role": "tool",
                "tool_call_id": f"call_{i:04d}",
                "content": json.dumps(
                    {
                        "order_id": 1000 + i,
                        "status": "shipped",
                        "eta": "2026-12-01",
                        "items": [{"sku": f"SKU-{j}", "qty": j, "price": 9.99 * j} for j in range(5)],
                    }
                ),
            }
        )
        msgs.append(
            {
                "role": "assistant",
                "content": f"Order #{1000 + i} was shipped 🚚 and arrives on 1 December. " * 3,
            }
        )
    return {
        "model": "gpt-4o",
        "messages": msgs,
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_order",
                    "description": "Look up an order by id",
                    "parameters": {
                        "type": "object",
                        "properties": {"order_id": {"type": "integer"}},
                        "required": ["order_id"],
                    },
                },
            }
        ],
        "temperature": 0.2,
        "max_tokens": 512,
        "stream": False,
    }


RESPONSE = {
    "id": "chatcmpl-mock",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "mock-gpt",
    "system_fingerprint": "fp_mock",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "tok1 tok2 tok3 " * 40, "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 42,
        "completion_tokens": 120,
        "total_tokens": 162,
        "prompt_tokens_details": {"cached_tokens": 0},
    },
}
CHUNK = {
    "id": "chatcmpl-mock",
    "object": "chat.completion.chunk",
    "created": 1700000000,
    "model": "mock-gpt",
    "system_fingerprint": "fp_mock",
    "choices": [{"index": 0, "delta": {"content": "tok7 "}, "logprobs": None, "finish_reason": None}],
}

_msgspec_dec = msgspec.json.Decoder()
_msgspec_enc = msgspec.json.Encoder()
LIBS = {
    "orjson": (orjson.loads, orjson.dumps),
    "msgspec": (_msgspec_dec.decode, _msgspec_enc.encode),
    "json (stdlib)": (
        json.loads,
        lambda o: json.dumps(o, separators=(",", ":"), ensure_ascii=False).encode(),
    ),
}


def cases() -> list[tuple[str, str, object]]:
    big = chat_request(8)
    out = []
    for name, obj in (
        ("request, small (harness body)", SMALL_REQ),
        ("request, 8-turn agent body", big),
        ("response, chat completion", RESPONSE),
        ("SSE chunk", CHUNK),
    ):
        raw = orjson.dumps(obj)
        out.append((f"parse {name} ({len(raw):,} B)", "loads", raw))
        if name.startswith("request"):
            out.append((f"serialise {name}", "dumps", obj))
    return out


def time_op(fn, arg, repeat: int) -> float:
    # CPU time of this process, not wall time: other load on a shared machine moves it much less
    t = timeit.Timer(lambda: fn(arg), timer=time.process_time)
    n, _ = t.autorange()
    return statistics.median(t.repeat(repeat, n)) / n * 1e6  # µs per op


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    names = list(LIBS)
    rows = []
    for label, op, arg in cases():
        res = {}
        for lib in names:
            loads, dumps = LIBS[lib]
            fn = loads if op == "loads" else dumps
            # sanity: every library must round-trip the same data
            assert orjson.loads(fn(arg) if op == "dumps" else orjson.dumps(fn(arg))) == orjson.loads(
                arg if op == "loads" else orjson.dumps(arg)
            )
            res[lib] = time_op(fn, arg, a.repeat)
        rows.append((label, res))
    vers = f"orjson {orjson.__version__}, msgspec {msgspec.__version__}, Python {sys.version.split()[0]}"
    if a.markdown:
        print(f"median CPU µs/op over {a.repeat} rounds ({vers}); ratio = time / orjson time\n")
        print("| operation | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for label, res in rows:
            o = res["orjson"]
            print(f"| {label} | " + " | ".join(f"{res[n]:.2f} ({res[n] / o:.2f}x)" for n in names) + " |")
    else:
        print(vers)
        for label, res in rows:
            o = res["orjson"]
            print(f"{label:<52}" + "  ".join(f"{n} {res[n]:8.2f} µs ({res[n] / o:4.2f}x)" for n in names))


if __name__ == "__main__":
    main()
