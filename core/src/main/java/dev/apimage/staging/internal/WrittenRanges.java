package dev.apimage.staging.internal;

import java.util.Arrays;

/**
 * Which bytes of a file being written are in place: the contiguous prefix from offset 0, and the
 * disjoint ranges written beyond it (parallel ranges land out of order). Writing in order touches
 * only the prefix and allocates nothing; the arrays for ranges beyond it grow by doubling, rarely.
 * Not thread-safe: the writer's own bookkeeping.
 */
public final class WrittenRanges {

    private long prefix;
    private long[] starts = new long[8];
    private long[] ends = new long[8];
    private int count;
    private boolean overlapped;

    /** Nothing written yet. */
    public WrittenRanges() {
    }

    /**
     * Records that {@code [offset, offset + length)} was written.
     *
     * @param offset where the bytes start
     * @param length how many
     * @return the contiguous prefix after this write
     */
    public long add(long offset, long length) {
        if (length <= 0) {
            return prefix;
        }
        long end = offset + length;
        if (offset < prefix || overlapsPending(offset, end)) {
            overlapped = true; // bytes already in place were written again
        }
        if (offset <= prefix) {
            if (end > prefix) {
                prefix = end;
                absorb();
            }
            return prefix;
        }
        insert(offset, end);
        return prefix;
    }

    /**
     * The length of the contiguous prefix from offset 0.
     *
     * @return bytes in place without a hole before them
     */
    public long prefix() {
        return prefix;
    }

    /**
     * Whether some write covered bytes already written: whatever read them in between (a digest)
     * may have seen other bytes than the file now holds.
     *
     * @return true once any write overlapped an earlier one
     */
    public boolean overlapped() {
        return overlapped;
    }

    /**
     * How many ranges beyond the prefix are waiting for the holes before them to fill.
     *
     * @return the number of disjoint pending ranges
     */
    public int pendingRanges() {
        return count;
    }

    private boolean overlapsPending(long offset, long end) {
        int i = firstEndingAfter(offset);
        return i < count && starts[i] < end;
    }

    /** The index of the first pending range whose end lies after {@code offset}. */
    private int firstEndingAfter(long offset) {
        int lo = 0;
        int hi = count;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ends[mid] <= offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Moves the prefix over the pending ranges it now reaches. */
    private void absorb() {
        int taken = 0;
        while (taken < count && starts[taken] <= prefix) {
            prefix = Math.max(prefix, ends[taken]);
            taken++;
        }
        if (taken > 0) {
            System.arraycopy(starts, taken, starts, 0, count - taken);
            System.arraycopy(ends, taken, ends, 0, count - taken);
            count -= taken;
        }
    }

    /** Inserts {@code [start, end)} (beyond the prefix), merging it with the ranges it touches. */
    private void insert(long start, long end) {
        // Ranges that end before start (not touching) stay; those from i to j-1 touch and merge.
        int i = firstEndingAfter(start - 1);
        int j = i;
        while (j < count && starts[j] <= end) {
            start = Math.min(start, starts[j]);
            end = Math.max(end, ends[j]);
            j++;
        }
        int removed = j - i;
        if (removed == 0) {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            count++;
        } else if (removed > 1) {
            System.arraycopy(starts, j, starts, i + 1, count - j);
            System.arraycopy(ends, j, ends, i + 1, count - j);
            count -= removed - 1;
        }
        starts[i] = start;
        ends[i] = end;
    }
}
