package io.attestream.deploy.chdb.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts bytes read and fails once more than the limit arrived. */
final class BodyLimitInputStream extends FilterInputStream {

    /** The body is larger than the configured limit. */
    static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(long limit) {
            super("request body exceeds " + limit + " bytes (raise --max-body-bytes to accept larger bodies)");
        }
    }

    private final long limit;
    private long count;

    BodyLimitInputStream(InputStream in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && ++count > limit) {
            throw new TooLargeException(limit);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count > limit) {
                throw new TooLargeException(limit);
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported on request bodies");
    }
}
