package dev.apimage.sftp;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.UserInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host key checking on top of a known_hosts repository. Unknown keys are refused unless trust on
 * first use is on, in which case the key is recorded; a changed key is always refused. JSch's own
 * {@code StrictHostKeyChecking=accept-new} does not exist and {@code no} would accept a changed
 * key, so the decision is made here and JSch runs with {@code StrictHostKeyChecking=yes}.
 */
final class HostKeyPolicy implements HostKeyRepository {

    private static final Logger LOG = LoggerFactory.getLogger(HostKeyPolicy.class);

    private final HostKeyRepository known;
    private final boolean acceptNew;

    HostKeyPolicy(HostKeyRepository known, boolean acceptNew) {
        this.known = known;
        this.acceptNew = acceptNew;
    }

    @Override
    public int check(String host, byte[] key) {
        int r = known.check(host, key);
        if (r == NOT_INCLUDED && acceptNew) {
            try {
                HostKey k = new HostKey(host, key);
                known.add(k, null);
                LOG.info("accepted new host key for {} ({} {}) and recorded it in {}", host, k.getType(),
                        k.getFingerPrint(new com.jcraft.jsch.JSch()), known.getKnownHostsRepositoryID());
                return OK;
            } catch (JSchException e) {
                LOG.warn("cannot record the host key of {}: {}", host, e.getMessage());
                return NOT_INCLUDED;
            }
        }
        return r;
    }

    @Override
    public void add(HostKey hostkey, UserInfo ui) {
        // Only check() records keys, and only under trust on first use.
    }

    @Override
    public void remove(String host, String type) {
        known.remove(host, type);
    }

    @Override
    public void remove(String host, String type, byte[] key) {
        known.remove(host, type, key);
    }

    @Override
    public String getKnownHostsRepositoryID() {
        return known.getKnownHostsRepositoryID();
    }

    @Override
    public HostKey[] getHostKey() {
        return known.getHostKey();
    }

    @Override
    public HostKey[] getHostKey(String host, String type) {
        return known.getHostKey(host, type);
    }
}
