"""A small asyncio load generator on ``httpx.AsyncClient``.

``closed_loop`` keeps N clients busy for a fixed time, each sending its next request
as soon as the previous answer arrived; ``burst`` sends one request per client, all at
once (the flash sale). Latency is measured per request, from send to full response.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.stats import percentile

# (method, path, headers, json body or None)
Request = tuple[str, str, dict, object]


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    finished: list[float] = field(default_factory=list)  # completion times of oks
    failures: Counter = field(default_factory=Counter)  # transport errors

    def count(self, statuses: set[int]) -> int:
        return sum(n for status, n in self.statuses.items() if status in statuses)

    def summary(self, ok: set[int], allowed: set[int]) -> dict:
        """Rate of ``ok`` answers, latency percentiles in ms, errors not ``allowed``."""
        errors = sum(n for s, n in self.statuses.items() if s not in allowed)
        errors += sum(self.failures.values())
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "rate": self.count(ok) / self.seconds if self.seconds else 0.0,
            "requests": sum(self.statuses.values()),
            "p50_ms": percentile(self.latencies, 50) * 1000,
            "p95_ms": percentile(self.latencies, 95) * 1000,
            "p99_ms": percentile(self.latencies, 99) * 1000,
            "errors": errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "transport_errors": dict(self.failures),
        }


def _client(base: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        timeout=httpx.Timeout(120.0),
        limits=httpx.Limits(
            max_connections=connections, max_keepalive_connections=connections
        ),
    )


async def _send(client, request: Request, result: LoadResult, start: float) -> int:
    method, path, headers, body = request
    sent = time.perf_counter()
    try:
        response = await client.request(method, path, headers=headers, json=body)
        await response.aread()
    except httpx.HTTPError as error:
        result.failures[type(error).__name__] += 1
        return 0
    done = time.perf_counter()
    result.latencies.append(done - sent)
    result.statuses[response.status_code] += 1
    if response.status_code < 300:
        result.finished.append(done - start)
    return response.status_code


async def _closed_loop(base, clients, seconds, next_request) -> LoadResult:
    result = LoadResult(clients=clients, seconds=seconds)
    async with _client(base, clients) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(index: int):
            while time.perf_counter() < deadline:
                await _send(client, next_request(index), result, start)

        await asyncio.gather(*(worker(i) for i in range(clients)))
        result.seconds = time.perf_counter() - start
    return result


def closed_loop(
    base: str, *, clients: int, seconds: float, next_request: Callable[[int], Request]
) -> LoadResult:
    """Run ``clients`` concurrent clients for ``seconds``; ``next_request(i)`` each."""
    return asyncio.run(_closed_loop(base, clients, seconds, next_request))


async def _each_once(base, clients: int, requests: list[Request]) -> LoadResult:
    result = LoadResult(clients=clients, seconds=0.0)
    queue = iter(requests)  # shared by the clients: each request is sent once
    async with _client(base, clients) as client:
        start = time.perf_counter()

        async def worker():
            for request in queue:
                await _send(client, request, result, start)

        await asyncio.gather(*(worker() for _ in range(clients)))
        result.seconds = time.perf_counter() - start
    return result


def each_once(base: str, *, clients: int, requests: list[Request]) -> LoadResult:
    """Send every request once, ``clients`` at a time; wait for all."""
    return asyncio.run(_each_once(base, clients, requests))


async def _burst(base, requests: list[Request]) -> LoadResult:
    result = LoadResult(clients=len(requests), seconds=0.0)
    async with _client(base, len(requests)) as client:
        start = time.perf_counter()
        await asyncio.gather(*(_send(client, r, result, start) for r in requests))
        result.seconds = time.perf_counter() - start
    return result


def burst(base: str, requests: list[Request]) -> LoadResult:
    """Send every request at once, each on its own connection; wait for all."""
    return asyncio.run(_burst(base, requests))
