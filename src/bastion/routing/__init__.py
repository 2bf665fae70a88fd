"""Routing: model groups, strategies, constraints, retries, circuit breakers and provider health
(docs/routing.md)."""
