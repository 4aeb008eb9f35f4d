package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.apimage.testing.CapturedLogs;
import dev.apimage.transfer.TransferOptions;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Hostile names and malformed packets: clear ERRORs, nothing outside the root read, the server keeps serving. */
class TftpHostileInputTest {

    @TempDir
    Path dir;

    private TftpServer server;
    private InetSocketAddress address;
    private Path root;
    private Path secret;

    @BeforeEach
    void start() throws Exception {
        root = dir.resolve("root");
        TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 5000);
        secret = Files.writeString(dir.resolve("secret.txt"), "outside the root");
        Files.createSymbolicLink(root.resolve("escape"), secret);
        Files.createSymbolicLink(root.resolve("outdir"), dir);
        Files.createSymbolicLink(root.resolve("inside"), root.resolve("EWC/17_9_4a/ap1g8"));
        // Every hostile request here expects its ERROR: no refusal budget in the way.
        server = TftpServer.builder().root(root).port(0).retransmitInterval(Duration.ofMillis(100)).maxRetries(2)
                .refusalsPerSecond(1_000_000).build();
        address = server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void assertStillServing() throws Exception {
        Path got = TftpFixtures.download(TftpFixtures.uri(address, "/EWC/17_9_4a/ap1g8"), TransferOptions.defaults(),
                dir.resolve("check"), "ap1g8");
        assertTrue(TftpFixtures.sameContent(root.resolve("EWC/17_9_4a/ap1g8"), got));
    }

    private DatagramPacket errorFor(String name) throws Exception {
        Optional<DatagramPacket> r = RawTftp.exchange(address, RawTftp.request(1, name, "octet"), 2000);
        assertTrue(r.isPresent(), "an answer for " + name);
        assertEquals(TftpPackets.ERROR, RawTftp.opcode(r.get()), "ERROR for " + name);
        assertNotEquals(address.getPort(), r.get().getPort(), "the reply comes from a fresh port");
        return r.get();
    }

    @Test
    void hostileNamesGetAccessViolation() throws Exception {
        CapturedLogs.clear();
        for (String name : List.of("../../etc/passwd", "..", "EWC/../../secret.txt", "EWC\\..\\..\\secret.txt",
                "escape", "outdir/secret.txt", "ap1g8\u0001", "x".repeat(450))) {
            DatagramPacket e = errorFor(name);
            assertEquals(2, RawTftp.code(e), name + ": " + RawTftp.message(e));
            assertTrue(RawTftp.message(e).startsWith("Access violation"), RawTftp.message(e));
        }
        assertTrue(CapturedLogs.containing("refused: symbolic link leads outside the root").size() >= 2,
                CapturedLogs.lines().toString());
        assertTrue(CapturedLogs.containing("refused: '..' in file name").size() >= 2);
        assertStillServing();
        assertEquals(0, server.stats().bytesSent() - 5000, "nothing but the good file was served");
    }

    @Test
    void absoluteNamesAreRelativeToTheRootLikeTftpdHpaSecure() throws Exception {
        DatagramPacket e = errorFor("/etc/passwd");
        assertEquals(1, RawTftp.code(e), "looked up as <root>/etc/passwd, which does not exist");
        // Once <root>/etc/passwd exists, that is what "/etc/passwd" serves, never the host's.
        Path jailed = TftpFixtures.file(root, "etc/passwd", 777);
        Path served = TftpFixtures.download(TftpFixtures.uri(address, "/etc/passwd"), TransferOptions.defaults(), dir.resolve("p"), "p");
        assertTrue(TftpFixtures.sameContent(jailed, served));
        // The symlink inside the root that stays inside is served.
        Path got = TftpFixtures.download(TftpFixtures.uri(address, "/inside"), TransferOptions.defaults(), dir.resolve("c"), "i");
        assertTrue(TftpFixtures.sameContent(root.resolve("EWC/17_9_4a/ap1g8"), got));
    }

    /** A socket on a port not used in the last five seconds, so the server sees a new client. */
    private static java.net.DatagramSocket freshPort(java.util.Map<Integer, Long> used) throws java.io.IOException {
        for (int tries = 0; tries < 100; tries++) {
            java.net.DatagramSocket s = new java.net.DatagramSocket(0, TftpFixtures.LOOPBACK);
            long now = System.nanoTime();
            Long last = used.get(s.getLocalPort());
            if (last == null || now - last > 5_000_000_000L) {
                used.put(s.getLocalPort(), now);
                return s;
            }
            s.close();
        }
        throw new AssertionError("no fresh port in 100 tries");
    }

    @Test
    void theJailHoldsWhileANameIsSwappedForAnOutwardSymlink() throws Exception {
        // One thread swaps <root>/race between a regular file and a symlink to a file outside the
        // root; clients keep reading it. Whatever the interleaving, no byte from outside is served.
        byte[] inside = "inside the root".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] outside = Files.readAllBytes(secret);
        Path race = root.resolve("race");
        Path insideFile = Files.write(dir.resolve("race-inside"), inside);
        Path outsideLink = dir.resolve("race-link");
        Files.createSymbolicLink(outsideLink, secret);
        Files.copy(insideFile, race);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger swaps = new java.util.concurrent.atomic.AtomicInteger();
        Thread swapper = new Thread(() -> {
            Path staged = root.resolve(".race-staged");
            while (!stop.get() && swaps.get() < 1_000_000) {
                try {
                    boolean link = (swaps.getAndIncrement() & 1) == 0;
                    Files.deleteIfExists(staged);
                    if (link) {
                        Files.createSymbolicLink(staged, secret);
                    } else {
                        Files.copy(insideFile, staged);
                    }
                    Files.move(staged, race, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                } catch (java.io.IOException e) {
                    // a lost swap is fine; the next one follows
                }
            }
        }, "symlink-swapper");
        swapper.start();
        int data = 0;
        int refusedAsLink = 0;
        int leaked = 0;
        try {
            byte[] rrq = RawTftp.request(1, "race", "octet");
            byte[] buf = new byte[600];
            java.util.Map<Integer, Long> portsUsed = new java.util.HashMap<>();
            for (int i = 0; i < 3000; i++) {
                // A port of its own per request: an identical request from a port just used is a repeat.
                try (java.net.DatagramSocket sock = freshPort(portsUsed)) {
                    sock.setSoTimeout(2000);
                    sock.send(new DatagramPacket(rrq, rrq.length, address));
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    sock.receive(p);
                    if (RawTftp.opcode(p) == TftpPackets.DATA) {
                        data++;
                        byte[] payload = Arrays.copyOfRange(p.getData(), 4, p.getLength());
                        if (Arrays.equals(payload, outside)) {
                            leaked++;
                        } else {
                            assertTrue(Arrays.equals(payload, inside), "only the inside file: " + new String(payload));
                        }
                        byte[] ack = {0, 4, p.getData()[2], p.getData()[3]};
                        sock.send(new DatagramPacket(ack, ack.length, p.getSocketAddress()));
                    } else if (RawTftp.code(p) == 2) {
                        refusedAsLink++;
                    }
                }
            }
        } finally {
            stop.set(true);
            swapper.join(10_000);
        }
        assertEquals(0, leaked, "bytes from outside the root were served");
        assertTrue(swaps.get() > 3000, "the swapper ran: " + swaps.get() + " swaps");
        assertTrue(data > 0 && refusedAsLink > 0, "both states were seen: " + data + " served, " + refusedAsLink + " refused");
    }

    @Test
    void aNulInTheNameEndsTheNameAndTheRestIsMalformed() throws Exception {
        // "ap1g8" NUL "../../secret.txt" NUL "octet" NUL: the mode is "../../secret.txt", then an option without value.
        DatagramPacket e = errorFor("EWC/17_9_4a/ap1g8\u0000../../secret.txt");
        assertEquals(4, RawTftp.code(e), RawTftp.message(e));
        assertTrue(RawTftp.message(e).startsWith("Malformed request: option 'octet'"), RawTftp.message(e));
        DatagramPacket m = errorFor("EWC/17_9_4a/ap1g8\u0000../../secret.txt\u0000x");
        assertTrue(RawTftp.message(m).contains("unknown transfer mode"), RawTftp.message(m));
    }

    @Test
    void overlongRequestIsIllegal() throws Exception {
        DatagramPacket e = errorFor("a/".repeat(300));
        assertEquals(4, RawTftp.code(e));
        assertTrue(RawTftp.message(e).contains("exceeds 512"), RawTftp.message(e));
    }

    @Test
    void netasciiIsRefusedClearly() throws Exception {
        Optional<DatagramPacket> r = RawTftp.exchange(address, RawTftp.request(1, "EWC/17_9_4a/ap1g8", "netascii"), 2000);
        assertEquals(TftpPackets.ERROR, RawTftp.opcode(r.orElseThrow()));
        assertEquals("netascii mode is not supported; use octet (binary) mode", RawTftp.message(r.get()));
    }

    @Test
    void invalidOptionValuesAreLeftOutOfTheOack() throws Exception {
        Optional<DatagramPacket> r = RawTftp.exchange(address, RawTftp.request(1, "EWC/17_9_4a/ap1g8", "octet",
                "blksize", "0", "windowsize", "0", "tsize", "0", "timeout", "256", "bogus", "1"), 2000);
        DatagramPacket p = r.orElseThrow();
        assertEquals(TftpPackets.OACK, RawTftp.opcode(p));
        String oack = new String(p.getData(), 2, p.getLength() - 2, java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals("tsize\u00005000\u0000", oack, "only tsize was acceptable");
        Optional<DatagramPacket> clamp = RawTftp.exchange(address, RawTftp.request(1, "EWC/17_9_4a/ap1g8", "octet",
                "blksize", "70000"), 2000);
        String o2 = new String(clamp.orElseThrow().getData(), 2, clamp.get().getLength() - 2, java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals("blksize\u000065464\u0000", o2, "lowered to the RFC maximum");
    }

    /** Requests built from hostile pieces, then cut at a random point. */
    private static Gen<byte[]> malformedPackets() {
        Gen<Integer> opcode = Generate.pick(List.of(0, 1, 1, 1, 2, 3, 4, 5, 6, 7, 0xFFFF));
        Gen<String> piece = Generate.pick(List.of("EWC/17_9_4a/ap1g8", "", "octet", "netascii", "mail", "OCTET",
                "blksize", "0", "70000", "7", "65464", "windowsize", "65536", "tsize", "-1", "timeout", "256",
                "abc", "blksize", "1468", "../x", "a\\b", "\u00ff\u00fe"));
        Gen<List<String>> strings = lists().of(piece).ofSizeBetween(0, 10);
        Gen<byte[]> built = opcode.zip(strings, integers().between(0, 100), (op, s, cutPercent) -> {
            byte[] full = RawTftp.request(op, s.toArray(String[]::new));
            int cut = Math.max(0, full.length * cutPercent / 100);
            return cutPercent >= 80 ? full : Arrays.copyOf(full, cut);
        });
        Gen<byte[]> random = lists().of(integers().between(0, 255)).ofSizeBetween(0, 40).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) l.get(i);
            }
            return b;
        });
        return Generate.oneOf(built, built, built, random);
    }

    @Test
    void peerTextNeverReachesALogLineOrAnErrorRaw() throws Exception {
        CapturedLogs.clear();
        List<String> answers = new ArrayList<>();
        qt().withFixedSeed(0x6E6E).withExamples(200).forAll(dev.apimage.testing.CoreGenerators.peerText(),
                dev.apimage.testing.CoreGenerators.peerText()).checkAssert((name, option) -> {
            try {
                byte[] packet = requestBytes(name.replace('\u0000', '_'), option.replace('\u0000', '_'));
                RawTftp.exchange(address, packet, 40).ifPresent(p -> {
                    if (RawTftp.opcode(p) == TftpPackets.ERROR) {
                        answers.add(RawTftp.message(p));
                    }
                });
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(answers.size() > 10, "requests were answered: " + answers.size());
        for (String line : CapturedLogs.lines()) {
            assertEquals(-1, dev.apimage.testing.CoreGenerators.firstUnsafe(line), () -> "raw peer text in a log line: " + line);
        }
        for (String a : answers) {
            assertEquals(-1, dev.apimage.testing.CoreGenerators.firstUnsafe(a), () -> "raw peer text in an ERROR: " + a);
        }
    }

    /** An RRQ with a hostile file name and a hostile option (with and without a value), as ISO-8859-1 bytes. */
    private static byte[] requestBytes(String name, String option) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0);
        b.write(1);
        for (String part : new String[] {name, "octet", option, "1", option}) {
            byte[] bytes = part.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            b.write(bytes, 0, bytes.length);
            b.write(0);
        }
        return b.toByteArray();
    }

    @Test
    void malformedPacketsNeverBreakTheServer() throws Exception {
        CapturedLogs.clear();
        List<Integer> replies = new ArrayList<>();
        qt().withFixedSeed(0x7F7F).withExamples(150).forAll(malformedPackets()).checkAssert(packet -> {
            try {
                Optional<DatagramPacket> r = RawTftp.exchange(address, packet, 40);
                r.ifPresent(p -> {
                    int op = RawTftp.opcode(p);
                    replies.add(op);
                    assertTrue(op == TftpPackets.ERROR || op == TftpPackets.OACK || op == TftpPackets.DATA,
                            "unexpected reply opcode " + op);
                });
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(replies.contains(TftpPackets.ERROR), "some packets were answered with ERROR");
        assertStillServing();
        assertFalse(CapturedLogs.lines().stream().anyMatch(l -> l.contains("exceptionCaught") || l.contains("Exception")),
                "no uncaught exception: " + CapturedLogs.containing("xception"));
    }
}
