package io.spindle.broker.fault;

import io.spindle.broker.SpindleBroker;
import io.spindle.config.BrokerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of a broker in a child JVM, for tests that kill it ({@link BrokerProcess}). Arguments:
 * the path of a ready file, then broker settings as {@code key=value}. Once the broker serves, its port is
 * written to the ready file (atomically, by rename); then the process waits to be killed. SIGTERM closes the
 * broker cleanly through a shutdown hook, as the {@code spindle broker} command's process does
 * ({@link SpindleBroker#closeForExit}: the process ends right after, so the segments' mappings are left to it).
 */
public final class ChildBroker {
    private ChildBroker() {
    }

    public static void main(String[] args) throws Exception {
        Path readyFile = Path.of(args[0]);
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        SpindleBroker broker = SpindleBroker.start(BrokerConfig.of(settings));
        Runtime.getRuntime().addShutdownHook(new Thread(broker::closeForExit, "child-broker-shutdown"));
        Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(broker.port()), StandardCharsets.US_ASCII);
        Files.move(tmp, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        new CountDownLatch(1).await();
    }
}
