"""Inbound client APIs: one module per API, one object per module, one registry (`registry.py`).

How to add one: a module with a `ClientApi` subclass (`base.py` lists what it holds: routes, validation,
text segments, the stream walker, meter, rewriter, relay scanner, error shapes) and its instance `API`;
one line in `registry.APIS`; tests that drive it with the API's own SDK against every provider type.
"""
