"""Results: one JSON file per benchmark and run, and the Markdown tables.

``bench/results/<date>-<name>.json`` keeps everything a run measured. The tables in
``bench/results/latest.md`` and between the markers in ``bench/README.md`` are
rendered from the newest JSON of each benchmark, with the machine they ran on.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from bench.env import BENCH_DIR, RESULTS_DIR

START, END = "<!-- bench:table:start -->", "<!-- bench:table:end -->"
ORDER = (
    "ceiling",
    "checkout",
    "inprocess",
    "flash",
    "catalog",
    "ledger",
    "settlement",
    "lighthouse",
)


def save(name: str, payload: dict) -> str:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS_DIR / f"{now:%Y-%m-%d}-{name}.json"
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    return str(path)


def latest() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(RESULTS_DIR.glob("*.json")):
        name = path.stem.split("-", 3)[-1]
        found[name] = json.loads(path.read_text())
    return found


def _f(value, digits=0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _ceiling(r) -> list[str]:
    lines = ["| clients | " + " | ".join(str(x["clients"]) for x in r["rows"]) + " |"]
    lines.append("|---" * (len(r["rows"]) + 1) + "|")
    lines.append("| orders/s | " + " | ".join(_f(x["tps"]) for x in r["rows"]) + " |")
    drift = r.get("drift", {})
    note = "none" if not any(drift.values()) else json.dumps(drift, ensure_ascii=False)
    return [
        f"**Ceiling** (pgbench `-M simple`, `{r['script']}`, "
        f"{r['seconds_per_run']} s per run; script drift: {note})",
        "",
        *lines,
    ]


def _checkout(r) -> list[str]:
    lines = [
        f"**Order placement over HTTP** (gunicorn {r['gunicorn_workers']} workers, "
        f"Celery worker, {r['cart']}; {r['seconds_per_run']} s per run)",
        "",
        "| clients | orders/s | p50 ms | p95 ms | p99 ms | errors | ceiling orders/s"
        " | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for x in r["rows"]:
        lines.append(
            f"| {x['clients']} | {_f(x['orders_per_s'], 1)} | {_f(x['p50_ms'])} | "
            f"{_f(x['p95_ms'])} | {_f(x['p99_ms'])} | {x['errors']} | "
            f"{_f(x['ceiling_tps'])} | {x['ratio']:.0%} |"
        )
    rows = [x for x in r["rows"] if "cpu_ms_per_request" in x]
    if rows:
        parts = list(rows[0]["cpu_ms_per_request"])
        lines += [
            "",
            "CPU per request, ms (user + system, median of the runs), by process:",
            "",
            "| clients | " + " | ".join(parts) + " | total |",
            "|---" * (len(parts) + 2) + "|",
        ]
        for x in rows:
            cpu = x["cpu_ms_per_request"]
            lines.append(
                f"| {x['clients']} | "
                + " | ".join(_f(cpu[p], 1) for p in parts)
                + f" | {_f(sum(cpu.values()), 1)} |"
            )
    return lines


def _inprocess(r) -> list[str]:
    lines = [
        f"**In-process `place_order`**: {_f(r['orders_per_s'], 1)} orders/s "
        f"(pgbench at 1 client beside it: {_f(r['ceiling_tps_1_client'])}, ratio "
        f"{r['ratio']:.0%})",
        "",
        "| lines | order transaction | payment start | sandbox provider | "
        "BEGIN/COMMIT/SAVEPOINT | total statements |",
        "|---|---|---|---|---|---|",
    ]
    for q in r["queries"]:
        lines.append(
            f"| {q['lines']} | {q['order_transaction']} | {q['payment_start']} | "
            f"{q['sandbox_provider']} | {q['transaction_control']} | {q['total']} |"
        )
    q = r["request_queries"]
    lines.append(
        f"| whole HTTP request, {q['lines']} lines | {q['order_transaction']} | "
        f"{q['payment_start']} | {q['sandbox_provider']} | "
        f"{q['transaction_control']} | {q['total']} |"
    )
    return lines


def _flash(r) -> list[str]:
    return [
        f"**Flash sale** ({r['buyers']} buyers, {r['units']} units, "
        f"gunicorn {r['gunicorn_workers']} workers)",
        "",
        "| sold (each run) | sell-out s | all answered s | p99 ms | 5xx "
        "| other errors |",
        "|---|---|---|---|---|---|",
        f"| {', '.join(str(s) for s in r['sold'])} | {_f(r['sell_out_s'], 2)} | "
        f"{_f(r['all_answered_s'], 2)} | {_f(r['p99_ms'])} | "
        f"{r['server_errors_5xx']} | {r['other_errors']} |",
    ]


def _catalog(r) -> list[str]:
    lines = [
        f"**Catalog reads** ({r['clients']} clients, {r['seconds_per_run']} s per run, "
        f"gunicorn {r['gunicorn_workers']} workers)",
        "",
        "| endpoint | req/s | p50 ms | p99 ms | errors | vs hello |",
        "|---|---|---|---|---|---|",
    ]
    for x in r["rows"]:
        lines.append(
            f"| {x['endpoint']} | {_f(x['req_per_s'])} | {_f(x['p50_ms'], 1)} | "
            f"{_f(x['p99_ms'], 1)} | {x['errors']} | {x['ratio_to_hello']:.0%} |"
        )
    return lines


def _ledger(r) -> list[str]:
    return [
        f"**`ledger_check`** over {r['postings']:,} postings (generated in "
        f"{r['generate_seconds']} s): {_f(r['seconds'], 1)} s, peak RSS "
        f"{_f(r['peak_rss_mb'])} MB ({r['memory_by']})",
    ]


def _settlement(r) -> list[str]:
    d, c = r["delivery"], r["ledger_check"]
    return [
        f"**Settlement of {r['vendor_orders']:,} due vendor orders** ({r['vendors']} "
        f"vendors, batches of {r['batch_size']:,}, `settle_due_vendor_orders_task` in "
        f"its own process; fixture generated set-based in {r['generate_seconds']} s)",
        "",
        "| settled | seconds | entries/s | postings | outbox rows | peak RSS MB |",
        "|---|---|---|---|---|---|",
        f"| {r['settled']:,} | {_f(r['seconds'], 1)} | {_f(r['entries_per_second'])} | "
        f"{r['postings']:,} | {r['outbox_rows']:,} | {_f(r['peak_rss_mb'])} |",
        "",
        f"Delivery to the sandbox (`deliver_outbox_messages_task`, measured on a "
        f"sample of {d['sample']:,}): {_f(d['seconds'], 1)} s, "
        f"{_f(d['per_second'], 1)} messages/s, peak RSS {_f(d['peak_rss_mb'])} MB; "
        f"all {r['outbox_rows']:,} at that rate, one process: about "
        f"{_f(d['extrapolated_seconds_all'])} s (extrapolated, not measured). "
        f"`ledger_check` afterwards: {'passed' if c['passed'] else 'FAILED'} "
        f"({_f(c['seconds'], 1)} s).",
    ]


def _lighthouse(r) -> list[str]:
    lines = [
        f"**Lighthouse {r['lighthouse']}, mobile** ({r['chromium']}, Node {r['node']}; "
        f"{r['throttling']}; median of {r['runs_per_page']} runs per page; "
        f"{r['settings']}). Reproduce: `{r['command']}`",
        "",
        "| page | path | performance | accessibility | best practices | SEO "
        "| FCP ms | LCP ms | TBT ms | CLS |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in r["pages"]:
        m, x = p["median"], p["metrics"]
        lines.append(
            f"| {p['page']} | `{p['path']}` | {_f(m['performance'])} | "
            f"{_f(m['accessibility'])} | {_f(m['best-practices'])} | {_f(m['seo'])} | "
            f"{_f(x['first-contentful-paint'])} | "
            f"{_f(x['largest-contentful-paint'])} | "
            f"{_f(x['total-blocking-time'])} | {_f(x['cumulative-layout-shift'], 3)} |"
        )
    misses = []
    for p in r["pages"]:
        for cid, rows in p["missed"].items():
            failed = [x["id"] for x in rows if x["weight"] and (x["score"] or 0) < 0.9]
            if failed:
                misses.append(f"{p['page']} {cid}: {', '.join(failed)}")
    lines += [
        "",
        "Audits failing in the median run: " + ("; ".join(misses) or "none") + ".",
    ]
    return lines


RENDER = {
    "ceiling": _ceiling,
    "checkout": _checkout,
    "inprocess": _inprocess,
    "flash": _flash,
    "catalog": _catalog,
    "ledger": _ledger,
    "settlement": _settlement,
    "lighthouse": _lighthouse,
}


def render() -> str:
    found = latest()
    if not found:
        return "No results yet: run `make bench`."
    newest = max(found.values(), key=lambda r: r["date"])
    m = newest["machine"]
    out = [
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB; "
        f"Python {m['python']}, Django {m['django']}, PostgreSQL {m['postgresql']}, "
        f"psycopg {m['psycopg']}, gunicorn {m['gunicorn']}, Celery {m['celery']}. "
        "Every figure is the median of the runs listed in the JSON.",
        "",
    ]
    for name in ORDER:
        if name in found:
            r = found[name]
            out += [
                *RENDER[name](r["result"]),
                "",
                f"<sub>{r['date']}, {r['repeats']} runs"
                f"{', quick' if r.get('quick') else ''}; data: "
                f"{r['dataset']}</sub>",
                "",
            ]
    return "\n".join(out)


def update_tables() -> None:
    table = render()
    (RESULTS_DIR / "latest.md").write_text("# Latest benchmark results\n\n" + table)
    readme = BENCH_DIR / "README.md"
    if readme.exists():
        text = readme.read_text()
        pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
        if pattern.search(text):
            replacement = f"{START}\n{table}\n{END}"
            readme.write_text(pattern.sub(lambda _m: replacement, text))
