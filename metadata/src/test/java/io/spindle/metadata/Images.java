package io.spindle.metadata;

import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Builds images for tests by applying commands, as the quorum would, with consecutive log offsets. */
final class Images {
    private MetadataImage image = MetadataImage.EMPTY;
    private long offset;

    Images apply(MetadataCommand command) {
        image = command.applyTo(image, ++offset);
        return this;
    }

    /** Registers and unfences a broker with an endpoint on 127.0.0.1:9090+id. */
    Images liveBroker(int id, String rack) {
        apply(new RegisterBroker(id, UUID.nameUUIDFromBytes(("broker-" + id).getBytes()),
                List.of(new BrokerEndpoint("PLAINTEXT", "127.0.0.1", 9090 + id)), Optional.ofNullable(rack)));
        return apply(new UnfenceBroker(id, image.brokers().get(id).epoch()));
    }

    MetadataImage image() {
        return image;
    }

    long offset() {
        return offset;
    }
}
