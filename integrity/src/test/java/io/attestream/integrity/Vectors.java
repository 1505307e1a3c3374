package io.attestream.integrity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads the tab-separated vector files under src/test/resources/vectors ('#' lines are comments). */
public final class Vectors {
    private Vectors() {
    }

    /**
     * The rows of a vector file.
     *
     * @param name file name under vectors/
     * @return rows split on tabs
     */
    public static List<String[]> rows(String name) {
        try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test vector file vectors/" + name);
            }
            List<String[]> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    out.add(line.split("\t", -1));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalStateException("vector file vectors/" + name + " has no rows");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A comma-separated list of hex hashes; "-" is the empty list.
     *
     * @param cell the cell
     * @return the hashes
     */
    public static List<Hash> hashes(String cell) {
        List<Hash> out = new ArrayList<>();
        if (!cell.equals("-")) {
            for (String h : cell.split(",")) {
                out.add(Hash.fromHex(h));
            }
        }
        return out;
    }

    /**
     * Hex to bytes.
     *
     * @param hex the text
     * @return the bytes
     */
    public static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /**
     * Leaf data i of the Merkle vector files: SHA-256(ASCII "leaf-i").
     *
     * @param i index
     * @return the leaf data
     */
    public static Hash leaf(int i) {
        return Hash.sha256(("leaf-" + i).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Bytes to lower-case hex.
     *
     * @param b the bytes
     * @return the text
     */
    public static String hexOf(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
