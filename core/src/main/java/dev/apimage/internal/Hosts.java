package dev.apimage.internal;

import java.net.InetSocketAddress;
import java.util.Objects;

/** Host names as URIs and profiles write them. */
public final class Hosts {

    private Hosts() {
    }

    /**
     * The host without the brackets an IPv6 literal wears in a URI ({@code [::1]} is {@code ::1}).
     *
     * @param host a host as written
     * @return the host to resolve
     */
    public static String unbracket(String host) {
        Objects.requireNonNull(host, "host");
        return host.length() >= 2 && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * A socket address as logs show it, without a reverse lookup: {@code 127.0.0.1:5246}.
     *
     * @param address the address
     * @return the text
     */
    public static String text(InetSocketAddress address) {
        return address.getAddress() == null ? address.getHostString() + ":" + address.getPort()
                : address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
