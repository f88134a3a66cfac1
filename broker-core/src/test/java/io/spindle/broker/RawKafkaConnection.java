package io.spindle.broker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A bare TCP connection that speaks Kafka framing by hand: for sending exactly the bytes a test wants
 * (well-formed requests serialized by kafka-clients, or hostile ones) and reading responses one by one.
 */
public final class RawKafkaConnection implements AutoCloseable {
    private static final int READ_TIMEOUT_MS = 15_000;

    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    public RawKafkaConnection(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(READ_TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    public static RawKafkaConnection to(TestBroker broker) throws IOException {
        return new RawKafkaConnection("127.0.0.1", broker.port());
    }

    /** Sends bytes as they are, no framing. */
    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one frame: a 4-byte length, then {@code body}. */
    public void sendFrame(byte[] body) throws IOException {
        out.writeInt(body.length);
        out.write(body);
        out.flush();
    }

    /** Sends {@code request} at its version with a header, returning the header (to parse the response with). */
    public RequestHeader send(AbstractRequest request, int correlationId) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", correlationId);
        sendFrame(bytes(request.serializeWithHeader(header)));
        return header;
    }

    /** Sends {@code request} serialized at its own version, but with a header claiming {@code claimedVersion}. */
    public void sendClaimingVersion(AbstractRequest request, short claimedVersion, int correlationId) throws IOException {
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw-test", correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        frame.putShort(frame.position() + 2, claimedVersion);     // request_api_version follows request_api_key
        sendFrame(bytes(frame));
    }

    /** Reads one response frame and parses it as the response to {@code header}. */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R receive(RequestHeader header) throws IOException {
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(receiveFrame()), header);
    }

    /** Reads one response frame's body. */
    public byte[] receiveFrame() throws IOException {
        int size = in.readInt();
        byte[] body = new byte[size];
        in.readFully(body);
        return body;
    }

    public <R extends AbstractResponse> R roundTrip(AbstractRequest request, int correlationId) throws IOException {
        return receive(send(request, correlationId));
    }

    /** True when the broker closes the connection (end of stream or reset) before sending anything more. */
    public boolean closedByBroker() throws IOException {
        try {
            return in.read() == -1;
        } catch (EOFException | SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** The header bytes of a request for {@code key} at {@code version}, then nothing: for hostile frames. */
    public static byte[] headerOnly(short apiKey, short version, int correlationId) {
        ByteBuffer buffer = ByteBuffer.allocate(2 + 2 + 4 + 2);
        buffer.putShort(apiKey).putShort(version).putInt(correlationId).putShort((short) -1);
        return buffer.array();
    }

    public static short id(ApiKeys key) {
        return key.id;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
