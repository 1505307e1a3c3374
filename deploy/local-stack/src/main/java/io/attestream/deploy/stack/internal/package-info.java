/**
 * Implementation of the local stack: child-process supervision (PID files, SIGTERM then kill),
 * downloads into the cache directory, port checks, and one class per service that knows how to
 * prepare, launch and probe it. Not API: may change without notice.
 */
package io.attestream.deploy.stack.internal;
