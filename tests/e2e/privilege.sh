#!/usr/bin/env bash
# Least privilege. The daemon runs (and polices) with exactly the systemd
# unit's capabilities - CAP_BPF, CAP_NET_ADMIN, CAP_NET_RAW, CAP_PERFMON -
# as root with every other capability out of its bounding set; the unit
# file itself passes systemd-analyze. Pins are 0600 in a 0700 directory and
# an unprivileged user cannot change a pinned policy map. A config that
# other users may write is refused, nothing attached.
. "$(dirname "$0")/../lib/e2e.sh"

CAPS=bpf,net_admin,net_raw,perfmon
netns_up || { fail priv_setup "cannot build namespaces"; finish; }
PROGS_BEFORE=$(wf_prog_count)

# The unit, as `make install` writes it, pointed at this build's binary.
make -s install DESTDIR="$TMP/inst" > /dev/null 2>&1
unit=$TMP/inst/usr/local/lib/systemd/system/wirefisher.service
check priv_unit_installed grep -q '^CapabilityBoundingSet=CAP_BPF CAP_NET_ADMIN CAP_NET_RAW CAP_PERFMON$' "$unit"
if command -v systemd-analyze > /dev/null; then
	sed "s|/usr/local/sbin/wirefisher|$WF|" "$unit" > "$TMP/wirefisher.service"
	check priv_unit_verifies systemd-analyze verify "$TMP/wirefisher.service"
else
	log "systemd-analyze absent: unit syntax not checked"
fi
# Its capability set, taken from the unit, not repeated here.
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z ' 'a-z,' | sed 's/cap_//g')
check priv_caps_match_unit test "$unit_caps" = "$CAPS"

cat > "$TMP/wf.yaml" <<YAML
interfaces: [$IF_A]
pin_dir: $PIN
rules:
  - name: by-process
    match: { process: wf-udp, dst: $IP_B, direction: egress }
    rate: 8mbit
    burst: 16kB
  - name: nf-port
    match: { proto: udp, dport: 9961, direction: egress }
    rate: 8mbit
    burst: 16kB
    at: netfilter
  - name: xdp-port
    match: { proto: udp, dport: 9962, direction: ingress }
    rate: 8mbit
    burst: 100kB
    at: xdp
YAML
# wf_start with the daemon under the unit's bounding set (exec all the
# way, so WF_PID is the daemon's).
printf '#!/bin/sh\nexec setpriv --bounding-set -all,+%s %s "$@"\n' "${CAPS//,/,+}" "$WF" \
	> "$TMP/wf-caps"
chmod 0755 "$TMP/wf-caps"
WF_REAL=$WF
WF=$TMP/wf-caps
wf_start "$TMP/wf.yaml" || { fail priv_start "did not start with $CAPS"; finish; }
WF=$WF_REAL
check priv_runs_with_unit_caps grep -q 'CapEff:.*000000c000003000' "/proc/$WF_PID/status"

# The process rule (sock_create + cgroup_skb) works at these capabilities.
$IN_B "$UDP" recv "$IP_B" 9960 4000 $((1500 * TS)) > "$TMP/recv" &
rp=$!
udp_bound "$IN_B" 9960 $rp
$IN_A "$UDP" send "$IP_B" 9960 4000 1000 2000 > /dev/null
wait "$rp"
got=$(kv received "$(tail -n 1 "$TMP/recv")")
log "by-process at 8 Mbit/s: $got of 4000 1000-byte datagrams offered at 2x"
check priv_policing_works test "$got" -gt 1500 -a "$got" -lt 3000

# netfilter links and XDP at these capabilities too (the netfilter program
# reads the skb's GSO count as kernel memory: CAP_PERFMON, in the unit).
# A kernel without the links (6.1) enforces the rule at tc: one line says so.
if grep -q 'no BPF netfilter links' "$TMP/wf.log"; then
	skip priv_netfilter_attached "no netfilter links: $(grep -c 'nf-port enforced at tc' "$TMP/wf.log") fallback line"
else
	check priv_netfilter_attached grep -q 'attached to the netfilter hooks' "$TMP/wf.log"
fi
check priv_xdp_attached grep -q "attached XDP to $IF_A" "$TMP/wf.log"
$IN_B "$UDP" recv "$IP_B" 9961 4000 $((1500 * TS)) > "$TMP/recv" &
rp=$!
udp_bound "$IN_B" 9961 $rp
$IN_A "$UDP" send "$IP_B" 9961 4000 972 2000 > /dev/null
wait "$rp"
got=$(kv received "$(tail -n 1 "$TMP/recv")")
log "netfilter rule at 8 Mbit/s: $got of 4000 1000-byte datagrams offered at 2x"
check priv_netfilter_policing_works test "$got" -gt 1500 -a "$got" -lt 3000

check priv_pin_dir_0700 test "$(stat -c %a "$PIN")" = 700
check priv_pins_0600 test -z "$(find "$PIN" -type f ! -perm 0600)"
before=$(bpftool map dump pinned "$PIN/wf_rules" | md5sum)
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
nobody bpftool map update pinned "$PIN/wf_rules" key 0 0 0 0 value \
	$(printf '0 %.0s' $(seq 152)) > "$TMP/nobody" 2>&1
rc=$?
log "unprivileged update: exit $rc, $(head -c 120 "$TMP/nobody")"
check priv_nobody_cannot_update test $rc -ne 0
check priv_rules_unchanged test "$(bpftool map dump pinned "$PIN/wf_rules" | md5sum)" = "$before"
check priv_stop wf_stop

chmod 0666 "$TMP/wf.yaml"
expect_refusal priv_world_writable_config "$TMP/wf.yaml" \
	"$TMP/wf.yaml is writable by other users (mode 0666)"
finish
