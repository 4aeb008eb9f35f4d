package dev.apimage.capwap.internal.dtls;

import dev.apimage.internal.LogText;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * One side's certificate chain and private key, the authorities it trusts, and the checks of the
 * peer's chain: PKIX path to a trust anchor, validity now, the CAPWAP extended key usage (RFC 5415,
 * 2.4.4.3) and an optional allow-list of subjects or MAC addresses.
 */
final class Credentials {

    /** id-kp-capwapAC (RFC 5415, 2.4.4.3). */
    static final String EKU_CAPWAP_AC = "1.3.6.1.5.5.7.3.18";
    /** id-kp-capwapWTP. */
    static final String EKU_CAPWAP_WTP = "1.3.6.1.5.5.7.3.19";
    private static final String EKU_ANY = "2.5.29.37.0";

    final List<X509Certificate> chain;
    final PrivateKey key;
    private final Set<TrustAnchor> anchors;
    private final Set<String> allow;
    private final Supplier<Date> now;

    private Credentials(List<X509Certificate> chain, PrivateKey key, Set<TrustAnchor> anchors, Set<String> allow, Supplier<Date> now) {
        this.chain = chain;
        this.key = key;
        this.anchors = anchors;
        this.allow = allow;
        this.now = now;
    }

    /**
     * Reads the files.
     *
     * @throws IOException with a reason that names the file, never its content
     */
    static Credentials load(Path certificate, Path privateKey, Path trust, Set<String> allow) throws IOException {
        List<X509Certificate> chain = certificates(certificate);
        if (chain.isEmpty()) {
            throw new IOException(certificate.getFileName() + " holds no certificate");
        }
        Set<TrustAnchor> anchors = new HashSet<>();
        for (X509Certificate c : certificates(trust)) {
            anchors.add(new TrustAnchor(c, null));
        }
        if (anchors.isEmpty()) {
            throw new IOException(trust.getFileName() + " holds no certificate to trust");
        }
        Set<String> normalised = new HashSet<>();
        for (String a : allow) {
            normalised.add(a.strip().toLowerCase(Locale.ROOT));
        }
        return new Credentials(List.copyOf(chain), key(privateKey), anchors, normalised, Date::new);
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> all = new ArrayList<>();
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                all.add((X509Certificate) c);
            }
            return all;
        } catch (GeneralSecurityException e) {
            throw new IOException(file.getFileName() + " is not a PEM certificate file: " + e.getClass().getSimpleName(), e);
        }
    }

    private static PrivateKey key(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o = p.readObject();
            JcaPEMKeyConverter convert = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return convert.getKeyPair(pair).getPrivate();
            }
            if (o instanceof PrivateKeyInfo info) {
                return convert.getPrivateKey(info);
            }
        } catch (IOException | RuntimeException e) {
            // The parser's message may quote the file: say only which file it was.
            throw new IOException(file.getFileName() + " is not an unencrypted PEM private key");
        }
        throw new IOException(file.getFileName() + " is not an unencrypted PEM private key");
    }

    /**
     * Checks the peer's chain.
     *
     * @param peer the chain as sent, leaf first
     * @param requiredEku the extended key usage its role needs
     * @return the reason it is refused, or null when it is accepted
     */
    String refuse(List<X509Certificate> peer, String requiredEku) {
        if (peer.isEmpty()) {
            return "no certificate";
        }
        X509Certificate leaf = peer.get(0);
        try {
            leaf.checkValidity(now.get());
        } catch (java.security.cert.CertificateExpiredException e) {
            return "certificate expired on " + leaf.getNotAfter().toInstant();
        } catch (java.security.cert.CertificateNotYetValidException e) {
            return "certificate not valid before " + leaf.getNotBefore().toInstant();
        }
        try {
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(now.get());
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(peer), params);
        } catch (GeneralSecurityException e) {
            return "untrusted certificate (" + subject(leaf) + "): " + LogText.printable(String.valueOf(e.getMessage()), 160);
        }
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(requiredEku) && !(EKU_CAPWAP_WTP.equals(requiredEku) && eku.contains(EKU_ANY))) {
                return "certificate (" + subject(leaf) + ") lacks the extended key usage " + (EKU_CAPWAP_AC.equals(requiredEku)
                        ? "id-kp-capwapAC" : "id-kp-capwapWTP") + " (RFC 5415, 2.4.4.3)";
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return "certificate with an unreadable extended key usage";
        }
        if (!allow.isEmpty() && !allowed(leaf.getSubjectX500Principal())) {
            return "certificate subject " + subject(leaf) + " is not on the allow-list";
        }
        return null;
    }

    private boolean allowed(X500Principal subject) {
        String full = subject.getName(X500Principal.RFC2253).toLowerCase(Locale.ROOT);
        String cn = commonName(subject);
        return allow.contains(full) || (cn != null && allow.contains(cn.toLowerCase(Locale.ROOT)));
    }

    static String commonName(X500Principal subject) {
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            return null;
        }
        return null;
    }

    static String subject(X509Certificate c) {
        return LogText.printable(c.getSubjectX500Principal().getName(X500Principal.RFC2253), 160);
    }
}
