/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user bug on purpose: one prog array statically filled with programs that cannot share it. The array's
 * owner is the first program that uses it (xdp_owner, XDP, no frags); Linux refuses to put into it a tc program
 * (another program type), an xdp.frags program (xdp_has_frags differs) and an xdp/devmap program (expected attach
 * type differs), each with a bare EINVAL. bpf4j must refuse the same slots and say which field differed.
 * Slot 0 (xdp_peer, same type and flags as the owner) is the one compatible entry.
 */
#include "bpf4j_helpers.h"

int xdp_peer(struct xdp_md *ctx);
int tc_intruder(struct __sk_buff *skb);
int frags_intruder(struct xdp_md *ctx);
int devmap_intruder(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} mixed_table SEC(".maps") = {
	.values = {
		[0] = (void *)&xdp_peer,
		[1] = (void *)&tc_intruder,
		[2] = (void *)&frags_intruder,
		[3] = (void *)&devmap_intruder,
	},
};

SEC("xdp")
int xdp_owner(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &mixed_table, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int xdp_peer(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int tc_intruder(struct __sk_buff *skb)
{
	return 0;
}

SEC("xdp.frags")
int frags_intruder(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp/devmap")
int devmap_intruder(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
