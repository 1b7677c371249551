"""The aiohttp application: verify, parse, hand over, answer fast."""
