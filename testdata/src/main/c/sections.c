/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One trivial program per libbpf section name, so the loader's section table (program type, expected
 * attach type, attach target, flags) is checked against libbpf's for each. The programs only return 0.
 */
#include "bpf4j_helpers.h"

#define PROG(sec, name) SEC(sec) int name(void *ctx) { return 0; }

PROG("xdp.frags", xdp_frags)
PROG("xdp/devmap", xdp_devmap)
PROG("tc/ingress", tc_ingress)
PROG("tcx/egress", tcx_egress)
PROG("classifier", cls_legacy)
PROG("kprobe/do_unlinkat", kprobe_unlink)
PROG("kretprobe/do_unlinkat", kretprobe_unlink)
PROG("uprobe/libc.so.6:malloc", uprobe_malloc)
PROG("tracepoint/syscalls/sys_enter_openat", tp_openat)
PROG("raw_tp/sched_switch", raw_sched_switch)
PROG("tp_btf/sched_wakeup", btf_sched_wakeup)
PROG("fentry/do_unlinkat", fentry_unlink)
PROG("fexit/do_unlinkat", fexit_unlink)
PROG("fmod_ret/security_file_open", fmod_file_open)
PROG("lsm/file_open", lsm_file_open)
PROG("cgroup_skb/ingress", cgroup_ingress)
PROG("cgroup/connect4", cgroup_connect4)
PROG("sk_skb/stream_verdict", skb_verdict)
PROG("sk_msg", msg_verdict)
PROG("flow_dissector", dissect)
PROG("sk_lookup", lookup)
PROG("perf_event", on_perf_event)
PROG("syscall", run_syscall)
PROG("netfilter", nf_hook)
PROG("iter/task", iter_task)
PROG("struct_ops/test_1", ops_test_1)

char _license[] SEC("license") = "GPL";
