"""What each log in logs/ holds, counted by hand: format, lines, bad lines, and per AI service
(users, requests, bytes uploaded). Noise (example.com, google.com, wikipedia...) matches nothing."""

from __future__ import annotations

from pathlib import Path

LOGS = Path(__file__).parent / "logs"
CSV_COLUMNS = "user=src_user,client=src_ip,host=dest_host,url=url,bytes_out=sent_bytes,time=timestamp"

# file -> (format, lines, bad lines, {service: (users, requests, bytes_out)})
EXPECTED: dict[str, tuple[str, int, int, dict[str, tuple[int, int, int]]]] = {
    "squid_access.log": ("squid", 17, 2, {
        "chatgpt": (1, 3, 0), "openai-api": (1, 2, 0), "claude": (1, 1, 0), "github-copilot": (1, 1, 0),
        "sora": (1, 1, 0), "aws-bedrock": (1, 1, 0), "deepseek-chat": (1, 1, 0),
    }),
    "zscaler_web.csv": ("zscaler", 13, 3, {
        "chatgpt": (1, 2, 48213 + 5242880), "anthropic-api": (1, 1, 2048), "gemini": (1, 1, 900),
        "bing-chat": (1, 1, 300), "perplexity": (1, 1, 1500), "deepseek-chat": (1, 1, 700),
    }),
    "bind_query.log": ("dns", 10, 1, {
        "chatgpt": (1, 2, 0), "anthropic-api": (1, 1, 0), "huggingface": (1, 2, 0), "kimi": (1, 1, 0),
    }),
    "cloudflare_gateway.jsonl": ("dns", 8, 2, {
        "claude": (1, 1, 0), "mistral-api": (1, 1, 0), "perplexity": (1, 1, 0), "chatgpt": (1, 1, 0),
    }),
    "zeek_http.log": ("zeek", 15, 2, {
        "openai-api": (1, 1, 2310), "groq": (1, 1, 120000), "replicate": (1, 1, 65536),
    }),
    "zeek_ssl.log": ("zeek", 17, 1, {
        "chatgpt": (1, 2, 0), "claude": (1, 1, 0), "github-copilot": (1, 1, 0),
        "microsoft-copilot": (1, 1, 0),
    }),
    "proxy_export.csv": ("csv", 10, 3, {
        "chatgpt": (1, 1, 15000), "openai-api": (1, 1, 2500), "cursor": (2, 2, 300 + 1048576),
        "elevenlabs": (1, 1, 4096),
    }),
}  # fmt: skip


def combined() -> dict[str, tuple[int, int]]:
    """service -> (requests, bytes_out) over every file."""
    out: dict[str, tuple[int, int]] = {}
    for _fmt, _lines, _bad, services in EXPECTED.values():
        for sid, (_users, requests, bytes_out) in services.items():
            r, b = out.get(sid, (0, 0))
            out[sid] = (r + requests, b + bytes_out)
    return out
