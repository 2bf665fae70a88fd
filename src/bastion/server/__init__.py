"""The HTTP side: the aiohttp application (composition root), handlers and the process runner."""
