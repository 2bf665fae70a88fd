"""The policy engine: governance rules as code (issue 6).

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

The rule document's shape and what validates it live in `bastion.config` (the config file holds rules
too, and config imports no domain package): `policy_document.py` (the YAML/JSON shape of a rule set,
pydantic, every error names its field), `policy_regex.py` (linear-time RE2 patterns: hostile patterns and
inputs cannot hang), `policy_expr.py` (the small safe expression language of `when.expr`, own parser,
never `eval`) and `policy_names.py` (the names an expression may read).
"""
