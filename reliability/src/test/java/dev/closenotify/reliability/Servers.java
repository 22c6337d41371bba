package dev.closenotify.reliability;

import dev.closenotify.server.EchoServer;
import dev.closenotify.server.EchoServerConfig;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/** The embeddable echo server with the test certificates, and plain JDK TLS clients for it. */
final class Servers {

    private Servers() {
    }

    static EchoServerConfig config(String provider, ConnectionPolicy policy) {
        TlsConfig tls = TlsConfig.server(TestCertificates.get().serverKeyManager()).policy(policy).build();
        return EchoServerConfig.of(tls).withPort(0).withProvider(provider);
    }

    static EchoServer start(EchoServerConfig config) throws IOException {
        return new EchoServer(config).start();
    }

    static InetSocketAddress loopback(int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port);
    }

    /** A plain TCP socket to the server, with a read timeout. */
    static Socket raw(int port, int readTimeoutMillis) throws IOException {
        Socket s = new Socket();
        s.connect(loopback(port), 10_000);
        s.setSoTimeout(readTimeoutMillis);
        return s;
    }

    /** A JDK (SunJSSE) TLS client socket for {@code protocol}, handshaken, with a read timeout. */
    static SSLSocket jdkClient(int port, String protocol, int readTimeoutMillis)
            throws IOException, GeneralSecurityException {
        SSLContext ctx = TestCertificates.get().jdkClientContext();
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.connect(loopback(port), 10_000);
        s.setSoTimeout(readTimeoutMillis);
        s.setEnabledProtocols(new String[] {protocol});
        s.startHandshake();
        return s;
    }

    /** Writes {@code data} and reads its echo: the echo, byte for byte. */
    static byte[] echo(SSLSocket s, byte[] data) throws IOException {
        s.getOutputStream().write(data);
        s.getOutputStream().flush();
        return readExactly(s.getInputStream(), data.length);
    }

    static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int at = 0;
        while (at < n) {
            int r = in.read(b, at, n - at);
            if (r < 0) {
                return Arrays.copyOf(b, at);
            }
            at += r;
        }
        return b;
    }
}
