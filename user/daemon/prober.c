// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* prober.c - see prober.h. */
#include "prober.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <linux/icmp.h>

#define PROBE_MAGIC "wirefisher-probe"	/* 16 bytes of payload */

struct echo {
	uint8_t type, code;
	uint16_t csum, id, seq;
	char magic[16];
};

void prober_init(struct prober *p, uint16_t id)
{
	memset(p, 0, sizeof(*p));
	p->fd4 = -1;
	p->fd6 = -1;
	p->id = id;
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
	return fd;
fail:
	close(fd);
	return -1;
}

int prober_open(struct prober *p, const struct wf_cfg_path *cp,
		const char *device, uint32_t mark)
{
	bool v4 = false, v6 = false;

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
	for (int i = 0; i < PROBER_ROUNDS; i++)
		p->rounds[i].open = p->rounds[i].expired = false;
}

static void send_echo(const struct prober *p, const struct wf_prefix *t,
		      uint16_t seq)
{
	struct echo e = { .id = htons(p->id), .seq = htons(seq) };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

	memcpy(e.magic, PROBE_MAGIC, sizeof(e.magic));
	if (t->family == 4 && p->fd4 >= 0) {
		e.type = ICMP_ECHO;
		e.csum = csum(&e, sizeof(e));
		memcpy(&sin.sin_addr, t->addr, 4);
		sendto(p->fd4, &e, sizeof(e), 0, (struct sockaddr *)&sin,
		       sizeof(sin));
	} else if (t->family == 6 && p->fd6 >= 0) {
		e.type = ICMP6_ECHO_REQUEST;	/* the kernel sums ICMPv6 */
		memcpy(&sin6.sin6_addr, t->addr, 16);
		sendto(p->fd6, &e, sizeof(e), 0, (struct sockaddr *)&sin6,
		       sizeof(sin6));
	}
	/* A failed send (device going away, no route) is a lost round. */
}

void prober_send(struct prober *p, const struct wf_cfg_path *cp, uint64_t now,
		 uint64_t timeout_ns)
{
	uint16_t seq = p->next_seq++;
	struct prober_round *r = &p->rounds[seq % PROBER_ROUNDS];

	/* A round still open from PROBER_ROUNDS ago is reused: it is lost. */
	r->seq = seq;
	r->open = true;
	r->expired = false;
	r->sent_ns = now;
	r->deadline_ns = now + timeout_ns;
	for (int i = 0; i < cp->n_targets; i++)
		send_echo(p, &cp->targets[i], seq);
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

int prober_read(struct prober *p, int fd, uint64_t now,
		struct prober_result *out, int max)
{
	uint8_t buf[512];
	int got = 0;
	ssize_t n;

	while (got < max && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		const struct echo *e = reply_of(buf, n, fd == p->fd4);
		struct prober_round *r;

		if (!e || ntohs(e->id) != p->id)
			continue;
		r = &p->rounds[ntohs(e->seq) % PROBER_ROUNDS];
		if (!(r->open || r->expired) || r->seq != ntohs(e->seq))
			continue;	/* a second target's answer, or very old */
		out[got].answered = true;
		out[got].late = r->expired;
		out[got].rtt_ns = now - r->sent_ns;
		r->open = false;
		r->expired = false;
		got++;
	}
	return got;
}

int prober_expire(struct prober *p, uint64_t now, struct prober_result *out,
		  int max)
{
	int got = 0;

	for (int i = 0; i < PROBER_ROUNDS && got < max; i++) {
		struct prober_round *r = &p->rounds[i];

		if (!r->open || r->deadline_ns > now)
			continue;
		r->open = false;
		r->expired = true;
		out[got].answered = false;
		out[got].late = false;
		out[got].rtt_ns = 0;
		got++;
	}
	return got;
}

uint64_t prober_next_deadline(const struct prober *p)
{
	uint64_t t = UINT64_MAX;

	for (int i = 0; i < PROBER_ROUNDS; i++)
		if (p->rounds[i].open && p->rounds[i].deadline_ns < t)
			t = p->rounds[i].deadline_ns;
	return t;
}
