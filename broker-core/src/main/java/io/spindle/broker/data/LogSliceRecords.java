package io.spindle.broker.data;

import io.spindle.log.LogSlice;
import java.io.IOException;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.internal.DefaultRecordsSend;
import org.apache.kafka.common.record.internal.RecordsSend;
import org.apache.kafka.common.record.internal.TransferableRecords;

/**
 * A {@link LogSlice} as the records of a Fetch response partition. Kafka's SendBuilder sends records that are
 * not MemoryRecords as a separate {@link RecordsSend}; this one moves the slice's bytes from the segment file to
 * the socket with {@link TransferableChannel#transferFrom} (sendfile where the OS has it), so record bytes never
 * pass through the Java heap on the fetch path.
 *
 * <p>Does not own the slice: the response's release action closes it once the response has been written or
 * dropped.
 */
public final class LogSliceRecords implements TransferableRecords {
    private final LogSlice slice;

    public LogSliceRecords(LogSlice slice) {
        this.slice = slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.sizeInBytes();
    }

    @Override
    public RecordsSend<LogSliceRecords> toSend() {
        return new DefaultRecordsSend<>(this);
    }

    /** Writes up to {@code length} bytes starting {@code position} bytes into the slice. */
    @Override
    public int writeTo(TransferableChannel channel, int position, int length) throws IOException {
        long count = Math.min(length, (long) slice.sizeInBytes() - position);
        return (int) channel.transferFrom(slice.channel(), slice.filePosition() + position, count);
    }

    @Override
    public String toString() {
        return "LogSliceRecords[" + slice + "]";
    }
}
