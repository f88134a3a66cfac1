package io.spindle.client;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns keys and values into the bytes of a record and back. {@code null} stays {@code null} both ways (a record
 * without a key, a tombstone). Built in: {@link #string()} (UTF-8) and {@link #bytes()}; anything else, e.g. JSON
 * through the application's own JSON library, is {@link #of(Function, Function)} two functions. Implementations
 * must be thread-safe: one producer serializes from every thread that sends.
 */
public interface Serde<T> {
    /** The bytes of {@code value}; never called with null. */
    byte[] serialize(T value);

    /** The value of {@code bytes}; never called with null. */
    T deserialize(byte[] bytes);

    /** Null-safe {@link #serialize}. */
    default byte[] toBytes(T value) {
        return value == null ? null : serialize(value);
    }

    /** Null-safe {@link #deserialize}. */
    default T fromBytes(byte[] bytes) {
        return bytes == null ? null : deserialize(bytes);
    }

    /** Text as UTF-8. */
    static Serde<String> string() {
        return of(text -> text.getBytes(StandardCharsets.UTF_8), bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** The bytes as they are (not copied). */
    static Serde<byte[]> bytes() {
        return of(Function.identity(), Function.identity());
    }

    /** A serde from two functions, e.g. {@code Serde.of(mapper::writeValueAsBytes, b -> mapper.readValue(b, Order.class))}. */
    static <T> Serde<T> of(Function<? super T, byte[]> serializer, Function<byte[], ? extends T> deserializer) {
        Objects.requireNonNull(serializer, "serializer");
        Objects.requireNonNull(deserializer, "deserializer");
        return new Serde<>() {
            @Override
            public byte[] serialize(T value) {
                return serializer.apply(value);
            }

            @Override
            public T deserialize(byte[] bytes) {
                return deserializer.apply(bytes);
            }
        };
    }
}
