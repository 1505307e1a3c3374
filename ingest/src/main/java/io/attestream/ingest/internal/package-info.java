/** Implementation of the SDK and the gateway: JSON mapping, API keys, the spool, HTTP handlers. Not public API. */
package io.attestream.ingest.internal;
