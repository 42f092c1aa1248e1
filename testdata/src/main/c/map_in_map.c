/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maps of maps with static contents: "struct inner" is both the type of two inner maps and the inner
 * definition of both outer maps (__array(values, struct inner)). outer_array starts with inner_a in slot 0
 * and inner_b in slot 2; outer_hash maps key 1 to inner_b. lookup_inner returns the value at key 3 of the
 * inner map in outer_array's slot 0 (0 when absent, 1 when the outer slot is empty).
 */
#include "bpf4j_helpers.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_array SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &inner_b },
};

SEC("xdp")
int lookup_inner(struct xdp_md *ctx)
{
	__u32 outer_key = 0, inner_key = 3;
	void *inner_map = bpf_map_lookup_elem(&outer_array, &outer_key);
	__u32 *value;

	if (!inner_map)
		return 1;
	value = bpf_map_lookup_elem(inner_map, &inner_key);
	return value ? *value : 0;
}

char _license[] SEC("license") = "GPL";
