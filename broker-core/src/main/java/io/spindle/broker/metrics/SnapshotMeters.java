package io.spindle.broker.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Meters whose values come from a snapshot taken just before each scrape (a coordinator's state lives on its own
 * thread, so its meters cannot read it live): each refresh sets the value of every meter it still has, by name and
 * tags, and {@link #removeUnset()} then drops the meters the snapshot no longer had (a deleted group, a partition
 * gone), so the registry does not keep series of things that are gone.
 *
 * <p>Threading: one refresh at a time (callers synchronize); the registry reads the values from any thread.
 */
public final class SnapshotMeters {
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final Map<String, Meter> meters = new HashMap<>();
    private final Set<String> set = new HashSet<>();

    public SnapshotMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Sets the gauge {@code name} with {@code tags} to {@code value}, registering it the first time. */
    public void gauge(String name, String description, Tags tags, long value) {
        holder(name, tags, value, holder -> Gauge.builder(name, holder, AtomicLong::get)
                .description(description).tags(tags).register(registry));
    }

    /** Sets the counter {@code name} with {@code tags} to {@code value} (a running total kept elsewhere). */
    public void counter(String name, String description, Tags tags, long value) {
        holder(name, tags, value, holder -> FunctionCounter.builder(name, holder, AtomicLong::get)
                .description(description).tags(tags).register(registry));
    }

    private void holder(String name, Tags tags, long value, Function<AtomicLong, Meter> register) {
        String key = name + tags;
        AtomicLong holder = values.computeIfAbsent(key, k -> new AtomicLong());
        holder.set(value);
        meters.computeIfAbsent(key, k -> register.apply(holder));
        set.add(key);
    }

    /** Removes every meter not set since the last call: the end of a refresh. */
    public void removeUnset() {
        meters.entrySet().removeIf(e -> {
            if (set.contains(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue());
            values.remove(e.getKey());
            return true;
        });
        set.clear();
    }
}
