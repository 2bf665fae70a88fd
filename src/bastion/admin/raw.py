"""A handler's answer that is not JSON (a report as Markdown, HTML or PDF): `endpoint` sends `body` as is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RawBody(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    body: bytes
    content_type: str
    filename: str | None = None  # sent as Content-Disposition: attachment
