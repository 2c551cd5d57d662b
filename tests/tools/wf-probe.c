// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wf-probe - run whatever program a pinned tc link runs right now on one
 * UDP packet, over and over, with BPF_PROG_TEST_RUN.
 *
 *   wf-probe LINK-PIN IFINDEX SRC DST DPORT SECS
 *
 * Every run asks the link which program it holds at that moment, so runs
 * spread across reloads meet each program version in turn. Prints
 * "runs=N retries=N" after SECS or on SIGTERM: a retry is a program that
 * was replaced between our lookup and our run (we take the next one). The
 * test compares runs with the counters of the rule the packet matches:
 * each run that met the whole policy counts exactly once. Bounded by SECS
 * and by a run count.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "../lib/pkt.h"

#define MAX_RUNS 2000000
#define PACE_US	 50

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The program the link holds now, as an fd; -1 if it just went. */
static int link_prog(int link_fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len))
		return -1;
	return bpf_prog_get_fd_by_id(info.prog_id);
}

int main(int argc, char **argv)
{
	struct pkt_spec spec = {
		.family = 4, .proto = IPPROTO_UDP, .sport = 40000, .payload = 64
	};
	struct __sk_buff ctx = { 0 };
	static struct pkt p;
	unsigned long runs = 0, retries = 0;
	double end;
	int link;

	if (argc != 7) {
		fprintf(stderr,
			"usage: wf-probe LINK-PIN IFINDEX SRC DST DPORT "
			"SECS\n");
		return 2;
	}
	ctx.ifindex = (__u32)atoi(argv[2]);
	spec.src = argv[3];
	spec.dst = argv[4];
	spec.dport = (uint16_t)atoi(argv[5]);
	end = now_s() + atof(argv[6]);
	if (pkt_build(&p, &spec)) {
		fprintf(stderr, "wf-probe: bad addresses\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	link = bpf_obj_get(argv[1]);
	if (link < 0) {
		fprintf(stderr, "wf-probe: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while (!stop && now_s() < end && runs < MAX_RUNS) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p.buf,
			    .data_size_in = p.len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);
		int prog = link_prog(link);

		if (prog < 0) {
			retries++;
			continue;
		}
		if (bpf_prog_test_run_opts(prog, &opts) == 0)
			runs++;
		else
			retries++;
		close(prog);
		usleep(PACE_US); /* spread over the whole run */
	}
	close(link);
	printf("runs=%lu retries=%lu\n", runs, retries);
	return 0;
}
