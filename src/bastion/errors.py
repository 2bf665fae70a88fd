"""Every error the gateway raises, and the one place that turns them into HTTP answers.

    GatewayError                      status  OpenAI type              Anthropic type
    ├── BadRequest                    400     invalid_request_error    invalid_request_error
    ├── Unauthorized                  401     authentication_error     authentication_error
    ├── Forbidden                     403     permission_error         permission_error
    │   └── PolicyDenied              403     permission_error         permission_error
    ├── NotFound                      404     not_found_error          not_found_error
    ├── Conflict                      409     conflict_error           invalid_request_error
    ├── Unprocessable                 422     invalid_request_error    invalid_request_error
    ├── PayloadTooLarge               413     invalid_request_error    request_too_large
    ├── RateLimited                   429     rate_limit_error         rate_limit_error
    ├── BudgetExceeded                402     insufficient_quota       billing_error
    ├── UpstreamError                 (the provider's 4xx, passed through with its message)
    ├── BadGateway                    502     api_error                api_error
    ├── GatewayTimeout                504     timeout_error            timeout_error
    └── Unavailable                   503     service_unavailable      overloaded_error

Handlers never build error JSON themselves: they raise, and the inbound API (`ClientApi.error_body`) shapes
the body with one of the functions at the end of this module: OpenAI's `{"error": {...}}`, Anthropic's
`{"type": "error", "error": {...}}` or Gemini's `{"error": {"code", "message", "status"}}`.
Messages must never contain secrets: provider keys are not interpolated anywhere in this module's callers.
"""

from __future__ import annotations

from typing import ClassVar

import orjson

_ANTHROPIC_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "invalid_request_error",
    413: "request_too_large",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "overloaded_error",
    504: "timeout_error",
    529: "overloaded_error",
}

_OPENAI_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_quota",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "service_unavailable",
    504: "timeout_error",
}


class GatewayError(Exception):
    """Base of every error that becomes an HTTP answer."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or self.default_code
        self.headers = headers or {}

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def openai_type(self) -> str:
        return _OPENAI_TYPE_BY_STATUS.get(self.status_code, "api_error")

    @property
    def anthropic_type(self) -> str:
        return _ANTHROPIC_TYPE_BY_STATUS.get(self.status_code, "api_error")

    @property
    def error_class(self) -> str:
        return type(self).__name__


class BadRequest(GatewayError):
    status = 400
    default_code = "invalid_request"


class Unauthorized(GatewayError):
    status = 401
    default_code = "invalid_api_key"


class Forbidden(GatewayError):
    status = 403
    default_code = "forbidden"


class PolicyDenied(Forbidden):
    """A policy rule denied the request or its response; the message names the rule id."""

    default_code = "policy_denied"

    def __init__(self, message: str, *, rule: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.rule = rule


class NotFound(GatewayError):
    status = 404
    default_code = "not_found"


class Conflict(GatewayError):
    status = 409
    default_code = "conflict"


class Unprocessable(GatewayError):
    """Well-formed JSON that fails validation; `errors` lists every field problem."""

    status = 422
    default_code = "validation_error"

    def __init__(self, message: str, *, errors: list[dict[str, str]] | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.errors = errors or []


class PayloadTooLarge(GatewayError):
    status = 413
    default_code = "request_too_large"


class RateLimited(GatewayError):
    status = 429
    default_code = "rate_limit_exceeded"


class BudgetExceeded(GatewayError):
    """A key's or team's USD budget for the period is used up (the message names the budget)."""

    status = 402
    default_code = "budget_exceeded"


class BadGateway(GatewayError):
    status = 502
    default_code = "upstream_error"


class GatewayTimeout(GatewayError):
    status = 504
    default_code = "upstream_timeout"


class Unavailable(GatewayError):
    status = 503
    default_code = "unavailable"


class UpstreamError(GatewayError):
    """A provider answered with a 4xx: its status and message are passed to the client."""

    def __init__(self, status: int, message: str, *, provider_type: str | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self._status = status
        self.provider_type = provider_type

    @property
    def status_code(self) -> int:
        return self._status


def retryable(err: GatewayError) -> bool:
    """True when another target of the same model group may succeed (connection error, 5xx, timeout)."""
    return isinstance(err, BadGateway | GatewayTimeout | Unavailable)


def openai_body(err: GatewayError) -> bytes:
    return orjson.dumps(
        {"error": {"message": err.message, "type": err.openai_type, "param": err.param, "code": err.code}}
    )


def anthropic_body(err: GatewayError) -> bytes:
    return orjson.dumps({"type": "error", "error": {"type": err.anthropic_type, "message": err.message}})


# google.rpc.Code names, as Gemini's API writes them in `error.status`
_GEMINI_STATUS_BY_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "RESOURCE_EXHAUSTED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def gemini_error(err: GatewayError) -> dict[str, object]:
    """The `{"code", "message", "status"}` object of Gemini's error shape."""
    status = err.status_code
    return {"code": status, "message": err.message, "status": _GEMINI_STATUS_BY_STATUS.get(status, "UNKNOWN")}


def gemini_body(err: GatewayError) -> bytes:
    return orjson.dumps({"error": gemini_error(err)})
