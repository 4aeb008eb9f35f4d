package dev.apimage.transfer;

import dev.apimage.transfer.spi.TransportProvider;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Opens transfers by URI through the installed {@link TransportProvider}s.
 *
 * <p>Discovery, in this order: providers are found with {@link ServiceLoader} (the thread's
 * context class loader, then this library's); when several serve one scheme, the system property
 * {@code apimage.transport.<scheme>} names the class to use, and without it the choice is an
 * error that lists the candidates. An unknown scheme is an error listing the schemes present.
 * Discovery runs once; {@link #reload()} runs it again after the class path changed.
 */
public final class Transports {

    /** Prefix of the system property that picks one of several providers of a scheme. */
    public static final String PROVIDER_PROPERTY_PREFIX = "apimage.transport.";

    private static volatile Map<String, List<TransportProvider>> providers;

    private Transports() {
    }

    /**
     * Opens a download.
     *
     * @param uri the file, for example {@code tftp://172.16.5.27/EWC/17_9_4a/ap1g8}
     * @param options the settings
     * @return a session, not yet started
     * @throws TransferException with {@link FailureReason#UNSUPPORTED_PROTOCOL} when no provider
     *     serves the scheme (the message lists those present), with {@link FailureReason#INVALID_OPTION}
     *     when an option's value breaks its rule, or the provider's own error
     */
    public static TransferSession open(URI uri, TransferOptions options) throws TransferException {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        TransportProvider provider = provider(uri);
        try {
            options.check();
        } catch (IllegalArgumentException e) {
            throw new TransferException(FailureReason.INVALID_OPTION, UriRedaction.redact(uri), e.getMessage(), e);
        }
        return provider.open(uri, options);
    }

    /**
     * The provider that serves a URI's scheme.
     *
     * @param uri the URI
     * @return the provider
     * @throws TransferException when none or an ambiguous set serves it
     */
    public static TransportProvider provider(URI uri) throws TransferException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        List<TransportProvider> candidates = discovered().getOrDefault(scheme, List.of());
        if (candidates.isEmpty()) {
            throw new TransferException(FailureReason.UNSUPPORTED_PROTOCOL, UriRedaction.redact(uri),
                    "no transport provider for scheme '" + scheme + "'; installed schemes: "
                            + String.join(", ", schemes()), null);
        }
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        String chosen = System.getProperty(PROVIDER_PROPERTY_PREFIX + scheme);
        if (chosen != null) {
            for (TransportProvider p : candidates) {
                if (p.getClass().getName().equals(chosen)) {
                    return p;
                }
            }
        }
        throw new TransferException(FailureReason.UNSUPPORTED_PROTOCOL, UriRedaction.redact(uri),
                "several transport providers for scheme '" + scheme + "': "
                        + candidates.stream().map(p -> p.getClass().getName()).collect(Collectors.joining(", "))
                        + "; choose one with -D" + PROVIDER_PROPERTY_PREFIX + scheme + "=<class>", null);
    }

    /**
     * The schemes of the installed providers.
     *
     * @return sorted scheme names
     */
    public static List<String> schemes() {
        return List.copyOf(discovered().keySet());
    }

    /** Forgets the discovered providers, closing them; the next call discovers again. */
    public static synchronized void reload() {
        Map<String, List<TransportProvider>> old = providers;
        providers = null;
        if (old != null) {
            old.values().forEach(list -> list.forEach(TransportProvider::close));
        }
    }

    private static Map<String, List<TransportProvider>> discovered() {
        Map<String, List<TransportProvider>> p = providers;
        if (p == null) {
            synchronized (Transports.class) {
                p = providers;
                if (p == null) {
                    p = discover();
                    providers = p;
                }
            }
        }
        return p;
    }

    private static Map<String, List<TransportProvider>> discover() {
        Map<String, List<TransportProvider>> found = new TreeMap<>();
        List<String> seenClasses = new ArrayList<>();
        List<ClassLoader> loaders = new ArrayList<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        loaders.add(Transports.class.getClassLoader());
        for (ClassLoader loader : loaders) {
            var it = ServiceLoader.load(TransportProvider.class, loader).iterator();
            while (true) {
                TransportProvider provider;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    provider = it.next();
                } catch (ServiceConfigurationError e) {
                    org.slf4j.LoggerFactory.getLogger(Transports.class)
                            .warn("skipping a transport provider that cannot be loaded: {}", e.getMessage());
                    continue;
                }
                if (seenClasses.contains(provider.getClass().getName())) {
                    continue;
                }
                seenClasses.add(provider.getClass().getName());
                found.computeIfAbsent(provider.scheme().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(provider);
            }
        }
        found.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(found);
    }
}
