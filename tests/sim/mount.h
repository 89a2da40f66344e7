/* Mounting through the setuid fusermount3, for a user who is not root. */
#ifndef SIM_MOUNT_H
#define SIM_MOUNT_H

/*
 * Have fusermount3 mount a FUSE file system with options opts on
 * mountpoint and hand back the /dev/fuse fd it opened: the fd, or -errno.
 */
int mnt_fusermount(const char *mountpoint, const char *opts);

/* Lazily unmount mountpoint with fusermount3 -u -z; 0 or -EIO. */
int mnt_fusermount_unmount(const char *mountpoint);

#endif
