/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One program built four times (-mcpu=v1 .. v4) so the same C gives different encodings:
 *   v2 adds jlt/jle/jslt/jsle (v1 must swap operands), v3 adds 32-bit jumps (jmp32) and 32-bit ALU
 *   fusions, v4 adds sdiv/smod, movsx (sign-extending moves), ldsx (sign-extending loads), bswap.
 * mix() computes from the first 8 packet bytes; the result is a pure function of them, so every build
 * returns the same value for the same packet: the encodings differ, the semantics must not.
 */
#include "bpf4j_helpers.h"

/*
 * Signed division: a single sdiv/smod instruction from v4 on; before v4 clang refuses signed division, so
 * the same truncating result is computed on magnitudes (C's rule: quotient rounds toward zero, the
 * remainder takes the dividend's sign).
 */
static __always_inline __s64 signed_div(__s64 a, __s64 b)
{
#if __BPF_CPU_VERSION__ >= 4
	return a / b;
#else
	__u64 q = (a < 0 ? -(__u64)a : (__u64)a) / (b < 0 ? -(__u64)b : (__u64)b);
	return (a < 0) != (b < 0) ? -(__s64)q : (__s64)q;
#endif
}

static __always_inline __s64 signed_mod(__s64 a, __s64 b)
{
#if __BPF_CPU_VERSION__ >= 4
	return a % b;
#else
	__u64 r = (a < 0 ? -(__u64)a : (__u64)a) % (b < 0 ? -(__u64)b : (__u64)b);
	return a < 0 ? -(__s64)r : (__s64)r;
#endif
}

static __always_inline __u32 mix(const __u8 *p)
{
	__s8 first = (__s8)p[0];            /* ldsx / movsx in v4 */
	__s32 signed_word = (__s32)(__s16)((p[1] << 8) | p[2]);
	__u32 word = ((__u32)p[3] << 24) | ((__u32)p[4] << 16) | ((__u32)p[5] << 8) | p[6];
	__s64 quotient = signed_div(signed_word, first | 1); /* sdiv in v4 */
	__s64 remainder = signed_mod(signed_word, 7);         /* smod in v4 */
	__u32 swapped = __builtin_bswap32(word);               /* bswap in v4 */
	__u32 acc = 0;

	if ((__u32)quotient < 1000u)                           /* jmp32 in v3 */
		acc += 1;
	if (remainder < 0)
		acc += 2;
	if (swapped <= word)                                   /* jle (v2+) */
		acc += 4;
	if ((__s32)swapped < signed_word)                      /* jslt (v2+) */
		acc += 8;
	return acc ^ (swapped >> 24) ^ (__u32)(quotient & 0xff);
}

SEC("xdp")
int cpuv(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *end = (const __u8 *)(long)ctx->data_end;

	if (data + 8 > end)
		return XDP_ABORTED;
	return mix(data) & 0xff;
}

char _license[] SEC("license") = "GPL";
