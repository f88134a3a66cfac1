package io.spindle.client;

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
 * class's broker. A {@link Spindle} parameter lives in the store of the context asking for it.
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

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedSpindle.class || type == Spindle.class
                || (type == String.class && parameter.isAnnotated(BootstrapServers.class));
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedSpindle broker = context.getStore(NAMESPACE).get(BROKER, EmbeddedSpindle.class);
        if (broker == null) {
            throw new ParameterResolutionException("No embedded broker for " + parameter.getParameter()
                    + ": is the test class annotated with @EmbeddedBroker?");
        }
        Class<?> type = parameter.getParameter().getType();
        if (type == EmbeddedSpindle.class) {
            return broker;
        }
        if (type == String.class) {
            return broker.bootstrapServers();
        }
        Spindle spindle = broker.connect();
        context.getStore(NAMESPACE).put(new Object(), spindle);
        return spindle;
    }
}
