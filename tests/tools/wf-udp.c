// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wf-udp - exact UDP traffic for the end-to-end tests and benches.
 *
 *   wf-udp send DST PORT COUNT SIZE [PPS [SPORT [SRC]]]
 *       send exactly COUNT datagrams of SIZE payload bytes, paced at PPS
 *       (0: as fast as possible), from source port SPORT (SO_REUSEPORT, so
 *       two senders can share one 5-tuple) and source address SRC.
 *   wf-udp recv BIND PORT COUNT IDLE_MS
 *       receive until COUNT datagrams arrived or none came for IDLE_MS.
 *
 * Both print one line of key=value pairs: datagrams, payload bytes, and for
 * recv the payload rate between the first and the last datagram and the
 * longest silence between two datagrams (an outage, for failover tests).
 * A payload of 16 bytes or more starts with the datagram's sequence number
 * (1..COUNT) and its send time (CLOCK_MONOTONIC ns, which namespaces
 * share): recv then also prints how many distinct datagrams came, how many
 * came more than once (and how long after their first copy: the least and
 * the most), and the one-way latency (median, 99th percentile, worst).
 * Loops are bounded by COUNT and, for recv, by the idle timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

static unsigned long long clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

static unsigned long long now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* this process's CPU time; softirq work it is interrupted by counts too
 * on kernels without IRQ time accounting (Debian's, this host's) */
static unsigned long long cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

static int make_addr(const char *ip, int port, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)port);
		*len = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)port);
		*len = sizeof(*a6);
		return AF_INET6;
	}
	fprintf(stderr, "wf-udp: bad address %s\n", ip);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "wf-udp: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int do_send(int argc, char **argv)
{
	struct sockaddr_storage dst, src;
	socklen_t dlen, slen;
	long count, size, pps = 0, sport = 0, i;
	const char *src_ip = NULL;
	unsigned long long t0, next, cpu0;
	char *buf;
	int af, fd, one = 1;

	if (argc < 4)
		return 2;
	af = make_addr(argv[0], atoi(argv[1]), &dst, &dlen);
	count = atol(argv[2]);
	size = atol(argv[3]);
	if (argc > 4)
		pps = atol(argv[4]);
	if (argc > 5)
		sport = atol(argv[5]);
	if (argc > 6)
		src_ip = argv[6];
	if (size < 0 || size > 65000 || count < 0)
		return 2;
	buf = calloc(1, (size_t)size + 1);
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0 || !buf)
		die("socket");
	if (sport || src_ip) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		make_addr(src_ip	? src_ip :
			  af == AF_INET ? "0.0.0.0" :
					  "::",
			  (int)sport, &src, &slen);
		if (bind(fd, (struct sockaddr *)&src, slen))
			die("bind");
	}
	if (connect(fd, (struct sockaddr *)&dst, dlen))
		die("connect");
	t0 = next = now_ns();
	cpu0 = cpu_ns();
	for (i = 0; i < count; i++) {
		if (pps) {
			struct timespec ts = { (time_t)(next / 1000000000ULL),
					       (long)(next % 1000000000ULL) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
			next += 1000000000ULL / (unsigned long long)pps;
		}
		/*
		 * A full socket buffer (ENOBUFS) is retried: exact count. A
		 * firewall's drop (EPERM, nftables output) is a sent datagram
		 * that did not get out: count it and go on.
		 */
		if (size >= 16) {
			unsigned long long seq = (unsigned long long)i + 1,
					   t = now_ns();

			memcpy(buf, &seq, 8);
			memcpy(buf + 8, &t, 8);
		}
		while (send(fd, buf, (size_t)size, 0) < 0 && errno != EPERM)
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != ECONNREFUSED)
				die("send");
	}
	/* cpu_ns: this process's CPU time for the sends (bench/hooks.sh) */
	printf("sent=%ld payload_bytes=%ld secs=%.3f cpu_ns=%llu\n", count,
	       count * size, (double)(now_ns() - t0) / 1e9, cpu_ns() - cpu0);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a,
			   y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int do_recv(int argc, char **argv)
{
	struct sockaddr_storage addr;
	socklen_t alen;
	long count, idle_ms, got = 0, bytes = 0;
	unsigned long long first = 0, last = 0, gap = 0;
	static char buf[65536];
	int af, fd, one = 1, rcvbuf = 8 << 20;
	long distinct = 0, dups = 0, nlat = 0;
	unsigned long long *seen, *lat, late_min = ~0ULL, late_max = 0;

	if (argc < 4)
		return 2;
	af = make_addr(argv[0], atoi(argv[1]), &addr, &alen);
	count = atol(argv[2]);
	idle_ms = atol(argv[3]);
	if (count < 0 || count > 100000000)
		return 2;
	/* seen[seq]: when its first copy arrived (0: not yet) */
	seen = calloc((size_t)count + 1, sizeof(*seen));
	lat = calloc((size_t)count + 1, sizeof(*lat));
	if (!seen || !lat)
		die("calloc");
	fd = socket(af, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&addr, alen))
		die("bind");
	/* Tell a waiting test that we are bound. */
	printf("ready\n");
	fflush(stdout);
	while (got < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, (int)idle_ms) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			die("recv");
		if (got && now_ns() - last > gap)
			gap = now_ns() - last;
		last = now_ns();
		if (!got)
			first = last;
		got++;
		bytes += n;
		if (n >= 16) {
			unsigned long long seq, t;

			memcpy(&seq, buf, 8);
			memcpy(&t, buf + 8, 8);
			if (seq >= 1 && seq <= (unsigned long long)count &&
			    seen[seq]) {
				unsigned long long late = last - seen[seq];

				dups++;
				if (late < late_min)
					late_min = late;
				if (late > late_max)
					late_max = late;
				continue;
			}
			/* ... or a datagram of another sender: a new one */
			if (seq >= 1 && seq <= (unsigned long long)count)
				seen[seq] = last;
			if (nlat <= count && last >= t)
				lat[nlat++] = last - t;
		}
		distinct++;
	}
	printf("received=%ld payload_bytes=%ld secs=%.6f rate_payload_Bps=%.0f "
	       "max_gap_ms=%.1f distinct=%ld dups=%ld",
	       got, bytes, (double)(last - first) / 1e9,
	       last > first ? (double)bytes * 1e9 / (double)(last - first) :
			      0.0,
	       (double)gap / 1e6, distinct, dups);
	/* how long after its first copy a datagram came again */
	if (dups)
		printf(" dup_late_min_ms=%.1f dup_late_max_ms=%.1f",
		       late_min / 1e6, late_max / 1e6);
	if (nlat) {
		qsort(lat, (size_t)nlat, sizeof(*lat), cmp_u64);
		printf(" lat_p50_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f",
		       lat[nlat / 2] / 1e3, lat[(nlat * 99) / 100] / 1e3,
		       lat[nlat - 1] / 1e3);
	}
	printf("\n");
	free(seen);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 2;

	if (argc > 1 && !strcmp(argv[1], "send"))
		rc = do_send(argc - 2, argv + 2);
	else if (argc > 1 && !strcmp(argv[1], "recv"))
		rc = do_recv(argc - 2, argv + 2);
	if (rc == 2)
		fprintf(stderr,
			"usage: wf-udp send DST PORT COUNT SIZE [PPS [SPORT [SRC]]]\n"
			"       wf-udp recv BIND PORT COUNT IDLE_MS\n");
	return rc;
}
