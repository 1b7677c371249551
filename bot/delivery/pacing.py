"""Token buckets: send at the provider's pace, with short bursts allowed.

A bucket holds up to `burst` tokens and refills at `rate` tokens a second; taking
more than it holds waits for the refill. An SMS takes one token per segment (Twilio
releases a sender's messages one segment at a time), a Telegram message one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class TokenBucket:
    """Waits so that tokens are taken no faster than `rate` a second (after a burst)."""

    def __init__(
        self, rate: float, burst: float, now: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("a token bucket needs a positive rate and burst")
        self.rate = rate
        self.burst = burst
        self._now = now
        self._tokens = burst
        self._stamp = now()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._now()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self, tokens: float = 1.0) -> None:
        """Take `tokens` (at most the burst), waiting as long as the rate requires."""
        tokens = min(tokens, self.burst)
        async with self._lock:  # first come, first served
            self._refill()
            while self._tokens < tokens:
                await asyncio.sleep((tokens - self._tokens) / self.rate)
                self._refill()
            self._tokens -= tokens

    def available(self) -> float:
        """Tokens that could be taken now without waiting."""
        self._refill()
        return max(self._tokens, 0.0)

    def give_back(self, tokens: float) -> None:
        """Return tokens taken for a send that did not happen."""
        self._tokens = min(self.burst, self._tokens + tokens)

    def pause(self, seconds: float) -> None:
        """Empty the bucket for `seconds` (the provider said to slow down)."""
        self._refill()
        self._tokens = min(self._tokens, 0.0) - seconds * self.rate
