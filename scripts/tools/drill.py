#!/usr/bin/env python3
"""The detection drill: the production topology, natively on 127.0.0.1, broken on purpose (docs/DETECTION.md).

    scripts/drill.sh [--faults NAME,...] [--lanes N] [--report docs/DETECTION.md]

Everything is rendered from the production files, not written a second time:
- the API replicas, the worker and the prober run with the environment `docker stack config` gives for
  deploy/docker-compose.prod.yml (with deploy/.env.observability.template's settings), secrets as the *_FILE files the
  programs read, as in the image;
- two Prometheus servers run deploy/prometheus/prometheus.prod.yml and every rule file, two clustered Alertmanagers
  deploy/alertmanager/alertmanager.yml, the blackbox exporter deploy/blackbox/blackbox.yml.
The substitutions, and only these, are listed in SUBSTITUTIONS (and printed in the report): addresses become
127.0.0.1 ports, Swarm discovery becomes the same jobs with static targets, secrets become files, PagerDuty, the
heartbeat and SMTP become local sinks, business hours become always. Timings (`for:`, scrape and evaluation
intervals, group waits) are the production values.

A load balancer in this process stands for the public path (users, the prober and the blackbox exporter go through
it; Prometheus scrapes the replicas directly, as in Swarm), so the public path can be broken while the replicas
answer their scrapes. Every process binds 127.0.0.1, is started with port 0 (its port read back from /proc), and is
stopped by PID at the end.
"""
import argparse
import datetime
import email
import email.policy
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

import check_dashboards as check_dashboards_script  # this folder: the dashboards' variables and panel walk
import local_config  # this folder: the production Alertmanager configuration pointed at this machine

ROOT = pathlib.Path(__file__).resolve().parents[2]
SUBSTITUTIONS = [
    "API, worker, prober: environment from `docker stack config` of docker-compose.prod.yml; LOOKOUT_HTTP_HOST=127.0.0.1 and every port 0; "
    "the SQLite file, the Sentry spool and /run/secrets/* in the drill's folder; LOOKOUT_SLO_FILE=deploy/slo.yml; "
    "LOOKOUT_SLA_PROMETHEUS_URL and LOOKOUT_PROBER_BASE_URL (LOOKOUT_PUBLIC_URL) at the drill's Prometheus and load balancer; "
    "LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION=true (the drill's payment faults are the sandbox's failure cards)",
    "Prometheus: each dockerswarm_sd job becomes the same job with static 127.0.0.1 targets (postgres-exporter and grafana: none run here); "
    "the blackbox targets' host https://lookout.example becomes the load balancer; rule files from deploy/prometheus/rules; "
    "PROMETHEUS_REPLICA 1 and 2; the production command's flags but for the files and the external URL",
    "History: both Prometheus servers start with 7 hours of a healthy service backfilled (promtool tsdb create-blocks-from "
    "openmetrics; 14 availability events a minute and 4 request events a second, all good), as a Prometheus that has been "
    "running holds it: the burn-rate windows reach back 6 hours, and without history a three-minute outage would fill them",
    "Alertmanager: PagerDuty and the heartbeat at a local recorder, SMTP at aiosmtpd without TLS, secrets and templates from the "
    "drill's folder and the repository (scripts/tools/local_config.py), business hours always (so that warnings are mailed at any "
    "hour); the production command's flags, with gossip and the web on 127.0.0.1 and each one's external URL naming it",
]


LANE = os.environ.get("DRILL_LANE", "")  # set in each topology the drill runs at once (--lanes)


def log(message):
    print(f"[drill{'-' + LANE if LANE else ''} {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- processes ----------------------------------------------------------------------------------------------------


def listening_ports(pid):
    """The TCP ports process `pid` listens on, from /proc."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return []
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A" and fields[9] in inodes:
                ports.add(int(fields[1].split(":")[-1], 16))
    return sorted(ports)


class Process:
    """A child process with its output in a log file, stopped by PID."""

    def __init__(self, name, argv, env, folder, cwd=None):
        self.name, self.argv, self.env, self.folder, self.cwd = name, argv, env, folder, cwd
        self.popen = None
        self.start()

    def start(self):
        self.log_path = self.folder / f"{self.name}.log"
        out = open(self.log_path, "a")
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, cwd=self.cwd, start_new_session=True)

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def ports(self, count=1, timeout=300):
        """The ports it listens on, once it listens on `count` of them."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            ports = listening_ports(self.pid)
            if len(ports) >= count:
                return ports
            if not self.alive():
                break
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} never listened; its log:\n{self.log_path.read_text()[-3000:]}")

    def send(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.alive():
            return
        self.send(sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.popen.wait()


def http(url, method="GET", data=None, timeout=5):
    request = urllib.request.Request(url, method=method, data=data)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read()


def wait_for(condition, what, timeout=300, every=0.5):
    """Waits for an event; the timeout only guards against a hang."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except Exception:
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


# --- the public path: a load balancer in front of the API replicas ------------------------------------------------


class LoadBalancer:
    """Round-robin TCP proxy on 127.0.0.1 to the live API replicas; `broken` makes it answer 503 to everything."""

    def __init__(self):
        self.backends = []
        self.broken = False
        self.next = 0
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(128)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.server.accept()
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def serve(self, client):
        if self.broken:
            client.recv(65536)
            client.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return
        upstream = None
        for _ in range(len(self.backends)):
            port = self.backends[self.next % len(self.backends)]
            self.next += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                continue
        if upstream is None:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return
        def pipe(source, target):
            try:
                while chunk := source.recv(65536):
                    target.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (source, target):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        pipe(client, upstream)


class Traffic:
    """Users, through the public path, all drill long: one registers, logs in, buys credits and asks for generations,
    about two requests a second, so that the request objectives, the business counters and every dashboard have
    something to show. Failures (the drill's faults) are counted and retried, never fatal."""

    def __init__(self, base_url):
        self.api = base_url + "/api/v1"
        self.stopped = threading.Event()
        self.outcomes = {}
        self.token = None
        self.generations = []  # (time submitted, id), so that a fault can follow the jobs it held up
        # A fault's payments: `share` of the requests sent since it began, with the sandbox cards in `cards` in turn
        # (tok_provider_error is a 502 from the API, tok_slow an approval after 3 s). Each is sent from a thread of
        # its own, so that a slow one does not slow the users down.
        self.share, self.cards, self.sent, self.injected, self.sent_before_fault = 0.0, (), 0, 0, 0
        self.counting = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def request(self, method, path, body=None, token=None, headers=None):
        request = urllib.request.Request(self.api + path, method=method, data=None if body is None else json.dumps(body).encode())
        request.add_header("Content-Type", "application/json")
        request.add_header("User-Agent", "Lookout-Drill-User/1.0")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        except OSError:
            status, answer = 0, b""
        with self.counting:
            self.outcomes[status] = self.outcomes.get(status, 0) + 1
            self.sent += 1
        try:
            return status, json.loads(answer) if answer else {}
        except ValueError:
            return status, {}

    def run(self):
        address, password, token, purchases, step = f"drill-{os.getpid()}@example.com", "drill user password", None, 0, 0
        while not self.stopped.wait(0.5):
            step += 1
            while token and self.share and self.injected < self.share * (self.sent - self.sent_before_fault):
                card = self.cards[self.injected % len(self.cards)]
                self.injected += 1
                threading.Thread(target=self.request, daemon=True, args=(
                    "POST", "/payments", {"amount_minor": 500, "currency": "EUR", "card_token": card}, token,
                    {"Idempotency-Key": f"drill-{os.getpid()}-{card}-{self.sent}-{self.injected}"})).start()
            if token is None:
                self.request("POST", "/users", {"email": address, "password": password})
                status, answer = self.request("POST", "/sessions", {"email": address, "password": password})
                token = self.token = answer.get("token")
                continue
            status, me = self.request("GET", "/me", token=token)
            if status == 401:
                token = None
            elif status == 200 and me.get("credits", 0) < 100:
                purchases += 1
                self.request("POST", "/payments", {"amount_minor": 500, "currency": "EUR", "card_token": "tok_visa"},
                             token=token, headers={"Idempotency-Key": f"drill-{os.getpid()}-{purchases}"})
            elif status == 200:
                status, generation = self.request("POST", "/generations", {"prompt": f"drill picture {step}", "kind": "image"}, token=token)
                if status == 202 and "id" in generation:
                    self.generations.append((time.time(), generation["id"]))
                    self.request("GET", f"/generations/{generation['id']}", token=token)

    def start(self):
        self.thread.start()

    def inject(self, share, cards=("tok_provider_error",)):
        """From now on, `share` of the requests are payments with `cards` in turn (share 0: none)."""
        self.sent_before_fault, self.injected, self.cards, self.share = self.sent, 0, tuple(cards), share

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=15)


# --- rendering the production files --------------------------------------------------------------------------------


def compose_services():
    """docker-compose.prod.yml as Docker renders it with the template's settings."""
    command = "set -a && . deploy/.env.observability.template && docker stack config -c deploy/docker-compose.prod.yml"
    output = subprocess.run(["sh", "-c", command], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(output)["services"]


def production_flags(services, name, local):
    """The production command's flags of a service, but for those naming this machine's files and addresses (`local`,
    prefixes such as `--config.file=`), which the drill sets itself."""
    return [flag for flag in services[name]["command"] if not flag.startswith(local)]


def service_environment(services, name, folder, overrides):
    environment = dict(services[name].get("environment") or {})
    for key, value in list(environment.items()):
        value = str(value)
        value = value.replace("/run/secrets/", f"{folder}/secrets/")
        value = value.replace("/var/lib/lookout/", f"{folder}/data/")
        value = value.replace("/etc/lookout/slo.yml", str(ROOT / "deploy/slo.yml"))
        value = value.replace("/etc/lookout/checks.yml", str(ROOT / "deploy/prober/checks.yml"))
        environment[key] = value
    environment.update(overrides)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LOOKOUT_", "SENTRY_", "TEST_LANE"))}
    return {**base, **environment}


def prometheus_config(targets, folder, lb_port, blackbox_port, alertmanagers):
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.prod.yml").read_text())
    config["rule_files"] = [str(ROOT / "deploy/prometheus/rules/*.rules.yml")]
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": alertmanagers}]}]
    for job in config["scrape_configs"]:
        name = job["job_name"]
        if "dockerswarm_sd_configs" in job:
            del job["dockerswarm_sd_configs"]
            job.pop("relabel_configs", None)
            job["static_configs"] = [{"targets": targets.get(name, [])}]
        if "authorization" in job:
            job["authorization"]["credentials_file"] = f"{folder}/secrets/lookout_metrics_token"
        if name == "blackbox-exporter":
            for static in job["static_configs"]:
                static["targets"] = [t.replace("https://lookout.example", f"http://127.0.0.1:{lb_port}") for t in static["targets"]]
            for relabel in job["relabel_configs"]:
                if relabel.get("replacement") == "blackbox-exporter:9115":
                    relabel["replacement"] = f"127.0.0.1:{blackbox_port}"
    return yaml.safe_dump(config, sort_keys=False)


def backfill(folder, series, hours=7, step=15):
    """Prometheus blocks holding `hours` of history for counters that rise steadily (`series`: name, labels, increase
    per second), ending a minute ago, made with promtool. The multi-window burn rates read up to six hours: without
    that history, a three-minute outage is "the whole 30 minutes and six hours" to them, and they page where
    production, with its history, would not."""
    end = int(time.time()) - 60
    start = end - hours * 3600
    lines = []
    families = {}
    for name, labels, per_second in series:
        families.setdefault(name, []).append((labels, per_second))
    for name, members in families.items():
        lines.append(f"# TYPE {name.removesuffix('_total')} counter")
        for labels, per_second in members:
            rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            for timestamp in range(start, end + 1, step):
                lines.append(f"{name}{{{rendered}}} {per_second * (timestamp - start):.1f} {timestamp}")
    lines.append("# EOF")
    source = folder / "history.om"
    source.write_text("\n".join(lines) + "\n")
    blocks = folder / "history-blocks"
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(source), str(blocks)], check=True, capture_output=True)
    return blocks


# --- the topology -----------------------------------------------------------------------------------------------


class Topology:
    def __init__(self, folder, bin_dir, python):
        self.folder, self.bin_dir, self.python = folder, bin_dir, python
        self.processes = []
        (folder / "secrets").mkdir(parents=True)
        (folder / "data").mkdir()
        secrets = {
            "lookout_metrics_token": "drill-metrics-token-0123456789", "lookout_admin_token": "drill-admin-token-0123456789abcdef",
            "lookout_prober_password": "drill prober password",
            "lookout_prober_token": "drill-prober-token-0123456789", "pagerduty_routing_key": "drill-routing-key",
            "smtp_password": "drill", "sentry_dsn": os.environ.get("BUGSINK_DSN", ""),
        }
        for name, value in secrets.items():
            (folder / "secrets" / name).write_text(value)
        self.notifications = folder / "notifications.jsonl"
        self.notifications.touch()
        self.readiness = ReadinessWatch()  # started by the faults that must not cost the API its readiness

    def spawn(self, name, argv, env=None):
        process = Process(name, argv, env or dict(os.environ), self.folder, cwd=ROOT)
        self.processes.append(process)
        return process

    def lookout(self, name, program, env):
        return self.spawn(name, [str(self.bin_dir / program)], env)

    def start(self):
        services = compose_services()
        self.lb = LoadBalancer()
        sink = self.spawn("pagerduty-and-heartbeat", [self.python, str(ROOT / "scripts/tools/notification_sink.py"), "0", str(self.notifications)])
        self.sink_port = sink.ports()[0]
        smtp = self.spawn("smtp", [self.python, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:0", "-c", "aiosmtpd.handlers.Mailbox", str(self.folder / "mail")])
        self.smtp_port = smtp.ports()[0]

        (self.folder / "alertmanager.yml").write_text(local_config.alertmanager(
            sink=f"http://127.0.0.1:{self.sink_port}", smtp=f"127.0.0.1:{self.smtp_port}", secrets=self.folder / "secrets", always_open=True))
        self.alertmanagers = []
        # The production command's flags, but for the files, addresses and peers, which are this machine's.
        flags = production_flags(services, "alertmanager",
                                 ("--config.file=", "--storage.path=", "--web.external-url=", "--cluster.listen-address=", "--cluster.peer="))
        for index in (1, 2):
            argv = ["prometheus-alertmanager", f"--config.file={self.folder}/alertmanager.yml",
                    f"--storage.path={self.folder}/alertmanager-{index}", "--web.listen-address=127.0.0.1:0",
                    "--cluster.listen-address=127.0.0.1:0", "--log.level=warn",
                    # Names the sender in each PagerDuty event (client_url), as production's external URL does.
                    f"--web.external-url=http://alertmanager-{index}.drill"] + flags
            if self.alertmanagers:
                argv.append(f"--cluster.peer=127.0.0.1:{self.alertmanagers[0]['cluster']}")
            process = self.spawn(f"alertmanager-{index}", argv)
            ports = process.ports(count=2)
            web = next(p for p in ports if self.answers(f"http://127.0.0.1:{p}/-/ready"))
            self.alertmanagers.append({"process": process, "web": web, "cluster": next(p for p in ports if p != web)})

        node = self.spawn("node-exporter", ["prometheus-node-exporter", "--web.listen-address=127.0.0.1:0"])
        self.node_port = node.ports()[0]
        blackbox = self.spawn("blackbox-exporter", ["prometheus-blackbox-exporter", f"--config.file={ROOT}/deploy/blackbox/blackbox.yml",
                                                    "--web.listen-address=127.0.0.1:0"])
        self.blackbox_port = blackbox.ports()[0]

        # The prober first (it only needs the public URL): the history below carries its address.
        public_url = f"http://127.0.0.1:{self.lb.port}"
        self.prober = self.lookout("prober", "prober", service_environment(services, "prober", self.folder, {
            "LOOKOUT_HTTP_HOST": "127.0.0.1", "LOOKOUT_PROBER_METRICS_PORT": "0", "LOOKOUT_PROBER_BASE_URL": public_url}))
        self.prober_port = self.prober.ports()[0]
        # Seven hours of a healthy service, as a Prometheus that has run for a while holds it: the prober's runs (14 a
        # minute, all good) and the users' requests (about 4 a second, as the drill's users send them, all good).
        prober_labels = {"job": "lookout-prober", "instance": f"127.0.0.1:{self.prober_port}", "objective": "availability"}
        history = [("lookout_slo_events_total", prober_labels, 14 / 60), ("lookout_slo_good_events_total", prober_labels, 14 / 60)]
        for objective in ("request_availability", "error_rate", "latency"):
            labels = {"job": "lookout-api", "instance": "history", "objective": objective}
            history += [("lookout_slo_events_total", labels, 4), ("lookout_slo_good_events_total", labels, 4)]
        blocks = backfill(self.folder, history)

        # Then Prometheus (the API replicas are told its address), with the targets filled in once they run.
        self.prometheus = []
        for index in (1, 2):
            config = self.folder / f"prometheus-{index}.yml"
            config.write_text("global: {scrape_interval: 15s}\n")
            data = self.folder / f"prometheus-{index}"
            shutil.copytree(blocks, data)
            env = {**os.environ, "PROMETHEUS_REPLICA": str(index)}
            argv = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}", "--web.listen-address=127.0.0.1:0",
                    "--log.level=warn"] + production_flags(services, "prometheus", ("--config.file=", "--storage.tsdb.path=", "--web.external-url="))
            process = self.spawn(f"prometheus-{index}", argv, env)
            self.prometheus.append({"process": process, "port": process.ports()[0], "config": config, "env": env})

        prometheus_url = f"http://127.0.0.1:{self.prometheus[0]['port']}"
        self.api_env = service_environment(services, "api", self.folder, {
            "LOOKOUT_HTTP_HOST": "127.0.0.1", "LOOKOUT_HTTP_PORT": "0", "LOOKOUT_SLA_PROMETHEUS_URL": prometheus_url,
            "LOOKOUT_PAYMENT_SANDBOX_IN_PRODUCTION": "true",
        })
        self.apis = []
        for index in (1, 2):
            process = self.lookout(f"api-{index}", "backend", self.api_env)
            self.apis.append({"process": process, "port": process.ports()[0]})
        self.lb.backends = [api["port"] for api in self.apis]
        self.worker = self.lookout("worker", "worker", service_environment(services, "worker", self.folder, {
            "LOOKOUT_HTTP_HOST": "127.0.0.1", "LOOKOUT_WORKER_METRICS_PORT": "0"}))
        self.worker_port = self.worker.ports()[0]

        self.targets = {
            "prometheus": [f"127.0.0.1:{p['port']}" for p in self.prometheus],
            "alertmanager": [f"127.0.0.1:{a['web']}" for a in self.alertmanagers],
            "lookout-api": [f"127.0.0.1:{a['port']}" for a in self.apis],
            "lookout-worker": [f"127.0.0.1:{self.worker_port}"],
            "lookout-prober": [f"127.0.0.1:{self.prober_port}"],
            "node-exporter": [f"127.0.0.1:{self.node_port}"],
        }
        self.configure_prometheus(self.targets)
        for job in ["prometheus", "alertmanager", "lookout-api", "lookout-worker", "lookout-prober", "node-exporter", "blackbox-exporter"]:
            wait_for(lambda job=job: self.query(f'min(up{{job="{job}"}})') == 1.0, f"{job} scraped and up")
        wait_for(lambda: self.query("min(probe_success)") == 1.0, "every probe passing")
        wait_for(lambda: self.query("max(alertmanager_cluster_members)") == 2.0, "the Alertmanagers clustered")

    def configure_prometheus(self, targets):
        alertmanagers = [f"127.0.0.1:{a['web']}" for a in self.alertmanagers]
        for prometheus in self.prometheus:
            prometheus["config"].write_text(prometheus_config(targets, self.folder, self.lb.port, self.blackbox_port, alertmanagers))
            prometheus["process"].send(signal.SIGHUP)

    def answers(self, url):
        try:
            return http(url, timeout=1)[0] == 200
        except Exception:
            return False

    def query(self, promql, index=None, strict=False):
        """The first value of an instant query, from the first Prometheus that answers (None: no data). With `strict`,
        a running Prometheus that does not answer raises instead of being passed over."""
        servers = self.prometheus if index is None else [self.prometheus[index]]
        for prometheus in servers:
            if not prometheus["process"].alive():
                continue
            url = f"http://127.0.0.1:{prometheus['port']}/api/v1/query?query=" + urllib.parse.quote(promql)
            try:
                result = json.loads(http(url)[1])["data"]["result"]
            except Exception:
                if strict:
                    raise
                continue
            return float(result[0]["value"][1]) if result else None
        return None

    def restart(self, process, port=None, variable="LOOKOUT_HTTP_PORT"):
        """Starts a stopped Lookout process again, on the port it had (set through `variable`)."""
        if port is not None:
            process.env = {**process.env, variable: str(port)}
        process.start()
        if port is not None:
            wait_for(lambda: port in listening_ports(process.pid), f"{process.name} back on {port}")

    def restart_prometheus(self, index):
        """Starts a killed Prometheus again on its port, with its data folder."""
        prometheus = self.prometheus[index]
        process = prometheus["process"]
        process.argv = [a if not a.startswith("--web.listen-address=") else f"--web.listen-address=127.0.0.1:{prometheus['port']}" for a in process.argv]
        process.start()
        wait_for(lambda: prometheus["port"] in listening_ports(process.pid), f"{process.name} back on {prometheus['port']}")

    def pages(self, failed=False):
        """PagerDuty Events v2 requests the recorder took, (time, action, summary, dedup_key, client_url): those it
        accepted, or with `failed` those it answered with 500 (told to fail)."""
        pages = []
        for line in self.notifications.read_text().splitlines():
            record = json.loads(line)
            if record["path"] != "/v2/enqueue" or bool(record.get("failed")) != failed:
                continue
            body = json.loads(record["body"])
            pages.append((record["time"], body["event_action"], body.get("payload", {}).get("summary", ""), body.get("dedup_key"),
                          body.get("client_url", "")))
        return pages

    @property
    def failing_paths(self):
        """The recorder's switch (scripts/tools/notification_sink.py): while this file exists, it answers 500 to the
        paths listed in it."""
        return self.notifications.with_name(self.notifications.name + ".fail")

    def mails(self):
        """The messages the SMTP sink received, oldest first: (time, subject, plain text)."""
        folder = self.folder / "mail" / "new"
        received = []
        for path in sorted(folder.iterdir() if folder.exists() else [], key=lambda p: p.stat().st_mtime):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            received.append((path.stat().st_mtime, str(message["Subject"]), body.get_content() if body else ""))
        return received

    def alert_intervals(self, since, until):
        """Per Prometheus, the critical alerts it held firing or pending between two times, as
        (server, alertname, objective, state, first second, last second) with seconds counted from `since`."""
        rows = []
        for index, prometheus in enumerate(self.prometheus):
            if not prometheus["process"].alive():
                continue
            url = (f"http://127.0.0.1:{prometheus['port']}/api/v1/query_range?step=5&start={since}&end={until}&query="
                   + urllib.parse.quote('ALERTS{severity="critical"}'))
            try:
                series = json.loads(http(url, timeout=30)[1])["data"]["result"]
            except Exception as error:
                rows.append((index + 1, f"(unanswered: {error})", "", "", 0, 0))
                continue
            for s in series:
                # One row per unbroken run: an alert that ended and came back shows twice.
                times = [float(t) - since for t, _ in s["values"]]
                runs = [[times[0], times[0]]]
                for t in times[1:]:
                    if t - runs[-1][1] > 10:
                        runs.append([t, t])
                    runs[-1][1] = t
                rows += [(index + 1, s["metric"]["alertname"], s["metric"].get("objective", ""), s["metric"]["alertstate"],
                          round(first), round(last)) for first, last in runs]
        return sorted(rows, key=lambda r: (r[4], r[0]))

    def stop(self):
        for process in reversed(self.processes):
            process.stop()


# --- faults ---------------------------------------------------------------------------------------------------------


class Fault:
    """One fault: injected, the expected notification awaited (its delay measured), then repaired and its resolve
    awaited; meanwhile nothing else may page. `alerts` are the alert names that may open the incident; `title`, when
    given, is the exact summary the opening event must carry."""

    def __init__(self, name, description, expected, inject, repair, alerts=(), quiet_for=None, title=None, check=None, runner=None,
                 minutes=6, join=()):
        self.name, self.description, self.expected = name, description, expected
        # About how long the fault takes, from the wait for quiet to the resolve (full drills): to share them out
        # between lanes.
        self.minutes = minutes
        self.inject, self.repair, self.alerts, self.quiet_for, self.title = inject, repair, tuple(alerts), quiet_for, title
        # check(topology, injected, repaired) -> a list of problems, once the incident has resolved
        self.check = check
        # runner(topology, fault) -> the outcome, for a fault whose notification is not a PagerDuty incident
        self.runner = runner or run_fault
        # Alerts that must join the incident (reach PagerDuty in it) before the repair: the fault holds until they do.
        self.join = tuple(join)


def replay(pages):
    """PagerDuty's view of the trigger and resolve events: a trigger opens an incident unless one with its dedup key is
    open (then it updates it), a resolve closes it. Returns (the opening events, the keys still open at the end)."""
    open_keys, opened = set(), []
    for page in pages:
        action, key = page[1], page[3]
        if action == "trigger" and key not in open_keys:
            open_keys.add(key)
            opened.append(page)
        elif action == "resolve":
            open_keys.discard(key)
    return opened, open_keys


def incidents(pages):
    """The events that opened an incident."""
    return replay(pages)[0]


def open_incidents(pages):
    """The dedup keys of the incidents still open."""
    return replay(pages)[1]


# The critical alerts that page: every one but the alerting path's own failure report, which goes to the fallback
# e-mail (alertmanager.yml) and stays firing for five minutes after the last failed notification.
PAGING = 'count(ALERTS{severity="critical", alertname!="LookoutAlertmanagerNotificationsFailing"})'


def wait_until_quiet(topology, timeout=1500):
    """Waits until no critical alert is pending or firing in any running Prometheus and no PagerDuty incident is open,
    so that every fault starts from a quiet system and what one fault leaves behind (a burn-rate window that still
    remembers it, a resolve Alertmanager has yet to send) is counted against that fault, not the next. Returns the
    seconds waited."""
    began = time.time()
    # strict: a Prometheus that does not answer (still starting after a restart) is not quiet, it is unknown.
    wait_for(lambda: all(topology.query(PAGING, index, strict=True) is None
                         for index, prometheus in enumerate(topology.prometheus) if prometheus["process"].alive())
             and not open_incidents(topology.pages()),
             "no paging alert pending or firing, no incident open", timeout=timeout, every=2)
    return round(time.time() - began)


def pending_after(topology, names, injected):
    """Seconds from the fault to the moment the first Prometheus saw each named alert's condition true (its activeAt):
    what the page time spends on detection, before `for:` and Alertmanager's group_wait."""
    seen = {}
    for prometheus in topology.prometheus:
        if not prometheus["process"].alive():
            continue
        try:
            alerts = json.loads(http(f"http://127.0.0.1:{prometheus['port']}/api/v1/alerts")[1])["data"]["alerts"]
        except Exception:
            continue
        for alert in alerts:
            name = alert["labels"]["alertname"]
            if name in names and alert.get("activeAt"):
                at = datetime.datetime.strptime(alert["activeAt"][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
                seen[name] = min(seen.get(name, at), at)
    return {name: round(at - injected) for name, at in sorted(seen.items())}


def start_fault(topology, fault):
    """What every fault begins with: a quiet system, then the fault. Returns (how many PagerDuty events came before,
    when it was injected, its outcome so far)."""
    waited = wait_until_quiet(topology)
    if waited > 5:
        log(f"waited {waited} s for the previous fault's alerts to end")
    start_pages = len(topology.pages())
    log(f"fault {fault.name}: {fault.description}")
    injected = time.time()
    fault.inject(topology)
    return start_pages, injected, {"fault": fault.name, "description": fault.description, "expected": fault.expected, "seconds": None,
                                   "passed": False}


def run_fault(topology, fault, settle=60):
    """Injects the fault and watches the PagerDuty recorder until the system is quiet again. An alert fault passes when
    one of its alerts opens exactly one incident (one dedup key, never reopened) that resolves after the repair; a quiet
    fault passes when nothing pages."""
    start_pages, injected, outcome = start_fault(topology, fault)
    if not fault.alerts:
        try:
            time.sleep(fault.quiet_for)
        finally:
            fault.repair(topology)
        wait_until_quiet(topology)
        new = incidents(topology.pages()[start_pages:])
        outcome["passed"] = not new
        outcome["detail"] = f"no page in {fault.quiet_for} s" if not new else f"paged: {sorted({p[2] for p in new})}"
        log(f"fault {fault.name}: {'PASS' if outcome['passed'] else 'FAIL'} ({outcome['detail']})")
        if new:
            log_timeline(topology, topology.pages()[start_pages:], injected, injected + fault.quiet_for)
        return outcome

    outcome["passed"], outcome["detail"] = False, "no page within 10 minutes"
    try:
        wait_for(lambda: incidents(topology.pages()[start_pages:]), f"a page for {fault.name}", timeout=600)
        first = incidents(topology.pages()[start_pages:])[0]
        outcome["seconds"] = round(first[0] - injected)
        log(f"fault {fault.name}: paged after {outcome['seconds']} s; condition true (pending) after "
            f"{pending_after(topology, fault.alerts, injected)} s")
        if fault.join:
            def joined():
                return [name for name in fault.join if any(name in p[2] for p in topology.pages()[start_pages:] if p[1] == "trigger")]
            try:
                wait_for(lambda: len(joined()) == len(fault.join), f"{', '.join(fault.join)} in the incident", timeout=600, every=2)
                log(f"fault {fault.name}: {', '.join(fault.join)} joined the incident after {round(time.time() - injected)} s")
            except RuntimeError:
                outcome["missing"] = sorted(set(fault.join) - set(joined()))
        # Both Prometheus servers and both Alertmanagers get every chance to page a second time before the repair.
        time.sleep(settle)
    except RuntimeError:
        pass
    finally:
        repaired = time.time()
        fault.repair(topology)
    if outcome["seconds"] is None:
        log(f"fault {fault.name}: FAIL ({outcome['detail']})")
        log_timeline(topology, topology.pages()[start_pages:], injected, repaired)
        return outcome
    try:
        wait_until_quiet(topology)
    except RuntimeError:
        outcome["detail"] = f"opened by {first[2]!r}, never resolved (or quiet) within 25 minutes of the repair"
        log(f"fault {fault.name}: FAIL ({outcome['detail']})")
        log_timeline(topology, topology.pages()[start_pages:], injected, repaired)
        return outcome
    # Quiet includes "no incident open": the resolve that closed the last one has been sent.
    pages = topology.pages()[start_pages:]
    resolved = [p for p in pages if p[1] == "resolve"][-1]  # the one that left no incident open
    outcome["resolved_seconds"] = round(resolved[0] - repaired)
    opened = incidents(pages)
    updates = [p for p in pages if p[1] == "trigger" and p not in opened]
    problems = fault.check(topology, injected, repaired) if fault.check else []
    if outcome.get("missing"):
        problems.append(f"never joined the incident within 10 minutes: {outcome['missing']}")
    outcome["passed"] = len(opened) == 1 and any(alert in first[2] for alert in fault.alerts) and fault.title in (None, first[2]) and not problems
    outcome["detail"] = f"{len(opened)} incident(s), opened by {', '.join(repr(p[2]) for p in opened)}" + (
        f", updated {len(updates)} time(s): {sorted({p[2] for p in updates})}" if updates else "") + "".join(f"; {p}" for p in problems)
    log(f"fault {fault.name}: {'PASS' if outcome['passed'] else 'FAIL'} ({outcome['detail']})")
    log_timeline(topology, pages, injected, repaired)
    return outcome


def run_fallback_fault(topology, fault):
    """PagerDuty failing while something pages: the failed notifications must reach the fallback receiver (e-mail at
    any hour) as LookoutAlertmanagerNotificationsFailing for the pagerduty integration. Once PagerDuty answers again,
    whatever Alertmanager then sends must leave no incident open."""
    start_pages, injected, outcome = start_fault(topology, fault)
    start_mails = len(topology.mails())  # the fallback e-mail is looked for from here (a few milliseconds after the fault)
    outcome["paged"] = False  # its notification is an e-mail, not a page: the two-minute bound is not its

    def fallback_mail():
        return next((m for m in topology.mails()[start_mails:]
                     if m[1].startswith("[FALLBACK]") and "LookoutAlertmanagerNotificationsFailing" in m[1]
                     and "cannot deliver to pagerduty" in m[2]), None)
    try:
        # The first page fails about 75 s after the fault; the meta-alert needs 5 minutes of failures.
        wait_for(fallback_mail, "the fallback e-mail about PagerDuty", timeout=720, every=2)
    except RuntimeError:
        pass
    finally:
        repaired = time.time()
        fault.repair(topology)
    mail, failed = fallback_mail(), [p for p in topology.pages(failed=True) if p[0] >= injected]
    if failed:
        log(f"fault {fault.name}: PagerDuty answered 500 to {len(failed)} request(s), the first {round(failed[0][0] - injected)} s "
            f"after the fault ({failed[0][2]!r})")
    try:
        wait_until_quiet(topology)
        left_open = []
    except RuntimeError:
        left_open = sorted(open_incidents(topology.pages()[start_pages:]))
    if mail:
        outcome["seconds"] = round(mail[0] - injected)
        log(f"fault {fault.name}: fallback e-mail after {outcome['seconds']} s: {mail[1]!r}")
    problems = ([] if mail else ["no fallback e-mail naming pagerduty within 12 minutes"]) + \
               ([] if failed else ["no PagerDuty request failed: nothing paged while it was down"]) + \
               ([f"incident(s) left open after PagerDuty recovered: {left_open}"] if left_open else [])
    late = incidents(topology.pages()[start_pages:])
    outcome["passed"] = not problems
    outcome["detail"] = "; ".join(problems) if problems else (
        f"{len(failed)} PagerDuty request(s) failed, reported by {mail[1]!r}"
        + (f"; after the recovery {len(late)} incident(s) opened and resolved: {sorted({p[2] for p in late})}" if late else ""))
    log(f"fault {fault.name}: {'PASS' if outcome['passed'] else 'FAIL'} ({outcome['detail']})")
    log_timeline(topology, topology.pages()[start_pages:], injected, repaired)
    return outcome


def run_mail_fault(topology, fault):
    """A warning: e-mailed to the team (business hours are always, in the drill), never paged. Passes when the e-mail
    for its alert arrives, the resolved one follows the repair, and nothing pages meanwhile."""
    start_pages, injected, outcome = start_fault(topology, fault)
    start_mails = len(topology.mails())
    outcome["paged"] = False  # an e-mail: the two-minute bound for a page is not its
    name = fault.alerts[0]

    def mail(status):
        return next((m for m in topology.mails()[start_mails:] if m[1].startswith(f"[{status}") and name in m[1]), None)
    try:
        wait_for(lambda: mail("FIRING"), f"the {name} e-mail", timeout=1200, every=5)
    except RuntimeError:
        pass
    finally:
        repaired = time.time()
        fault.repair(topology)
    firing = mail("FIRING")
    if firing:
        outcome["seconds"] = round(firing[0] - injected)
        log(f"fault {fault.name}: e-mailed after {outcome['seconds']} s: {firing[1]!r}; condition true (pending) after "
            f"{pending_after(topology, fault.alerts, injected)} s")
        try:
            wait_for(lambda: mail("RESOLVED"), f"the resolved {name} e-mail", timeout=1200, every=5)
            outcome["resolved_seconds"] = round(mail("RESOLVED")[0] - repaired)
        except RuntimeError:
            pass
    paged = incidents(topology.pages()[start_pages:])
    problems = ([] if firing else [f"no {name} e-mail within 20 minutes"]) + \
               ([f"no resolved e-mail within 20 minutes of the repair"] if firing and outcome.get("resolved_seconds") is None else []) + \
               ([f"paged: {sorted({p[2] for p in paged})}"] if paged else [])
    outcome["passed"] = not problems
    outcome["detail"] = "; ".join(problems) if problems else f"e-mailed {firing[1]!r}, no page"
    log(f"fault {fault.name}: {'PASS' if outcome['passed'] else 'FAIL'} ({outcome['detail']})")
    log_timeline(topology, topology.pages()[start_pages:], injected, repaired)
    return outcome


def log_timeline(topology, pages, injected, repaired):
    """What happened, in seconds from the fault: every PagerDuty event and the Alertmanager that sent it, and every
    critical alert each Prometheus held. A failed fault in CI can be read from this alone."""
    log(f"  timeline (s from the fault; repaired at {round(repaired - injected)}):")
    for page in pages:
        log(f"  {round(page[0] - injected):>5}  PagerDuty {page[1]:<8} {page[2]!r} key {str(page[3])[:12]} from {page[4] or '?'}")
    for server, name, objective, state, first, last in topology.alert_intervals(injected - 60, time.time()):
        log(f"  {first - 60:>5}..{last - 60:<5} prometheus-{server} {state:<7} {name} {objective}")


def kill_apis(topology):
    for api in topology.apis:
        api["process"].stop(signal.SIGKILL)


def restart_apis(topology):
    for api in topology.apis:
        topology.restart(api["process"], api["port"])


class ReadinessWatch:
    """Asks the public path for /health/ready every two seconds while a fault lasts: what Swarm's healthcheck would see."""

    def __init__(self):
        self.answers, self.stopped, self.thread = {}, threading.Event(), None

    def start(self, topology):
        def run():
            while not self.stopped.wait(2):
                try:
                    status = http(f"http://127.0.0.1:{topology.lb.port}/health/ready")[0]
                except urllib.error.HTTPError as error:
                    status = error.code
                except OSError:
                    status = 0
                self.answers[status] = self.answers.get(status, 0) + 1
        self.answers, self.stopped = {}, threading.Event()
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=10)


def stop_scraping_api(topology):
    """Both Prometheus servers reloaded with the API's job left without targets (a discovery or relabelling mistake);
    the API itself serves on."""
    topology.configure_prometheus({**topology.targets, "lookout-api": []})


def scrape_api(topology):
    topology.configure_prometheus(topology.targets)


def fail_pagerduty(topology):
    """PagerDuty's Events API answers 500 (the recorder told to fail its path only: the heartbeat still arrives), while
    the API stops being scraped, so that something pages."""
    topology.failing_paths.write_text("/v2/enqueue\n")
    stop_scraping_api(topology)


def recover_pagerduty(topology):
    topology.failing_paths.unlink()
    scrape_api(topology)


def stop_failing_requests(topology):
    share = topology.query('lookout:http_requests_5xx:ratio_rate5m{job="lookout-api"}')
    log(f"the API answered {share:.1%} of its requests with 5xx over the last 5 minutes" if share is not None else "no 5xx ratio")
    topology.traffic.inject(0)


def stop_slow_payments(topology):
    share = topology.query('lookout:http_requests_within_2_5s:ratio_rate5m{job="lookout-api"}')
    log(f"the API answered {share:.1%} of its requests within 2.5 s over the last 5 minutes" if share is not None else "no latency ratio")
    topology.traffic.inject(0)


def stop_failing_payments(topology):
    share = topology.query('lookout:payments:ratio_rate15m{outcome="failed"}')
    log(f"the provider failed {share:.1%} of the payments over the last 15 minutes" if share is not None else "no payment ratio")
    topology.traffic.inject(0)


def kill_worker(topology):
    topology.worker.stop(signal.SIGKILL)
    topology.readiness.start(topology)


def restart_worker(topology):
    topology.readiness.stop()
    topology.restart(topology.worker, topology.worker_port, variable="LOOKOUT_WORKER_METRICS_PORT")


def worker_outage_cost_nothing(topology, injected, repaired):
    """While the worker was down the API stayed ready and kept accepting generations; each of those finished after
    the restart."""
    problems = []
    answers = topology.readiness.answers
    if set(answers) != {200}:
        problems.append(f"/health/ready through the public path answered {answers} while the worker was down")
    held = [id for at, id in topology.traffic.generations if injected <= at <= repaired]
    if not held:
        problems.append("no generation was accepted while the worker was down")

    # Finished: succeeded, or failed after the queue's retries (the synthetic generator fails 2 % of runs on purpose).
    # The queue drains at the machine's speed: what fails is a drain that stops (no job finished for two minutes),
    # not a slow one. Only the unfinished are asked again.
    finished, unfinished, progress = {}, list(held), time.time()
    while unfinished and time.time() - progress < 120:
        time.sleep(5)
        for id in list(unfinished):
            status = topology.traffic.request("GET", f"/generations/{id}", token=topology.traffic.token)[1].get("status")
            if status in ("succeeded", "failed"):
                finished[id] = status
                unfinished.remove(id)
                progress = time.time()
    if unfinished:
        problems.append(f"{len(unfinished)} generation(s) accepted during the outage stopped draining: none finished for 2 minutes")
    log(f"fault worker-killed: {len(held)} generation(s) accepted during the outage, "
        f"{sum(v == 'succeeded' for v in finished.values())} succeeded; /health/ready answered {answers}")
    return problems


FAULTS = [
    Fault("all-api-killed", "every API replica killed (SIGKILL)", "exactly one PagerDuty trigger (LookoutServiceDown) across 2 Prometheus x 2 Alertmanagers; one resolve after the restart",
          # Both Prometheus servers send the alert (each copy with its replica label): the page names it once.
          kill_apis, restart_apis, alerts=["LookoutServiceDown"], title="[FIRING:1] LookoutServiceDown (lookout-api)", minutes=4),
    Fault("one-replica-killed", "one of the two API replicas killed", "no page (a warning at most)",
          lambda t: t.apis[1]["process"].stop(signal.SIGKILL), lambda t: t.restart(t.apis[1]["process"], t.apis[1]["port"]), quiet_for=180, minutes=3),
    Fault("public-path-broken", "the load balancer answers 503 while the replicas answer their scrapes", "one PagerDuty trigger (LookoutPublicEndpointDown)",
          lambda t: setattr(t.lb, "broken", True), lambda t: setattr(t.lb, "broken", False), alerts=["LookoutPublicEndpointDown", "LookoutSLOBurnRateFast"],
          minutes=9),
    Fault("one-prometheus-killed", "one Prometheus killed, then every API replica", "exactly one page, from the surviving Prometheus",
          lambda t: (t.prometheus[0]["process"].stop(signal.SIGKILL), kill_apis(t)),
          lambda t: (restart_apis(t), t.restart_prometheus(0)), alerts=["LookoutServiceDown", "LookoutSLOBurnRateFast"], minutes=8),
    Fault("worker-killed", "the worker killed (SIGKILL) while users ask for generations",
          "one page (LookoutWorkerHeartbeatStale); the API ready and accepting all along; every generation accepted meanwhile finished after the restart",
          kill_worker, restart_worker, alerts=["LookoutWorkerHeartbeatStale"], check=worker_outage_cost_nothing, minutes=6),
    Fault("errors-7-percent", "7 % of the API's requests answer 502 (payments the provider fails) for as long as it takes",
          "one incident (the 5xx ratio and the payment-provider alerts, both critical, in one; the error-rate objective "
          "burns at 7x, under the page tier's 14.4x)",
          lambda t: t.traffic.inject(0.07), stop_failing_requests, alerts=["LookoutHigh5xxRatio", "LookoutPaymentProviderErrors"],
          join=["LookoutHigh5xxRatio"], minutes=22),
    Fault("provider-slow", "the payment provider answers after 3 s (tok_slow) for 20 % of the API's requests",
          "one page (LookoutHighLatency, critical: over 5 % of requests slower than 2.5 s for 5 minutes; the latency "
          "objective's burn-rate page needs about 44 minutes of total collapse at its 95 % target, see below)",
          lambda t: t.traffic.inject(0.2, ["tok_slow"]), stop_slow_payments, alerts=["LookoutHighLatency"], minutes=14),
    Fault("payments-failing-partly", "the payment provider fails one payment in five (a partial outage: 1 % of requests, 5xx)",
          "LookoutPaymentProviderErrors (warning) e-mailed to the team, the resolved e-mail after the repair; no page "
          "(the rules page above 25 % failed)",
          # Users buy about twice a minute; the fault's payments (3 % of requests) keep the failed share near 16 %.
          lambda t: t.traffic.inject(0.03, ["tok_provider_error"] + ["tok_visa"] * 4), stop_failing_payments,
          alerts=["LookoutPaymentProviderErrors"], runner=run_mail_fault, minutes=28),
    Fault("api-not-scraped", "the API no longer scraped (its job left without targets) while it serves on",
          "one page (LookoutServiceDown, no lookout-api target up or known; it inhibits the SLO-absence alerts, which would page after 5 minutes on their own)",
          stop_scraping_api, scrape_api, alerts=["LookoutServiceDown"], title="[FIRING:1] LookoutServiceDown (lookout-api)", minutes=4),
    Fault("pagerduty-failing", "PagerDuty answers 500 while the API is not scraped",
          "LookoutAlertmanagerNotificationsFailing (pagerduty) e-mailed to the fallback receiver; no incident left open once PagerDuty answers",
          fail_pagerduty, recover_pagerduty, runner=run_fallback_fault, minutes=9),
]


# --- the dashboards ----------------------------------------------------------------------------------------------

# Panel queries that may be empty in the drill: (dashboard, panel title, metric the query reads, when). Everything
# else must return data from both Prometheus servers.
EMPTY_IN_THE_DRILL = [
    # Sent envelopes are exported at 0 from start-up, but only while a Sentry DSN is set (./scripts/test.sh starts
    # bugsink and sets BUGSINK_DSN; a bare ./scripts/drill.sh runs without).
    ("infrastructure", "Sentry delivery", "lookout_sentry_envelopes_sent_total", lambda: not os.environ.get("BUGSINK_DSN")),
    # A series per drop reason and category appears with the first dropped item; a healthy drill drops none.
    ("infrastructure", "Sentry delivery", "lookout_sentry_items_dropped_total", lambda: True),
]


def may_be_empty(dashboard, title, expression):
    """The metric that lets this query be empty now, or None."""
    return next((metric for d, t, metric, when in EMPTY_IN_THE_DRILL if (d, t) == (dashboard, title) and metric in expression and when()), None)


def dashboard_queries(objective=".*"):
    """(dashboard, panel title, expression) for every target of every panel in deploy/grafana/dashboards, with the
    variables as a user who picked "All" (or this objective) sees them: the dashboard checker's substitutions."""
    values = {**check_dashboards_script.SUBSTITUTIONS, "$objective": objective}
    queries = []
    for path in sorted((ROOT / "deploy/grafana/dashboards").glob("*.json")):
        for panel in check_dashboards_script.panels(json.loads(path.read_text())):
            for target in panel.get("targets", []):
                if expression := check_dashboards_script.substitute(target.get("expr", ""), values):
                    queries.append((path.stem, panel.get("title", ""), expression))
    return queries


def check_dashboards(topology):
    """Every dashboard query returns data from each Prometheus (Grafana reaches either through the `prometheus` service
    name), and the SLO dashboard's figures equal GET /sla/status (source prometheus) within 0.1 %."""
    log("dashboards: every panel's query against both Prometheus servers, the SLO figures against /sla/status")
    empty, allowed = [], []
    queries = dashboard_queries()
    for dashboard, title, expression in queries:
        for index in range(len(topology.prometheus)):
            if topology.query(expression, index) is None:
                if metric := may_be_empty(dashboard, title, expression):
                    allowed.append(f"{dashboard}/{title}: {metric}")
                else:
                    empty.append(f"{dashboard}/{title} (prometheus-{index + 1})")
    mismatches, compared = [], 0
    status, body = http(f"http://127.0.0.1:{topology.lb.port}/sla/status")
    report = json.loads(body)
    if report.get("source") != "prometheus":
        mismatches.append(f"/sla/status answered from {report.get('source')!r}: {report.get('source_error')}")
    for objective in report.get("objectives", []):
        name = objective["name"]
        budget = objective["error_budget"]
        windows = {w["window"]: w for w in objective["windows"]}
        panels = {title: expression for dashboard, title, expression in dashboard_queries(objective=name) if dashboard == "slos"}
        figures = [("Current value (30 days)", windows.get("30d", {}).get("value")),
                   ("Error budget left", budget.get("remaining_ratio"))]
        # /sla/status rounds each recorded increase to whole events (PrometheusSLASource), the dashboard does not: the
        # value moves by at most about 1/total, and the budget, divided by (1 - target), by 1/(total * (1 - target)).
        # With the drill's hours of history (not production's 30 days) that is a few tenths of a percent of budget.
        total = topology.query(f'sum(lookout:slo_events:increase30d{{objective="{name}"}})', 0)
        target = topology.query(f'max(lookout:slo_target:ratio{{objective="{name}"}})', 0)
        rounding = 1.0 / (total * (1.0 - target)) if total and target is not None and target < 1 else 0.0
        for title, reported in figures:
            shown = topology.query(panels[title], 0)   # the Prometheus the API's /sla/status reads
            if reported is None or shown is None:
                continue
            compared += 1
            tolerance = 0.001 + (rounding if title == "Error budget left" else 0.0)
            if abs(max(shown, 0.0) - reported) > tolerance:   # the status never reports a budget below 0
                mismatches.append(f"{name} {title}: dashboard {shown:.6f}, /sla/status {reported:.6f} (allowed {tolerance:.6f})")
    if compared == 0:
        mismatches.append("no SLO figure to compare: /sla/status and the dashboard had no value in common")
    passed = not empty and not mismatches
    detail = (f"{len(queries)} queries with data on both servers, {compared} SLO figures equal to /sla/status" if passed else
              "; ".join((["empty: " + ", ".join(empty)] if empty else []) + mismatches))
    if allowed:
        detail += f" (empty as expected: {', '.join(sorted(set(allowed)))})"
    log(f"dashboards: {'PASS' if passed else 'FAIL'} ({detail})")
    return {"fault": "dashboards", "description": "every dashboard panel queried; the SLO figures compared with /sla/status",
            "expected": "data in every panel on both Prometheus servers; figures equal within 0.1 %", "seconds": None,
            "passed": passed, "detail": detail}


def report(outcomes, path, command):
    rows = ["| fault | expected | seconds to the notification | seconds to the resolve | result |", "|---|---|---:|---:|---|"]
    for o in outcomes:
        # The bound for a critical page is two minutes from the fault; it is reported, not enforced (the
        # time is the production for: and intervals plus this machine's load).
        over = o.get("paged", True) and o.get("seconds") is not None and o["seconds"] > 120
        seconds = "—" if o.get("seconds") is None else str(o["seconds"]) + (" (over 2 min)" if over else "")
        resolved = "—" if o.get("resolved_seconds") is None else str(o["resolved_seconds"])
        rows.append(f"| {o['description']} | {o['expected']} | {seconds} | {resolved} | {'pass' if o['passed'] else 'FAIL'}: {o['detail']} |")
    table = "\n".join(rows)
    print("\n" + table + "\n", flush=True)
    if path:
        machine = f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}"
        text = (ROOT / "docs/DETECTION.md").read_text() if (ROOT / "docs/DETECTION.md").exists() else ""
        marker = "<!-- drill results -->"
        head = text.split(marker)[0] if marker in text else text
        results = (f"{marker}\n## Last run\n\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {machine}, "
                   f"`{command}`, production timings (no `for:` or interval scaled).\n\n{table}\n\nRendered from the production files with "
                   "these substitutions only:\n\n" + "\n".join(f"- {s}" for s in SUBSTITUTIONS) + "\n")
        pathlib.Path(path).write_text(head.rstrip() + "\n\n" + results)


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_lane(names, bin_dir):
    """One topology: started, broken fault by fault in the order given, the dashboards checked last. Returns the
    outcomes."""
    chosen = [f for f in FAULTS if f.name in names]
    folder = pathlib.Path(tempfile.mkdtemp(prefix="lookout-drill-"))
    topology = Topology(folder, bin_dir, sys.executable)
    outcomes = []
    try:
        log(f"starting the production topology in {folder}")
        topology.start()
        log("every target up, every probe passing, the Alertmanagers clustered")
        traffic = topology.traffic = Traffic(f"http://127.0.0.1:{topology.lb.port}")
        traffic.start()
        for fault in chosen:
            outcomes.append(fault.runner(topology, fault))
        if "dashboards" in names:
            # Right after start-up the users' first payment and generation may not be scraped yet: the check is
            # repeated every scrape interval until it passes (at once after the faults), for three minutes at most.
            deadline = time.time() + 180
            while not (outcome := check_dashboards(topology))["passed"] and time.time() < deadline:
                time.sleep(15)
            outcomes.append(outcome)
        traffic.stop()
        log(f"traffic: answers by status {dict(sorted(traffic.outcomes.items()))}")
    finally:
        topology.stop()
    return outcomes


def share_out(names, lanes):
    """The faults split between lanes so that the lanes take about as long (longest first, each to the least loaded
    lane), each lane keeping the drill's order; the dashboards go to the lane that finishes first."""
    minutes = {f.name: f.minutes for f in FAULTS}
    shares = [[] for _ in range(max(1, min(lanes, len([n for n in names if n in minutes]))))]
    load = [0] * len(shares)
    for name in sorted((n for n in names if n in minutes), key=lambda n: -minutes[n]):
        lane = load.index(min(load))
        shares[lane].append(name)
        load[lane] += minutes[name]
    order = [f.name for f in FAULTS]
    shares = [sorted(share, key=order.index) for share in shares]
    if "dashboards" in names:
        shares[load.index(min(load))].append("dashboards")
    return shares


def run_lanes(shares, bin_dir):
    """Each share in a topology of its own, at once (every process on its own ports and folder): the faults take
    minutes of waiting at production timings, not CPU, so two lanes halve the drill's wall time."""
    children, files = [], []
    try:
        for index, share in enumerate(shares, start=1):
            files.append(pathlib.Path(tempfile.mkstemp(prefix="lookout-drill-lane-", suffix=".json")[1]))
            log(f"lane {index}: {', '.join(share)}")
            children.append(subprocess.Popen([sys.executable, __file__, "--lanes", "1", "--faults", ",".join(share), "--bin", str(bin_dir),
                                              "--outcomes", str(files[-1])], env={**os.environ, "DRILL_LANE": str(index)}))
        for child in children:
            child.wait()
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
                child.wait(timeout=120)
    outcomes = {}
    for share, path in zip(shares, files):
        text = path.read_text()
        path.unlink()
        lane = json.loads(text) if text else []
        outcomes.update({o["fault"]: o for o in lane})
        outcomes.update({name: {"fault": name, "description": name, "expected": "", "seconds": None, "passed": False,
                                "detail": "its lane stopped before it ran (see the lane's log)"} for name in share if name not in outcomes})
    return outcomes


def main():
    signal.signal(signal.SIGTERM, stop_on_signal)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", default=",".join([f.name for f in FAULTS] + ["dashboards"]),
                        help="comma-separated fault names, and `dashboards` for the dashboard check (run last)")
    parser.add_argument("--lanes", type=int, default=4, help="topologies run at once, the faults shared out between them (default 4)")
    parser.add_argument("--report", help="write the table into this file (docs/DETECTION.md)")
    parser.add_argument("--bin", default=os.environ.get("SWIFT_BIN_PATH"), help="where the backend, worker and prober binaries are")
    parser.add_argument("--outcomes", help=argparse.SUPPRESS)  # a lane's outcomes, as JSON, for the drill that started it
    arguments = parser.parse_args()
    names = arguments.faults.split(",")
    unknown = set(names) - {f.name for f in FAULTS} - {"dashboards"}
    if unknown:
        parser.error(f"unknown fault(s) {sorted(unknown)}; the faults: {', '.join(f.name for f in FAULTS)}, dashboards")
    bin_dir = pathlib.Path(arguments.bin)
    shares = share_out(names, arguments.lanes)
    if len(shares) == 1:
        outcomes = run_lane(names, bin_dir)
        if arguments.outcomes:   # a lane: its parent reports
            pathlib.Path(arguments.outcomes).write_text(json.dumps(outcomes))
            return 0
    else:
        by_name = run_lanes(shares, bin_dir)
        outcomes = [by_name[name] for name in [f.name for f in FAULTS] + ["dashboards"] if name in by_name]
    shown = [a for a in sys.argv[1:] if a != "--bin" and a != arguments.bin]
    report(outcomes, arguments.report, " ".join(["./scripts/drill.sh"] + shown))
    passed = sum(o["passed"] for o in outcomes)
    print(f"drill: {passed} passed, {len(outcomes) - passed} failed")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
