package io.spindle.client;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a JUnit 5 test class an {@link EmbeddedSpindle}: started before the class's first test, closed after its
 * last. Test methods, lifecycle methods and constructors receive it as parameters:
 * {@code @BootstrapServers String bootstrap}, {@code EmbeddedSpindle broker}, or {@code Spindle spindle} (a
 * connection closed after the method).
 *
 * <pre>{@code
 * @EmbeddedBroker
 * class OrdersTest {
 *     @Test
 *     void sends(Spindle spindle) { ... }
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
