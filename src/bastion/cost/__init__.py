"""Cost: the shipped price table (`prices.json`, `prices.py`) and the cost of one call from its usage
(`meter.py`). Unknown usage or an unknown price gives an unknown cost (`None`), never $0."""

from bastion.cost.meter import Cost, cost_of, estimate_input_tokens, max_output_tokens
from bastion.cost.prices import Price, PriceTable

__all__ = ["Cost", "Price", "PriceTable", "cost_of", "estimate_input_tokens", "max_output_tokens"]
