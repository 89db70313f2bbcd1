"""The load generator: virtual clients on one asyncio loop, each with its own keep-alive connection.

Each client sends its next request as soon as the previous answer is in (a closed loop), so the
request rate is what the server sustains with that many requests in flight. The run is bounded:
no request starts after the deadline, and one in flight then is given at most REQUEST_TIMEOUT_S.
"""

from __future__ import annotations

import asyncio
import functools
import math
import ssl
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

REQUEST_TIMEOUT_S = 30.0
WARMUP_REQUESTS = 10


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    # Each virtual client its own address (X-Forwarded-For, which uvicorn's proxy_headers trusts from 127.0.0.1),
    # so per-address bookkeeping (the public rate limit's history of each address) sees that many visitors.
    own_addresses: bool = False


@dataclass
class Tally:
    """What one client, or all of them merged, saw."""

    latencies_s: list[float] = field(default_factory=list)  # of 200 responses only
    errors: Counter[str] = field(default_factory=Counter)  # status code or exception name -> count

    def merge(self, other: Tally) -> None:
        self.latencies_s.extend(other.latencies_s)
        self.errors.update(other.errors)


@dataclass(frozen=True)
class LoadResult:
    target: str
    clients: int
    elapsed_s: float
    requests: int
    errors: dict[str, int]
    p50_ms: float | None
    p99_ms: float | None
    generator_cpu_s: float

    @property
    def req_per_s(self) -> float:
        return self.requests / self.elapsed_s if self.elapsed_s else 0.0


def percentile_ms(sorted_s: list[float], pct: float) -> float | None:
    """Nearest-rank percentile: a latency some request really had."""
    if not sorted_s:
        return None
    return sorted_s[max(0, math.ceil(pct / 100 * len(sorted_s)) - 1)] * 1000


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _client(target: Target, index: int = 0) -> httpx.AsyncClient:
    headers = {**target.headers, "X-Forwarded-For": f"10.0.{index // 250}.{index % 250 + 1}"} \
        if target.own_addresses else target.headers
    return httpx.AsyncClient(
        headers=headers,
        cookies=target.cookies,
        timeout=REQUEST_TIMEOUT_S,
        follow_redirects=False,  # a redirect to /login means the session was refused: an error
        # Each client would otherwise load the CA bundle, ~20 ms on the shared loop inside the measured window:
        # with 50 clients the first requests waited a second, and that was the p99.
        verify=_tls_context(),
        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
    )


async def _one(client: httpx.AsyncClient, url: str, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        tally.errors[type(exc).__name__] += 1
        return
    if response.status_code == 200:
        tally.latencies_s.append(time.perf_counter() - started)
    else:
        tally.errors[str(response.status_code)] += 1


async def _virtual_client(target: Target, deadline: float, index: int) -> Tally:
    tally = Tally()
    async with _client(target, index) as client:
        while time.perf_counter() < deadline:
            await _one(client, target.url, tally)
    return tally


async def _warm_up(target: Target) -> None:
    """A few untimed requests: loads lazy imports and caches, and fails fast on a broken target."""
    tally = Tally()
    async with _client(target) as client:
        for _ in range(WARMUP_REQUESTS):
            await _one(client, target.url, tally)
    if tally.errors:
        raise RuntimeError(f"{target.name}: warm-up requests to {target.url} failed: {dict(tally.errors)}")


async def _run(target: Target, clients: int, seconds: float) -> LoadResult:
    cpu_before = time.process_time()
    started = time.perf_counter()
    tallies = await asyncio.gather(*(_virtual_client(target, started + seconds, i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    latencies = sorted(total.latencies_s)
    return LoadResult(
        target=target.name,
        clients=clients,
        elapsed_s=elapsed,
        requests=len(latencies),
        errors=dict(total.errors),
        p50_ms=percentile_ms(latencies, 50),
        p99_ms=percentile_ms(latencies, 99),
        generator_cpu_s=time.process_time() - cpu_before,
    )


def warm_up(target: Target) -> None:
    asyncio.run(_warm_up(target))


def run(target: Target, clients: int, seconds: float) -> LoadResult:
    return asyncio.run(_run(target, clients, seconds))
