package io.attestream.deploy.stack.internal;

import io.attestream.deploy.stack.PortInUseException;
import io.attestream.deploy.stack.StackConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Port checks on 127.0.0.1. */
public final class Ports {
    private Ports() {
    }

    /**
     * @param port the port
     * @param key the {@link StackConfig} key setting it
     * @throws PortInUseException when something already listens there
     */
    public static void requireFree(int port, String key) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new PortInUseException(port, key, StackConfig.optionFor(key));
        }
    }

    /** @param port the port @return true when something accepts connections on 127.0.0.1:port */
    public static boolean answers(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return a port that was free on 127.0.0.1 a moment ago */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }
}
