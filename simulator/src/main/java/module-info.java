/**
 * Lab code that imitates the field, for demos, benchmarks and tests: simulated APs and networks on
 * real UDP sockets, and the sample bundle writer. No product module depends on it.
 */
module dev.apimage.simulator {
    requires transitive dev.apimage.capwap;
    requires io.netty.common;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;

    exports dev.apimage.simulator;
}
