/* Mounting through the setuid fusermount3, for a user who is not root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mount.h"

/* Run fusermount3 with argv in a child; its exit status, or -errno. */
static int mnt__run(char *const argv[], int keep_fd)
{
	char commfd[16];
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		if (keep_fd >= 0) {
			fcntl(keep_fd, F_SETFD, 0);
			snprintf(commfd, sizeof(commfd), "%d", keep_fd);
			setenv("_FUSE_COMMFD", commfd, 1);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Take the fd fusermount3 sends over sock; the fd, or -EIO. */
static int mnt__receive_fd(int sock)
{
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	c = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -EIO;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int mnt_fusermount(const char *mountpoint, const char *opts)
{
	char *argv[] = {
		"fusermount3", "-o", (char *)opts, "--", (char *)mountpoint,
		NULL,
	};
	int sv[2], rv, fd = -EIO;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	rv = mnt__run(argv, sv[1]);
	close(sv[1]);
	if (!rv)
		fd = mnt__receive_fd(sv[0]);
	close(sv[0]);
	return rv < 0 ? rv : fd;
}

int mnt_fusermount_unmount(const char *mountpoint)
{
	char *argv[] = {
		"fusermount3", "-u", "-q", "-z", "--", (char *)mountpoint, NULL,
	};

	return mnt__run(argv, -1) ? -EIO : 0;
}
