"""The Redis cache backend reuses one client per connection pool."""

from django.core.cache import caches

from marketplace.common.redis_cache import RedisCache


def test_the_cache_is_redis_and_keeps_one_client_per_pool():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    first = cache._cache.get_client(write=True)

    cache.set("redis-cache-test", {"n": 1}, 30)

    assert cache._cache.get_client() is first
    assert cache.get("redis-cache-test") == {"n": 1}
    cache.delete("redis-cache-test")
    assert cache.get("redis-cache-test") is None
