package io.spindle.broker.admin;

import org.apache.kafka.common.errors.ApiException;
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
}
