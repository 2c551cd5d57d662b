# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# wirefisher: one Makefile for the BPF object, its skeleton, the daemon and
# the tests. `make V=1` shows the full commands.
#
#   make            build build/wirefisher
#   make setup      install the Debian packages the build and tests need
#   make run        setup, build, run with config/config.yaml (needs root;
#                   run copies it to /run/wirefisher first)
#   make test       setup, build, run all test layers (needs root), with a
#                   smoke on Debian 12's kernel 6.1 under qemu (tests/vm/)
#   make test-kernels  the BPF and e2e layers on this kernel and, under
#                   qemu, on Debian's 6.1 and 6.12 (slow: no KVM, TCG)
#   make demo       setup, build, a 40 s live tour in namespaces (needs root)
#   make bench      the benchmarks in bench/ (needs root)
#   make install    PREFIX=/usr/local DESTDIR= (binary, default config and
#                   the systemd unit, the man pages)

OUT ?= build
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc

CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PKG_CONFIG ?= pkg-config

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

LIBS_PC := libbpf yaml-0.1 libmicrohttpd libsodium
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lbpf -lyaml -lmicrohttpd -lsodium)

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
# The daemon runs as root and parses files and packets: fortified libc
# calls, stack canaries, and a read-only GOT bound at start.
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
HARDEN_LD := -Wl,-z,relro,-z,now
USER_CFLAGS := $(CFLAGS) $(WARN) $(HARDEN) -std=gnu11 -D_GNU_SOURCE \
	$(PC_CFLAGS) -MMD -MP
LDLIBS := $(PC_LIBS) -lelf -lz -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Wno-unused-parameter -I$(dir $(VMLINUX)) -Ibpf -MMD -MP $(BPF_EXTRA)

# bpf/maps.bpf.c, the one definition of every map, links first: libbpf
# 1.1's linker gives an extern it meets before its definition offset 0 in
# the .maps BTF (so libbpf cannot find that map); defined first, each
# extern resolves to it.
BPF_SRCS := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUT)/wirefisher.skel.h

# user/ is a one-way pipeline, one folder a stage. A stage sees only the
# headers of the stages before it (its include path holds nothing else), so
# an include that points the wrong way does not compile; only datapath and
# later see the skeleton. Units and the fuzzer link lib, config and policy
# without libbpf: a libbpf call there does not link.
STAGES := lib config policy datapath view daemon cmd
stage_inc = $(foreach s,$(wordlist 1,$(1),$(STAGES)),-Iuser/$(s))
INC_lib := $(call stage_inc,1)
INC_config := $(call stage_inc,2)
INC_policy := $(call stage_inc,3)
INC_datapath := $(call stage_inc,4) -I$(OUT)
INC_view := $(call stage_inc,5)
INC_daemon := $(call stage_inc,6) -I$(OUT)
INC_cmd := $(call stage_inc,7) -I$(OUT)
INC_ALL := $(INC_cmd)

src_of = $(wildcard $(foreach s,$(1),user/$(s)/*.c))
obj_of = $(patsubst user/%.c,$(OUT)/user/%.o,$(call src_of,$(1)))
PURE_SRCS := $(call src_of,lib config policy)
PURE_OBJS := $(call obj_of,lib config policy)
LIB_SRCS := $(call src_of,$(STAGES))
LIB_OBJS := $(call obj_of,$(STAGES))
PURE_LIBS := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null || echo -lyaml) -lm
APP := $(OUT)/wirefisher

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(OUT)/tests/unit-tests
BPFT_SRCS := $(wildcard tests/bpf/*.c)
BPFT_BIN := $(OUT)/tests/bpf-tests
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(OUT)/tests/%,$(TOOL_SRCS))
BENCH_BIN := $(OUT)/bench/progbench
STEERBENCH_BIN := $(OUT)/bench/steerbench

# Sanitizer and fuzzing builds of the host code (tests/run.sh runs both).
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN_UNIT := $(OUT)/san/unit-tests
FUZZ_BIN := $(OUT)/san/fuzz-config
DPFUZZ_BIN := $(OUT)/san/fuzz-datapath

.PHONY: all setup run test test-kernels test-bins demo bench install clean lint format

all: $(APP)

setup:
	$(Q)tools/setup.sh

# The daemon acts only on a config that root owns and no one else can
# write, in directories likewise (see README, Security): a clone in a
# user's home is not, so the default config is copied to /run first.
RUN_CONFIG := /run/wirefisher/config.yaml
run: setup
	$(Q)$(MAKE) all
	$(Q)install -D -m 0644 -o root -g root config/config.yaml $(RUN_CONFIG)
	$(APP) -c $(RUN_CONFIG)

test: setup
	$(Q)$(MAKE) test-bins
	$(Q)tests/run.sh

# The kernel lab boots the binaries of build/ as they are (the VM's / is
# this machine's): everything is built here first.
test-kernels:
	$(Q)tools/setup.sh kernels
	$(Q)$(MAKE) test-bins
	$(Q)tests/run.sh bpf e2e kernels

# A live tour: policing, a cgroup limit and failover over WireGuard, in
# namespaces it makes and removes (tools/demo.sh). -s unless V=1: no
# "is up to date" line per binary before the demo's own output.
demo: setup
	$(Q)$(MAKE) $(if $(Q),-s) $(APP) $(TOOL_BINS)
	$(Q)tools/demo.sh

test-bins: $(APP) $(UNIT_BIN) $(BPFT_BIN) $(TOOL_BINS) $(ASAN_UNIT) $(FUZZ_BIN) \
	$(DPFUZZ_BIN)

# Unit tests again under ASan + UBSan (gcc), from the sources, not the
# objects of the normal build.
$(ASAN_UNIT): $(UNIT_SRCS) $(PURE_SRCS) | $(OUT)/san
	$(call msg,ASAN,$@)
	$(Q)$(CC) $(filter-out -MMD -MP $(HARDEN),$(USER_CFLAGS)) $(INC_policy) -Itests/lib \
		-O1 $(SAN) $(UNIT_SRCS) $(PURE_SRCS) $(PURE_LIBS) -o $@

# libFuzzer needs clang.
$(FUZZ_BIN): tests/fuzz/fuzz_config.c $(PURE_SRCS) | $(OUT)/san
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(filter-out -MMD -MP $(HARDEN),$(USER_CFLAGS)) $(INC_policy) -O1 -g \
		-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all $^ $(PURE_LIBS) -o $@

# The datapath fuzzer drives the real programs through the skeleton and the
# loader: ASan + UBSan on the harness (clang), the gcc-built objects of the
# normal build linked as they are (their code is not what is fuzzed; the
# BPF programs are, and libFuzzer sees them only through the harness's
# extra counters).
$(DPFUZZ_BIN): tests/fuzz/fuzz_datapath.c tests/bpf/fixture.h $(wildcard tests/lib/*.h) \
		$(LIB_OBJS) $(SKEL) | $(OUT)/san
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(filter-out -MMD -MP $(HARDEN),$(USER_CFLAGS)) $(INC_ALL) \
		-Itests/lib -Itests/bpf -O1 -g \
		-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all $< $(LIB_OBJS) $(LDLIBS) -lpthread -o $@

$(OUT)/san:
	$(Q)mkdir -p $@

# The C sources as .clang-format (kernel style) writes them; tests/run.sh
# runs it in the unit layer. `make format` rewrites them so.
FORMAT_SRCS = $(shell git ls-files 'user/*.[ch]' 'bpf/*.[ch]' 'tests/*.[ch]' \
	'bench/*.c' 2>/dev/null)
lint:
	$(Q)clang-format --dry-run --Werror --style=file $(FORMAT_SRCS)
format:
	$(Q)clang-format -i --style=file $(FORMAT_SRCS)

bench: setup
	$(Q)$(MAKE) $(APP) $(TOOL_BINS) $(BENCH_BIN) $(STEERBENCH_BIN)
	$(Q)bench/overhead.sh
	$(Q)bench/smallpkt.sh
	$(Q)bench/police.sh
	$(Q)bench/cgroup.sh
	$(Q)bench/hooks.sh
	$(Q)bench/steer.sh

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/wirefisher.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(SKEL): $(OUT)/wirefisher.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name wirefisher_bpf > $@.tmp && mv $@.tmp $@

# The object for kernels without netfilter links (< 6.6 as the loader
# probes them), whose netfilter programs never load: netfilter.bpf.c built
# with WF_NO_KFUNCS (bpf/lib/nf.bpf.h says why). The loader opens the main
# skeleton with these bytes, so the two skeletons must agree on everything
# else - programs, maps, the layout of every global - which is checked here.
NOKF_OBJS := $(patsubst $(OUT)/bpf/netfilter.bpf.o,$(OUT)/bpf/nokf/netfilter.bpf.o,$(BPF_OBJS))
NOKF_SKEL := $(OUT)/wirefisher_nokf.skel.h
no_bytes = sed '/__elf_bytes(size_t \*sz)$$/,/^}/d'

$(OUT)/bpf/nokf/netfilter.bpf.o: bpf/netfilter.bpf.c $(VMLINUX) | $(OUT)/bpf/nokf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -DWF_NO_KFUNCS -c $< -o $@

$(OUT)/wirefisher_nokf.bpf.o: $(NOKF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(NOKF_SKEL): $(OUT)/wirefisher_nokf.bpf.o $(SKEL)
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name wirefisher_bpf | $(no_bytes) > $@.cmp
	$(Q)$(no_bytes) $(SKEL) | cmp -s - $@.cmp || \
		{ echo "$@: differs from $(SKEL) beyond the bytes" >&2; exit 1; }
	$(Q)rm -f $@.cmp
	$(Q)$(BPFTOOL) gen skeleton $< name wirefisher_nokf_bpf > $@.tmp && mv $@.tmp $@

# Only the stages that load or drive programs wait for the skeleton.
define stage_rule
$$(OUT)/user/$(1)/%.o: user/$(1)/%.c $(2) | $$(OUT)/user/$(1)
	$$(call msg,CC,$$@)
	$$(Q)$$(CC) $$(USER_CFLAGS) $$(INC_$(1)) -c $$< -o $$@
$$(OUT)/user/$(1):
	$$(Q)mkdir -p $$@
endef
$(foreach s,lib config policy view,$(eval $(call stage_rule,$(s),)))
$(foreach s,datapath,$(eval $(call stage_rule,$(s),$$(SKEL) $$(NOKF_SKEL))))
$(foreach s,daemon cmd,$(eval $(call stage_rule,$(s),$$(SKEL))))

$(OUT)/user/main.o: user/main.c $(SKEL) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_ALL) -c $< -o $@

$(APP): $(OUT)/user/main.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $(HARDEN_LD) $^ $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/%.c $(SKEL) | $(OUT)/tests/unit $(OUT)/tests/bpf \
		$(OUT)/tests/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_ALL) -Itests/lib -c $< -o $@

# Unit tests see and link only the pure stages.
$(OUT)/tests/unit/%.o: tests/unit/%.c | $(OUT)/tests/unit
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_policy) -Itests/lib -c $< -o $@

$(UNIT_BIN): $(patsubst tests/%.c,$(OUT)/tests/%.o,$(UNIT_SRCS)) $(PURE_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PURE_LIBS) -o $@

$(BPFT_BIN): $(patsubst tests/%.c,$(OUT)/tests/%.o,$(BPFT_SRCS)) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lpthread -o $@

$(OUT)/tests/%: $(OUT)/tests/tools/%.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BENCH_BIN): bench/progbench.c $(LIB_OBJS) $(SKEL) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_ALL) $< $(LIB_OBJS) $(LDLIBS) -o $@

# The steering programs' cost (bench/steer.sh): aggregate, duplicate, dedup.
$(STEERBENCH_BIN): bench/steerbench.c $(LIB_OBJS) $(SKEL) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(INC_ALL) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/bpf $(OUT)/bpf/nokf $(OUT)/user $(OUT)/tests/unit $(OUT)/tests/bpf $(OUT)/tests/tools \
$(OUT)/bench:
	$(Q)mkdir -p $@

install: $(APP)
	install -D -m 0755 $(APP) $(DESTDIR)$(PREFIX)/sbin/wirefisher
	install -D -m 0644 config/config.yaml \
		$(DESTDIR)$(SYSCONFDIR)/wirefisher/config.yaml
	install -D -m 0644 tools/wirefisher.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/wirefisher.8
	install -D -m 0644 tools/wirefisher.yaml.5 \
		$(DESTDIR)$(PREFIX)/share/man/man5/wirefisher.yaml.5
	install -d -m 0755 $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' tools/wirefisher.service > \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/wirefisher.service
	chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/wirefisher.service

clean:
	$(call msg,CLEAN,$(OUT))
	$(Q)rm -rf $(OUT)

-include $(wildcard $(OUT)/*/*.d $(OUT)/*/*/*.d)
.SECONDARY:
