package io.spindle.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the byte stream of one connection into Kafka request frames: a 4-byte big-endian length, then that
 * many bytes. Emits each frame's body (without the length) as a retained slice; the consumer releases it.
 *
 * <p>A length below zero or above {@code maxFrameBytes} (socket.request.max.bytes) closes the connection
 * with one log line before anything is buffered for it, so a hostile length prefix costs no memory.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);
    static final int LENGTH_BYTES = 4;

    private final int maxFrameBytes;
    private boolean rejected;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (rejected) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < LENGTH_BYTES) {
            return;
        }
        int size = in.getInt(in.readerIndex());
        if (size < 0 || size > maxFrameBytes) {
            rejected = true;
            in.skipBytes(in.readableBytes());
            log.warn("Closing connection from {}: request size {} is outside 0..{} (socket.request.max.bytes)",
                    ctx.channel().remoteAddress(), size, maxFrameBytes);
            ctx.close();
            return;
        }
        if (in.readableBytes() < LENGTH_BYTES + size) {
            return;
        }
        in.skipBytes(LENGTH_BYTES);
        out.add(in.readRetainedSlice(size));
    }
}
