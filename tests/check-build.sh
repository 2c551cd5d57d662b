#!/usr/bin/env bash
# check-build.sh - what the build promises and nothing else would notice:
# the layering of user/ (the pure stages call no libbpf), the object for
# kernels without netfilter links calling no kfunc, and the hardening of
# the daemon's binary (RELRO, BIND_NOW, stack protector, fortify).
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-build}
APP=$OUT/wirefisher
fails=0

check() {
	local name=$1
	shift
	if "$@"; then
		echo "PASS build/$name"
	else
		echo "FAIL build/$name"
		fails=$((fails + 1))
	fi
}

# lib, config and policy link into the unit tests and the fuzzer without
# libbpf; an undefined bpf_/libbpf_ symbol in them would break that link.
pure_uses_no_libbpf() {
	local bad
	bad=$(nm -u "$OUT"/user/{lib,config,policy}/*.o 2>/dev/null |
		grep -E ' (bpf_|libbpf_|btf_)' | sort -u)
	[ -z "$bad" ] || { echo "  libbpf in a pure stage: $bad"; return 1; }
}

has_dynamic_flag() { readelf -d "$APP" | grep -q "$1"; }
has_relro() { readelf -l "$APP" | grep -q GNU_RELRO; }
has_symbol() { nm -D "$APP" | grep -q "$1"; }

# The object for kernels without netfilter links calls no kernel function
# (kfunc): libbpf 1.1 would look one up in module BTF, which the daemon's
# capabilities do not reach (bpf/lib/nf.bpf.h). The main object has some.
kfunc_externs() {
	bpftool btf dump file "$1" 2>/dev/null | grep -c "^\[[0-9]*\] FUNC '.*' .*linkage=extern"
}
nokf_has_no_kfuncs() {
	local main nokf
	main=$(kfunc_externs "$OUT/wirefisher.bpf.o")
	nokf=$(kfunc_externs "$OUT/wirefisher_nokf.bpf.o")
	[ "$main" -gt 0 ] && [ "$nokf" = 0 ] ||
		{ echo "  kfunc externs: $main in the main object, $nokf in nokf"; return 1; }
}

check pure_stages_use_no_libbpf pure_uses_no_libbpf
check nokf_object_has_no_kfuncs nokf_has_no_kfuncs
check binary_relro has_relro
check binary_bind_now has_dynamic_flag BIND_NOW
check binary_stack_protector has_symbol __stack_chk_fail
check binary_fortified has_symbol '__[a-z]*_chk'
exit $((fails > 0))
