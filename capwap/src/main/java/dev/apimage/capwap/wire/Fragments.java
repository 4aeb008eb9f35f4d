package dev.apimage.capwap.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * CAPWAP fragmentation and reassembly of control messages (RFC 5415, 3.4 and 4.3): a message too
 * long for a datagram goes as fragments, each with the F bit, the last with the L bit, all with
 * the same Fragment ID and their place in 8-byte units. Reassembly is bounded everywhere, because
 * fragments come before any authentication (RFC 5415, 12.1.6): fragments per message, bytes per
 * message, sets per peer, sets in all, and time; a set that breaks a bound, overlaps, or does not
 * complete in time is dropped whole. Not thread-safe: one event loop owns it.
 *
 * @param <P> what identifies a peer (its address)
 */
public final class Fragments<P> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Fragments.class);

    /** Bounds of reassembly. */
    public record Limits(int maxFragmentsPerMessage, int maxMessageBytes, int maxSetsPerPeer, int maxSets, long timeoutNanos) {
        /** Checks the values. */
        public Limits {
            if (maxFragmentsPerMessage < 2 || maxMessageBytes < 64 || maxSetsPerPeer < 1 || maxSets < maxSetsPerPeer || timeoutNanos <= 0) {
                throw new IllegalArgumentException("reassembly limits out of range: " + this);
            }
        }

        /**
         * The defaults: 64 fragments and 64 KiB per message, 2 sets per peer, 1,024 in all, 3 s
         * (RetransmitInterval: a set still incomplete then is repeated by its sender anyway).
         *
         * @return the limits
         */
        public static Limits defaults() {
            return new Limits(64, 64 * 1024, 2, 1024, 3_000_000_000L);
        }
    }

    private record Key<P>(P peer, int fragmentId) {
    }

    private static final class Set {
        final long started;
        final TreeMap<Integer, byte[]> pieces = new TreeMap<>(); // offset in bytes -> payload
        byte[] header;
        int total = -1; // payload bytes, known once the last fragment is in
        int bytes;

        Set(long started) {
            this.started = started;
        }
    }

    private final Limits limits;
    private final Map<Key<P>, Set> sets = new LinkedHashMap<>();
    private final Map<P, Integer> perPeer = new LinkedHashMap<>();
    private long dropped;

    /**
     * A reassembler.
     *
     * @param limits its bounds
     */
    public Fragments(Limits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Splits a whole CAPWAP message into fragments that fit a datagram.
     *
     * @param message the message, from its reader index, with a CAPWAP header of its own
     * @param maxDatagram the most bytes one fragment may have, header included
     * @param fragmentId the set's Fragment ID (incremented per set, per direction and peer)
     * @param alloc where the fragments' buffers come from
     * @return the fragments in order; the message alone (a retained slice) when it fits
     */
    public static List<ByteBuf> split(ByteBuf message, int maxDatagram, int fragmentId, ByteBufAllocator alloc) {
        CapwapHeader header = new CapwapHeader().wrap(message, message.readerIndex());
        int hlen = header.headerLength();
        int payload = message.readableBytes() - hlen;
        if (message.readableBytes() <= maxDatagram) {
            return List.of(message.retainedSlice());
        }
        int chunk = (maxDatagram - hlen) & ~7; // offsets are in 8-byte units
        if (chunk < 8) {
            throw new IllegalArgumentException("a datagram of " + maxDatagram + " bytes cannot carry a fragment");
        }
        List<ByteBuf> out = new ArrayList<>();
        for (int off = 0; off < payload; off += chunk) {
            int n = Math.min(chunk, payload - off);
            boolean last = off + n == payload;
            ByteBuf f = alloc.buffer(hlen + n);
            f.writeBytes(message, message.readerIndex(), hlen);
            int flags = f.getUnsignedByte(3) | 0x80 | (last ? 0x40 : 0); // F, and L on the last
            f.setByte(3, flags);
            f.setShort(4, fragmentId);
            f.setShort(6, (off / 8) << 3);
            f.writeBytes(message, message.readerIndex() + hlen + off, n);
            out.add(f);
        }
        return out;
    }

    /**
     * Takes a datagram: a whole message passes through, a fragment is kept until its set is
     * complete.
     *
     * @param peer who sent it
     * @param datagram the datagram, from its reader index (not released here)
     * @param now the caller's clock
     * @param alloc where the reassembled message's buffer comes from
     * @return the whole message (a new buffer from the allocator, or a retained slice of a datagram
     *     that was no fragment), or null while a set is incomplete or when the fragment was dropped
     * @throws CapwapDecodeException when the CAPWAP header itself is malformed
     */
    public ByteBuf offer(P peer, ByteBuf datagram, long now, ByteBufAllocator alloc) throws CapwapDecodeException {
        int at = datagram.readerIndex();
        int limit = datagram.writerIndex();
        CapwapHeader header = new CapwapHeader().wrap(datagram, at).validate(limit);
        if (!header.fragment()) {
            return datagram.retainedSlice();
        }
        expire(now);
        int hlen = header.headerLength();
        int offset = header.fragmentOffset() * 8;
        int length = limit - at - hlen;
        Key<P> key = new Key<>(peer, header.fragmentId());
        Set set = sets.get(key);
        if (set == null) {
            int mine = perPeer.getOrDefault(peer, 0);
            if (mine >= limits.maxSetsPerPeer() || sets.size() >= limits.maxSets()) {
                dropped++;
                return null; // no state for one more set: the sender repeats the message
            }
            set = new Set(now);
            sets.put(key, set);
            perPeer.merge(peer, 1, Integer::sum);
        }
        if (!header.lastFragment() && length % 8 != 0) {
            return drop(key, "a fragment before the last must be a multiple of 8 bytes");
        }
        byte[] known = set.pieces.get(offset);
        if (known != null) {
            return known.length == length ? null : drop(key, "a repeated fragment differs"); // a repeat: nothing new
        }
        var below = set.pieces.floorEntry(offset);
        var above = set.pieces.ceilingEntry(offset);
        if ((below != null && below.getKey() + below.getValue().length > offset) || (above != null && offset + length > above.getKey())
                || (set.total >= 0 && offset + length > set.total)) {
            return drop(key, "overlapping fragments"); // RFC 5415, 4.3: fragments do not overlap
        }
        if (set.pieces.size() + 1 > limits.maxFragmentsPerMessage() || set.bytes + length > limits.maxMessageBytes()) {
            return drop(key, "more fragments or bytes than a message may have");
        }
        if (header.lastFragment()) {
            if (set.total >= 0 || (!set.pieces.isEmpty() && set.pieces.lastKey() + set.pieces.lastEntry().getValue().length > offset + length)) {
                return drop(key, "a second last fragment");
            }
            set.total = offset + length;
        }
        byte[] piece = new byte[length];
        datagram.getBytes(at + hlen, piece);
        set.pieces.put(offset, piece);
        set.bytes += length;
        if (offset == 0) {
            set.header = new byte[hlen];
            datagram.getBytes(at, set.header);
        }
        if (set.total < 0 || set.bytes != set.total) {
            return null;
        }
        remove(key);
        ByteBuf whole = alloc.buffer(set.header.length + set.total);
        whole.writeBytes(set.header);
        whole.setByte(3, whole.getUnsignedByte(3) & ~0xC0); // F and L cleared: a whole message now
        whole.setShort(4, 0);
        whole.setShort(6, 0);
        for (byte[] p : set.pieces.values()) {
            whole.writeBytes(p);
        }
        return whole;
    }

    /**
     * Drops the sets that did not complete in time.
     *
     * @param now the caller's clock
     */
    public void expire(long now) {
        Iterator<Map.Entry<Key<P>, Set>> it = sets.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key<P>, Set> e = it.next();
            if (now - e.getValue().started < limits.timeoutNanos()) {
                break; // in order of arrival: the rest are younger
            }
            it.remove();
            perPeer.computeIfPresent(e.getKey().peer(), (p, n) -> n <= 1 ? null : n - 1);
            dropped++;
        }
    }

    /**
     * Sets held now.
     *
     * @return how many
     */
    public int pending() {
        return sets.size();
    }

    /**
     * Sets dropped so far (a bound, an overlap, a timeout).
     *
     * @return how many
     */
    public long dropped() {
        return dropped;
    }

    private ByteBuf drop(Key<P> key, String why) {
        remove(key);
        dropped++;
        LOG.debug("fragments {} of {} dropped: {}", key.fragmentId(), key.peer(), why);
        return null;
    }

    private void remove(Key<P> key) {
        if (sets.remove(key) != null) {
            perPeer.computeIfPresent(key.peer(), (p, n) -> n <= 1 ? null : n - 1);
        }
    }
}
