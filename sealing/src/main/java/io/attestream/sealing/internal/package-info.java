/** Implementation helpers of the sealing module; not an API. */
package io.attestream.sealing.internal;
