/**
 * Maps: {@link io.bpf4j.maps.BpfMap}, the user-space interface shared by the embedded runtime and the kernel
 * backend, and the embedded implementations with Linux's semantics and errnos.
 *
 * <p>Start at {@link io.bpf4j.maps.EmbeddedMaps#create}, which checks a definition as {@code BPF_MAP_CREATE} does
 * and returns {@link io.bpf4j.maps.ArrayMap} (ARRAY, PERCPU_ARRAY), {@link io.bpf4j.maps.HashTableMap} (HASH,
 * PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH), {@link io.bpf4j.maps.ProgArray}, {@link io.bpf4j.maps.ArrayOfMaps},
 * {@link io.bpf4j.maps.HashOfMaps}, {@link io.bpf4j.maps.QueueStackMap} or {@link io.bpf4j.maps.RingBuffer}. Each
 * is an {@link io.bpf4j.maps.EmbeddedMap}: the user-space face of {@code BpfMap} plus a program face for helpers
 * (live {@link io.bpf4j.maps.ValueRef}s, negative-errno results, no allocation on lookups). Everything is safe for
 * any number of threads.
 */
package io.bpf4j.maps;
