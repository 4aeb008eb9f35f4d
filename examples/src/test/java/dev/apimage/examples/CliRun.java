package dev.apimage.examples;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the apimage tool in-process and keeps what it printed. */
final class CliRun {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String... args) {
        return ApImageCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
