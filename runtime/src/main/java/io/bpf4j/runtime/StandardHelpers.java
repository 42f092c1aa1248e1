package io.bpf4j.runtime;

import io.bpf4j.BpfException;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.Helper;
import io.bpf4j.abi.ProgramType;
import io.bpf4j.maps.BpfMap;
import io.bpf4j.maps.EmbeddedMap;
import io.bpf4j.maps.MapInMap;
import io.bpf4j.maps.QueueStackMap;
import io.bpf4j.maps.RingBuffer;
import io.bpf4j.maps.ValueRef;
import io.bpf4j.runtime.helpers.Checksums;
import io.bpf4j.runtime.helpers.HelperRegistry;
import io.bpf4j.runtime.helpers.PrintkFormat;
import io.bpf4j.runtime.interpreter.Interpreter;
import io.bpf4j.runtime.memory.Access;
import io.bpf4j.runtime.memory.AddressSpace;
import io.bpf4j.runtime.memory.Region;
import io.bpf4j.runtime.memory.RegionKind;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The kernel helpers bpf4j implements, with Linux's numbers, arguments and return values (net/core/filter.c,
 * kernel/bpf/helpers.c, ringbuf.c, bpf_trace.c). Each reads its run's state from {@link Invocation#attachment()}.
 */
final class StandardHelpers {
    private StandardHelpers() {}

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final int BPF_MAX_LOOPS = 1 << 23;
    static final long BPF_F_RECOMPUTE_CSUM = 1, BPF_F_INVALIDATE_HASH = 2;
    static final long BPF_F_HDR_FIELD_MASK = 0xf, BPF_F_PSEUDO_HDR = 0x10, BPF_F_MARK_MANGLED_0 = 0x20, BPF_F_MARK_ENFORCE = 0x40, BPF_F_IPV6 = 0x80;
    static final long BPF_F_INGRESS = 1;
    static final int XDP_ABORTED = 0, XDP_REDIRECT = 4, TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;

    static HelperRegistry registry(BpfRuntime rt) {
        return HelperRegistry.empty()
                .with(Helper.MAP_LOOKUP_ELEM, StandardHelpers::lookup)
                .with(Helper.MAP_UPDATE_ELEM, StandardHelpers::update)
                .with(Helper.MAP_DELETE_ELEM, StandardHelpers::delete)
                .with(Helper.MAP_PUSH_ELEM, StandardHelpers::push)
                .with(Helper.MAP_POP_ELEM, (inv, m, v, a, b, c) -> popOrPeek(inv, m, v, true))
                .with(Helper.MAP_PEEK_ELEM, (inv, m, v, a, b, c) -> popOrPeek(inv, m, v, false))
                .with(Helper.GET_SMP_PROCESSOR_ID, (inv, a, b, c, d, e) -> inv.cpu())
                .with(Helper.KTIME_GET_NS, (inv, a, b, c, d, e) -> System.nanoTime())
                .with(Helper.KTIME_GET_BOOT_NS, (inv, a, b, c, d, e) -> System.nanoTime()) // a JVM never suspends: boot time = monotonic time
                .with(Helper.GET_PRANDOM_U32, (inv, a, b, c, d, e) -> state(inv).cpu.prandom.nextInt() & 0xffffffffL)
                .with(Helper.TRACE_PRINTK, (inv, fmt, size, a1, a2, a3) -> tracePrintk(rt, inv, fmt, size, a1, a2, a3))
                .with(Helper.RINGBUF_OUTPUT, StandardHelpers::ringbufOutput)
                .with(Helper.RINGBUF_RESERVE, StandardHelpers::ringbufReserve)
                .with(Helper.RINGBUF_SUBMIT, (inv, rec, flags, a, b, c) -> ringbufCommit(inv, rec, flags, false))
                .with(Helper.RINGBUF_DISCARD, (inv, rec, flags, a, b, c) -> ringbufCommit(inv, rec, flags, true))
                .with(Helper.RINGBUF_QUERY, (inv, m, flags, a, b, c) -> ring(inv, m).query(flags))
                .with(Helper.LOOP, StandardHelpers::loop)
                .with(Helper.XDP_ADJUST_HEAD, (inv, ctx, delta, a, b, c) -> packet(inv, ctx, Helper.XDP_ADJUST_HEAD).adjustHead(inv, (int) delta))
                .with(Helper.XDP_ADJUST_META, (inv, ctx, delta, a, b, c) -> packet(inv, ctx, Helper.XDP_ADJUST_META).adjustMeta(inv, (int) delta))
                .with(Helper.XDP_ADJUST_TAIL, (inv, ctx, delta, a, b, c) -> packet(inv, ctx, Helper.XDP_ADJUST_TAIL).adjustTail(inv, (int) delta))
                .with(Helper.XDP_LOAD_BYTES, StandardHelpers::xdpLoadBytes)
                .with(Helper.XDP_STORE_BYTES, StandardHelpers::xdpStoreBytes)
                .with(Helper.SKB_LOAD_BYTES, StandardHelpers::skbLoadBytes)
                .with(Helper.SKB_STORE_BYTES, StandardHelpers::skbStoreBytes)
                .with(Helper.L3_CSUM_REPLACE, (inv, ctx, off, from, to, flags) -> csumReplace(inv, ctx, off, from, to, flags, false))
                .with(Helper.L4_CSUM_REPLACE, (inv, ctx, off, from, to, flags) -> csumReplace(inv, ctx, off, from, to, flags, true))
                .with(Helper.CSUM_DIFF, StandardHelpers::csumDiff)
                .with(Helper.REDIRECT, StandardHelpers::redirect);
    }

    static RunState state(Invocation inv) {
        Object a = inv.attachment();
        if (a instanceof RunState s) return s;
        throw new BpfException("this helper needs a program run by a BpfRuntime (no run state in the invocation)");
    }

    private static long errno(Errno e) {
        return -e.number();
    }

    // ---------------------------------------------------------------- maps

    private static EmbeddedMap map(Invocation inv, long handle) {
        Object o = inv.memory().object(handle, Object.class);
        if (o instanceof EmbeddedMap m) return m;
        throw new BpfException("r1 is " + o + ", not a map this runtime created");
    }

    private static long lookup(Invocation inv, long m, long key, long a, long b, long c) {
        EmbeddedMap map = map(inv, m);
        int keySize = map.definition().keySize();
        Region k = inv.memory().check(key, keySize, Access.READ);
        long keyOff = key & 0xffffffffL;
        RunState st = state(inv);
        if (map instanceof MapInMap outer) {
            BpfMap inner = outer.lookupInner(k.segment(), keyOff);
            return inner == null ? 0 : inv.addressOf(inner);
        }
        ValueRef ref = map.lookupElem(k.segment(), keyOff, inv.cpu());
        if (ref == null) return 0;
        Long known = st.addresses.get(ref.segment);
        if (known != null) return known;
        long address = inv.memory().register(Region.of(RegionKind.MAP_VALUE, map.name(), ref.segment, !map.isReadOnlyForPrograms()));
        st.addresses.put(ref.segment, address);
        return address;
    }

    private static long update(Invocation inv, long m, long key, long value, long flags, long c) {
        EmbeddedMap map = map(inv, m);
        int keySize = map.definition().keySize();
        AddressSpace mem = inv.memory();
        MemorySegment ks = MemorySegment.NULL;
        long ko = 0;
        if (keySize > 0) {
            ks = mem.check(key, keySize, Access.READ).segment();
            ko = key & 0xffffffffL;
        }
        Region v = mem.check(value, map.definition().valueSize(), Access.READ);
        return map.updateElem(ks, ko, v.segment(), value & 0xffffffffL, flags, inv.cpu());
    }

    private static long delete(Invocation inv, long m, long key, long a, long b, long c) {
        EmbeddedMap map = map(inv, m);
        if (map.definition().keySize() == 0) return map.deleteElem(MemorySegment.NULL, 0); // queues, stacks: -EINVAL
        Region k = inv.memory().check(key, map.definition().keySize(), Access.READ);
        return map.deleteElem(k.segment(), key & 0xffffffffL);
    }

    private static QueueStackMap queue(Invocation inv, long m) {
        EmbeddedMap map = map(inv, m);
        if (map instanceof QueueStackMap q) return q;
        throw new BpfException("map '" + map.name() + "' is a " + map.type() + ", not a QUEUE or STACK");
    }

    private static long push(Invocation inv, long m, long value, long flags, long b, long c) {
        QueueStackMap q = queue(inv, m);
        Region v = inv.memory().check(value, q.definition().valueSize(), Access.READ);
        return q.pushElem(v.segment(), value & 0xffffffffL, flags);
    }

    private static long popOrPeek(Invocation inv, long m, long value, boolean pop) {
        QueueStackMap q = queue(inv, m);
        Region v = inv.memory().check(value, q.definition().valueSize(), Access.WRITE);
        return pop ? q.popElem(v.segment(), value & 0xffffffffL) : q.peekElem(v.segment(), value & 0xffffffffL);
    }

    // ---------------------------------------------------------------- ring buffers

    private static RingBuffer ring(Invocation inv, long m) {
        EmbeddedMap map = map(inv, m);
        if (map instanceof RingBuffer r) return r;
        throw new BpfException("map '" + map.name() + "' is a " + map.type() + ", not a RINGBUF");
    }

    private static long ringbufOutput(Invocation inv, long m, long data, long size, long flags, long c) {
        RingBuffer rb = ring(inv, m);
        Region d = inv.memory().check(data, size, Access.READ);
        return rb.output(d.segment(), data & 0xffffffffL, size, flags);
    }

    private static long ringbufReserve(Invocation inv, long m, long size, long flags, long b, long c) {
        RingBuffer rb = ring(inv, m);
        ValueRef ref = rb.reserve(size, flags);
        if (ref == null) return 0;
        Region r = Region.of(RegionKind.RINGBUF_RECORD, rb.name(), ref.segment, true);
        long address = inv.memory().register(r);
        state(inv).pending.add(new RunState.Pending(rb, ref.segment, address, r));
        return address;
    }

    private static long ringbufCommit(Invocation inv, long record, long flags, boolean discard) {
        RunState st = state(inv);
        for (int i = 0; i < st.pending.size(); i++) {
            RunState.Pending p = st.pending.get(i);
            if (p.address() == record) {
                st.pending.remove(i);
                if (discard) p.ring().discard(p.sample(), flags);
                else p.ring().submit(p.sample(), flags);
                return 0;
            }
        }
        throw new BpfException((discard ? "bpf_ringbuf_discard" : "bpf_ringbuf_submit") + ": " + AddressSpace.format(record)
                + " is not a ring buffer record reserved and still pending in this run");
    }

    // ---------------------------------------------------------------- misc

    private static long tracePrintk(BpfRuntime rt, Invocation inv, long fmt, long size, long a1, long a2, long a3) {
        if (size <= 0) return errno(Errno.EINVAL);
        byte[] raw = inv.memory().read(fmt, (int) Math.min(size, Integer.MAX_VALUE));
        int nul = -1;
        for (int i = 0; i < raw.length; i++) if (raw[i] == 0) { nul = i; break; }
        if (nul < 0) return errno(Errno.EINVAL); // Linux: the format must be NUL-terminated within fmt_size
        String text;
        try {
            text = PrintkFormat.format(new String(raw, 0, nul, StandardCharsets.ISO_8859_1), new long[] {a1, a2, a3}, addr -> cString(inv, addr));
        } catch (PrintkFormat.BadFormat e) {
            return errno(Errno.EINVAL);
        }
        RunState st = state(inv);
        rt.tracePipe().emit(new TracePipe.Line(st.cpu.id, st.program == null ? "?" : st.program.name(), text));
        return text.length();
    }

    private static String cString(Invocation inv, long address) {
        StringBuilder sb = new StringBuilder();
        try {
            for (int i = 0; i < 4096; i++) {
                int b = (int) inv.memory().load8(address + i);
                if (b == 0) break;
                sb.append((char) b);
            }
        } catch (BpfException e) {
            return "(fault)"; // Linux's strncpy_from_kernel_nofault prints what it could not read as an error marker
        }
        return sb.toString();
    }

    private static long loop(Invocation inv, long nr, long fn, long ctx, long flags, long c) {
        if (flags != 0) return errno(Errno.EINVAL);
        if (Long.compareUnsigned(nr & 0xffffffffL, BPF_MAX_LOOPS) > 0) return errno(Errno.E2BIG);
        if (!AddressSpace.isFunctionPointer(fn)) throw new BpfException("bpf_loop: r2 = " + AddressSpace.format(fn) + " is not a function pointer");
        ProgramImage image = inv.currentImage();
        if (image == null) throw new BpfException("bpf_loop: the runtime does not know which program is running");
        int n = (int) nr;
        for (int i = 0; i < n; i++) {
            long ret = Interpreter.callFunction(image, inv, (int) fn, i, ctx, 0, 0, 0);
            if (ret != 0) return i + 1;
        }
        return n;
    }

    private static long redirect(Invocation inv, long ifindex, long flags, long a, long b, long c) {
        RunState st = state(inv);
        boolean xdp = st.program != null && st.program.type() == ProgramType.XDP;
        if (xdp ? flags != 0 : (flags & ~BPF_F_INGRESS) != 0) return xdp ? XDP_ABORTED : TC_ACT_SHOT;
        st.redirect = new TestRunResult.Redirect((int) ifindex, flags);
        return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
    }

    // ---------------------------------------------------------------- packets

    static PacketContext packet(Invocation inv, long ctx, Helper helper) {
        RunState st = state(inv);
        PacketContext p = st.packet;
        if (p == null || p.buffer == null) throw new BpfException(helper.cName() + ": the program has no packet");
        if (!p.isContext(ctx)) throw new BpfException(helper.cName() + ": r1 = " + AddressSpace.format(ctx) + " is not the program's context");
        return p;
    }

    private static long skbLoadBytes(Invocation inv, long ctx, long offset, long to, long len, long c) {
        PacketContext p = packet(inv, ctx, Helper.SKB_LOAD_BYTES);
        Region dst = inv.memory().check(to, len, Access.WRITE);
        long dstOff = to & 0xffffffffL;
        long off = offset & 0xffffffffL;
        if (off > 0xffff || off + len > p.length()) {
            dst.segment().asSlice(dstOff, len).fill((byte) 0);
            return errno(Errno.EFAULT);
        }
        MemorySegment.copy(p.buffer, p.data + off, dst.segment(), dstOff, len);
        return 0;
    }

    /**
     * Linux's {@code bpf_xdp_pointer} checks, for a linear frame (bpf4j has no fragments): offset or length over
     * 0xffff is EFAULT, bytes past the frame's end EINVAL; 0 when the range is inside.
     */
    private static long xdpRangeError(PacketContext p, long offset, long len) {
        long off = offset & 0xffffffffL, n = len & 0xffffffffL;
        if (off > 0xffff || n > 0xffff) return errno(Errno.EFAULT);
        if (off + n > p.length()) return errno(Errno.EINVAL);
        return 0;
    }

    /** bpf_xdp_load_bytes: on an error the buffer is left as it was (unlike bpf_skb_load_bytes, which zeroes it). */
    private static long xdpLoadBytes(Invocation inv, long ctx, long offset, long to, long len, long c) {
        PacketContext p = packet(inv, ctx, Helper.XDP_LOAD_BYTES);
        Region dst = inv.memory().check(to, len, Access.WRITE);
        long error = xdpRangeError(p, offset, len);
        if (error != 0) return error;
        MemorySegment.copy(p.buffer, p.data + (offset & 0xffffffffL), dst.segment(), to & 0xffffffffL, len);
        return 0;
    }

    private static long xdpStoreBytes(Invocation inv, long ctx, long offset, long from, long len, long c) {
        PacketContext p = packet(inv, ctx, Helper.XDP_STORE_BYTES);
        Region src = inv.memory().check(from, len, Access.READ);
        long error = xdpRangeError(p, offset, len);
        if (error != 0) return error;
        MemorySegment.copy(src.segment(), from & 0xffffffffL, p.buffer, p.data + (offset & 0xffffffffL), len);
        return 0;
    }

    private static long skbStoreBytes(Invocation inv, long ctx, long offset, long from, long len, long flags) {
        PacketContext p = packet(inv, ctx, Helper.SKB_STORE_BYTES);
        if ((flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) != 0) return errno(Errno.EINVAL);
        Region src = inv.memory().check(from, len, Access.READ);
        long off = offset & 0xffffffffL;
        if (off > 0xffff || off + len > p.length()) return errno(Errno.EFAULT);
        MemorySegment.copy(src.segment(), from & 0xffffffffL, p.buffer, p.data + off, len);
        if ((flags & BPF_F_INVALIDATE_HASH) != 0) p.clearHash();
        return 0;
    }

    private static long csumReplace(Invocation inv, long ctx, long offset, long from, long to, long flags, boolean l4) {
        PacketContext p = packet(inv, ctx, l4 ? Helper.L4_CSUM_REPLACE : Helper.L3_CSUM_REPLACE);
        long allowed = l4 ? (BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6) : BPF_F_HDR_FIELD_MASK;
        if ((flags & ~allowed) != 0) return errno(Errno.EINVAL);
        long off = offset & 0xffffffffL;
        if (off > 0xffff || off + 2 > p.length()) return errno(Errno.EFAULT);
        long at = p.data + off;
        int sum = p.buffer.get(U16, at) & 0xffff;
        boolean mangled0 = l4 && (flags & BPF_F_MARK_MANGLED_0) != 0;
        if (mangled0 && sum == 0) return 0; // UDP without a checksum: leave it
        int result = switch ((int) (flags & BPF_F_HDR_FIELD_MASK)) {
            case 0 -> Checksums.replaceByDiff(sum, (int) to);
            case 2 -> Checksums.replace2(sum, (int) from & 0xffff, (int) to & 0xffff);
            case 4 -> Checksums.replace4(sum, (int) from, (int) to);
            default -> -1;
        };
        if (result < 0) return errno(Errno.EINVAL);
        if (mangled0 && result == 0) result = 0xffff; // CSUM_MANGLED_0
        p.buffer.set(U16, at, (short) result);
        return 0;
    }

    private static long csumDiff(Invocation inv, long from, long fromSize, long to, long toSize, long seed) {
        long diffSize = fromSize + toSize;
        if ((fromSize & 3) != 0 || (toSize & 3) != 0 || fromSize < 0 || toSize < 0 || diffSize > 512) return errno(Errno.EINVAL);
        byte[] buf = new byte[(int) diffSize];
        if (fromSize > 0) {
            byte[] f = inv.memory().read(from, (int) fromSize);
            for (int i = 0; i < f.length; i++) buf[i] = (byte) ~f[i];
        }
        if (toSize > 0) System.arraycopy(inv.memory().read(to, (int) toSize), 0, buf, (int) fromSize, (int) toSize);
        return Checksums.partial(buf, buf.length, (int) seed) & 0xffffffffL;
    }

    static int u32(MemorySegment s, long off) {
        return s.get(U32, off);
    }
}
