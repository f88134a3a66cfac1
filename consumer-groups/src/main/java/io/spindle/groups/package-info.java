/**
 * The group coordinator: consumer groups (the classic protocol and KIP-848's consumer protocol), their
 * committed offsets, and the internal topic {@code __consumer_offsets} that keeps both across restarts.
 */
package io.spindle.groups;
