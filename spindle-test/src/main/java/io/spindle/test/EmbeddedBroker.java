package io.spindle.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class an {@link EmbeddedSpindle}: started before the class's first test on a free port of
 * 127.0.0.1 with a temporary data directory, closed (and the directory deleted) after its last; nested classes
 * share it. Test methods, lifecycle methods and constructors receive it as parameters:
 * {@code @BootstrapServers String servers} or {@code EmbeddedSpindle broker}.
 *
 * <pre>{@code
 * @EmbeddedBroker
 * class OrdersTest {
 *     @Test
 *     void sends(@BootstrapServers String servers) {
 *         try (Producer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", servers), ...)) { ... }
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(EmbeddedBrokerExtension.class)
public @interface EmbeddedBroker {
    /** Broker settings as "key=value", e.g. {@code @EmbeddedBroker({"num.partitions=3"})}. */
    String[] value() default {};
}
