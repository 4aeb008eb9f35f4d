package dev.apimage.tftp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Resolves requested file names inside the served root like {@code in.tftpd --secure}: every name
 * is relative to the root (leading slashes dropped), and a name is refused when it has a
 * {@code ..} component, a backslash, a control character, or leads through a symbolic link out of
 * the root. Names are normalised before they are checked.
 */
final class SecureRoot {

    /** A refused or missing name, with the TFTP error to send and a reason for the log. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final TftpError error;

        Refusal(TftpError error, String reason) {
            super(reason);
            this.error = error;
        }
    }

    private static final int MAX_NAME = 400;

    private final Path root;
    private final Path realRoot;

    SecureRoot(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException("TFTP root is not a directory: " + root);
        }
    }

    Path root() {
        return realRoot;
    }

    /** The lexical path of a name inside the root, checked for escapes but not for existence. */
    Path lexical(String name) throws Refusal {
        if (name.isEmpty()) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "empty file name");
        }
        if (name.length() > MAX_NAME) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "file name longer than " + MAX_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\') {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "backslash in file name");
            }
            if (Character.isISOControl(c)) {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "control character in file name");
            }
        }
        Path p = root;
        boolean any = false;
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "'..' in file name: outside the root");
            }
            p = p.resolve(part);
            any = true;
        }
        if (!any) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "names the root directory, not a file");
        }
        p = p.normalize();
        if (!p.startsWith(root)) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "outside the root");
        }
        return p;
    }

    /** An existing regular file to read. */
    Path forReading(String name) throws Refusal {
        Path p = lexical(name);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.exists(p)) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "no such file");
        }
        Path real = real(p);
        if (!Files.isRegularFile(real)) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "not a regular file");
        }
        if (!Files.isReadable(real)) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "not readable");
        }
        return real;
    }

    /** A file to write: existing (overwrite) or, when {@code create}, new in an existing directory. */
    Path forWriting(String name, boolean create) throws Refusal {
        Path p = lexical(name);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            Path real = real(p);
            if (!Files.isRegularFile(real)) {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "not a regular file");
            }
            return real;
        }
        if (!create) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "no such file, and creating files is not enabled");
        }
        Path parent = p.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "no such directory");
        }
        return real(parent).resolve(p.getFileName());
    }

    private Path real(Path p) throws Refusal {
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "no such file");
        }
        if (!real.startsWith(realRoot)) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "symbolic link leads outside the root");
        }
        return real;
    }
}
