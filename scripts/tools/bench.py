#!/usr/bin/env python3
"""End-to-end throughput of the reference service against its baselines, in one run (./scripts/bench.sh runs this).

Servers, one at a time, each started fresh on an empty database:
  bare              Hummingbird 2 alone (Benchmarks/bare-hummingbird): what the framework costs
  lookout-off       backend, metrics off, no Sentry (the SLA recorder is part of the service and stays on)
  lookout-metrics   backend, metrics on
  lookout-deployed  backend as deployed: metrics, SLA, Sentry (DSN on a closed local port, traces rate unset as in the stack; before 2026-12-02: 0 %), logs at warning
  lookout-info      the same with request logs at info, in JSON (as the Swarm stack writes them)
  lookout-scraped   as deployed, with /metrics scraped every second while wrk runs (Prometheus scrapes every 15 s:
                    this is fifteen times harsher), to show what a scrape does to the p99 of the requests around it
  fastapi-1         FastAPI + prometheus-fastapi-instrumentator + sentry-sdk (Benchmarks/fastapi), 1 uvicorn worker
  fastapi-2         the same, 2 workers with PROMETHEUS_MULTIPROC_DIR
  lookout-nocache   as deployed, with LOOKOUT_STATUS_CACHE_SECONDS=0: every status request computes its report (the
                    status routes only: what a computation costs)
  lookout-syncnormal as deployed, with LOOKOUT_SQLITE_SYNCHRONOUS=normal: what syncing every commit (the default, full)
                    costs the writes
  lookout-prometheus as deployed with several replicas: two backends scraped every second by a real Prometheus loaded
                    with the shipped deploy/prometheus/rules/lookout-slo.rules.yml, LOOKOUT_SLA_PROMETHEUS_URL set, so
                    /sla/status and /status read the recorded sums (two instant queries per window, whatever the history)
                    (the status routes /sla/status and /status only; Prometheus's own CPU is printed, not counted)
  lookout-prometheus-nocache the same with LOOKOUT_STATUS_CACHE_SECONDS=0: what one computation from Prometheus costs
wrk is one client: every Lookout server runs with the status routes' per-client limit off (LOOKOUT_RATE_LIMIT_STATUS),
or the runs would measure 429s after the first 120 requests.
Routes: GET /health, GET /api/v1/me (bearer token, one database read), GET /api/v1/unknown-route (404) and
POST /api/v1/generations (credits taken and a job queued in one transaction). On request (--routes), the public status
routes GET /sla/status, GET /status and GET /sla/report (this month), with --history-days of SLA history written into
the server's database first (four objectives, every minute; minutes and hours for the last 35 days as the service
keeps them, days for all): issue #20's "cost flat in history length" is two runs, --history-days 7 and 365.

For each server and route: a warm-up, then `wrk -t2 -c64 --latency`; the server's CPU time (its process tree, from
/proc) over the measured run divided by the requests gives the CPU per request. With --rounds N every server runs N
times, the rounds alternating, and the median is reported. Ratios compare rows of this run only: the machine's noise
between runs (about ±15 %) is larger than most differences worth knowing.

Prints Markdown. --report FILE replaces the section between the bench markers in FILE; --svg FILE draws the req/s.
"""
import argparse
import datetime
import random
import sqlite3
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROUTES = {
    "health": ("GET", "/health"),
    "me": ("GET", "/api/v1/me"),
    "unknown": ("GET", "/api/v1/unknown-route"),
    "generate": ("POST", "/api/v1/generations"),
    "sla-status": ("GET", "/sla/status"),
    "status": ("GET", "/status"),
    "sla-report": ("GET", "/sla/report?month=" + datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")),
}
DEFAULT_ROUTES = ["health", "me", "unknown", "generate"]
STATUS_ROUTES = ["sla-status", "status", "sla-report"]
ROUTE_TITLES = {
    "health": "GET /health",
    "me": "GET /api/v1/me",
    "unknown": "GET unknown route (404)",
    "generate": "POST /api/v1/generations",
    "sla-status": "GET /sla/status",
    "status": "GET /status",
    "sla-report": "GET /sla/report (this month)",
}
GENERATION_BODY = '{"prompt":"a lighthouse at dusk","kind":"image"}'
SERVERS = ["bare", "lookout-off", "lookout-metrics", "lookout-deployed", "lookout-info", "lookout-scraped",
           "lookout-nocache", "lookout-syncnormal", "lookout-prometheus", "lookout-prometheus-nocache", "fastapi-1", "fastapi-2"]
PROMETHEUS_SERVERS = ["lookout-prometheus", "lookout-prometheus-nocache"]
SERVER_TITLES = {
    "bare": "bare Hummingbird 2",
    "lookout-off": "Lookout, observability off",
    "lookout-metrics": "Lookout, metrics only",
    "lookout-deployed": "Lookout as deployed (metrics, SLA, Sentry at 0 %, logs at warning)",
    "lookout-info": "Lookout as deployed, request logs at info (JSON)",
    "lookout-scraped": "Lookout as deployed, /metrics scraped every second",
    "lookout-nocache": "Lookout as deployed, status reports not cached",
    "lookout-syncnormal": "Lookout as deployed, SQLite synchronous=NORMAL",
    "lookout-prometheus": "Lookout as deployed, 2 replicas, SLA from Prometheus",
    "lookout-prometheus-nocache": "Lookout, 2 replicas, SLA from Prometheus, not cached",
    "fastapi-1": "FastAPI + instrumentator + sentry-sdk, 1 worker",
    "fastapi-2": "FastAPI + instrumentator + sentry-sdk, 2 workers",
}
SVG_TITLES = {
    "bare": "bare Hummingbird 2",
    "lookout-off": "Lookout, observability off",
    "lookout-metrics": "Lookout, metrics only",
    "lookout-deployed": "Lookout as deployed",
    "lookout-info": "Lookout as deployed, logs at info",
    "lookout-scraped": "Lookout as deployed, scraped every second",
    "lookout-nocache": "Lookout, status reports not cached",
    "lookout-syncnormal": "Lookout, synchronous=NORMAL",
    "lookout-prometheus": "Lookout, SLA from Prometheus",
    "lookout-prometheus-nocache": "Lookout, Prometheus, not cached",
    "fastapi-1": "FastAPI stack, 1 worker",
    "fastapi-2": "FastAPI stack, 2 workers",
}
MARK_BEGIN = "<!-- bench.sh:begin (written by ./scripts/bench.sh --report BENCHMARKS.md; edit the script, not this) -->"
MARK_END = "<!-- bench.sh:end -->"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, method="GET", body=None, headers=None):
    data = body.encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as answer:
        return answer.status, answer.read()


class Server:
    """One benchmarked server: started fresh, seeded with a user who has a token and credits, stopped by PID."""

    def __init__(self, name, args, work):
        self.name, self.args, self.work = name, args, work
        self.process = None
        self.companions = []  # the second replica and Prometheus (lookout-prometheus*), stopped with the server
        self.port = None
        self.token = "bench-token-0123456789abcdef"

    def supports(self, route):
        if self.name in PROMETHEUS_SERVERS:
            return route in ("sla-status", "status")
        if route in STATUS_ROUTES:
            return self.name.startswith("lookout")
        return self.name != "lookout-nocache" and (self.name != "bare" or route in ("health", "unknown"))

    def start(self):
        folder = tempfile.mkdtemp(dir=self.work)
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LOOKOUT_", "SENTRY_", "PROMETHEUS_"))}
        log = open(os.path.join(folder, "server.log"), "w")
        if self.name == "bare":
            command = [os.path.join(self.args.bin, "bare-hummingbird"), str(self.port)]
        elif self.name.startswith("lookout"):
            command = [os.path.join(self.args.bin, "backend")]
            env.update({
                "LOOKOUT_HTTP_PORT": str(self.port), "LOOKOUT_DATABASE_URL": f"sqlite://{folder}/db.sqlite",
                "LOOKOUT_WORKER_ENABLED": "false", "LOOKOUT_PROBER_ENABLED": "false", "LOOKOUT_LOG_LEVEL": "warning",
                "LOOKOUT_METRICS_ENABLED": "false" if self.name == "lookout-off" else "true",
                "LOOKOUT_RATE_LIMIT_STATUS": "off",
            })
            if self.name in ("lookout-deployed", "lookout-info", "lookout-scraped", "lookout-nocache", "lookout-syncnormal",
                             *PROMETHEUS_SERVERS):
                # As the Swarm stack runs it: a DSN, the traces rate unset (tracing off, decisions deferred).
                env.update({"SENTRY_DSN": f"http://public@127.0.0.1:{free_port()}/1"})
            if self.name in ("lookout-nocache", "lookout-prometheus-nocache"):
                env["LOOKOUT_STATUS_CACHE_SECONDS"] = "0"
            if self.name in PROMETHEUS_SERVERS:
                prometheus_port = free_port()
                env["LOOKOUT_SLA_PROMETHEUS_URL"] = f"http://127.0.0.1:{prometheus_port}"
            if self.name == "lookout-syncnormal":
                env["LOOKOUT_SQLITE_SYNCHRONOUS"] = "normal"
            if self.name == "lookout-info":
                env.update({"LOOKOUT_LOG_LEVEL": "info", "LOOKOUT_LOG_FORMAT": "json"})  # as the Swarm stack writes them
        else:
            database = os.path.join(folder, "db.sqlite")
            subprocess.run([self.args.python, "app.py", "seed", database, self.token], cwd=self.args.fastapi, check=True)
            workers = self.name.split("-")[1]
            env.update({"BENCH_DATABASE": database, "SENTRY_DSN": f"http://public@127.0.0.1:{free_port()}/1"})
            if workers != "1":
                env["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(folder, "prometheus")
                os.mkdir(env["PROMETHEUS_MULTIPROC_DIR"])
            command = [self.args.python, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(self.port),
                       "--workers", workers, "--log-level", "warning", "--no-access-log"]
        self.process = subprocess.Popen(command, cwd=self.args.fastapi, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                request(self.url("/health"))
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{self.name} did not start; see {log.name}")
                time.sleep(0.1)
        if self.name.startswith("lookout"):
            self.seed_lookout()
            if self.name in PROMETHEUS_SERVERS:
                self.start_replica_and_prometheus(folder, env, prometheus_port)
            elif any(route in STATUS_ROUTES for route in self.args.routes_list):
                fill_sla_history(os.path.join(folder, "db.sqlite"), self.args.history_days)

    def start_replica_and_prometheus(self, folder, env, prometheus_port):
        """A second replica and a Prometheus scraping both every second with the shipped SLO rules, then waits until
        /sla/status answers from Prometheus (the rules have recorded every objective)."""
        replica_folder = os.path.join(folder, "replica")
        os.mkdir(replica_folder)
        replica_port = free_port()
        replica_env = {**env, "LOOKOUT_HTTP_PORT": str(replica_port), "LOOKOUT_DATABASE_URL": f"sqlite://{replica_folder}/db.sqlite"}
        self.companions.append(subprocess.Popen([os.path.join(self.args.bin, "backend")], env=replica_env,
                                                stdout=open(os.path.join(replica_folder, "server.log"), "w"),
                                                stderr=subprocess.STDOUT, start_new_session=True))
        rules = os.path.join(ROOT, "deploy", "prometheus", "rules", "lookout-slo.rules.yml")
        config = os.path.join(folder, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                    f"rule_files: [{json.dumps(rules)}]\n"
                    "scrape_configs:\n  - job_name: lookout-api\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.port}', '127.0.0.1:{replica_port}']\n")
        prometheus = shutil.which("prometheus")
        if not prometheus:
            raise SystemExit("prometheus is not installed (./scripts/bench.sh installs it for lookout-prometheus)")
        self.prometheus = subprocess.Popen(
            [prometheus, f"--config.file={config}", f"--storage.tsdb.path={folder}/tsdb",
             f"--web.listen-address=127.0.0.1:{prometheus_port}"],
            stdout=open(os.path.join(folder, "prometheus.log"), "w"), stderr=subprocess.STDOUT, start_new_session=True)
        self.companions.append(self.prometheus)
        deadline = time.monotonic() + 90
        while True:
            try:
                _, body = request(self.url("/sla/status"))
                status = json.loads(body)
                if status.get("source") == "prometheus" and "source_error" not in status:
                    break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"{self.name}: /sla/status never answered from Prometheus; see {folder}/prometheus.log")
            time.sleep(0.5)
        self.prometheus_cpu_before = self.process_cpu(self.prometheus.pid)
        print(f"    /sla/status answers from Prometheus (2 replicas scraped every second)", file=sys.stderr)

    @staticmethod
    def process_cpu(pid):
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def seed_lookout(self):
        json_header = {"Content-Type": "application/json"}
        account = json.dumps({"email": "bench@example.com", "password": "correct horse battery"})
        request(self.url("/api/v1/users"), "POST", account, json_header)
        _, body = request(self.url("/api/v1/sessions"), "POST", account, json_header)
        self.token = json.loads(body)["token"]
        for key in range(10):  # 10 million credits: a million generations, more than any run submits
            payment = json.dumps({"amount_minor": 1_000_000, "currency": "EUR", "card_token": "tok_visa"})
            request(self.url("/api/v1/payments"), "POST", payment,
                    {**json_header, "Authorization": f"Bearer {self.token}", "Idempotency-Key": f"bench-{key}"})

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def pids(self):
        """The server and its descendants (uvicorn's workers)."""
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = open(f"/proc/{entry}/stat").read()
                except OSError:
                    continue
                parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(parents.get(pid, []))
        return found

    def cpu_seconds(self):
        ticks = 0
        for pid in self.pids():
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self):
        for process in [self.process, *self.companions]:
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def wrk(server, route, duration, args):
    method, path = ROUTES[route]
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration}", "--latency",
               "-H", f"Authorization: Bearer {server.token}"]
    if method == "POST":
        command += ["-s", args.post_script]
    command.append(server.url(path))
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def parse_wrk(text):
    def ms(value):
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50": ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1)),
        "p99": ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def fill_sla_history(database, days):
    """Writes `days` of SLA history for the four objectives, every minute 20 events (5 % of minutes with one bad),
    as the service keeps it: minute and hour buckets for the last 35 days, day buckets for all (SLARollup.Retention)."""
    now = int(time.time() // 60)
    chance = random.Random(20)
    minutes, hours, days_rows = [], {}, {}
    for objective in ("availability", "request_availability", "error_rate", "latency"):
        for minute in range(now - days * 1440, now):
            good = 20 - (1 if chance.random() < 0.05 else 0)
            if minute >= now - 35 * 1440:
                minutes.append((objective, minute, good, 20))
                hour = hours.setdefault((objective, minute // 60), [0, 0])
                hour[0], hour[1] = hour[0] + good, hour[1] + 20
            day = days_rows.setdefault((objective, minute // 1440), [0, 0])
            day[0], day[1] = day[0] + good, day[1] + 20
    connection = sqlite3.connect(database, timeout=30)
    with connection:
        for table, column, rows in (("sla_minutes", "minute", minutes),
                                    ("sla_hours", "hour", [(o, b, g, t) for (o, b), (g, t) in hours.items()]),
                                    ("sla_days", "day", [(o, b, g, t) for (o, b), (g, t) in days_rows.items()])):
            connection.executemany(
                f"INSERT INTO {table} (objective, {column}, good, total) VALUES (?, ?, ?, ?) ON CONFLICT (objective, {column}) "
                "DO UPDATE SET good = good + excluded.good, total = total + excluded.total", rows)
    connection.close()
    print(f"    {days} days of SLA history written ({len(minutes):,} minute buckets)", file=sys.stderr)


class Scraper(threading.Thread):
    """Scrapes /metrics every second until stopped; keeps how long each scrape took and how large it was."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.stopped, self.seconds, self.sizes = server, threading.Event(), [], []

    def run(self):
        while not self.stopped.wait(1.0):
            started = time.monotonic()
            _, body = request(self.server.url("/metrics"))
            self.seconds.append(time.monotonic() - started)
            self.sizes.append(len(body))


def measure(server, route, args):
    scraper = Scraper(server) if server.name == "lookout-scraped" else None
    if scraper:
        scraper.start()
    try:
        wrk(server, route, args.warmup, args)
        before = server.cpu_seconds()
        result = parse_wrk(wrk(server, route, args.duration, args))
        result["cpu_us"] = (server.cpu_seconds() - before) * 1e6 / max(1, result["requests"])
    finally:
        if scraper:
            scraper.stopped.set()
            scraper.join()
    if server.name in PROMETHEUS_SERVERS:
        spent = server.process_cpu(server.prometheus.pid) - server.prometheus_cpu_before
        server.prometheus_cpu_before += spent
        source = json.loads(request(server.url("/sla/status"))[1]).get("source")
        print(f"    Prometheus: {spent:.1f} CPU seconds over this route (its scrapes, rules and queries); "
              f"/sla/status answers from {source}", file=sys.stderr)
        if source != "prometheus":
            raise SystemExit(f"{server.name}: /sla/status fell back to its own figures during the run; the numbers are not the Prometheus source's")
    if scraper and scraper.seconds:
        print(f"    {len(scraper.seconds)} scrapes of {max(scraper.sizes):,} bytes, "
              f"slowest {max(scraper.seconds) * 1000:.1f} ms under load", file=sys.stderr)
    return result


def median_of(rounds):
    keys = ["rps", "p50", "p99", "cpu_us", "non2xx", "requests"]
    return {key: statistics.median(r[key] for r in rounds) for key in keys} | {"rounds": len(rounds)}


def ratio(results, route, top, bottom, key="rps"):
    a, b = results.get((top, route)), results.get((bottom, route))
    return a[key] / b[key] if a and b and b[key] else None


GOALS = [
    # (what, route(s), numerator, denominator, key, goal, direction)
    ("deployed / off", ["health", "me", "unknown", "generate"], "lookout-deployed", "lookout-off", "rps", 0.95, ">="),
    ("deployed / off, p99", ["health", "me", "unknown", "generate"], "lookout-deployed", "lookout-off", "p99", 1.10, "<="),
    ("logs at info / off", ["health", "me", "unknown", "generate"], "lookout-info", "lookout-off", "rps", 0.90, ">="),
    ("scraped every second / deployed, p99", ["health", "me", "unknown", "generate"], "lookout-scraped",
     "lookout-deployed", "p99", 1.05, "<="),
    ("off / bare Hummingbird", ["health"], "lookout-off", "bare", "rps", 0.90, ">="),
    ("deployed / FastAPI, 1 worker", ["me"], "lookout-deployed", "fastapi-1", "rps", 15, ">="),
    ("deployed / FastAPI, 2 workers", ["me"], "lookout-deployed", "fastapi-2", "rps", 8, ">="),
]


def markdown(results, servers, routes, args, started):
    lines = []
    machine = f"{os.cpu_count()} CPUs, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, " \
              f"{platform.system()} {platform.release()}"
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    lines += [f"**Date:** {started:%Y-%m-%d %H:%M} UTC. **Machine:** {machine}; {swift[0] if swift else 'swift ?'}; "
              f"{subprocess.run(['wrk', '--version'], capture_output=True, text=True).stdout.split(' [')[0].strip()}.",
              "",
              f"**Command:** `./scripts/bench.sh{''.join(' ' + a for a in args.command_line)}` "
              f"(wrk -t{args.threads} -c{args.connections}, {args.warmup} warm-up, {args.duration} measured, "
              f"{args.rounds} round(s), median; server and wrk share the machine's cores).", ""]
    for route in routes:
        lines += [f"**{ROUTE_TITLES[route]}**", "",
                  "| server | req/s | p50 ms | p99 ms | server CPU µs/request | non-2xx |", "|---|---:|---:|---:|---:|---:|"]
        for server in servers:
            r = results.get((server, route))
            if r is None:
                continue
            lines.append(f"| {SERVER_TITLES[server]} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                         f"{r['cpu_us']:.0f} | {r['non2xx']:.0f} of {r['requests']:.0f} |")
        lines.append("")
    lines += ["**Goals** (issue #15; ratios inside this run)", "", "| ratio | route | value | goal | met |",
              "|---|---|---:|---:|---|"]
    for what, goal_routes, top, bottom, key, goal, direction in GOALS:
        for route in goal_routes:
            value = ratio(results, route, top, bottom, key)
            if value is None:
                continue
            met = value >= goal if direction == ">=" else value <= goal
            lines.append(f"| {what} | {ROUTE_TITLES[route]} | {value:.2f} | {direction} {goal:g} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def svg(results, servers, routes):
    """Horizontal bars, one panel per route, each scaled to its fastest server, labelled with req/s."""
    colours = {"bare": "#9e9e9e", "lookout-off": "#1f77b4", "lookout-metrics": "#4a9bd6", "lookout-deployed": "#0b4f8a",
               "lookout-info": "#6baed6", "lookout-scraped": "#08306b", "lookout-nocache": "#9ecae1", "lookout-syncnormal": "#c6dbef",
               "lookout-prometheus": "#2ca02c", "lookout-prometheus-nocache": "#98df8a", "fastapi-1": "#d62728", "fastapi-2": "#ff7f0e"}
    bar, gap, label_width, width = 16, 4, 230, 700
    y, parts = 10, []
    for route in routes:
        rows = [(s, results[(s, route)]["rps"]) for s in servers if (s, route) in results]
        if not rows:
            continue
        top = max(v for _, v in rows)
        parts.append(f'<text x="0" y="{y + 12}" font-weight="bold">{ROUTE_TITLES[route]} (req/s)</text>')
        y += 20
        for server, value in rows:
            length = (width - label_width - 70) * value / top
            parts.append(f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">{SVG_TITLES[server]}</text>')
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{colours[server]}"/>')
            parts.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 12}">{value:,.0f}</text>')
            y += bar + gap
        y += 12
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" font-family="sans-serif" '
            f'font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(parts) + "\n</svg>\n")


def write_report(path, text):
    content = open(path).read()
    begin, end = content.find(MARK_BEGIN), content.find(MARK_END)
    if begin < 0 or end < 0:
        raise SystemExit(f"{path} has no bench markers; add the two lines\n{MARK_BEGIN}\n{MARK_END}")
    open(path, "w").write(content[:begin] + MARK_BEGIN + "\n" + text + content[end:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="folder with the release backend and bare-hummingbird")
    parser.add_argument("--python", required=True, help="a python with fastapi, uvicorn, the instrumentator and sentry-sdk")
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--routes", default=",".join(DEFAULT_ROUTES), help=f"default {','.join(DEFAULT_ROUTES)}; also "
                        f"{','.join(STATUS_ROUTES)}")
    parser.add_argument("--history-days", type=int, default=90, help="SLA history written before the status routes run")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--duration", default="8s")
    parser.add_argument("--warmup", default="3s")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--report", help="Markdown file whose bench section is replaced")
    parser.add_argument("--svg", help="where to draw the req/s chart")
    parser.add_argument("--json", help="where to write the raw medians")
    args = parser.parse_args()
    # How ./scripts/bench.sh was called, for the report (it passes --bin and --python itself).
    args.command_line = os.environ.get("BENCH_ARGS", "").split()
    args.fastapi = os.path.join(ROOT, "Benchmarks", "fastapi")
    servers = [s for s in args.servers.split(",") if s]
    routes = [r for r in args.routes.split(",") if r]
    args.routes_list = routes
    for name in servers + routes:
        if name not in SERVERS and name not in ROUTES:
            raise SystemExit(f"unknown server or route {name!r}; servers: {', '.join(SERVERS)}; routes: {', '.join(ROUTES)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (./scripts/bench.sh installs it)")
    started = datetime.datetime.now(datetime.timezone.utc)
    work = tempfile.mkdtemp(prefix="lookout-bench-")
    args.post_script = os.path.join(work, "post.lua")
    with open(args.post_script, "w") as f:
        f.write(f"wrk.method = 'POST'\nwrk.body = '{GENERATION_BODY}'\nwrk.headers['Content-Type'] = 'application/json'\n")
    rounds = {}
    try:
        for round_number in range(1, args.rounds + 1):
            for name in servers:
                server = Server(name, args, work)
                if not any(server.supports(route) for route in routes):
                    continue
                try:
                    server.start()
                    for route in routes:
                        if not server.supports(route):
                            continue
                        result = measure(server, route, args)
                        rounds.setdefault((name, route), []).append(result)
                        print(f"round {round_number} {name:17} {route:9} {result['rps']:9,.0f} req/s  p50 {result['p50']:6.2f} ms  "
                              f"p99 {result['p99']:7.2f} ms  {result['cpu_us']:6.0f} µs CPU/req  "
                              f"non-2xx {result['non2xx']}/{result['requests']} {result['socket_errors']}", file=sys.stderr)
                finally:
                    server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {key: median_of(value) for key, value in rounds.items()}
    text = markdown(results, servers, routes, args, started)
    if args.svg:
        open(args.svg, "w").write(svg(results, servers, routes))
        text += f"\n![req/s by server and route]({os.path.relpath(args.svg, os.path.dirname(os.path.abspath(args.report or args.svg)))})\n"
    print(text)
    if args.report:
        write_report(args.report, text)
    if args.json:
        json.dump({f"{s}|{r}": v for (s, r), v in results.items()}, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
