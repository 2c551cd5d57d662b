// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * maps.bpf.c - the one definition of every map and load-time constant
 * (bpf/lib/maps.bpf.h); the entry files declare them extern and
 * `bpftool gen object` links them here. No program.
 */
#define WF_MAPS_DEFINE
#include "lib/maps.bpf.h"
