package dev.apimage.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries of the SDK's modules, as rules over the main classes of every module (tests are
 * not imported). A module here is its packages: core is {@code dev.apimage.cache}, {@code image},
 * {@code profile}, {@code staging}, {@code time}, {@code transfer}, {@code upgrade} and the helper
 * package {@code dev.apimage.internal}; the others are {@code dev.apimage.tftp}, {@code sftp},
 * {@code capwap}, {@code simulator} and {@code examples}, each with its subpackages.
 */
class ArchitectureTest {

    private static final String[] CORE_API = {"dev.apimage.cache..", "dev.apimage.image..", "dev.apimage.profile..",
        "dev.apimage.staging..", "dev.apimage.time..", "dev.apimage.transfer..", "dev.apimage.upgrade.."};
    private static final String[] LAB = {"dev.apimage.simulator..", "dev.apimage.examples.."};
    private static final String[] CORE = concat(CORE_API, new String[] {"dev.apimage.internal.."});
    private static final String[] PROTOCOLS = {"dev.apimage.tftp..", "dev.apimage.sftp..", "dev.apimage.capwap.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("dev.apimage");
    }

    @Test
    void everyModuleIsImported() {
        for (String pkg : new String[] {"dev.apimage.transfer", "dev.apimage.tftp", "dev.apimage.sftp", "dev.apimage.capwap",
            "dev.apimage.simulator", "dev.apimage.examples"}) {
            if (classes.stream().noneMatch(c -> c.getPackageName().startsWith(pkg))) {
                throw new AssertionError("no classes of " + pkg + " imported: the rules below would pass vacuously");
            }
        }
    }

    @Test
    void noCyclesBetweenCapabilities() {
        // One slice per capability (transfer with its spi and internal packages, upgrade with its conductor, ...).
        slices().matching("dev.apimage.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void theHelperPackageDependsOnNothingOfTheSdk() {
        noClasses().that().resideInAPackage("dev.apimage.internal")
                .should().dependOnClassesThat().resideInAnyPackage(concat(concat(CORE_API, PROTOCOLS), LAB))
                .check(classes);
    }

    @Test
    void coreDependsOnNoProtocolModule() {
        noClasses().that().resideInAnyPackage(CORE)
                .should().dependOnClassesThat().resideInAnyPackage("dev.apimage.tftp..", "dev.apimage.sftp..",
                        "dev.apimage.capwap..", "dev.apimage.simulator..", "dev.apimage.examples..")
                .check(classes);
    }

    @Test
    void capwapDependsOnNoTransport() {
        noClasses().that().resideInAPackage("dev.apimage.capwap..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.apimage.tftp..", "dev.apimage.sftp..")
                .check(classes);
    }

    @Test
    void productModulesDoNotDependOnTheLab() {
        ArchRule rule = noClasses().that().resideInAnyPackage(concat(CORE, PROTOCOLS))
                .should().dependOnClassesThat().resideInAnyPackage("dev.apimage.simulator..", "dev.apimage.examples..");
        rule.check(classes);
    }

    @Test
    void internalPackagesAreNotUsedFromOtherModules() {
        // A module's own internal packages are its business alone.
        noClasses().that().resideOutsideOfPackage("dev.apimage.capwap..")
                .should().dependOnClassesThat().resideInAPackage("dev.apimage.capwap.internal..").check(classes);
        noClasses().that().resideOutsideOfPackages(CORE)
                .should().dependOnClassesThat().resideInAnyPackage("dev.apimage.upgrade.internal..", "dev.apimage.transfer.internal..")
                .check(classes);
        // The shared helpers are exported to the SDK's own modules only (core's module-info): the
        // tool and anything else built on the SDK do not see them.
        NO_INTERNALS_IN_THE_TOOL.check(classes);
    }

    private static final ArchRule NO_SLEEPS = noClasses().should().callMethod(Thread.class, "sleep", long.class)
            .orShould().callMethod(Thread.class, "sleep", long.class, int.class)
            .orShould().callMethod(java.util.concurrent.TimeUnit.class, "sleep", long.class)
            .because("waiting is for deadlines on the injected clock, or for an event");

    private static final ArchRule NO_INTERNALS_IN_THE_TOOL = noClasses().that().resideInAPackage("dev.apimage.examples..")
            .should().dependOnClassesThat().resideInAPackage("..internal..");

    @Test
    void noSleepsInMainCode() {
        NO_SLEEPS.check(classes);
    }

    /** A class that breaks two rules, to show that the rules can fail. */
    static final class Offender {
        void breaks() throws InterruptedException {
            Thread.sleep(1);
            dev.apimage.internal.Hosts.unbracket("[::1]");
        }
    }

    @Test
    void theRulesCatchAnOffender() {
        JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);
        assertThrows(AssertionError.class, () -> NO_SLEEPS.check(offender));
        assertThrows(AssertionError.class, () -> NO_INTERNALS_IN_THE_TOOL.check(offender));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
