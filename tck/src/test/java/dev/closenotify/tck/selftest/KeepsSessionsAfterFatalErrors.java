package dev.closenotify.tck.selftest;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyManagementException;
import java.security.Principal;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.List;
import java.util.function.BiFunction;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * Broken: sessions survive a connection that ended without SENT or in a failure. The core drops a
 * session by {@code engine.getSession().invalidate()}; this provider's engines hand out sessions
 * whose {@code invalidate()} does nothing, so the session stays in the stack's cache, resumable,
 * and the outcome's {@code sessionKept()} (the core's decision) tells a lie.
 *
 * <p>What it cannot break: where SunJSSE itself ends a connection with a fatal alert (sent or
 * received), its own {@code TransportContext.fatal} invalidates the session directly, not through
 * the engine's {@code getSession()}; there the session is gone whatever the provider does. So the
 * distortion shows on the ends the core alone decides: an abortive close, a truncation, a reset, a
 * handshake cut short.
 */
final class KeepsSessionsAfterFatalErrors extends JdkTestProvider {
    static final String NAME = "keeps-sessions-after-fatal-errors";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    protected SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext real = super.newSslContext(keyManagers, trustManagers);
        return new SSLContext(new Spi(real), real.getProvider(), real.getProtocol()) {
        };
    }

    /** The real context's SPI, but its engines keep their sessions. */
    private static final class Spi extends SSLContextSpi {
        private final SSLContext real;

        Spi(SSLContext real) {
            this.real = real;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
            real.init(km, tm, random);
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return real.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return real.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return new KeepingEngine(real.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return new KeepingEngine(real.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return real.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return real.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return real.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return real.getSupportedSSLParameters();
        }
    }

    /** A real engine whose sessions ignore {@code invalidate()}. */
    private static final class KeepingEngine extends SSLEngine {
        private final SSLEngine e;

        KeepingEngine(SSLEngine e) {
            super(e.getPeerHost(), e.getPeerPort());
            this.e = e;
        }

        @Override
        public SSLSession getSession() {
            return new KeepingSession(e.getSession());
        }

        @Override
        public SSLSession getHandshakeSession() {
            SSLSession s = e.getHandshakeSession();
            return s == null ? null : new KeepingSession(s);
        }

        @Override
        public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) throws SSLException {
            return e.wrap(srcs, offset, length, dst);
        }

        @Override
        public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) throws SSLException {
            return e.unwrap(src, dsts, offset, length);
        }

        @Override
        public Runnable getDelegatedTask() {
            return e.getDelegatedTask();
        }

        @Override
        public void closeInbound() throws SSLException {
            e.closeInbound();
        }

        @Override
        public boolean isInboundDone() {
            return e.isInboundDone();
        }

        @Override
        public void closeOutbound() {
            e.closeOutbound();
        }

        @Override
        public boolean isOutboundDone() {
            return e.isOutboundDone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return e.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return e.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            e.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return e.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return e.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            e.setEnabledProtocols(protocols);
        }

        @Override
        public void beginHandshake() throws SSLException {
            e.beginHandshake();
        }

        @Override
        public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
            return e.getHandshakeStatus();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            e.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return e.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            e.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return e.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            e.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return e.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            e.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return e.getEnableSessionCreation();
        }

        @Override
        public SSLParameters getSSLParameters() {
            return e.getSSLParameters();
        }

        @Override
        public void setSSLParameters(SSLParameters params) {
            e.setSSLParameters(params);
        }

        @Override
        public String getApplicationProtocol() {
            return e.getApplicationProtocol();
        }

        @Override
        public String getHandshakeApplicationProtocol() {
            return e.getHandshakeApplicationProtocol();
        }

        @Override
        public void setHandshakeApplicationProtocolSelector(BiFunction<SSLEngine, List<String>, String> selector) {
            e.setHandshakeApplicationProtocolSelector(selector);
        }

        @Override
        public BiFunction<SSLEngine, List<String>, String> getHandshakeApplicationProtocolSelector() {
            return e.getHandshakeApplicationProtocolSelector();
        }
    }

    /** A real session, except that {@code invalidate()} does nothing: the distortion. */
    private record KeepingSession(SSLSession s) implements SSLSession {
        @Override
        public void invalidate() {
            // kept: the one thing this provider breaks
        }

        @Override
        public byte[] getId() {
            return s.getId();
        }

        @Override
        public SSLSessionContext getSessionContext() {
            return s.getSessionContext();
        }

        @Override
        public long getCreationTime() {
            return s.getCreationTime();
        }

        @Override
        public long getLastAccessedTime() {
            return s.getLastAccessedTime();
        }

        @Override
        public boolean isValid() {
            return s.isValid();
        }

        @Override
        public void putValue(String name, Object value) {
            s.putValue(name, value);
        }

        @Override
        public Object getValue(String name) {
            return s.getValue(name);
        }

        @Override
        public void removeValue(String name) {
            s.removeValue(name);
        }

        @Override
        public String[] getValueNames() {
            return s.getValueNames();
        }

        @Override
        public Certificate[] getPeerCertificates() throws SSLPeerUnverifiedException {
            return s.getPeerCertificates();
        }

        @Override
        public Certificate[] getLocalCertificates() {
            return s.getLocalCertificates();
        }

        @Override
        public Principal getPeerPrincipal() throws SSLPeerUnverifiedException {
            return s.getPeerPrincipal();
        }

        @Override
        public Principal getLocalPrincipal() {
            return s.getLocalPrincipal();
        }

        @Override
        public String getCipherSuite() {
            return s.getCipherSuite();
        }

        @Override
        public String getProtocol() {
            return s.getProtocol();
        }

        @Override
        public String getPeerHost() {
            return s.getPeerHost();
        }

        @Override
        public int getPeerPort() {
            return s.getPeerPort();
        }

        @Override
        public int getPacketBufferSize() {
            return s.getPacketBufferSize();
        }

        @Override
        public int getApplicationBufferSize() {
            return s.getApplicationBufferSize();
        }
    }
}
