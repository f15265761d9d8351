"""Speed of the REST API over loopback: bulk signal ingestion and single signals at a fixed
request rate (issue targets: bulk ≥ 5,000 signals/s; single p99 < 50 ms at 200 req/s).

Setup: the demo database (``--items`` items with policies, stock, offers, history) on
SQLite, or PostgreSQL with ``--backend postgresql``; a planner's API token; ``takt serve``
in its own process (one uvicorn worker) on a free port.

- bulk: ``--batches`` POSTs of ``--batch`` signals each to ``/api/signals/bulk`` (random
  items, unique keys); signals per second per batch, median and min;
- single: an open-loop load of ``--rate`` requests per second for ``--seconds`` seconds
  to ``/api/signals`` (each request sent at its scheduled time whether or not earlier
  ones have answered, so a slow server cannot hide its queue: latency counts from the
  scheduled time); p50 / p99 / max and the share of signals that placed an order;
- baselines in the same run: the same single signals through the service without HTTP
  (``post_signal``: what HTTP adds), and signals one request each at full speed (what the
  bulk endpoint saves).

    python benchmarks/bench_api.py [--items 2000] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from takt.services.demo import build_demo_database
from takt.services.trigger import post_signal
from takt.services.users import add_user, create_token
from takt.store.db import make_engine, upgrade
from takt.store.models import ItemRow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database(backend: str, items: int, workdir: Path) -> str:
    path = workdir / "api.db"
    build_demo_database(path, items=items, seed=7)
    url = f"sqlite:///{path}"
    if backend == "sqlite":
        return url
    # Copy the demo into a fresh PostgreSQL database through the importers' output.
    admin = os.environ.get(
        "TAKT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
    )
    name = f"takt_bench_{uuid.uuid4().hex[:8]}"
    eng = make_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    pg = make_url(admin).set(database=name).render_as_string(hide_password=False)
    source, target = make_engine(url), make_engine(pg)
    upgrade(target)
    from takt.store.models import Base

    with source.connect() as src, target.begin() as dst:
        for table in Base.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in src.execute(table.select())]
            if rows:
                dst.execute(table.insert(), rows)
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement:
                dst.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 1))"
                    )
                )
    return pg


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAKT_DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "takt"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "-d",
            url,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def signal(items: list[str], rng: random.Random) -> dict[str, object]:
    return {
        "item": rng.choice(items),
        "qty": float(rng.randint(1, 3)),
        "key": "bench-" + uuid.uuid4().hex,
        "source": "pos",
    }


def bulk(base: str, token: str, items: list[str], batches: int, size: int) -> list[float]:
    rng = random.Random(1)
    rates = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300
    ) as c:
        for _ in range(batches):
            body = {"signals": [signal(items, rng) for _ in range(size)]}
            t0 = time.perf_counter()
            r = c.post("/api/signals/bulk", json=body)
            elapsed = time.perf_counter() - t0
            r.raise_for_status()
            rates.append(size / elapsed)
    return rates


def sequential(base: str, token: str, items: list[str], n: int) -> float:
    rng = random.Random(2)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        t0 = time.perf_counter()
        for _ in range(n):
            c.post("/api/signals", json=signal(items, rng)).raise_for_status()
        return n / (time.perf_counter() - t0)


async def open_loop(
    base: str, token: str, items: list[str], rate: float, seconds: float
) -> tuple[list[float], int, int]:
    """An open-loop load over a pool of keep-alive HTTP/1.1 connections, written by hand
    on asyncio streams (a load generator should cost little CPU: it shares the machine
    with the server). Each request is sent at its scheduled time on a free connection;
    latency counts from that time, queueing for a connection included."""
    import json

    host, port = base.removeprefix("http://").split(":")
    rng = random.Random(3)
    n = int(rate * seconds)
    latencies: list[float] = []
    queued = 0
    errors = 0
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection(host, int(port)))

    async def one(due: float) -> None:
        nonlocal queued, errors
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        body = json.dumps(signal(items, rng)).encode()
        head = (
            f"POST /api/signals HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        reader, writer = await pool.get()
        try:
            writer.write(head + body)
            status_line = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            return
        finally:
            pool.put_nowait((reader, writer))
        latencies.append(time.perf_counter() - due)
        if not status_line.split()[1].startswith(b"2"):
            errors += 1
        elif b'"queued"' in payload:
            queued += 1

    start = time.perf_counter() + 0.2
    await asyncio.gather(*(one(start + i / rate) for i in range(n)))
    while not pool.empty():
        _, writer = pool.get_nowait()
        writer.close()
    return latencies, queued, errors


def direct(url: str, items: list[str], n: int) -> list[float]:
    engine = make_engine(url)
    rng = random.Random(4)
    out = []
    for _ in range(n):
        s = signal(items, rng)
        t0 = time.perf_counter()
        post_signal(engine, item=str(s["item"]), qty=float(s["qty"]), key=str(s["key"]),
                    source="pos", at=datetime.now(UTC))  # fmt: skip
        out.append(time.perf_counter() - t0)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url = database(args.backend, args.items, Path(tmp))
        engine = make_engine(url)
        with engine.connect() as conn:
            items = [f"{s}@{loc}" for s, loc in conn.execute(select(ItemRow.sku, ItemRow.location))]
        add_user(engine, "bench", "bench-password", role="planner")
        token = create_token(engine, "bench", name="bench")
        took = time.perf_counter() - t0
        print(f"{args.backend}: demo database of {len(items):,} items in {took:.0f} s")
        port = free_port()
        server = start_server(url, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            rates = bulk(base, token, items, args.batches, args.batch)
            seq = sequential(base, token, items, 300)
            print(
                f"bulk /api/signals/bulk, {args.batch:,} signals a batch: median "
                f"{statistics.median(rates):,.0f} signals/s (min {min(rates):,.0f}); one request "
                f"per signal, back to back: {seq:,.0f} signals/s; ratio "
                f"{statistics.median(rates) / seq:,.1f}x"
            )
            lat, ordered, errors = asyncio.run(
                open_loop(base, token, items, args.rate, args.seconds)
            )
            print(
                f"single /api/signals at {args.rate:.0f} req/s for {args.seconds:.0f} s "
                f"({len(lat):,} requests, {ordered} handed to the background trigger, "
                f"{errors} errors): "
                f"p50 {pct(lat, 0.5) * 1000:.1f} ms, p99 {pct(lat, 0.99) * 1000:.1f} ms, "
                f"max {max(lat) * 1000:.1f} ms"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        base_lat = direct(url, items, 500)
        print(
            f"baseline post_signal without HTTP (500 signals): p50 "
            f"{pct(base_lat, 0.5) * 1000:.1f} ms, p99 {pct(base_lat, 0.99) * 1000:.1f} ms"
        )
        engine.dispose()
        if args.backend == "postgresql":
            drop_database(url)
    return 0


def drop_database(url: str) -> None:
    """Remove the benchmark's scratch PostgreSQL database."""
    admin = os.environ.get(
        "TAKT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1/postgres"
    )
    eng = make_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    eng.dispose()


if __name__ == "__main__":
    sys.exit(main())
