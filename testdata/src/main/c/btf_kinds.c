/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every BTF kind in one object, so the BTF reader is checked on what clang really emits: the value type of
 * "records" holds an enum, a 64-bit enum (ENUM64), a union, a float, a pointer to a forward-declared struct,
 * a restrict-qualified and a type-tagged pointer; the program and a member carry decl tags. kinds_prog only
 * returns the enum value RED (1) read from the map so the types are kept.
 */
#include "bpf4j_helpers.h"

enum color { RED = 1, GREEN = 2, BLUE = -3 };
enum big { BIG_ONE = 1, BIG_HUGE = 0x100000000ULL };
struct opaque;                                /* FWD: never defined */

union number {
	__u32 as_int;
	float as_float;                           /* FLOAT */
};

struct record {
	enum color color;
	enum big big;
	union number number;
	double ratio;                             /* FLOAT, 8 bytes */
	struct opaque *handle;
	int *__restrict fast;                     /* RESTRICT */
	int __attribute__((btf_type_tag("user"))) *user;  /* TYPE_TAG */
	__u32 flags __attribute__((btf_decl_tag("bitmask")));  /* DECL_TAG on a member */
	__u32 low : 4, high : 28;                 /* bitfields */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record);
} records SEC(".maps");

SEC("socket") __attribute__((btf_decl_tag("entry_point")))
int kinds_prog(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct record *r = bpf_map_lookup_elem(&records, &zero);
	if (!r)
		return 0;
	return r->color == RED ? RED : 0;
}

char _license[] SEC("license") = "GPL";
