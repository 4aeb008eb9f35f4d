package dev.apimage.profile;

import dev.apimage.internal.LogText;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The image server of a profile: a host name, an IPv4 literal or an IPv6 literal, with an optional
 * port (the protocol's default when absent).
 *
 * <p>Text forms accepted by {@link #parse(String)}: {@code 172.16.5.27}, {@code 172.16.5.27:6969},
 * {@code tftp.example.net}, {@code tftp.example.net:6969}, {@code 2001:db8::5}, {@code [2001:db8::5]}
 * and {@code [2001:db8::5]:6969}. Parsing never resolves a name.
 *
 * @param host the host name or address literal, IPv6 without brackets
 * @param port the port, or empty for the protocol's default
 */
public record ImageServer(String host, OptionalInt port) {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    /**
     * Validates host and port.
     *
     * @throws IllegalArgumentException when the host is not a host name or address literal, or
     *     the port is outside 1..65535
     */
    public ImageServer {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(port, "port");
        if (!isHost(host)) {
            throw new IllegalArgumentException("not a host name or IP address: '" + LogText.printable(host, 64) + "'");
        }
        if (port.isPresent() && (port.getAsInt() < 1 || port.getAsInt() > 65535)) {
            throw new IllegalArgumentException("port out of range 1..65535: " + port.getAsInt());
        }
    }

    /**
     * A server on the protocol's default port.
     *
     * @param host host name or address literal
     * @return the server
     */
    public static ImageServer of(String host) {
        return new ImageServer(host, OptionalInt.empty());
    }

    /**
     * A server on an explicit port.
     *
     * @param host host name or address literal
     * @param port 1..65535
     * @return the server
     */
    public static ImageServer of(String host, int port) {
        return new ImageServer(host, OptionalInt.of(port));
    }

    /**
     * Parses the text form (see the class description).
     *
     * @param text the server as written in the profile
     * @return the server
     * @throws IllegalArgumentException when the text is not a server
     */
    public static ImageServer parse(String text) {
        String t = Objects.requireNonNull(text, "text").strip();
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in '" + LogText.printable(t, 64) + "'");
            }
            String host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (rest.isEmpty()) {
                return of(host);
            }
            if (!rest.startsWith(":")) {
                throw new IllegalArgumentException("expected ':port' after ']' in '" + LogText.printable(t, 64) + "'");
            }
            return of(host, port(rest.substring(1), t));
        }
        int first = t.indexOf(':');
        if (first >= 0 && first == t.lastIndexOf(':')) {
            return of(t.substring(0, first), port(t.substring(first + 1), t));
        }
        return of(t);
    }

    private static int port(String s, String whole) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("not a port number in '" + LogText.printable(whole, 64) + "'");
        }
        return Integer.parseInt(s);
    }

    /**
     * Tells whether the host is an IPv6 literal.
     *
     * @return true for IPv6
     */
    public boolean isIpv6() {
        return host.indexOf(':') >= 0;
    }

    /**
     * The host as it stands in a URI: IPv6 literals in brackets.
     *
     * @return the host part of a URI authority
     */
    public String uriHost() {
        return isIpv6() ? "[" + host + "]" : host;
    }

    /**
     * The text form, as {@link #parse(String)} reads it back.
     *
     * @return for example {@code 172.16.5.27} or {@code [::1]:6969}
     */
    @Override
    public String toString() {
        if (port.isEmpty()) {
            return host;
        }
        return uriHost() + ":" + port.getAsInt();
    }

    private static boolean isHost(String h) {
        if (h.isEmpty() || h.length() > 253) {
            return false;
        }
        if (h.indexOf(':') >= 0) {
            return isIpv6(h);
        }
        var m = IPV4.matcher(h);
        if (m.matches()) {
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return true;
        }
        String name = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (name.isEmpty()) {
            return false;
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        // A name made of digits and dots only would be a malformed IPv4 address.
        return !name.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    }

    private static boolean isIpv6(String h) {
        if (!IPV6.matcher(h).matches()) {
            return false;
        }
        int doubleColon = h.indexOf("::");
        if (doubleColon >= 0 && h.indexOf("::", doubleColon + 1) >= 0) {
            return false;
        }
        String[] groups = h.split(":", -1);
        int count = 0;
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (g.isEmpty()) {
                continue;
            }
            if (g.indexOf('.') >= 0) {
                if (i != groups.length - 1 || !IPV4.matcher(g).matches()) {
                    return false;
                }
                count += 2;
            } else if (g.length() > 4) {
                return false;
            } else {
                count++;
            }
        }
        return doubleColon >= 0 ? count <= 7 : count == 8;
    }
}
