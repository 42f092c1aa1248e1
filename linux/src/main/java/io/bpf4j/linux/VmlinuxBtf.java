package io.bpf4j.linux;

import io.bpf4j.BpfException;
import io.bpf4j.btf.Btf;
import io.bpf4j.btf.BtfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The running kernel's own BTF ({@code /sys/kernel/btf/vmlinux}), read once, for the type ids that
 * fentry/fexit/fmod_ret, tp_btf, iter and LSM programs name at load ({@code attach_btf_id}).
 */
final class VmlinuxBtf {
    private VmlinuxBtf() {}

    static final Path FILE = Path.of("/sys/kernel/btf/vmlinux");
    static final int KIND_TYPEDEF = 8, KIND_FUNC = 12;

    private static final class Holder {
        static final Map<String, Integer> IDS = read();
    }

    private static Map<String, Integer> read() {
        byte[] raw;
        try {
            raw = Files.readAllBytes(FILE);
        } catch (IOException e) {
            throw new BpfException("cannot read the kernel's BTF at " + FILE + " (a kernel built without "
                    + "CONFIG_DEBUG_INFO_BTF cannot load fentry/fexit/tp_btf/LSM/iter programs): " + e.getMessage(), e);
        }
        Btf btf = Btf.parse("vmlinux", raw);
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 1; id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            if (t.kind() == KIND_FUNC || t.kind() == KIND_TYPEDEF) ids.putIfAbsent(key(t.kind(), t.name()), id);
        }
        return ids;
    }

    private static String key(int kind, String name) {
        return kind + ":" + name;
    }

    /** The id of the FUNC or TYPEDEF {@code name} in vmlinux BTF, or -1. */
    static int id(int kind, String name) {
        Integer id = Holder.IDS.get(key(kind, name));
        return id == null ? -1 : id;
    }
}
