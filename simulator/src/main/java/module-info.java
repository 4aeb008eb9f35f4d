/**
 * Lab code that imitates the field, for demos, benchmarks and tests: simulated APs and networks on
 * real UDP sockets, and the sample bundle writer. No product module depends on it.
 */
module dev.apimage.simulator {
    requires transitive dev.apimage.capwap;
    requires io.netty.common;

    exports dev.apimage.simulator;
}
