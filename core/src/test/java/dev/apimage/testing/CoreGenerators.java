package dev.apimage.testing;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.apimage.image.ImageType;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.transfer.Secret;
import java.util.List;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/** Generators of the core domain's values, shared by the property tests. */
public final class CoreGenerators {

    /** A file name hostile archive entries aim at; tests check it never appears outside their sandbox. */
    public static final String CANARY = "apimage-canary";

    private CoreGenerators() {
    }

    /** Version texts of 2..6 components, with leading zeros and letter suffixes. */
    public static Gen<String> versionTexts() {
        Gen<String> number = Generate.oneOf(integers().between(0, 20).map(i -> String.valueOf(i)),
                integers().between(0, 999_999_999).map(i -> String.valueOf(i)),
                integers().between(0, 99).map(i -> String.format("%02d", i)));
        Gen<String> suffix = Generate.pick(List.of("", "", "", "a", "b", "z", "aa"));
        Gen<String> component = number.zip(suffix, (n, s) -> n + s);
        return lists().of(component).ofSizeBetween(2, 6).map(l -> String.join(".", l));
    }

    /** Passwords: printable, any script, no surrounding white space. */
    public static Gen<String> passwords() {
        Gen<String> ascii = strings().betweenCodePoints(0x21, 0x7e).ofLengthBetween(4, 40);
        Gen<String> any = strings().betweenCodePoints(0x21, 0x2FFF).ofLengthBetween(4, 24)
                .map(s -> s.codePoints().map(c -> Character.isISOControl(c) || Character.isWhitespace(c)
                        || Character.isSpaceChar(c) ? 'x' : c)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
        Gen<String> inner = ascii.zip(ascii, (a, b) -> a + " " + b);
        return Generate.oneOf(ascii, any, inner).assuming(s -> !s.equals(Secret.MASK));
    }

    /** Image servers: IPv4, IPv6 and host names, with and without port. */
    public static Gen<ImageServer> servers() {
        Gen<String> ipv4 = integers().between(0, 255).zip(integers().between(0, 255), integers().between(0, 255),
                integers().between(1, 254), (a, b, c, d) -> a + "." + b + "." + c + "." + d);
        Gen<String> ipv6 = Generate.pick(List.of("::1", "2001:db8::5", "fe80::1:2:3:4", "2001:db8:0:0:0:0:0:62"));
        Gen<String> label = strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 12);
        Gen<String> name = lists().of(label).ofSizeBetween(1, 4).map(l -> String.join(".", l) + ".example");
        Gen<String> host = Generate.oneOf(ipv4, ipv6, name);
        return host.zip(integers().between(0, 65535), (h, p) -> p == 0 ? ImageServer.of(h) : ImageServer.of(h, p));
    }

    /** Image paths such as {@code /EWC/17_9_4a}. */
    public static Gen<String> imagePaths() {
        List<Character> alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."
                .chars().mapToObj(c -> (char) c).toList();
        Gen<String> segment = lists().of(Generate.pick(alphabet)).ofSizeBetween(1, 12)
                .map(l -> l.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining()));
        Gen<String> spaced = segment.zip(segment, (a, b) -> a + " " + b);
        return lists().of(Generate.oneOf(segment, segment, spaced)).ofSizeBetween(1, 5).map(l -> "/" + String.join("/", l));
    }

    /** Valid profiles of every mode. */
    public static Gen<ImageDownloadProfile> profiles() {
        Gen<String> users = strings().betweenCodePoints('a', 'z').ofLengthBetween(1, 16);
        Gen<ImageDownloadProfile> tftp = servers().zip(imagePaths(), Generate.booleans(), (s, p, par) ->
                ImageDownloadProfile.builder().mode(DownloadMode.TFTP).server(s).imagePath(p).parallelMode(par).build());
        Gen<ImageDownloadProfile> sftp = servers().zip(imagePaths(), users, passwords(), (s, p, u, pw) ->
                ImageDownloadProfile.builder().mode(DownloadMode.SFTP).server(s).imagePath(p)
                        .username(u).password(Secret.of(pw)).build());
        Gen<ImageDownloadProfile> other = Generate.pick(List.of(DownloadMode.HTTP, DownloadMode.CCO))
                .map(m -> ImageDownloadProfile.builder().mode(m).build());
        return Generate.oneOf(tftp, sftp, sftp, other);
    }

    /** The field's image types. */
    public static Gen<ImageType> imageTypes() {
        return Generate.pick(List.of(ImageType.AP1G4, ImageType.AP1G5, ImageType.AP1G6, ImageType.AP1G6A,
                ImageType.AP1G7, ImageType.AP1G8, ImageType.AP3G3));
    }

    /** Archive entry names built from hostile pieces: {@code ..}, absolute roots, backslashes, NUL, drive letters. */
    public static Gen<String> hostileEntryNames() {
        Gen<String> piece = Generate.pick(List.of("..", ".", "", "/", "\\", "ap1g8", "version.info", "C:", "tmp",
                CANARY, "\u0000", "a..b", "...", "~", "%2e%2e", "sub", " ", "\u2025"));
        Gen<String> sep = Generate.pick(List.of("/", "\\", "//", ""));
        return lists().of(piece.zip(sep, (p, s) -> p + s)).ofSizeBetween(1, 8).map(l -> String.join("", l))
                .assuming(s -> !s.isEmpty());
    }

    /**
     * Text a hostile peer sends: arbitrary bytes decoded as ISO-8859-1 (so every byte, CR, LF,
     * ESC and the C1 controls among them, becomes a char) or as UTF-8 (so bidirectional overrides,
     * separators and broken surrogates occur), mixed with pieces that forge log lines.
     */
    public static Gen<String> peerText() {
        Gen<byte[]> bytes = lists().of(integers().between(0, 255)).ofSizeBetween(0, 80).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) l.get(i);
            }
            return b;
        });
        Gen<String> latin1 = bytes.map(b -> new String(b, java.nio.charset.StandardCharsets.ISO_8859_1));
        Gen<String> utf8 = bytes.map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
        Gen<String> forged = Generate.pick(List.of("ap1g8\nINFO CapwapImageStreamer - COMPLETED 100%", "x\r\u001b[2K\u001b[1A",
                "\u202eevil\u202c", "a\u2028b\u2029c", "\ud800", "\u0085next", "\u009b31m", "\u200bzero"));
        return Generate.oneOf(latin1, utf8, forged, strings().allPossible().ofLengthBetween(0, 40));
    }

    /**
     * Whether a text may reach a log line or a terminal: nothing that ends a line, moves the cursor
     * or reorders what is shown.
     *
     * @param s the text
     * @return the first unsafe code point's index, or -1
     */
    public static int firstUnsafe(String s) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (Character.isSurrogate(s.charAt(i)) && Character.charCount(cp) == 1 || !dev.apimage.internal.LogText.safe(cp)) {
                return i;
            }
            i += Character.charCount(cp);
        }
        return -1;
    }
}
