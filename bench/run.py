"""``python -m bench.run [name ...] [--quick]``: build the bench database, run, report.

Names: ceiling, checkout, inprocess, flash, catalog, ledger (default: all, in that
order; ledger last, as it adds a million postings), settlement (only when named: it
generates 100,000 settled vendor orders of its own; not yet run at full size through
the harness, see bench/README.md) and
lighthouse (only when named: it needs Node, ``npm ci --prefix bench/lighthouse`` and
Chromium, and builds its own demo database rather than the bench data set). Each run
recreates its own database (``BENCH_DATABASE_URL``), writes
``bench/results/<date>-<name>.json`` and refreshes ``bench/results/latest.md`` and
the table in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from bench import env

NAMES = (
    "ceiling",
    "checkout",
    "inprocess",
    "flash",
    "catalog",
    "ledger",
    "settlement",
    "lighthouse",
)
# settlement and lighthouse run when named (their own large data set; Node, npm,
# Chromium)
DEFAULT = tuple(n for n in NAMES if n not in ("settlement", "lighthouse"))
OWN_DATA = {"lighthouse"}  # benchmarks that load their own database


class Context:
    """What every benchmark gets: repeats, durations, a logger."""

    def __init__(self, *, quick: bool, repeats: int, reuse_db: bool = False):
        self.quick = quick
        self.repeats = repeats
        self.reuse_db = reuse_db
        self.started = time.monotonic()

    def seconds(self, full: float) -> float:
        """The duration of one measured run: ``full``, or a third of it with --quick."""
        return round(max(2.0, full / 3), 1) if self.quick else full

    def clients(self, levels: tuple[int, ...]) -> tuple[int, ...]:
        return levels

    def log(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[bench {elapsed:6.0f}s] {message}", flush=True)


def _runner(name: str):
    from bench import catalog, ceiling, checkout, flash, ledger, lighthouse, settlement

    return {
        "ceiling": ceiling.run,
        "checkout": checkout.run_http,
        "inprocess": checkout.run_inprocess,
        "flash": flash.run,
        "catalog": catalog.run,
        "ledger": ledger.run,
        "settlement": settlement.run,
        "lighthouse": lambda ctx: lighthouse.run(ctx, reuse_db=ctx.reuse_db),
    }[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"any of {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true", help="smaller data, short runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (>= 3)")
    parser.add_argument(
        "--reuse-db", action="store_true", help="skip rebuilding the database (dev)"
    )
    args = parser.parse_args(argv)
    names = args.names or list(DEFAULT)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    if args.repeats < 3:
        parser.error("every figure is a median of at least 3 runs: --repeats >= 3")
    env.check_tools(names)
    env.setup_django()

    from bench import data, results

    ctx = Context(quick=args.quick, repeats=args.repeats, reuse_db=args.reuse_db)
    machine = env.machine()
    if all(name in OWN_DATA for name in names):
        dataset = {"demo": "seed_demo, in the benchmark's own database"}
    elif args.reuse_db:
        dataset = {**data.counts(), "seconds": 0}
    else:
        ctx.log(f"building {env.database().name} ({'quick' if args.quick else 'full'})")
        dataset = data.build(quick=args.quick).as_dict()
    ctx.log(f"data: {dataset}")
    for name in names:
        ctx.log(f"{name}: start")
        result = _runner(name)(ctx)
        path = results.save(
            name,
            {
                "name": name,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "quick": args.quick,
                "repeats": result.get("runs_per_page", args.repeats),
                "machine": machine,
                "dataset": dataset,
                "result": result,
            },
        )
        results.update_tables()
        ctx.log(f"{name}: written {path}")
    print(results.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
