package io.spindle.metadata;

import io.spindle.metadata.MetadataCommand.AllocateProducerIds;
import io.spindle.metadata.MetadataCommand.FenceBroker;
import io.spindle.metadata.MetadataCommand.RegisterBroker;
import io.spindle.metadata.MetadataCommand.SetFeatureLevel;
import io.spindle.metadata.MetadataCommand.UnfenceBroker;
import io.spindle.metadata.MetadataException.Reason;

/** How the broker commands (registration, fencing, producer ids, features) change an image. Pure. */
final class BrokerChanges {
    private BrokerChanges() {
    }

    static MetadataImage register(RegisterBroker command, MetadataImage image, long offset) {
        if (command.brokerId() < 0) {
            throw new MetadataException(Reason.INVALID_COMMAND, "Broker id must be at least 0, not "
                    + command.brokerId());
        }
        if (command.endpoints().isEmpty()) {
            throw new MetadataException(Reason.INVALID_COMMAND, "Broker " + command.brokerId()
                    + " registers without an endpoint");
        }
        BrokerRegistration old = image.brokers().get(command.brokerId());
        if (old != null && old.incarnation().equals(command.incarnation())) {
            return image;
        }
        ImageDraft draft = new ImageDraft(image);
        draft.brokers.put(command.brokerId(), new BrokerRegistration(command.brokerId(), command.incarnation(),
                offset, command.endpoints(), command.rack(), true));
        if (!command.cleanShutdown()) {
            draft.removeAfterUncleanShutdown(command.brokerId());
        } else if (old != null) {
            draft.removeFromLeadershipAndIsr(command.brokerId());
        }
        return draft.build(offset);
    }

    static MetadataImage fence(FenceBroker command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        BrokerRegistration broker = draft.broker(command.brokerId(), command.brokerEpoch());
        if (broker.fenced()) {
            return image;
        }
        draft.brokers.put(broker.id(), broker.withFenced(true));
        draft.removeFromLeadershipAndIsr(broker.id());
        return draft.build(offset);
    }

    static MetadataImage unfence(UnfenceBroker command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        BrokerRegistration broker = draft.broker(command.brokerId(), command.brokerEpoch());
        if (!broker.fenced()) {
            return image;
        }
        draft.brokers.put(broker.id(), broker.withFenced(false));
        draft.electWhereLeaderless(broker.id());
        return draft.build(offset);
    }

    static MetadataImage allocateProducerIds(AllocateProducerIds command, MetadataImage image, long offset) {
        ImageDraft draft = new ImageDraft(image);
        draft.broker(command.brokerId(), command.brokerEpoch());
        ProducerIdBlock block = new ProducerIdBlock(command.brokerId(), draft.nextProducerId, ProducerIdBlock.SIZE);
        draft.lastProducerIdBlock.put(command.brokerId(), block);
        draft.nextProducerId = block.lastProducerId() + 1;
        return draft.build(offset);
    }

    static MetadataImage setFeatureLevel(SetFeatureLevel command, MetadataImage image, long offset) {
        if (command.feature().isEmpty() || command.level() < 0) {
            throw new MetadataException(Reason.INVALID_FEATURE_LEVEL, "Feature '" + command.feature()
                    + "' cannot be set to level " + command.level() + ": a feature needs a name and a level >= 0");
        }
        if (image.featureLevel(command.feature()) == command.level()) {
            return image;
        }
        ImageDraft draft = new ImageDraft(image);
        if (command.level() == 0) {
            draft.features.remove(command.feature());
        } else {
            draft.features.put(command.feature(), command.level());
        }
        return draft.build(offset);
    }
}
