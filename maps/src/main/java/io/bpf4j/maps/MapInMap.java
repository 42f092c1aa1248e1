package io.bpf4j.maps;

import java.lang.foreign.MemorySegment;
import io.bpf4j.abi.Errno;
import io.bpf4j.abi.MapDefinition;
import io.bpf4j.abi.MapType;

/**
 * What ARRAY_OF_MAPS and HASH_OF_MAPS share: the inner-map compatibility rule and the program-side lookup that
 * answers the inner map itself.
 */
public interface MapInMap extends BpfMap {

    /** {@code bpf_map_lookup_elem} from a program: the inner map for the key at {@code key[keyOff..]}, or null. */
    BpfMap lookupInner(MemorySegment key, long keyOff);

    /**
     * Why {@code candidate} cannot be stored in a map-in-map whose inner template is {@code template}, or null when
     * it can. Linux's {@code map_meta_equal}: same type, key_size, value_size and map_flags; arrays also the same
     * max_entries unless the template has BPF_F_INNER_MAP (other types may differ in size).
     */
    static String incompatibility(MapDefinition template, MapDefinition candidate) {
        if (candidate.type() != template.type())
            return "inner map '" + candidate.name() + "' is a " + candidate.type() + ", expected " + template.type();
        if (candidate.keySize() != template.keySize())
            return "inner map '" + candidate.name() + "' has key_size " + candidate.keySize() + ", expected " + template.keySize();
        if (candidate.valueSize() != template.valueSize())
            return "inner map '" + candidate.name() + "' has value_size " + candidate.valueSize() + ", expected " + template.valueSize();
        if (candidate.flags() != template.flags())
            return "inner map '" + candidate.name() + "' has map_flags 0x" + Integer.toHexString(candidate.flags())
                    + ", expected 0x" + Integer.toHexString(template.flags());
        boolean array = template.type() == MapType.ARRAY || template.type() == MapType.PERCPU_ARRAY;
        if (array && (template.flags() & MapDefinition.F_INNER_MAP) == 0 && candidate.maxEntries() != template.maxEntries())
            return "inner map '" + candidate.name() + "' has max_entries " + candidate.maxEntries() + ", expected "
                    + template.maxEntries() + " (BPF_F_INNER_MAP lets array sizes differ)";
        return null;
    }

    /** Resolves a 4-byte handle and checks the map against the template; throws as Linux would. */
    static BpfMap admit(EmbeddedMap outer, HandleResolver<BpfMap> resolver, int handle, MapDefinition template) {
        if (resolver == null) throw outer.error(Errno.EINVAL, "has no map resolver; use the typed update with a BpfMap");
        BpfMap inner = resolver.resolve(handle);
        if (inner == null) throw outer.error(Errno.EBADF, "no map with handle " + handle);
        check(outer, inner, template);
        return inner;
    }

    static void check(EmbeddedMap outer, BpfMap inner, MapDefinition template) {
        if (inner == null) throw outer.error(Errno.EINVAL, "a map-in-map holds maps, not null");
        if (inner.definition().isMapInMap())
            throw outer.error(Errno.EINVAL, "inner map '" + inner.name() + "' is a map-in-map; only one level is allowed");
        String why = incompatibility(template, inner.definition());
        if (why != null) throw outer.error(Errno.EINVAL, why);
    }
}
