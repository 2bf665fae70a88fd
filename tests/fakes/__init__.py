"""Fake providers: real local HTTP servers speaking OpenAI, Anthropic and Gemini wire formats."""

from __future__ import annotations

from dataclasses import dataclass

from fakes.anthropic import FakeAnthropic
from fakes.gemini import FakeGemini
from fakes.openai import FakeOpenAI
from fakes.server import FakeServer, Recorded


@dataclass(slots=True)
class Fakes:
    openai: FakeOpenAI
    anthropic: FakeAnthropic
    gemini: FakeGemini

    @classmethod
    def start(cls) -> Fakes:
        return cls(FakeOpenAI().start(), FakeAnthropic().start(), FakeGemini().start())

    def stop(self) -> None:
        for fake in self.all():
            fake.stop()

    def all(self) -> tuple[FakeServer, ...]:
        return (self.openai, self.anthropic, self.gemini)

    def by_name(self, provider: str) -> FakeServer:
        return {
            "openai": self.openai,
            "anthropic": self.anthropic,
            "gemini": self.gemini,
            "azure": self.openai,
        }[provider]


__all__ = ["FakeAnthropic", "FakeGemini", "FakeOpenAI", "FakeServer", "Fakes", "Recorded"]
