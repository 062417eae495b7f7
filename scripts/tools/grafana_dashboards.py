#!/usr/bin/env python3
"""Writes Lookout's Grafana dashboards to deploy/grafana/dashboards/ (issue 6).

    python3 scripts/tools/grafana_dashboards.py          # (re)write the JSON files
    python3 scripts/tools/grafana_dashboards.py --check  # exit 1 if a committed file differs from what this writes

The dashboards are data; this file is their source, so that the conventions hold everywhere by construction: the
templated datasource, `job` and `instance` variables, `$__rate_interval`, a unit and a description on every panel.
scripts/tools/check_dashboards.py validates the result against Grafana's schema and those rules; DeployTests run both.
Edit here, run it, commit both.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Every selector of a raw series carries this filter (recorded `lookout:` series are already summed over instances).
SEL = 'job=~"$job", instance=~"$instance"'


def target(expr, legend="__auto", ref="A", fmt=None, instant=False):
    query = {"refId": ref, "datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "editorMode": "code",
             "range": not instant, "instant": instant}
    if fmt:
        query["format"] = fmt
    return query


def thresholds(*steps):
    """steps: (value or None, color) pairs, the first value None (the base)."""
    return {"mode": "absolute", "steps": [{"value": value, "color": color} for value, color in steps]}


class Layout:
    """Places panels left to right in rows of 24 grid units."""

    def __init__(self):
        self.x, self.y, self.row_height, self.next_id = 0, 0, 0, 1

    def place(self, panel, width, height):
        if self.x + width > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        panel["id"] = self.next_id
        panel["gridPos"] = {"h": height, "w": width, "x": self.x, "y": self.y}
        self.next_id += 1
        self.x += width
        self.row_height = max(self.row_height, height)
        return panel


def timeseries(title, description, unit, targets, *, stack=False, threshold=None, min_value=None, max_value=None,
               draw="line"):
    custom = {"drawStyle": draw, "lineWidth": 1, "fillOpacity": 10 if not stack else 60, "showPoints": "never",
              "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"},
              "thresholdsStyle": {"mode": "line" if threshold is not None else "off"}}
    defaults = {"unit": unit, "custom": custom,
                "thresholds": thresholds((None, "green"), (threshold, "red")) if threshold is not None
                else thresholds((None, "green"))}
    if min_value is not None:
        defaults["min"] = min_value
    if max_value is not None:
        defaults["max"] = max_value
    return {"type": "timeseries", "title": title, "description": description, "datasource": DATASOURCE,
            "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, description, unit, targets, steps, *, decimals=None):
    defaults = {"unit": unit, "thresholds": thresholds(*steps), "color": {"mode": "thresholds"}}
    if decimals is not None:
        defaults["decimals"] = decimals
    return {"type": "stat", "title": title, "description": description, "datasource": DATASOURCE,
            "targets": targets, "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"graphMode": "area", "colorMode": "value", "justifyMode": "auto", "textMode": "value_and_name",
                        "wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard",
                        "orientation": "auto", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "",
                                                                 "values": False}}}


def heatmap(title, description, unit, targets):
    return {"type": "heatmap", "title": title, "description": description, "datasource": DATASOURCE,
            "targets": targets, "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"calculate": False, "yAxis": {"unit": unit}, "cellGap": 1,
                        "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64},
                        "tooltip": {"show": True, "yHistogram": True}, "legend": {"show": True}}}


def variables(job_default, extra=()):
    job = {"type": "query", "name": "job", "label": "Job", "datasource": DATASOURCE,
           "description": "Scrape job (deploy/prometheus/prometheus.*.yml).",
           "query": "label_values(up, job)", "definition": "label_values(up, job)",
           "refresh": 2, "sort": 1, "multi": True, "includeAll": True, "allValue": ".*",
           "current": {"text": job_default, "value": job_default}}
    instance = {"type": "query", "name": "instance", "label": "Instance", "datasource": DATASOURCE,
                "description": "Scraped process (replica, node).",
                "query": 'label_values(up{job=~"$job"}, instance)',
                "definition": 'label_values(up{job=~"$job"}, instance)', "refresh": 2, "sort": 1, "multi": True,
                "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}}
    datasource = {"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
                  "description": "The Prometheus to read (provisioned as uid lookout-prometheus).",
                  "current": {"text": "Prometheus", "value": "lookout-prometheus"}}
    return {"list": [datasource, job, instance, *extra]}


def dashboard(uid, title, description, panels, variable_list, tags):
    return {
        "uid": uid, "title": title, "description": description, "tags": ["lookout", *tags], "editable": True,
        "graphTooltip": 1, "timezone": "utc", "schemaVersion": 39, "version": 1, "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"}, "templating": variable_list,
        "annotations": {"list": [{"name": "Annotations & Alerts", "builtIn": 1, "enable": True, "hide": True,
                                  "iconColor": "rgba(0, 211, 255, 1)", "type": "dashboard",
                                  "datasource": {"type": "grafana", "uid": "-- Grafana --"}}]},
        "links": [{"title": "Lookout dashboards", "type": "dashboards", "icon": "external link", "tooltip": "",
                   "tags": ["lookout"], "asDropdown": True, "targetBlank": False, "includeVars": True,
                   "keepTime": True}],
        "panels": panels,
    }


def api_performance():
    layout, rate = Layout(), "$__rate_interval"
    panels = [
        layout.place(timeseries(
            "Request rate by route", "Requests answered per second, by route template (never raw paths).", "reqps",
            [target(f'sum by (route) (rate(http_requests_total{{{SEL}}}[{rate}]))', "{{route}}")]), 12, 8),
        layout.place(timeseries(
            "p95 latency (objective: 1 s)",
            "95th percentile of request duration per route. The red line is the 1 s objective: above it, fewer than "
            "95 % of requests finish within a second.", "s",
            [target(f'histogram_quantile(0.95, sum by (le, route) (rate(http_request_duration_seconds_bucket{{{SEL}}}[{rate}])))',
                    "{{route}}")], threshold=1), 12, 8),
        layout.place(heatmap(
            "Latency heatmap",
            "How many requests finished in each latency bucket over time (all routes). A band moving up is a "
            "slowdown; two bands are two populations (cache hits and misses, sign-ins).", "s",
            [target(f'sum by (le) (increase(http_request_duration_seconds_bucket{{{SEL}}}[{rate}]))', "{{le}}",
                    fmt="heatmap")]), 12, 8),
        layout.place(timeseries(
            "5xx error ratio (objective: < 1 %)",
            "Share of requests answered with a 5xx, over all routes. The red line is the 1 % error-rate objective.",
            "percentunit",
            # `or vector(0)`: with no 5xx yet there is no 5xx series, and the panel would say "No data" instead of 0 %.
            [target(f'(sum(rate(http_requests_total{{{SEL}, status=~"5.."}}[{rate}])) or vector(0)) / '
                    f'sum(rate(http_requests_total{{{SEL}}}[{rate}]))', "5xx ratio")], threshold=0.01, min_value=0), 12, 8),
        layout.place(timeseries(
            "Status codes", "Responses per second by status code, stacked: the mix of 2xx, 4xx and 5xx.", "reqps",
            [target(f'sum by (status) (rate(http_requests_total{{{SEL}}}[{rate}]))', "{{status}}")], stack=True), 12, 8),
        layout.place(timeseries(
            "Share within 1 s (latency SLI)",
            "Share of requests that finished within 1 s (the bucket le=\"1.0\" as swift-prometheus writes it). "
            "Below the red line (95 %) the p95 is over 1 s.", "percentunit",
            [target(f'sum(rate(http_request_duration_seconds_bucket{{{SEL}, le="1.0"}}[{rate}])) / '
                    f'sum(rate(http_request_duration_seconds_count{{{SEL}}}[{rate}]))', "within 1 s")],
            threshold=0.95, min_value=0, max_value=1), 12, 8),
        layout.place(timeseries(
            "In-flight requests", "Requests being handled at this moment, per process. Growth means requests pile up.",
            "short", [target(f'sum by (instance) (http_requests_in_flight{{{SEL}}})', "{{instance}}")]), 12, 8),
        layout.place(timeseries(
            "Response size p95", "95th percentile of response body size per route.", "bytes",
            [target(f'histogram_quantile(0.95, sum by (le, route) (rate(http_response_size_bytes_bucket{{{SEL}}}[{rate}])))',
                    "{{route}}")]), 12, 8),
    ]
    return dashboard("lookout-api", "API Performance",
                     "The HTTP API: traffic, latency against the 1 s objective, errors against the 1 % objective.",
                     panels, variables("lookout-api"), ["api"])


def business_kpis():
    layout, rate = Layout(), "$__rate_interval"
    panels = [
        layout.place(timeseries(
            "Generation requests", "Generation submissions per second by kind and outcome (accepted, "
            "insufficient_credits, invalid).", "reqps",
            [target(f'sum by (kind, outcome) (rate(lookout_generation_requests_total{{{SEL}}}[{rate}]))',
                    "{{kind}} {{outcome}}")], stack=True), 12, 8),
        layout.place(timeseries(
            "Generation success ratio", "Share of finished generations that succeeded, by kind. Under 90 % for "
            "15 minutes raises LookoutGenerationFailureRatio.", "percentunit",
            [target(f'sum by (kind) (rate(lookout_generations_finished_total{{{SEL}, outcome="succeeded"}}[{rate}])) / '
                    f'sum by (kind) (rate(lookout_generations_finished_total{{{SEL}}}[{rate}]))', "{{kind}}")],
            threshold=0.9, min_value=0, max_value=1), 12, 8),
        layout.place(timeseries(
            "Revenue by currency", "Approved payment amounts per hour, in major units (the counter holds minor "
            "units: cents).", "none",
            [target(f'sum by (currency) (rate(lookout_payment_revenue_minor_units_total{{{SEL}}}[{rate}])) * 3600 / 100',
                    "{{currency}} per hour")]), 12, 8),
        layout.place(timeseries(
            "Payments by outcome", "Payments settled per second: approved, declined (the bank said no), failed "
            "(the provider erred or timed out).", "reqps",
            [target(f'sum by (outcome) (rate(lookout_payments_total{{{SEL}}}[{rate}]))', "{{outcome}}")],
            stack=True), 12, 8),
        layout.place(timeseries(
            "Registrations", "Users registered per hour. The prober registers one account each time it starts.",
            "short",
            [target(f'sum(rate(lookout_user_registrations_total{{{SEL}}}[{rate}])) * 3600', "per hour")]), 8, 8),
        layout.place(timeseries(
            "Active generation tasks", "Generations the workers are running right now, per process.", "short",
            [target(f'sum by (instance) (lookout_generation_active_tasks{{{SEL}}})', "{{instance}}")],
            stack=True), 8, 8),
        layout.place(timeseries(
            "Queue wait p95", "95th percentile of the wait between a job becoming due and a worker claiming it. "
            "Over 60 s (red line) for 10 minutes raises LookoutGenerationQueueWaitHigh.", "s",
            [target(f'histogram_quantile(0.95, sum by (le) (rate(lookout_generation_queue_wait_seconds_bucket{{{SEL}}}[{rate}])))',
                    "p95")], threshold=60), 8, 8),
        layout.place(timeseries(
            "Sign-ins by outcome", "Login attempts per second by outcome (success, failure).", "reqps",
            [target(f'sum by (outcome) (rate(lookout_logins_total{{{SEL}}}[{rate}]))', "{{outcome}}")]), 12, 8),
        layout.place(timeseries(
            "Credits spent", "Credits debited by accepted generations, per hour.", "short",
            [target(f'sum(rate(lookout_credits_spent_total{{{SEL}}}[{rate}])) * 3600', "per hour")]), 12, 8),
    ]
    return dashboard("lookout-business", "Business KPIs",
                     "What users do and pay: generations and their success, revenue, payments, registrations, "
                     "queue wait.", panels, variables("All"), ["business"])


def infrastructure():
    layout, rate = Layout(), "$__rate_interval"
    panels = [
        layout.place(timeseries(
            "Host CPU busy", "Share of CPU time not idle, per node (node-exporter). Over 90 % for 15 minutes "
            "raises LookoutHostHighCPU.", "percentunit",
            [target(f'1 - avg by (instance) (rate(node_cpu_seconds_total{{{SEL}, mode="idle"}}[{rate}]))',
                    "{{instance}}")], threshold=0.9, min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Host memory available", "Share of memory available per node. Under 10 % raises LookoutHostLowMemory.",
            "percentunit",
            [target(f'node_memory_MemAvailable_bytes{{{SEL}}} / node_memory_MemTotal_bytes{{{SEL}}}', "{{instance}}")],
            threshold=0.1, min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Disk free", "Share of each filesystem free. Under 15 % warns, under 5 % pages (LookoutHostDiskSpaceLow).",
            "percentunit",
            [target(f'node_filesystem_avail_bytes{{{SEL}, fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs"}} / '
                    f'node_filesystem_size_bytes{{{SEL}, fstype!~"tmpfs|ramfs|squashfs|overlay|nsfs"}}',
                    "{{instance}} {{mountpoint}}")], threshold=0.15, min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Process CPU", "CPU seconds per second used by each scraped process.", "percentunit",
            [target(f'rate(process_cpu_seconds_total{{{SEL}}}[{rate}])', "{{job}} {{instance}}")]), 8, 8),
        layout.place(timeseries(
            "Process memory", "Resident memory of each scraped process.", "bytes",
            [target(f'process_resident_memory_bytes{{{SEL}}}', "{{job}} {{instance}}")]), 8, 8),
        layout.place(timeseries(
            "File descriptors used", "Open file descriptors over the limit, per process. Over 80 % warns.",
            "percentunit",
            [target(f'process_open_fds{{{SEL}}} / process_max_fds{{{SEL}}}', "{{job}} {{instance}}")],
            threshold=0.8, min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Database pool in use", "Database connections in use over the pool's maximum, per process. Over 90 % "
            "for 10 minutes raises LookoutDatabasePoolSaturated.", "percentunit",
            [target(f'sum by (job, instance) (lookout_db_connections{{{SEL}, state="in_use"}}) / '
                    f'sum by (job, instance) (lookout_db_connections_max{{{SEL}}})', "{{job}} {{instance}}")],
            threshold=0.9, min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Database operation p95", "95th percentile of the time each database operation held its connection.",
            "s",
            [target(f'histogram_quantile(0.95, sum by (le, operation) (rate(lookout_db_query_duration_seconds_bucket{{{SEL}}}[{rate}])))',
                    "{{operation}}")], threshold=0.1), 8, 8),
        layout.place(timeseries(
            "Queue depth", "Jobs in the database queue by state (every process reads the same table: max).",
            "short",
            [target(f'max by (state) (lookout_queue_jobs{{{SEL}}})', "{{state}}")]), 8, 8),
        layout.place(timeseries(
            "Oldest queued job", "Age of the oldest job waiting to be claimed. Over 5 minutes warns, 30 pages.", "s",
            [target(f'max(lookout_queue_oldest_job_age_seconds{{{SEL}}})', "oldest")], threshold=300), 8, 8),
        layout.place(timeseries(
            "Worker heartbeat age", "Seconds since each worker's last heartbeat (written every 5 s). Over 120 s on "
            "every worker pages (LookoutWorkerHeartbeatStale).", "s",
            [target(f'time() - lookout_worker_heartbeat_timestamp_seconds{{{SEL}}}', "{{job}} {{instance}}")],
            threshold=120), 8, 8),
        layout.place(timeseries(
            "Cache hit ratio", "Share of cache lookups that hit, per cache.", "percentunit",
            [target(f'sum by (cache) (rate(lookout_cache_lookups_total{{{SEL}, result="hit"}}[{rate}])) / '
                    f'sum by (cache) (rate(lookout_cache_lookups_total{{{SEL}}}[{rate}]))', "{{cache}}")],
            min_value=0, max_value=1), 8, 8),
        layout.place(timeseries(
            "Scrape targets up", "1 when Prometheus scraped the target, 0 when it failed.", "short",
            [target(f'up{{{SEL}}}', "{{job}} {{instance}}")], min_value=0, max_value=1), 12, 8),
        layout.place(timeseries(
            "Sentry delivery", "Envelopes accepted by Sentry and items dropped, per second.", "reqps",
            [target(f'sum(rate(lookout_sentry_envelopes_sent_total{{{SEL}}}[{rate}]))', "sent"),
             target(f'sum by (reason) (rate(lookout_sentry_items_dropped_total{{{SEL}}}[{rate}]))', "dropped {{reason}}",
                    ref="B")]), 12, 8),
    ]
    return dashboard("lookout-infrastructure", "Infrastructure",
                     "Hosts, processes, database pool, queue, worker heartbeat, caches, scrape targets.",
                     panels, variables("All"), ["infrastructure"])


def slos():
    layout = Layout()
    objective = {"type": "query", "name": "objective", "label": "Objective", "datasource": DATASOURCE,
                 "description": "Service level objective (deploy/slo.yml).",
                 "query": "label_values(lookout:slo_target:ratio, objective)",
                 "definition": "label_values(lookout:slo_target:ratio, objective)", "refresh": 2, "sort": 1,
                 "multi": True, "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}}
    obj = 'objective=~"$objective"'
    good30 = f'sum by (objective) (lookout:slo_good_events:increase30d{{{obj}}})'
    all30 = f'sum by (objective) (lookout:slo_events:increase30d{{{obj}}})'
    panels = [
        layout.place(stat(
            "Objective", "The target share of good events over 30 days, per objective (deploy/slo.yml).",
            "percentunit", [target(f'lookout:slo_target:ratio{{{obj}}}', "{{objective}}", instant=True)],
            [(None, "blue")], decimals=2), 8, 6),
        layout.place(stat(
            "Current value (30 days)", "Good events over all events in the last 30 days, summed over every replica "
            "(traffic weighted). Red below the objective.", "percentunit",
            [target(f'{good30} / {all30}', "{{objective}}", instant=True)],
            [(None, "red"), (0.95, "orange"), (0.99, "green")], decimals=3), 8, 6),
        layout.place(stat(
            "Error budget left", "Share of the 30-day error budget not yet spent: 1 − (bad share ÷ allowed bad "
            "share). Below 0 the objective is missed.", "percentunit",
            [target(f'1 - (1 - {good30} / {all30}) / on (objective) (1 - lookout:slo_target:ratio{{{obj}}})',
                    "{{objective}}", instant=True)],
            [(None, "red"), (0.25, "orange"), (0.5, "green")], decimals=1), 8, 6),
        layout.place(timeseries(
            "Burn rate by window", "How fast the error budget is being spent over each alert window (1 = exactly "
            "the budget over 30 days). Paging needs 14.4 over 1 h and 5 m, or 6 over 6 h and 30 m; a ticket needs 3 "
            "over 1 d and 2 h, or 1 over 3 d and 6 h.", "short",
            [target(f'lookout:slo_burn_rate:{window}{{{obj}}}', "{{objective}} " + window, ref=ref)
             for window, ref in [("5m", "A"), ("30m", "B"), ("1h", "C"), ("2h", "D"), ("6h", "E"), ("1d", "F"),
                                 ("3d", "G")]], threshold=14.4, min_value=0), 24, 9),
        layout.place(timeseries(
            "Good share by window", "Good events over all events for the 1 h, 1 d and 7 d windows.", "percentunit",
            [target(f'sum by (objective) (lookout:slo_good_events:increase{window}{{{obj}}}) / '
                    f'sum by (objective) (lookout:slo_events:increase{window}{{{obj}}})', "{{objective}} " + window,
                    ref=ref) for window, ref in [("1h", "A"), ("1d", "B"), ("7d", "C")]], max_value=1), 12, 8),
        layout.place(timeseries(
            "Bad events by instance", "Events that missed their objective per second, per replica: which process "
            "spends the budget.", "short",
            [target(f'sum by (instance, objective) (rate(lookout_slo_events_total{{{SEL}, {obj}}}[$__rate_interval])) - '
                    f'sum by (instance, objective) (rate(lookout_slo_good_events_total{{{SEL}, {obj}}}[$__rate_interval]))',
                    "{{instance}} {{objective}}")]), 12, 8),
    ]
    return dashboard("lookout-slos", "SLOs",
                     "Service level objectives: target, current value over 30 days, error budget left and burn "
                     "rate per alert window.", panels, variables("lookout-api", [objective]), ["slo"])


DASHBOARDS = {
    "api-performance.json": api_performance,
    "business-kpis.json": business_kpis,
    "infrastructure.json": infrastructure,
    "slos.json": slos,
}


def render(build):
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def main():
    check = "--check" in sys.argv[1:]
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, build in DASHBOARDS.items():
        path, text = OUT / name, render(build)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("out of date (run python3 scripts/tools/grafana_dashboards.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
