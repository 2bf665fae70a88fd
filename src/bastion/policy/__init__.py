"""The policy engine: governance rules as code (issue 6).

    document.py   the YAML/JSON shape of a rule set (pydantic; every error names its field)
    regex.py      linear-time regular expressions (RE2): hostile patterns and inputs cannot hang
    expr.py       the small safe expression language of `when.expr` (own parser, never `eval`)
    facts.py      the request attributes rules read (lazy; PII detection only when a rule needs it)
    conditions.py one builder per `when` key -> a compiled check returning a reason or None
    compiled.py   a rule set compiled at load: ordered by precedence, split into request/response rules
    decision.py   what evaluation decided (effects merged by precedence) and its audit record
    transform.py  request rewrites per inbound API (cap max_tokens, strip/restrict tools, system text)
    response.py   response rules on full bodies and on streams
    store.py      versioned storage (history with who/when, rollback) in the shared database
    runtime.py    one worker's active set: load, hot reload (file watch, Redis or version poll), swap
    admin.py      /admin/policies endpoints
    cli.py        `bastion policy test|check`

This module imports nothing, so `bastion.config` can import the document model without cycles.
"""
