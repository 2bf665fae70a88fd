"""How a blocked answer ends is the inbound API's, the way the providers end one themselves
(`ClientApi.blocked_body` / `blocked_stream`: OpenAI chat `finish_reason: "content_filter"`, Anthropic
`stop_reason: "refusal"`, Responses `status: "incomplete"` with `incomplete_details.reason:
"content_filter"`, Gemini `finishReason: "SAFETY"`). What the closing events repeat from the stream (ids,
model, the Responses object) is remembered here as events pass."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def remember(meta: Json, data: Any) -> None:
    """Keep what the closing events repeat (ids, model, the Responses object) from a passing event."""
    if not isinstance(data, dict):
        return
    for key in ("id", "created", "model", "system_fingerprint"):
        if key in data and key not in meta:
            meta[key] = data[key]
    if isinstance(data.get("response"), dict) and data.get("type") == "response.created":
        meta["response"] = data["response"]
