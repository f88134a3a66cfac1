package io.spindle.client;

import io.spindle.test.EmbeddedBrokerExtension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Resolves {@link Spindle} parameters of a class annotated with {@code @EmbeddedBroker}: a connection to its
 * broker, closed when the method (or class, for a lifecycle method) that asked for it is done.
 */
final class ConnectedSpindle implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ConnectedSpindle.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Spindle.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Spindle spindle = Spindle.connect(EmbeddedBrokerExtension.broker(context).bootstrapServers());
        context.getStore(NAMESPACE).put(new Object(), spindle);
        return spindle;
    }
}
