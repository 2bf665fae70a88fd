"""Token usage of one call. `None` anywhere means unknown, never zero."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Usage:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @property
    def total_tokens(self) -> int | None:
        if self.input_tokens is None or self.output_tokens is None:
            return None
        return self.input_tokens + self.output_tokens

    def merge(self, other: Usage | None) -> None:
        """Fold a later (more complete) report into this one; later non-None values win."""
        if other is None:
            return
        if other.input_tokens is not None:
            self.input_tokens = other.input_tokens
        if other.output_tokens is not None:
            self.output_tokens = other.output_tokens
        self.cache_read_tokens = other.cache_read_tokens or self.cache_read_tokens
        self.cache_write_tokens = other.cache_write_tokens or self.cache_write_tokens

    def as_dict(self) -> dict[str, int | None]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
        }
