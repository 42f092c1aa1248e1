/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One program touching every common map type, for the map implementations' tests. exercise() returns
 * XDP_PASS when every step behaved as on Linux, otherwise the (distinct) code of the first step that did not:
 *   hash, percpu hash, LRU hash: update then lookup sees the value;
 *   array, percpu array: a fresh slot reads zero, a written one reads back;
 *   ringbuf: reserve+submit one record, then bpf_ringbuf_output a second one;
 *   queue: push 1, 2 then pop gives 1 (FIFO); stack: push 1, 2 then pop gives 2 (LIFO).
 */
#include "bpf4j_helpers.h"

struct event {
	__u32 kind;
	__u32 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} percpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 32);
	__type(key, __u64);
	__type(value, __u32);
} lru_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct event);
} array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} percpu_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} stack SEC(".maps");

SEC("xdp")
int exercise(struct xdp_md *ctx)
{
	__u32 key = 1, v32 = 0;
	__u64 key64 = 0xfeedULL, v64 = 42, *p64;
	__u32 *p32;
	struct event *ev;
	struct event out = { .kind = 2, .value = 7 };

	if (bpf_map_update_elem(&hash, &key, &v64, BPF_ANY))
		return 10;
	p64 = bpf_map_lookup_elem(&hash, &key);
	if (!p64 || *p64 != 42)
		return 11;

	if (bpf_map_update_elem(&percpu_hash, &key, &v64, BPF_ANY))
		return 12;
	p64 = bpf_map_lookup_elem(&percpu_hash, &key);
	if (!p64 || *p64 != 42)
		return 13;

	v32 = 9;
	if (bpf_map_update_elem(&lru_hash, &key64, &v32, BPF_ANY))
		return 14;
	p32 = bpf_map_lookup_elem(&lru_hash, &key64);
	if (!p32 || *p32 != 9)
		return 15;

	ev = bpf_map_lookup_elem(&array, &key);
	if (!ev)
		return 16;
	ev->kind = 1;
	ev->value = 3;

	p64 = bpf_map_lookup_elem(&percpu_array, &key);
	if (!p64)
		return 17;
	*p64 += 1;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev)
		return 18;
	ev->kind = 1;
	ev->value = 3;
	bpf_ringbuf_submit(ev, 0);
	if (bpf_ringbuf_output(&events, &out, sizeof(out), 0))
		return 19;

	v32 = 1;
	bpf_map_push_elem(&queue, &v32, BPF_ANY);
	v32 = 2;
	bpf_map_push_elem(&queue, &v32, BPF_ANY);
	if (bpf_map_pop_elem(&queue, &v32) || v32 != 1)
		return 20;

	v32 = 1;
	bpf_map_push_elem(&stack, &v32, BPF_ANY);
	v32 = 2;
	bpf_map_push_elem(&stack, &v32, BPF_ANY);
	if (bpf_map_pop_elem(&stack, &v32) || v32 != 2)
		return 21;

	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
