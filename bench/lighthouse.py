"""Lighthouse scores of the store's home, search and product pages on mobile (issue 6).

The demo store is served the way production serves it: ``bench_lighthouse`` (its
own database, dropped and recreated) is migrated and loaded with ``seed_demo`` under
the base settings (the demo refuses the production settings, as it should), then
``collectstatic`` and gunicorn run ``marketplace.settings.production`` against it,
with ``DJANGO_SECURE_SSL_REDIRECT=false`` (loopback HTTP) and ``SERVE_MEDIA=true``
(so the product images load; production puts a web server in front of the media).

Lighthouse is the npm package pinned in ``bench/lighthouse/package-lock.json``
(``npm ci --prefix bench/lighthouse``), run by Node with Debian's Chromium
(``CHROMIUM_PATH``, default ``/usr/bin/chromium``), mobile form factor with the
default simulated throttling. Each page is audited ``RUNS`` times; every category's
figure is the median of its scores. The full reports stay in the data directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from bench import servers
from bench.env import BENCH_DIR, ROOT, VENV_BIN, Database, MissingTool, data_dir
from bench.stats import median

RUNS = 5
ATTEMPTS = 3
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_lighthouse"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
PACKAGE_DIR = BENCH_DIR / "lighthouse"
CLI = PACKAGE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {
    "first-contentful-paint": "FCP ms",
    "largest-contentful-paint": "LCP ms",
    "total-blocking-time": "TBT ms",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI ms",
}
PAGES = {"home": "/", "search 茶": "/search/?q=茶", "product": None}
# Headless Chromium on this machine: no sandbox (containers), no GPU, and nothing
# that phones home (background networking, component updates, sync, QUIC), which
# would otherwise fill the log with refused connections.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
COMMAND = "npm ci --prefix bench/lighthouse && .venv/bin/python -m bench.run lighthouse"


def database() -> Database:
    return Database(
        os.environ.get("BENCH_LIGHTHOUSE_DATABASE_URL", DEFAULT_DATABASE_URL)
    )


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def node() -> str:
    found = shutil.which("node")
    if not found:
        raise MissingTool("bench: lighthouse needs Node (>= 18.16) on PATH.")
    return found


def check_tools() -> None:
    """Stop with what to install when Node, the Lighthouse package or Chromium is
    missing."""
    node()
    if not CLI.exists():
        raise MissingTool(
            "bench: the lighthouse npm package is not installed; run "
            "`npm ci --prefix bench/lighthouse`."
        )
    if not os.access(chromium_path(), os.X_OK):
        raise MissingTool(
            f"bench: no Chromium at {chromium_path()}; `apt-get install -y chromium` "
            "or set CHROMIUM_PATH."
        )


def _dir() -> Path:
    path = data_dir() / "lighthouse"
    (path / "reports").mkdir(parents=True, exist_ok=True)
    return path


def store_env(settings: str) -> dict[str, str]:
    """The environment of the store's processes: production unless told otherwise."""
    here = _dir()
    return {
        "DJANGO_SETTINGS_MODULE": settings,
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 50,
        "DATABASE_URL": database().url,
        "REDIS_URL": os.environ.get("BENCH_LIGHTHOUSE_REDIS_URL", DEFAULT_REDIS_URL),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "SERVE_MEDIA": "true",
        "DATA_DIR": str(here / "data"),
        "STATIC_ROOT": str(here / "static"),
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "PYTHONPATH": str(ROOT),
    }


def _manage(*args: str, settings: str) -> None:
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **store_env(settings)},
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(ctx, *, reuse_db: bool = False) -> None:
    """Recreate and load the demo database, flush the cache, collect static files."""
    from bench.data import recreate_database

    if not reuse_db:
        ctx.log(f"lighthouse: recreating {database().name} and loading the demo")
        recreate_database(database())
        # seed_demo refuses the production settings; same database, base settings.
        _manage("migrate", "--noinput", settings="marketplace.settings.base")
        _manage("seed_demo", settings="marketplace.settings.base")
    import redis

    redis.Redis.from_url(store_env("")["REDIS_URL"]).flushdb()
    shutil.rmtree(_dir() / "static", ignore_errors=True)
    _manage("collectstatic", "--noinput", settings="marketplace.settings.production")


def product_path(base: str) -> str:
    """The first product linked from the home page."""
    html = httpx.get(f"{base}/", timeout=30).text
    found = re.search(r'href="(/products/\d+/)"', html)
    if not found:
        raise RuntimeError("lighthouse: no product link on the home page")
    return found.group(1)


def audit(url: str, output: Path) -> dict:
    """One Lighthouse run; return its report (the LHR).

    On a loaded machine Chromium now and then loses the trace (``NO_NAVSTART``,
    ``PROTOCOL_TIMEOUT``); such a run is retried, up to ``ATTEMPTS`` times, and the
    retries are counted in the report (``bench_attempts``).
    """
    for attempt in range(1, ATTEMPTS + 1):
        output.unlink(missing_ok=True)
        done = subprocess.run(
            [
                node(),
                str(CLI),
                url,
                "--output=json",
                f"--output-path={output}",
                "--quiet",
                f"--chrome-path={chromium_path()}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--form-factor=mobile",
                f"--only-categories={','.join(CATEGORIES)}",
            ],
            cwd=ROOT,
            check=False,
            timeout=300,
        )
        if done.returncode == 0 and output.exists():
            lhr = json.loads(output.read_text())
            if not lhr.get("runtimeError"):
                lhr["bench_attempts"] = attempt
                return lhr
    raise RuntimeError(f"lighthouse: {url} failed {ATTEMPTS} times; see {output}")


def _score(value) -> int | None:
    return None if value is None else round(value * 100)


def missed(lhr: dict) -> dict[str, list[dict]]:
    """Per category, the scored audits that did not pass, heaviest first."""
    out: dict[str, list[dict]] = {}
    for cid in CATEGORIES:
        rows = []
        for ref in lhr["categories"][cid]["auditRefs"]:
            result = lhr["audits"][ref["id"]]
            mode = result.get("scoreDisplayMode")
            if mode in ("notApplicable", "manual", "informative"):
                continue
            score = result.get("score")
            if score is not None and score >= 1:
                continue
            rows.append(
                {
                    "id": ref["id"],
                    "title": result.get("title"),
                    "score": score,
                    "weight": ref["weight"],
                    "display": result.get("displayValue", ""),
                }
            )
        rows.sort(key=lambda r: (-r["weight"], r["score"] or 0))
        out[cid] = rows
    return out


def summarise(name: str, path: str, reports: list[dict], files: list[str]) -> dict:
    scores = {
        cid: [_score(r["categories"][cid]["score"]) for r in reports]
        for cid in CATEGORIES
    }
    metrics = {
        key: [r["audits"][key].get("numericValue") for r in reports] for key in METRICS
    }
    perf = scores["performance"]
    # The run whose performance score is the median one: its audits explain it.
    middle = sorted(range(len(perf)), key=lambda i: perf[i] or 0)[len(perf) // 2]
    return {
        "page": name,
        "path": path,
        "median": {
            cid: median([s for s in v if s is not None]) for cid, v in scores.items()
        },
        "runs": scores,
        "metrics": {
            key: median([v for v in vals if v is not None])
            for key, vals in metrics.items()
        },
        "median_run": files[middle],
        "missed": missed(reports[middle]),
        "run_warnings": sorted({w for r in reports for w in r.get("runWarnings", [])}),
        "retries": sum(r["bench_attempts"] - 1 for r in reports),
        "benchmark_index": median(
            [r["environment"]["benchmarkIndex"] for r in reports]
        ),
    }


def chromium_version() -> str:
    return subprocess.run(
        [chromium_path(), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()


def lighthouse_version() -> str:
    package = CLI.parent.parent / "package.json"
    return json.loads(package.read_text())["version"]


def run(ctx, *, reuse_db: bool = False) -> dict:
    check_tools()
    prepare(ctx, reuse_db=reuse_db)
    runs = max(RUNS, ctx.repeats)
    reports_dir = _dir() / "reports"
    pages = []
    env = store_env("marketplace.settings.production")
    with servers.gunicorn(env, ready="/") as base:
        paths = {name: path or product_path(base) for name, path in PAGES.items()}
        for name, path in paths.items():
            reports, files = [], []
            slug = re.sub(r"\W+", "-", name.split()[0])
            for i in range(runs):
                output = reports_dir / f"{slug}-{i + 1}.json"
                reports.append(audit(base + path, output))
                files.append(str(output))
                r = reports[-1]["categories"]
                ctx.log(
                    f"lighthouse {name} run {i + 1}/{runs}: "
                    + ", ".join(f"{c} {_score(r[c]['score'])}" for c in CATEGORIES)
                )
            pages.append(summarise(name, path, reports, files))
    return {
        "lighthouse": lighthouse_version(),
        "node": subprocess.run(
            [node(), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "chromium": chromium_version(),
        "chrome_flags": CHROME_FLAGS,
        "form_factor": "mobile",
        "throttling": "Lighthouse default for mobile (simulated: slow 4G, 4x CPU)",
        "runs_per_page": runs,
        "settings": "marketplace.settings.production, DJANGO_SECURE_SSL_REDIRECT="
        "false, SERVE_MEDIA=true, gunicorn "
        f"{servers.gunicorn_workers()} workers, loopback HTTP",
        "load_average": os.getloadavg(),
        "command": COMMAND,
        "python": sys.version.split()[0],
        "pages": pages,
    }
