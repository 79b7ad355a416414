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


def test_set_many_without_a_timeout_is_one_mset_and_with_one_keys_expire():
    cache = caches["default"]
    client = cache._cache.get_client(write=True)
    keys = [cache.make_and_validate_key(k) for k in ("mset-a", "mset-b")]

    cache.set_many({"mset-a": 1, "mset-b": [2]}, None)
    assert cache.get_many(["mset-a", "mset-b"]) == {"mset-a": 1, "mset-b": [2]}
    assert [client.ttl(k) for k in keys] == [-1, -1]  # kept until changed
    cache.set_many({"mset-a": 3, "mset-b": 4}, 30)
    assert cache.get_many(["mset-a", "mset-b"]) == {"mset-a": 3, "mset-b": 4}
    assert all(0 < client.ttl(k) <= 30 for k in keys)
    cache.delete_many(["mset-a", "mset-b"])
