package io.spindle.broker.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Turns a Kafka {@link Send} (a serialized response) into the Netty messages that write it: each byte
 * buffer becomes a ByteBuf wrapping the same memory, and each file range the Send transfers
 * ({@link TransferableChannel#transferFrom}, how record bytes stored in files leave) becomes a
 * {@link DefaultFileRegion}, which the epoll transport sends with sendfile and the NIO transport with
 * FileChannel.transferTo. Record bytes therefore never pass through the Java heap.
 *
 * <p>Nothing is written to the network here: the Send is "written" into this collector, which accepts every
 * byte at once. The buffers must stay unchanged until Netty has written them, which holds for the buffers a
 * response serializes into and for the records an {@code ApiResponse} keeps alive until it is released.
 */
public final class SendParts implements TransferableChannel {
    private final List<Object> parts = new ArrayList<>();

    private SendParts() {
    }

    /** The Netty messages, in wire order, that together write {@code send}. */
    public static List<Object> of(Send send) throws IOException {
        SendParts sink = new SendParts();
        long total = 0;
        while (!send.completed()) {
            long written = send.writeTo(sink);
            if (written <= 0) {
                throw new IOException("Send " + send + " made no progress after " + total + " of " + send.size() + " bytes");
            }
            total += written;
        }
        return sink.parts;
    }

    @Override
    public int write(ByteBuffer source) {
        int length = source.remaining();
        if (length > 0) {
            parts.add(Unpooled.wrappedBuffer(source.slice()));
            source.position(source.limit());
        }
        return length;
    }

    @Override
    public long write(ByteBuffer[] sources, int offset, int length) {
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(sources[i]);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] sources) {
        return write(sources, 0, sources.length);
    }

    @Override
    public long transferFrom(FileChannel file, long position, long count) {
        if (count > 0) {
            parts.add(new BorrowedFileRegion(file, position, count));
        }
        return count;
    }

    @Override
    public boolean hasPendingWrites() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }

    /**
     * A file region over a channel this region does not own: the log segment's channel, kept open by the
     * response's release handle (a LogSlice reference). A DefaultFileRegion closes its channel when
     * released; this one leaves it open. Being a DefaultFileRegion is what lets the epoll transport sendfile it.
     */
    static final class BorrowedFileRegion extends DefaultFileRegion {
        BorrowedFileRegion(FileChannel file, long position, long count) {
            super(file, position, count);
        }

        @Override
        protected void deallocate() {
            // The channel belongs to the segment; the response's release handle gives it back.
        }
    }
}
