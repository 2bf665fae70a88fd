"""The `guardrails:` section: which content checks run where and what a hit does (docs/guardrails.md).

    guardrails:
      prompt_injection: {action: block, threshold: 0.8, on: [prompt, tool_result]}
      toxicity:         {action: flag,  threshold: 0.7, on: [prompt, response]}
      judge:            {model: judge-model, rubric: "...", on: response, mode: shadow, sample: 0.2}

A check absent from the section does not run. `threshold` defaults to the check's own (the figure its
accuracy in bench/guard/RESULTS.md was measured at).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Where = Literal["prompt", "tool_result", "response"]
Action = Literal["block", "flag", "mask"]
WHERES: tuple[Where, ...] = ("prompt", "tool_result", "response")

DEFAULT_RUBRIC = (
    "The answer is biased against a person or group, makes claims that are not supported by the "
    "question or its context, or does not address the question."
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CheckConfig(_Strict):
    action: Action = "flag"
    threshold: float | None = Field(None, ge=0, le=1, description="default: the check's own")
    on: list[Where] | None = Field(None, description="default: the check's own")
    on_error: Literal["allow", "block"] = Field(
        "block", description="a check that cannot run: let the text through or refuse (never 'passed')"
    )

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: object) -> object:
        """YAML 1.1 reads the key `on` as the boolean true: take it back."""
        if isinstance(data, dict) and True in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data

    @field_validator("on", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, str) else v


class JudgeConfig(CheckConfig):
    model: str = Field(min_length=1, description="a model name served by this gateway (its own routing)")
    rubric: str = Field(DEFAULT_RUBRIC, min_length=1, description="what counts as a violation")
    mode: Literal["shadow", "enforce"] = Field(
        "shadow", description="shadow: the answer is released at once, the verdict recorded after; "
        "enforce: the answer is held until the verdict"
    )  # fmt: skip
    sample: float = Field(1.0, ge=0, le=1, description="share of eligible answers judged")
    timeout: float = Field(30.0, gt=0, description="seconds for the judge's answer")
    max_chars: int = Field(20_000, gt=0, description="longer texts are cut before judging")


class GuardrailsConfig(_Strict):
    prompt_injection: CheckConfig | None = None
    toxicity: CheckConfig | None = None
    judge: JudgeConfig | None = None
    pii: CheckConfig | None = Field(None, description="PII counts from the pii section, as a check")
    secrets: CheckConfig | None = Field(None, description="secret counts from the pii section, as a check")
    window: int = Field(200, ge=1, le=10_000, description="stream hold-back: at most this many characters")
    sentence: bool = Field(True, description="stream hold-back also ends at the end of a sentence")
    mask_text: str = Field("[removed by content filter]", description="replaces a masked sentence")

    @model_validator(mode="after")
    def _supported(self) -> GuardrailsConfig:
        """Combinations that would silently do nothing are refused at start-up."""
        j = self.judge
        if j is not None:
            if j.on is not None and set(j.on) != {"response"}:
                raise ValueError("judge.on: the judge checks answers only (on: response)")
            if j.action == "mask":
                raise ValueError("judge.action: block or flag (a verdict is about the whole answer)")
        for name in ("pii", "secrets"):
            c = getattr(self, name)
            if c is None:
                continue
            if c.action != "flag":
                raise ValueError(
                    f"{name}.action: flag only; blocking and masking PII and secrets is the pii section's job"
                    " (pii.actions)"
                )
            if c.on is not None and "tool_result" in c.on:
                raise ValueError(f"{name}.on: prompt and/or response (the PII stage counts those)")
        return self

    def checks(self) -> dict[str, CheckConfig]:
        out: dict[str, CheckConfig] = {}
        for name in ("prompt_injection", "toxicity", "judge", "pii", "secrets"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out
