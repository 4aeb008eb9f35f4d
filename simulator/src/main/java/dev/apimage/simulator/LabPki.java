package dev.apimage.simulator;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway certificate authority for labs and tests: it issues controller and AP certificates
 * with the CAPWAP extended key usages of RFC 5415 2.4.4.3 (or none, or another), for any validity,
 * as PEM files in a directory. RSA 2048 keys, so that the RSA suites RFC 5415 makes mandatory work.
 * Never for production: the CA's key lies next to its certificate.
 */
public final class LabPki {

    /** What a certificate may be used for. */
    public enum Role {
        /** id-kp-capwapAC: a controller. */
        CONTROLLER,
        /** id-kp-capwapWTP: an AP. */
        AP,
        /** anyExtendedKeyUsage. */
        ANY,
        /** id-kp-serverAuth only: a web server's certificate, wrong for CAPWAP. */
        WEB_SERVER
    }

    /**
     * One issued certificate.
     *
     * @param certificate the PEM certificate
     * @param privateKey the PEM private key (PKCS#8)
     */
    public record Issued(Path certificate, Path privateKey) {
    }

    private static final KeyPurposeId CAPWAP_AC = KeyPurposeId.getInstance(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.3.18"));
    private static final KeyPurposeId CAPWAP_WTP = KeyPurposeId.getInstance(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.3.19"));

    private final Path dir;
    private final X500Name caName;
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final AtomicLong serial = new AtomicLong(2);

    private LabPki(Path dir, X500Name caName, KeyPair caKeys, X509Certificate ca) {
        this.dir = dir;
        this.caName = caName;
        this.caKeys = caKeys;
        this.ca = ca;
    }

    /**
     * A new CA, its certificate written to {@code ca.pem} in the directory.
     *
     * @param dir where the files go (created)
     * @param name the CA's common name
     * @return the CA
     * @throws IOException when the files cannot be written
     */
    public static LabPki create(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        try {
            KeyPair keys = rsa();
            X500Name subject = new X500Name("CN=" + name + ",O=apimage lab");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE, Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(3650))), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            X509Certificate ca = new JcaX509CertificateConverter().getCertificate(b.build(signer(keys)));
            LabPki pki = new LabPki(dir, subject, keys, ca);
            pki.pem(dir.resolve("ca.pem"), ca);
            return pki;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot create the lab CA: " + e.getMessage(), e);
        }
    }

    /**
     * The CA's certificate, to trust.
     *
     * @return {@code ca.pem}
     */
    public Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /**
     * Issues a certificate valid from a day ago for a year.
     *
     * @param file the files' base name
     * @param commonName the subject's common name (a MAC address such as {@code 01:23:45:67:89:ab} for an AP)
     * @param role its extended key usage
     * @return the files
     * @throws IOException when they cannot be written
     */
    public Issued issue(String file, String commonName, Role role) throws IOException {
        Instant now = Instant.now();
        return issue(file, commonName, role, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)));
    }

    /**
     * Issues a certificate.
     *
     * @param file the files' base name
     * @param commonName the subject's common name
     * @param role its extended key usage
     * @param notBefore the start of its validity
     * @param notAfter the end of its validity
     * @return the files
     * @throws IOException when they cannot be written
     */
    public Issued issue(String file, String commonName, Role role, Instant notBefore, Instant notAfter) throws IOException {
        Objects.requireNonNull(role, "role");
        try {
            KeyPair keys = rsa();
            X500Name subject = new X500Name("CN=" + commonName + ",O=apimage lab");
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caName, BigInteger.valueOf(serial.getAndIncrement()),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            KeyPurposeId purpose = switch (role) {
                case CONTROLLER -> CAPWAP_AC;
                case AP -> CAPWAP_WTP;
                case ANY -> KeyPurposeId.anyExtendedKeyUsage;
                case WEB_SERVER -> KeyPurposeId.id_kp_serverAuth;
            };
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(caKeys)));
            Issued issued = new Issued(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
            pem(issued.certificate(), cert);
            pem(issued.privateKey(), new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null).generate());
            return issued;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot issue a lab certificate: " + e.getMessage(), e);
        }
    }

    private void pem(Path file, Object o) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII); JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
    }

    private static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new SecureRandom());
        return g.generateKeyPair();
    }

    private static ContentSigner signer(KeyPair keys) throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate());
    }
}
