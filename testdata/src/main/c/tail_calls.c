/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An XDP pipeline cut into stages joined by tail calls through a prog array that the C fills statically
 * (libbpf's ".values = { [i] = &prog }"), so the table arrives filled when the object is loaded.
 *
 * What a run of "entry" proves (it returns XDP_PASS only if every check held, a distinct code otherwise):
 *   - each tail call starts the target with the same context: the stages see the packet entry saw;
 *   - state crosses tail calls in the three ways the seed names: the data_meta area (grown by entry with
 *     bpf_xdp_adjust_meta), a single-entry PERCPU_ARRAY ("scratch"), and an ARRAY map counting hops;
 *   - a tail call to an empty slot (2) falls through to the next instruction;
 *   - control never returns from a successful tail call (the code after it would return a FELL_* code).
 * "loop" tail-calls itself through LOOP_SLOT, counting runs in "loop_runs": 33 runs with the seed's limit of
 * 32 tail calls, 34 on Linux >= 5.17. "via_subprog" calls a static subprogram that tail-calls "leaf": when
 * leaf exits, its R0 returns to via_subprog (the seed's stack example), which adds 100: 105.
 */
#include "bpf4j_helpers.h"

#define SLOT_A 0
#define SLOT_B 1
#define SLOT_EMPTY 2
#define SLOT_D 3
#define SLOT_LEAF 5
#define LOOP_SLOT 7

/* Return codes: XDP_PASS means every check held. */
#define FELL_ENTRY 10    /* entry's tail call to stage_a did not jump */
#define FELL_A 11        /* stage_a's tail call to stage_b did not jump */
#define FELL_B 12        /* stage_b's tail call to stage_d did not jump */
#define NO_META 20       /* the metadata area is missing or too small */
#define BAD_META 21      /* the metadata does not carry every earlier stage's bit */
#define BAD_TRAIL 22     /* the per-CPU scratch does not hold the expected trail */
#define BAD_HOPS 23      /* the hop counter does not say 4 */
#define NO_SCRATCH 24

int stage_a(struct xdp_md *ctx);
int stage_b(struct xdp_md *ctx);
int stage_d(struct xdp_md *ctx);
int leaf(struct xdp_md *ctx);
int loop(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = {
		[SLOT_A] = (void *)&stage_a,
		[SLOT_B] = (void *)&stage_b,
		/* SLOT_EMPTY stays empty on purpose */
		[SLOT_D] = (void *)&stage_d,
		[SLOT_LEAF] = (void *)&leaf,
		[LOOP_SLOT] = (void *)&loop,
	},
};

/* One entry per CPU: the "trail" of stage ids, shifted in by each stage. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} scratch SEC(".maps");

/* Key 0: programs run in the pipeline, incremented by each stage. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hops SEC(".maps");

/* Key 0: how many times "loop" ran in one invocation chain. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} loop_runs SEC(".maps");

static __always_inline void count_hop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&hops, &zero);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline int push_trail(__u32 stage)
{
	__u32 zero = 0;
	__u32 *trail = bpf_map_lookup_elem(&scratch, &zero);
	if (!trail)
		return -1;
	*trail = (*trail << 4) | stage;
	return 0;
}

/*
 * Declares meta, the metadata word, and returns NO_META from the program when the area is too small. The
 * check is the one Linux allows without CAP_PERFMON (the word's end against data): a helper returning NULL
 * for "too small" makes clang compare the data_meta pointer with 0, which Linux refuses for !root
 * ("pointer comparison prohibited": only a pointer that may be NULL may be tested against 0).
 */
#define META_WORD_OR_RETURN(meta, ctx)                                          \
	__u32 *meta = (void *)(long)(ctx)->data_meta;                           \
	if ((void *)((meta) + 1) > (void *)(long)(ctx)->data)                    \
		return NO_META

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *trail;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(__u32)))
		return NO_META;
	META_WORD_OR_RETURN(meta, ctx);
	*meta = 1;

	trail = bpf_map_lookup_elem(&scratch, &zero);
	if (!trail)
		return NO_SCRATCH;
	*trail = 1;
	count_hop();

	bpf_tail_call(ctx, &jmp_table, SLOT_A);
	return FELL_ENTRY;
}

SEC("xdp")
int stage_a(struct xdp_md *ctx)
{
	META_WORD_OR_RETURN(meta, ctx);
	if (*meta != 1)
		return BAD_META;
	*meta |= 2;
	if (push_trail(2))
		return NO_SCRATCH;
	count_hop();

	bpf_tail_call(ctx, &jmp_table, SLOT_B);
	return FELL_A;
}

SEC("xdp")
int stage_b(struct xdp_md *ctx)
{
	META_WORD_OR_RETURN(meta, ctx);
	if (*meta != 3)
		return BAD_META;
	*meta |= 4;
	if (push_trail(3))
		return NO_SCRATCH;
	count_hop();

	/* Slot 2 is empty: this must fall through to the next statement. */
	bpf_tail_call(ctx, &jmp_table, SLOT_EMPTY);
	*meta |= 8;
	bpf_tail_call(ctx, &jmp_table, SLOT_D);
	return FELL_B;
}

SEC("xdp")
int stage_d(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *trail;
	__u64 *n;

	META_WORD_OR_RETURN(meta, ctx);
	if (*meta != 0xf)
		return BAD_META;
	if (push_trail(4))
		return NO_SCRATCH;
	count_hop();

	trail = bpf_map_lookup_elem(&scratch, &zero);
	if (!trail || *trail != 0x1234)
		return BAD_TRAIL;
	n = bpf_map_lookup_elem(&hops, &zero);
	if (!n || *n % 4 != 0)
		return BAD_HOPS;
	return XDP_PASS;
}

SEC("xdp")
int loop(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *runs = bpf_map_lookup_elem(&loop_runs, &zero);
	if (runs)
		__sync_fetch_and_add(runs, 1);
	bpf_tail_call(ctx, &jmp_table, LOOP_SLOT);
	/* Reached only when the tail-call budget is exhausted. */
	return XDP_PASS;
}

SEC("xdp")
int leaf(struct xdp_md *ctx)
{
	return 5;
}

/* A bpf2bpf subprogram that tail-calls: the target replaces only this frame. */
static __noinline int tail_from_subprog(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, SLOT_LEAF);
	return 77;
}

SEC("xdp")
int via_subprog(struct xdp_md *ctx)
{
	/* 105 when leaf ran and returned here, 177 when the tail call fell through. */
	return tail_from_subprog(ctx) + 100;
}

char _license[] SEC("license") = "GPL";
