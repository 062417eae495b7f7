#!/usr/bin/env python3
"""Checks Grafana dashboards against Grafana's JSON schema (deploy/grafana/schema) and the dashboard rules below.

    python3 scripts/tools/check_dashboards.py SCHEMA_DIR DASHBOARD.json...

Prints one JSON object: {"problems": [...], "queries": [{"dashboard", "panel", "expr"}...]}. Each query has its
Grafana variables replaced by values Prometheus accepts, so that the caller can hand them to a PromQL parser
(DeployTests puts them in a rule file for `promtool check rules`). Exits 1 when there are problems.

Schema: the dashboard against dashboard.json; every target against prometheus.json (the Prometheus data query);
time series and stat panel options (and time series field config) against timeseries.json and stat.json.
Rules (grafana/dashboard-linter's): a `datasource` variable and `job`/`instance` query variables; every panel uses
the templated datasource and has a title, a description and a unit; counters appear only inside rate/irate/increase;
range selectors use $__rate_interval; every selector of a raw series filters on job and instance. Series recorded by
our rules (names with a colon, e.g. lookout:slo_burn_rate:1h) are already summed over instances and have their
windows in their names, so the last two rules do not apply to them.
"""
import functools
import json
import pathlib
import re
import sys

import jsonschema
from referencing import Registry, Resource

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
RATE_FUNCTIONS = {"rate", "irate", "increase"}
LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
WORDS = {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}
SUBSTITUTIONS = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$job": ".*", "$instance": ".*",
                 "$objective": ".*"}


@functools.lru_cache(maxsize=None)
def validator(schema_dir, file, definition=None):
    """A validator for a schema file (or one of its definitions); the schema folder is read once per run."""
    schema = {"$ref": f"{file}#/definitions/{definition}"} if definition else json.loads((schema_dir / file).read_text())
    return jsonschema.Draft7Validator(schema, registry=registry(schema_dir))


@functools.lru_cache(maxsize=None)
def registry(schema_dir):
    return Registry().with_resources(
        [(path.name, Resource.from_contents(json.loads(path.read_text()))) for path in schema_dir.glob("*.json")])


def scan(expr):
    """Yields (metric, matchers, has_range, innermost_function) for every series selector in a PromQL expression."""
    i, functions, pending = 0, [], None
    while i < len(expr):
        c = expr[i]
        if c == '"':
            i = expr.index('"', i + 1) + 1
            continue
        if c == "[":  # a range or subquery: durations and $__rate_interval, no series
            i = expr.index("]", i) + 1
            continue
        if c == "(":
            functions.append(pending)
            pending = None
            i += 1
            continue
        if c == ")":
            functions.pop()
            i += 1
            continue
        match = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", expr[i:])
        if match and not (i > 0 and (expr[i - 1].isdigit() or expr[i - 1] == ".")):
            word, i = match.group(0), i + len(match.group(0))
            rest = expr[i:].lstrip()
            if word in LIST_KEYWORDS:
                if rest.startswith("("):  # a label list: skip it whole
                    i = expr.index(")", i) + 1
                continue
            if word not in WORDS and (rest.startswith("(") or re.match(r"(by|without)\s*\(", rest)):
                pending = word  # a function or an aggregation (its by/without list comes first)
                continue
            if word in WORDS:
                if word == "offset":
                    i += len(expr[i:]) - len(rest) + len(re.match(r"[0-9a-z]+", rest).group(0))
                continue
            matchers = ""
            if rest.startswith("{"):
                start = expr.index("{", i)
                end = expr.index("}", start)
                matchers, i = expr[start + 1:end], end + 1
            has_range = expr[i:].lstrip().startswith("[")
            yield word, matchers, has_range, next((f for f in reversed(functions) if f), None)
            continue
        i += 1


def lint_expr(expr):
    problems = []
    for selector in re.findall(r"\[([^\]]*)\]", expr):
        if selector != "$__rate_interval":
            problems.append(f"range [{selector}] is not [$__rate_interval]")
    for metric, matchers, has_range, function in scan(expr):
        if ":" in metric:
            continue
        if 'job=~"$job"' not in matchers or 'instance=~"$instance"' not in matchers:
            problems.append(f"{metric} does not filter on job and instance")
        counter = re.search(r"_(total|count|sum|bucket)$", metric)
        if counter and (not has_range or function not in RATE_FUNCTIONS):
            problems.append(f"counter {metric} outside rate/irate/increase")
    return problems


def substitute(expr, values=SUBSTITUTIONS):
    """The expression with Grafana's variables replaced (the longest names first, so none eats another)."""
    for variable in sorted(values, key=len, reverse=True):
        expr = expr.replace(variable, values[variable])
    return expr


def panels(dashboard):
    """Every panel of a dashboard, those inside rows too."""
    pending = list(dashboard.get("panels", []))
    while pending:
        panel = pending.pop(0)
        pending.extend(panel.get("panels", []))
        yield panel


def check(schema_dir, path, problems, queries):
    dashboard = json.loads(path.read_text())
    name = path.name
    for error in validator(schema_dir, "dashboard.json").iter_errors(dashboard):
        problems.append(f"{name}: schema: {'/'.join(map(str, error.absolute_path))}: {error.message}")
    panel_schemas = {
        "timeseries": (validator(schema_dir, "timeseries.json", "Options"),
                       validator(schema_dir, "timeseries.json", "GraphFieldConfig")),
        "stat": (validator(schema_dir, "stat.json", "Options"), None),
    }
    query_schema = validator(schema_dir, "prometheus.json")

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    if variables.get("datasource", {}).get("type") != "datasource" or variables["datasource"].get("query") != "prometheus":
        problems.append(f"{name}: no Prometheus `datasource` variable")
    for variable in ("job", "instance"):
        if variables.get(variable, {}).get("type") != "query":
            problems.append(f"{name}: no `{variable}` query variable")
        elif variables[variable].get("datasource") != DATASOURCE:
            problems.append(f"{name}: variable {variable} does not use the templated datasource")

    for panel in panels(dashboard):
        title = panel.get("title") or f"panel {panel.get('id')}"
        where = f"{name}: {title}"
        for field in ("title", "description"):
            if not panel.get(field):
                problems.append(f"{where}: no {field}")
        if panel.get("datasource") != DATASOURCE:
            problems.append(f"{where}: datasource is not ${{datasource}}")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{where}: no unit")
        options_schema, custom_schema = panel_schemas.get(panel.get("type"), (None, None))
        if options_schema:
            for error in options_schema.iter_errors(panel.get("options", {})):
                problems.append(f"{where}: options: {error.message}")
        if custom_schema:
            for error in custom_schema.iter_errors(panel["fieldConfig"]["defaults"].get("custom", {})):
                problems.append(f"{where}: fieldConfig.custom: {error.message}")
        targets = panel.get("targets", [])
        if not targets:
            problems.append(f"{where}: no query")
        for target in targets:
            for error in query_schema.iter_errors(target):
                problems.append(f"{where}: target {target.get('refId')}: {error.message}")
            if target.get("datasource") != DATASOURCE:
                problems.append(f"{where}: target {target.get('refId')} does not use ${{datasource}}")
            expr = target.get("expr", "")
            problems.extend(f"{where}: {problem}: {expr}" for problem in lint_expr(expr))
            queries.append({"dashboard": name, "panel": title, "expr": substitute(expr)})


def main(arguments):
    if len(arguments) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    schema_dir = pathlib.Path(arguments[0])
    problems, queries = [], []
    for file in arguments[1:]:
        check(schema_dir, pathlib.Path(file), problems, queries)
    print(json.dumps({"problems": problems, "queries": queries}, indent=1))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
