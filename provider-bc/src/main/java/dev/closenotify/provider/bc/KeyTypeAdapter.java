package dev.closenotify.provider.bc;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.EdECKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.jsse.BCX509ExtendedKeyManager;

/**
 * Lets BCJSSE use a key manager that speaks SunJSSE's key type names, such as the JDK's own
 * {@code KeyManagerFactory} ("PKIX", "SunX509") managers that {@code TlsConfig} hands over.
 *
 * <p>BCJSSE asks a key manager in its own names: in TLS 1.3 the key algorithm with the named group
 * of the signature scheme ({@code EC/secp256r1}, {@code Ed25519}, {@code RSASSA-PSS},
 * {@code RSA}), in a TLS 1.2 server the key exchange's authentication type ({@code ECDHE_ECDSA},
 * {@code ECDHE_RSA}, {@code DHE_RSA}, {@code DHE_DSS}). A JDK key manager knows only key
 * algorithms ({@code EC}, {@code RSA}) and answers {@code null}: measured with bctls 1.84, the
 * server then fails the handshake with {@code handshake_failure} ("found no selectable cipher
 * suite"). This adapter asks the delegate in BC's name first (a BC-aware manager answers that),
 * then in the JDK's, and takes a JDK answer only if the certificate's key fits what BC asked for
 * (the named curve of {@code EC/secp256r1}, the variant of {@code Ed25519}). The delegate keeps
 * choosing: SNI-based selection and key rotation in a custom manager keep working.
 */
final class KeyTypeAdapter extends X509ExtendedKeyManager {
    private final X509KeyManager delegate;

    private KeyTypeAdapter(X509KeyManager delegate) {
        this.delegate = delegate;
    }

    /**
     * The key manager to give BCJSSE for {@code km}: BC's own managers as they are, any other
     * {@link X509KeyManager} adapted; anything else is refused.
     */
    static KeyManager adapt(KeyManager km) {
        Objects.requireNonNull(km, "km");
        if (km instanceof BCX509ExtendedKeyManager) {
            return km;
        }
        if (km instanceof X509KeyManager x) {
            return new KeyTypeAdapter(x);
        }
        throw new IllegalArgumentException("BCJSSE needs an X509KeyManager, got " + km.getClass().getName());
    }

    // ------------------------------------------------------------------ client

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return aliases(keyType, t -> delegate.getClientAliases(t, issuers));
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseAny(keyTypes, t -> delegate.chooseClientAlias(new String[] {t}, issuers, socket),
                t -> delegate.getClientAliases(t, issuers));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseAny(keyTypes, t -> delegate instanceof X509ExtendedKeyManager x
                        ? x.chooseEngineClientAlias(new String[] {t}, issuers, engine)
                        : delegate.chooseClientAlias(new String[] {t}, issuers, null),
                t -> delegate.getClientAliases(t, issuers));
    }

    // ------------------------------------------------------------------ server

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return aliases(keyType, t -> delegate.getServerAliases(t, issuers));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, t -> delegate.chooseServerAlias(t, issuers, socket),
                t -> delegate.getServerAliases(t, issuers));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, t -> delegate instanceof X509ExtendedKeyManager x
                        ? x.chooseEngineServerAlias(t, issuers, engine)
                        : delegate.chooseServerAlias(t, issuers, null),
                t -> delegate.getServerAliases(t, issuers));
    }

    // ------------------------------------------------------------------ keys

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return delegate.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return delegate.getPrivateKey(alias);
    }

    // ------------------------------------------------------------------ translation

    private interface Ask<T> {
        T ask(String keyType);
    }

    private String chooseAny(String[] keyTypes, Ask<String> choose, Ask<String[]> list) {
        if (keyTypes == null) {
            return null;
        }
        for (String keyType : keyTypes) {
            String alias = choose(keyType, choose, list);
            if (alias != null) {
                return alias;
            }
        }
        return null;
    }

    /** BC's name first, then each JDK name: the delegate's choice if it fits, else the first alias that fits. */
    private String choose(String bcType, Ask<String> choose, Ask<String[]> list) {
        if (bcType == null) {
            return null;
        }
        String alias = choose.ask(bcType);
        if (alias != null) {
            return alias;
        }
        for (String jdkType : jdkTypes(bcType)) {
            alias = choose.ask(jdkType);
            if (alias != null && fits(alias, bcType)) {
                return alias;
            }
            String[] all = list.ask(jdkType);
            if (all != null) {
                for (String a : all) {
                    if (fits(a, bcType)) {
                        return a;
                    }
                }
            }
        }
        return null;
    }

    private String[] aliases(String bcType, Ask<String[]> list) {
        if (bcType == null) {
            return null;
        }
        Set<String> found = new LinkedHashSet<>();
        String[] direct = list.ask(bcType);
        if (direct != null) {
            found.addAll(List.of(direct));
        }
        for (String jdkType : jdkTypes(bcType)) {
            String[] all = list.ask(jdkType);
            if (all != null) {
                for (String a : all) {
                    if (fits(a, bcType)) {
                        found.add(a);
                    }
                }
            }
        }
        return found.isEmpty() ? null : found.toArray(String[]::new);
    }

    /** SunJSSE's key type names for one of BCJSSE's; empty when BC's name is SunJSSE's too. */
    static List<String> jdkTypes(String bcType) {
        int slash = bcType.indexOf('/');
        if (slash > 0) {
            return List.of(bcType.substring(0, slash));
        }
        return switch (bcType.toUpperCase(Locale.ROOT)) {
            case "ECDHE_ECDSA", "ECDH_ECDSA" -> List.of("EC");
            case "ECDHE_RSA", "DHE_RSA", "ECDH_RSA", "DH_RSA", "SRP_RSA" -> List.of("RSA", "RSASSA-PSS");
            case "DHE_DSS", "DH_DSS", "SRP_DSS" -> List.of("DSA");
            case "ED25519", "ED448" -> List.of("EdDSA");
            default -> List.of();
        };
    }

    /** Whether {@code alias}'s certificate has the key BC asked for with {@code bcType}. */
    private boolean fits(String alias, String bcType) {
        X509Certificate[] chain = delegate.getCertificateChain(alias);
        if (chain == null || chain.length == 0 || chain[0] == null) {
            return false;
        }
        PublicKey key = chain[0].getPublicKey();
        int slash = bcType.indexOf('/');
        if (slash > 0) {
            return sameCurve(key, bcType.substring(slash + 1));
        }
        if (bcType.equalsIgnoreCase("Ed25519") || bcType.equalsIgnoreCase("Ed448")) {
            return key instanceof EdECKey ed ? ed.getParams().getName().equalsIgnoreCase(bcType)
                    : key.getAlgorithm().equalsIgnoreCase(bcType);
        }
        return true; // the delegate matched the key algorithm itself
    }

    private static boolean sameCurve(PublicKey key, String curve) {
        ASN1ObjectIdentifier wanted = ECNamedCurveTable.getOID(curve);
        if (wanted == null) {
            return false;
        }
        try {
            ASN1Encodable params = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
            return wanted.equals(params);
        } catch (RuntimeException e) {
            return false; // not a key in X.509 encoding, or not a named curve
        }
    }
}
