"""Provider adapters: one per provider type, chosen by the `type` in config (an explicit map)."""

from __future__ import annotations

from bastion.providers.anthropic import AnthropicAdapter
from bastion.providers.base import Adapter, UpstreamRequest
from bastion.providers.gemini import GeminiAdapter
from bastion.providers.openai import AzureOpenAIAdapter, DemoAdapter, OpenAIAdapter


def build_adapters() -> dict[str, Adapter]:
    openai = OpenAIAdapter()
    return {
        "openai": openai,
        "azure-openai": AzureOpenAIAdapter(),
        "anthropic": AnthropicAdapter(),
        "gemini": GeminiAdapter(),
        "demo": DemoAdapter(),
        # OpenAI-compatible presets: same adapter, default base URLs live in config/presets.py
        "deepseek": openai,
        "mistral": openai,
        "xai": openai,
        "grok": openai,
        "groq": openai,
        "together": openai,
        "ollama": openai,
        "vllm": openai,
        "openai-compatible": openai,
    }


__all__ = ["Adapter", "UpstreamRequest", "build_adapters"]
