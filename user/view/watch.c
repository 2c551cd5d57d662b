// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* watch.c - see watch.h. */
#include "watch.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "screen.h"

static volatile sig_atomic_t watch_stop;

static void on_stop(int sig)
{
	(void)sig;
	watch_stop = 1;
}

int view_watch(uint64_t interval_ns, int (*show)(void *arg), void *arg)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct timespec ts = { (time_t)(interval_ns / 1000000000ULL),
			       (long)(interval_ns % 1000000000ULL) };
	int rc;

	watch_stop = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	do {
		rc = show(arg);
		if (rc || !interval_ns)
			break;
		/* A signal cuts the sleep short; the loop test sees it. */
		nanosleep(&ts, NULL);
	} while (!watch_stop);
	return rc;
}

void view_frame(void (*render)(void *arg, FILE *out), void *arg)
{
	char *frame = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&frame, &len);

	if (!f)
		return;
	render(arg, f);
	fclose(f);
	screen_draw(stdout, frame, len);
	free(frame);
}
