package io.spindle.broker.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP listener for operators, on its own port (metrics.host:metrics.port):
 * <ul>
 *   <li>{@code GET /metrics}: every meter in the Prometheus text format, or OpenMetrics when the Accept header
 *       asks for {@code application/openmetrics-text};</li>
 *   <li>{@code GET /health/live}: 200 while the process runs;</li>
 *   <li>{@code GET /health/ready}: 200 once the logs are recovered and the Kafka listener accepts; 503 before,
 *       after shutdown begins, and while a partition is offline, with the reason in the body ({@link Readiness}).</li>
 * </ul>
 * It starts before log recovery, so a probe sees 503 rather than a refused connection while a broker with much
 * data comes up. One thread serves it: scrapes are rare and cheap.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts {@code server} from a daemon thread. The JDK's HTTP server starts a dispatcher thread that takes its
     * daemon status from the thread that calls {@code start()}; started from the broker's main thread it was a
     * non-daemon thread that kept the JVM alive after the broker had died (a jar rebuilt under a running broker did
     * that: the main thread failed with NoClassDefFoundError and the process stayed up, half closed).
     */
    private static void startAsDaemon(HttpServer server) {
        RuntimeException[] failure = new RuntimeException[1];
        Thread starter = new Thread(() -> {
            try {
                server.start();
            } catch (RuntimeException e) {
                failure[0] = e;
            }
        }, "spindle-metrics-start");
        starter.setDaemon(true);
        starter.start();
        boolean interrupted = false;
        while (true) {
            try {
                starter.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    public static MetricsServer start(String host, int port, BrokerMetrics metrics, Readiness readiness) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the metrics listener to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spindle-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> {
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
            respond(exchange, 200, openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                    : "text/plain; version=0.0.4; charset=utf-8", metrics.scrape(accept));
        });
        server.createContext("/health/live", exchange -> respond(exchange, 200, "text/plain", "live\n"));
        server.createContext("/health/ready", exchange -> {
            String problem = readiness.problem();
            respond(exchange, problem == null ? 200 : 503, "text/plain",
                    problem == null ? "ready\n" : "not ready: " + problem + "\n");
        });
        startAsDaemon(server);
        return new MetricsServer(server, executor);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                byte[] msg = ("method " + exchange.getRequestMethod() + " not allowed\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(405, msg.length);
                exchange.getResponseBody().write(msg);
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (!path.equals(exchange.getHttpContext().getPath())) {
                byte[] msg = ("no such path " + path + "\n").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(404, msg.length);
                exchange.getResponseBody().write(msg);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("metrics request failed: {}", e.toString());
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String host() {
        return server.getAddress().getHostString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
