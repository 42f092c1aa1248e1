/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several programs per section: three in "xdp", two in "socket". The loader must split each section by
 * its function symbols (offset and size) and give each program its own name, instructions and map
 * references. Each program returns a value that names it.
 */
#include "bpf4j_helpers.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} packets SEC(".maps");

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 key = 2;
	__u64 *n = bpf_map_lookup_elem(&packets, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_TX;
}

SEC("socket")
int sock_all(struct __sk_buff *skb)
{
	return skb->len;
}

SEC("socket")
int sock_none(struct __sk_buff *skb)
{
	return 0;
}

char _license[] SEC("license") = "GPL";
