package io.bpf4j.verifier;

import java.util.Objects;

/**
 * The abstract value of one register (or of a register spilled to the stack). Immutable.
 *
 * @param type     what it holds
 * @param off      for pointers: the fixed offset from the start of the region
 * @param bounds   for scalars: the value; for pointers: the variable part of the offset
 * @param id       links copies: scalars copied from each other (a comparison narrows them all), may-be-null
 *                 pointers from the same source (a null check settles them all), packet pointers sharing a range
 * @param range    for packet pointers: bytes from the packet start proven readable, by a comparison with data_end
 * @param map      for map pointers and map values: the map
 * @param memSize  for ring-buffer memory: its size
 * @param frameno  for stack pointers: the frame whose stack it points into
 * @param subprog  for function pointers: the subprogram index
 * @param refObjId for ring-buffer memory: the reference that must be released
 */
public record RegState(RegType type, int off, ScalarBounds bounds, int id, int range, MapRef map, long memSize,
                       int frameno, int subprog, int refObjId) {
    public RegState {
        Objects.requireNonNull(type);
        Objects.requireNonNull(bounds);
    }

    public static final RegState NOT_INIT = new RegState(RegType.NOT_INIT, 0, ScalarBounds.UNKNOWN, 0, 0, null, 0, 0, 0, 0);
    public static final RegState UNKNOWN_SCALAR = scalar(ScalarBounds.UNKNOWN);

    public static RegState scalar(ScalarBounds b) {
        return new RegState(RegType.SCALAR, 0, b, 0, 0, null, 0, 0, 0, 0);
    }

    public static RegState constant(long v) {
        return scalar(ScalarBounds.constant(v));
    }

    public static RegState pointer(RegType type, int off) {
        return new RegState(type, off, ScalarBounds.ZERO, 0, 0, null, 0, 0, 0, 0);
    }

    public static RegState stack(int frameno, int off) {
        return new RegState(RegType.PTR_TO_STACK, off, ScalarBounds.ZERO, 0, 0, null, 0, frameno, 0, 0);
    }

    public boolean isScalar() {
        return type == RegType.SCALAR;
    }

    public boolean isInit() {
        return type != RegType.NOT_INIT;
    }

    public boolean isPointer() {
        return type.isPointer();
    }

    public boolean isConst() {
        return type == RegType.SCALAR && bounds.isConst();
    }

    /** True when the pointer's offset has no variable part. */
    public boolean fixedOffset() {
        return bounds.isConst() && bounds.constValue() == 0;
    }

    public RegState withType(RegType t) {
        return new RegState(t, off, bounds, id, range, map, memSize, frameno, subprog, refObjId);
    }

    public RegState withBounds(ScalarBounds b) {
        return new RegState(type, off, b, id, range, map, memSize, frameno, subprog, refObjId);
    }

    public RegState withOff(int o) {
        return new RegState(type, o, bounds, id, range, map, memSize, frameno, subprog, refObjId);
    }

    public RegState withId(int i) {
        return new RegState(type, off, bounds, i, range, map, memSize, frameno, subprog, refObjId);
    }

    public RegState withRange(int r) {
        return new RegState(type, off, bounds, id, r, map, memSize, frameno, subprog, refObjId);
    }

    public RegState withMap(MapRef m) {
        return new RegState(type, off, bounds, id, range, m, memSize, frameno, subprog, refObjId);
    }

    public RegState withMem(long size, int refId) {
        return new RegState(type, off, bounds, id, range, map, size, frameno, subprog, refId);
    }

    public RegState withSubprog(int s) {
        return new RegState(type, off, bounds, id, range, map, memSize, frameno, s, refObjId);
    }

    /** The register as Linux's log shows it, e.g. {@code fp-8}, {@code ctx()}, {@code scalar(umax=255)}. */
    public String describe() {
        String var = fixedOffset() ? "" : ",var_off=" + bounds.tnum();
        return switch (type) {
            case NOT_INIT -> "?";
            case SCALAR -> bounds.describe();
            case PTR_TO_STACK -> "fp" + (off == 0 ? "0" : Integer.toString(off)) + (var.isEmpty() ? "" : "(" + var.substring(1) + ")");
            case PTR_TO_CTX, PTR_TO_PACKET_END, PTR_TO_FUNC, PTR_TO_SOCK_COMMON_OR_NULL, PTR_TO_SOCK_COMMON ->
                    type.logName() + "(" + (off != 0 ? "off=" + off : "") + var + ")";
            case PTR_TO_PACKET, PTR_TO_PACKET_META -> type.logName() + "(" + (id != 0 ? "id=" + id + "," : "")
                    + (off != 0 ? "off=" + off + "," : "") + "r=" + range + var + ")";
            case CONST_PTR_TO_MAP, PTR_TO_MAP_VALUE, PTR_TO_MAP_VALUE_OR_NULL -> type.logName() + "("
                    + (id != 0 ? "id=" + id + "," : "") + (off != 0 ? "off=" + off + "," : "") + map.describe() + var + ")";
            case PTR_TO_RINGBUF_MEM, PTR_TO_RINGBUF_MEM_OR_NULL -> type.logName() + "(" + (id != 0 ? "id=" + id + "," : "")
                    + "ref_obj_id=" + refObjId + "," + (off != 0 ? "off=" + off + "," : "") + "size=" + memSize + var + ")";
        };
    }
}
