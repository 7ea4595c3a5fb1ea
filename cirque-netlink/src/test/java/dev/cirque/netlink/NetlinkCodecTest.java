package dev.cirque.netlink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.netlink.NetlinkCodec.Attribute;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire format both netlink users share, encoded and read back (pure logic: no socket). */
class NetlinkCodecTest {

    @Test
    void messagesAndTheirPaddedAttributesReadBackAsWritten() throws IOException {
        byte[] first = NetlinkCodec.message(0x1234, NetlinkCodec.NLM_F_REQUEST | NetlinkCodec.NLM_F_ACK, 7,
                new byte[] {5, 1, 0, 0}, List.of(Attribute.string(2, "hwsim"), Attribute.u32(3, 42),
                        Attribute.flag(4), Attribute.be32(5, 0x01020304)));
        byte[] second = NetlinkCodec.message(NetlinkCodec.NLMSG_DONE, 0, 8, new byte[0], List.of());
        assertEquals(0, first.length % 4, "a message ends on a four-byte boundary");
        ByteBuffer datagram = ByteBuffer.allocate(first.length + second.length).order(ByteOrder.nativeOrder())
                .put(first).put(second);

        NetlinkCodec.Messages m = new NetlinkCodec.Messages().reset(datagram, datagram.capacity());
        assertTrue(m.next());
        assertEquals(0x1234, m.type());
        assertEquals(7, m.seq());
        assertEquals(first.length, m.end());
        assertEquals(5, datagram.get(m.payload()));
        List<String> seen = new ArrayList<>();
        NetlinkCodec.Attributes a = new NetlinkCodec.Attributes().reset(datagram, m.payload() + 4, m.end());
        while (a.next()) {
            seen.add(a.type() + ":" + a.valueLength());
            if (a.type() == 2) {
                assertArrayEquals("hwsim\0".getBytes(), a.valueBytes());
            } else if (a.type() == 3) {
                assertEquals(42, datagram.getInt(a.value()));
            } else if (a.type() == 5) {
                assertEquals(0x01020304, datagram.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(a.value()));
            }
        }
        assertEquals(List.of("2:6", "3:4", "4:0", "5:4"), seen, "every attribute, past the padding of the string");
        assertTrue(m.next());
        assertEquals(NetlinkCodec.NLMSG_DONE, m.type());
        assertFalse(m.next());
    }

    @Test
    void aMessageLongerThanItsDatagramIsMalformedAndAnAttributeOverrunEndsTheAttributes() {
        byte[] message = NetlinkCodec.message(16, 0, 1, new byte[4], List.of(Attribute.u32(1, 9)));
        ByteBuffer cut = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
        assertThrows(IOException.class, () -> new NetlinkCodec.Messages().reset(cut, message.length - 4).next());

        cut.putShort(NetlinkCodec.HEADER + 4, (short) 64); // the attribute now claims more than the message holds
        NetlinkCodec.Attributes a = new NetlinkCodec.Attributes().reset(cut, NetlinkCodec.HEADER + 4, message.length);
        assertFalse(a.next());
    }

    @Test
    void anAcknowledgementsCodeIsReadAfterTheHeader() throws IOException {
        ByteBuffer ack = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
        ack.putInt(36).putShort((short) NetlinkCodec.NLMSG_ERROR).putShort((short) 0).putInt(3).putInt(0).putInt(-16);
        NetlinkCodec.Messages m = new NetlinkCodec.Messages().reset(ack, 36);
        assertTrue(m.next());
        assertEquals(NetlinkCodec.NLMSG_ERROR, m.type());
        assertEquals(-16, m.errorCode());
    }
}
