package io.attestream.deploy.chdb.internal;

/**
 * CityHash128 exactly as ClickHouse uses it for compressed-block checksums: Google's CityHash
 * v1.0.2 (ClickHouse vendors that version and never upgraded, because later versions changed
 * the output). Results are the two 64-bit halves {@code [low, high]}; the wire form writes low
 * then high, each little-endian.
 */
public final class CityHash128 {

    private static final long K0 = 0xc3a5c85c97cb3127L;
    private static final long K1 = 0xb492b66fbe98f273L;
    private static final long K2 = 0x9ae16a3b2f90404fL;
    private static final long K3 = 0xc949d7c7509e6557L;
    private static final long K_MUL = 0x9ddfea08eb382d69L;

    private CityHash128() {
    }

    /** Hashes {@code len} bytes of {@code s} from {@code off}; returns {@code {low, high}}. */
    public static long[] hash(byte[] s, int off, int len) {
        if (off < 0 || len < 0 || off + len > s.length) {
            throw new IndexOutOfBoundsException("off=" + off + " len=" + len + " length=" + s.length);
        }
        if (len >= 16) {
            return withSeed(s, off + 16, len - 16, fetch64(s, off) ^ K3, fetch64(s, off + 8));
        } else if (len >= 8) {
            return withSeed(s, off, 0, fetch64(s, off) ^ (len * K0), fetch64(s, off + len - 8) ^ K1);
        } else {
            return withSeed(s, off, len, K0, K1);
        }
    }

    private static long fetch64(byte[] b, int i) {
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24
                | (b[i + 4] & 0xFFL) << 32 | (b[i + 5] & 0xFFL) << 40 | (b[i + 6] & 0xFFL) << 48
                | (b[i + 7] & 0xFFL) << 56;
    }

    private static long fetch32(byte[] b, int i) {
        return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16 | (b[i + 3] & 0xFFL) << 24;
    }

    private static long rotate(long v, int shift) {
        return shift == 0 ? v : Long.rotateRight(v, shift);
    }

    private static long shiftMix(long v) {
        return v ^ (v >>> 47);
    }

    private static long hashLen16(long u, long v) {
        long a = (u ^ v) * K_MUL;
        a ^= a >>> 47;
        long b = (v ^ a) * K_MUL;
        b ^= b >>> 47;
        return b * K_MUL;
    }

    private static long hashLen0to16(byte[] s, int off, int len) {
        if (len > 8) {
            long a = fetch64(s, off);
            long b = fetch64(s, off + len - 8);
            // RotateByAtLeast1: len is 9..16 here, never 0.
            return hashLen16(a, Long.rotateRight(b + len, len)) ^ b;
        }
        if (len >= 4) {
            long a = fetch32(s, off);
            return hashLen16(len + (a << 3), fetch32(s, off + len - 4));
        }
        if (len > 0) {
            int a = s[off] & 0xFF;
            int b = s[off + (len >>> 1)] & 0xFF;
            int c = s[off + len - 1] & 0xFF;
            int y = a + (b << 8);
            int z = len + (c << 2);
            return shiftMix((y & 0xFFFFFFFFL) * K2 ^ (z & 0xFFFFFFFFL) * K3) * K2;
        }
        return K2;
    }

    private static long[] cityMurmur(byte[] s, int off, int len, long seedLow, long seedHigh) {
        long a = seedLow;
        long b = seedHigh;
        long c;
        long d;
        int l = len - 16;
        if (l <= 0) {
            a = shiftMix(a * K1) * K1;
            c = b * K1 + hashLen0to16(s, off, len);
            d = shiftMix(a + (len >= 8 ? fetch64(s, off) : c));
        } else {
            c = hashLen16(fetch64(s, off + len - 8) + K1, a);
            d = hashLen16(b + len, c + fetch64(s, off + len - 16));
            a += d;
            int p = off;
            do {
                a ^= shiftMix(fetch64(s, p) * K1) * K1;
                a *= K1;
                b ^= a;
                c ^= shiftMix(fetch64(s, p + 8) * K1) * K1;
                c *= K1;
                d ^= c;
                p += 16;
                l -= 16;
            } while (l > 0);
        }
        a = hashLen16(a, c);
        b = hashLen16(d, b);
        return new long[] {a ^ b, hashLen16(b, a)};
    }

    private static long[] withSeed(byte[] s, int off, int len, long seedLow, long seedHigh) {
        if (len < 128) {
            return cityMurmur(s, off, len, seedLow, seedHigh);
        }
        long x = seedLow;
        long y = seedHigh;
        long z = len * K1;
        long v0 = rotate(y ^ K1, 49) * K1 + fetch64(s, off);
        long v1 = rotate(v0, 42) * K1 + fetch64(s, off + 8);
        long w0 = rotate(y + z, 35) * K1 + x;
        long w1 = rotate(x + fetch64(s, off + 88), 53) * K1;
        int p = off;
        long[] t = new long[2];
        do {
            for (int round = 0; round < 2; round++) {
                x = rotate(x + y + v0 + fetch64(s, p + 16), 37) * K1;
                y = rotate(y + v1 + fetch64(s, p + 48), 42) * K1;
                x ^= w1;
                y ^= v0;
                z = rotate(z ^ w0, 33);
                weak32(s, p, v1 * K1, x + w0, t);
                v0 = t[0];
                v1 = t[1];
                weak32(s, p + 32, z + w1, y, t);
                w0 = t[0];
                w1 = t[1];
                long swap = z;
                z = x;
                x = swap;
                p += 64;
            }
            len -= 128;
        } while (len >= 128);
        y += rotate(w0, 37) * K0 + z;
        x += rotate(v0 + z, 49) * K0;
        for (int tailDone = 0; tailDone < len;) {
            tailDone += 32;
            y = rotate(y - x, 42) * K0 + v1;
            w0 += fetch64(s, p + len - tailDone + 16);
            x = rotate(x, 49) * K0 + w0;
            w0 += v0;
            weak32(s, p + len - tailDone, v0, v1, t);
            v0 = t[0];
            v1 = t[1];
        }
        x = hashLen16(x, v0);
        y = hashLen16(y, w0);
        return new long[] {hashLen16(x + v1, w1) + y, hashLen16(x + w1, y + v1)};
    }

    private static void weak32(byte[] s, int p, long a, long b, long[] out) {
        long w = fetch64(s, p);
        long x = fetch64(s, p + 8);
        long y = fetch64(s, p + 16);
        long z = fetch64(s, p + 24);
        a += w;
        b = rotate(b + a + z, 21);
        long c = a;
        a += x;
        a += y;
        b += rotate(a, 44);
        out[0] = a + z;
        out[1] = b + c;
    }
}
