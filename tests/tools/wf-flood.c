// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * wf-flood - a bounded flood of UDP packets, each on a new 5-tuple, for the
 * flow-table fault test.
 *
 *   wf-flood DST SRC_NET/LEN COUNT [SEED [MAX_SECS [FLOWS [PAYLOAD]]]]
 *
 * Sends COUNT IPv4/UDP packets (no payload) to DST from a raw socket
 * (IPPROTO_RAW: we write the IP header), as fast as the kernel takes them,
 * in sendmmsg batches. Each packet gets a source address drawn from
 * SRC_NET/LEN by a PRNG seeded with SEED, and a (source port, destination
 * port) pair that is a bijective mix of its index: no two packets of one run
 * share a 5-tuple. The packets are routed by DST, so they leave by the
 * interface that reaches it; the source range must be one the far side
 * accepts (or routes back). Stops at COUNT or after MAX_SECS (default 20),
 * whichever comes first. With FLOWS (> 0), packet i reuses the port pair
 * of packet i % FLOWS: from a /32, FLOWS flows in turn (bench/smallpkt.sh).
 * PAYLOAD bytes (default 0, at most 1472) follow the UDP header: 18 makes
 * the 64-byte Ethernet frame of a small-packet benchmark. Prints one line
 * (cpu_ns_per_pkt: this process's CPU time, which holds the softirq work
 * the kernel did in its context - over a veth, the whole path; refused:
 * packets an output-hook policer refused with EPERM, counted in sent):
 *   sent=N refused=R secs=S pps=P cpu_ns_per_pkt=C
 * Needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#define BATCH	    256
#define PKT_LEN	    (sizeof(struct iphdr) + sizeof(struct udphdr))
#define PAYLOAD_MAX 1472 /* a 1500-byte IP packet */

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL +
	       (unsigned long long)ts.tv_nsec;
}

/* splitmix64: the PRNG for source addresses. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A bijection on 32 bits (odd multiplies and xor-shifts): distinct in, distinct out. */
static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: wf-flood DST SRC_NET/LEN COUNT [SEED [MAX_SECS [FLOWS "
		"[PAYLOAD]]]]\n"
		"  COUNT UDP packets to DST, each on its own 5-tuple, sources "
		"random in SRC_NET/LEN\n");
	return 2;
}

int main(int argc, char **argv)
{
	static unsigned char pkts[BATCH][PKT_LEN + PAYLOAD_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr net;
	uint64_t rng;
	uint32_t host_mask, base, salt;
	unsigned long long t0, deadline, secs = 20;
	long count, sent = 0, refused = 0, flows = 0;
	unsigned payload = 0;
	struct timespec cpu;
	double cpu_ns;
	char *slash;
	int fd, len, i;

	if (argc == 2 && !strcmp(argv[1], "-h")) {
		usage();
		return 0;
	}
	if (argc < 4 || argc > 8)
		return usage();
	slash = strchr(argv[2], '/');
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 || !slash)
		return usage();
	*slash = '\0';
	len = atoi(slash + 1);
	if (inet_pton(AF_INET, argv[2], &net) != 1 || len < 8 || len > 32)
		return usage();
	count = atol(argv[3]);
	rng = argc > 4 ? strtoull(argv[4], NULL, 0) : 1;
	if (argc > 5)
		secs = strtoull(argv[5], NULL, 0);
	if (argc > 6)
		flows = atol(argv[6]);
	if (argc > 7)
		payload = (unsigned)atoi(argv[7]);
	if (count < 0 || count > 0xffffffffL || flows < 0 ||
	    payload > PAYLOAD_MAX)
		return usage();
	salt = (uint32_t)rng; /* fixed per run: keeps the port mix a bijection */
	host_mask = len == 32 ? 0 : 0xffffffffU >> len;
	base = ntohl(net.s_addr) & ~host_mask;

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("wf-flood: socket");
		return 1;
	}
	/* Fixed parts of every packet; the kernel fills the IP checksum. */
	for (i = 0; i < BATCH; i++) {
		struct iphdr *ip = (struct iphdr *)pkts[i];
		struct udphdr *udp = (struct udphdr *)(ip + 1);

		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->tot_len = htons((uint16_t)(PKT_LEN + payload));
		ip->id = htons(1); /* non-zero: the kernel leaves it alone */
		ip->daddr = dst.sin_addr.s_addr;
		/* checksum 0: none (IPv4) */
		udp->len = htons((uint16_t)(sizeof(*udp) + payload));
		iov[i].iov_base = pkts[i];
		iov[i].iov_len = PKT_LEN + payload;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_name = &dst;
		msgs[i].msg_hdr.msg_namelen = sizeof(dst);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now_ns();
	deadline = t0 + secs * 1000000000ULL;
	while (sent < count && now_ns() < deadline) {
		int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		int done = 0;

		for (i = 0; i < n; i++) {
			struct iphdr *ip = (struct iphdr *)pkts[i];
			struct udphdr *udp = (struct udphdr *)(ip + 1);
			long k = flows ? (sent + i) % flows : sent + i;
			uint32_t ports = mix32((uint32_t)k ^ salt);

			ip->saddr = htonl(
				base | ((uint32_t)next_rand(&rng) & host_mask));
			udp->source = htons((uint16_t)(ports >> 16));
			udp->dest = htons((uint16_t)ports);
		}
		/* A partial batch (full socket buffer) is sent on from where it stopped. */
		while (done < n) {
			int r = sendmmsg(fd, msgs + done,
					 (unsigned int)(n - done), 0);

			if (r < 0) {
				/*
				 * EPERM: a policer at the output hook (nftables,
				 * wirefisher's netfilter) refused the batch's
				 * first packet. It was offered all the same:
				 * count it and send on from the next one.
				 */
				if (errno == EPERM) {
					done++;
					refused++;
					continue;
				}
				if ((errno == ENOBUFS || errno == EAGAIN ||
				     errno == EINTR) &&
				    now_ns() < deadline)
					continue;
				perror("wf-flood: sendmmsg");
				return 1;
			}
			done += r;
		}
		sent += n;
	}
	t0 = now_ns() - t0;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	cpu_ns = (double)cpu.tv_sec * 1e9 + (double)cpu.tv_nsec;
	printf("sent=%ld refused=%ld secs=%.3f pps=%.0f cpu_ns_per_pkt=%.0f\n",
	       sent, refused, (double)t0 / 1e9,
	       t0 ? (double)sent * 1e9 / (double)t0 : 0.0,
	       sent ? cpu_ns / (double)sent : 0.0);
	return 0;
}
