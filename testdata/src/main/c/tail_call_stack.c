/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seed's stack rule for tail calls made from subprograms: the frames above a subprogram that tail-calls
 * stay on the stack while the target runs, so Linux requires the callers' combined stack (each frame rounded
 * up to 32 bytes) to be below 256 bytes ("tail_calls are not allowed when call stack of previous frames is
 * %d bytes. Too large"). stack_ok uses 224 bytes of its own stack before calling the tail-calling subprogram and
 * must be accepted; reject_stack_256 uses 256 and must be refused (the "reject_" prefix says so to tests).
 * Both return what the tail-call target returns (7) plus the first word they kept on the stack (1): 8.
 */
#include "bpf4j_helpers.h"

int target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} stack_table SEC(".maps") = {
	.values = { [0] = (void *)&target },
};

SEC("xdp")
int target(struct xdp_md *ctx)
{
	return 7;
}

static __noinline int tail_call_target(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &stack_table, 0);
	return 0;
}

/* Fills a stack buffer of whole words the compiler must keep (volatile), calls the subprogram, reads word 0 back. */
#define STACK_USER(name, bytes)                                        \
	SEC("xdp")                                                     \
	int name(struct xdp_md *ctx)                                   \
	{                                                              \
		volatile __u64 buf[(bytes) / 8];                       \
		int i;                                                 \
		for (i = 0; i < (bytes) / 8; i++)                      \
			buf[i] = i + 1;                                \
		return tail_call_target(ctx) + buf[0];                 \
	}

STACK_USER(stack_ok, 224)
STACK_USER(reject_stack_256, 256)

char _license[] SEC("license") = "GPL";
