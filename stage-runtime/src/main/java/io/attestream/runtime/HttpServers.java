package io.attestream.runtime;

/**
 * What every JDK {@code com.sun.net.httpserver} server of a stage needs before it is created.
 *
 * <p>The JDK's server leaves Nagle's algorithm on unless the system property {@value #NO_DELAY_PROPERTY} is true
 * when its first server is created (the property is read once per JVM). It writes a response's headers and body
 * separately, so with Nagle on the body waits for the client's ACK of the headers, which Linux delays by up to 40 ms:
 * measured on the local ClickHouse front, every JDBC query took 47-52 ms, 5-18 ms with the property set (docs/performance.md).
 */
public final class HttpServers {
    /** The JDK's switch for TCP_NODELAY on the server's accepted connections. */
    public static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

    private HttpServers() {
    }

    /**
     * Turns Nagle's algorithm off for the JDK HTTP servers this JVM creates from now on, unless the property was set
     * already (an operator's {@code -Dsun.net.httpserver.nodelay=false} wins). Call it before the first
     * {@code HttpServer.create} of the JVM: later calls change nothing.
     */
    public static void noDelay() {
        if (System.getProperty(NO_DELAY_PROPERTY) == null) {
            System.setProperty(NO_DELAY_PROPERTY, "true");
        }
    }
}
