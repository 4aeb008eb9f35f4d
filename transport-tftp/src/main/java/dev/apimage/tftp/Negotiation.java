package dev.apimage.tftp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's side of RFC 2347 option negotiation. An option is applied only when it is
 * acknowledged in the OACK, and the OACK holds only options the client asked for. Values outside
 * their RFC range are ignored (left out of the OACK), values above the server's limits are
 * lowered to them.
 */
final class Negotiation {

    final int blockSize;
    final int window;
    final int timeoutSeconds; // 0: server default
    final long tsize;         // -1: not negotiated
    final Map<String, String> oack;

    private Negotiation(int blockSize, int window, int timeoutSeconds, long tsize, Map<String, String> oack) {
        this.blockSize = blockSize;
        this.window = window;
        this.timeoutSeconds = timeoutSeconds;
        this.tsize = tsize;
        this.oack = oack;
    }

    /**
     * Negotiates.
     *
     * @param requested the request's options, names lower-case
     * @param fileSize for RRQ the served file's size; for WRQ -1
     */
    static Negotiation of(Map<String, String> requested, int maxBlockSize, int maxWindow, long fileSize) {
        Map<String, String> oack = new LinkedHashMap<>();
        int blockSize = TftpOptions.DEFAULT_BLOCK_SIZE;
        int window = 1;
        int timeout = 0;
        long tsize = -1;
        for (Map.Entry<String, String> e : requested.entrySet()) {
            long v = parse(e.getValue());
            switch (e.getKey()) {
                case "blksize" -> {
                    if (v >= TftpOptions.MIN_BLOCK_SIZE) {
                        blockSize = (int) Math.min(v, Math.min(maxBlockSize, TftpOptions.MAX_BLOCK_SIZE));
                        oack.put("blksize", Integer.toString(blockSize));
                    }
                }
                case "windowsize" -> {
                    if (v >= 1 && v <= TftpOptions.MAX_WINDOW_SIZE) {
                        window = (int) Math.min(v, maxWindow);
                        oack.put("windowsize", Integer.toString(window));
                    }
                }
                case "timeout" -> {
                    if (v >= 1 && v <= 255) {
                        timeout = (int) v;
                        oack.put("timeout", Long.toString(v));
                    }
                }
                case "tsize" -> {
                    if (fileSize >= 0 && v >= 0) {
                        tsize = fileSize;
                        oack.put("tsize", Long.toString(fileSize));
                    } else if (fileSize < 0 && v >= 0) {
                        tsize = v;
                        oack.put("tsize", Long.toString(v));
                    }
                }
                default -> {
                    // unknown options are ignored (RFC 2347)
                }
            }
        }
        return new Negotiation(blockSize, window, timeout, tsize, oack);
    }

    /** A decimal option value, or -1 when it is not one (leading zeros and huge values included). */
    static long parse(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
