package dev.cirque.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames of a recording's pcapng as the tests read them where no tshark is (the VMs):
 * each frame's interface name, link type, bytes and comment. Reads the little-endian files
 * the recorder writes (section header, interface descriptions, enhanced packet blocks).
 */
final class RecordedFrames {

    record Frame(String iface, int linkType, byte[] data, String comment) {}

    private RecordedFrames() {}

    static List<Frame> read(byte[] pcapng) {
        ByteBuffer b = ByteBuffer.wrap(pcapng).order(ByteOrder.LITTLE_ENDIAN);
        List<String> names = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        List<Frame> frames = new ArrayList<>();
        while (b.remaining() >= 12) {
            int start = b.position();
            int type = b.getInt();
            int length = b.getInt();
            if (type == 1) { // interface description: link type, reserved, snap length, options
                types.add(b.getShort() & 0xffff);
                b.position(b.position() + 6);
                names.add(option(b, start + length - 4, 2));
            } else if (type == 6) { // enhanced packet: interface, time, lengths, data, options
                int iface = b.getInt();
                b.position(b.position() + 8);
                int captured = b.getInt();
                b.getInt();
                byte[] data = new byte[captured];
                b.get(data);
                b.position(b.position() + ((captured + 3) & ~3) - captured);
                frames.add(new Frame(names.get(iface), types.get(iface), data, option(b, start + length - 4, 1)));
            }
            b.position(start + length);
        }
        return frames;
    }

    /** The first option of {@code code} between here and {@code end}, as text; null when there is none. */
    private static String option(ByteBuffer b, int end, int code) {
        while (b.position() + 4 <= end) {
            int c = b.getShort() & 0xffff;
            int length = b.getShort() & 0xffff;
            if (c == 0) {
                return null;
            }
            byte[] value = new byte[length];
            b.get(value);
            b.position(b.position() + ((length + 3) & ~3) - length);
            if (c == code) {
                return new String(value, StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
