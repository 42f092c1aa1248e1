/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maps declared the pre-BTF way: struct bpf_map_def records in SEC("maps"), as old samples and iproute2
 * objects do. The struct is defined here (libbpf no longer ships it). The object also carries the legacy
 * SEC("version") word (LINUX_VERSION_CODE of 6.12.0), which the loader reports as the kernel version.
 * sock_count counts packets per protocol in "by_proto" and their bytes in "bytes".
 */
#include "bpf4j_helpers.h"

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") by_proto = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 256,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") bytes = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 1,
};

SEC("socket")
int sock_count(struct __sk_buff *skb)
{
	__u32 proto = skb->protocol;
	__u32 zero = 0;
	__u64 one = 1, *n;

	n = bpf_map_lookup_elem(&by_proto, &proto);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_proto, &proto, &one, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&bytes, &zero);
	if (n)
		__sync_fetch_and_add(n, skb->len);
	return 0;
}

char _license[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x060c00;
