package io.spindle.metadata;

/**
 * Producer ids {@code [firstProducerId, firstProducerId + size)} handed to one broker: no other broker gets any of
 * them, so idempotent and transactional producers of different brokers never share an id.
 */
public record ProducerIdBlock(int brokerId, long firstProducerId, int size) {
    /** How many ids a block holds (Kafka's block size). */
    public static final int SIZE = 1000;

    public long lastProducerId() {
        return firstProducerId + size - 1;
    }
}
