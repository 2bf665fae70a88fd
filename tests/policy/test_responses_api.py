"""The OpenAI Responses API under policy: request deny, transforms, response mask and deny, streamed
and not."""

from __future__ import annotations

import openai
import pytest

from fakes import Fakes
from harness import marker

FILLER = " ".join(["word"] * 150)


def test_request_deny(oa: openai.OpenAI, fakes: Fakes) -> None:
    mark = marker()
    with pytest.raises(openai.PermissionDeniedError, match="falcon"):
        oa.responses.create(model="openai-echo", input=f"{mark} project falcon")
    assert fakes.openai.count(mark) == 0


def test_transform(oa: openai.OpenAI, fakes: Fakes) -> None:
    mark = marker()
    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object"}}
    oa.responses.create(
        model="openai-echo", input=mark, instructions="Be kind.", max_output_tokens=900, tools=[tool],  # type: ignore[list-item]
        extra_headers={"x-bastion-use-case": "cap"},
    )  # fmt: skip
    sent = fakes.openai.find(mark).json
    assert sent["instructions"] == "POLICY-SYSTEM\n\nBe kind."
    assert sent["max_output_tokens"] == 7
    assert "tools" not in sent


@pytest.mark.parametrize("stream", [False, True])
def test_response_mask(oa: openai.OpenAI, stream: bool) -> None:
    prompt = f"banana {FILLER} banana"
    if stream:
        with oa.responses.stream(model="openai-echo", input=prompt) as events:
            deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
            final = events.get_final_response()
        assert deltas == f"Echo: [FRUIT] {FILLER} [FRUIT]"
    else:
        final = oa.responses.create(model="openai-echo", input=prompt)
    assert final.output_text == f"Echo: [FRUIT] {FILLER} [FRUIT]"


def test_response_deny(oa: openai.OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError, match="out-kiwi"):
        oa.responses.create(model="openai-echo", input=f"{FILLER} kiwi")
    events = list(oa.responses.create(model="openai-echo", input=f"{FILLER} kiwi", stream=True))
    assert events[-1].type == "error"
    assert "out-kiwi" in events[-1].message  # type: ignore[union-attr]
    text = "".join(getattr(e, "delta", "") or "" for e in events if e.type == "response.output_text.delta")
    assert "kiwi" not in text
