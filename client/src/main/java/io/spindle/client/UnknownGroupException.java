package io.spindle.client;

/** The broker knows no consumer group of that name (no members, no committed offsets). */
public final class UnknownGroupException extends SpindleException {
    private static final long serialVersionUID = 1L;
    private final String group;

    public UnknownGroupException(String group, Throwable cause) {
        super("Consumer group '" + group + "' does not exist", cause);
        this.group = group;
    }

    public String group() {
        return group;
    }
}
