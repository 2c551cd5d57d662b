// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* flowrate.c - see flowrate.h. */
#include "flowrate.h"

void flow_rates_at(const struct wf_flow *f, uint64_t now_ns, uint64_t window_ns,
		   struct flow_rates *r)
{
	uint64_t span = now_ns > f->win_start_ns ? now_ns - f->win_start_ns : 0;

	r->avg = wf_rate(f->bytes, f->last_ns - f->first_ns);
	r->inst = f->rate_inst;
	r->peak = f->rate_peak;
	r->smooth = f->rate_smooth;
	if (!window_ns || span < window_ns)
		return;
	/* The datapath would roll this window at the next packet; do it now. */
	/* A copy taken while another CPU rolled may hold the newer base. */
	r->inst = wf_rate(f->bytes > f->win_base ? f->bytes - f->win_base : 0,
			  span);
	if (r->inst > r->peak)
		r->peak = r->inst;
	r->smooth = wf_smooth(f->rate_smooth, r->inst, span / window_ns,
			      f->windows != 0);
}
