#!/usr/bin/env bash
# Spread over three real WireGuard tunnels whose underlays are each capped
# at 8 Mbit/s (tbf): three TCP flows must fill all three links, >= 95 % of
# the summed capacity - what the three tunnels carry when each is driven
# alone, all at once, measured in the same run. The same three flows over
# an ECMP multipath route (L4 hash) are measured beside it, and printed:
# per-flow hashing leaves a link idle whenever two flows share one.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/wglab.sh"

SECS=6
netns_up || { fail spread_setup "cannot build namespaces"; finish; }
wglab_up direct relay relay || { fail spread_setup "cannot build the tunnels"; finish; }
for k in 1 2 3; do wglab_cap $k 8mbit; done
iperf_servers 5201 5202 5203

# Capacity: one flow through each tunnel at once, to the tunnel's far end.
pids=()
for k in 1 2 3; do
	iperf_mbit 10.96.$k.1 520$k $SECS > "$TMP/cap$k" &
	pids+=($!)
done
wait "${pids[@]}"
cap=$(python3 -c 'import sys; print("%.2f" % sum(float(open(f).read()) for f in sys.argv[1:]))' "$TMP"/cap[123])
log "capacity: $(cat "$TMP"/cap[123] | paste -sd' ') Mbit/s, sum $cap"

steer_yaml "$PIN" c spread-equal "1 2 3" > "$TMP/c.yaml"
wf_start "$TMP/c.yaml" || { fail spread_start "daemon did not start"; finish; }
if ! wait_all_up 100; then
	$IN_A "$WF" paths --pin-dir "$PIN" >&2
	sed 's/^/    /' "$TMP/wf.log" >&2
	fail spread_start "paths not up"
	finish
fi
spread=$(iperf_mbit 10.99.0.1 5201 $SECS -P 3)
flows=$($IN_A "$WF" paths --json --pin-dir "$PIN" |
	python3 -c 'import json,sys; print(" ".join(str(p["flows"]) for p in json.load(sys.stdin)["paths"]))')
# The control connection and one data flow share p1; otherwise say where
# each flow went (the sticky table: source port, path, packets, bytes, ms
# from the first flow's start to its own and to its last packet).
if [ "$flows" != "2 1 1" ]; then
	$IN_A "$WF" paths --pin-dir "$PIN" 2>&1 | sed 's/^/  /' >&2
	bpftool -j map dump pinned "$PIN/wf_steer_flows" 2>/dev/null | python3 -c '
import json, sys
fl = [(e["formatted"]["key"], e["formatted"]["value"]) for e in json.load(sys.stdin)]
t0 = min((v["first_ns"] for k, v in fl), default=0)
for k, v in sorted(fl, key=lambda f: f[1]["first_ns"]):
    p = k["port_src"]
    print("  flow sport %d: path %d, %d packets, %d bytes, first %+.1f ms, last %+.1f ms"
          % ((p & 255) << 8 | p >> 8, v["path"], v["packets"], v["bytes"],
             (v["first_ns"] - t0) / 1e6, (v["last_ns"] - t0) / 1e6))' >&2
fi
wf_stop

wglab_route_ecmp
ecmp=$(iperf_mbit 10.99.0.1 5201 $SECS -P 3)
pct() { python3 -c "print('%.1f' % (100 * $1 / $2))"; }
log "3 flows: wirefisher spread $spread Mbit/s ($(pct "$spread" "$cap") %, flows per path: $flows)," \
	"ECMP $ecmp Mbit/s ($(pct "$ecmp" "$cap") %) of $cap"
echo "FIGURE spread_pct=$(pct "$spread" "$cap") ecmp_pct=$(pct "$ecmp" "$cap") capacity_mbit=$cap"
claim spread_fills_links python3 -c "import sys; sys.exit(not $spread >= 0.95 * $cap > 0)"
check spread_one_flow_each python3 -c "import sys; sys.exit(not all(int(f) >= 1 for f in '$flows'.split()))"
finish
