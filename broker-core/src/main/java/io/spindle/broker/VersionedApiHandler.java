package io.spindle.broker;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * An {@link ApiHandler} for one API over a fixed range of versions, which is what every handler is: the key and
 * the range are given once, to the constructor, and ApiVersions advertises exactly them.
 */
public abstract class VersionedApiHandler implements ApiHandler {
    private final ApiKeys key;
    private final short minVersion;
    private final short maxVersion;

    /** Serves every version of {@code key} that kafka-clients knows as stable. */
    protected VersionedApiHandler(ApiKeys key) {
        this(key, key.oldestVersion(), key.latestVersion());
    }

    /** Serves versions {@code minVersion} to {@code maxVersion} of {@code key}. */
    protected VersionedApiHandler(ApiKeys key, short minVersion, short maxVersion) {
        if (minVersion > maxVersion) {
            throw new IllegalArgumentException(key + ": min version " + minVersion + " is above max version " + maxVersion);
        }
        this.key = key;
        this.minVersion = minVersion;
        this.maxVersion = maxVersion;
    }

    @Override
    public final ApiKeys apiKey() {
        return key;
    }

    @Override
    public final short minVersion() {
        return minVersion;
    }

    @Override
    public final short maxVersion() {
        return maxVersion;
    }
}
