package io.attestream.integrity.internal;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM reading and writing with safe permissions: private keys are created owner-only (0600) at
 * creation time, so there is no window where they are readable by others, and never overwrite.
 */
public final class KeyFiles {
    /** Owner read/write only. */
    public static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    /** Owner read/write, others read. */
    public static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    private KeyFiles() {
    }

    /**
     * Encodes one PEM block.
     *
     * @param type the PEM type, e.g. "PRIVATE KEY"
     * @param der the content
     * @return the PEM text, ending in a newline
     */
    public static String toPem(String type, byte[] der) {
        StringWriter sw = new StringWriter();
        try (PemWriter w = new PemWriter(sw)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException("writing PEM to memory failed", e);
        }
        return sw.toString();
    }

    /**
     * Decodes the first PEM block of the given type.
     *
     * @param pem the text
     * @param type the expected type
     * @param source where the text came from, for messages
     * @return the DER content
     * @throws IllegalArgumentException when there is no PEM block or it has another type
     */
    public static byte[] fromPem(String pem, String type, String source) {
        try (PemReader r = new PemReader(new StringReader(pem))) {
            PemObject o = r.readPemObject();
            if (o == null) {
                throw new IllegalArgumentException(source + " holds no PEM block");
            }
            if (!o.getType().equals(type)) {
                throw new IllegalArgumentException(source + " holds a '" + o.getType() + "' PEM block, expected '"
                        + type + "'");
            }
            return o.getContent();
        } catch (IOException e) {
            throw new IllegalArgumentException(source + " is not valid PEM: " + e.getMessage(), e);
        }
    }

    /**
     * Creates a new file with the given permissions (where the file system is POSIX) and content.
     *
     * @param path the file; MUST NOT exist
     * @param content the bytes
     * @param perms the permissions to create it with
     * @throws FileAlreadyExistsException when it exists (nothing is overwritten)
     * @throws IOException on other I/O errors
     */
    public static void createNew(Path path, byte[] content, Set<PosixFilePermission> perms) throws IOException {
        Set<OpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        boolean posix = isPosix(path);
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(perms)}
                : new FileAttribute<?>[0];
        try (SeekableByteChannel ch = Files.newByteChannel(path, opts, attrs)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
        if (posix) {
            // The umask may have removed bits from the creation mode; set exactly what was asked.
            Files.setPosixFilePermissions(path, perms);
        }
    }

    /**
     * Reads a private key file, refusing it when group or others may read or write it (like ssh).
     *
     * @param path the file
     * @return its text
     * @throws IOException on I/O errors
     * @throws IllegalArgumentException when the permissions are too open
     */
    public static String readPrivate(Path path) throws IOException {
        if (isPosix(path)) {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(path);
            for (PosixFilePermission bad : EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE)) {
                if (p.contains(bad)) {
                    throw new IllegalArgumentException("private key file " + path + " has permissions "
                            + PosixFilePermissions.toString(p) + "; it must be readable by its owner only "
                            + "(chmod 600 " + path + ")");
                }
            }
        }
        return Files.readString(path, StandardCharsets.US_ASCII);
    }

    private static boolean isPosix(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        return dir != null && dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
