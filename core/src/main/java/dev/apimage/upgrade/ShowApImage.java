package dev.apimage.upgrade;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Renders an {@link UpgradeSnapshot} as the controller prints it: {@code show ap image} (the
 * counters, then one row per AP) and the GUI's AP image predownload status table.
 */
public final class ShowApImage {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

    private ShowApImage() {
    }

    /**
     * {@code show ap image}: counters and rows. Times are shown in the given zone.
     *
     * @param s the snapshot
     * @param zone the zone for next retry times
     * @return the text, lines ending with {@code \n}
     */
    public static String render(UpgradeSnapshot s, ZoneId zone) {
        return render(s.rows(), zone);
    }

    /**
     * {@code show ap image} of rows from elsewhere (a controller's registry of what its APs
     * reported): the counters are counted from the rows.
     *
     * @param rows one per AP
     * @param zone the zone for next retry times
     * @return the text, lines ending with {@code \n}
     */
    public static String render(List<ApImageRow> rows, ZoneId zone) {
        // The counters are the rows' counts; the phase and outcome are not shown.
        UpgradeSnapshot s = new UpgradeSnapshot(UpgradePhase.INITIATE, UpgradeSnapshot.Outcome.RUNNING, rows);
        StringBuilder b = new StringBuilder();
        b.append("Total number of APs : ").append(s.total()).append("\n\n");
        b.append("Number of APs\n");
        b.append("  Initiated           : ").append(s.initiated()).append('\n');
        b.append("  Downloading         : ").append(s.downloading()).append('\n');
        b.append("  Predownloading      : ").append(s.predownloading()).append('\n');
        b.append("  Completed downloading : ").append(s.completedDownloading()).append('\n');
        b.append("  Completed predownloading : ").append(s.completedPredownloading()).append('\n');
        b.append("  Not Supported       : ").append(s.notSupported()).append('\n');
        b.append("  Failed to Predownload : ").append(s.failed()).append('\n');
        b.append("  Predownload in progress : ").append(s.inProgress() ? "Yes" : "No").append("\n\n");
        List<Column> columns = List.of(
                new Column("AP Name", ApImageRow::name),
                new Column("Primary Image", r -> r.primaryImage().toString()),
                new Column("Backup Image", r -> r.backupImage().map(Object::toString).orElse("N/A")),
                new Column("Predownload Status", r -> r.status().text()),
                new Column("Predownload Version", r -> r.predownloadVersion().map(Object::toString).orElse("N/A")),
                new Column("Next Retry Time", r -> r.nextRetryTime().map(t -> TIME.format(t.atZone(zone))).orElse("N/A")),
                new Column("Retry Count", r -> Integer.toString(r.retryCount())),
                new Column("Method", r -> r.method().orElse("N/A")));
        table(b, columns, s.rows());
        return b.toString();
    }

    /**
     * The GUI's table: primary and backup image, status, image type, role, and ETA with percent.
     *
     * @param s the snapshot
     * @return the text, lines ending with {@code \n}
     */
    public static String renderPredownloadStatus(UpgradeSnapshot s) {
        StringBuilder b = new StringBuilder();
        b.append("Phase: ").append(s.phase().text()).append('\n');
        List<Column> columns = List.of(
                new Column("AP Name", ApImageRow::name),
                new Column("Primary Image", r -> r.primaryImage().toString()),
                new Column("Backup Image", r -> r.backupImage().map(Object::toString).orElse("N/A")),
                new Column("Predownload Status", r -> r.status().text()),
                new Column("AP Image Type", r -> r.imageType().map(t -> t.name()).orElse("N/A")),
                new Column("Role", ApImageRow::role),
                new Column("ETA/Percent Complete", r -> r.eta().map(ShowApImage::hms).orElse("N/A") + " " + r.percent() + "%"));
        table(b, columns, s.rows());
        return b.toString();
    }

    private static String hms(Duration d) {
        long sec = d.toSeconds();
        return String.format("%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60);
    }

    private record Column(String header, Function<ApImageRow, String> value) {
    }

    private static void table(StringBuilder b, List<Column> columns, List<ApImageRow> rows) {
        int[] width = new int[columns.size()];
        List<String[]> cells = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            width[c] = columns.get(c).header().length();
        }
        for (ApImageRow r : rows) {
            String[] line = new String[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                line[c] = columns.get(c).value().apply(r);
                width[c] = Math.max(width[c], line[c].length());
            }
            cells.add(line);
        }
        String[] header = columns.stream().map(Column::header).toArray(String[]::new);
        line(b, header, width);
        int total = 0;
        for (int w : width) {
            total += w + 2;
        }
        b.append("-".repeat(total - 2)).append('\n');
        for (String[] line : cells) {
            line(b, line, width);
        }
    }

    private static void line(StringBuilder b, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            l.append(cells[c]);
            if (c < cells.length - 1) {
                l.append(" ".repeat(width[c] - cells[c].length() + 2));
            }
        }
        b.append(l.toString().stripTrailing()).append('\n');
    }
}
