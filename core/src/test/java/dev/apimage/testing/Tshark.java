package dev.apimage.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Wireshark's CAPWAP dissector as a second reader of what we put on the wire: runs {@code tshark}
 * on a pcap file and returns the fields asked for, one row per packet, after checking that no
 * packet is malformed and that the only expert infos are the dissector's notes on the image
 * elements it does not decode (RFC 5415 elements 24 to 27), or the UDP dissector's traceroute guess
 * about an ephemeral port.
 */
public final class Tshark {

    private static final Path TSHARK = Path.of("/usr/bin/tshark");
    private static final Pattern ALLOWED_NOTE = Pattern.compile("Expert Info \\(Note/Undecoded\\): Dissector for CAPWAP Message Element "
            + "\\((Image Data|Image Identifier|Image Information|Initiate Download)\\) type not implemented.*"
            // The UDP dissector's guess when an ephemeral port falls in traceroute's range (33434 to 33534): about ports, not our bytes.
            + "|Expert Info \\(Chat/Sequence\\): Possible traceroute: .*");

    private Tshark() {
    }

    /**
     * The fields of every packet, the first field being the CAPWAP control message type.
     *
     * @param pcap the capture
     * @param controlPort the controller's port to decode as CAPWAP control, or 0 for the standard 5246
     * @param fields tshark field names, the first {@code capwap.control.header.message_type}
     * @return one row per packet, the fields in the order asked for
     * @throws IOException when tshark cannot run
     * @throws InterruptedException when interrupted
     * @throws AssertionError when tshark is missing, a packet is malformed, or has another expert info
     */
    public static List<String[]> capwap(Path pcap, int controlPort, String... fields) throws IOException, InterruptedException {
        if (!Files.isExecutable(TSHARK)) {
            throw new AssertionError("tshark not found: install Debian package 'tshark' (.ci/run does)");
        }
        List<String> command = new ArrayList<>(List.of(TSHARK.toString(), "-n", "-r", pcap.toString()));
        if (controlPort != 0) {
            command.addAll(List.of("-d", "udp.port==" + controlPort + ",capwap"));
        }
        command.addAll(List.of("-T", "fields", "-E", "separator=|"));
        for (String f : fields) {
            command.addAll(List.of("-e", f));
        }
        command.addAll(List.of("-e", "_ws.expert", "-e", "_ws.malformed"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tshark did not finish in 120 s");
        }
        List<String[]> rows = new ArrayList<>();
        // tshark may first warn about running as root; the decoded rows start with the message type.
        for (String line : out.lines().filter(l -> !l.isEmpty() && Character.isDigit(l.charAt(0))).toList()) {
            String[] f = line.split("\\|", -1);
            if (f.length != fields.length + 2) {
                throw new AssertionError("unexpected tshark row: " + line);
            }
            if (!f[fields.length + 1].isEmpty()) {
                throw new AssertionError("malformed: " + line);
            }
            for (String expert : f[fields.length].split(",(?=Expert Info)")) {
                if (!expert.isEmpty() && !ALLOWED_NOTE.matcher(expert).matches()) {
                    throw new AssertionError("expert info: " + line);
                }
            }
            rows.add(java.util.Arrays.copyOf(f, fields.length));
        }
        if (rows.isEmpty()) {
            throw new AssertionError("tshark decoded nothing: " + out.lines().limit(20).toList());
        }
        return rows;
    }
}
