#!/usr/bin/env bash
# The HTTP endpoint, scraped with curl from the daemon's own namespace:
# /metrics passes promtool and a strict check of the exposition format, and
# its numbers are the daemon's (exact packet counts); the JSON API answers
# (/health, /status, /flows?top=N, /paths, POST /paths/switch moves a route
# and hands it back); a switch needs the root-only token and is refused to
# nobody, to a foreign Host or an Origin, to form and text bodies (403/415);
# bad requests get 400/404/405; the endpoint listens on 127.0.0.1 only, and
# a wider listen needs http.allow_remote; the dashboard's metrics are all in a scrape; log.format:
# json writes one JSON object per line; a port in use is refused cleanly.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

URL=http://127.0.0.1:9475
netns_up || { fail http_setup "cannot build namespaces"; finish; }
wglab_up direct direct || { fail http_setup "cannot build the tunnels"; finish; }
PROGS_BEFORE=$(wf_prog_count)
{
	steer_yaml "$PIN" c failover "1 2"
	cat <<EOF
interfaces:
  - name: $IF_A
log:
  format: json
http:
  top_flows: 3
rules:
  - name: udp-9400
    match: { dst: $IP_B, proto: udp, dport: 9400, direction: egress }
    rate: 8mbit
EOF
} > "$TMP/c.yaml"
steer_yaml "$PIN_S" s failover "1 2" > "$TMP/s.yaml"
wf_server_start "$TMP/s.yaml" || { fail http_start "server daemon"; finish; }
wf_start "$TMP/c.yaml" || { fail http_start "client daemon"; finish; }
check http_paths_up wait_all_up 100

get() { $IN_A curl -s --max-time 5 "$@"; }
code() { $IN_A curl -s -o "$TMP/body" -w '%{http_code}' --max-time 5 "$@"; }

# Exactly 100 datagrams through the rule, under its limit.
$IN_A "$UDP" send "$IP_B" 9400 100 100 1000 41000 > /dev/null
get "$URL/metrics" > "$TMP/metrics"

# The format: promtool's parser and linter, and a strict check of our own.
check http_metrics_promtool promtool check metrics < "$TMP/metrics"
check http_metrics_strict python3 - "$TMP/metrics" <<'EOF'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r'^(%s)(?:\{(%s(?:,%s)*)\})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?|[+-]Inf|NaN)$' % (name, label, label))
typed, seen, series, bad = {}, set(), set(), []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        seen.add(line.split()[2])
    elif line.startswith("# TYPE "):
        _, _, m, t = line.split()
        if m in typed: bad.append("%d: second TYPE for %s" % (n, m))
        if t not in ("counter", "gauge"): bad.append("%d: type %s" % (n, t))
        if (t == "counter") != m.endswith("_total"): bad.append("%d: %s %s" % (n, t, m))
        typed[m] = t
    else:
        s = sample.match(line)
        if not s: bad.append("%d: not a sample: %r" % (n, line)); continue
        if s.group(1) not in typed or s.group(1) not in seen:
            bad.append("%d: %s has no HELP/TYPE before it" % (n, s.group(1)))
        if (s.group(1), s.group(2)) in series: bad.append("%d: duplicate series" % n)
        series.add((s.group(1), s.group(2)))
        if "bits" in s.group(1): bad.append("%d: bits, not bytes" % n)
print("\n".join(bad[:10]))
sys.exit(1 if bad or not series else 0)
EOF
# metric NAME [LABEL-MATCH]: the value of the first matching sample.
metric() { awk -v n="$1" -v m="${2:-}" 'index($1, n) == 1 && (substr($1, length(n) + 1, 1) == "{" || substr($1, length(n) + 1, 1) == "") && index($1, m) { print $2; exit }' "$TMP/metrics"; }
passed=$(metric wirefisher_rule_passed_packets_total 'rule="udp-9400"')
dropped=$(metric wirefisher_rule_dropped_packets_total 'rule="udp-9400"')
check http_rule_counts_exact [ "$((passed + dropped))" = 100 ]
check http_rule_limit [ "$(metric wirefisher_rule_limit_bytes_per_second 'rule="udp-9400"')" = 1000000 ]
check http_build_info [ "$(metric wirefisher_build_info)" = 1 ]
check http_path_up [ "$(metric wirefisher_path_up 'path="p1"')" = 1 ]
check http_route_path [ "$(metric wirefisher_route_path 'path="p1"')" = 1 ]
# A tunnel's transmit rate (its probes at least; TUN devices have no
# link-layer address, which getifaddrs() skipped).
# Measured once a second: wait for it (bounded).
path_rate() { get "$URL/metrics" | awk '/^wirefisher_path_transmit_bytes_per_second\{path="p1"/ { print ($2 > 0) }'; }
for ((i = 0; i < 30 * TS; i++)); do [ "$(path_rate)" = 1 ] && break; sleep 0.1; done
check http_path_rate_measured [ "$(path_rate)" = 1 ]
check http_top_flows_bounded [ "$(grep -c '^wirefisher_top_flow_bytes{' "$TMP/metrics")" -le 3 ]
check http_top_flow_rank1 grep -q '^wirefisher_top_flow_rate_bytes_per_second{rank="1",' "$TMP/metrics"
check http_program_counts grep -q '^wirefisher_program_runs_total{program="wf_tc_egress"}' "$TMP/metrics"
check http_dashboard_metrics_scraped bash -c "python3 '$ROOT/tests/check-dashboard.py' '$TMP/metrics' | grep -v '^PASS' >&2; exit \${PIPESTATUS[0]}"

# JSON.
check http_health [ "$(get "$URL/health" | json 'd["status"]')" = ok ]
check http_status_rules [ "$(get "$URL/status" | json '[r["name"] for r in d["rules"]] == ["udp-9400"] and d["flows"] == []')" = True ]
get "$URL/flows?top=2" > "$TMP/flows.json"
check http_flows_top_2 [ "$(json 'len(d["flows"])' < "$TMP/flows.json")" = 2 ]
check http_flows_sorted [ "$(json 'd["flows"][0]["rate_bytes_per_s"]["inst"] >= d["flows"][1]["rate_bytes_per_s"]["inst"]' < "$TMP/flows.json")" = True ]
check http_paths_json [ "$(get "$URL/paths" | json '[p["name"] for p in d["paths"]]')" = "['p1', 'p2']" ]

# POST /paths/switch needs the token the daemon wrote for root only, as
# `wirefisher switch` needs root. Nobody else, no web page (an Origin, or
# a Host other than the listen address: DNS rebinding), no form or text
# body (sent cross-origin without a preflight) moves a route.
TOKEN_FILE=/run/wirefisher/wf-e2e-$ID.http-token
check http_token_file_root_0600 [ "$(stat -c '%u %a' "$TOKEN_FILE" 2>/dev/null)" = "0 600" ]
TOKEN=$(cat "$TOKEN_FILE" 2>/dev/null)
AUTH="Authorization: Bearer $TOKEN"
JSON="Content-Type: application/json"
SW=$URL/paths/switch
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
check http_token_unreadable_by_nobody bash -c "! $NOBODY cat '$TOKEN_FILE' 2>/dev/null"
nobody_code() { $IN_A $NOBODY curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"; }
check http_switch_nobody_403 [ "$(nobody_code -X POST -d 'prefix=10.99.0.0/24&via=p2' "$SW")" = 403 ]
check http_switch_nobody_query_403 [ "$(nobody_code -X POST "$SW?prefix=10.99.0.0/24&via=p2")" = 403 ]
check http_switch_no_token_403 [ "$(code -X POST -H "$JSON" -d '{"prefix":"10.99.0.0/24","via":"p2"}' "$SW")" = 403 ]
check http_switch_bad_token_403 [ "$(code -X POST -H "Authorization: Bearer ${TOKEN//?/0}" "$SW?prefix=10.99.0.0/24&via=p2")" = 403 ]
check http_switch_host_evil_403 [ "$(code -X POST -H "$AUTH" -H 'Host: evil' "$SW?prefix=10.99.0.0/24&via=p2")" = 403 ]
check http_switch_host_evil_port_403 [ "$(code -X POST -H "$AUTH" -H 'Host: evil.example:9475' "$SW?prefix=10.99.0.0/24&via=p2")" = 403 ]
check http_switch_origin_403 [ "$(code -X POST -H "$AUTH" -H 'Origin: http://evil' "$SW?prefix=10.99.0.0/24&via=p2")" = 403 ]
check http_switch_form_415 [ "$(code -X POST -H "$AUTH" -d 'prefix=10.99.0.0/24&via=p2' "$SW")" = 415 ]
check http_switch_text_415 [ "$(code -X POST -H "$AUTH" -H 'Content-Type: text/plain' -d '{"prefix":"10.99.0.0/24","via":"p2"}' "$SW")" = 415 ]
check http_get_host_evil_403 [ "$(code -H 'Host: evil:9475' "$URL/metrics")" = 403 ]
check http_get_origin_403 [ "$(code -H 'Origin: http://evil' "$URL/paths")" = 403 ]
check http_refused_changed_nothing [ "$(route_via)" = p1 ]
check http_get_nobody_200 [ "$(nobody_code "$URL/metrics")" = 200 ]
check http_get_host_localhost_200 [ "$(code -H 'Host: localhost:9475' "$URL/health")" = 200 ]

# As root, with the token: the switch moves the route, as wirefisher
# switch does (a JSON body, or the query with no body).
check http_switch_via_200 [ "$(code -X POST -H "$AUTH" -H "$JSON" -d '{"prefix": "10.99.0.0/24", "via": "p2"}' "$SW")" = 200 ]
check http_switch_took_effect [ "$(route_via)" = p2 ]
check http_switch_pinned [ "$(get "$URL/paths" | json 'd["routes"][0]["pinned"]')" = True ]
check http_switch_auto_200 [ "$(code -X POST -H "$AUTH" "$SW?prefix=10.99.0.0/24&auto=1")" = 200 ]
check http_switch_back wait_via p1 30
# wirefisher switch names the route it moved by its prefix, not by the
# address it was given.
out=$($IN_A "$WF" switch 10.99.0.7 --via p2 --pin-dir "$PIN" 2>&1)
check switch_cli_names_prefix grep -qx "route 10.99.0.0/24: pinned by hand" <<< "$out"
check switch_cli_took_effect [ "$(route_via)" = p2 ]
out=$($IN_A "$WF" switch 10.99.0.7 --auto --pin-dir "$PIN" 2>&1)
check switch_cli_auto_names_prefix grep -qx "route 10.99.0.0/24: back to the prober's choice" <<< "$out"
check switch_cli_back wait_via p1 30
check http_switch_missing_400 [ "$(code -X POST -H "$AUTH" -H "$JSON" -d '{"via":"p2"}' "$SW")" = 400 ]
check http_switch_bad_json_400 [ "$(code -X POST -H "$AUTH" -H "$JSON" -d '{"prefix":"10.99.0.0/24","via":p2}' "$SW")" = 400 ]
check http_switch_unknown_route_404 [ "$(code -X POST -H "$AUTH" "$SW?prefix=10.55.0.1&via=p2")" = 404 ]
check http_switch_not_a_path_404 [ "$(code -X POST -H "$AUTH" -H "$JSON" -d '{"prefix":"10.99.0.0/24","via":"nope"}' "$SW")" = 404 ]
check http_switch_get_405 [ "$(code "$URL/paths/switch")" = 405 ]
check http_unknown_404 [ "$(code "$URL/nope")" = 404 ]
check http_bad_top_400 [ "$(code "$URL/flows?top=0")" = 400 ]

# paths --watch in an 80-column terminal: drawn in place, every line fits.
tty_view "$TMP/tty" $IN_A "$WF" paths --watch=300ms --pin-dir "$PIN"
check http_paths_watch_80_columns tty_view_ok "$TMP/tty"

# Loopback only: from B, A's address does not answer.
check http_not_on_veth bash -c "! $IN_B curl -s --max-time 2 http://$IP_A:9475/health"

# JSON logs: every line one object with ts, level, msg; no per-packet lines.
check http_json_logs python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for l in lines:
    d = json.loads(l)
    assert set(d) == {"ts", "level", "msg"} and d["ts"].endswith("Z"), l
assert 3 <= len(lines) <= 40, len(lines)' "$TMP/wf.log"

# A listen address other than loopback needs http.allow_remote: true.
printf 'interfaces:\n  - name: %s\npin_dir: %s\nhttp:\n  listen: 0.0.0.0:9476\n' "$IF_A" "$PIN-3" > "$TMP/remote.yaml"
$IN_A timeout $((20 * TS)) "$WF" -c "$TMP/remote.yaml" > "$TMP/remote.log" 2>&1
check http_remote_listen_refused [ $? -eq 1 ]
check http_remote_listen_message grep -q "http.listen: \"0.0.0.0:9476\" is not a loopback address" "$TMP/remote.log"
rmdir "$PIN-3" 2>/dev/null

# A second daemon wanting the same port (another pin directory): refused,
# nothing left behind.
PROGS_BEFORE=$(wf_prog_count)
printf 'interfaces:\n  - name: %s\npin_dir: %s\n' "$IF_A" "$PIN-2" > "$TMP/two.yaml"
$IN_A timeout $((20 * TS)) "$WF" -c "$TMP/two.yaml" > "$TMP/two.log" 2>&1
check http_port_in_use_exit_1 [ $? -eq 1 ]
check http_port_in_use_message grep -q "http.listen: cannot listen on 127.0.0.1:9475: Address already in use" "$TMP/two.log"
check http_port_in_use_no_pins [ ! -e "$PIN-2" ]
check http_port_in_use_no_programs settled "$PROGS_BEFORE" wf_prog_count
rmdir "$PIN-2" 2>/dev/null
finish
