"""The relay's quota holds across workers, counted in a real Redis."""

import threading
import time

from workers.ratelimit import RateLimit


def test_quota_per_second_is_shared_by_all_workers(redis_server):
    sent = []

    def worker():
        limit = RateLimit(per_second=10, per_hour=0, redis_url=redis_server.url)
        for _ in range(15):
            limit.wait()
            sent.append(time.time())

    time.sleep(1 - time.time() % 1)  # start at the beginning of a second
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    per_second = {}
    for moment in sent:
        per_second[int(moment)] = per_second.get(int(moment), 0) + 1
    assert len(sent) == 30
    assert max(per_second.values()) <= 10
    assert len(per_second) >= 3


def test_quota_in_process_without_redis():
    limit = RateLimit(per_second=5, per_hour=0)
    time.sleep(1 - time.time() % 1)
    start = time.time()
    for _ in range(11):
        limit.wait()
    assert time.time() - start >= 1.9  # 11 messages at 5 a second span three windows


def test_quota_per_hour_holds_from_the_first_message_across_workers(redis_server):
    import redis

    redis.Redis.from_url(redis_server.url).delete("infolettre:rate:hour")
    workers = [RateLimit(per_second=0, per_hour=3, redis_url=redis_server.url)
               for _ in range(2)]
    assert [workers[number % 2].take() for number in range(3)] == [0, 0, 0]
    assert 3590 < workers[1].take() <= 3600  # the hour's count is the two workers' count
    assert 3590 < workers[0].take() <= 3600  # and a refusal takes nothing
