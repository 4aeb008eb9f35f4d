package dev.apimage.capwap.internal.dtls;

import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.PskKeys;
import dev.apimage.internal.LogText;
import dev.apimage.transfer.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateRequest;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.ClientCertificateType;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.PSKTlsClient;
import org.bouncycastle.tls.PSKTlsServer;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAlgorithm;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedDecryptor;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsPSKIdentity;
import org.bouncycastle.tls.TlsPSKIdentityManager;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JceDefaultTlsCredentialedDecryptor;

/**
 * The Bouncy Castle peers of both roles and modes, with the suites of RFC 5415 2.4.4 (modern
 * first, then the mandatory ones), the checks of certificate mode, and what a handshake learnt:
 * the suite, the peer's identity, and why it failed.
 */
final class Peers {

    private static final JcaTlsCrypto CRYPTO = crypto(new SecureRandom());

    /**
     * The JDK's providers first (AES-GCM with the CPU's instructions), Bouncy Castle's where the
     * JDK lacks an algorithm by the name Bouncy Castle's TLS asks for (RSA-PSS as
     * {@code SHA256WITHRSAANDMGF1}, which OpenSSL 3 signs TLS 1.2 handshakes with).
     */
    private static JcaTlsCrypto crypto(SecureRandom random) {
        java.security.Provider bc = new org.bouncycastle.jce.provider.BouncyCastleProvider();
        org.bouncycastle.jcajce.util.JcaJceHelper helper = new org.bouncycastle.jcajce.util.DefaultJcaJceHelper() {
            @Override
            public java.security.Signature createSignature(String algorithm) throws java.security.NoSuchAlgorithmException {
                try {
                    return super.createSignature(algorithm);
                } catch (java.security.NoSuchAlgorithmException e) {
                    return java.security.Signature.getInstance(algorithm, bc);
                }
            }

            @Override
            public java.security.AlgorithmParameters createAlgorithmParameters(String algorithm)
                    throws java.security.NoSuchAlgorithmException {
                try {
                    return super.createAlgorithmParameters(algorithm);
                } catch (java.security.NoSuchAlgorithmException e) {
                    return java.security.AlgorithmParameters.getInstance(algorithm, bc);
                }
            }
        };
        return new JcaTlsCrypto(helper, random, random) { };
    }

    /** PSK suites, preferred first; the last two are RFC 5415's mandatory ones. */
    static final int[] PSK_SUITES = {
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA};
    /** Certificate suites, preferred first; the last two are RFC 5415's mandatory ones. */
    static final int[] CERTIFICATE_SUITES = {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA};
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256, "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256, "TLS_PSK_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"),
            Map.entry(CipherSuite.TLS_DHE_PSK_WITH_AES_128_CBC_SHA, "TLS_DHE_PSK_WITH_AES_128_CBC_SHA"),
            Map.entry(CipherSuite.TLS_PSK_WITH_AES_128_CBC_SHA, "TLS_PSK_WITH_AES_128_CBC_SHA"),
            Map.entry(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
            Map.entry(CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
            Map.entry(CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"),
            Map.entry(CipherSuite.TLS_DHE_RSA_WITH_AES_128_CBC_SHA, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"),
            Map.entry(CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA, "TLS_RSA_WITH_AES_128_CBC_SHA"));

    private Peers() {
    }

    static JcaTlsCrypto crypto() {
        return CRYPTO;
    }

    /**
     * Loads the JCE's providers and the cookie's HMAC once, off the event loop: their first use
     * reads files, and the loop must not block.
     */
    static void warmUp() {
        org.bouncycastle.tls.crypto.TlsHMAC mac = CRYPTO.createHMAC(org.bouncycastle.tls.MACAlgorithm.hmac_sha256);
        mac.setKey(new byte[32], 0, 32);
        mac.update(new byte[1], 0, 1);
        mac.calculateMAC();
    }

    /** Why a handshake failed: our own reason when we refused, else the alert, else the exception. */
    static String reason(Outcome o, Throwable e) {
        String f = o.failure;
        if (f != null && !f.startsWith(AlertDescription.getText(AlertDescription.internal_error))) {
            return f;
        }
        String detail = e == null ? null : e.getCause() != null && e.getCause() != e ? e.getCause().toString() : e.toString();
        return detail == null ? String.valueOf(f) : (f == null ? "" : f + ": ") + LogText.printable(detail, 200);
    }

    static String suiteName(int suite) {
        return NAMES.getOrDefault(suite, String.format("0x%04X", suite));
    }

    /** What one handshake learnt; written by the handshake's thread, read after it ended. */
    static final class Outcome {
        volatile String suite;
        volatile String peer;
        volatile String failure;
        volatile boolean closedByPeer;
        /** The allocation-free record layer for an AES-128-GCM session, set when the handshake completes. */
        volatile GcmRecords records;

        void alertReceived(short level, short description) {
            String what = AlertDescription.getText(description);
            if (description == AlertDescription.close_notify) {
                closedByPeer = true;
            } else if (failure == null) {
                failure = "the peer sent alert " + what;
            }
        }

        void alertRaised(short description, String message, Throwable cause) {
            if (failure == null && description != AlertDescription.close_notify) {
                String detail = message != null ? message : cause != null && cause.getMessage() != null ? cause.getMessage() : null;
                failure = AlertDescription.getText(description) + (detail == null ? "" : ": " + LogText.printable(detail, 200));
                if (description == AlertDescription.internal_error && cause != null) {
                    org.slf4j.LoggerFactory.getLogger(Peers.class).debug("DTLS internal error", cause);
                }
            }
        }

        void refused(String why) {
            failure = why;
        }

        void completed(TlsContext context, KeyLog log) {
            suite = suiteName(context.getSecurityParametersConnection().getCipherSuite());
            records = GcmRecords.of(context, context.isServer());
            log.write(context);
        }
    }

    /** The controller's peer for one handshake. */
    static org.bouncycastle.tls.TlsServer server(DtlsSettings s, Credentials creds, KeyLog log, Outcome outcome) {
        return s.mode() == DtlsSettings.Mode.PSK ? new PskServer(s, log, outcome) : new CertificateServer(s, creds, log, outcome);
    }

    /** The AP's peer. */
    static org.bouncycastle.tls.TlsClient client(DtlsSettings s, Credentials creds, KeyLog log, Outcome outcome) {
        return s.mode() == DtlsSettings.Mode.PSK ? new PskClient(s, log, outcome) : new CertificateClient(s, creds, log, outcome);
    }

    private static int[] supported(int[] preferred) {
        return TlsUtils.getSupportedCipherSuites(CRYPTO, preferred);
    }

    private static List<X509Certificate> x509(Certificate chain) throws IOException {
        List<X509Certificate> all = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (TlsCertificate c : chain.getCertificateList()) {
                all.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(c.getEncoded())));
            }
        } catch (CertificateException e) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, "unreadable certificate");
        }
        return all;
    }

    /** The peer's chain against our trust, its role's extended key usage and the allow-list; the alert says why not. */
    private static void check(Credentials creds, Outcome outcome, Certificate chain, String eku, String who) throws IOException {
        if (chain == null || chain.isEmpty()) {
            outcome.refused(who + " sent no certificate");
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "no certificate");
        }
        List<X509Certificate> peer = x509(chain);
        outcome.peer = "certificate " + Credentials.subject(peer.get(0));
        String why = creds.refuse(peer, eku);
        if (why != null) {
            outcome.refused(why);
            throw new TlsFatalAlert(why.contains("expired") ? AlertDescription.certificate_expired
                    : why.startsWith("untrusted") ? AlertDescription.unknown_ca : AlertDescription.access_denied, why);
        }
    }

    private static Certificate tlsChain(Credentials creds) throws IOException {
        TlsCertificate[] certs = new TlsCertificate[creds.chain.size()];
        for (int i = 0; i < certs.length; i++) {
            try {
                certs[i] = CRYPTO.createCertificate(creds.chain.get(i).getEncoded());
            } catch (java.security.cert.CertificateEncodingException e) {
                throw new IOException("certificate cannot be encoded", e);
            }
        }
        return new Certificate(certs);
    }

    private static short signatureAlgorithm(Credentials creds) {
        return creds.key instanceof ECPrivateKey ? SignatureAlgorithm.ecdsa : SignatureAlgorithm.rsa;
    }

    /** A signer for our key, with a signature algorithm the peer offered. */
    private static TlsCredentialedSigner signer(TlsContext context, Credentials creds, Vector<?> peerAlgorithms) throws IOException {
        short sig = signatureAlgorithm(creds);
        SignatureAndHashAlgorithm chosen = null;
        if (peerAlgorithms != null) {
            for (Object o : peerAlgorithms) {
                SignatureAndHashAlgorithm a = (SignatureAndHashAlgorithm) o;
                if (a.getSignature() == sig && a.getHash() != org.bouncycastle.tls.HashAlgorithm.sha1) {
                    chosen = a;
                    break;
                }
            }
        }
        if (chosen == null) {
            chosen = SignatureAndHashAlgorithm.getInstance(org.bouncycastle.tls.HashAlgorithm.sha256, sig);
        }
        return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), CRYPTO, creds.key, tlsChain(creds), chosen);
    }

    /** RFC 5415 2.4.4.2: the controller names a hint, the AP its identity; a key per identity. */
    private static final class PskServer extends PSKTlsServer {
        private final DtlsSettings settings;
        private final KeyLog log;
        private final Outcome outcome;

        PskServer(DtlsSettings s, KeyLog log, Outcome outcome) {
            super(CRYPTO, new Identities(s.keys().orElseThrow(), s.identityHint(), outcome));
            this.settings = s;
            this.log = log;
            this.outcome = outcome;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return supported(PSK_SUITES);
        }

        @Override
        protected boolean preferLocalCipherSuites() {
            return true;
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return (int) settings.handshakeTimeout().toMillis();
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            outcome.alertRaised(description, message, cause);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            outcome.alertReceived(level, description);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.completed(context, log);
        }
    }

    private static final class Identities implements TlsPSKIdentityManager {
        private final PskKeys keys;
        private final byte[] hint;
        private final Outcome outcome;

        Identities(PskKeys keys, String hint, Outcome outcome) {
            this.keys = keys;
            this.hint = hint.getBytes(StandardCharsets.UTF_8);
            this.outcome = outcome;
        }

        @Override
        public byte[] getHint() {
            return hint.clone();
        }

        @Override
        public byte[] getPSK(byte[] identity) {
            String id = new String(identity, StandardCharsets.UTF_8);
            outcome.peer = "PSK identity " + LogText.printable(id, 128);
            return keys.keyFor(id).map(PskKeys::bytes).orElseGet(() -> {
                outcome.refused("unknown PSK identity " + LogText.printable(id, 128));
                return null;
            });
        }
    }

    /** RFC 5415 2.4.4.1 and 2.4.4.3: mutual certificates; the AP's needs id-kp-capwapWTP. */
    private static final class CertificateServer extends DefaultTlsServer {
        private final DtlsSettings settings;
        private final Credentials creds;
        private final KeyLog log;
        private final Outcome outcome;

        CertificateServer(DtlsSettings s, Credentials creds, KeyLog log, Outcome outcome) {
            super(CRYPTO);
            this.settings = s;
            this.creds = creds;
            this.log = log;
            this.outcome = outcome;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return supported(CERTIFICATE_SUITES);
        }

        @Override
        protected boolean preferLocalCipherSuites() {
            return true;
        }

        @Override
        protected boolean isSelectableCipherSuite(int cipherSuite, int availCurveBits, int availFiniteFieldBits, Vector sigAlgs) {
            // A suite signed with the other key type cannot be served with our key.
            int kx = TlsUtils.getKeyExchangeAlgorithm(cipherSuite);
            boolean ecKey = creds.key instanceof ECPrivateKey;
            boolean ecSuite = kx == org.bouncycastle.tls.KeyExchangeAlgorithm.ECDHE_ECDSA;
            return ecKey == ecSuite && super.isSelectableCipherSuite(cipherSuite, availCurveBits, availFiniteFieldBits, sigAlgs);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return (int) settings.handshakeTimeout().toMillis();
        }

        @Override
        protected TlsCredentialedSigner getRSASignerCredentials() throws IOException {
            return signer(context, creds, context.getSecurityParametersHandshake().getClientSigAlgs());
        }

        @Override
        protected TlsCredentialedSigner getECDSASignerCredentials() throws IOException {
            return signer(context, creds, context.getSecurityParametersHandshake().getClientSigAlgs());
        }

        @Override
        protected TlsCredentialedDecryptor getRSAEncryptionCredentials() throws IOException {
            return new JceDefaultTlsCredentialedDecryptor(CRYPTO, tlsChain(creds), creds.key);
        }

        @Override
        public CertificateRequest getCertificateRequest() {
            Vector<SignatureAndHashAlgorithm> algorithms = new Vector<>();
            for (short hash : new short[] {org.bouncycastle.tls.HashAlgorithm.sha256, org.bouncycastle.tls.HashAlgorithm.sha384}) {
                algorithms.add(SignatureAndHashAlgorithm.getInstance(hash, SignatureAlgorithm.ecdsa));
                algorithms.add(SignatureAndHashAlgorithm.getInstance(hash, SignatureAlgorithm.rsa));
            }
            return new CertificateRequest(new short[] {ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign}, algorithms, null);
        }

        @Override
        public void notifyClientCertificate(Certificate chain) throws IOException {
            check(creds, outcome, chain, Credentials.EKU_CAPWAP_WTP, "the AP");
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            outcome.alertRaised(description, message, cause);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            outcome.alertReceived(level, description);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.completed(context, log);
        }
    }

    private static final class PskClient extends PSKTlsClient {
        private final KeyLog log;
        private final Outcome outcome;
        private final int timeout;

        PskClient(DtlsSettings s, KeyLog log, Outcome outcome) {
            super(CRYPTO, identity(s));
            this.log = log;
            this.outcome = outcome;
            this.timeout = (int) s.handshakeTimeout().toMillis();
        }

        private static TlsPSKIdentity identity(DtlsSettings s) {
            Secret key = s.identityKey().orElseThrow();
            return new org.bouncycastle.tls.BasicTlsPSKIdentity(s.identity().orElseThrow().getBytes(StandardCharsets.UTF_8), PskKeys.bytes(key));
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return supported(PSK_SUITES);
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return timeout;
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            outcome.alertRaised(description, message, cause);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            outcome.alertReceived(level, description);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.completed(context, log);
        }
    }

    /** The AP: the controller's certificate needs id-kp-capwapAC. */
    private static final class CertificateClient extends DefaultTlsClient {
        private final Credentials creds;
        private final KeyLog log;
        private final Outcome outcome;

        private final int timeout;

        CertificateClient(DtlsSettings s, Credentials creds, KeyLog log, Outcome outcome) {
            super(CRYPTO);
            this.creds = creds;
            this.log = log;
            this.outcome = outcome;
            this.timeout = (int) s.handshakeTimeout().toMillis();
        }

        @Override
        public int getHandshakeTimeoutMillis() {
            return timeout; // without it Bouncy Castle retransmits for ever
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.DTLSv12.only();
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return supported(CERTIFICATE_SUITES);
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new TlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate server) throws IOException {
                    check(creds, outcome, server.getCertificate(), Credentials.EKU_CAPWAP_AC, "the controller");
                }

                @Override
                public TlsCredentials getClientCredentials(CertificateRequest request) throws IOException {
                    return signer(context, creds, request.getSupportedSignatureAlgorithms());
                }
            };
        }

        @Override
        public void notifyAlertRaised(short level, short description, String message, Throwable cause) {
            outcome.alertRaised(description, message, cause);
        }

        @Override
        public void notifyAlertReceived(short level, short description) {
            outcome.alertReceived(level, description);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            outcome.completed(context, log);
        }
    }
}
