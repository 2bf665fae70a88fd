"""Content checks: one module each, with one `score(text) -> float` (0..1) and its defaults
(`THRESHOLD`, `WHERE`). Adding one: a new module here, one line in `bastion.guard.registry.CHECKS`,
a config field in `bastion.config.guardrails`, tests in tests/guard/."""
