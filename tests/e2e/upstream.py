"""What reached each fake provider, read in its own wire format (one small function per provider)."""

from __future__ import annotations

from typing import Any

from e2e.drive import PNG_B64, TOOL_DESCRIPTION, TOOL_NAME, TOOL_SCHEMA
from fakes import Recorded
from harness import ADMIN_KEY, PROVIDER_KEYS

Json = dict[str, Any]


def check_route(provider: str, rec: Recorded, model: str, stream: bool) -> None:
    """The provider's path, its model id (translated from the gateway name) and its credentials."""
    key = PROVIDER_KEYS[provider]
    if provider == "openai":
        assert rec.path == "/v1/chat/completions"
        assert rec.json["model"] == model
        assert rec.headers["authorization"] == f"Bearer {key}"
    elif provider == "anthropic":
        assert rec.path == "/v1/messages"
        assert rec.json["model"] == model
        assert rec.headers["x-api-key"] == key
        assert rec.headers["anthropic-version"]
    else:
        method = "streamGenerateContent" if stream else "generateContent"
        assert rec.path == f"/v1beta/models/{model}:{method}"
        assert rec.query == ({"alt": "sse"} if stream else {})
        assert rec.headers["x-goog-api-key"] == key
        assert "model" not in rec.json
    assert bool(rec.json.get("stream")) == (stream and provider != "gemini")
    assert_no_client_key(rec)


def assert_no_client_key(rec: Recorded) -> None:
    assert ADMIN_KEY not in rec.raw.decode()
    for name, value in rec.headers.items():
        assert ADMIN_KEY not in value, f"the client's key was forwarded in {name}"


def system_text(provider: str, rec: Recorded) -> str:
    body = rec.json
    if provider == "openai":
        first = body["messages"][0]
        assert first["role"] == "system"
        return str(first["content"])
    if provider == "anthropic":
        system = body["system"]
        return system if isinstance(system, str) else "".join(b["text"] for b in system)
    return "".join(p["text"] for p in body["systemInstruction"]["parts"])


def has_image(provider: str, rec: Recorded) -> bool:
    body = rec.json
    if provider == "openai":
        parts = [p for m in body["messages"] if isinstance(m["content"], list) for p in m["content"]]
        return {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}} in parts
    if provider == "anthropic":
        blocks = [b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"]]
        source = {"type": "base64", "media_type": "image/png", "data": PNG_B64}
        return {"type": "image", "source": source} in blocks
    parts = [p for c in body["contents"] for p in c["parts"]]
    return {"inlineData": {"mimeType": "image/png", "data": PNG_B64}} in parts


def check_tools(provider: str, rec: Recorded) -> None:
    tools = rec.json["tools"]
    if provider == "openai":
        fn = {"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "parameters": TOOL_SCHEMA}
        assert tools == [{"type": "function", "function": fn}]
    elif provider == "anthropic":
        assert tools == [{"name": TOOL_NAME, "description": TOOL_DESCRIPTION, "input_schema": TOOL_SCHEMA}]
    else:
        (decl,) = tools[0]["functionDeclarations"]
        assert decl["name"] == TOOL_NAME
        assert decl["description"] == TOOL_DESCRIPTION
        assert decl["parameters"]["type"] == "OBJECT"
        assert decl["parameters"]["properties"]["city"]["type"] == "STRING"
        assert decl["parameters"]["required"] == ["city"]


def tool_result(provider: str, rec: Recorded) -> str:
    """The tool result text the provider received in the last turn."""
    last = rec.json["messages"][-1] if provider != "gemini" else rec.json["contents"][-1]
    if provider == "openai":
        assert last["role"] == "tool"
        return str(last["content"])
    if provider == "anthropic":
        (block,) = [b for b in last["content"] if b["type"] == "tool_result"]
        content = block["content"]
        return content if isinstance(content, str) else "".join(b["text"] for b in content)
    (part,) = [p for p in last["parts"] if "functionResponse" in p]
    assert part["functionResponse"]["name"] == TOOL_NAME
    return str(part["functionResponse"]["response"]["result"])
