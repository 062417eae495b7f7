#!/usr/bin/env python3
"""The package's own targets and what each depends on, drawn from Package.swift (`swift package dump-package`), for
docs/architecture.md ("The dependency graph"). With --check FILE, fails when the graph in FILE (between the markers)
differs from the package, so the drawing cannot go stale.

    python3 scripts/tools/dependency_graph.py                          # print the graph
    python3 scripts/tools/dependency_graph.py --write docs/architecture.md
    python3 scripts/tools/dependency_graph.py --check docs/architecture.md
"""
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- dependency graph: scripts/tools/dependency_graph.py -->", "<!-- end of dependency graph -->"


def targets():
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    ours = {t["name"]: t for t in manifest["targets"]}
    graph = {}
    for name, target in ours.items():
        if target["type"] == "test" or name == "TestSupport":
            continue
        internal, external = [], []
        for dependency in target["dependencies"]:
            kind, value = next(iter(dependency.items()))
            (internal if kind == "byName" and value[0] in ours else external).append(value[0])
        graph[name] = (internal, external)
    return graph


def layers(graph):
    """Each target after everything it depends on: layer 0 depends on none of ours."""
    depth = {}

    def of(name):
        if name not in depth:
            depth[name] = 1 + max((of(d) for d in graph[name][0]), default=-1)
        return depth[name]
    for name in graph:
        of(name)
    return depth


def render(graph):
    depth = layers(graph)
    width = max(len(n) for n in graph)
    lines = ["```", f"{'target':<{width}}  depends on (ours; outside packages in brackets)"]
    for level in range(max(depth.values()) + 1):
        for name in sorted(n for n in graph if depth[n] == level):
            internal, external = graph[name]
            ours = ", ".join(internal) if internal else "-"
            outside = f"  [{', '.join(sorted(set(external)))}]" if external else ""
            lines.append(f"{name:<{width}}  {ours}{outside}")
    lines.append("```")
    return "\n".join(lines)


def main():
    text = render(targets())
    if len(sys.argv) == 3 and sys.argv[1] in ("--check", "--write"):
        path = pathlib.Path(sys.argv[2])
        document = path.read_text()
        if BEGIN not in document or END not in document:
            sys.exit(f"{path}: the markers {BEGIN} and {END} are missing")
        head, rest = document.split(BEGIN, 1)
        current, tail = rest.split(END, 1)
        if sys.argv[1] == "--write":
            path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")
        elif current.strip() != text.strip():
            sys.exit(f"{path}: the dependency graph differs from Package.swift; run python3 scripts/tools/dependency_graph.py --write {path}")
        return
    print(text)


if __name__ == "__main__":
    main()
