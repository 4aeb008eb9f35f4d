package dev.apimage.transfer;

import java.net.URI;

/**
 * Renders image URIs for logs, reports and exceptions: any user information is replaced by
 * {@code *****}, and query and fragment are dropped, so no credential can reach a log line.
 */
public final class UriRedaction {

    /** What replaces the user information. */
    public static final String MASK = "*****";

    private UriRedaction() {
    }

    /**
     * Redacts a URI.
     *
     * @param uri for example {@code sftp://calo@172.16.5.62/Documents/Wrong-Path/ap1g6}
     * @return for example {@code sftp://*****@172.16.5.62/Documents/Wrong-Path/ap1g6}
     */
    public static String redact(URI uri) {
        if (uri == null) {
            return "(no uri)";
        }
        if (uri.isOpaque()) {
            return uri.getScheme() + ":" + MASK;
        }
        StringBuilder b = new StringBuilder();
        if (uri.getScheme() != null) {
            b.append(uri.getScheme()).append("://");
        }
        if (uri.getRawUserInfo() != null) {
            b.append(MASK).append('@');
        }
        if (uri.getHost() != null) {
            b.append(uri.getHost());
        } else if (uri.getRawAuthority() != null && uri.getRawUserInfo() == null) {
            b.append(uri.getRawAuthority());
        }
        if (uri.getPort() >= 0) {
            b.append(':').append(uri.getPort());
        }
        String path = uri.getPath();
        if (path != null) {
            for (int i = 0; i < path.length(); i++) {
                char c = path.charAt(i);
                b.append(Character.isISOControl(c) ? '?' : c);
            }
        }
        return b.toString();
    }
}
