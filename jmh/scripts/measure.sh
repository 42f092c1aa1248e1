#!/usr/bin/env bash
# The measurement behind docs/PERFORMANCE.md ("Interpreter, JIT and kernel"): interpreter, JIT and kernel on the same
# XDP programs, then verification time, in one run; then the tables. Needs root (BPF_PROG_TEST_RUN, BPF_PROG_LOAD);
# without bpf() the kernel benchmarks fail at setup saying why, the others still run.
#   jmh/scripts/measure.sh [OUT_DIR] [extra JMH options]
# Default settings: 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement (about 10 minutes in all).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-jmh/results/$(date -u +%Y%m%dT%H%M)}
shift || true
mkdir -p "$OUT"
JAVA_HOME=$(scripts/find-java.sh) # a JDK 25, as CI finds it (the benchmarks are compiled for 25)
JAVA=$JAVA_HOME/bin/java
SETTINGS=${SETTINGS:-"-f 1 -wi 3 -i 5 -w 1s -r 1s"}
{
  echo "start: $(date -u +%FT%TZ)  $(uptime)"
  echo "kernel: $(uname -r)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo)"
  "$JAVA" -version 2>&1 | head -2
  echo "commit: $(git rev-parse --short HEAD)  settings: $SETTINGS $*"
} | tee "$OUT/machine.txt"
"$JAVA" --enable-native-access=ALL-UNNAMED -jar jmh/target/benchmarks.jar KernelComparisonBenchmark $SETTINGS -jvmArgsAppend --enable-native-access=ALL-UNNAMED "$@" \
  -rf csv -rff "$OUT/comparison.csv" 2>&1 | tee "$OUT/comparison.log"
echo "after comparison: $(date -u +%FT%TZ)  $(uptime)" | tee -a "$OUT/machine.txt"
# CPU-time cross-check of the embedded engines (one JVM per engine and program, as JMH forks them)
: > "$OUT/cputime.log"
for engine in interpreter jit; do
  for program in EMPTY HASH_LOOP_1000 CHECKSUM_1K PARSE_64 TAIL_CHAIN_33 TAIL_SELF_33 TAIL_SINGLE; do
    "$JAVA" --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar io.bpf4j.jmh.XdpCpuTime "$engine" "$program" 2>&1 \
      | grep -E '^# (cpu|NOTE)' | tee -a "$OUT/cputime.log"
  done
done
"$JAVA" --enable-native-access=ALL-UNNAMED -cp jmh/target/benchmarks.jar io.bpf4j.jmh.KernelTestRunCost 2>&1 | grep -v WARNING | tee "$OUT/testrun-cost.log"
echo "after cpu time: $(date -u +%FT%TZ)  $(uptime)" | tee -a "$OUT/machine.txt"
"$JAVA" --enable-native-access=ALL-UNNAMED -jar jmh/target/benchmarks.jar VerifierBenchmark $SETTINGS -jvmArgsAppend --enable-native-access=ALL-UNNAMED "$@" \
  -rf csv -rff "$OUT/verifier.csv" 2>&1 | tee "$OUT/verifier.log"
echo "end: $(date -u +%FT%TZ)  $(uptime)" | tee -a "$OUT/machine.txt"
"$JAVA" -cp jmh/target/benchmarks.jar io.bpf4j.jmh.PerformanceReport "$OUT" | tee "$OUT/tables.md"
