"""A small asyncio load generator speaking HTTP/1.1 on asyncio streams.

``closed_loop`` keeps N clients busy for a fixed time, each sending its next request
as soon as the previous answer arrived; ``burst`` sends one request per client, all at
once (the flash sale). Latency is measured per request, from send to full response.

Each client has its own connection, reopened when the server closes it (gunicorn's
sync workers close after every answer). The generator shares the machine's cores
with the servers it measures, so it is kept light: ``httpx.AsyncClient`` cost 2.7 ms
of CPU per checkout, this about a fifth of that (``bench/README.md``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

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


TIMEOUT = 120.0
_SAFE = "/?=&%:@!$'()*+,;"  # kept in a path as it is; anything else %-encoded


class _Connection:
    """One client's HTTP/1.1 connection to ``base``; answers are read in full."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.authority = parts.netloc
        self.reader = self.writer = None

    def encode(self, request: Request) -> bytes:
        method, path, headers, body = request
        lines = [
            f"{method} {quote(path, safe=_SAFE)} HTTP/1.1",
            f"Host: {self.authority}",
        ]
        payload = b""
        if body is not None:
            payload = json.dumps(body).encode()
            lines.append("Content-Type: application/json")
        if body is not None or method not in ("GET", "HEAD"):
            lines.append(f"Content-Length: {len(payload)}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload

    async def send(self, raw: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port
            )
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            await self.reader.read()
            headers["connection"] = "close"
        if headers.get("connection") == "close":
            self.close()
        return int(status_line.split(" ", 2)[1])

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _send(
    connection: _Connection, request: Request, result: LoadResult, start: float
) -> int:
    raw = connection.encode(request)
    sent = time.perf_counter()
    try:
        status = await asyncio.wait_for(connection.send(raw), TIMEOUT)
    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as error:
        connection.close()
        result.failures[type(error).__name__] += 1
        return 0
    done = time.perf_counter()
    result.latencies.append(done - sent)
    result.statuses[status] += 1
    if status < 300:
        result.finished.append(done - start)
    return status


async def _closed_loop(base, clients, seconds, next_request) -> LoadResult:
    result = LoadResult(clients=clients, seconds=seconds)
    start = time.perf_counter()
    deadline = start + seconds

    async def worker(index: int):
        connection = _Connection(base)
        while time.perf_counter() < deadline:
            await _send(connection, next_request(index), result, start)
        connection.close()

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
    start = time.perf_counter()

    async def worker():
        connection = _Connection(base)
        for request in queue:
            await _send(connection, request, result, start)
        connection.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    result.seconds = time.perf_counter() - start
    return result


def each_once(base: str, *, clients: int, requests: list[Request]) -> LoadResult:
    """Send every request once, ``clients`` at a time; wait for all."""
    return asyncio.run(_each_once(base, clients, requests))


async def _burst(base, requests: list[Request]) -> LoadResult:
    result = LoadResult(clients=len(requests), seconds=0.0)
    connections = [_Connection(base) for _ in requests]
    start = time.perf_counter()
    await asyncio.gather(
        *(
            _send(c, r, result, start)
            for c, r in zip(connections, requests, strict=True)
        )
    )
    result.seconds = time.perf_counter() - start
    for connection in connections:
        connection.close()
    return result


def burst(base: str, requests: list[Request]) -> LoadResult:
    """Send every request at once, each on its own connection; wait for all."""
    return asyncio.run(_burst(base, requests))
