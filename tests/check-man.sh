#!/usr/bin/env bash
# Keep the man pages in step with the program and the README.
# Prints one "PASS docs/NAME" or "FAIL docs/NAME" line per check (details
# indented by two spaces) and exits 1 if any failed. Needs groff and a
# built build/wirefisher (OUT=dir for another build directory).
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${OUT:-build}
APP=$OUT/wirefisher
MAN8=tools/wirefisher.8
MAN5=tools/wirefisher.yaml.5
COMMANDS="run check stats paths switch reload down mesh"
failed=0

# result NAME DETAILS: PASS when DETAILS is empty, else FAIL and DETAILS.
result() {
	if [ -z "$2" ]; then
		echo "PASS docs/$1"
	else
		echo "FAIL docs/$1"
		sed 's/^/  /' <<< "$2"
		failed=1
	fi
}

# The roff source as text: \- is -, font changes (\fB ... \fP) dropped.
plain() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"
}

# 1. Both pages render without a warning (-ww: all warnings; -t in case a
# table is ever added).
for page in "$MAN8" "$MAN5"; do
	if ! command -v groff >/dev/null; then
		result "render_${page##*/}" "groff is not installed"
	elif [ ! -f "$page" ]; then
		result "render_${page##*/}" "$page is missing"
	else
		result "render_${page##*/}" "$(groff -man -t -ww -z "$page" 2>&1)"
	fi
done

# 2. Every long option `wirefisher CMD --help` prints is in wirefisher.8,
# in that command's section (.SS CMD up to the next .SS or .SH) or in the
# first paragraph of COMMANDS (options every command takes: --help, ...).
common=$(plain "$MAN8" | awk '/^\.SH COMMANDS/ { on = 1; next }
	/^\.(S[HS]|PP)/ { on = 0 } on')
for cmd in $COMMANDS; do
	if ! help=$("$APP" "$cmd" --help 2>&1); then
		result "options_$cmd" "$APP $cmd --help failed: $help"
		continue
	fi
	section=$(plain "$MAN8" | awk -v c="$cmd" '$0 == ".SS " c { on = 1; next }
		/^\.S[HS]/ { on = 0 } on')
	missing=""
	for opt in $(grep -oE -- '--[a-z][a-z-]*' <<< "$help" | sort -u); do
		grep -qE -- "(^|[^a-z-])$opt([^a-z-]|\$)" <<< "$section
$common" || missing+="$opt not in the $cmd section of $MAN8"$'\n'
	done
	result "options_$cmd" "${missing%$'\n'}"
done

# 3. Every command of the README's Commands block has a .SS in wirefisher.8:
# the second word of each line of the block that starts with "wirefisher"
# ("[run]" counts as run; "--help" lines are not commands).
readme_cmds=$(awk '/^## Commands/ { on = 1; next } /^## / { on = 0 }
	on && /^wirefisher / { gsub(/[][]/, "", $2); if ($2 !~ /^-/) print $2 }' \
	README.md)
missing=""
[ -n "$readme_cmds" ] || missing="no commands found in README.md's Commands block"
for cmd in $readme_cmds; do
	grep -qx "\.SS $cmd" "$MAN8" || missing+="$cmd: no .SS $cmd in $MAN8"$'\n'
done
result commands "${missing%$'\n'}"

# 4. Every key of the README's key tables (those headed
# "| key | type | default | meaning |": Configuration and Steering) is a
# .TP/.TQ tag ".B KEY" in wirefisher.yaml.5, compared by full path, not by
# leaf name alone (accounting.window and steering.probe.window are two
# keys). A README cell lists one or more backquoted keys; one starting with
# "." is short for a sibling of the last full key before it, so after
# `steering.probe.interval`, `.timeout` is steering.probe.timeout and
# `rules[].match.src`, `.dst` gives rules[].match.dst.
readme_keys=$(awk -F'|' '
	/^\| key \| type \| default \| meaning \|/ { on = 1; next }
	!/^\|/ { on = 0 }
	on && !/^\|---/ {
		cell = $2
		while (match(cell, /`[^`]+`/)) {
			k = substr(cell, RSTART + 1, RLENGTH - 2)
			cell = substr(cell, RSTART + RLENGTH)
			if (k ~ /^\./) k = parent k
			else { parent = k; sub(/\.[^.]*$/, "", parent) }
			print k
		}
	}' README.md)
man_keys=$(awk 'tag && /^\.B / { print $2 } { tag = /^\.T[PQ]/ }' "$MAN5")
missing=""
[ -n "$readme_keys" ] || missing="no keys found in README.md's key tables"
for key in $readme_keys; do
	grep -qxF -- "$key" <<< "$man_keys" || missing+="$key not in $MAN5"$'\n'
done
result config_keys "${missing%$'\n'}"

exit $failed
