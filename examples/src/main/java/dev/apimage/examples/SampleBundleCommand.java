package dev.apimage.examples;

import dev.apimage.simulator.SampleBundle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code apimage sample-bundle DIR}: writes a lab bundle laid out like the field's 17.9.4a bundle. */
@Command(name = "sample-bundle", mixinStandardHelpOptions = true,
        description = {"Writes a lab AP image bundle.",
                "Laid out like the field's 17.9.4a bundle: ap1g4 ... ap3g3, the controller image,",
                "version.info, controller_version.info and readme.txt."})
final class SampleBundleCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", description = "directory to write the bundle into")
    Path directory;

    @Option(names = "--scale", defaultValue = "1000", paramLabel = "N",
            description = "divide the field sizes by N (default ${DEFAULT-VALUE}; 1 = field sizes)")
    long scale;

    @Option(names = "--full-size", description = "field sizes as sparse files (no disk used; content is zeros)")
    boolean fullSize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (scale < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scale must be at least 1");
        }
        Path dir = SampleBundle.write(directory, fullSize ? 1 : scale, fullSize);
        spec.commandLine().getOut().println("Wrote sample bundle " + SampleBundle.AP_VERSION + " ("
                + (fullSize ? "field sizes, sparse" : "field sizes / " + scale) + ") to " + dir);
        return 0;
    }
}
