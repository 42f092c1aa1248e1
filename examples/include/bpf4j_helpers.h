/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few libbpf conventions the examples use, written out so they build with nothing but clang-19 and
 * Debian's linux-libc-dev (no libbpf-dev). The macros expand exactly like libbpf's <bpf/bpf_helpers.h>, so
 * the objects look like any libbpf user's: BTF-defined maps in ".maps", helpers called through constant
 * function pointers holding the helper's number from uapi's enum bpf_func_id.
 *
 * If you prefer libbpf's own header: apt-get install -y libbpf-dev, then #include <bpf/bpf_helpers.h> and
 * <bpf/bpf_endian.h> instead of this file.
 */
#ifndef BPF4J_EXAMPLES_HELPERS_H
#define BPF4J_EXAMPLES_HELPERS_H

#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

#define bpf_htons(x) __builtin_bswap16(x)
#define bpf_ntohs(x) __builtin_bswap16(x)
#define bpf_htonl(x) __builtin_bswap32(x)
#define bpf_ntohl(x) __builtin_bswap32(x)

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *) BPF_FUNC_map_lookup_elem;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, __u64 flags) = (void *) BPF_FUNC_map_update_elem;
static long (*bpf_tail_call)(void *ctx, void *prog_array_map, __u32 index) = (void *) BPF_FUNC_tail_call;
static long (*bpf_xdp_adjust_meta)(struct xdp_md *xdp_md, int delta) = (void *) BPF_FUNC_xdp_adjust_meta;

#endif
