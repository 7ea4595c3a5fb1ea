package dev.cirque.server.cli;

import java.io.PrintStream;
import java.util.List;

/** Left-aligned columns, two spaces apart, headed in capitals. */
final class Table {

    private Table() {}

    static void print(PrintStream out, List<String> header, List<List<String>> rows) {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        line(out, header, width);
        rows.forEach(r -> line(out, r, width));
    }

    private static void line(PrintStream out, List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            b.append(c == cells.size() - 1 ? cells.get(c) : String.format("%-" + width[c] + "s  ", cells.get(c)));
        }
        out.println(b.toString().stripTrailing());
    }
}
