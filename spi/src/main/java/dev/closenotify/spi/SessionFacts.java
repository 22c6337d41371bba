package dev.closenotify.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * What the handshake settled (SEMANTICS.md §8).
 *
 * @param protocol the negotiated protocol, e.g. {@code TLSv1.3}
 * @param cipherSuite the negotiated suite
 * @param sessionId the session id in lower-case hex; empty where the stack reports none (TLS 1.3
 *     ids are random or empty)
 * @param resumed whether this handshake resumed an earlier session, as seen on the wire (the
 *     ServerHello's {@code pre_shared_key} in TLS 1.3, an abbreviated flight in TLS 1.2)
 * @param applicationProtocol the ALPN protocol, if one was negotiated
 */
public record SessionFacts(String protocol, String cipherSuite, String sessionId, boolean resumed,
                           Optional<String> applicationProtocol) {
    public SessionFacts {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(applicationProtocol, "applicationProtocol");
    }
}
