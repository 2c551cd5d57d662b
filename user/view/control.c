// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "control.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "../../bpf/wf_shared.h"
#include "log.h"
#include "pin.h"

#define WAIT_STEP_MS 20
#define WAIT_MAX_MS 30000

int control_reload(const char *pin_dir)
{
	struct wf_info info;
	int waited;
	__u32 seq;

	if (pin_open_daemon(pin_dir, NULL, NULL, 0, &info))
		return 1;
	if (!info.pid) {
		log_error("no wirefisher is running on %s (its hooks were kept "
			  "by persist: true); start one to apply a config",
			  pin_dir);
		return 1;
	}
	seq = info.reload_seq;
	if (kill((pid_t)info.pid, SIGHUP)) {
		log_error("cannot signal wirefisher (pid %u): %s", info.pid,
			  strerror(errno));
		return 1;
	}
	for (waited = 0; waited < WAIT_MAX_MS; waited += WAIT_STEP_MS) {
		struct timespec ts = { 0, WAIT_STEP_MS * 1000000L };

		if (pin_read_info(pin_dir, &info) || info.reload_seq != seq)
			break;
		nanosleep(&ts, NULL);
	}
	if (info.reload_seq == seq) {
		log_error("wirefisher (pid %u) did not answer within %d s",
			  info.pid, WAIT_MAX_MS / 1000);
		return 1;
	}
	if (info.reload_failed) {
		log_error("wirefisher (pid %u) refused the config and keeps the "
			  "one it had; its log says why", info.pid);
		return 1;
	}
	log_info("wirefisher (pid %u) reloaded its config", info.pid);
	return 0;
}
