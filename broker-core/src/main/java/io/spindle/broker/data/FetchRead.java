package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.log.LogSlice;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.requests.FetchResponse;

/**
 * The outcome of reading a {@link FetchPlan} once: the response and the log slices it sends zero-copy. Closing
 * it closes the slices; once it became a response, the network layer closes it after writing or dropping it.
 */
final class FetchRead implements AutoCloseable {
    private final FetchResponseData data;
    private final List<LogSlice> slices;
    private final long bytes;
    private final boolean anyError;

    FetchRead(FetchResponseData data, List<LogSlice> slices, long bytes, boolean anyError) {
        this.data = data;
        this.slices = slices;
        this.bytes = bytes;
        this.anyError = anyError;
    }

    /** Kafka answers at once when enough bytes are there or any partition has an error. */
    boolean satisfies(int minBytes) {
        return anyError || bytes >= minBytes;
    }

    long bytes() {
        return bytes;
    }

    ApiResponse toResponse() {
        return new ApiResponse(FetchResponse.of(data), this);
    }

    @Override
    public void close() {
        for (LogSlice slice : slices) {
            slice.close();
        }
    }
}
