package io.spindle.metadata;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.spindle.metadata.MetadataException.Reason;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * What the quorum leader answers to a submitted command, after applying it: accepted at a log index with the
 * command's number ({@link MetadataCommand#resultIn}), or refused with a reason and message.
 * Wire form: {@code [0][index:8][value:8]} or {@code [1][reason code:4][message length:4][UTF-8 message]}.
 */
record CommandReply(long index, long value, MetadataException refusal) {

    static CommandReply accepted(long index, long value) {
        return new CommandReply(index, value, null);
    }

    static CommandReply refused(long index, MetadataException refusal) {
        return new CommandReply(index, 0, refusal);
    }

    byte[] encode() {
        if (refusal == null) {
            return ByteBuffer.allocate(17).put((byte) 0).putLong(index).putLong(value).array();
        }
        byte[] message = String.valueOf(refusal.getMessage()).getBytes(UTF_8);
        return ByteBuffer.allocate(9 + message.length).put((byte) 1).putInt(refusal.reason().code())
                .putInt(message.length).put(message).array();
    }

    static CommandReply decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() == 0) {
                return accepted(in.getLong(), in.getLong());
            }
            Reason reason = Reason.ofCode(in.getInt());
            byte[] message = new byte[in.getInt()];
            in.get(message);
            return refused(-1, new MetadataException(reason, new String(message, UTF_8)));
        } catch (BufferUnderflowException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new MetadataException(Reason.QUORUM_UNAVAILABLE, "Malformed reply of " + bytes.length
                    + " bytes from the metadata quorum", e);
        }
    }
}
