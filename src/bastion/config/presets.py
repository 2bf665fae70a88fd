"""Provider types and the default base URL of each (OpenAI-compatible presets are data, not code)."""

from __future__ import annotations

# type -> (wire format, default base URL or None when base_url is required)
PROVIDER_TYPES: dict[str, tuple[str, str | None]] = {
    "openai": ("openai", "https://api.openai.com/v1"),
    "azure-openai": ("openai", None),
    "anthropic": ("anthropic", "https://api.anthropic.com"),
    "gemini": ("gemini", "https://generativelanguage.googleapis.com/v1beta"),
    "demo": ("openai", None),
    "deepseek": ("openai", "https://api.deepseek.com/v1"),
    "mistral": ("openai", "https://api.mistral.ai/v1"),
    "xai": ("openai", "https://api.x.ai/v1"),
    "grok": ("openai", "https://api.x.ai/v1"),
    "groq": ("openai", "https://api.groq.com/openai/v1"),
    "together": ("openai", "https://api.together.xyz/v1"),
    "ollama": ("openai", "http://127.0.0.1:11434/v1"),
    "vllm": ("openai", "http://127.0.0.1:8000/v1"),
    "openai-compatible": ("openai", None),
}

# Providers that hold no secret: an empty api_key is fine.
KEYLESS_TYPES = frozenset({"demo", "ollama", "vllm", "openai-compatible"})
