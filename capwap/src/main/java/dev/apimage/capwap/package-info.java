/**
 * CAPWAP (RFC 5415) image download: flyweight codec, the AP-side CapwapImageStateMachine and the
 * controller-side image streamer over UDP. This module's content arrives with the CAPWAP work; the
 * module exists so that the build layout is final.
 */
package dev.apimage.capwap;
