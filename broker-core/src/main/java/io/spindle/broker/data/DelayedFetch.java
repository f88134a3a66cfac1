package io.spindle.broker.data;

import io.spindle.broker.ApiResponse;
import io.spindle.broker.partition.Partition;
import java.util.List;

/** A fetch waiting in the {@link FetchPurgatory} for min_bytes to arrive or max_wait_ms to pass. */
final class DelayedFetch extends DelayedRead {
    final FetchPlan plan;

    DelayedFetch(FetchPlan plan, long connectionId) {
        super(connectionId);
        this.plan = plan;
    }

    @Override
    public List<Partition> partitions() {
        return plan.partitions();
    }

    @Override
    protected ApiResponse attempt(boolean force) {
        FetchRead read = plan.read();
        if (!force && !read.satisfies(plan.minBytes())) {
            read.close();
            return null;
        }
        return read.toResponse();
    }
}
