package io.spindle.test;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContextException;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit 5 extension behind {@link EmbeddedBroker}. The broker lives in the store of the annotated class's
 * context, which closes it (an AutoCloseable value) when the class is done; nested classes share their outer
 * class's broker. Another extension can build on it (inject a client, say) through {@link #broker}.
 */
public final class EmbeddedBrokerExtension implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedBrokerExtension.class);
    private static final String BROKER = "broker";

    @Override
    public void beforeAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        if (store.get(BROKER, EmbeddedSpindle.class) != null) {
            return;     // a nested class: the outer class's broker serves it
        }
        EmbeddedBroker annotation = context.getRequiredTestClass().getAnnotation(EmbeddedBroker.class);
        Map<String, String> settings = new LinkedHashMap<>();
        if (annotation != null) {
            for (String setting : annotation.value()) {
                int equals = setting.indexOf('=');
                if (equals <= 0) {
                    throw new ExtensionContextException("@EmbeddedBroker setting '" + setting + "' on "
                            + context.getRequiredTestClass().getName() + " is not key=value");
                }
                settings.put(setting.substring(0, equals).strip(), setting.substring(equals + 1).strip());
            }
        }
        store.put(BROKER, EmbeddedSpindle.start(settings));
    }

    /**
     * The broker serving {@code context} (a test class annotated with {@link EmbeddedBroker}, one nested in it, or
     * one of their tests).
     *
     * @throws ParameterResolutionException when no enclosing class is annotated
     */
    public static EmbeddedSpindle broker(ExtensionContext context) {
        EmbeddedSpindle broker = context.getStore(NAMESPACE).get(BROKER, EmbeddedSpindle.class);
        if (broker == null) {
            throw new ParameterResolutionException("No embedded broker for "
                    + context.getTestClass().map(Class::getName).orElse(context.getDisplayName())
                    + ": is the test class annotated with @EmbeddedBroker?");
        }
        return broker;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedSpindle.class || (type == String.class && parameter.isAnnotated(BootstrapServers.class));
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedSpindle broker = broker(context);
        return parameter.getParameter().getType() == EmbeddedSpindle.class ? broker : broker.bootstrapServers();
    }
}
