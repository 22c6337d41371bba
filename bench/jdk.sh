# Sourced by bench/run and bench/cpu-window: JAVA_HOME is a JDK 21+, the given one when it is,
# else the newest under /usr/lib/jvm (the machine's default java may be older).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -Eq 'version "(2[1-9]|[3-9][0-9])'; then
    JAVA_HOME="$(ls -d /usr/lib/jvm/*/ 2>/dev/null | while read -r d; do
        v="$("$d/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
        [ -n "$v" ] && [ "$v" -ge 21 ] && printf '%s %s\n' "$v" "${d%/}"; done | sort -n | tail -n 1 | cut -d' ' -f2)"
    [ -n "$JAVA_HOME" ] || { echo "$(basename "$0"): no JDK 21+ found; set JAVA_HOME" >&2; exit 1; }
fi
export JAVA_HOME
