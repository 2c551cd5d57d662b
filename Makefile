# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#
# wirefisher: one Makefile for the BPF object, its skeleton, the daemon and
# the tests. `make V=1` shows the full commands.
#
#   make            build build/wirefisher
#   make setup      install the Debian packages the build and tests need
#   make run        setup, build, run with config/config.yaml (needs root)
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

LIBS_PC := libbpf yaml-0.1 libmicrohttpd
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null || echo -lbpf -lyaml -lmicrohttpd)

WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -I$(OUT) -Iuser \
	$(PC_CFLAGS) -MMD -MP
LDLIBS := $(PC_LIBS) -lelf -lz -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) $(WARN) \
	-Wno-unused-parameter -I$(dir $(VMLINUX)) -Ibpf -MMD -MP $(BPF_EXTRA)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKEL := $(OUT)/wirefisher.skel.h

# Everything in user/ but main.c is a library the tests link too.
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c))
LIB_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(LIB_SRCS))
APP := $(OUT)/wirefisher

UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_BIN := $(OUT)/tests/unit-tests
BPFT_SRCS := $(wildcard tests/bpf/*.c)
BPFT_BIN := $(OUT)/tests/bpf-tests
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(OUT)/tests/%,$(TOOL_SRCS))
BENCH_BIN := $(OUT)/bench/progbench

# Sanitizer and fuzzing builds of the host code (tests/run.sh runs both).
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ASAN_UNIT := $(OUT)/san/unit-tests
FUZZ_BIN := $(OUT)/san/fuzz-config
# Host code the config pipeline needs: no libbpf.
FUZZ_SRCS := user/config.c user/config_steer.c user/units.c user/policy.c \
	user/log.c

.PHONY: all setup run test test-kernels test-bins demo bench install clean

all: $(APP)

setup:
	$(Q)tools/setup.sh

run: setup
	$(Q)$(MAKE) all
	$(APP) -c config/config.yaml

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

test-bins: $(APP) $(UNIT_BIN) $(BPFT_BIN) $(TOOL_BINS) $(ASAN_UNIT) $(FUZZ_BIN)

# Unit tests again under ASan + UBSan (gcc), from the sources, not the
# objects of the normal build.
$(ASAN_UNIT): $(UNIT_SRCS) $(LIB_SRCS) $(SKEL) | $(OUT)/san
	$(call msg,ASAN,$@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(USER_CFLAGS)) -Itests/lib -O1 $(SAN) \
		$(UNIT_SRCS) $(LIB_SRCS) $(LDLIBS) -o $@

# libFuzzer needs clang.
$(FUZZ_BIN): tests/fuzz/fuzz_config.c $(FUZZ_SRCS) | $(OUT)/san
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(filter-out -MMD -MP,$(USER_CFLAGS)) -O1 -g \
		-fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all $^ $(PC_LIBS) -lm -o $@

$(OUT)/san:
	$(Q)mkdir -p $@

bench: setup
	$(Q)$(MAKE) $(APP) $(TOOL_BINS) $(BENCH_BIN)
	$(Q)bench/overhead.sh
	$(Q)bench/police.sh
	$(Q)bench/cgroup.sh
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

$(OUT)/user/%.o: user/%.c $(SKEL) | $(OUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(APP): $(OUT)/user/main.o $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/%.c $(SKEL) | $(OUT)/tests/unit $(OUT)/tests/bpf \
		$(OUT)/tests/tools
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/lib -c $< -o $@

$(UNIT_BIN): $(patsubst tests/%.c,$(OUT)/tests/%.o,$(UNIT_SRCS)) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BPFT_BIN): $(patsubst tests/%.c,$(OUT)/tests/%.o,$(BPFT_SRCS)) $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -lpthread -o $@

$(OUT)/tests/%: $(OUT)/tests/tools/%.o
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BENCH_BIN): bench/progbench.c $(LIB_OBJS) $(SKEL) | $(OUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) $< $(LIB_OBJS) $(LDLIBS) -o $@

$(OUT)/bpf $(OUT)/user $(OUT)/tests/unit $(OUT)/tests/bpf $(OUT)/tests/tools \
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

-include $(wildcard $(OUT)/*/*.d $(OUT)/tests/*/*.d)
.SECONDARY:
