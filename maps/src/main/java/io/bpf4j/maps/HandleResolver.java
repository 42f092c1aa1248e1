package io.bpf4j.maps;

/**
 * Turns the 4-byte handles user space writes into prog arrays and map-in-map maps (program / map ids — Linux takes
 * file descriptors) into objects, and back: user-space lookups answer the object's id, as Linux answers
 * {@code prog->aux->id} / {@code map->id}. The runtime provides it.
 *
 * @param <T> the object: a loaded program, a map
 */
public interface HandleResolver<T> {
    /** The object with this handle, or null when there is none (the map then fails with EBADF). */
    T resolve(int handle);

    /** The handle user space reads back for {@code object}. */
    int idOf(T object);
}
