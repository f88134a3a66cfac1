package io.spindle.metadata;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A broker as the quorum knows it. The epoch is the metadata log index of the registration that created this
 * incarnation, so a restarted broker (new incarnation) gets a higher epoch and its old self's requests are stale.
 * A fenced broker leads no partition and is given no new replicas; brokers register fenced and are unfenced when
 * they say they have caught up.
 *
 * @param id          the broker's node id
 * @param incarnation a random id the broker process picks at each start
 * @param epoch       the log index of its registration
 * @param endpoints   where it serves clients, at least one
 * @param rack        its rack, or empty
 * @param fenced      whether it is fenced
 */
public record BrokerRegistration(int id, UUID incarnation, long epoch, List<BrokerEndpoint> endpoints,
                                 Optional<String> rack, boolean fenced) {
    public BrokerRegistration {
        Objects.requireNonNull(incarnation, "incarnation");
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(rack, "rack");
    }

    BrokerRegistration withFenced(boolean nowFenced) {
        return new BrokerRegistration(id, incarnation, epoch, endpoints, rack, nowFenced);
    }
}
