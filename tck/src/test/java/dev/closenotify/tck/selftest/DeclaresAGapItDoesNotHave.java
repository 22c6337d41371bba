package dev.closenotify.tck.selftest;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProvider;
import java.util.Locale;
import java.util.Map;

/**
 * Broken: declares a §9 gap that its connections do not have. Everything is the real provider's;
 * only {@link #gaps()} lies, so the kit asserts the gap's documented behaviour and must find the
 * real one instead (a gap that silently disappeared).
 */
final class DeclaresAGapItDoesNotHave extends DelegatingProvider {
    private final Capability gap;

    DeclaresAGapItDoesNotHave(Capability gap, ShutdownProvider delegate) {
        super("declares-" + gap.name().toLowerCase(Locale.ROOT) + "-gap", delegate);
        this.gap = gap;
    }

    @Override
    public Map<Capability, String> gaps() {
        return Map.of(gap, "declared by the TCK self-test; the connections can do it all the same");
    }
}
