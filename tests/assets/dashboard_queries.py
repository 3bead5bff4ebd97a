#!/usr/bin/env python3
"""Every query of the Grafana dashboards, with the dashboard variables filled in.

Used as a library by the end-to-end test (which runs each query against a
real Prometheus) and as a command:

  dashboard_queries.py [--set NAME=VALUE]... DASHBOARD.json...
      prints one JSON object per panel query and per variable query, with
      $job, $instance, $netns, $interface, $peer, $__rate_interval,
      $__interval and $__range replaced (defaults below; multi-value
      variables accept VALUE1,VALUE2 and "All"). $netns defaults to "All",
      which matches the exporter's own namespace (no netns label) as well;
      --set netns= selects the own namespace alone.

  dashboard_queries.py --check [--promtool PATH] DASHBOARD.json...
      checks the dashboards' structure (see check_dashboard) and, with
      promtool, that every substituted query parses as PromQL, once with the
      values given and once more with $netns set to the own namespace alone
      and to two named ones.

Variables are substituted the way Grafana's Prometheus data source does: a
multi-value or include-all variable has its values regex-escaped and joined
as (a|b), "All" becomes the variable's allValue, a single-value variable is
inserted as it is. Only the Python 3 standard library is used.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# Grafana's own interval variables and what --check uses for them.
BUILTIN_DEFAULTS = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
}
DASHBOARD_DEFAULTS = {
    "job": "wireguard",
    "instance": "gw1.example.net:9586",
    # "All" is the variable's allValue, ".*": it also matches series without
    # a netns label, those of the exporter's own namespace.
    "netns": "All",
    "interface": "wg0",
    "peer": "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=",
    "datasource": "prometheus",
}

# The same pattern Grafana's template service uses: $var, [[var:fmt]],
# ${var}, ${var.field}, ${var:fmt}.
VARIABLE_RE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")
REGEX_SPECIAL = re.compile(r"[$^*{}\[\]'+?.()|]")

UNIT_REQUIRED_TYPES = {"stat", "timeseries", "table", "bargauge", "gauge", "state-timeline"}


class DashboardError(ValueError):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def all_panels(dashboard):
    """Every panel, including those nested in collapsed rows."""
    for p in dashboard.get("panels", []):
        yield p
        for nested in p.get("panels", []) or []:
            yield nested


def variable_definitions(dashboard):
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def _regular_escape(value):
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def _special_regex_escape(value):
    # Two backslashes in the query text: one for the PromQL string, one for
    # the regex.
    value = value.replace("\\", "\\\\\\\\")
    return REGEX_SPECIAL.sub(lambda m: "\\\\" + m.group(0), value)


def format_value(definition, value):
    """One variable's value as Grafana writes it into a Prometheus query."""
    values = value if isinstance(value, list) else [value]
    multi = definition is not None and (definition.get("multi") or definition.get("includeAll"))
    if definition is not None and definition.get("includeAll") and values in (["All"], ["$__all"]):
        return definition.get("allValue") or ".+"
    if not multi:
        return _regular_escape(str(values[0]))
    escaped = [_special_regex_escape(str(v)) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def substitute(text, definitions, values, builtins=None, unknown=None):
    """Replaces the variables in one query. `values` maps dashboard variable
    names to a string or a list of strings; `builtins` maps __interval,
    __rate_interval and __range to durations. Names neither defined nor
    built in are left as they are (PromQL's own "$1" in label_replace) and,
    unless they are digits, added to the `unknown` set when one is given."""
    builtins = dict(BUILTIN_DEFAULTS, **(builtins or {}))

    def replace(match):
        name = match.group(1) or match.group(2) or match.group(4)
        if name in builtins:
            return builtins[name]
        if name in ("__range_s", "__range_ms", "__interval_ms"):
            seconds = duration_seconds(builtins["__range" if "range" in name else "__interval"])
            return str(int(seconds * (1000 if name.endswith("_ms") else 1)))
        if name in definitions and name in values:
            fmt = match.group(3) or match.group(6)
            if fmt == "raw":
                v = values[name]
                return ",".join(v) if isinstance(v, list) else v
            return format_value(definitions[name], values[name])
        if unknown is not None and not name.isdigit():
            unknown.add(name)
        return match.group(0)

    return VARIABLE_RE.sub(replace, text)


def duration_seconds(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise DashboardError(f"not a duration: {text!r}")
    return sum(float(n) * units[u] for n, u in parts)


def panel_queries(dashboard, values=None, builtins=None):
    """Every target of every panel: dicts with dashboard, panel_id,
    panel_title, panel_type, ref_id, expr (substituted), raw_expr, instant,
    legend."""
    values = dict(DASHBOARD_DEFAULTS, **(values or {}))
    definitions = variable_definitions(dashboard)
    out = []
    for p in all_panels(dashboard):
        if p.get("type") == "row":
            continue
        for t in p.get("targets", []):
            raw = t.get("expr", "")
            out.append({
                "dashboard": dashboard.get("uid"),
                "panel_id": p.get("id"),
                "panel_title": p.get("title"),
                "panel_type": p.get("type"),
                "ref_id": t.get("refId"),
                "raw_expr": raw,
                "expr": substitute(raw, definitions, values, builtins),
                "instant": bool(t.get("instant")) and not t.get("range", False),
                "legend": t.get("legendFormat"),
            })
    return out


def _variable_query_text(definition):
    query = definition.get("query")
    if isinstance(query, dict):
        return query.get("query", "")
    return query or ""


LABEL_VALUES_RE = re.compile(r"^\s*label_values\(\s*(?:(.*),\s*)?(\w+)\s*\)\s*$", re.S)
QUERY_RESULT_RE = re.compile(r"^\s*query_result\((.*)\)\s*$", re.S)


def variable_queries(dashboard, values=None, builtins=None):
    """The query variables: dicts with name, kind ("label_values" with
    `selector` and `label`, or "query_result" with `expr`), regex, and the
    raw query. Variables are substituted as in panel queries."""
    values = dict(DASHBOARD_DEFAULTS, **(values or {}))
    definitions = variable_definitions(dashboard)
    out = []
    for name, d in definitions.items():
        if d.get("type") != "query":
            continue
        raw = _variable_query_text(d)
        text = substitute(raw, definitions, values, builtins)
        entry = {"dashboard": dashboard.get("uid"), "name": name, "raw_query": raw,
                 "regex": d.get("regex", "")}
        m = LABEL_VALUES_RE.match(text)
        if m:
            entry.update(kind="label_values", selector=m.group(1), label=m.group(2))
        else:
            m = QUERY_RESULT_RE.match(text)
            if not m:
                raise DashboardError(f"{dashboard.get('uid')}: variable {name}: "
                                     f"unsupported query {raw!r}")
            entry.update(kind="query_result", expr=m.group(1))
        out.append(entry)
    return out


def check_dashboard(dashboard):
    """Structural problems, as a list of strings (empty when fine): the
    import input and data source variable, unique panel ids, panels inside
    the 24-column grid, every data panel with a title, a description, a unit
    and at least one non-empty query with a refId unique in the panel, no
    reference to an undefined variable."""
    problems = []
    uid = dashboard.get("uid") or "<no uid>"

    def problem(text):
        problems.append(f"{uid}: {text}")

    if not dashboard.get("uid"):
        problem("no uid")
    if not dashboard.get("title"):
        problem("no title")
    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 36:
        problem(f"schemaVersion {dashboard.get('schemaVersion')!r} is older than 36")
    inputs = [i.get("name") for i in dashboard.get("__inputs", [])]
    if "DS_PROMETHEUS" not in inputs:
        problem("no DS_PROMETHEUS in __inputs")
    definitions = variable_definitions(dashboard)
    for required in ("datasource", "job", "instance"):
        if required not in definitions:
            problem(f"no variable {required!r}")
    ids = set()
    for p in all_panels(dashboard):
        pid = p.get("id")
        where = f"panel {pid} {p.get('title')!r}"
        if pid in ids:
            problem(f"{where}: duplicate id")
        ids.add(pid)
        grid = p.get("gridPos", {})
        if not {"x", "y", "w", "h"} <= grid.keys() or grid["x"] + grid["w"] > 24:
            problem(f"{where}: gridPos {grid} outside the 24-column grid")
        if not p.get("title"):
            problem(f"{where}: no title")
        if p.get("type") == "row":
            continue
        if not p.get("description"):
            problem(f"{where}: no description")
        if p.get("type") in UNIT_REQUIRED_TYPES:
            unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit")
            if not unit:
                problem(f"{where}: no unit in fieldConfig.defaults")
        ds = p.get("datasource") or {}
        if ds.get("type") != "prometheus":
            problem(f"{where}: data source is not Prometheus: {ds}")
        targets = p.get("targets", [])
        if not targets:
            problem(f"{where}: no query")
        refs = set()
        for t in targets:
            if not t.get("expr", "").strip():
                problem(f"{where}: target {t.get('refId')} has an empty query")
            if not t.get("refId") or t.get("refId") in refs:
                problem(f"{where}: missing or duplicate refId {t.get('refId')!r}")
            refs.add(t.get("refId"))
            unknown = set()
            substitute(t.get("expr", ""), definitions, DASHBOARD_DEFAULTS, unknown=unknown)
            if unknown:
                problem(f"{where}: target {t.get('refId')} uses undefined variables "
                        f"{sorted(unknown)}")
    for name, d in definitions.items():
        if d.get("type") == "query":
            unknown = set()
            substitute(_variable_query_text(d), definitions, DASHBOARD_DEFAULTS, unknown=unknown)
            if unknown:
                problem(f"variable {name} uses undefined variables {sorted(unknown)}")
    return problems


# Series that belong to one network namespace: the netns label is part of
# their identity, as the interface name repeats across namespaces.
NETNS_SERIES_RE = re.compile(r"\b(wireguard_(?:interface|peer|netns)_\w+)\b\s*(\{[^}]*\})?")
NETNS_SELECTOR = 'netns=~"$netns"'
GROUPING_RE = re.compile(r"\b(by|without|on|ignoring)\s*\(([^)]*)\)")


def _netns_expr_problems(expr):
    """Selectors of per-namespace series without netns=~"$netns", and
    groupings or matchings that name interface but not netns."""
    out = []
    for m in NETNS_SERIES_RE.finditer(expr):
        if NETNS_SELECTOR not in (m.group(2) or ""):
            out.append(f"{m.group(1)} selected without {NETNS_SELECTOR}")
    for m in GROUPING_RE.finditer(expr):
        labels = {label.strip() for label in m.group(2).split(",")}
        if "interface" in labels and "netns" not in labels:
            out.append(f"{m.group(1)} ({m.group(2)}) names interface but not netns")
    return out


def check_netns(dashboard):
    """For a dashboard with a netns variable: every per-namespace series is
    selected by it, every grouping by interface also groups by netns, every
    legend and table that shows the interface also shows the namespace.
    Problems as a list of strings."""
    problems = []
    uid = dashboard.get("uid") or "<no uid>"
    definitions = variable_definitions(dashboard)
    if "netns" not in definitions:
        return problems
    for p in all_panels(dashboard):
        if p.get("type") == "row":
            continue
        where = f"{uid}: panel {p.get('id')} {p.get('title')!r}"
        for t in p.get("targets", []):
            for text in _netns_expr_problems(t.get("expr", "")):
                problems.append(f"{where}: target {t.get('refId')}: {text}")
            legend = t.get("legendFormat") or ""
            if "{{interface}}" in legend and "{{netns}}" not in legend:
                problems.append(f"{where}: target {t.get('refId')}: legend {legend!r} names "
                                f"the interface but not the namespace")
        for tr in p.get("transformations", []) or []:
            if tr.get("id") != "organize":
                continue
            options = tr.get("options", {})
            for key in ("indexByName", "renameByName"):
                if "interface" in options.get(key, {}) and "netns" not in options.get(key, {}):
                    problems.append(f"{where}: organize {key} has interface but not netns")
    for name, d in definitions.items():
        if d.get("type") != "query" or name == "netns":
            continue
        for text in _netns_expr_problems(_variable_query_text(d)):
            problems.append(f"{uid}: variable {name}: {text}")
    return problems


# $netns values --check parses each query with besides the given one: the
# own namespace alone (as a data link from a row without netns sets it) and
# two named ones (a regex alternation with escaped characters).
NETNS_CHECK_VALUES = ("", ["vpn-a", "pid-4242"])


def promql_problems(queries, promtool="promtool"):
    """Parses every substituted query with `promtool check rules`, each as a
    recording rule of its own, and returns promtool's complaints (empty when
    every query parses)."""
    rules = []
    for i, q in enumerate(queries):
        rules.append({"record": f"dashboard_query:{i}", "expr": q["expr"]})
    with tempfile.TemporaryDirectory(prefix="wgx-dashboard-") as tmp:
        path = os.path.join(tmp, "queries.rules.json")
        # JSON is YAML, so promtool reads it as a rule file.
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, f)
        proc = subprocess.run([promtool, "check", "rules", path], capture_output=True,
                              text=True, timeout=120)
    if proc.returncode == 0:
        return []
    out = []
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.search(r"rule (\d+),", line)
        if m and int(m.group(1)) - 1 < len(queries):
            q = queries[int(m.group(1)) - 1]
            out.append(f"{q.get('dashboard')} panel {q.get('panel_id')} "
                       f"{q.get('panel_title') or q.get('name')!r}: {line.strip()}")
        elif line.strip() and line.strip() != "FAILED:" and "SUCCESS" not in line \
                and not line.startswith("Checking"):
            out.append(line.strip())
    return out or [f"promtool exited {proc.returncode}"]


def _parse_sets(pairs):
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set wants NAME=VALUE, got {pair!r}")
        if name.startswith("__"):
            values[name] = value
        else:
            values[name] = value.split(",") if "," in value else value
    return values


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dashboards", nargs="+")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a variable's value; __rate_interval, __interval and __range "
                             "set Grafana's built-in ones")
    parser.add_argument("--check", action="store_true",
                        help="check structure and (with promtool) PromQL syntax")
    parser.add_argument("--promtool", default="promtool")
    parser.add_argument("--no-promtool", action="store_true")
    args = parser.parse_args(argv)

    sets = _parse_sets(args.set)
    builtins = {k: v for k, v in sets.items() if k.startswith("__")}
    values = {k: v for k, v in sets.items() if not k.startswith("__")}

    if args.check:
        problems = []
        queries = []
        panels = 0
        for path in args.dashboards:
            try:
                dashboard = load(path)
            except (OSError, json.JSONDecodeError) as err:
                problems.append(f"{path}: {err}")
                continue
            problems += check_dashboard(dashboard)
            problems += check_netns(dashboard)
            queries += panel_queries(dashboard, values, builtins)
            for v in variable_queries(dashboard, values, builtins):
                queries.append(dict(v, expr=v.get("expr") or (v.get("selector") or "up")))
            if "netns" in variable_definitions(dashboard) and "netns" not in values:
                for netns in NETNS_CHECK_VALUES:
                    with_netns = dict(values, netns=netns)
                    queries += [q for q in panel_queries(dashboard, with_netns, builtins)
                                if "$netns" in q["raw_expr"]]
                    for v in variable_queries(dashboard, with_netns, builtins):
                        if "$netns" in v["raw_query"]:
                            queries.append(dict(v, expr=v.get("expr") or v.get("selector")))
            panels += sum(1 for p in all_panels(dashboard) if p.get("type") != "row")
        if not args.no_promtool:
            problems += promql_problems(queries, args.promtool)
        for p in problems:
            print("FAIL", p)
        print(f"{len(args.dashboards)} dashboards, {panels} panels, {len(queries)} queries, "
              f"{len(problems)} problems")
        return 1 if problems else 0

    for path in args.dashboards:
        dashboard = load(path)
        for q in panel_queries(dashboard, values, builtins):
            print(json.dumps(q, ensure_ascii=False))
        for v in variable_queries(dashboard, values, builtins):
            print(json.dumps(dict(v, variable=True), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
