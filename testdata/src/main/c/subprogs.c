/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpf2bpf calls: two programs in two different sections (xdp and socket) call the same .text subprograms,
 * one of which calls another (sum_of_squares -> square), so the linker must append them to both programs
 * and fix each call offset. xdp_loop also passes a static callback to bpf_loop, which compiles to an lddw
 * of a function pointer (BPF_PSEUDO_FUNC) that the linker must point at the callback's new place.
 *
 * xdp_squares returns sum_of_squares(len, 2) when len (packet bytes) is below 64, so a 3-byte packet
 * gives 13; xdp_loop returns 0 + 1 + ... + 9 = 45 computed by the callback; sock_squares returns
 * sum_of_squares(skb->len & 0xff, 1).
 */
#include "bpf4j_helpers.h"

static __noinline __u64 square(__u64 x)
{
	return x * x;
}

static __noinline __u64 sum_of_squares(__u64 a, __u64 b)
{
	return square(a) + square(b);
}

struct loop_state {
	__u64 sum;
};

static long add_index(__u32 index, void *data)
{
	struct loop_state *state = data;
	state->sum += index;
	return 0;
}

SEC("xdp")
int xdp_squares(struct xdp_md *ctx)
{
	__u64 len = ctx->data_end - ctx->data;
	if (len >= 64)
		return XDP_PASS;
	return sum_of_squares(len, 2);
}

SEC("xdp")
int xdp_loop(struct xdp_md *ctx)
{
	struct loop_state state = { .sum = 0 };
	bpf_loop(10, add_index, &state, 0);
	return state.sum;
}

SEC("socket")
int sock_squares(struct __sk_buff *skb)
{
	return sum_of_squares(skb->len & 0xff, 1);
}

char _license[] SEC("license") = "GPL";
