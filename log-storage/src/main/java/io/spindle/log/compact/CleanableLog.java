package io.spindle.log.compact;

import io.spindle.config.TopicConfig;
import io.spindle.log.AbortedTransaction;
import io.spindle.log.compact.BatchRewriter.EmptyBatchPolicy;
import io.spindle.log.compact.SegmentCleaner.SegmentFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * What the {@link LogCleaner} needs of a partition log: its shape, its sealed segment files, and the crash-safe swap
 * of cleaned files in their place. Implemented by the partition log; every method is safe to call from a cleaner
 * thread while the log takes appends and reads.
 */
public interface CleanableLog {
    /** "topic-partition": names the log in the cleaner checkpoint and in log lines. */
    String name();

    TopicConfig config();

    /** The partition directory, where the cleaned files are written. */
    Path directory();

    long logStartOffset();

    long logEndOffset();

    /** True once a write or fsync failed: an offline log is not cleaned. */
    boolean isOffline();

    /** Every segment, oldest first, the active one last. */
    List<CleaningPlan.SegmentSummary> segmentSummaries();

    /**
     * The sealed segments that hold offsets in [from, to), oldest first: the first is the one holding {@code from}
     * (or the first after it), the last the one before the segment starting at or after {@code to}. Never the active
     * segment.
     */
    List<SegmentFile> sealedSegments(long from, long to);

    /** The first offset of the earliest open transaction, or {@code Long.MAX_VALUE}: the cleaner stays below it. */
    long firstUnstableOffset();

    /**
     * The aborted transactions with a marker at or after {@code from} and a first offset below {@code to}, in marker
     * order (from the log's aborted-transaction index): their batches are what a clean removes.
     */
    List<AbortedTransaction> abortedTransactions(long from, long to);

    /** Which emptied batches a clean keeps: each idempotent producer's last batch, so its sequence survives. */
    EmptyBatchPolicy producerLastBatches();

    /**
     * Swaps {@code cleaned} (files {@code <base>.log.cleaned} in {@link #directory()}, forced) in for
     * {@code replaced} (consecutive sealed segments, as {@link #sealedSegments} gave them), crash-safely. Readers
     * holding a slice of a replaced segment keep reading it.
     *
     * @param releases where the log drops its own references to the replaced segments once the swap is done. The last
     *                 reference to an unlinked file frees its page cache, which costs the thread that drops it tens of
     *                 milliseconds per 64 MiB segment (a sixth of a 256 MiB clean in issue 13's benchmark), so the
     *                 cleaner runs it beside its next work instead of before it records the clean. Nothing on disk
     *                 depends on it: the files are already unlinked and the directory forced.
     * @return false, having deleted the cleaned files, when the log no longer holds exactly {@code replaced}
     *         (retention or a truncation changed it meanwhile); the clean is then simply lost
     */
    boolean replaceSegments(List<SegmentFile> replaced, List<SegmentFile> cleaned, Executor releases)
            throws IOException;
}
