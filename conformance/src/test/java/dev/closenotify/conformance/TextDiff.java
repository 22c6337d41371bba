package dev.closenotify.conformance;

import java.util.ArrayList;
import java.util.List;

/** A line diff (longest common subsequence) of two small texts, for the staleness check's message. */
final class TextDiff {

    private TextDiff() {
    }

    /**
     * One changed line.
     *
     * @param line the line's number in the old text (for an added line: the old line it comes before)
     * @param added whether the line was added (else removed)
     * @param text the line
     */
    record Change(int line, boolean added, String text) {
        @Override
        public String toString() {
            return String.format("line %d: %s %s", line, added ? "+" : "-", text);
        }
    }

    /** The lines removed from {@code before} and added in {@code after}, in order (a removal before its replacement). */
    static List<Change> lines(String before, String after) {
        String[] a = before.split("\n", -1);
        String[] b = after.split("\n", -1);
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Change> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                i++;
                j++;
            } else if (i < a.length && (j == b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
                out.add(new Change(i + 1, false, a[i++]));
            } else {
                out.add(new Change(i + 1, true, b[j++]));
            }
        }
        return out;
    }
}
