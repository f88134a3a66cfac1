package io.spindle.broker.admin;

import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The per-resource error of an admin request, from the exception that refused it. */
final class AdminErrors {
    private static final Logger log = LoggerFactory.getLogger(AdminErrors.class);

    private AdminErrors() {
    }

    /** The Kafka error for {@code failure}; one that is not a Kafka API error is logged (it is a bug or an I/O failure). */
    static ApiError of(String operation, String resource, RuntimeException failure) {
        if (!(failure instanceof ApiException)) {
            log.warn("{} of '{}' failed unexpectedly", operation, resource, failure);
        }
        return ApiError.fromThrowable(failure);
    }

    /** Config changes apply to topics only: broker configs are static, other resource types unknown here. */
    static void requireTopicResource(byte resourceType) {
        ConfigResource.Type type = ConfigResource.Type.forId(resourceType);
        if (type == ConfigResource.Type.BROKER) {
            throw new InvalidRequestException("Broker configs are static in Spindle: set them in the broker's "
                    + "config file, environment or command line and restart.");
        }
        if (type != ConfigResource.Type.TOPIC) {
            throw new InvalidRequestException("Spindle does not alter configs of resource type " + type + ".");
        }
    }
}
