package dev.apimage.capwap.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ApSocketTest {

    @Test
    void perApSocketsNeedALinuxThatRoutesToConnectedSocketsInAReusePortGroup() {
        assertTrue(ApSocket.supported("Linux", "6.18.44-fc-v1045"));
        assertTrue(ApSocket.supported("Linux", "5.4.0-150-generic"));
        assertTrue(ApSocket.supported("Linux", "5.10"));
        assertFalse(ApSocket.supported("Linux", "5.3.18"), "before 5.4 a reuseport group may hand one AP's datagrams to another's socket");
        assertFalse(ApSocket.supported("Linux", "4.19.0-21-amd64"));
        assertFalse(ApSocket.supported("Mac OS X", "14.1"));
        assertFalse(ApSocket.supported("Linux", "unknown"));
        assertFalse(ApSocket.supported("Linux", ""));
    }
}
