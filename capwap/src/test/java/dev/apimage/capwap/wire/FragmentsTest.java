package dev.apimage.capwap.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CAPWAP fragmentation and reassembly (RFC 5415, 3.4): any order, and every bound holds. */
class FragmentsTest {

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final String PEER = "127.0.0.1:40000";

    private static ControlMessage big(int locationBytes) {
        return ControlMessage.of(ControlMessage.JOIN_REQUEST, 3, new MessageElement.LocationData("x".repeat(locationBytes)),
                new MessageElement.VendorSpecific(14179, 1, Octets.of(new byte[700])), new MessageElement.WtpName("AP-POD-2-2"));
    }

    private static ByteBuf encode(ControlMessage m) {
        ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        return b;
    }

    @Test
    void aLongJoinRequestGoesInFragmentsAndComesBackWhole() throws Exception {
        ControlMessage m = big(1000);
        ByteBuf whole = encode(m);
        List<ByteBuf> parts = Fragments.split(whole, 300, 77, ALLOC);
        assertTrue(parts.size() > 5, "fragments: " + parts.size());
        CapwapHeader h = new CapwapHeader();
        for (int i = 0; i < parts.size(); i++) {
            h.wrap(parts.get(i), 0).validate(parts.get(i).writerIndex());
            assertTrue(h.fragment());
            assertEquals(i == parts.size() - 1, h.lastFragment(), "L only on the last");
            assertEquals(77, h.fragmentId());
            assertTrue(parts.get(i).readableBytes() <= 300);
        }
        Collections.reverse(parts); // any order
        Fragments<String> r = new Fragments<>(Fragments.Limits.defaults());
        ByteBuf out = null;
        for (ByteBuf p : parts) {
            assertNull(out, "complete before the last piece");
            out = r.offer(PEER, p, 0, ALLOC);
            p.release();
        }
        assertNotNull(out);
        assertEquals(m, ControlMessage.read(out, 0, out.writerIndex()));
        assertEquals(0, r.pending());
        out.release();
        whole.release();
    }

    @Test
    void aMessageThatFitsIsNotFragmentedAndPassesThrough() throws Exception {
        ByteBuf whole = encode(ControlMessage.of(ControlMessage.ECHO_REQUEST, 1));
        List<ByteBuf> parts = Fragments.split(whole, 1400, 1, ALLOC);
        assertEquals(1, parts.size());
        ByteBuf out = new Fragments<String>(Fragments.Limits.defaults()).offer(PEER, parts.get(0), 0, ALLOC);
        assertEquals(ControlMessage.of(ControlMessage.ECHO_REQUEST, 1), ControlMessage.read(out, out.readerIndex(), out.writerIndex()));
        out.release();
        parts.get(0).release();
        whole.release();
    }

    @Test
    void anyMessageAnyMtuAnyOrder() {
        qt().withFixedSeed(3400).withExamples(300).forAll(longs().all(), integers().between(40, 1500)).checkAssert((seed, mtu) -> {
            ControlMessage m = ControlMessageTest.message(seed);
            ByteBuf whole = encode(m);
            List<ByteBuf> parts = new ArrayList<>(Fragments.split(whole, mtu, (int) (seed & 0xFFFF), ALLOC));
            Collections.shuffle(parts, new Random(seed));
            Fragments<String> r = new Fragments<>(Fragments.Limits.defaults());
            ByteBuf out = null;
            try {
                for (ByteBuf p : parts) {
                    ByteBuf got = r.offer(PEER, p, 0, ALLOC);
                    if (got != null) {
                        out = got;
                    }
                }
                if (parts.size() > 64) {
                    assertNull(out, "more than 64 fragments: dropped");
                    return;
                }
                assertNotNull(out, parts.size() + " fragments at mtu " + mtu);
                assertEquals(m, ControlMessage.read(out, out.readerIndex(), out.writerIndex()));
            } catch (CapwapDecodeException e) {
                throw new AssertionError(e);
            } finally {
                parts.forEach(ByteBuf::release);
                whole.release();
                if (out != null) {
                    out.release();
                }
            }
        });
    }

    private static List<ByteBuf> parts(int id) {
        ByteBuf whole = encode(big(1000));
        List<ByteBuf> p = Fragments.split(whole, 300, id, ALLOC);
        whole.release();
        return p;
    }

    @Test
    void boundsDropWholeSetsAndKeepNoStateForMore() throws Exception {
        Fragments<String> r = new Fragments<>(new Fragments.Limits(64, 64 * 1024, 2, 3, 1_000_000_000L));
        // Two sets from one peer are held; a third from it gets no state.
        for (int id = 1; id <= 3; id++) {
            List<ByteBuf> p = parts(id);
            assertNull(r.offer(PEER, p.get(0), 0, ALLOC));
            p.forEach(ByteBuf::release);
        }
        assertEquals(2, r.pending(), "two sets per peer");
        assertEquals(1, r.dropped());
        // Another peer fills the total; one more peer gets nothing.
        List<ByteBuf> p = parts(9);
        assertNull(r.offer("127.0.0.2:1", p.get(0), 0, ALLOC));
        assertNull(r.offer("127.0.0.3:1", p.get(0), 0, ALLOC));
        assertEquals(3, r.pending(), "three sets in all");
        // Time: incomplete sets expire.
        r.expire(1_000_000_000L);
        assertEquals(0, r.pending());
        p.forEach(ByteBuf::release);
    }

    @Test
    void overlappingOrOversizedFragmentsDropTheSet() throws Exception {
        Fragments<String> r = new Fragments<>(Fragments.Limits.defaults());
        List<ByteBuf> p = parts(5);
        assertNull(r.offer(PEER, p.get(0), 0, ALLOC));
        ByteBuf overlap = p.get(1).copy();
        overlap.setShort(6, ((overlap.getUnsignedShort(6) >>> 3) - 1) << 3); // 8 bytes earlier: overlaps the first
        assertNull(r.offer(PEER, overlap, 0, ALLOC));
        assertEquals(0, r.pending(), "an overlap drops the set");
        // The rest of the set alone never completes it.
        for (int i = 1; i < p.size(); i++) {
            assertNull(r.offer(PEER, p.get(i), 0, ALLOC));
        }
        overlap.release();
        p.forEach(ByteBuf::release);
        // A message of more than the byte bound never completes.
        Fragments<String> small = new Fragments<>(new Fragments.Limits(64, 1024, 2, 4, 1_000_000_000L));
        ByteBuf out = null;
        for (ByteBuf f : parts(6)) {
            out = small.offer(PEER, f, 0, ALLOC);
            f.release();
        }
        assertNull(out, "a set beyond 1,024 bytes is dropped");
    }
}
