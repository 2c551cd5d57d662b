// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * libFuzzer harness over the datapath: each input is one packet run through
 * BPF_PROG_TEST_RUN of a real program of the skeleton (wf_tc_ingress,
 * wf_tc_egress, wf_cg_ingress or wf_cg_egress), loaded once with the rule
 * set below through the real config parser and loader (tests/bpf/fixture.h),
 * with the mock clock on. After every run the counters are read again and
 * the invariants of check_run() must hold; a violation prints both
 * snapshots and aborts, which libFuzzer reports as a crash with the input.
 *
 * Needs root (BPF, and a cgroup of its own: the cgroup rules match the
 * throw-away socket test_run makes in the caller's cgroup). Usage:
 *   fuzz-datapath --seeds DIR     write the seed corpus to DIR (no root)
 *   fuzz-datapath [libFuzzer flags] CORPUS...
 * WF_DPFUZZ_STRICT=1 adds the address-rule check (check_oracle()).
 *
 * The maps keep their state from one input to the next (buckets, flows,
 * the clock): that is the point - buckets drain and refill - but a finding
 * may need the inputs before it. The invariants are about one run's deltas,
 * so they hold whatever the state; the report prints the state it saw.
 *
 * Input: an 8-byte header, then the frame (Ethernet header first: test_run
 * publishes every skb on lo as Ethernet; cgroup_skb gets it from the IP
 * header on, as the kernel strips the link layer for it).
 *   [0] bits 0-1 program (enum dp_prog), bit 2 the clock steps back
 *   [1] shift, [2..3] step (le16): the clock moves by step << (shift % 40) ns
 *   [4..5] gso_segs (le16), [6..7] gso_size (le16), into the __sk_buff ctx.
 *   (ctx len is not settable: test_run takes it from the data.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "fixture.h"

int t_failed_checks; /* fixture.h's CHECK() counts here */
char t_skip_why[160];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TC_ACT_OK    0
#define TC_ACT_SHOT  2
#define HDR_LEN	     8
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum dp_prog { TC_IN, TC_OUT, CG_IN, CG_OUT, N_PROGS };
static const char *const prog_names[N_PROGS] = {
	"wf_tc_ingress",
	"wf_tc_egress",
	"wf_cg_ingress",
	"wf_cg_egress",
};

/*
 * The rule set: every kind of match the datapath has (prefix v4/v6 on
 * source and destination, proto, port ranges with and without proto,
 * direction, a shared group, per-key buckets, cgroup rules at the socket
 * hooks), small bursts so that drops happen. `addr` marks the rules that
 * match on addresses and direction alone (check_oracle()). %1$s is the
 * test cgroup. The rule id is the index.
 */
struct dp_rule {
	const char *yaml; /* the rule's lines after "- name: rN" */
	const char *addr; /* "src PREFIX" or "dst PREFIX", or NULL */
	unsigned dirs;	  /* for addr: bit 0 ingress, bit 1 egress */
};

static const struct dp_rule rules[] = {
	{ .yaml = "match: { dst: 10.1.0.0/16, proto: udp, dport: 53 }\n"
		  "    rate: 1mbit\n    burst: 3kB\n" },
	{ .yaml = "match: { src: 'fd00:1::/32' }\n"
		  "    rate: 2mbit\n    burst: 4kB\n",
	  .addr = "src fd00:1::/32",
	  .dirs = 3 },
	{ .yaml = "match: { sport: 40000-50000 }\n"
		  "    rate: 4mbit\n    burst: 3kB\n" },
	{ .yaml = "match: { dst: 10.2.0.0/16 }\n    rate: 8mbit\n    burst: 2kB\n"
		  "    per: src_ip\n",
	  .addr = "dst 10.2.0.0/16",
	  .dirs = 3 },
	{ .yaml = "match: { dst: 10.9.0.0/16, direction: egress }\n"
		  "    rate: 1mbit\n    burst: 2kB\n",
	  .addr = "dst 10.9.0.0/16",
	  .dirs = 2 },
	{ .yaml = "match: { proto: icmp }\n    rate: 1mbit\n    burst: 2kB\n" },
	{ .yaml = "match: { dst: 'fd00:2::/64', proto: tcp, dport: 443 }\n"
		  "    rate: 2mbit\n    burst: 2kB\n    per: flow\n" },
	{ .yaml = "match: { src: 10.0.0.0/8, direction: ingress }\n"
		  "    rate: 100mbit\n    burst: 64kB\n",
	  .addr = "src 10.0.0.0/8",
	  .dirs = 1 },
	{ .yaml = "match: { dst: 'fd00::/16', dport: 1000-2000 }\n"
		  "    rate: 2mbit\n    burst: 2kB\n    per: dst_ip\n" },
	{ .yaml = "match: { dst: 10.3.0.0/16 }\n    rate: 2mbit\n    burst: 2kB\n"
		  "    group: g\n",
	  .addr = "dst 10.3.0.0/16",
	  .dirs = 3 },
	{ .yaml = "match: { src: 10.3.0.0/16 }\n    rate: 2mbit\n    burst: 2kB\n"
		  "    group: g\n",
	  .addr = "src 10.3.0.0/16",
	  .dirs = 3 },
	/* At the socket hooks only (wf_cg_rules). */
	{ .yaml = "match: { cgroup: %1$s, proto: udp, dport: 1000-2000 }\n"
		  "    rate: 2mbit\n    burst: 2kB\n    per: src_ip\n" },
	{ .yaml = "match: { cgroup: %1$s, dst: 10.4.0.0/16 }\n"
		  "    rate: 1mbit\n    burst: 2kB\n",
	  .addr = "dst 10.4.0.0/16",
	  .dirs = 3 },
	{ .yaml = "match: { cgroup: %1$s, src: 'fd00::/16', direction: egress }\n"
		  "    rate: 2mbit\n    burst: 3kB\n",
	  .addr = "src fd00::/16",
	  .dirs = 2 },
};
#define N_RULES (int)(sizeof(rules) / sizeof(rules[0]))

/*
 * How one run of a tc program is classified in wf_stats, as wf_packet()
 * (bpf/lib/verdict.bpf.h) and flow_account() define it: a packet that does
 * not parse adds 1 to exactly one of non_ip, malformed, truncated; one that
 * parses adds its wire packets (segs) to dropped if a rule drops it, else
 * to packets. Exactly one of these moves per run. Assumed: every new
 * classification counter (e.g. for fragments or unparsed-but-policed
 * packets) is added to this list with its unit, and the counters not in it
 * are not classifications (bytes, flows_created, bucket_errors, ...).
 */
enum unit { ONE, SEGS };
struct dp_class {
	const char *name;
	size_t off;
	enum unit unit;
	size_t bytes_off; /* its byte counter, or 0 */
};
#define CL(f, u, b)                                       \
	{                                                 \
#f, offsetof(struct wf_counters, f), u, b \
	}
static const struct dp_class tc_classes[] = {
	CL(packets, SEGS, offsetof(struct wf_counters, bytes)),
	CL(dropped, SEGS, offsetof(struct wf_counters, dropped_bytes)),
	CL(non_ip, ONE, 0),
	CL(malformed, ONE, 0),
	CL(truncated, ONE, 0),
};
#define N_TC_CLASSES	  (int)(sizeof(tc_classes) / sizeof(tc_classes[0]))
#define DROPPED_CLASS	  1
#define FIRST_PARSE_CLASS 2 /* non_ip, malformed, truncated */
#define NON_IP_CLASS	  2

/*
 * The socket hooks count only what they drop (dropped, dropped_bytes, and
 * bucket_errors for a drop because a per-key bucket could not be made):
 * parse counters and accounting stay on tc (verdict.bpf.h, WF_AT_SOCKET),
 * so an unparsed packet passes them with no count at all - by design.
 */
static const size_t cg_may_move[] = {
	offsetof(struct wf_counters, dropped),
	offsetof(struct wf_counters, dropped_bytes),
	offsetof(struct wf_counters, bucket_errors),
};

#define N_FIELDS (sizeof(struct wf_counters) / sizeof(__u64))
_Static_assert(sizeof(struct wf_counters) % sizeof(__u64) == 0,
	       "wf_counters is read as an array of __u64");
_Static_assert(sizeof(struct wf_rule_counters) == 4 * sizeof(__u64),
	       "check_rules() knows four rule counters");

struct snap {
	struct wf_counters c;
	struct wf_rule_counters r[N_RULES];
};

static struct {
	struct wirefisher_bpf *skel;
	struct bpf_program *prog[N_PROGS];
	__u32 slot[N_RULES];
	__u64 at_socket; /* rule bits enforced by the cgroup hooks */
	int stats_fd, rule_stats_fd;
	int strict;
	struct snap now; /* the counters after the last run */
	/* check_oracle(): the prefixes of the address-only rules. */
	struct {
		int family, dst, len;
		__u8 addr[16];
	} pfx[N_RULES];
	char cg_home[2 * PATH_MAX], cg_dir[PATH_MAX + 64];
} dp;

/*
 * Extra coverage for libFuzzer: the kernel's branches are invisible to it,
 * so what the datapath did (which program, which class, which rules
 * passed or dropped, which counters moved) is fed back as features: an
 * input that makes the datapath do something new joins the corpus.
 */
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t
	feat[N_PROGS][16 + 2 * 64 + N_FIELDS + 256];

static __u64 field(const struct wf_counters *c, size_t off)
{
	return *(const __u64 *)((const char *)c + off);
}

static void snap_read(struct snap *s)
{
	int i;

	stats_read_counters(dp.stats_fd, &s->c);
	for (i = 0; i < N_RULES; i++)
		stats_read_rule_counters(dp.rule_stats_fd, dp.slot[i],
					 &s->r[i]);
}

/* ---- the checks ------------------------------------------------------ */

struct run {
	enum dp_prog prog;
	const uint8_t *frame;
	size_t len;
	__u32 gso_segs, gso_size;
	__u64 clock;
	int err, retval;
	__u64 segs; /* wire packets the datapath counts: segs or 1 */
};

static const struct run *cur;
static const struct snap *cur_before, *cur_after;

static void dump_snap(FILE *f, const char *what, const struct snap *s)
{
	const __u64 *c = (const __u64 *)&s->c;
	size_t i;

	fprintf(f, "  %s: wf_counters", what);
	for (i = 0; i < N_FIELDS; i++)
		fprintf(f, " %llu", (unsigned long long)c[i]);
	fprintf(f, "\n  %s: rules (passed/dropped)", what);
	for (i = 0; i < (size_t)N_RULES; i++)
		fprintf(f, " r%zu %llu/%llu", i,
			(unsigned long long)s->r[i].passed,
			(unsigned long long)s->r[i].dropped);
	fputc('\n', f);
}

__attribute__((format(printf, 1, 2), noreturn)) static void
violation(const char *fmt, ...)
{
	va_list ap;
	size_t i;

	const char *log = getenv("WF_DPFUZZ_LOG");
	FILE *out = log ? fopen(log, "a") : NULL;

	/* To stderr, and to WF_DPFUZZ_LOG: tests/run.sh shows that file. */
	for (int pass = 0; pass < (out ? 2 : 1); pass++) {
		FILE *f = pass ? out : stderr;

		fprintf(f, "\n==dp-fuzz== INVARIANT VIOLATED: ");
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fprintf(f,
			"\n  program %s, err %d, retval %d, gso_segs %u, "
			"gso_size %u, clock %llu ns, frame %zu bytes:\n  ",
			prog_names[cur->prog], cur->err, cur->retval,
			cur->gso_segs, cur->gso_size,
			(unsigned long long)cur->clock, cur->len);
		for (i = 0; i < cur->len; i++)
			fprintf(f, "%02x%s", cur->frame[i],
				i % 32 == 31 ? "\n  " : "");
		fputc('\n', f);
		dump_snap(f, "before", cur_before);
		dump_snap(f, "after ", cur_after);
	}
	if (out)
		fclose(out);
	abort();
}

/*
 * Strict findings are gaps the datapath has today (issue 13), not broken
 * bookkeeping: each kind is printed once, with its first input, and the
 * run goes on, so one run lists them all.
 */
__attribute__((format(printf, 2, 3))) static void
strict_finding(unsigned kind, const char *fmt, ...)
{
	static uint8_t seen[4096];
	va_list ap;
	size_t i;

	kind %= sizeof(seen);
	if (seen[kind])
		return;
	seen[kind] = 1;
	fprintf(stderr, "==dp-fuzz== strict: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  program %s, gso_segs %u, frame %zu bytes:\n  ",
		prog_names[cur->prog], cur->gso_segs, cur->len);
	for (i = 0; i < cur->len; i++)
		fprintf(stderr, "%02x%s", cur->frame[i],
			i % 32 == 31 ? "\n  " : "");
	fputc('\n', stderr);
}

/* Counters never decrease: every __u64 of every counter struct. */
static void check_monotonic(const struct snap *b, const struct snap *a)
{
	const __u64 *pb = (const __u64 *)b, *pa = (const __u64 *)a;
	size_t i;

	_Static_assert(sizeof(struct snap) % sizeof(__u64) == 0, "snap");
	for (i = 0; i < sizeof(*b) / sizeof(__u64); i++)
		if (pa[i] < pb[i])
			violation("counter word %zu of the snapshot went down "
				  "(%llu -> %llu)",
				  i, (unsigned long long)pb[i],
				  (unsigned long long)pa[i]);
}

/*
 * The IP bytes one counted packet adds: pkt_bytes() (bpf/lib/flow.bpf.h),
 * the IP length plus one header per extra GSO segment. Strict: the header
 * no longer than the packet (today a TCP doff past the end counts bytes
 * that are not there, see check_oracle()).
 */
static void check_bytes(const char *what, __u64 bytes, const struct run *r)
{
	__u64 ip = r->len - ETH_HLEN, extra = bytes - ip;

	if (dp.strict && r->segs > 1 && bytes > ip &&
	    extra / (r->segs - 1) > ip)
		strict_finding(r->prog,
			       "%s: a header of %llu bytes counted per "
			       "GSO segment, longer than the %llu-byte packet",
			       what,
			       (unsigned long long)(extra / (r->segs - 1)),
			       (unsigned long long)ip);
	if (bytes < ip || (r->segs == 1 && extra) ||
	    (r->segs > 1 && extra % (r->segs - 1)))
		violation("%s grew by %llu bytes: not %llu IP bytes + %llu x "
			  "a header",
			  what, (unsigned long long)bytes,
			  (unsigned long long)ip,
			  (unsigned long long)(r->segs - 1));
}

/*
 * At tc, what the classes that moved say: one fate (packets: passed and
 * accounted; dropped) or one parse class (non-IP, malformed, truncated),
 * or a parse class with a drop - an IP header that did not parse is still
 * policed with what is known (verdict.bpf.h), and dropped if a rule says
 * so, but never accounted. Never both fates, never two parse classes.
 */
static void check_tc_classes(const int *moved_cls, int n, int drop)
{
	int parse = 0, fate = 0, cls_parse = -1;

	for (int k = 0; k < n; k++) {
		if (moved_cls[k] >= FIRST_PARSE_CLASS) {
			parse++;
			cls_parse = moved_cls[k];
		} else {
			fate++;
		}
	}
	if (!parse && fate != 1)
		violation("tc: %d fate counters moved, not exactly one (the "
			  "packet is %s)",
			  fate, fate ? "counted twice" : "silently skipped");
	if (parse > 1)
		violation("tc: %d parse counters moved", parse);
	if (parse && fate &&
	    (cls_parse == NON_IP_CLASS || !drop ||
	     moved_cls[0] != DROPPED_CLASS))
		violation("tc: an unparsed packet was %s", drop ? "dropped as "
								  "not IP" :
								  "accounted");
}

/*
 * wf_stats: at tc the classifications check_tc_classes() allows, each by
 * its unit; at the socket hooks nothing but a drop. Returns the bytes the
 * packet was counted with (0 if it was not counted as a parsed or dropped
 * IP packet); *cls: a tc class counted.
 */
static __u64 check_stats(const struct snap *b, const struct snap *a,
			 const struct run *r, int drop, int *cls)
{
	__u64 d, bytes = 0;
	int i, moved = 0, moved_cls[N_TC_CLASSES];
	size_t f;

	if (r->prog == CG_IN || r->prog == CG_OUT) {
		for (f = 0; f < N_FIELDS; f++) {
			size_t off = f * sizeof(__u64), k;
			int may = 0;

			for (k = 0; k < ARRAY_LEN(cg_may_move); k++)
				may |= cg_may_move[k] == off;
			if (!may && field(&a->c, off) != field(&b->c, off))
				violation("a socket hook moved wf_counters "
					  "word %zu",
					  f);
		}
		d = a->c.dropped - b->c.dropped;
		if (d != (drop ? r->segs : 0))
			violation("socket hook: dropped grew by %llu, verdict %s",
				  (unsigned long long)d,
				  drop ? "drop" : "pass");
		if (drop) {
			bytes = a->c.dropped_bytes - b->c.dropped_bytes;
			check_bytes("dropped_bytes", bytes, r);
		} else if (a->c.dropped_bytes != b->c.dropped_bytes) {
			violation("socket hook: dropped_bytes grew on a pass");
		}
		return bytes;
	}
	for (i = 0; i < N_TC_CLASSES; i++) {
		const struct dp_class *cl = &tc_classes[i];
		__u64 want = cl->unit == SEGS ? r->segs : 1, db = 0;

		d = field(&a->c, cl->off) - field(&b->c, cl->off);
		if (cl->bytes_off)
			db = field(&a->c, cl->bytes_off) -
			     field(&b->c, cl->bytes_off);
		if (!d) {
			if (db)
				violation("%s bytes grew without %s", cl->name,
					  cl->name);
			continue;
		}
		if (d != want)
			violation("%s grew by %llu, not %llu", cl->name,
				  (unsigned long long)d,
				  (unsigned long long)want);
		if (i < FIRST_PARSE_CLASS && (i == DROPPED_CLASS) != drop)
			violation("counted as %s but the verdict is %s",
				  cl->name, drop ? "drop" : "pass");
		if (cl->bytes_off) {
			check_bytes(cl->name, db, r);
			bytes = db;
		}
		feat[r->prog][i]++;
		*cls = i;
		moved_cls[moved++] = i;
	}
	check_tc_classes(moved_cls, moved, drop);
	return bytes;
}

/*
 * Per rule: passed + dropped grew by 0 (no match) or by the packet's segs
 * (a match), in dropped iff the verdict is drop, with the same bytes as
 * wf_stats; only the rules of this hook; a drop comes from some rule.
 * Returns the set of rules that counted the packet.
 */
static __u64 check_rules(const struct snap *b, const struct snap *a,
			 const struct run *r, int drop, __u64 bytes)
{
	int socket = r->prog == CG_IN || r->prog == CG_OUT, i;
	__u64 seen = 0, hash = 0;

	for (i = 0; i < N_RULES; i++) {
		const struct wf_rule_counters *rb = &b->r[i], *ra = &a->r[i];
		__u64 dps = ra->passed - rb->passed,
		      dd = ra->dropped - rb->dropped;
		__u64 dpb = ra->passed_bytes - rb->passed_bytes;
		__u64 ddb = ra->dropped_bytes - rb->dropped_bytes;
		int mine = !!(dp.at_socket >> i & 1) == socket;

		if (!dps && !dd && !dpb && !ddb)
			continue;
		if (!mine)
			violation("rule %d is enforced by the other hook but "
				  "counted here",
				  i);
		if ((dps && dd) || dps + dd != r->segs)
			violation("rule %d: passed +%llu, dropped +%llu: not one "
				  "match of %llu segs",
				  i, (unsigned long long)dps,
				  (unsigned long long)dd,
				  (unsigned long long)r->segs);
		if (!!dd != drop)
			violation("rule %d counted a %s, the verdict is %s", i,
				  dd ? "drop" : "pass", drop ? "drop" : "pass");
		if ((bytes && (dd ? ddb : dpb) != bytes) || (dd ? dpb : ddb))
			violation("rule %d: bytes +%llu/+%llu, the packet's "
				  "are %llu",
				  i, (unsigned long long)dpb,
				  (unsigned long long)ddb,
				  (unsigned long long)bytes);
		/*
		 * A pass at a socket hook, or of an IP packet tc could not
		 * parse (policed, not accounted), is in no wf_stats byte
		 * counter: the first rule that counts it sets the bytes the
		 * others must agree with.
		 */
		if (!bytes && !drop) {
			check_bytes("passed_bytes", dpb, r);
			bytes = dpb;
		}
		seen |= 1ULL << i;
		feat[r->prog][16 + 2 * i + !!dd]++;
		hash = hash * 31 + (__u64)i + 1;
	}
	if (drop && !seen)
		violation("dropped, but no rule counted the packet");
	if (seen && !socket && !bytes)
		violation("rules counted a packet wf_stats did not count");
	feat[r->prog][16 + 2 * 64 + N_FIELDS + hash % 256]++;
	return seen;
}

/*
 * Strict (WF_DPFUZZ_STRICT=1): a packet whose IP header names its
 * addresses - the right version, a whole fixed header (IPv4: ihl >= 5, the
 * options in the frame, tot_len >= ihl) - is counted by every rule of this
 * hook that matches on addresses and direction alone and covers them,
 * however the rest of it parses. Today a malformed or truncated L4 or
 * extension-header chain passes unpoliced (issue 13, item 2): this is the
 * check that says so.
 */
static int in_prefix(const __u8 *a, const __u8 *p, int len)
{
	int full = len / 8, rest = len % 8;

	if (memcmp(a, p, full))
		return 0;
	return !rest || !((a[full] ^ p[full]) & (0xff << (8 - rest)));
}

static void check_oracle(const struct run *r, __u64 seen, int tc_class)
{
	const uint8_t *ip = r->frame + ETH_HLEN;
	size_t iplen = r->len - ETH_HLEN;
	int socket = r->prog == CG_IN || r->prog == CG_OUT, family = 0, i;
	unsigned dir = r->prog == TC_OUT || r->prog == CG_OUT ? 2 : 1;
	__u16 proto = (__u16)(r->frame[12] << 8 | r->frame[13]);
	__u8 src[16] = { 0 }, dst[16] = { 0 };

	if (proto == ETH_P_IP && iplen >= 20 && ip[0] >> 4 == 4 &&
	    (ip[0] & 15) >= 5 && iplen >= (ip[0] & 15) * 4u &&
	    (ip[2] << 8 | ip[3]) >= (ip[0] & 15) * 4) {
		family = 4;
		memcpy(src, ip + 12, 4);
		memcpy(dst, ip + 16, 4);
	} else if (proto == ETH_P_IPV6 && iplen >= 40 && ip[0] >> 4 == 6) {
		family = 6;
		memcpy(src, ip + 8, 16);
		memcpy(dst, ip + 24, 16);
	}
	if (!family)
		return;
	for (i = 0; i < N_RULES; i++) {
		if (!rules[i].addr || dp.pfx[i].family != family ||
		    !(rules[i].dirs & dir) ||
		    !!(dp.at_socket >> i & 1) != socket)
			continue;
		if (!in_prefix(dp.pfx[i].dst ? dst : src, dp.pfx[i].addr,
			       dp.pfx[i].len))
			continue;
		if (!(seen >> i & 1))
			strict_finding(16 +
					       ((unsigned)r->prog * N_RULES +
						i) * 8 +
					       tc_class,
				       "rule %d (%s) covers the "
				       "packet's addresses but did not count it "
				       "(tc counted it as %s)",
				       i, rules[i].addr,
				       tc_class < N_TC_CLASSES ?
					       tc_classes[tc_class].name :
					       "-");
	}
}

static void check_run(const struct snap *b, const struct snap *a,
		      const struct run *r)
{
	int socket = r->prog == CG_IN || r->prog == CG_OUT, drop;
	int tc_class = N_TC_CLASSES;
	__u64 bytes, seen;

	cur = r;
	cur_before = b;
	cur_after = a;
	check_monotonic(b, a);
	if (r->err) {
		/* test_run refused the input: nothing ran, nothing moved. */
		if (memcmp(b, a, sizeof(*a)))
			violation("test_run failed (%d) but counters moved",
				  r->err);
		feat[r->prog][15]++;
		return;
	}
	/*
	 * cgroup_skb egress may add the congestion bit for TCP: 2 is a drop,
	 * 3 a pass (cgroup.bpf.c); ingress has only 0 and 1.
	 */
	if (r->prog == CG_OUT ? (r->retval < 0 || r->retval > 3) :
	    socket	      ? (r->retval != 0 && r->retval != 1) :
		     (r->retval != TC_ACT_OK && r->retval != TC_ACT_SHOT))
		violation("return code %d is not a verdict of %s", r->retval,
			  prog_names[r->prog]);
	drop = socket ? !(r->retval & 1) : r->retval == TC_ACT_SHOT;
	bytes = check_stats(b, a, r, drop, &tc_class);
	seen = check_rules(b, a, r, drop, bytes);
	if (dp.strict)
		check_oracle(r, seen, tc_class);
	for (size_t f = 0; f < N_FIELDS; f++)
		if (field(&a->c, f * 8) != field(&b->c, f * 8))
			feat[r->prog][16 + 2 * 64 + f]++;
}

/* ---- set-up --------------------------------------------------------- */

static void cg_leave(void)
{
	char parent[sizeof(dp.cg_dir)];

	if (!dp.cg_dir[0])
		return;
	cg_join(dp.cg_home);
	rmdir(dp.cg_dir);
	snprintf(parent, sizeof(parent), "%s", dp.cg_dir);
	*strrchr(parent, '/') = '\0';
	rmdir(parent);
	dp.cg_dir[0] = '\0';
}

/* A finding aborts, so atexit never runs: remove what dead runs left. */
static void cg_sweep(const char *mount)
{
	DIR *d = opendir(mount);
	struct dirent *e;
	char path[PATH_MAX + 300];
	int pid;

	while (d && (e = readdir(d)))
		if (sscanf(e->d_name, "wf-dpfuzz-%d", &pid) == 1 &&
		    kill(pid, 0) && errno == ESRCH) {
			snprintf(path, sizeof(path), "%s/%s/in", mount,
				 e->d_name);
			rmdir(path);
			*strrchr(path, '/') = '\0';
			rmdir(path);
		}
	if (d)
		closedir(d);
}

/*
 * Move into <cgroup2>/wf-dpfuzz-PID/in, whose parent the cgroup rules
 * name, so that test_run's socket is in it. Left at exit.
 */
static int cg_enter(char *rel, size_t n)
{
	char mount[PATH_MAX], line[PATH_MAX];
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f || cgroup_mount(mount))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(dp.cg_home, sizeof(dp.cg_home), "%s%s", mount,
				 line + 3);
		}
	fclose(f);
	cg_sweep(mount);
	snprintf(rel, n, "wf-dpfuzz-%d", (int)getpid());
	snprintf(dp.cg_dir, sizeof(dp.cg_dir), "%s/%s", mount, rel);
	mkdir(dp.cg_dir, 0755);
	strcat(dp.cg_dir, "/in");
	if (mkdir(dp.cg_dir, 0755) && errno != EEXIST)
		return -1;
	atexit(cg_leave);
	return cg_join(dp.cg_dir);
}

static void parse_prefixes(void)
{
	int i;

	for (i = 0; i < N_RULES; i++) {
		char text[64], *slash;

		if (!rules[i].addr)
			continue;
		dp.pfx[i].dst = !strncmp(rules[i].addr, "dst", 3);
		snprintf(text, sizeof(text), "%s", rules[i].addr + 4);
		slash = strchr(text, '/');
		*slash = '\0';
		dp.pfx[i].len = atoi(slash + 1);
		dp.pfx[i].family = strchr(text, ':') ? 6 : 4;
		inet_pton(dp.pfx[i].family == 6 ? AF_INET6 : AF_INET, text,
			  dp.pfx[i].addr);
	}
}

static int dp_load(void)
{
	static struct wf_config cfg;
	static char yaml[4000], rule[512];
	char rel[64];
	size_t n = 0;
	int i;

	if (geteuid() != 0) {
		fprintf(stderr, "fuzz-datapath: needs root (BPF, cgroups)\n");
		return -1;
	}
	if (cg_enter(rel, sizeof(rel))) {
		fprintf(stderr,
			"fuzz-datapath: cannot make or enter a test "
			"cgroup: %s\n",
			strerror(errno));
		return -1;
	}
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "rules:\n");
	for (i = 0; i < N_RULES; i++) {
		snprintf(rule, sizeof(rule), rules[i].yaml, rel);
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "  - name: r%d\n    %s", i, rule);
	}
	libbpf_set_print(NULL);
	dp.skel = load_rules(yaml, 1, &cfg);
	if (!dp.skel || t_failed_checks) {
		fprintf(stderr, "fuzz-datapath: cannot load the rules:\n%s",
			yaml);
		return -1;
	}
	dp.prog[TC_IN] = dp.skel->progs.wf_tc_ingress;
	dp.prog[TC_OUT] = dp.skel->progs.wf_tc_egress;
	dp.prog[CG_IN] = dp.skel->progs.wf_cg_ingress;
	dp.prog[CG_OUT] = dp.skel->progs.wf_cg_egress;
	dp.at_socket = dp.skel->rodata->wf_cg_rules;
	dp.stats_fd = bpf_map__fd(dp.skel->maps.wf_stats);
	dp.rule_stats_fd = bpf_map__fd(dp.skel->maps.wf_rule_stats);
	for (i = 0; i < N_RULES; i++) {
		struct wf_rule r;
		__u32 id = (__u32)i;

		if (bpf_map__lookup_elem(dp.skel->maps.wf_rules, &id,
					 sizeof(id), &r, sizeof(r), 0) ||
		    !r.active) {
			fprintf(stderr, "fuzz-datapath: rule %d not loaded\n",
				i);
			return -1;
		}
		dp.slot[i] = r.slot;
	}
	parse_prefixes();
	dp.strict = getenv("WF_DPFUZZ_STRICT") &&
		    !strcmp(getenv("WF_DPFUZZ_STRICT"), "1");
	dp.skel->bss->wf_clock_ns = 1000 * SEC;
	snap_read(&dp.now);
	fprintf(stderr,
		"fuzz-datapath: %d rules loaded (socket hooks: "
		"%#llx)%s\n",
		N_RULES, (unsigned long long)dp.at_socket,
		dp.strict ? ", strict checks on" : "");
	return 0;
}

/* ---- seeds ----------------------------------------------------------- */

/* The shapes of tests/bpf/test_tc.c's table, on this rule set's addresses. */
static void cut_ip_opts(struct pkt *p)
{
	struct iphdr *ip = (struct iphdr *)(p->buf + p->l3);

	ip->ihl = 15;
	ip->tot_len = htons(100);
	p->len = p->l3 + 24;
}
static void cut_l4(struct pkt *p)
{
	p->len = p->l4 + 4;
}
static void cut_ip6_ext(struct pkt *p)
{
	p->len = p->l3 + 44;
}
static void ihl_3(struct pkt *p)
{
	p->buf[p->l3] = 0x43;
}
static void ver_swap(struct pkt *p)
{
	p->buf[p->l3] ^= 0x20;
}
static void doff_2(struct pkt *p)
{
	p->buf[p->l4 + 12] = 2 << 4;
}
static void tot_len_small(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->tot_len = htons(12);
}
static void frag_later(struct pkt *p)
{
	((struct iphdr *)(p->buf + p->l3))->frag_off = htons(100);
}
static void arp(struct pkt *p)
{
	p->buf[12] = 0x08;
	p->buf[13] = 0x06;
}
static void frag6(struct pkt *p, int later)
{
	uint8_t *ext = p->buf + p->l3 + sizeof(struct ipv6hdr);

	((struct ipv6hdr *)(p->buf + p->l3))->nexthdr = 44;
	ext[2] = 0;
	ext[3] = later ? 8 << 3 : 1;
}
/* Seven extension headers (one more than the parser walks), then UDP. */
static void ext7(struct pkt *p)
{
	uint8_t *ext = p->buf + p->l3 + sizeof(struct ipv6hdr);
	int i;

	for (i = 0; i < 7; i++) {
		ext[8 * i] = i < 6 ? 60 : IPPROTO_UDP; /* dest. options */
		ext[8 * i + 1] = 0;
	}
	memcpy(ext + 56, "\x13\x88\x00\x35", 4); /* 5000 -> 53 */
}
static void frag6_later(struct pkt *p)
{
	frag6(p, 1);
}
static void frag6_first(struct pkt *p)
{
	frag6(p, 0);
}

struct shape {
	int family;	      /* 0: both */
	struct pkt_spec spec; /* without family and addresses */
	void (*breakit)(struct pkt *p);
	__u16 gso_segs;
};

#define ANY(...) .family = 0, .spec = { __VA_ARGS__ }
#define V4(...)	 .family = 4, .spec = { __VA_ARGS__ }
#define V6(...)	 .family = 6, .spec = { __VA_ARGS__ }
#define UDP	 .proto = IPPROTO_UDP
#define TCP	 .proto = IPPROTO_TCP
static const struct shape shapes[] = {
	{ ANY(UDP, .sport = 5000, .dport = 53, .payload = 100) },
	{ ANY(UDP, .sport = 5000, .dport = 1500, .payload = 900) },
	{ ANY(TCP, .sport = 45000, .dport = 443, .payload = 1000) },
	{ ANY(TCP, .sport = 1234, .dport = 80, .payload = 3000),
	  .gso_segs = 3 },
	{ V4(.proto = IPPROTO_ICMP, .sport = 8, .payload = 56) },
	{ V6(.proto = IPPROTO_ICMPV6, .sport = 128, .payload = 56) },
	{ V4(UDP, .sport = 1, .dport = 2, .payload = 10, .v4_opt_words = 3) },
	{ ANY(.proto = 47, .payload = 40) },
	{ V4(UDP, .sport = 7, .dport = 9, .payload = 200),
	  .breakit = frag_later },
	{ V6(TCP, .sport = 22, .dport = 443, .payload = 10, .v6_hopopts = 1) },
	{ V6(UDP, .sport = 1, .dport = 2, .payload = 100, .v6_hopopts = 1),
	  .breakit = frag6_later },
	{ V6(UDP, .sport = 3, .dport = 1024, .payload = 100, .v6_hopopts = 1),
	  .breakit = frag6_first },
	{ ANY(UDP, .payload = 28), .breakit = arp },
	{ V4(UDP, .payload = 10), .breakit = cut_ip_opts },
	{ ANY(TCP, .payload = 10), .breakit = cut_l4 },
	{ ANY(UDP, .payload = 10), .breakit = cut_l4 },
	{ V6(UDP, .payload = 10, .v6_hopopts = 1), .breakit = cut_ip6_ext },
	{ V6(UDP, .payload = 200, .v6_hopopts = 1), .breakit = ext7 },
	{ V4(UDP, .payload = 10), .breakit = ihl_3 },
	{ V4(UDP, .payload = 10), .breakit = tot_len_small },
	{ ANY(UDP, .payload = 10), .breakit = ver_swap },
	{ ANY(TCP, .payload = 1000), .breakit = doff_2 },
};

/* Address pairs that the rules above cover, and one that none does. */
static const char *const addrs[][2] = {
	{ "10.0.0.1", "10.1.2.3" },	 { "10.3.0.1", "10.2.0.5" },
	{ "10.5.0.1", "10.9.9.9" },	 { "10.0.0.1", "10.4.0.1" },
	{ "192.0.2.1", "198.51.100.1" }, { "fd00:1::1", "fd00:2::2" },
	{ "fd00:9::1", "fd00:3::3" },	 { "2001:db8::1", "2001:db8::2" },
};

/* One seed: shape s on address pair a, into program prog. 1: written. */
static int write_seed(const char *dir, size_t s, size_t a, int prog)
{
	const struct shape *sh = &shapes[s];
	struct pkt_spec spec = sh->spec;
	/* Half the seeds let 1 ms (977 << 10 ns) pass: buckets refill. */
	__u16 step = (s + a) % 2 ? 0 : 977, size = sh->gso_segs ? 1000 : 0;
	uint8_t hdr[HDR_LEN] = {
		(uint8_t)prog,	       10,
		(uint8_t)step,	       (uint8_t)(step >> 8),
		(uint8_t)sh->gso_segs, (uint8_t)(sh->gso_segs >> 8),
		(uint8_t)size,	       (uint8_t)(size >> 8),
	};
	char path[PATH_MAX];
	struct pkt p;
	FILE *f;
	int ok;

	spec.family = strchr(addrs[a][0], ':') ? 6 : 4;
	if (sh->family && sh->family != spec.family)
		return 0;
	spec.src = addrs[a][0];
	spec.dst = addrs[a][1];
	if (pkt_build(&p, &spec))
		return 0;
	if (sh->breakit)
		sh->breakit(&p);
	snprintf(path, sizeof(path), "%s/seed-%02zu-%zu-%d", dir, s, a, prog);
	f = fopen(path, "w");
	ok = f && fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr) &&
	     fwrite(p.buf, 1, p.len, f) == p.len;
	if (f && fclose(f))
		ok = 0;
	if (!ok) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 1;
}

static int write_seeds(const char *dir)
{
	size_t s, a, n = 0;
	int prog, k;

	mkdir(dir, 0755);
	for (s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++)
			for (prog = 0; prog < N_PROGS; prog++) {
				k = write_seed(dir, s, a, prog);
				if (k < 0)
					return 1;
				n += (size_t)k;
			}
	printf("fuzz-datapath: %zu seeds in %s\n", n, dir);
	return 0;
}

/* ---- libFuzzer ------------------------------------------------------ */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Before libFuzzer reads the flags: --seeds is ours alone. */
	if (*argc == 3 && !strcmp((*argv)[1], "--seeds"))
		exit(write_seeds((*argv)[2]));
	if (dp_load())
		exit(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snap before;
	struct __sk_buff ctx = { 0 };
	struct run r = { 0 };
	__u64 step, *clock = &dp.skel->bss->wf_clock_ns;
	int err;

	if (size < HDR_LEN + ETH_HLEN)
		return -1; /* test_run refuses it: not worth keeping */
	r.prog = (enum dp_prog)(data[0] & 3);
	step = (__u64)(data[2] | data[3] << 8) << (data[1] % 40);
	if (data[0] & 4)
		*clock = *clock > step ? *clock - step : 0;
	else
		*clock += step;
	r.clock = *clock;
	r.gso_segs = ctx.gso_segs = (__u32)(data[4] | data[5] << 8);
	r.gso_size = ctx.gso_size = (__u32)(data[6] | data[7] << 8);
	r.segs = r.gso_segs ? r.gso_segs : 1;
	r.frame = data + HDR_LEN;
	r.len = size - HDR_LEN;

	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r.frame,
			    .data_size_in = (__u32)r.len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx));

		/* The counters only move in our runs: after is next before. */
		before = dp.now;
		err = bpf_prog_test_run_opts(bpf_program__fd(dp.prog[r.prog]),
					     &opts);
		r.err = err < 0 ? err : 0;
		r.retval = (int)opts.retval;
	}
	snap_read(&dp.now);
	check_run(&before, &dp.now, &r);
	return 0;
}
