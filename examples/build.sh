#!/bin/sh
# Rebuilds the example BPF objects from their C sources with Debian's clang-19, the way a libbpf user builds
# (clang -O2 -g -target bpf), and regenerates the sample capture. The objects and the capture are committed,
# so trying the examples needs neither clang nor this script.
#
# Needs: clang-19 and linux-libc-dev (uapi headers). No libbpf-dev: include/bpf4j_helpers.h holds the few libbpf
# macros the examples use (with libbpf-dev installed you can include <bpf/bpf_helpers.h> instead).
# The capture is written by bpf4j's own generator (io.bpf4j.cli.pcap.TrafficGenerator, a fixed seed), so
# regenerating it gives the same bytes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
clang=${CLANG:-clang-19}
# clang -target bpf does not search the multiarch include directory where Debian keeps <asm/types.h>.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
cflags="-O2 -g -target bpf -Wall -Werror -I/usr/include/$multiarch -I$here/include"

$clang $cflags -c "$here/xdp-firewall/firewall.c" -o "$here/xdp-firewall/firewall.o"
$clang $cflags -c "$here/tc-cb/tc_prio.c" -o "$here/tc-cb/tc_prio.o"
# a program the verifier must refuse, for the cli's tests
$clang $cflags -c "$root/cli/src/test/c/rejected.c" -o "$root/cli/src/test/resources/io/bpf4j/cli/rejected.o"
echo "built examples/xdp-firewall/firewall.o, examples/tc-cb/tc_prio.o and cli/src/test/resources/io/bpf4j/cli/rejected.o"

if [ "${1:-}" != --objects-only ]; then
    "$root/bpf4j" --version >/dev/null # builds the jar on first use
    java_home=$("$root/scripts/find-java.sh")
    "$java_home/bin/java" -cp "$root/cli/target/bpf4j.jar" io.bpf4j.cli.pcap.TrafficGenerator "$here/traffic.pcap"
fi
