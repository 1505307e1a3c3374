/** Implementation of the witness: its durable per-log state files. Not API. */
package io.attestream.witness.internal;
