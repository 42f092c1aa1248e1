/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few libbpf conventions the bpf4j fixtures use, written out so the fixtures build with nothing but
 * clang-19 and Debian's linux-libc-dev (no libbpf-dev needed). The macros expand exactly like libbpf's
 * <bpf/bpf_helpers.h>, so the objects have the layout a libbpf user's objects have: BTF-defined maps in
 * ".maps" whose members are pointers to arrays (the array length carries the number), helpers called
 * through constant function pointers whose value is the helper id from uapi's enum bpf_func_id.
 */
#ifndef BPF4J_HELPERS_H
#define BPF4J_HELPERS_H

#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
/* linux/stddef.h defines a weaker __always_inline (plain __inline__); libbpf's forces inlining. */
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

/* BTF map definitions: the value is the length of an array type, the type is the pointee. */
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

/* Helpers: a call through a constant pointer compiles to "call <id>". */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *) BPF_FUNC_map_update_elem;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_delete_elem;
static long (*bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *) BPF_FUNC_map_push_elem;
static long (*bpf_map_pop_elem)(void *map, void *value) = (void *) BPF_FUNC_map_pop_elem;
static long (*bpf_map_peek_elem)(void *map, void *value) = (void *) BPF_FUNC_map_peek_elem;
static long (*bpf_tail_call)(void *ctx, void *prog_array_map, __u32 index) = (void *) BPF_FUNC_tail_call;
static long (*bpf_xdp_adjust_meta)(struct xdp_md *xdp_md, int delta) = (void *) BPF_FUNC_xdp_adjust_meta;
static __u64 (*bpf_ktime_get_ns)(void) = (void *) BPF_FUNC_ktime_get_ns;
static __u32 (*bpf_get_smp_processor_id)(void) = (void *) BPF_FUNC_get_smp_processor_id;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size, ...) = (void *) BPF_FUNC_trace_printk;
static long (*bpf_ringbuf_output)(void *ringbuf, void *data, __u64 size, __u64 flags) = (void *) BPF_FUNC_ringbuf_output;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size, __u64 flags) = (void *) BPF_FUNC_ringbuf_reserve;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *) BPF_FUNC_ringbuf_submit;
static void (*bpf_ringbuf_discard)(void *data, __u64 flags) = (void *) BPF_FUNC_ringbuf_discard;
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx, __u64 flags) = (void *) BPF_FUNC_loop;

#endif
