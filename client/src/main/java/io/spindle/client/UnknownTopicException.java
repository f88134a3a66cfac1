package io.spindle.client;

/** The broker has no topic of that name. */
public final class UnknownTopicException extends SpindleException {
    private static final long serialVersionUID = 1L;
    private final String topic;

    public UnknownTopicException(String topic, Throwable cause) {
        super("Topic '" + topic + "' does not exist", cause);
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
