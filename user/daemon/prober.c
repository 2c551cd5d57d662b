// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* prober.c - see prober.h. */
#include "prober.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <linux/icmp.h>

/* 8 bytes of magic, then the round's nonce: 16 bytes of payload. */
#define PROBE_MAGIC "wfprobe1"

struct echo {
	uint8_t type, code;
	uint16_t csum, id, seq;
	char magic[8];
	uint8_t nonce[8]; /* opaque: compared, never converted */
};

/*
 * Random bits for identifiers and nonces. GRND_NONBLOCK: early at boot,
 * before the pool is ready, a weaker value beats a daemon that waits.
 */
static uint64_t random_u64(void)
{
	struct timespec ts;
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	return v ^ (v >> 29);
}

int prober_init(struct prober *p, uint32_t rounds)
{
	memset(p, 0, sizeof(*p));
	p->fd4 = -1;
	p->fd6 = -1;
	p->id = (uint16_t)random_u64();
	return rounds_init(&p->rounds, rounds, (uint16_t)random_u64());
}

void prober_free(struct prober *p)
{
	prober_close(p);
	rounds_free(&p->rounds);
}

static uint16_t csum(const void *data, size_t len)
{
	const uint16_t *w = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	if (len)
		sum += *(const uint8_t *)w;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int open_one(int family, const char *device, uint32_t mark)
{
	int proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int one = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device,
		       (socklen_t)strlen(device) + 1) ||
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		goto fail;
	/* Wake up for echo replies only, not for every ICMP on the device. */
	if (family == AF_INET) {
		struct icmp_filter f = { ~(1U << ICMP_ECHOREPLY) };

		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)))
			goto fail;
	} else {
		struct icmp6_filter f;

		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)))
			goto fail;
	}
	/*
	 * An answer's RTT ends when the kernel took it in, not when we got
	 * round to reading it: a daemon stopped or descheduled for a while
	 * (a loaded host, a reload's verifier) would otherwise add that
	 * while to every answer waiting, and to the jitter and the timeout.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

int prober_open(struct prober *p, const struct wf_cfg_path *cp,
		const char *device, uint32_t mark)
{
	bool v4 = false, v6 = false;

	p->n_targets = cp->n_targets;
	memcpy(p->targets, cp->targets, sizeof(p->targets));
	for (int i = 0; i < cp->n_targets; i++) {
		v4 |= cp->targets[i].family == 4;
		v6 |= cp->targets[i].family == 6;
	}
	if (v4 && (p->fd4 = open_one(AF_INET, device, mark)) < 0)
		return -1;
	if (v6 && (p->fd6 = open_one(AF_INET6, device, mark)) < 0) {
		prober_close(p);
		return -1;
	}
	return 0;
}

void prober_close(struct prober *p)
{
	if (p->fd4 >= 0)
		close(p->fd4);
	if (p->fd6 >= 0)
		close(p->fd6);
	p->fd4 = p->fd6 = -1;
	if (p->rounds.slot)
		rounds_reset(&p->rounds);
}

static void send_echo(const struct prober *p, const struct wf_prefix *t,
		      uint16_t seq, uint64_t nonce)
{
	struct echo e = { .id = htons(p->id), .seq = htons(seq) };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	memcpy(e.magic, PROBE_MAGIC, sizeof(e.magic));
	memcpy(e.nonce, &nonce, sizeof(e.nonce));
	if (t->family == 4 && p->fd4 >= 0) {
		e.type = ICMP_ECHO;
		e.csum = csum(&e, sizeof(e));
		memcpy(&sin.sin_addr, t->addr, 4);
		sendto(p->fd4, &e, sizeof(e), 0, (struct sockaddr *)&sin,
		       sizeof(sin));
	} else if (t->family == 6 && p->fd6 >= 0) {
		e.type = ICMP6_ECHO_REQUEST; /* the kernel sums ICMPv6 */
		memcpy(&sin6.sin6_addr, t->addr, 16);
		sendto(p->fd6, &e, sizeof(e), 0, (struct sockaddr *)&sin6,
		       sizeof(sin6));
	}
	/* A failed send (device going away, no route) is a lost round. */
}

static int send_round(struct prober *p, uint64_t now, uint64_t timeout_ns,
		      bool burst, struct round_result *lost)
{
	uint64_t nonce = random_u64();
	bool overwritten;
	uint16_t seq = rounds_open(&p->rounds, now, timeout_ns, nonce,
				   &overwritten, lost);

	if (burst)
		rounds_mark_burst(&p->rounds, seq);
	for (int i = 0; i < p->n_targets; i++)
		send_echo(p, &p->targets[i], seq, nonce);
	return overwritten;
}

int prober_send(struct prober *p, uint64_t now, uint64_t timeout_ns,
		struct round_result *lost)
{
	return send_round(p, now, timeout_ns, false, lost);
}

int prober_send_burst(struct prober *p, uint64_t now, uint64_t timeout_ns,
		      struct round_result *lost)
{
	return send_round(p, now, timeout_ns, true, lost);
}

/* The echo reply in buf, or NULL. IPv4 raw sockets include the IP header. */
static const struct echo *reply_of(const uint8_t *buf, ssize_t n, bool v4)
{
	const struct echo *e;
	size_t off = 0;

	if (v4) {
		if (n < (ssize_t)sizeof(struct iphdr))
			return NULL;
		off = (size_t)(((const struct iphdr *)buf)->ihl) * 4;
	}
	if (n < (ssize_t)(off + sizeof(*e)))
		return NULL;
	e = (const struct echo *)(buf + off);
	if (e->type != (v4 ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY) ||
	    memcmp(e->magic, PROBE_MAGIC, sizeof(e->magic)))
		return NULL;
	return e;
}

/* Did the datagram come from one of the targets we probe? */
static bool from_target(const struct prober *p,
			const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	for (int i = 0; i < p->n_targets; i++) {
		const struct wf_prefix *t = &p->targets[i];

		if (ss->ss_family == AF_INET && t->family == 4 &&
		    !memcmp(&sin->sin_addr, t->addr, 4))
			return true;
		if (ss->ss_family == AF_INET6 && t->family == 6 &&
		    !memcmp(&sin6->sin6_addr, t->addr, 16))
			return true;
	}
	return false;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The kernel's arrival stamp of the datagram msg holds, or 0. */
static uint64_t rx_stamp(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c;
	     c = CMSG_NXTHDR(msg, c)) {
		struct timespec ts;

		if (c->cmsg_level != SOL_SOCKET ||
		    c->cmsg_type != SCM_TIMESTAMPNS ||
		    c->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		return (uint64_t)ts.tv_sec * 1000000000ULL +
		       (uint64_t)ts.tv_nsec;
	}
	return 0;
}

int prober_read(struct prober *p, int fd, struct round_result *out, int max)
{
	uint8_t buf[512] __attribute__((aligned(8)));
	int got = 0;

	/* Bounded: what is left wakes the next poll, after the timers ran. */
	for (int reads = 0; reads < PROBER_READS && got < max; reads++) {
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct timespec))];
		} ctl;
		struct sockaddr_storage ss;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_name = &ss,
				      .msg_namelen = sizeof(ss),
				      .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = ctl.buf,
				      .msg_controllen = sizeof(ctl.buf) };
		const struct echo *e;
		uint64_t nonce, mono, real;
		ssize_t n = recvmsg(fd, &msg, 0);

		if (n <= 0)
			break;
		/* Both clocks at once: stamps are wall-clock, rounds monotonic. */
		mono = clock_ns(CLOCK_MONOTONIC);
		real = clock_ns(CLOCK_REALTIME);
		e = reply_of(buf, n, fd == p->fd4);
		if (!e || ntohs(e->id) != p->id || !from_target(p, &ss))
			continue;
		memcpy(&nonce, e->nonce, sizeof(nonce));
		/* 0 for a second target's answer, a duplicate or a forgery. */
		got += rounds_answer(&p->rounds, ntohs(e->seq), nonce,
				     rounds_arrival(mono, real, rx_stamp(&msg)),
				     mono, &out[got]);
	}
	return got;
}

int prober_expire(struct prober *p, uint64_t now, struct round_result *out,
		  int max)
{
	return rounds_expire(&p->rounds, now, out, max);
}

uint64_t prober_next_deadline(const struct prober *p)
{
	return rounds_next_deadline(&p->rounds);
}
