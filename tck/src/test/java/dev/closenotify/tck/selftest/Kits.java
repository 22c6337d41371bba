package dev.closenotify.tck.selftest;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.tck.ShutdownProviderTck;

/**
 * The kit against each provider of the self-tests. Not run by surefire on their own (not named
 * like tests): {@link TckSelfTest} runs the parts it needs with the launcher.
 */
final class Kits {
    private Kits() {
    }

    /** The unbroken provider: what every selected test must pass. */
    static final class Control extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new JdkTestProvider();
        }
    }

    static final class NeverSends extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new NeverSendsCloseNotify(new JdkTestProvider());
        }
    }

    static final class TooEarly extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new CompleteTooEarly(new JdkTestProvider());
        }
    }

    static final class KeepsSessions extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new KeepsSessionsAfterFatalErrors();
        }
    }

    static final class FalseHalfCloseGap extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new DeclaresAGapItDoesNotHave(Capability.HALF_CLOSE_TLS13, new JdkTestProvider());
        }
    }

    static final class FalseReadAfterSentGap extends ShutdownProviderTck {
        @Override
        protected ShutdownProvider createProvider() {
            return new DeclaresAGapItDoesNotHave(Capability.READ_AFTER_SENT, new JdkTestProvider());
        }
    }
}
