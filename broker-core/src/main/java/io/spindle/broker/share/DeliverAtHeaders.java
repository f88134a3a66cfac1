package io.spindle.broker.share;

import io.spindle.log.BatchHeader;
import io.spindle.log.LogSlice;
import io.spindle.share.SharePartition;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * The delivery times records ask for with the header {@value #HEADER}: share groups do not deliver such a record before
 * that time (consumer groups and plain fetches see it at once). The value is the time as epoch milliseconds in decimal
 * ASCII digits ({@code 1796083200000}); a value that is not that (empty, not digits, negative, too large) is ignored, so
 * the record is delivered as if it had no header; of several such headers the last counts.
 *
 * <p>One per read slice, asked only about records never delivered: the first question copies and scans the slice's
 * batches once. A batch stored uncompressed whose bytes do not contain the header's name is skipped without decoding.
 */
final class DeliverAtHeaders implements SharePartition.DeliveryTimes {
    /** The header's name. */
    static final String HEADER = "spindle.deliver.at";
    private static final byte[] NAME = HEADER.getBytes(StandardCharsets.UTF_8);
    private static final int COMPRESSION_MASK = 0x07;

    private final LogSlice slice;
    private Map<Long, Long> times;

    DeliverAtHeaders(LogSlice slice) {
        this.slice = slice;
    }

    @Override
    public long deliverAt(long offset) {
        if (times == null) {
            times = scan();
        }
        return times.getOrDefault(offset, 0L);
    }

    private Map<Long, Long> scan() {
        Map<Long, Long> found = new HashMap<>();
        if (slice.isEmpty()) {
            return found;
        }
        slice.forEachBatch(header -> {
            if (header.isControl() || header.magic() != BatchHeader.CURRENT_MAGIC) {
                return;
            }
            ByteBuffer batch = slice.copyBatch(header);
            if ((header.attributes() & COMPRESSION_MASK) == 0 && !contains(batch, NAME)) {
                return;
            }
            for (RecordBatch decoded : MemoryRecords.readableRecords(batch).batches()) {
                for (Record record : decoded) {
                    long at = deliverAt(record.headers());
                    if (at > 0) {
                        found.put(record.offset(), at);
                    }
                }
            }
        });
        return found;
    }

    /** The time the headers ask for, or 0 when they ask for none (or for it malformed). */
    static long deliverAt(Header[] headers) {
        long at = 0;
        for (Header header : headers) {
            if (HEADER.equals(header.key())) {
                at = parse(header.value());
            }
        }
        return at;
    }

    /** Decimal ASCII digits to epoch millis; 0 for anything else. */
    static long parse(byte[] value) {
        if (value == null || value.length == 0 || value.length > 18) {
            return 0;
        }
        long millis = 0;
        for (byte digit : value) {
            if (digit < '0' || digit > '9') {
                return 0;
            }
            millis = millis * 10 + (digit - '0');
        }
        return millis;
    }

    private static boolean contains(ByteBuffer haystack, byte[] needle) {
        int last = haystack.limit() - needle.length;
        outer:
        for (int i = haystack.position(); i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack.get(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
