/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tc (SCHED_CLS) classifier in two stages joined by a tail call, passing what the first learned to the
 * second through __sk_buff->cb[] — the seed's first way of sharing state between tail calls:
 *
 *   tc_classify: parses Ethernet / IPv4 / UDP-or-TCP, writes cb[0] = CB_MAGIC | DSCP, cb[1] = protocol,
 *                cb[2] = destination port, then tail-calls slot 0;
 *   tc_prio:     reads cb[] (and only cb[]: its stack and registers start empty) and sets skb->priority
 *                (DNS gets the fast lane 6, otherwise the DSCP class selector 0..7) and skb->mark
 *                (0xb4f40000 | DSCP << 8 | priority), then returns TC_ACT_OK.
 *
 * A packet tc_classify cannot parse passes untouched. If slot 0 is empty the tail call falls through and the
 * packet passes with mark 0xdead: visible in the output context of "bpf4j run".
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include "bpf4j_helpers.h"

#define CB_MAGIC 0xC1A50000u
#define SLOT_PRIO 0

int tc_prio(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} tc_stages SEC(".maps") = {
	.values = { [SLOT_PRIO] = (void *)&tc_prio },
};

SEC("tc")
int tc_classify(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u8 *l4;
	__u32 ihl;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ihl = ip->ihl * 4;
	if (ihl < sizeof(*ip))
		return TC_ACT_OK;
	skb->cb[0] = CB_MAGIC | (ip->tos >> 2);
	skb->cb[1] = ip->protocol;
	skb->cb[2] = 0;
	l4 = (void *)ip + ihl;
	if ((ip->protocol == IPPROTO_UDP || ip->protocol == IPPROTO_TCP) && (void *)(l4 + 4) <= data_end)
		skb->cb[2] = (l4[2] << 8) | l4[3];

	bpf_tail_call(skb, &tc_stages, SLOT_PRIO);
	skb->mark = 0xdead; /* the stage is missing: say so in the mark */
	return TC_ACT_OK;
}

SEC("tc")
int tc_prio(struct __sk_buff *skb)
{
	__u32 tag = skb->cb[0];
	__u32 dscp, prio;

	if ((tag & 0xffff0000u) != CB_MAGIC)
		return TC_ACT_OK; /* not classified by tc_classify */
	dscp = tag & 0x3f;
	prio = dscp >> 3;
	if (skb->cb[1] == IPPROTO_UDP && skb->cb[2] == 53)
		prio = 6;
	skb->priority = prio;
	skb->mark = 0xb4f40000u | (dscp << 8) | prio;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
