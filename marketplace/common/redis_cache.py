"""Django's Redis cache, keeping one ``redis.Redis`` client per connection pool.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` on every cache
call, and each one fills a table of about 170 response callbacks: a tenth of a
millisecond, twice per catalog answer (its version, then the answer) and per
checkout. A ``redis.Redis`` is safe to share between threads (it takes a connection
from its pool per command), so one per pool is kept and reused.

``set_many`` without a timeout is one ``MSET``, where Django wraps it in a
``MULTI``/``EXEC`` pipeline (three commands; ``MSET`` is atomic by itself): checkout
renews its products' stock tokens that way after every order (common/cache.py).
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    def set_many(self, data, timeout):
        if timeout is not None:
            return super().set_many(data, timeout)
        client = self.get_client(None, write=True)
        client.mset({k: self._serializer.dumps(v) for k, v in data.items()})
        return None


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
