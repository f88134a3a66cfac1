package io.spindle.broker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * "Ready" as a client sees it: a Metadata request (v12, which Kafka 4.x and Spindle both serve, serialized by
 * kafka-clients) on a fresh connection is answered and names at least one broker. One attempt per call, with a
 * short timeout, so a caller can poll it from a process's start. Used by {@code spindle broker --exit-when-ready}
 * (the class-data sharing training run serves one request) and by perf's broker processes, for Spindle and Kafka.
 */
public final class MetadataProbe {
    private static final short VERSION = 12;
    private static final int TIMEOUT_MS = 2_000;

    private MetadataProbe() {
    }

    public static boolean ready(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            MetadataRequest request = new MetadataRequest.Builder(new MetadataRequestData()
                    .setTopics(List.of()).setAllowAutoTopicCreation(false)).build(VERSION);
            RequestHeader header = new RequestHeader(request.apiKey(), VERSION, "spindle-metadata-probe", 1);
            ByteBuffer frame = request.serializeWithHeader(header);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            MetadataResponse response = (MetadataResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(body), header);
            return !response.brokers().isEmpty();
        } catch (IOException | RuntimeException e) {
            return false;       // not listening yet, or not answering yet: the caller asks again
        }
    }
}
