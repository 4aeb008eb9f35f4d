/**
 * SFTP on JSch: the {@code sftp} transport provider of the core SPI, with host-key verification,
 * streaming, resume and parallel ranges. This module's content arrives with the SFTP transport
 * work; the module exists so that the build layout is final.
 */
package dev.apimage.sftp;
