package io.spindle.broker.admin;

import io.spindle.config.ConfigException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The configs of a GROUP resource when several coordinators keep parts of them, as Kafka's group configs are one set
 * per group id whatever the group's type: the consumer group coordinator keeps consumer.*, the share-group coordinator
 * share.*. Each name belongs to the one part that lists it; a change is checked by every part it touches before any
 * part stores it, so a request with one bad value changes nothing.
 */
public final class CombinedGroupConfigs implements GroupConfigs {
    private final List<GroupConfigs> parts;
    private final Set<String> names;

    /** @throws IllegalArgumentException when two parts claim the same name */
    public CombinedGroupConfigs(List<GroupConfigs> parts) {
        this.parts = List.copyOf(parts);
        Set<String> all = new LinkedHashSet<>();
        for (GroupConfigs part : this.parts) {
            for (String name : part.names()) {
                if (!all.add(name)) {
                    throw new IllegalArgumentException("group config '" + name + "' is claimed twice");
                }
            }
        }
        this.names = Collections.unmodifiableSet(all);
    }

    @Override
    public Set<String> names() {
        return names;
    }

    @Override
    public String documentation(String name) {
        return owner(name).documentation(name);
    }

    @Override
    public Map<String, String> overrides(String group) {
        Map<String, String> all = new LinkedHashMap<>();
        parts.forEach(part -> all.putAll(part.overrides(group)));
        return all;
    }

    @Override
    public Map<String, String> values(String group) {
        Map<String, String> all = new LinkedHashMap<>();
        parts.forEach(part -> all.putAll(part.values(group)));
        return all;
    }

    @Override
    public void replace(String group, Map<String, String> overrides, boolean validateOnly) {
        Map<GroupConfigs, Map<String, String>> split = new LinkedHashMap<>();
        parts.forEach(part -> split.put(part, new TreeMap<>()));
        overrides.forEach((name, value) -> split.get(owner(name)).put(name, value));
        List<GroupConfigs> changed = new ArrayList<>();
        split.forEach((part, wanted) -> {
            if (!wanted.equals(part.overrides(group))) {
                part.replace(group, wanted, true);
                changed.add(part);
            }
        });
        if (!validateOnly) {
            changed.forEach(part -> part.replace(group, split.get(part), false));
        }
    }

    @Override
    public void keepInMetadata(BiConsumer<String, Set<String>> forget) {
        parts.forEach(part -> part.keepInMetadata(forget));
    }

    /** Each part gets the configs it lists (none: it has none for the group). */
    @Override
    public void apply(String group, Map<String, String> configs) {
        for (GroupConfigs part : parts) {
            Map<String, String> own = new TreeMap<>(configs);
            own.keySet().retainAll(part.names());
            part.apply(group, own);
        }
    }

    private GroupConfigs owner(String name) {
        for (GroupConfigs part : parts) {
            if (part.names().contains(name)) {
                return part;
            }
        }
        throw new ConfigException(name, "Unknown group config '" + name + "': a group may set "
                + String.join(", ", names));
    }
}
