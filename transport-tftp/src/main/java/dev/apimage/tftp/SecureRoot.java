package dev.apimage.tftp;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * Resolves requested file names inside the served root like {@code in.tftpd --secure}: every name
 * is relative to the root (leading slashes dropped), and a name is refused when it has a
 * {@code ..} component, a backslash, a control character, or leads through a symbolic link out of
 * the root. Names are normalised before they are checked.
 *
 * <p>A check followed by an open is a race: a name swapped for a symbolic link between the two
 * would be followed out of the root. So {@link #openForReading(String)} does not open the checked
 * path by name. It walks the real path from a directory handle on the root, held open for the
 * root's life, one component at a time with {@code O_NOFOLLOW} ({@link SecureDirectoryStream},
 * {@code openat}): if any component has become a symbolic link since the check, the open fails
 * and the request is refused. Links inside the root that lead inside it still work, since the
 * walk follows their resolved target. Where the platform has no secure directory stream, the file
 * key of the file opened is compared with that of the path checked, before and after the open.
 */
final class SecureRoot implements AutoCloseable {

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
    /** The root, held open: every read is opened relative to it. Null where unsupported. */
    private final SecureDirectoryStream<Path> rootHandle;

    SecureRoot(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = this.root.toRealPath();
        if (!Files.isDirectory(realRoot)) {
            throw new IOException("TFTP root is not a directory: " + root);
        }
        DirectoryStream<Path> ds = Files.newDirectoryStream(realRoot);
        if (ds instanceof SecureDirectoryStream<Path> sds) {
            rootHandle = sds;
        } else {
            ds.close();
            rootHandle = null;
        }
    }

    @Override
    public void close() {
        if (rootHandle != null) {
            try {
                rootHandle.close();
            } catch (IOException e) {
                // nothing held beyond the descriptor
            }
        }
    }

    /**
     * Opens an existing regular file inside the root for reading, safe against a concurrent swap
     * of any component for a symbolic link (see the class comment).
     *
     * @param name the requested name
     * @return the open channel with the path and attributes checked; the caller closes it
     * @throws Refusal when the name is refused, missing, not a regular file, or changed under the open
     */
    Opened openForReading(String name) throws Refusal {
        Path real = forReading(name);
        Path rel = realRoot.relativize(real);
        try {
            return rootHandle != null ? walk(real, rel) : openAndCompare(real);
        } catch (NoSuchFileException e) {
            throw new Refusal(TftpError.FILE_NOT_FOUND, "no such file");
        } catch (AccessDeniedException e) {
            throw new Refusal(TftpError.ACCESS_VIOLATION, "not readable");
        } catch (FileSystemException e) {
            // ELOOP from O_NOFOLLOW, or a directory where the check saw a file: the tree changed.
            throw new Refusal(TftpError.ACCESS_VIOLATION, "file changed while it was opened (a symbolic link swapped in?)");
        } catch (IOException e) {
            // The JDK reports O_NOFOLLOW's ELOOP as a plain IOException too.
            throw new Refusal(TftpError.ACCESS_VIOLATION, "file changed while it was opened (a symbolic link swapped in?)");
        }
    }

    /**
     * A file opened for reading.
     *
     * @param channel the open file
     * @param path its real path inside the root
     * @param attributes its attributes, read just before the open
     */
    record Opened(FileChannel channel, Path path, BasicFileAttributes attributes) {
    }

    private Opened walk(Path real, Path rel) throws IOException, Refusal {
        SecureDirectoryStream<Path> dir = rootHandle;
        try {
            for (int i = 0; i < rel.getNameCount() - 1; i++) {
                SecureDirectoryStream<Path> next = dir.newDirectoryStream(rel.getName(i), LinkOption.NOFOLLOW_LINKS);
                if (dir != rootHandle) {
                    dir.close();
                }
                dir = next;
            }
            Path leaf = rel.getFileName();
            BasicFileAttributes a = dir.getFileAttributeView(leaf, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
            if (!a.isRegularFile()) {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "not a regular file");
            }
            SeekableByteChannel ch = dir.newByteChannel(leaf, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
            if (ch instanceof FileChannel fc) {
                return new Opened(fc, real, a);
            }
            ch.close();
            throw new IOException("the platform's secure directory stream does not open file channels");
        } finally {
            if (dir != rootHandle) {
                dir.close();
            }
        }
    }

    private Opened openAndCompare(Path real) throws IOException, Refusal {
        BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object before = attributes.fileKey();
        FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        boolean ok = false;
        try {
            Object after = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (before == null || !before.equals(after) || !real.toRealPath().equals(real)) {
                throw new Refusal(TftpError.ACCESS_VIOLATION, "file changed while it was opened");
            }
            ok = true;
            return new Opened(ch, real, attributes);
        } finally {
            if (!ok) {
                ch.close();
            }
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
