/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * pins.h - the one table of the pinned maps a reader of a running daemon
 * opens (stats, paths, switch, the HTTP endpoint), by enum, and the open
 * set of them. Nothing else in view/ spells a map's name.
 */
#ifndef WF_VIEW_PINS_H
#define WF_VIEW_PINS_H

#include "../../bpf/wf_shared.h"

enum view_pin {
	/* accounting and policing: what `stats` shows */
	PIN_FLOWS,
	PIN_STATS,
	PIN_IFACES,
	PIN_RULES,
	PIN_RULE_STATS,
	PIN_RULE_ACCT,
	/* steering: what `paths` shows and `switch` asks */
	PIN_PATH_STATUS,
	PIN_ROUTES,
	PIN_ROUTE_CTL,
	PIN_STEER4,
	PIN_STEER6,
	PIN_AGG_STATS,
	PIN_AGG_PATHS,
	PIN_AGG_QUEUE,
	PIN_DUPS,
	PIN_DUP_STATS,
	PIN_FLOWLET,
	PIN_N
};

#define PIN_BIT(p) (1u << (p))
#define VIEW_FLOW_PINS                                                   \
	(PIN_BIT(PIN_FLOWS) | PIN_BIT(PIN_STATS) | PIN_BIT(PIN_IFACES) | \
	 PIN_BIT(PIN_RULES) | PIN_BIT(PIN_RULE_STATS) |                  \
	 PIN_BIT(PIN_RULE_ACCT))
#define VIEW_PATH_PINS                                                         \
	(PIN_BIT(PIN_PATH_STATUS) | PIN_BIT(PIN_ROUTES) |                      \
	 PIN_BIT(PIN_ROUTE_CTL) | PIN_BIT(PIN_STEER4) | PIN_BIT(PIN_STEER6) |  \
	 PIN_BIT(PIN_AGG_STATS) | PIN_BIT(PIN_AGG_PATHS) |                     \
	 PIN_BIT(PIN_AGG_QUEUE) | PIN_BIT(PIN_DUPS) | PIN_BIT(PIN_DUP_STATS) | \
	 PIN_BIT(PIN_FLOWLET))

/* Every name a daemon pins starts so (the HTTP endpoint finds its maps). */
#define VIEW_PIN_PREFIX "wf_"

/* The name each map is pinned under in the pin directory. */
extern const char *const view_pin_names[PIN_N];

/* Maps of one daemon, opened; fd[p] is -1 for those not asked for. */
struct view_pins {
	int fd[PIN_N];
	struct wf_info info;
};

/*
 * Read the daemon's wf_info (refusing another layout version) and open the
 * pins in mask (PIN_BIT()s). 0, or -1 logged (no daemon there) with
 * nothing open.
 */
int view_pins_open(struct view_pins *p, const char *dir, unsigned mask);

/* Close what view_pins_open() opened; safe to call twice. */
void view_pins_close(struct view_pins *p);

#endif /* WF_VIEW_PINS_H */
