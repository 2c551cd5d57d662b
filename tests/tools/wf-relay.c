// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wf-relay - a UDP relay that can drop or delay, for the WireGuard lab.
 *
 *   wf-relay LISTEN_IP:PORT UPSTREAM_IP:PORT CTRL_FILE
 *
 * Datagrams from clients at LISTEN go to UPSTREAM from one connected socket,
 * so the upstream sees one stable source; datagrams from UPSTREAM go back to
 * the last client address seen. The kernel has no netem here, so this is how
 * the end-to-end tests make a path lossy or slow.
 *
 * On SIGHUP it re-reads CTRL_FILE, a line "drop=0 delay_ms=0" (a missing
 * file or key means 0): drop=1 blackholes both directions; delay_ms=N holds
 * every datagram N ms in each direction. Held datagrams wait in one bounded
 * FIFO (full: dropped) and poll()'s timeout wakes us when the oldest is due,
 * so there is no thread per datagram and no busy loop. SIGTERM/SIGINT exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#define QLEN  8192 /* held datagrams; 50 ms of ~2 Gbit/s of WireGuard */
#define DGRAM 2048 /* WireGuard sends at most MTU 1420 + 32 + headers */
#define BATCH 64   /* datagrams read per wakeup per socket: fairness */

struct held {
	unsigned long long due_ns;
	int to_upstream;
	int len;
	char data[DGRAM];
};

static struct held *queue;
static unsigned int head, count;
static int drop, delay_ms;
static int listen_fd, up_fd;
static struct sockaddr_in client; /* last client seen; port 0: none yet */

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

static void parse_addr(const char *s, struct sockaddr_in *a)
{
	char ip[64];
	const char *colon = strrchr(s, ':');

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	if (!colon || colon - s >= (long)sizeof(ip)) {
		fprintf(stderr, "wf-relay: bad address %s\n", s);
		exit(2);
	}
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = 0;
	a->sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		fprintf(stderr, "wf-relay: bad address %s\n", s);
		exit(2);
	}
}

static void read_ctrl(const char *path)
{
	char line[256] = "";
	const char *p;
	FILE *f = fopen(path, "r");

	drop = delay_ms = 0;
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	if ((p = strstr(line, "drop=")))
		drop = atoi(p + 5);
	if ((p = strstr(line, "delay_ms=")))
		delay_ms = atoi(p + 9);
	if (delay_ms < 0)
		delay_ms = 0;
	fprintf(stderr, "wf-relay: drop=%d delay_ms=%d\n", drop, delay_ms);
}

/* Errors are ignored: an upstream not listening yet answers with ICMP,
 * which shows up as ECONNREFUSED here; the peer's retry is the cure. */
static void send_one(int to_upstream, const char *data, int len)
{
	if (drop)
		return;
	if (to_upstream)
		send(up_fd, data, (size_t)len, MSG_DONTWAIT);
	else if (client.sin_port)
		sendto(listen_fd, data, (size_t)len, MSG_DONTWAIT,
		       (struct sockaddr *)&client, sizeof(client));
}

/* Read up to BATCH datagrams from one socket; forward or hold them. */
static void pump(int fd, int to_upstream)
{
	static char buf[65536];
	struct sockaddr_in from;
	socklen_t flen;
	int i;

	for (i = 0; i < BATCH; i++) {
		ssize_t n;

		flen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (n < 0)
			return; /* EAGAIN, or an ICMP error: nothing to do */
		if (to_upstream)
			client = from;
		if (drop)
			continue;
		if (!delay_ms) {
			send_one(to_upstream, buf, (int)n);
		} else if (count < QLEN && n <= DGRAM) {
			struct held *h = &queue[(head + count++) % QLEN];

			h->due_ns = now_ns() +
				    (unsigned long long)delay_ms * 1000000ULL;
			h->to_upstream = to_upstream;
			h->len = (int)n;
			memcpy(h->data, buf, (size_t)n);
		}
	}
}

/* Send the held datagrams that are due; return ms until the next, or -1.
 * The FIFO is in due order while delay_ms is constant; after a change a
 * few datagrams may wait behind a later one, which is fine for tests. */
static int flush_due(void)
{
	unsigned long long now = now_ns();

	while (count && queue[head].due_ns <= now) {
		send_one(queue[head].to_upstream, queue[head].data,
			 queue[head].len);
		head = (head + 1) % QLEN;
		count--;
	}
	if (!count)
		return -1;
	return (int)((queue[head].due_ns - now + 999999ULL) / 1000000ULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_in listen_addr, up_addr;
	int sig_fd, one = 1, bufsz = 4 << 20, timeout = -1;
	sigset_t sigs;

	if (argc != 4) {
		fprintf(stderr,
			"usage: wf-relay LISTEN_IP:PORT UPSTREAM_IP:PORT CTRL_FILE\n");
		return 2;
	}
	parse_addr(argv[1], &listen_addr);
	parse_addr(argv[2], &up_addr);
	queue = calloc(QLEN, sizeof(*queue)); /* pages touched only when used */

	/* Signals arrive as readable data in the poll set: no handler races. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sig_fd = signalfd(-1, &sigs, 0);

	listen_fd = socket(AF_INET, SOCK_DGRAM, 0);
	up_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (!queue || sig_fd < 0 || listen_fd < 0 || up_fd < 0) {
		perror("wf-relay: setup");
		return 1;
	}
	/* Bursts of a fast tunnel outrun one read per wakeup: big buffers. */
	setsockopt(listen_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
		   sizeof(bufsz));
	setsockopt(up_fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz));
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listen_fd, (struct sockaddr *)&listen_addr,
		 sizeof(listen_addr)) ||
	    connect(up_fd, (struct sockaddr *)&up_addr, sizeof(up_addr))) {
		perror("wf-relay: bind/connect");
		return 1;
	}
	fprintf(stderr, "wf-relay: %s -> %s started\n", argv[1], argv[2]);
	read_ctrl(argv[3]);

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = listen_fd, .events = POLLIN },
			{ .fd = up_fd, .events = POLLIN },
		};

		if (poll(p, 3, timeout) < 0 && errno != EINTR) {
			perror("wf-relay: poll");
			return 1;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo != SIGHUP)
					return 0;
				read_ctrl(argv[3]);
			}
		}
		if (p[1].revents)
			pump(listen_fd, 1);
		if (p[2].revents)
			pump(up_fd, 0);
		timeout = flush_due();
	}
}
