/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A CO-RE access: the struct is marked preserve_access_index, so clang emits a field-offset relocation in
 * .BTF.ext instead of trusting its own layout. bpf4j does not relocate CO-RE yet, so loading this object
 * must fail naming program "read_pid" and the instruction, rather than run with the compile-time offset.
 */
#include "bpf4j_helpers.h"

struct task_like {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/do_nothing")
int read_pid(struct task_like *task)
{
	return task->tgid;
}

char _license[] SEC("license") = "GPL";
