/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Global variables in every kind of data section libbpf turns into a single-entry array map:
 *   .data          initialised, writable        (counter = 7, limits = {1, 2, 3})
 *   .rodata        const volatile, frozen       (threshold = 100, greeting = "hello")
 *   .bss           zero-initialised, writable   (total, seen[4])
 *   .data.custom   a named writable section     (custom_data = 42)
 *   .rodata.custom a named read-only section    (custom_ro = 9)
 *   .rodata.str1.1 the merged string literal of the trace_printk format
 * globals_prog reads and writes them so every lddw the loader sees is a map-value reference with the
 * variable's offset. It returns XDP_PASS when the initial values are what the C says.
 */
#include "bpf4j_helpers.h"

__u32 counter = 7;
__u32 limits[3] = { 1, 2, 3 };
const volatile __u32 threshold = 100;
const volatile char greeting[8] = "hello";
__u64 total;
__u32 seen[4];
__u32 custom_data SEC(".data.custom") = 42;
const volatile __u32 custom_ro SEC(".rodata.custom") = 9;

SEC("xdp")
int globals_prog(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	/*
	 * Packets that hold at least an Ethernet header count 14. Measured the way Linux allows without
	 * CAP_PERFMON, data + N against data_end: data_end - data subtracts two pointers ("pointer -= pointer
	 * prohibited" for !root).
	 */
	__u64 len = data + 14 <= data_end ? 14 : 0;

	counter++;
	total += len;
	if (len > threshold) {
		seen[0]++;
	} else {
		seen[1]++;
		/*
		 * Keeps clang from merging the two increments into one at a computed index: Linux without CAP_PERFMON
		 * refuses one instruction that adds different offsets to a map value on different paths (Spectre v1).
		 */
		asm volatile("" ::: "memory");
	}
	seen[2] = limits[2];
	custom_data += custom_ro;
	if (greeting[0] != 'h')
		bpf_trace_printk("greeting changed: %d\n", sizeof("greeting changed: %d\n"), greeting[0]);
	if (threshold != 100 || custom_ro != 9 || limits[0] != 1)
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
