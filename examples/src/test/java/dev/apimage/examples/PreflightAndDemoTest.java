package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.testing.Tshark;
import dev.apimage.tftp.TftpServer;
import dev.apimage.transfer.Secret;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apimage preflight} against real TFTP and SFTP servers, and {@code apimage demo} as a test. */
class PreflightAndDemoTest {

    @TempDir
    Path dir;

    private Path root;

    @BeforeEach
    void bundle() throws Exception {
        root = dir.resolve("server");
        SampleBundle.write(root.resolve("EWC/17_9_4a"), 1000, false);
    }

    private Path profile(ImageDownloadProfile p) throws Exception {
        Path f = dir.resolve(p.name() + ".txt");
        Files.writeString(f, p.renderCliWithSecrets());
        return f;
    }

    private static ImageDownloadProfile tftp(int port, String path) {
        return ImageDownloadProfile.builder().name("t" + Math.abs(path.hashCode())).mode(DownloadMode.TFTP)
                .server(ImageServer.of("127.0.0.1", port)).imagePath(path).build();
    }

    @Test
    void preflightPassesWhenTheServerHasEverythingAndNamesEachProblemOtherwise() throws Exception {
        try (TftpServer server = TftpServer.builder().root(root).address(InetAddress.getLoopbackAddress()).port(0).build()) {
            int port = server.start().getPort();
            CliRun ok = new CliRun();
            assertEquals(0, ok.run("preflight", "--profile", profile(tftp(port, "/EWC/17_9_4a")).toString(),
                    "--models", "C9105AXI-E,C9120AXI-E,AIR-AP3802I-E-K9"), ok.out + "" + ok.err);
            String text = ok.out.toString();
            assertTrue(text.contains("version.info") && text.contains("AP image version 17.9.4.27"), text);
            assertTrue(text.matches("(?s).*image ap1g8\\s+OK\\s+present and readable, 70,512 bytes.*"), text);
            assertTrue(text.contains("Preflight passed"), text);

            CliRun wrong = new CliRun();
            assertEquals(1, wrong.run("preflight", "--profile", profile(tftp(port, "/Wrong-Path")).toString(), "--models", "C9105AXI-E"));
            assertTrue(wrong.out.toString().contains("Failed to download file tftp://127.0.0.1:" + port
                    + "/Wrong-Path/ap1g8: No such file or directory"), wrong.out.toString());

            Files.delete(root.resolve("EWC/17_9_4a/ap3g3"));
            CliRun missing = new CliRun();
            assertEquals(1, missing.run("preflight", "--profile", profile(tftp(port, "/EWC/17_9_4a")).toString(),
                    "--models", "C9105AXI-E,AIR-AP3802I-E-K9,NOPE-1"));
            String m = missing.out.toString();
            assertTrue(m.matches("(?s).*image ap3g3\\s+FAILED\\s+No such file or directory.*"), m);
            assertTrue(m.matches("(?s).*model NOPE-1\\s+FAILED\\s+Not Supported.*"), m);
            assertTrue(m.contains("  Failed to download file tftp://127.0.0.1:" + port + "/EWC/17_9_4a/ap3g3: No such file or directory"), m);
        }
    }

    @Test
    void preflightReportsAServerThatDoesNotAnswerAsTimedOut() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        CliRun cli = new CliRun();
        assertEquals(1, cli.run("preflight", "--profile", profile(tftp(port, "/EWC/17_9_4a")).toString(), "--timeout", "1"));
        String text = cli.out.toString();
        assertTrue(text.contains("Failed to download file tftp://127.0.0.1:" + port + "/EWC/17_9_4a/version.info: Timed out"), text);
        assertTrue(text.contains("Preflight FAILED"), text);
    }

    @Test
    void preflightOverSftpVerifiesTheHostKey() throws Exception {
        char[] password = "lab-Secret-9".toCharArray();
        try (EmbeddedSftpServer sftp = new EmbeddedSftpServer(root, dir.resolve("hostkey"), "calo", password)) {
            Path knownHosts = dir.resolve("known_hosts");
            Files.writeString(knownHosts, sftp.knownHostsLine() + "\n");
            ImageDownloadProfile p = ImageDownloadProfile.builder().name("s").mode(DownloadMode.SFTP)
                    .server(ImageServer.of("127.0.0.1", sftp.port())).imagePath("/EWC/17_9_4a").username("calo")
                    .password(Secret.of(password)).build();
            CliRun cli = new CliRun();
            assertEquals(0, cli.run("preflight", "--profile", profile(p).toString(), "--known-hosts", knownHosts.toString(),
                    "--models", "C9130AXI-E"), cli.out + "" + cli.err);
            assertTrue(cli.out.toString().matches("(?s).*image ap1g6a\\s+OK.*"), cli.out.toString());
            assertTrue(!cli.out.toString().contains("lab-Secret-9") && !cli.err.toString().contains("lab-Secret-9"), "no secret in output");

            CliRun unknownHost = new CliRun();
            assertEquals(1, unknownHost.run("preflight", "--profile", profile(p).toString(), "--known-hosts",
                    dir.resolve("empty_known_hosts").toString(), "--models", "C9130AXI-E"));
        }
    }

    @Test
    void theDemoRunsAndPassesAndItsCaptureReadsCleanlyInTshark() throws Exception {
        CliRun cli = new CliRun();
        Path pcap = dir.resolve("demo.pcap");
        int status = cli.run("demo", "--capwap-port", "0", "--scale", "1000", "--aps", "12", "--dtls", "none", "--pcap", pcap.toString());
        String out = cli.out.toString();
        assertEquals(0, status, out + cli.err);
        assertTrue(out.contains("[ok] TFTP: every AP that needs the image has it as its backup image, as the APs report it"), out);
        assertTrue(out.contains("[ok] TFTP: after activation every AP runs 17.9.4.27, as it reports when it joins again"), out);
        assertTrue(out.contains("[ok] SFTP: every AP that needs the image has it as its backup image, as the APs report it"), out);
        assertTrue(out.contains("[ok] SFTP: after activation every AP runs 17.9.4.27, as it reports when it joins again"), out);
        assertTrue(out.contains("Activate: Reset Request to 10 APs; they reboot into 17.9.4.27 and join again"), out);
        assertTrue(out.contains("[ok] Wrong path: every AP failed with 'No such file or directory'"), out);
        assertTrue(out.contains("Completed predownloading : 10"), out);
        assertTrue(out.contains("%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add sftp://*****@127.0.0.1:"), out);
        assertTrue(out.contains("%INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package tftp://127.0.0.1:"), out);
        assertTrue(out.contains("Demo passed."), out);
        // After activation, show ap image is what the APs said when they joined again: the new image primary, the old backup.
        String activated = out.substring(out.indexOf("show ap image (after activation"), out.indexOf("show ap image (after Save & Download with"));
        assertTrue(activated.matches("(?s).*AP-9120-01 +17\\.9\\.4\\.27 +17\\.3\\.3\\.26 +None.*"), activated);

        java.util.regex.Matcher written = java.util.regex.Pattern.compile("(\\d+) CAPWAP datagrams written to .* \\(the controller on UDP port (\\d+)\\)")
                .matcher(out);
        assertTrue(written.find(), out);
        List<String[]> rows = Tshark.capwap(pcap, Integer.parseInt(written.group(2)), "capwap.control.header.message_type",
                "capwap.control.message_element.wtp_board_data.wtp_model_number", "capwap.control.message_element.ac_name",
                "capwap.control.message_element.ac_information.software_version", "capwap.control.message_element.result_code",
                "capwap.message_element.type", "capwap.message_element.value");
        assertEquals(Integer.parseInt(written.group(1)), rows.size(), "every datagram of the demo's controller decoded as CAPWAP control");
        java.util.Map<String, Integer> types = new java.util.TreeMap<>();
        java.util.Set<String> models = new java.util.TreeSet<>();
        String imageIdentifier = "00003763" + "31372e392e342e3237"; // vendor 14179, "17.9.4.27"
        int joinsOnOld = 0;
        int joinsOnNew = 0;
        for (String[] f : rows) {
            String row = String.join("|", f);
            types.merge(f[0], 1, Integer::sum);
            switch (f[0]) {
                case "3" -> {
                    models.add(f[1]);
                    // The WTP Descriptor's active software version (sub-element 1), as Cisco APs send it: four bytes.
                    joinsOnOld += f[6].contains("00409600000100041103031a") ? 1 : 0;
                    joinsOnNew += f[6].contains("00409600000100041109041b") ? 1 : 0;
                }
                case "2", "4" -> {
                    assertEquals("EWC-9120", f[2], row);
                    assertEquals("17.9.4.27", f[3], row);
                }
                case "7", "17" -> assertTrue(f[5].equals("25") && f[6].equals(imageIdentifier), "the Image Identifier: " + row);
                default -> { }
            }
            if (List.of("4", "8", "16", "18").contains(f[0])) {
                assertEquals("0", f[4], "success: " + row);
            }
        }
        assertEquals(java.util.Set.of("AIR-AP1852I-E-K9", "AIR-AP2802I-E-K9", "AIR-AP3802I-E-K9", "C9105AXI-E", "C9105AXWI-E",
                "C9115AXI-E", "C9117AXI-E", "C9120AXE-E", "C9120AXI-E", "C9124AXI-E", "C9130AXI-E", "XYZ-1000"), models);
        // 12 APs join; the 10 that predownloaded are told to reset, and join again on the new image.
        // At least (a request not answered in time is repeated byte for byte).
        assertTrue(types.get("7") >= 10, "Configuration Update Requests with the Image Identifier: " + types);
        assertTrue(types.get("17") >= 10, "Reset Requests: " + types);
        assertTrue(types.get("3") >= 22, "Join Requests: " + types);
        assertTrue(joinsOnOld >= 11, "joins on 17.3.3.26: " + joinsOnOld);
        assertTrue(joinsOnNew >= 11, "joins on 17.9.4.27, the one already on it and the ten after their reset: " + joinsOnNew);
        for (String t : List.of("1", "2", "5", "6", "11", "12", "15", "16", "8", "18")) {
            assertTrue(types.containsKey(t), "message type " + t + " on the wire: " + types);
        }
    }

    @Test
    void aDtlsDemoRunDecryptsInTsharkWithTheKeyLogAndCarriesTheCapwapMessages() throws Exception {
        CliRun cli = new CliRun();
        Path pcap = dir.resolve("dtls-demo.pcap");
        Path keys = dir.resolve("dtls-demo.keys");
        // Certificate mode: its suite (ECDHE-RSA with AES-GCM) is one Wireshark 4.0 decrypts; RFC 8442's ECDHE_PSK GCM is not.
        int status = cli.run("demo", "--capwap-port", "0", "--scale", "1000", "--aps", "12", "--dtls", "cert", "--dtls-key-log",
                keys.toString(), "--pcap", pcap.toString());
        String out = cli.out.toString();
        assertEquals(0, status, out + cli.err);
        assertTrue(out.contains("DTLS suite negotiated by AP-9120-01: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), out);
        java.util.regex.Matcher written = java.util.regex.Pattern.compile("(\\d+) CAPWAP datagrams written to .* \\(the controller on UDP port (\\d+)\\)")
                .matcher(out);
        assertTrue(written.find(), out);
        int port = Integer.parseInt(written.group(2));
        // Pass 1: tshark decrypts every session with the key log. Wireshark has no CAPWAP-over-DTLS
        // association, so it shows the decrypted records as bytes ...
        Process p = new ProcessBuilder("/usr/bin/tshark", "-n", "-2", "-r", pcap.toString(), "-d", "udp.port==" + port + ",capwap",
                "-o", "tls.keylog_file:" + keys, "-x").redirectErrorStream(true).start();
        String hex = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        List<dev.apimage.internal.Pcap.Datagram> inside = new java.util.ArrayList<>();
        for (String block : hex.split("\\n\\s*\\n")) {
            String[] sections = block.split("(?m)^(?=Decrypted DTLS \\(\\d+ bytes\\):)");
            if (sections.length < 2) {
                continue;
            }
            byte[] frame = bytes(sections[0]);
            java.net.InetSocketAddress from = address(frame, 12, 20);
            java.net.InetSocketAddress to = address(frame, 16, 22);
            for (int i = 1; i < sections.length; i++) {
                byte[] clear = bytes(sections[i].substring(sections[i].indexOf('\n') + 1));
                if (clear.length >= 8 && clear[0] == 0) { // a CAPWAP header, not a decrypted Finished
                    inside.add(new dev.apimage.internal.Pcap.Datagram(from, to, clear));
                }
            }
        }
        // ... pass 2: tshark decodes what the sessions carried as CAPWAP.
        Path clearPcap = dir.resolve("inside.pcap");
        java.nio.file.Files.write(clearPcap, dev.apimage.internal.Pcap.of(inside));
        List<String[]> rows = Tshark.capwap(clearPcap, port, "capwap.control.header.message_type",
                "capwap.control.message_element.wtp_board_data.wtp_model_number", "capwap.control.message_element.ac_name");
        assertEquals(inside.size(), rows.size(), "every decrypted record is a CAPWAP control message");
        java.util.Map<String, Integer> types = new java.util.TreeMap<>();
        for (String[] f : rows) {
            types.merge(f[0], 1, Integer::sum);
            if (f[0].equals("4")) {
                assertEquals("EWC-9120", f[2], String.join("|", f));
            }
        }
        // At least once each (a request the peer did not answer in time is repeated, byte for byte).
        assertTrue(types.get("3") >= 22, "Join Requests inside DTLS, 12 joins and 10 after the resets: " + types);
        assertTrue(types.get("7") >= 10, "Configuration Update Requests inside DTLS: " + types);
        assertTrue(types.getOrDefault("15", 0) > 100, "Image Data inside DTLS: " + types);
        assertTrue(types.get("17") >= 10, "Reset Requests inside DTLS: " + types);
        assertTrue(!types.containsKey("1") && !types.containsKey("2"), "Discovery is in the clear, not inside a session: " + types);
    }

    private static byte[] bytes(String hexDump) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String line : hexDump.split("\\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^[0-9a-f]{4}  ((?:[0-9a-f]{2} ?)+)").matcher(line);
            if (m.find()) {
                for (String x : m.group(1).trim().split("\\s+")) {
                    b.write(Integer.parseInt(x, 16));
                }
            }
        }
        return b.toByteArray();
    }

    private static java.net.InetSocketAddress address(byte[] ipv4, int at, int portAt) throws java.net.UnknownHostException {
        return new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(java.util.Arrays.copyOfRange(ipv4, at, at + 4)),
                (ipv4[portAt] & 0xFF) << 8 | ipv4[portAt + 1] & 0xFF);
    }
}
