package io.bpf4j.linux;

import io.bpf4j.isa.AluOp;
import io.bpf4j.isa.Instruction;
import io.bpf4j.isa.Instructions;
import io.bpf4j.runtime.interpreter.Interpreter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

class ScratchMinimizeTest {
    static boolean differs(List<Instruction> p, byte[] mem) {
        Instructions prog = Instructions.of(p);
        if (!(KernelIsaRunner.run("m", prog, mem) instanceof KernelIsaRunner.Ran k)) return false;
        KernelIsaRunner.Ran e = KernelDifferentialTest.embedded(Interpreter.INSTANCE, "m", prog, mem);
        return k.r0() != e.r0() || !java.util.Arrays.equals(k.memory(), e.memory());
    }

    @Test
    void minimize() throws Exception {
        for (String file : System.getProperty("repro").split(",")) {
            DifferentialHarness.Reproducer r = DifferentialHarness.Reproducer.parse(Files.readString(Path.of(file)));
            byte[] mem = HexFormat.of().parseHex(r.get("memory"));
            List<Instruction> p = new ArrayList<>(Instructions.decode(HexFormat.of().parseHex(r.get("program"))).list());
            System.out.println("differs at start: " + differs(p, mem));
            for (int rep = 0; rep < 4; rep++) {
                KernelIsaRunner.Ran k0 = (KernelIsaRunner.Ran) KernelIsaRunner.run("m", Instructions.of(p), mem);
                System.out.println("kernel run " + rep + " r0=" + Long.toHexString(k0.r0()) + " bpf4j " + Long.toHexString(KernelDifferentialTest.embedded(Interpreter.INSTANCE, "m", Instructions.of(p), mem).r0()));
            }
            Instruction nop = Instruction.Alu.imm(true, AluOp.ADD, 0, 0);
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int i = p.size() - 34; i >= 17; i--) {
                    Instruction old = p.get(i);
                    if (old.equals(nop) || old.slots() != 1) continue;
                    p.set(i, nop);
                    if (differs(p, mem)) changed = true; else p.set(i, old);
                }
            }
            Instructions prog = Instructions.of(p);
            KernelIsaRunner.Ran k = (KernelIsaRunner.Ran) KernelIsaRunner.run("m", prog, mem);
            KernelIsaRunner.Ran e = KernelDifferentialTest.embedded(Interpreter.INSTANCE, "m", prog, mem);
            StringBuilder sb = new StringBuilder();
            for (Instructions.At at : prog) if (!at.instruction().equals(nop)) sb.append(at.pc()).append(": ").append(io.bpf4j.isa.text.Disassembler.instruction(at.instruction(), at.pc())).append('\n');
            System.out.println("HEX " + DifferentialHarness.hex(prog));
            System.out.println("MIN " + file + "\nmemory " + HexFormat.of().formatHex(mem) + "\nkernel r0=" + Long.toHexString(k.r0()) + " mem=" + HexFormat.of().formatHex(k.memory())
                    + "\nbpf4j r0=" + Long.toHexString(e.r0()) + " mem=" + HexFormat.of().formatHex(e.memory()) + "\n" + sb);
        }
    }
}
