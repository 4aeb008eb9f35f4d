/**
 * TFTP (RFC 1350, 2347, 2348, 2349, 7440) on Netty: the {@code tftp} transport provider of the
 * core SPI and an embeddable, root-jailed TFTP server. This module's content arrives with the TFTP
 * transport work; the module exists so that the build layout is final.
 */
package dev.apimage.tftp;
