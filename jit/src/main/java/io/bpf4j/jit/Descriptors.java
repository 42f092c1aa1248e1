package io.bpf4j.jit;

import io.bpf4j.isa.EndianOp;
import io.bpf4j.isa.Semantics;
import io.bpf4j.isa.Size;
import io.bpf4j.runtime.ExecutionException;
import io.bpf4j.runtime.Invocation;
import io.bpf4j.runtime.helpers.HelperFunction;
import io.bpf4j.runtime.memory.AddressSpace;

import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

import static java.lang.constant.ConstantDescs.CD_long;

/** The classes and method types generated code refers to, named once. */
final class Descriptors {
    private Descriptors() {}

    static final ClassDesc CD_SEMANTICS = desc(Semantics.class);
    static final ClassDesc CD_ENDIAN_OP = desc(EndianOp.class);
    static final ClassDesc CD_SIZE = desc(Size.class);
    static final ClassDesc CD_JIT_CONTEXT = desc(JitContext.class);
    static final ClassDesc CD_JIT_RUNTIME = desc(JitRuntime.class);
    static final ClassDesc CD_PROGRAM_INFO = desc(ProgramInfo.class);
    static final ClassDesc CD_PROGRAM_EXIT = desc(ProgramExit.class);
    static final ClassDesc CD_TAIL_SITE = desc(TailSite.class);
    static final ClassDesc CD_TAIL_CALL_TARGETS = desc(io.bpf4j.runtime.TailCallTargets.class);
    static final ClassDesc CD_COMPILED_CODE = desc(CompiledCode.class);
    static final ClassDesc CD_ADDRESS_SPACE = desc(AddressSpace.class);
    static final ClassDesc CD_INVOCATION = desc(Invocation.class);
    static final ClassDesc CD_PROGRAM_IMAGE = desc(io.bpf4j.runtime.ProgramImage.class);
    static final ClassDesc CD_HELPER_FUNCTION = desc(HelperFunction.class);
    static final ClassDesc CD_EXECUTION_EXCEPTION = desc(ExecutionException.class);
    static final ClassDesc CD_DIRECT_ACCESS = desc(io.bpf4j.runtime.memory.DirectAccess.class);
    static final ClassDesc CD_REGION = desc(io.bpf4j.runtime.memory.Region.class);
    static final ClassDesc CD_MEMORY_SEGMENT = desc(java.lang.foreign.MemorySegment.class);
    static final ClassDesc CD_RUNTIME_EXCEPTION = desc(RuntimeException.class);

    static final MethodTypeDesc MTD_JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);

    private static ClassDesc desc(Class<?> c) {
        return ClassDesc.of(c.getName());
    }
}
