/**
 * chdb-server: libchdb (the ClickHouse engine as a library) in its own process behind the
 * ClickHouse HTTP interface, so the unmodified clickhouse-jdbc driver and curl work against it.
 * Public API: {@link io.attestream.deploy.chdb.ChdbLibrary} (fetch and cache the library),
 * {@link io.attestream.deploy.chdb.ChdbServerConfig} and {@link io.attestream.deploy.chdb.ChdbUsers}
 * (configuration), {@link io.attestream.deploy.chdb.ChdbServerProcess} (launch as a child JVM) and
 * {@link io.attestream.deploy.chdb.ChdbServerMain} (the process itself).
 */
package io.attestream.deploy.chdb;
