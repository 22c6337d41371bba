package dev.closenotify.tck;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A contract test run once per protocol the contract covers (SEMANTICS.md: "for TLS 1.3 and TLS
 * 1.2"); the test method takes the protocol name as its only argument.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
public @interface EachProtocol {
}
