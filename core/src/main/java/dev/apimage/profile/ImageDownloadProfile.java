package dev.apimage.profile;

import dev.apimage.image.ImageType;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.UriRedaction;
import dev.apimage.internal.LogText;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The controller's image download profile: where the APs' images come from.
 *
 * <p>Immutable; made with {@link #builder()} or parsed from the controller's CLI form with
 * {@link #parseCli(String)}:
 *
 * <pre>
 * wireless profile image-download default
 *  image-download-mode sftp
 *  sftp-image-server 172.16.5.62
 *  sftp-image-path /Documents/sftp_files/EWC_17_9_4a
 *  sftp-username calo
 *  sftp-password 0 &lt;password&gt;
 * </pre>
 *
 * <p>One image's URI is {@code <mode>://[user@]server<path>/<imagetype>}
 * ({@link #imageUri(ImageType)}); logs show it with the user masked
 * ({@link #redactedImageUri(ImageType)}: {@code sftp://*****@172.16.5.62/.../ap3g3}). The password
 * is a {@link Secret}: {@link #toString()}, {@link #renderCli()} and every exception text leave it
 * out; only {@link #renderCliWithSecrets()}, meant for writing a configuration file, spells it.
 *
 * <p>Extensions beyond the controller's own syntax, so that lab servers on loopback can be named:
 * a server may carry a port ({@code tftp-image-server 127.0.0.1:6969}, {@code [::1]:6969}), and
 * {@code parallel-mode} on a line of its own enables parallel mode (absent means disabled, the
 * controller's default). Prompts copied from a session ({@code 9120-EWC(config)#}), blank lines,
 * {@code !} comments, {@code exit} and {@code end} are ignored when parsing.
 */
public final class ImageDownloadProfile {

    /** The only profile name the controller has. */
    public static final String DEFAULT_NAME = "default";

    private static final String HEADER = "wireless profile image-download ";
    private static final Pattern PROMPT = Pattern.compile("^[^\\s()#]+\\([^)]*\\)#");
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]{0,63}");

    private final String name;
    private final DownloadMode mode;
    private final ImageServer server;
    private final String imagePath;
    private final String username;
    private final Secret password;
    private final boolean parallelMode;

    private ImageDownloadProfile(Builder b) {
        this.name = b.name;
        this.mode = b.mode;
        this.server = b.server;
        this.imagePath = b.imagePath;
        this.username = b.username;
        this.password = b.password;
        this.parallelMode = b.parallelMode;
    }

    /**
     * A new builder with no mode set and parallel mode disabled.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this profile's values, to derive a changed copy.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder().name(name).mode(mode).parallelMode(parallelMode);
        b.server = server;
        b.imagePath = imagePath;
        b.username = username;
        b.password = password;
        return b;
    }

    /**
     * The profile's name.
     *
     * @return {@value #DEFAULT_NAME} unless set otherwise
     */
    public String name() {
        return name;
    }

    /**
     * The download mode.
     *
     * @return the mode
     */
    public DownloadMode mode() {
        return mode;
    }

    /**
     * The image server.
     *
     * @return the server, empty for modes without one (HTTP, CCO)
     */
    public Optional<ImageServer> server() {
        return Optional.ofNullable(server);
    }

    /**
     * The directory of the extracted bundle on the image server.
     *
     * @return the path, starting with {@code /}; empty for modes without an image server
     */
    public Optional<String> imagePath() {
        return Optional.ofNullable(imagePath);
    }

    /**
     * The SFTP user name.
     *
     * @return the user, present only in SFTP mode
     */
    public Optional<String> username() {
        return Optional.ofNullable(username);
    }

    /**
     * The SFTP password.
     *
     * @return the password, present only in SFTP mode
     */
    public Optional<Secret> password() {
        return Optional.ofNullable(password);
    }

    /**
     * Transfer options carrying this profile's credentials ({@link TransferOptions#USERNAME},
     * {@link TransferOptions#PASSWORD}; nothing in TFTP mode), to add the rest to.
     *
     * @return a builder
     */
    public TransferOptions.Builder transferOptions() {
        TransferOptions.Builder b = TransferOptions.builder();
        username().ifPresent(u -> b.set(TransferOptions.USERNAME, u));
        password().ifPresent(pw -> b.set(TransferOptions.PASSWORD, pw));
        return b;
    }

    /**
     * Whether the controller image and the AP images are fetched at the same time.
     *
     * @return true when parallel mode is enabled
     */
    public boolean parallelMode() {
        return parallelMode;
    }

    /**
     * The URI of one image on the image server: {@code <mode>://[user@]server[:port]<path>/<type>}.
     *
     * @param type the image type
     * @return for example {@code tftp://172.16.5.27/EWC/17_9_4a/ap1g8}
     * @throws IllegalStateException when the mode fetches from no image server (HTTP, CCO)
     */
    public URI imageUri(ImageType type) {
        Objects.requireNonNull(type, "type");
        if (!mode.usesImageServer()) {
            throw new IllegalStateException("image-download-mode " + mode.keyword()
                    + " fetches from no image server, so an image has no URI");
        }
        String path = imagePath.endsWith("/") ? imagePath + type.name() : imagePath + "/" + type.name();
        try {
            return new URI(mode.keyword(), username, server.host(), server.port().orElse(-1), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot form an image URI: " + e.getReason(), e);
        }
    }

    /**
     * The image URI as logs show it, the user masked.
     *
     * @param type the image type
     * @return for example {@code sftp://*****@172.16.5.62/Documents/sftp_files/EWC_17_9_4a/ap3g3}
     */
    public String redactedImageUri(ImageType type) {
        return UriRedaction.redact(imageUri(type));
    }

    /**
     * The controller CLI block with the password masked ({@code sftp-password 0 *****}); safe to
     * log or show.
     *
     * @return the block, one command a line, each ending in a newline
     */
    public String renderCli() {
        return render(false);
    }

    /**
     * The controller CLI block with the password spelled out, exactly as {@link #parseCli(String)}
     * reads it back. Meant for writing a configuration file; never log it.
     *
     * @return the block, one command a line, each ending in a newline
     */
    public String renderCliWithSecrets() {
        return render(true);
    }

    private String render(boolean withSecrets) {
        StringBuilder b = new StringBuilder();
        b.append(HEADER).append(name).append('\n');
        b.append(" image-download-mode ").append(mode.keyword()).append('\n');
        if (mode.usesImageServer()) {
            String k = mode.keyword();
            b.append(' ').append(k).append("-image-server ").append(server).append('\n');
            b.append(' ').append(k).append("-image-path ").append(imagePath).append('\n');
        }
        if (mode == DownloadMode.SFTP) {
            b.append(" sftp-username ").append(username).append('\n');
            b.append(" sftp-password 0 ");
            if (withSecrets) {
                b.append(password.toCharArray());
            } else {
                b.append(Secret.MASK);
            }
            b.append('\n');
        }
        if (parallelMode) {
            b.append(" parallel-mode\n");
        }
        return b.toString();
    }

    /**
     * Parses the controller CLI block (see the class description for what is accepted).
     *
     * @param text the block
     * @return the profile
     * @throws ProfileParseException naming the line, when the block is not a valid profile
     */
    public static ImageDownloadProfile parseCli(String text) throws ProfileParseException {
        Objects.requireNonNull(text, "text");
        String[] lines = text.split("\r?\n|\r", -1);
        Builder b = builder();
        boolean header = false;
        int[] seen = new int[Key.values().length];
        for (int i = 0; i < lines.length; i++) {
            int no = i + 1;
            String line = PROMPT.matcher(lines[i].strip()).replaceFirst("").strip();
            if (line.isEmpty() || line.startsWith("!") || line.equals("exit") || line.equals("end")) {
                continue;
            }
            if (line.startsWith(HEADER.strip())) {
                if (header) {
                    throw new ProfileParseException(no, "a second 'wireless profile image-download' header");
                }
                String rest = line.substring(HEADER.strip().length()).strip();
                if (rest.isEmpty() || rest.contains(" ")) {
                    throw new ProfileParseException(no, "expected 'wireless profile image-download <name>'");
                }
                b.name(rest);
                header = true;
                continue;
            }
            if (!header) {
                throw new ProfileParseException(no, "expected 'wireless profile image-download default' before '"
                        + firstWord(line) + "'");
            }
            String keyword = firstWord(line);
            Key key = Key.of(keyword);
            if (key == null) {
                throw new ProfileParseException(no, "unknown command '" + LogText.printable(keyword, 64) + "'");
            }
            if (seen[key.ordinal()] != 0) {
                throw new ProfileParseException(no, "'" + keyword + "' given twice (first on line "
                        + seen[key.ordinal()] + ")");
            }
            seen[key.ordinal()] = no;
            String arg = line.substring(keyword.length()).strip();
            try {
                apply(b, key, arg, no);
            } catch (IllegalArgumentException e) {
                throw new ProfileParseException(no, key == Key.SFTP_PASSWORD ? "invalid sftp-password" : e.getMessage());
            }
        }
        if (!header) {
            throw new ProfileParseException(0, "no 'wireless profile image-download default' block found");
        }
        if (b.mode == null) {
            throw new ProfileParseException(0, "missing 'image-download-mode'");
        }
        for (Key k : Key.values()) {
            if (seen[k.ordinal()] != 0 && k.mode != null && k.mode != b.mode) {
                throw new ProfileParseException(seen[k.ordinal()], "'" + k.keyword + "' does not apply to image-download-mode "
                        + b.mode.keyword());
            }
        }
        for (Key k : Key.values()) {
            if (k.mode == b.mode && seen[k.ordinal()] == 0) {
                throw new ProfileParseException(0, "image-download-mode " + b.mode.keyword() + " needs '" + k.keyword + "'");
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ProfileParseException(0, e.getMessage());
        }
    }

    private static void apply(Builder b, Key key, String arg, int no) throws ProfileParseException {
        if (key != Key.PARALLEL && arg.isEmpty()) {
            throw new ProfileParseException(no, "'" + key.keyword + "' needs a value");
        }
        switch (key) {
            case MODE -> b.mode(DownloadMode.ofKeyword(arg).orElseThrow(() -> new ProfileParseException(no,
                    "unknown image-download-mode '" + LogText.printable(arg, 64) + "' (tftp, sftp, http, cco)")));
            case TFTP_SERVER, SFTP_SERVER -> b.server = ImageServer.parse(arg);
            case TFTP_PATH, SFTP_PATH -> b.imagePath(arg);
            case SFTP_USERNAME -> b.username(arg);
            case SFTP_PASSWORD -> {
                if (arg.length() < 2 || arg.charAt(1) != ' ') {
                    throw new ProfileParseException(no, "expected 'sftp-password 0 <password>'");
                }
                char type = arg.charAt(0);
                if (type == '8' || type == '6' || type == '7') {
                    throw new ProfileParseException(no, "sftp-password of encryption type " + type
                            + " cannot be read; write it as 'sftp-password 0 <password>'");
                }
                if (type != '0') {
                    throw new ProfileParseException(no, "expected 'sftp-password 0 <password>'");
                }
                String pw = arg.substring(2).strip();
                if (pw.equals(Secret.MASK)) {
                    throw new ProfileParseException(no, "sftp-password is masked (" + Secret.MASK
                            + "); the profile needs the real password");
                }
                b.password(Secret.of(pw));
            }
            case PARALLEL -> {
                if (!arg.isEmpty()) {
                    throw new ProfileParseException(no, "'parallel-mode' takes no value");
                }
                b.parallelMode(true);
            }
        }
    }

    private static String firstWord(String line) {
        int sp = line.indexOf(' ');
        return sp < 0 ? line : line.substring(0, sp);
    }

    /** The commands of the profile block; {@code mode} is the mode a command belongs to. */
    private enum Key {
        MODE("image-download-mode", null),
        TFTP_SERVER("tftp-image-server", DownloadMode.TFTP),
        TFTP_PATH("tftp-image-path", DownloadMode.TFTP),
        SFTP_SERVER("sftp-image-server", DownloadMode.SFTP),
        SFTP_PATH("sftp-image-path", DownloadMode.SFTP),
        SFTP_USERNAME("sftp-username", DownloadMode.SFTP),
        SFTP_PASSWORD("sftp-password", DownloadMode.SFTP),
        PARALLEL("parallel-mode", null);

        final String keyword;
        final DownloadMode mode;

        Key(String keyword, DownloadMode mode) {
            this.keyword = keyword;
            this.mode = mode;
        }

        static Key of(String keyword) {
            for (Key k : values()) {
                if (k.keyword.equals(keyword.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageDownloadProfile p
                && name.equals(p.name) && mode == p.mode && parallelMode == p.parallelMode
                && Objects.equals(server, p.server) && Objects.equals(imagePath, p.imagePath)
                && Objects.equals(username, p.username) && Objects.equals(password, p.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, mode, server, imagePath, username, parallelMode);
    }

    /** The profile with the password masked. */
    @Override
    public String toString() {
        return "ImageDownloadProfile[" + name + ", mode " + mode.keyword()
                + (server != null ? ", server " + server + ", path " + imagePath : "")
                + (username != null ? ", user " + username + ", password " + Secret.MASK : "")
                + ", parallel mode " + (parallelMode ? "enabled" : "disabled") + "]";
    }

    /** Builds an {@link ImageDownloadProfile}; {@link #build()} checks that the values fit the mode. */
    public static final class Builder {
        private String name = DEFAULT_NAME;
        private DownloadMode mode;
        private ImageServer server;
        private String imagePath;
        private String username;
        private Secret password;
        private boolean parallelMode;

        private Builder() {
        }

        /**
         * Sets the profile's name.
         *
         * @param name default {@value #DEFAULT_NAME}
         * @return this builder
         */
        public Builder name(String name) {
            if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > ' ' && c < 127)) {
                throw new IllegalArgumentException("profile name must be printable ASCII without spaces");
            }
            this.name = name;
            return this;
        }

        /**
         * Sets the download mode.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(DownloadMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Sets the image server.
         *
         * @param server the server
         * @return this builder
         */
        public Builder server(ImageServer server) {
            this.server = Objects.requireNonNull(server, "server");
            return this;
        }

        /**
         * Sets the image server from its text form ({@link ImageServer#parse(String)}).
         *
         * @param server for example {@code 172.16.5.27} or {@code [::1]:6969}
         * @return this builder
         */
        public Builder server(String server) {
            return server(ImageServer.parse(server));
        }

        /**
         * Sets the image path, the bundle's directory on the server. A missing leading {@code /}
         * is added; a trailing {@code /} is dropped.
         *
         * @param path for example {@code /EWC/17_9_4a}
         * @return this builder
         */
        public Builder imagePath(String path) {
            Objects.requireNonNull(path, "path");
            String p = path.strip();
            if (p.isEmpty() || !p.equals(path)) {
                throw new IllegalArgumentException("image path must be non-empty and have no surrounding white space");
            }
            for (int i = 0; i < p.length(); i++) {
                if (Character.isISOControl(p.charAt(i))) {
                    throw new IllegalArgumentException("image path has a control character at position " + (i + 1));
                }
            }
            if (!p.startsWith("/")) {
                p = "/" + p;
            }
            while (p.length() > 1 && p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            this.imagePath = p;
            return this;
        }

        /**
         * Sets the SFTP user.
         *
         * @param username letters, digits, {@code .}, {@code _}, {@code -}; at most 64
         * @return this builder
         */
        public Builder username(String username) {
            if (username == null || !USERNAME.matcher(username).matches()) {
                throw new IllegalArgumentException("SFTP user name must be 1-64 letters, digits, '.', '_' or '-'"
                        + " (not starting with '-')");
            }
            this.username = username;
            return this;
        }

        /**
         * Sets the SFTP password.
         *
         * @param password non-empty, no control characters, no surrounding white space
         * @return this builder
         */
        public Builder password(Secret password) {
            Objects.requireNonNull(password, "password");
            if (password.length() == 0) {
                throw new IllegalArgumentException("SFTP password must not be empty");
            }
            for (int i = 0; i < password.length(); i++) {
                if (Character.isISOControl(password.charAt(i))) {
                    throw new IllegalArgumentException("SFTP password has a control character at position " + (i + 1));
                }
            }
            if (Character.isWhitespace(password.charAt(0)) || Character.isWhitespace(password.charAt(password.length() - 1))) {
                throw new IllegalArgumentException("SFTP password must not begin or end with white space");
            }
            this.password = password;
            return this;
        }

        /**
         * Enables or disables parallel mode.
         *
         * @param enabled true to fetch the controller and AP images at the same time
         * @return this builder
         */
        public Builder parallelMode(boolean enabled) {
            this.parallelMode = enabled;
            return this;
        }

        /**
         * Checks the values against the mode and builds the profile. TFTP needs server and path;
         * SFTP needs server, path, user and password; HTTP and CCO take none of them.
         *
         * @return the profile
         * @throws IllegalStateException naming what is missing or does not apply
         */
        public ImageDownloadProfile build() {
            if (mode == null) {
                throw new IllegalStateException("image-download-mode is not set");
            }
            String k = mode.keyword();
            if (mode.usesImageServer()) {
                require(server != null, "image-download-mode " + k + " needs " + k + "-image-server");
                require(imagePath != null, "image-download-mode " + k + " needs " + k + "-image-path");
            } else {
                require(server == null && imagePath == null,
                        "image-download-mode " + k + " takes no image server or image path");
            }
            if (mode == DownloadMode.SFTP) {
                require(username != null, "image-download-mode sftp needs sftp-username");
                require(password != null, "image-download-mode sftp needs sftp-password");
            } else {
                require(username == null && password == null,
                        "image-download-mode " + k + " takes no sftp-username or sftp-password");
            }
            return new ImageDownloadProfile(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalStateException(message);
            }
        }
    }
}
