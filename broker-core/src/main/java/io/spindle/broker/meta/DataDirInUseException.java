package io.spindle.broker.meta;

import java.nio.file.Path;

/**
 * A broker was refused its data directory because another broker holds the directory's lock ({@link DataDirLock}):
 * in another process, named by its pid, or in this JVM.
 */
public final class DataDirInUseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path dataDir;
    private final long holderPid;

    DataDirInUseException(Path dataDir, long holderPid, boolean inThisProcess) {
        super(message(dataDir, holderPid, inThisProcess));
        this.dataDir = dataDir;
        this.holderPid = holderPid;
    }

    private static String message(Path dataDir, long holderPid, boolean inThisProcess) {
        String holder;
        if (inThisProcess) {
            holder = "another broker in this process (pid " + holderPid + ")";
        } else if (holderPid < 0) {
            holder = "another broker (its pid is not yet written in " + dataDir.resolve(DataDirLock.FILE_NAME) + ")";
        } else {
            holder = "another broker (pid " + holderPid + ")";
        }
        return "The data directory " + dataDir + " is in use by " + holder
                + "; stop that broker or give this one another data.dir";
    }

    /** The directory refused. */
    public Path dataDir() {
        return dataDir;
    }

    /** The pid of the process holding the lock, -1 when it had not written it yet. */
    public long holderPid() {
        return holderPid;
    }
}
