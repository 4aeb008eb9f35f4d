package dev.apimage.staging.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WrittenRangesTest {

    @Test
    void inOrderWritesOnlyMoveThePrefix() {
        WrittenRanges w = new WrittenRanges();
        assertEquals(1468, w.add(0, 1468));
        assertEquals(2936, w.add(1468, 1468));
        assertEquals(0, w.pendingRanges());
        assertFalse(w.overlapped());
    }

    @Test
    void aHoleHoldsThePrefixUntilItFills() {
        WrittenRanges w = new WrittenRanges();
        assertEquals(0, w.add(200, 100));
        assertEquals(0, w.add(400, 100));
        assertEquals(2, w.pendingRanges());
        assertEquals(0, w.add(300, 100)); // joins both pending ranges into one
        assertEquals(1, w.pendingRanges());
        assertEquals(500, w.add(0, 200));
        assertEquals(0, w.pendingRanges());
        assertFalse(w.overlapped());
    }

    @Test
    void writingBytesAgainIsNoticed() {
        WrittenRanges a = new WrittenRanges();
        a.add(0, 100);
        a.add(50, 10);
        assertTrue(a.overlapped(), "inside the prefix");
        WrittenRanges b = new WrittenRanges();
        b.add(500, 100);
        b.add(550, 100);
        assertTrue(b.overlapped(), "inside a pending range");
        WrittenRanges c = new WrittenRanges();
        c.add(500, 100);
        c.add(600, 100);
        c.add(0, 500);
        assertFalse(c.overlapped(), "touching is not overlapping");
    }

    /** Against a bit set as the model: any cut of a file into pieces, written in any order, some twice. */
    @Test
    void agreesWithABitSetForAnyOrderOfPieces() {
        qt().withFixedSeed(5415).withExamples(300)
                .forAll(integers().between(1, 5000), integers().between(1, 300), longs().all(), integers().between(0, 3))
                .checkAssert((size, maxPiece, seed, repeats) -> {
                    Random r = new Random(seed);
                    List<long[]> pieces = new ArrayList<>();
                    for (int off = 0; off < size; ) {
                        int n = Math.min(size - off, 1 + r.nextInt(maxPiece));
                        pieces.add(new long[] {off, n});
                        off += n;
                    }
                    for (int i = 0; i < repeats; i++) {
                        long[] p = pieces.get(r.nextInt(pieces.size()));
                        pieces.add(new long[] {p[0], 1 + r.nextInt((int) p[1])});
                    }
                    Collections.shuffle(pieces, r);
                    WrittenRanges w = new WrittenRanges();
                    BitSet model = new BitSet();
                    boolean overlapped = false;
                    long last = 0;
                    for (long[] p : pieces) {
                        int from = (int) p[0];
                        int to = (int) (p[0] + p[1]);
                        overlapped |= model.get(from, to).cardinality() > 0;
                        model.set(from, to);
                        long prefix = w.add(p[0], p[1]);
                        assertEquals(model.nextClearBit(0), prefix);
                        assertTrue(prefix >= last, "the prefix never shrinks");
                        last = prefix;
                    }
                    assertEquals((long) size, w.prefix());
                    assertEquals(0, w.pendingRanges());
                    assertEquals(overlapped, w.overlapped());
                });
    }
}
