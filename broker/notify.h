/* notify.h: telling systemd how the daemon is (READY=1, WATCHDOG=1, ...). */
#ifndef GB_NOTIFY_H
#define GB_NOTIFY_H

/*
 * Send 'state' to the socket named by $NOTIFY_SOCKET, as sd_notify(3)
 * does; nothing when the variable is not set (not run by systemd).
 * Returns 0 or -errno.
 */
int notify_send(const char *state);

#endif
