/**
 * Reading BPF object files into a deterministic {@link io.bpf4j.object.ObjectSpec}: programs linked with their
 * subprograms ({@link io.bpf4j.object.ProgramSpec}), maps with their initial contents
 * ({@link io.bpf4j.object.MapSpec}), license, version and BTF, before any runtime or kernel is involved. The stages
 * of the pipeline are described in {@code docs/ARCHITECTURE.md}, "Loading pipeline (object)".
 */
package io.bpf4j.object;
