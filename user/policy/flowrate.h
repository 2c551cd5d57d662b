/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * flowrate.h - a flow's rates as a reader sees them, from the counters the
 * datapath keeps (struct wf_flow). Pure: host-tested in tests/unit.
 */
#ifndef WF_FLOWRATE_H
#define WF_FLOWRATE_H

#include <stdint.h>

#include "../../bpf/wf_shared.h"

/* A flow's rates as of `now` (bytes per second). */
struct flow_rates {
	uint64_t avg;
	uint64_t inst;
	uint64_t peak;
	uint64_t smooth;
};

/*
 * The rates of flow f at time now. A window that has run its full length
 * with no packet to close it is closed here, with exactly the datapath's
 * arithmetic, so an idle flow's rates fall as they would have.
 */
void flow_rates_at(const struct wf_flow *f, uint64_t now_ns, uint64_t window_ns,
		   struct flow_rates *r);

#endif /* WF_FLOWRATE_H */
