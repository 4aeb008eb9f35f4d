package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example of the README compiles against the SDK as it is: each block becomes the body
 * of a method whose parameters are the names the block uses without declaring them.
 */
class ReadmeSnippetsTest {

    private static final String IMPORTS = String.join("\n",
            "import dev.apimage.cache.*;", "import dev.apimage.cache.ImageCache.CachedImage;", "import dev.apimage.image.*;",
            "import dev.apimage.profile.*;", "import dev.apimage.staging.*;", "import dev.apimage.time.*;",
            "import dev.apimage.transfer.*;", "import dev.apimage.transfer.spi.*;", "import dev.apimage.upgrade.*;",
            "import dev.apimage.tftp.*;", "import dev.apimage.sftp.*;", "import dev.apimage.capwap.*;",
            "import dev.apimage.capwap.wire.*;", "import dev.apimage.simulator.*;", "import java.net.*;", "import java.nio.file.*;",
            "import java.time.*;", "import java.util.*;", "import java.util.concurrent.*;");

    /** The names examples use as given, with their types. */
    private static final String[][] GIVEN = {
        {"Path", "dir"}, {"Path", "cacheDir"}, {"Path", "archive"}, {"Path", "target"}, {"ImageDownloadProfile", "profile"},
        {"ImageType", "type"}, {"BlockSink", "sink"}, {"ImageCache", "cache"}, {"PredownloadDriver", "driver"},
        {"NetworkUpgrade.Activation", "activation"}, {"InetSocketAddress", "controllerAddress"},
        {"org.slf4j.Logger", "syslog"}, {"ScheduledExecutorService", "executor"}, {"long", "required"}, {"long", "size"},
        {"String", "md5"}, {"TransferSession", "session"}};

    @TempDir
    Path out;

    @Test
    void everyJavaExampleCompiles() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("README.md"));
        Matcher m = Pattern.compile("(?s)```java\\n(.*?)```").matcher(readme);
        List<JavaFileObject> sources = new ArrayList<>();
        while (m.find()) {
            String body = m.group(1).replaceAll("(?m)^(\\s*)\\.\\.\\.\\s*$", "$1// ...");
            List<String> params = new ArrayList<>();
            for (String[] g : GIVEN) {
                boolean used = Pattern.compile("(?<![\\w.\"])" + g[1] + "\\b").matcher(body).find();
                boolean declared = Pattern.compile("[\\w>\\]]\\s+" + g[1] + "\\s*=").matcher(body).find();
                if (used && !declared) {
                    params.add(g[0] + " " + g[1]);
                }
            }
            String name = "ReadmeExample" + (sources.size() + 1);
            String code = "package readme;\n" + IMPORTS + "\nclass " + name + " {\n  void run(" + String.join(", ", params)
                    + ") throws Exception {\n" + body + "\n  }\n}\n";
            sources.add(new SimpleJavaFileObject(URI.create("string:///readme/" + name + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return code;
                }
            });
        }
        assertTrue(sources.size() >= 10, "the README's examples were found: " + sources.size());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
            boolean ok = javac.getTask(errors, files, null, List.of("-proc:none", "-d", out.toString(),
                    "-classpath", System.getProperty("java.class.path")), null, sources).call();
            assertTrue(ok, "README examples do not compile:\n" + errors);
        }
    }
}
