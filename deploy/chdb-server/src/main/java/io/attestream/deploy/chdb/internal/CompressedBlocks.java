package io.attestream.deploy.chdb.internal;

import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * ClickHouse's compressed block framing, used by the HTTP interface for {@code compress=1}
 * responses and {@code decompress=1} request bodies. Each block is
 * <pre>
 *   16 bytes  CityHash128 v1.0.2 of everything after it (low 64 bits LE, then high 64 bits LE)
 *    1 byte   method: 0x82 = LZ4 (0x02 = none is also accepted when reading)
 *    4 bytes  compressed size including these 9 header bytes, LE
 *    4 bytes  uncompressed size, LE
 *    n bytes  payload
 * </pre>
 */
public final class CompressedBlocks {

    /** Method byte of an LZ4 block. */
    public static final byte METHOD_LZ4 = (byte) 0x82;
    /** Method byte of an uncompressed block. */
    public static final byte METHOD_NONE = (byte) 0x02;
    /** Checksum plus method and the two sizes. */
    public static final int HEADER_SIZE = 16 + 9;
    /** ClickHouse's own default block size (DBMS_DEFAULT_BUFFER_SIZE). */
    public static final int DEFAULT_BLOCK_SIZE = 1 << 20;
    /** Refuse blocks claiming more than this: a corrupt or hostile size must not allocate gigabytes. */
    public static final int MAX_BLOCK_SIZE = 1 << 30;

    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();

    private CompressedBlocks() {
    }

    /** Raised when a request body is not valid compressed-block framing. */
    public static final class CorruptBlockException extends IOException {
        private static final long serialVersionUID = 1L;

        CorruptBlockException(String message) {
            super(message);
        }
    }

    /** Encodes one block of {@code data[off, off+len)} into a new array. */
    public static byte[] encodeBlock(byte[] data, int off, int len) {
        LZ4Compressor compressor = LZ4.fastCompressor();
        byte[] out = new byte[HEADER_SIZE + compressor.maxCompressedLength(len)];
        int n = encodeBlock(compressor, data, off, len, out);
        byte[] exact = new byte[n];
        System.arraycopy(out, 0, exact, 0, n);
        return exact;
    }

    private static int encodeBlock(LZ4Compressor compressor, byte[] data, int off, int len, byte[] out) {
        int compressed = compressor.compress(data, off, len, out, HEADER_SIZE, out.length - HEADER_SIZE);
        out[16] = METHOD_LZ4;
        putInt32(out, 17, compressed + 9);
        putInt32(out, 21, len);
        long[] h = CityHash128.hash(out, 16, compressed + 9);
        putInt64(out, 0, h[0]);
        putInt64(out, 8, h[1]);
        return HEADER_SIZE + compressed;
    }

    static void putInt32(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }

    static void putInt64(byte[] b, int i, long v) {
        for (int k = 0; k < 8; k++) {
            b[i + k] = (byte) (v >>> (8 * k));
        }
    }

    static int getInt32(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    static long getInt64(byte[] b, int i) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            v = (v << 8) | (b[i + k] & 0xFFL);
        }
        return v;
    }

    /** Buffers writes and emits them as LZ4 blocks of at most {@code blockSize} uncompressed bytes. */
    public static final class BlockOutputStream extends FilterOutputStream {
        private final LZ4Compressor compressor = LZ4.fastCompressor();
        private final byte[] buffer;
        private final byte[] frame;
        private int count;

        /** Wraps {@code out}; {@link #close()} flushes the last block and closes {@code out}. */
        public BlockOutputStream(OutputStream out, int blockSize) {
            super(out);
            if (blockSize <= 0 || blockSize > MAX_BLOCK_SIZE) {
                throw new IllegalArgumentException("blockSize out of range: " + blockSize);
            }
            this.buffer = new byte[blockSize];
            this.frame = new byte[HEADER_SIZE + compressor.maxCompressedLength(blockSize)];
        }

        @Override
        public void write(int b) throws IOException {
            if (count == buffer.length) {
                emit();
            }
            buffer[count++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (count == buffer.length) {
                    emit();
                }
                int n = Math.min(len, buffer.length - count);
                System.arraycopy(b, off, buffer, count, n);
                count += n;
                off += n;
                len -= n;
            }
        }

        private void emit() throws IOException {
            if (count == 0) {
                return;
            }
            int n = encodeBlock(compressor, buffer, 0, count, frame);
            out.write(frame, 0, n);
            count = 0;
        }

        /** Emits the buffered bytes as a block without flushing the stream below. */
        public void flushBlock() throws IOException {
            emit();
        }

        @Override
        public void flush() throws IOException {
            emit();
            out.flush();
        }

        @Override
        public void close() throws IOException {
            try {
                emit();
            } finally {
                out.close();
            }
        }
    }

    /** Reads compressed-block framing and yields the uncompressed bytes; every checksum is verified. */
    public static final class BlockInputStream extends InputStream {
        private final InputStream in;
        private final LZ4FastDecompressor decompressor = LZ4.fastDecompressor();
        private final byte[] header = new byte[HEADER_SIZE];
        private byte[] block = new byte[0];
        private byte[] plain = new byte[0];
        private int pos;
        private int limit;

        /** Wraps {@code in}. */
        public BlockInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (pos == limit && !refill()) {
                return -1;
            }
            return plain[pos++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos == limit && !refill()) {
                return -1;
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(plain, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean refill() throws IOException {
            while (true) {
                int got = readFully(header, 0, HEADER_SIZE, true);
                if (got == 0) {
                    return false;
                }
                byte method = header[16];
                int sizeWithHeader = getInt32(header, 17);
                int plainSize = getInt32(header, 21);
                if (method != METHOD_LZ4 && method != METHOD_NONE) {
                    throw new CorruptBlockException(String.format(
                            "unknown compression method 0x%02x in compressed block (only LZ4 0x82 and none 0x02)",
                            method & 0xFF));
                }
                if (sizeWithHeader < 9 || sizeWithHeader > MAX_BLOCK_SIZE || plainSize < 0
                        || plainSize > MAX_BLOCK_SIZE) {
                    throw new CorruptBlockException("compressed block with impossible sizes: compressed="
                            + sizeWithHeader + " uncompressed=" + plainSize);
                }
                if (block.length < sizeWithHeader) {
                    block = new byte[sizeWithHeader];
                }
                System.arraycopy(header, 16, block, 0, 9);
                readFully(block, 9, sizeWithHeader - 9, false);
                long[] h = CityHash128.hash(block, 0, sizeWithHeader);
                if (h[0] != getInt64(header, 0) || h[1] != getInt64(header, 8)) {
                    throw new CorruptBlockException("checksum mismatch in compressed block (CityHash128)");
                }
                if (plain.length < plainSize) {
                    plain = new byte[plainSize];
                }
                if (method == METHOD_NONE) {
                    if (sizeWithHeader - 9 != plainSize) {
                        throw new CorruptBlockException("uncompressed block size mismatch");
                    }
                    System.arraycopy(block, 9, plain, 0, plainSize);
                } else {
                    try {
                        int used = decompressor.decompress(block, 9, plain, 0, plainSize);
                        if (used != sizeWithHeader - 9) {
                            throw new CorruptBlockException("LZ4 block length mismatch");
                        }
                    } catch (LZ4Exception e) {
                        throw new CorruptBlockException("malformed LZ4 data in compressed block: " + e.getMessage());
                    }
                }
                pos = 0;
                limit = plainSize;
                if (plainSize > 0) {
                    return true;
                }
            }
        }

        private int readFully(byte[] b, int off, int len, boolean eofAllowedAtStart) throws IOException {
            int n = 0;
            while (n < len) {
                int r = in.read(b, off + n, len - n);
                if (r < 0) {
                    if (n == 0 && eofAllowedAtStart) {
                        return 0;
                    }
                    throw new EOFException("truncated compressed block: got " + n + " of " + len + " bytes");
                }
                n += r;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
