package io.spindle.broker.cluster;

import io.spindle.broker.admin.GroupConfigs;
import io.spindle.metadata.MetadataCommand;
import io.spindle.metadata.MetadataCommand.AlterGroupConfigs;
import io.spindle.metadata.MetadataImage;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The configs of GROUP resources on a cluster broker: kept in the metadata quorum's image, as Kafka's controller keeps
 * them in its metadata log, so that any broker takes a change, not only the group's coordinator. A change is checked
 * here by the coordinators' own rules (unknown names, values out of the broker's bounds: the errors a single broker
 * gives), submitted to the quorum as {@link AlterGroupConfigs}, and returns once every live broker serves it; each
 * broker's {@link ImageApplier} hands it to its coordinators. Reads come from this broker's image. Thread-safe.
 */
final class QuorumGroupConfigs implements GroupConfigs {
    private final Supplier<MetadataImage> image;
    private final GroupConfigs coordinators;
    private final Consumer<MetadataCommand> change;

    /**
     * @param coordinators the coordinators' configs: their names, rules and the values they make
     * @param change       submits a command and returns once every live broker serves it
     */
    QuorumGroupConfigs(Supplier<MetadataImage> image, GroupConfigs coordinators, Consumer<MetadataCommand> change) {
        this.image = image;
        this.coordinators = coordinators;
        this.change = change;
    }

    @Override
    public Set<String> names() {
        return coordinators.names();
    }

    @Override
    public String documentation(String name) {
        return coordinators.documentation(name);
    }

    @Override
    public Map<String, String> overrides(String group) {
        return image.get().groupConfigs(group);
    }

    /** The coordinators' values, with the image's own configs on top (the coordinators may apply them a moment later). */
    @Override
    public Map<String, String> values(String group) {
        Map<String, String> values = new LinkedHashMap<>(coordinators.values(group));
        values.putAll(overrides(group));
        return values;
    }

    @Override
    public void replace(String group, Map<String, String> overrides, boolean validateOnly) {
        coordinators.replace(group, overrides, true);
        Map<String, String> current = overrides(group);
        if (validateOnly || current.equals(overrides)) {
            return;
        }
        Set<String> removed = new HashSet<>(current.keySet());
        removed.removeAll(overrides.keySet());
        change.accept(new AlterGroupConfigs(group, overrides, removed));
    }

    /** Already: this is the metadata's view. */
    @Override
    public void keepInMetadata(BiConsumer<String, Set<String>> forget) {
    }

    @Override
    public void apply(String group, Map<String, String> configs) {
        coordinators.apply(group, configs);
    }
}
