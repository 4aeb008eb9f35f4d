package dev.apimage.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart written as SVG: labelled x positions, one or more series of values, a legend.
 * Enough for the benchmark's two pictures; no dependency, and the file diffs as text.
 */
final class SvgChart {

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    private static final int W = 760;
    private static final int H = 420;
    private static final int LEFT = 70;
    private static final int RIGHT = 200;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<String> xs;
    private final List<Series> series = new ArrayList<>();

    private record Series(String name, double[] values, boolean dashed, int colour) {
    }

    SvgChart(String title, String xLabel, String yLabel, List<String> xs) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.xs = List.copyOf(xs);
    }

    /**
     * Adds a series; NaN leaves a gap (a scenario that did not run). Series that belong together
     * (ours and the peer's at one block size) share a colour, one solid and one dashed.
     */
    SvgChart add(String name, double[] values, boolean dashed, int colour) {
        if (values.length != xs.size()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for " + xs.size() + " x positions");
        }
        series.add(new Series(name, values.clone(), dashed, colour));
        return this;
    }

    void write(Path file) throws IOException {
        double max = 0;
        for (Series s : series) {
            for (double v : s.values) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        double step = niceStep(max / 5);
        double top = Math.max(step, Math.ceil(max / step) * step);
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, esc(title)));
        for (double y = 0; y <= top + step / 2; y += step) {
            double py = TOP + plotH - y / top * plotH;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, py, LEFT + plotW, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, py + 4, fmt(y)));
        }
        for (int i = 0; i < xs.size(); i++) {
            double px = x(i, plotW);
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP + plotH + 18, esc(xs.get(i))));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + plotW / 2, H - 14, esc(xLabel)));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">%s</text>%n",
                TOP + plotH / 2, esc(yLabel)));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n",
                LEFT, TOP, plotW, plotH));
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            String colour = COLOURS[s.colour % COLOURS.length];
            StringBuilder path = new StringBuilder();
            boolean pen = false;
            for (int i = 0; i < s.values.length; i++) {
                double v = s.values[i];
                if (Double.isNaN(v)) {
                    pen = false;
                    continue;
                }
                double px = x(i, plotW);
                double py = TOP + plotH - v / top * plotH;
                path.append(pen ? " L" : " M").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                pen = true;
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", px, py, colour));
            }
            b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    path.toString().trim(), colour, s.dashed ? " stroke-dasharray=\"6 4\"" : ""));
            int ly = TOP + 10 + k * 20;
            int lx = LEFT + plotW + 14;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                    lx, ly, lx + 24, ly, colour, s.dashed ? " stroke-dasharray=\"6 4\"" : ""));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", lx + 30, ly + 4, esc(s.name)));
        }
        b.append("</svg>\n");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, b.toString());
    }

    private double x(int i, int plotW) {
        return xs.size() == 1 ? LEFT + plotW / 2.0 : LEFT + 20 + i * (plotW - 40.0) / (xs.size() - 1);
    }

    private static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
