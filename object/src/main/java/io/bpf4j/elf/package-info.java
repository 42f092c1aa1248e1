/**
 * A checked reader for the ELF64 relocatable objects clang builds for BPF: sections, symbols, string tables and
 * SHT_REL relocations, each bounds-checked against the file before use. Knows nothing about BPF semantics; the
 * object loader ({@link io.bpf4j.object.ObjectSpec}) gives the sections their meaning.
 */
package io.bpf4j.elf;
