/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A program the verifier must refuse, for the tests of "bpf4j verify" and "bpf4j run": it reads a stack slot it
 * never wrote. That is the seed's rule for tail calls (a target may not use stack state it did not initialise),
 * and Linux's message for it is "invalid read from stack R10 off=-8 size=8". "accepted" is a program that passes.
 * Built by examples/build.sh.
 */
#include "bpf4j_helpers.h"

SEC("xdp")
int reads_stale_stack(struct xdp_md *ctx)
{
	long r;
	asm volatile("%0 = *(u64 *)(r10 - 8)" : "=r"(r));
	return r;
}

SEC("xdp")
int accepted(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
