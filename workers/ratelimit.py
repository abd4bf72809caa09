"""The relay's quota: messages per second and per hour.

Counted in sliding windows (the messages of the last second, of the last hour), so that a
limit holds from the first message and across a clock boundary. With Redis (production,
INFOLETTRE_REDIS_URL) every worker process counts in the same windows, so the quota holds
however many workers run; without it (the embedded default) the counts are kept in the
process, shared by its batches and threads (`quota_for`): several worker processes need
INFOLETTRE_REDIS_URL to share one quota.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque

WINDOWS = (("second", 1), ("hour", 3600))

# Both windows judged and, if both have room, taken at once: a message refused by the
# hour never spends a slot of the second. Returns 0, or the seconds until a slot frees.
_TAKE = """
local now, member = tonumber(ARGV[1]), ARGV[2]
local wait = 0
for i, key in ipairs(KEYS) do
  local length, limit = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - length)
  if redis.call('ZCARD', key) >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + length - now)
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[1 + 2 * i])) + 1)
end
return '0'
"""


class RateLimit:
    def __init__(self, per_second: int, per_hour: int, redis_url: str = "") -> None:
        self.windows = [(name, length, limit) for (name, length), limit
                        in zip(WINDOWS, (per_second, per_hour), strict=True) if limit]
        self.redis = None
        if redis_url and self.windows:
            import redis

            self.redis = redis.Redis.from_url(redis_url)
            self.script = self.redis.register_script(_TAKE)
        self.lock = threading.Lock()
        self.local = {name: deque() for name, _, _ in self.windows}  # times sent

    def take(self) -> float:
        """Take a slot for one message: 0.0 if it may go now, else the seconds until a
        slot may free (nothing taken then). Raises redis.RedisError."""
        if not self.windows:
            return 0.0
        now = time.time()
        if self.redis is not None:
            args = [now, uuid.uuid4().hex]
            for _, length, limit in self.windows:
                args += [length, limit]
            keys = [f"infolettre:rate:{name}" for name, _, _ in self.windows]
            return float(self.script(keys=keys, args=args))
        with self.lock:
            wait = 0.0
            for name, length, limit in self.windows:
                sent = self.local[name]
                while sent and sent[0] <= now - length:
                    sent.popleft()
                if len(sent) >= limit:
                    wait = max(wait, sent[0] + length - now)
            if wait > 0:
                return wait
            for name, _, _ in self.windows:
                self.local[name].append(now)
            return 0.0

    def wait(self) -> None:
        """Block until one more message may go, and take its slot."""
        while (delay := self.take()) > 0:
            time.sleep(max(delay, 0.001))


_quotas: dict[tuple[int, int, str], RateLimit] = {}
_quotas_lock = threading.Lock()


def quota_for(per_second: int, per_hour: int, redis_url: str = "") -> RateLimit:
    """The process's one quota for these limits, shared by all its batches and threads."""
    with _quotas_lock:
        key = (per_second, per_hour, redis_url)
        if key not in _quotas:
            _quotas[key] = RateLimit(per_second, per_hour, redis_url)
        return _quotas[key]
