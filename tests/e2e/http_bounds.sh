#!/usr/bin/env bash
# The HTTP endpoint's resource bounds, in the daemon's own namespace:
# - idle connections (40 from one address, 40 from as many addresses, none
#   sending a byte) do not keep a scrape out: it answers within 1 s, one
#   address holds at most 16 of them, and the server drops them all after
#   its 5 s idle timeout;
# - with a full flow table (accounting.max_flows 1048576, filled by
#   wf-flood as faults.sh does), scraping /metrics and /flows does not copy
#   the table: the daemon's peak RSS (VmHWM, reset first) stays within 8 MB
#   of its RSS before the scrapes.
# Prints the figures (RSS, scrape latency) it measured.
. "$(dirname "$0")/../lib/e2e.sh"

FLOOD=$ROOT/build/tests/wf-flood
MAX_FLOWS=1048576
FLOOD_N=1000000
FLOOD_NET=10.251.$NET.0/24
URL=http://127.0.0.1:9475
RSS_SLACK_KB=8192

rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$WF_PID/status"; }
# scrape URL: "CODE SECONDS" of one GET from A's namespace.
scrape() { $IN_A curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$1"; }
metric() { $IN_A curl -s --max-time 30 "$URL/metrics" | awk -v n="$1" '$1 == n { print $2; exit }'; }

[ -x "$FLOOD" ] || { fail http_bounds_setup "no $FLOOD (make test-bins)"; finish; }
netns_up || { fail http_bounds_setup "cannot build namespaces"; finish; }
flood_range_up || { fail http_bounds_setup "cannot set up the flood's range"; finish; }
write_config "$TMP/wf.yaml" "accounting:
  max_flows: $MAX_FLOWS"
wf_start "$TMP/wf.yaml" || { fail http_bounds_start "daemon did not start"; finish; }
for ((i = 0; i < 50 * TS; i++)); do
	[ "$(scrape "$URL/health" | cut -d' ' -f1)" = 200 ] && break
	sleep 0.1
done

# ---- 1. Idle connections -------------------------------------------------

# 40 connections from 127.0.0.99 and one from each of 127.0.0.2-41, none
# sending anything. Prints "ready" once all are open, then after 1 s how
# many the server still holds from .99, then (at 6.5 s) how many it holds
# in all.
cat > "$TMP/idle.py" <<'EOF'
import socket, sys, time
def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", 9475))
    except OSError:
        return None
    s.setblocking(False)
    return s
def open_(socks):
    n = 0
    for s in socks:
        if s is None:
            continue
        try:
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            n += 1
        except OSError:
            continue
    return n
one = [conn("127.0.0.99") for _ in range(40)]
many = [conn("127.0.0.%d" % i) for i in range(2, 42)]
print("ready", flush=True)
time.sleep(1)
print("one_address_held", open_(one), flush=True)
time.sleep(5.5)
print("held_after_6.5s", open_(one) + open_(many), flush=True)
EOF
$IN_A python3 "$TMP/idle.py" > "$TMP/idle.out" 2>&1 &
IDLE_PID=$!
BG_PIDS+=($IDLE_PID)
for ((i = 0; i < 50 * TS; i++)); do grep -q ready "$TMP/idle.out" && break; sleep 0.1; done
sleep 0.2
read -r code secs <<< "$(scrape "$URL/metrics")"
log "a scrape with 80 idle connections open: HTTP $code in $secs s"
check http_idle_80_scrape_200 [ "$code" = 200 ]
check http_idle_80_scrape_within_1s python3 -c "import sys; sys.exit(not float('$secs') < 1.0)"
wait $IDLE_PID
log "idle helper: $(tr '\n' ' ' < "$TMP/idle.out")"
held=$(awk '$1 == "one_address_held" { print $2 }' "$TMP/idle.out")
check http_idle_per_address_limit [ "${held:-99}" -le 16 ]
left=$(awk '$1 == "held_after_6.5s" { print $2 }' "$TMP/idle.out")
check http_idle_timeout_5s [ "$left" = 0 ]

# ---- 2. RSS while scraping a full flow table ----------------------------

$IN_A "$FLOOD" "$IP_B" "$FLOOD_NET" $FLOOD_N $ID 30 > "$TMP/flood"
log "flood: $(cat "$TMP/flood")"
flows=$(metric wirefisher_flows)
log "flows in the table: $flows (max_flows $MAX_FLOWS)"
check http_bounds_table_full [ "${flows:-0}" -ge 500000 ]

# Peak RSS over the scrapes: VmHWM, reset to the current RSS first.
rss0=$(rss_kb VmRSS)
echo 5 > "/proc/$WF_PID/clear_refs"
times=()
for u in /metrics /metrics /metrics "/flows" "/flows?top=1000" /status; do
	read -r code secs <<< "$(scrape "$URL$u")"
	[ "$code" = 200 ] || log "$u: HTTP $code"
	times+=("$u=${secs}s")
done
hwm=$(rss_kb VmHWM)
rss1=$(rss_kb VmRSS)
log "RSS before ${rss0} kB, peak during 6 scrapes ${hwm} kB (+$((hwm - rss0)) kB), after ${rss1} kB"
log "scrape latency with $flows flows: ${times[*]}"
check http_bounds_scrapes_200 [ "$code" = 200 ]
check http_bounds_peak_rss_within_8mb [ $((hwm - rss0)) -le $RSS_SLACK_KB ]
check http_bounds_daemon_alive kill -0 "$WF_PID"
finish
