package io.spindle.broker.share;

import io.spindle.log.BatchHeader;
import io.spindle.log.LogSlice;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
 * <p>One per read slice, asked only about records never delivered, in increasing offsets: a question about an offset
 * past the batches scanned so far scans the batches up to the one holding it, so a fetch that acquires the first few
 * hundred records of a megabyte read looks at their batches only. A batch stored uncompressed whose bytes do not
 * contain the header's name is skipped without decoding; that search skips ahead by up to the name's length per
 * step (Horspool), since it runs over every byte a share group is handed for the first time. Before both (a full
 * scan of each read with a byte-by-byte search) this scan was two thirds of a broker's CPU samples in a share-group
 * catch-up of 1 KiB records.
 */
final class DeliverAtHeaders {
    /** The header's name. */
    static final String HEADER = "spindle.deliver.at";
    private static final byte[] NAME = HEADER.getBytes(StandardCharsets.UTF_8);
    private static final int COMPRESSION_MASK = 0x07;

    private static final int[] SKIP = skipTable(NAME);

    private final LogSlice slice;
    private final Map<Long, Long> times = new HashMap<>();
    /** Offsets below this are scanned (the next offset of the last batch scanned). */
    private long scannedEnd = Long.MIN_VALUE;

    DeliverAtHeaders(LogSlice slice) {
        this.slice = slice;
    }

    /** The epoch millis before which the record at {@code offset} must not be delivered; 0 for none. */
    long deliverAt(long offset) {
        if (offset >= scannedEnd && !slice.isEmpty()) {
            scanThrough(offset);
        }
        return times.getOrDefault(offset, 0L);
    }

    /** Scans the batches not scanned yet up to the one holding {@code offset} (or the slice's end). */
    private void scanThrough(long offset) {
        slice.forEachBatch(header -> {
            if (header.nextOffset() <= scannedEnd || header.baseOffset() > offset) {
                return;
            }
            scannedEnd = header.nextOffset();
            if (header.isControl() || header.magic() != BatchHeader.CURRENT_MAGIC) {
                return;
            }
            ByteBuffer batch = slice.copyBatch(header);
            if ((header.attributes() & COMPRESSION_MASK) == 0 && !contains(batch.array(), batch.arrayOffset(),
                    batch.arrayOffset() + batch.limit())) {
                return;
            }
            for (RecordBatch decoded : MemoryRecords.readableRecords(batch).batches()) {
                for (Record record : decoded) {
                    long at = deliverAt(record.headers());
                    if (at > 0) {
                        times.put(record.offset(), at);
                    }
                }
            }
        });
        if (offset >= scannedEnd) {
            scannedEnd = offset + 1;   // in no batch (a hole compaction left, or past the slice): nothing to find
        }
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

    /** Whether {@code bytes[from, to)} contains the header's name (Horspool: shifts by the table of its last byte). */
    static boolean contains(byte[] bytes, int from, int to) {
        int last = NAME.length - 1;
        for (int i = from + last; i < to; i += SKIP[bytes[i] & 0xff]) {
            int j = last;
            while (j >= 0 && bytes[i - last + j] == NAME[j]) {
                j--;
            }
            if (j < 0) {
                return true;
            }
        }
        return false;
    }

    private static int[] skipTable(byte[] needle) {
        int[] skip = new int[256];
        Arrays.fill(skip, needle.length);
        for (int i = 0; i < needle.length - 1; i++) {
            skip[needle[i] & 0xff] = needle.length - 1 - i;
        }
        return skip;
    }
}
