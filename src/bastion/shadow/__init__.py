"""Shadow AI discovery: provider-shaped traffic seen in proxy and DNS logs and at the gateway
(docs/shadow-ai.md)."""
