/**
 * BPF Type Format: {@link io.bpf4j.btf.Btf} (the {@code .BTF} section: every type kind, strings, the raw bytes for
 * the kernel) and {@link io.bpf4j.btf.BtfExt} (the {@code .BTF.ext} section: func_info, line_info, CO-RE
 * relocations). Types are a flat table addressed by id, as in {@code include/uapi/linux/btf.h}.
 */
package io.bpf4j.btf;
