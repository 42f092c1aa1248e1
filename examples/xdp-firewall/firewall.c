/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An XDP firewall cut into stages joined by tail calls:
 *
 *   xdp_entry ──► parse_ipv4 ──┬──► parse_tcp ──┐
 *       │                      ├──► parse_udp ──┼──► policy ──► XDP_PASS / XDP_DROP
 *       └─────► parse_ipv6 ────┴──► parse_icmp ─┘
 *
 * Each stage is its own program: it starts with a fresh stack and only the context in R1, so what the
 * stages learn travels in the two ways the kernel offers (see the tail-call seed):
 *   - the data_meta area in front of the packet (struct meta): where the L3 and L4 headers start;
 *   - a single-entry per-CPU array ("flow"): the parsed addresses, ports and flags. Safe because an
 *     invocation never changes CPU between tail calls.
 * Counters live in a per-CPU array ("stats"), so CPUs never contend on them. The policy is configured
 * through two hash maps: "rules" (protocol and destination port → verdict) and "blocked_v4" (IPv4 source
 * addresses to drop). The stages sit in the prog array "stages", filled statically below, so the pipeline
 * works as soon as the object is loaded; any slot can be replaced while packets flow.
 *
 * Verdicts: malformed headers and impossible TCP flag combinations are dropped; a blocked source or a
 * matching drop rule is dropped; everything else passes; a tail call that does not jump (an empty slot)
 * aborts, so a missing stage shows up as XDP_ABORTED instead of silently letting packets through.
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include "bpf4j_helpers.h"

/* Slots in "stages". */
#define SLOT_IPV4 0
#define SLOT_IPV6 1
#define SLOT_TCP 2
#define SLOT_UDP 3
#define SLOT_ICMP 4
#define SLOT_POLICY 5

/* Counters in "stats" (one __u64 per CPU each). */
enum stat {
	STAT_PACKETS,      /* packets seen by xdp_entry */
	STAT_IPV4,
	STAT_IPV6,
	STAT_OTHER_L3,     /* ARP, LLDP, ...: passed without inspection */
	STAT_TCP,
	STAT_UDP,
	STAT_ICMP,
	STAT_OTHER_L4,     /* GRE, SCTP, ...: go to the policy without ports */
	STAT_FRAGMENT,     /* non-first IP fragments: go to the policy without ports */
	STAT_MALFORMED,    /* dropped: a header is cut short or inconsistent */
	STAT_BAD_TCP_FLAGS,/* dropped: SYN+FIN, SYN+RST, FIN without ACK, no flags at all */
	STAT_BLOCKED_SRC,  /* dropped: source address in blocked_v4 */
	STAT_RULE_DROP,    /* dropped: a rule in "rules" said so */
	STAT_PASSED,       /* passed by the policy */
	STAT_ERROR,        /* aborted: no room for metadata, or a tail call did not jump */
	STAT_MAX
};

/* What the stages tell each other in front of the packet (8 bytes, 4-byte aligned as XDP requires). */
struct meta {
	__u16 l3_off;   /* where the IP header starts */
	__u16 l4_off;   /* where the transport header starts */
	__u8 l4_proto;  /* IPPROTO_* */
	__u8 family;    /* 4 or 6 */
	__u8 stages;    /* one bit per stage that ran */
	__u8 pad;
};

/* The parsed flow, built up stage by stage in the per-CPU scratch map. */
struct flow {
	__u32 saddr[4]; /* IPv4 in saddr[0], network order */
	__u32 daddr[4];
	__u16 sport;    /* host order */
	__u16 dport;    /* host order; ICMP: the type */
	__u8 proto;
	__u8 family;
	__u8 tcp_flags;
	__u8 fragment;
};

/* A policy rule's key: protocol and destination port in host order (0: any port of that protocol). */
struct rule_key {
	__u8 proto;
	__u8 pad;
	__u16 dport;
};

int parse_ipv4(struct xdp_md *ctx);
int parse_ipv6(struct xdp_md *ctx);
int parse_tcp(struct xdp_md *ctx);
int parse_udp(struct xdp_md *ctx);
int parse_icmp(struct xdp_md *ctx);
int policy(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} stages SEC(".maps") = {
	.values = {
		[SLOT_IPV4] = (void *)&parse_ipv4,
		[SLOT_IPV6] = (void *)&parse_ipv6,
		[SLOT_TCP] = (void *)&parse_tcp,
		[SLOT_UDP] = (void *)&parse_udp,
		[SLOT_ICMP] = (void *)&parse_icmp,
		[SLOT_POLICY] = (void *)&policy,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct flow);
} flow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct rule_key);
	__type(value, __u32); /* XDP_DROP or XDP_PASS */
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* IPv4 source address, network order */
	__type(value, __u32); /* XDP_DROP */
} blocked_v4 SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &which);
	if (n)
		*n += 1; /* per-CPU: no other CPU touches this counter */
}

static __always_inline int verdict(__u32 which, int action)
{
	count(which);
	return action;
}

/* The metadata in front of the packet, or NULL when there is none (the verifier wants the check). */
static __always_inline struct meta *get_meta(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	struct meta *m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return 0;
	return m;
}

static __always_inline struct flow *get_flow(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&flow, &zero);
}

SEC("xdp")
int xdp_entry(struct xdp_md *ctx)
{
	struct meta *m;
	struct flow *f;
	struct ethhdr *eth;
	void *data, *data_end;
	__u16 proto;
	__u16 off = sizeof(struct ethhdr);

	count(STAT_PACKETS);
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct meta)))
		return verdict(STAT_ERROR, XDP_ABORTED);
	m = get_meta(ctx);
	f = get_flow();
	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return verdict(STAT_MALFORMED, XDP_DROP);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		__u16 *vlan = data + off; /* TCI, then the inner EtherType */
		if ((void *)(vlan + 2) > data_end)
			return verdict(STAT_MALFORMED, XDP_DROP);
		proto = vlan[1];
		off += 4;
	}

	__builtin_memset(f, 0, sizeof(*f));
	m->l3_off = off;
	m->l4_off = 0;
	m->l4_proto = 0;
	m->stages = 1;
	if (proto == bpf_htons(ETH_P_IP)) {
		m->family = 4;
		count(STAT_IPV4);
		bpf_tail_call(ctx, &stages, SLOT_IPV4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		m->family = 6;
		count(STAT_IPV6);
		bpf_tail_call(ctx, &stages, SLOT_IPV6);
	} else {
		return verdict(STAT_OTHER_L3, XDP_PASS);
	}
	/* Only reached when the tail call did not jump: the stage's slot is empty. */
	return verdict(STAT_ERROR, XDP_ABORTED);
}

/* The slot of the stage that parses an L4 protocol; the policy when there is none. */
static __always_inline __u32 l4_slot(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		count(STAT_TCP);
		return SLOT_TCP;
	case IPPROTO_UDP:
		count(STAT_UDP);
		return SLOT_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		count(STAT_ICMP);
		return SLOT_ICMP;
	default:
		count(STAT_OTHER_L4);
		return SLOT_POLICY;
	}
}

SEC("xdp")
int parse_ipv4(struct xdp_md *ctx)
{
	struct meta *m = get_meta(ctx);
	struct flow *f = get_flow();
	void *data, *data_end;
	struct iphdr *ip;
	__u32 ihl, off;

	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	off = m->l3_off;
	if (off > 18)
		return verdict(STAT_ERROR, XDP_ABORTED);
	ip = data + off;
	if ((void *)(ip + 1) > data_end)
		return verdict(STAT_MALFORMED, XDP_DROP);
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < sizeof(*ip) || bpf_ntohs(ip->tot_len) < ihl
	    || data + off + ihl > data_end)
		return verdict(STAT_MALFORMED, XDP_DROP);

	f->family = 4;
	f->proto = ip->protocol;
	f->saddr[0] = ip->saddr;
	f->daddr[0] = ip->daddr;
	m->stages |= 2;
	m->l4_off = off + ihl;
	m->l4_proto = ip->protocol;
	if (ip->frag_off & bpf_htons(0x1fff)) {
		/* A later fragment carries no transport header: decide on addresses alone. */
		f->fragment = 1;
		count(STAT_FRAGMENT);
		bpf_tail_call(ctx, &stages, SLOT_POLICY);
		return verdict(STAT_ERROR, XDP_ABORTED);
	}
	bpf_tail_call(ctx, &stages, l4_slot(ip->protocol));
	return verdict(STAT_ERROR, XDP_ABORTED);
}

SEC("xdp")
int parse_ipv6(struct xdp_md *ctx)
{
	struct meta *m = get_meta(ctx);
	struct flow *f = get_flow();
	void *data, *data_end;
	struct ipv6hdr *ip6;
	__u32 off;
	__u8 next;

	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	off = m->l3_off;
	if (off > 18)
		return verdict(STAT_ERROR, XDP_ABORTED);
	ip6 = data + off;
	if ((void *)(ip6 + 1) > data_end || ip6->version != 6)
		return verdict(STAT_MALFORMED, XDP_DROP);

	f->family = 6;
	__builtin_memcpy(f->saddr, &ip6->saddr, 16);
	__builtin_memcpy(f->daddr, &ip6->daddr, 16);
	next = ip6->nexthdr;
	off += sizeof(*ip6);
	/* One hop-by-hop, routing or destination-options header is skipped; deeper chains go to the policy. */
	if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
		__u8 *ext = data + off;
		if ((void *)(ext + 2) > data_end)
			return verdict(STAT_MALFORMED, XDP_DROP);
		next = ext[0];
		off += (ext[1] + 1) * 8;
	}
	f->proto = next;
	m->stages |= 4;
	m->l4_off = off;
	m->l4_proto = next;
	if (next == IPPROTO_FRAGMENT) {
		f->fragment = 1;
		count(STAT_FRAGMENT);
		bpf_tail_call(ctx, &stages, SLOT_POLICY);
		return verdict(STAT_ERROR, XDP_ABORTED);
	}
	bpf_tail_call(ctx, &stages, l4_slot(next));
	return verdict(STAT_ERROR, XDP_ABORTED);
}

/* The transport header at meta->l4_off, checked to hold "len" bytes, or NULL. */
static __always_inline void *l4_header(struct xdp_md *ctx, struct meta *m, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = m->l4_off;
	if (off > 18 + 60 + 2048) /* VLAN + the longest header parse_ipv4/parse_ipv6 accept */
		return 0;
	if (data + off + len > data_end)
		return 0;
	return data + off;
}

SEC("xdp")
int parse_tcp(struct xdp_md *ctx)
{
	struct meta *m = get_meta(ctx);
	struct flow *f = get_flow();
	__u8 *tcp, flags;

	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	tcp = l4_header(ctx, m, 20);
	if (!tcp || (tcp[12] >> 4) < 5)
		return verdict(STAT_MALFORMED, XDP_DROP);
	f->sport = (tcp[0] << 8) | tcp[1];
	f->dport = (tcp[2] << 8) | tcp[3];
	flags = tcp[13];
	f->tcp_flags = flags;
	/* FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10: combinations no TCP stack sends, only scanners. */
	if ((flags & 0x3f) == 0 || (flags & 0x03) == 0x03 || (flags & 0x06) == 0x06
	    || (flags & 0x11) == 0x01)
		return verdict(STAT_BAD_TCP_FLAGS, XDP_DROP);
	m->stages |= 8;
	bpf_tail_call(ctx, &stages, SLOT_POLICY);
	return verdict(STAT_ERROR, XDP_ABORTED);
}

SEC("xdp")
int parse_udp(struct xdp_md *ctx)
{
	struct meta *m = get_meta(ctx);
	struct flow *f = get_flow();
	__u8 *udp;

	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	udp = l4_header(ctx, m, 8);
	if (!udp)
		return verdict(STAT_MALFORMED, XDP_DROP);
	f->sport = (udp[0] << 8) | udp[1];
	f->dport = (udp[2] << 8) | udp[3];
	m->stages |= 16;
	bpf_tail_call(ctx, &stages, SLOT_POLICY);
	return verdict(STAT_ERROR, XDP_ABORTED);
}

SEC("xdp")
int parse_icmp(struct xdp_md *ctx)
{
	struct meta *m = get_meta(ctx);
	struct flow *f = get_flow();
	__u8 *icmp;

	if (!m || !f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	icmp = l4_header(ctx, m, 4);
	if (!icmp)
		return verdict(STAT_MALFORMED, XDP_DROP);
	f->dport = icmp[0]; /* rules match ICMP types through the port field */
	m->stages |= 32;
	bpf_tail_call(ctx, &stages, SLOT_POLICY);
	return verdict(STAT_ERROR, XDP_ABORTED);
}

/* The verdict for the parsed flow; "strict" also drops pings that come from outside 10.0.0.0/8. */
static __always_inline int decide(struct xdp_md *ctx, int strict)
{
	struct flow *f = get_flow();
	struct rule_key key = {};
	__u32 *action;

	if (!f)
		return verdict(STAT_ERROR, XDP_ABORTED);
	if (f->family == 4 && bpf_map_lookup_elem(&blocked_v4, &f->saddr[0]))
		return verdict(STAT_BLOCKED_SRC, XDP_DROP);
	if (strict && f->family == 4 && f->proto == IPPROTO_ICMP && f->dport == 8 /* echo request */
	    && (f->saddr[0] & bpf_htonl(0xff000000)) != bpf_htonl(0x0a000000))
		return verdict(STAT_RULE_DROP, XDP_DROP);

	key.proto = f->proto;
	key.dport = f->fragment ? 0 : f->dport;
	action = bpf_map_lookup_elem(&rules, &key);
	if (!action && key.dport) {
		key.dport = 0;
		action = bpf_map_lookup_elem(&rules, &key);
	}
	if (action && *action == XDP_DROP)
		return verdict(STAT_RULE_DROP, XDP_DROP);
	return verdict(STAT_PASSED, XDP_PASS);
}

SEC("xdp")
int policy(struct xdp_md *ctx)
{
	return decide(ctx, 0);
}

/*
 * A stricter policy, in no slot until someone puts it in slot SLOT_POLICY while traffic flows (see
 * examples/swap-stage): the same rules, and pings from outside 10.0.0.0/8 are dropped.
 */
SEC("xdp")
int policy_v2(struct xdp_md *ctx)
{
	return decide(ctx, 1);
}

char _license[] SEC("license") = "GPL";
