#!/bin/sh
# Rebuilds every BPF fixture object from its C source with Debian's clang-19, exactly as a libbpf user would
# (clang -O2 -g -target bpf), and the -mcpu=v1..v4 variants of cpuv.c. The objects are committed, so tests
# never need clang; run this after changing a .c file and commit the .o files with it.
#
# Needs: clang-19 and linux-libc-dev (uapi <linux/bpf.h>). No libbpf-dev: src/main/c/bpf4j_helpers.h holds
# the few libbpf macros and helper declarations the fixtures use.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/main/c"
out="$here/src/main/resources/io/bpf4j/testdata"
clang=${CLANG:-clang-19}
# clang -target bpf does not search the multiarch include directory where Debian keeps <asm/types.h>.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo "$(uname -m)-linux-gnu")
# Compiling from inside src/main/c with relative names and -fdebug-compilation-dir=. keeps the checkout's
# absolute path out of DWARF and BTF, so the objects are the same whoever builds them, wherever.
cflags="-O2 -g -target bpf -Wall -Werror -I/usr/include/$multiarch -I. -fdebug-compilation-dir=."

mkdir -p "$out"
cd "$src"
for c in *.c; do
    name=$(basename "$c" .c)
    if [ "$name" = cpuv ]; then
        for v in 1 2 3 4; do
            $clang $cflags -mcpu=v$v -c "$c" -o "$out/cpuv_v$v.o"
        done
    else
        $clang $cflags -c "$c" -o "$out/$name.o"
    fi
done
# The list Fixtures.names() reads; sorted so it is the same on every machine.
(cd "$out" && ls *.o | LC_ALL=C sort > fixtures.txt)
echo "built $(wc -l < "$out/fixtures.txt") objects into $out"
