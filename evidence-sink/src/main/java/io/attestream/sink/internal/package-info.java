/**
 * Implementation of the sink: DDL migrations, record-to-row mapping, the ClickHouse store with its offset
 * bookkeeping, the consumer loop and its metrics. Not API.
 */
package io.attestream.sink.internal;
