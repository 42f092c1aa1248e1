/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tc (SCHED_CLS) programs that pass state through __sk_buff->cb[] across a tail call, the seed's first
 * way of sharing state. tc_entry writes a marker and the packet length into cb[0] and cb[1], then tail-calls
 * tc_check through the statically filled tc_table. tc_check returns TC_ACT_OK (0) when both survived,
 * TC_ACT_SHOT (2) when they did not; tc_entry returns TC_ACT_UNSPEC (-1) if the tail call fell through.
 */
#include <linux/pkt_cls.h>
#include "bpf4j_helpers.h"

#define CB_MARKER 0xC0FFEE

int tc_check(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} tc_table SEC(".maps") = {
	.values = { [0] = (void *)&tc_check },
};

SEC("tc")
int tc_entry(struct __sk_buff *skb)
{
	skb->cb[0] = CB_MARKER;
	skb->cb[1] = skb->len;
	bpf_tail_call(skb, &tc_table, 0);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_check(struct __sk_buff *skb)
{
	if (skb->cb[0] != CB_MARKER)
		return TC_ACT_SHOT;
	if (skb->cb[1] != skb->len)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
