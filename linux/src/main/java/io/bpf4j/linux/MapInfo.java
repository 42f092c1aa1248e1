package io.bpf4j.linux;

import io.bpf4j.abi.MapType;

/**
 * The kernel's description of a map ({@code struct bpf_map_info} from BPF_OBJ_GET_INFO_BY_FD).
 *
 * @param type       null when bpf4j does not know the kernel's number {@code typeId}
 * @param name       the name as the kernel stored it (≤ 15 characters)
 * @param btfId      the id of the map's BTF, 0 without
 */
public record MapInfo(int id, MapType type, int typeId, int keySize, int valueSize, int maxEntries, int flags,
                      String name, int btfId) {}
