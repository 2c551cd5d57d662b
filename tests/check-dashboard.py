#!/usr/bin/env python3
"""Validate tools/grafana-dashboard.json against the daemon's /metrics.

Usage: tests/check-dashboard.py [SCRAPE] [--dashboard PATH]

Checks that the dashboard is valid JSON, has the fields Grafana's import
needs, that every panel has a unique id, a known type, a gridPos and the
${DS_PROMETHEUS} datasource (rows excepted), that every query is balanced
in its parentheses, brackets, braces and quotes, that every variable a
query uses is defined, and that every wirefisher_* metric a query names is
one the daemon exports (METRICS below). Given SCRAPE, a file holding a
/metrics scrape, it also checks that every metric the dashboard uses
appears in it, except the top-flow and program metrics, which need traffic
or kernel.bpf_stats_enabled=1.

Prints one "PASS dashboard/<check>" or "FAIL dashboard/<check>: why" line
per check and exits 1 if any check failed. Python 3 standard library only.
"""
import json
import os
import re
import sys

# The metrics the /metrics endpoint exports (names only; labels in the
# comment). Keep in step with the endpoint.
METRICS = {
    "wirefisher_build_info",                    # {version,abi}
    "wirefisher_start_time_seconds",
    "wirefisher_reloads_total",
    "wirefisher_reload_failures_total",
    "wirefisher_packets_total",
    "wirefisher_bytes_total",
    "wirefisher_unaccounted_packets_total",     # {reason}
    "wirefisher_dropped_packets_total",
    "wirefisher_dropped_bytes_total",
    "wirefisher_ecn_marked_packets_total",
    "wirefisher_flows",
    "wirefisher_flows_created_total",
    "wirefisher_flows_evicted_total",
    "wirefisher_flow_errors_total",
    "wirefisher_map_entries",                   # {map}
    "wirefisher_map_max_entries",               # {map}
    "wirefisher_rule_passed_packets_total",     # {rule,match}
    "wirefisher_rule_passed_bytes_total",
    "wirefisher_rule_dropped_packets_total",
    "wirefisher_rule_dropped_bytes_total",
    "wirefisher_rule_limit_bytes_per_second",
    "wirefisher_rule_rate_bytes_per_second",
    "wirefisher_rule_smoothed_rate_bytes_per_second",
    "wirefisher_path_up",                       # {path,device}
    "wirefisher_path_state",                    # {path,device,state}
    "wirefisher_path_rtt_seconds",
    "wirefisher_path_jitter_seconds",
    "wirefisher_path_loss_ratio",
    "wirefisher_path_score",
    "wirefisher_path_flows",
    "wirefisher_path_transmit_bytes_per_second",
    "wirefisher_path_probes_total",
    "wirefisher_path_probes_lost_total",
    "wirefisher_path_handshake_age_seconds",
    "wirefisher_path_aggregate_packets_total",
    "wirefisher_path_aggregate_bytes_total",
    "wirefisher_path_aggregate_queue_seconds",
    "wirefisher_path_duplicate_copies_total",
    "wirefisher_path_duplicate_passed_total",
    "wirefisher_path_duplicate_dropped_total",
    "wirefisher_path_quiet_seconds",
    "wirefisher_path_suspected_total",
    "wirefisher_path_silence_downs_total",
    "wirefisher_path_flowlet_moves_total",
    "wirefisher_route_flowlet_gap_seconds",     # {route}
    "wirefisher_route_path",                    # {route,path}
    "wirefisher_steered_packets_total",
    "wirefisher_steer_no_path_packets_total",
    "wirefisher_top_flow_rate_bytes_per_second",  # {rank,iface,dir,proto,src,sport,dst,dport}
    "wirefisher_top_flow_bytes",
    "wirefisher_program_runs_total",            # {program}
    "wirefisher_program_run_seconds_total",
}

# Present only with traffic (top flows) or kernel.bpf_stats_enabled=1
# (program stats): not required in a scrape.
SCRAPE_OPTIONAL_PREFIXES = ("wirefisher_top_flow_", "wirefisher_program_")

DATASOURCE = "${DS_PROMETHEUS}"

# Grafana's built-in panel types; anything else needs a plugin.
PANEL_TYPES = {
    "row", "timeseries", "stat", "gauge", "bargauge", "table", "state-timeline",
    "status-history", "text", "heatmap", "histogram", "piechart", "barchart",
    "xychart", "trend", "candlestick", "canvas", "geomap", "nodeGraph", "logs",
    "traces", "flamegraph", "news", "dashlist", "alertlist", "annolist",
    "graph", "singlestat",
}

# Variables Grafana defines itself.
BUILTIN_VARS = {
    "__rate_interval", "__interval", "__interval_ms", "__range", "__range_s",
    "__range_ms", "__from", "__to", "__dashboard", "__user", "__org", "__name",
    "__timeFilter", "timeFilter",
}

GRID_WIDTH = 24

results = []


def report(name, problems):
    """problems: list of strings; empty means PASS."""
    if problems:
        more = "" if len(problems) <= 8 else "; ... (%d more)" % (len(problems) - 8)
        print("FAIL dashboard/%s: %s%s" % (name, "; ".join(problems[:8]), more))
        results.append(False)
    else:
        print("PASS dashboard/%s" % name)
        results.append(True)


def all_panels(dash):
    """Yield (panel, container) for every panel, including those nested in
    collapsed rows; container is 'top' or the row's id."""
    for p in dash.get("panels") or []:
        if not isinstance(p, dict):
            continue
        yield p, "top"
        if p.get("type") == "row":
            for c in p.get("panels") or []:
                if isinstance(c, dict):
                    yield c, "row %s" % p.get("id")


def panel_name(p):
    return "panel %s %r" % (p.get("id"), p.get("title", ""))


def ds_uid(ds):
    if isinstance(ds, str):
        return ds
    if isinstance(ds, dict):
        return ds.get("uid")
    return None


def variable_query(v):
    q = v.get("query")
    if isinstance(q, dict):
        q = q.get("query")
    if not isinstance(q, str) or not q:
        q = v.get("definition")
    return q if isinstance(q, str) else ""


def exprs_of(dash):
    """Every PromQL-ish query: (where, expr) for panel targets and query
    variables."""
    out = []
    for p, _ in all_panels(dash):
        for i, t in enumerate(p.get("targets") or []):
            if isinstance(t, dict) and "expr" in t:
                out.append(("%s target %s" % (panel_name(p), t.get("refId", i)), t["expr"]))
    for v in (dash.get("templating") or {}).get("list") or []:
        if isinstance(v, dict) and v.get("type") == "query":
            out.append(("variable %s" % v.get("name"), variable_query(v)))
    return out


def scan(expr):
    """Check quotes and (), [], {} nesting. Returns (error or None, the
    expression with string literals and comments blanked out)."""
    closers = {")": "(", "]": "[", "}": "{"}
    stack = []
    code = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            j = i + 1
            while j < n:
                if expr[j] == "\\" and c != "`":
                    j += 2
                    continue
                if expr[j] == c:
                    break
                if expr[j] == "\n" and c != "`":
                    j = n
                    break
                j += 1
            if j >= n:
                return "unterminated %s string at offset %d" % (c, i), None
            code.append(" " * (j + 1 - i))
            i = j + 1
            continue
        if c == "#":  # PromQL comment to the end of the line
            j = expr.find("\n", i)
            j = n if j < 0 else j
            code.append(" " * (j - i))
            i = j
            continue
        if c in "([{":
            stack.append((c, i))
        elif c in closers:
            if not stack:
                return "unmatched '%s' at offset %d" % (c, i), None
            if stack[-1][0] != closers[c]:
                return "'%s' at offset %d closes '%s' from offset %d" % (
                    c, i, stack[-1][0], stack[-1][1]), None
            stack.pop()
        code.append(c)
        i += 1
    if stack:
        return "unclosed '%s' at offset %d" % stack[-1], None
    return None, "".join(code)


VAR_RE = re.compile(r"\$\{(\w+)(?:[:.][^}]*)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]")
METRIC_RE = re.compile(r"(?<![\w:$])wirefisher_[A-Za-z0-9_:]*")
NAME_MATCHER_RE = re.compile(r"__name__\s*=~?\s*\"([^\"]*)\"")


def metrics_in(expr):
    """wirefisher_* names an expression uses, outside strings, plus exact
    names in __name__ matchers."""
    err, code = scan(expr)
    if err:
        return set()
    code = VAR_RE.sub(lambda m: " " * len(m.group(0)), code)
    names = set(METRIC_RE.findall(code))
    for m in NAME_MATCHER_RE.findall(expr):
        if re.fullmatch(r"wirefisher_[A-Za-z0-9_:]*", m):
            names.add(m)
    return names


def check_structure(dash):
    problems = []
    for key in ("title", "uid"):
        if not isinstance(dash.get(key), str) or not dash.get(key).strip():
            problems.append("no %s" % key)
    if not isinstance(dash.get("panels"), list) or not dash.get("panels"):
        problems.append("no panels")
    tmpl = dash.get("templating")
    if not isinstance(tmpl, dict) or not isinstance(tmpl.get("list"), list):
        problems.append("no templating.list")
    if not isinstance(dash.get("schemaVersion"), int):
        problems.append("no schemaVersion")
    inputs = dash.get("__inputs")
    if not isinstance(inputs, list) or not any(
            isinstance(i, dict) and i.get("name") == "DS_PROMETHEUS"
            and i.get("type") == "datasource" and i.get("pluginId") == "prometheus"
            for i in inputs):
        problems.append("no __inputs entry for datasource DS_PROMETHEUS (prometheus)")
    report("structure", problems)


def check_ids(dash):
    problems = []
    seen = {}
    for p, _ in all_panels(dash):
        pid = p.get("id")
        if not isinstance(pid, int) or isinstance(pid, bool):
            problems.append("%s: id is not an integer" % panel_name(p))
            continue
        if pid in seen:
            problems.append("id %d used by %r and %r" % (pid, seen[pid], p.get("title", "")))
        seen[pid] = p.get("title", "")
    report("panel_ids", problems)


def check_panels(dash):
    problems = []
    boxes = {}
    for p, where in all_panels(dash):
        t = p.get("type")
        if not isinstance(t, str) or not t:
            problems.append("%s: no type" % panel_name(p))
        elif t not in PANEL_TYPES:
            problems.append("%s: type %r is not a built-in panel" % (panel_name(p), t))
        if not isinstance(p.get("title"), str):
            problems.append("%s: no title" % panel_name(p))
        g = p.get("gridPos")
        if not isinstance(g, dict) or not all(
                isinstance(g.get(k), int) and not isinstance(g.get(k), bool) for k in "hwxy"):
            problems.append("%s: gridPos needs integer h, w, x, y" % panel_name(p))
            continue
        if g["w"] < 1 or g["h"] < 1 or g["x"] < 0 or g["y"] < 0 or g["x"] + g["w"] > GRID_WIDTH:
            problems.append("%s: gridPos %s outside the %d-column grid" % (panel_name(p), g, GRID_WIDTH))
            continue
        for q, h in boxes.setdefault(where, []):
            if (g["x"] < h["x"] + h["w"] and h["x"] < g["x"] + g["w"]
                    and g["y"] < h["y"] + h["h"] and h["y"] < g["y"] + g["h"]):
                problems.append("%s overlaps %s" % (panel_name(p), panel_name(q)))
        boxes[where].append((p, g))
        if t != "row" and t != "text" and not p.get("targets"):
            problems.append("%s: no targets" % panel_name(p))
    report("panels", problems)


def check_datasources(dash):
    problems = []
    for p, _ in all_panels(dash):
        if p.get("type") == "row":
            continue
        if ds_uid(p.get("datasource")) != DATASOURCE:
            problems.append("%s: datasource %r, not %s" % (panel_name(p), p.get("datasource"), DATASOURCE))
        for t in p.get("targets") or []:
            if isinstance(t, dict) and "datasource" in t and ds_uid(t["datasource"]) != DATASOURCE:
                problems.append("%s target %s: datasource %r" % (panel_name(p), t.get("refId"), t["datasource"]))
    for v in (dash.get("templating") or {}).get("list") or []:
        if isinstance(v, dict) and v.get("type") == "query" and ds_uid(v.get("datasource")) != DATASOURCE:
            problems.append("variable %s: datasource %r" % (v.get("name"), v.get("datasource")))
    report("datasources", problems)


def check_exprs(dash):
    problems = []
    exprs = exprs_of(dash)
    if not exprs:
        problems.append("no queries at all")
    for where, expr in exprs:
        if not isinstance(expr, str) or not expr.strip():
            problems.append("%s: empty expr" % where)
            continue
        err, _ = scan(expr)
        if err:
            problems.append("%s: %s in %r" % (where, err, expr))
    report("exprs", problems)


def check_variables(dash):
    problems = []
    defined = {v.get("name") for v in (dash.get("templating") or {}).get("list") or []
               if isinstance(v, dict)}
    used = []
    for where, expr in exprs_of(dash):
        if isinstance(expr, str):
            used.append((where, expr))
    for p, _ in all_panels(dash):
        if isinstance(p.get("title"), str):
            used.append(("%s title" % panel_name(p), p["title"]))
        if p.get("repeat"):
            used.append(("%s repeat" % panel_name(p), "$" + str(p["repeat"])))
    for where, text in used:
        for m in VAR_RE.finditer(text):
            name = m.group(1) or m.group(2) or m.group(3)
            if name == "DS_PROMETHEUS" and m.group(1):
                continue
            if name not in defined and name not in BUILTIN_VARS:
                problems.append("%s: $%s is not defined" % (where, name))
    report("variables", problems)


def used_metrics(dash):
    used = {}
    for where, expr in exprs_of(dash):
        if isinstance(expr, str):
            for name in metrics_in(expr):
                used.setdefault(name, where)
    return used


def check_metric_names(dash):
    used = used_metrics(dash)
    problems = ["%s uses unknown metric %s" % (where, name)
                for name, where in sorted(used.items()) if name not in METRICS]
    if not used:
        problems.append("no wirefisher_* metric used at all")
    report("metric_names", problems)


def parse_scrape(text):
    """Names with samples, and names only declared by # HELP / # TYPE."""
    sampled, declared = set(), set()
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            parts = s.split()
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                declared.add(parts[2])
            continue
        m = re.match(r"[A-Za-z_:][A-Za-z0-9_:]*", s)
        if m:
            sampled.add(m.group(0))
    return sampled, declared


def check_scrape(dash, path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        report("scrape", ["cannot read %s: %s" % (path, e.strerror)])
        return
    sampled, declared = parse_scrape(text)
    if not any(n.startswith("wirefisher_") for n in sampled | declared):
        report("scrape", ["%s holds no wirefisher_* metric" % path])
        return
    problems = []
    for name in sorted(used_metrics(dash)):
        if name.startswith(SCRAPE_OPTIONAL_PREFIXES) or name in sampled:
            continue
        # A family with no series yet (no rules, no paths) may be declared
        # only; OpenMetrics declares counters without _total.
        base = name[:-len("_total")] if name.endswith("_total") else name
        if name in declared or base in declared:
            continue
        problems.append("%s not in %s" % (name, path))
    report("scrape", problems)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    dash_path = os.path.join(here, "..", "tools", "grafana-dashboard.json")
    args = list(argv[1:])
    if "--dashboard" in args:
        i = args.index("--dashboard")
        if i + 1 >= len(args):
            print("usage: %s [SCRAPE] [--dashboard PATH]" % argv[0], file=sys.stderr)
            return 2
        dash_path = args[i + 1]
        del args[i:i + 2]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: %s [SCRAPE] [--dashboard PATH]" % argv[0], file=sys.stderr)
        return 2

    try:
        with open(dash_path, encoding="utf-8") as f:
            dash = json.load(f)
    except OSError as e:
        report("json", ["cannot read %s: %s" % (dash_path, e.strerror)])
        return 1
    except ValueError as e:
        report("json", ["%s: %s" % (dash_path, e)])
        return 1
    if not isinstance(dash, dict):
        report("json", ["%s: top level is not an object" % dash_path])
        return 1
    report("json", [])

    check_structure(dash)
    check_ids(dash)
    check_panels(dash)
    check_datasources(dash)
    check_exprs(dash)
    check_variables(dash)
    check_metric_names(dash)
    if args:
        check_scrape(dash, args[0])
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
