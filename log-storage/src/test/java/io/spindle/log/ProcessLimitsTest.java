package io.spindle.log;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A start that uses more than half of a per-process limit is told so, naming the limit and how to raise it. */
class ProcessLimitsTest {
    @Test
    void moreThanHalfTheDescriptorLimitInUseIsWarnedNamingUlimit() {
        String warning = ProcessLimits.descriptorWarning(10_000, 10_040, 20_000);
        assertTrue(warning != null && warning.contains("10040 of this process's 20000 file descriptors")
                && warning.contains("ulimit -n"), "warning: " + warning);
    }

    @Test
    void halfTheDescriptorLimitOrLessIsNotWarned() {
        assertNull(ProcessLimits.descriptorWarning(5_000, 10_000, 20_000));
        assertNull(ProcessLimits.descriptorWarning(5_000, 10_000, -1));
    }

    @Test
    void moreThanHalfTheMappingLimitInUseIsWarnedNamingMaxMapCount() {
        String warning = ProcessLimits.mappingWarning(40_000, 40_300, 65_530);
        assertTrue(warning != null && warning.contains("40300 of the 65530 memory mappings")
                && warning.contains("vm.max_map_count"), "warning: " + warning);
        assertNull(ProcessLimits.mappingWarning(10_000, 10_300, 65_530));
    }
}
