"""The relay's quota: messages per second and per hour, across all workers.

With Redis (production) every worker counts in the same fixed windows, so the quota holds
however many workers run; without it (the embedded default, one worker) the counts are
kept in the process.
"""

from __future__ import annotations

import time
from collections import Counter

WINDOWS = (("second", 1), ("hour", 3600))


class RateLimit:
    def __init__(self, per_second: int, per_hour: int, redis_url: str = "") -> None:
        self.limits = {"second": per_second, "hour": per_hour}
        self.redis = None
        if redis_url and (per_second or per_hour):
            import redis

            self.redis = redis.Redis.from_url(redis_url)
        self.local: Counter = Counter()

    def _count(self, window: str, length: int, now: float) -> tuple[int, float]:
        """This message's number in the current window, and when the window ends."""
        start = int(now // length) * length
        key = f"infolettre:rate:{window}:{start}"
        if self.redis is not None:
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, length + 1)
            number = pipe.execute()[0]
        else:
            self.local[key] += 1
            number = self.local[key]
        return number, start + length

    def wait(self) -> None:
        """Block until one more message may go."""
        for window, length in WINDOWS:
            limit = self.limits[window]
            if not limit:
                continue
            while True:
                now = time.time()
                number, ends = self._count(window, length, now)
                if number <= limit:
                    break
                time.sleep(max(ends - now, 0.001))
