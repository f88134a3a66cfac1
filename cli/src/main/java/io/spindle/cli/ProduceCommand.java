package io.spindle.cli;

import io.spindle.client.Sent;
import io.spindle.client.Spindle;
import io.spindle.client.SpindleException;
import io.spindle.client.SpindleProducer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spindle produce TOPIC}: one record per line of stdin (or of a file), UTF-8. With {@code --key-separator}
 * each line is KEY SEP VALUE. It ends when the input ends and every record is acknowledged, printing nothing;
 * a record the broker refuses ends it with status 1.
 */
@Command(name = "produce", description = "Sends each line of stdin (or --file) as a record to a topic.")
final class ProduceCommand implements Callable<Integer> {
    /** Records in flight before the command waits for their acknowledgements. */
    private static final int WINDOW = 1_000;

    @Spec
    CommandSpec spec;
    @Mixin
    ClientOptions client;

    @Parameters(paramLabel = "TOPIC", description = "The topic to send to.")
    String topic;

    @Option(names = "--file", paramLabel = "FILE", description = "Read the lines from FILE instead of stdin.")
    Path file;

    @Option(names = "--key-separator", paramLabel = "SEP",
            description = "Each line is KEY SEP VALUE; a line without SEP has no key.")
    String keySeparator;

    @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A header on every record; repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();

    @Option(names = "--acks", paramLabel = "ACKS", defaultValue = "all",
            description = "all (default: answered once durable per the broker's flush mode), 1 or 0.")
    String acks;

    @Option(names = "--partition", paramLabel = "P",
            description = "Send every record to partition P (default: by key, or spread when there is none).")
    Integer partition;

    @Override
    public Integer call() throws IOException {
        if (!List.of("all", "-1", "1", "0").contains(acks)) {
            throw new ParameterException(spec.commandLine(), "--acks must be all, 1 or 0, not '" + acks + "'");
        }
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--key-separator must not be empty");
        }
        try (BufferedReader lines = open();
             Spindle spindle = client.connect()) {
            SpindleProducer<String, String> producer = spindle.producer(io.spindle.client.Serde.string(),
                    io.spindle.client.Serde.string()).acks(acks).build();
            List<CompletableFuture<Sent>> window = new ArrayList<>();
            String line;
            while ((line = lines.readLine()) != null) {
                String key = null;
                String value = line;
                if (keySeparator != null) {
                    int at = line.indexOf(keySeparator);
                    if (at >= 0) {
                        key = line.substring(0, at);
                        value = line.substring(at + keySeparator.length());
                    }
                }
                window.add(producer.send(topic, partition, key, value, headers));
                if (window.size() >= WINDOW) {
                    awaitAll(window);
                }
            }
            awaitAll(window);
        }
        return SpindleCommand.OK;
    }

    private BufferedReader open() throws IOException {
        if (file == null) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ParameterException(spec.commandLine(), "--file " + file + " does not exist");
        }
    }

    private static void awaitAll(List<CompletableFuture<Sent>> window) {
        try {
            CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SpindleException failure) {
                throw failure;
            }
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io;
            }
            throw e;
        }
        window.clear();
    }
}
