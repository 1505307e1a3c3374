package io.attestream.deploy.chdb.internal;

import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * JNA mapping of the part of libchdb's C API (chdb.h, 26.5) the front uses. {@code size_t} maps
 * to {@code long} (x86-64 only, like the library itself). Handles are opaque pointers:
 * {@code chdb_connect} returns a {@code chdb_connection*}, whose target is the
 * {@code chdb_connection} the query functions take.
 */
public interface ChdbNative extends Library {

    /** Must be called with 0 before {@link #chdb_connect}: chdb's handlers would replace the JVM's. */
    void chdb_set_signal_handlers_enabled(int enabled);

    Pointer chdb_connect(int argc, String[] argv);

    void chdb_close_conn(Pointer connectionPtr);

    Pointer chdb_query_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen);

    Pointer chdb_query_with_params_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen,
                                     Pointer[] names, long[] nameLens, Pointer[] values, long[] valueLens,
                                     long count);

    Pointer chdb_stream_query_n(Pointer conn, byte[] query, long queryLen, byte[] format, long formatLen);

    Pointer chdb_stream_query_with_params_n(Pointer conn, byte[] query, long queryLen, byte[] format,
                                            long formatLen, Pointer[] names, long[] nameLens, Pointer[] values,
                                            long[] valueLens, long count);

    Pointer chdb_stream_fetch_result(Pointer conn, Pointer streamResult);

    void chdb_stream_cancel_query(Pointer conn, Pointer streamResult);

    void chdb_destroy_query_result(Pointer result);

    Pointer chdb_result_buffer(Pointer result);

    long chdb_result_length(Pointer result);

    double chdb_result_elapsed(Pointer result);

    long chdb_result_rows_read(Pointer result);

    long chdb_result_bytes_read(Pointer result);

    long chdb_result_rows_written(Pointer result);

    long chdb_result_bytes_written(Pointer result);

    String chdb_result_error(Pointer result);
}
