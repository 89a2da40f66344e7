/* sysfs.c: file operations on the kernel's sysfs GPIO interface. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

int sysfs_attr_path(const char *root, unsigned int number, const char *attr,
		    char *buf, size_t len)
{
	int n;

	if (attr)
		n = snprintf(buf, len, "%s/gpio%u/%s", root, number, attr);
	else
		n = snprintf(buf, len, "%s/gpio%u", root, number);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Write a whole short string to a file, as one write(2). */
static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;

	close(fd);
	return err;
}

/* Read a short file into buf, NUL-terminated, final newline removed. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	n = pread(fd, buf, len - 1, 0);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;

	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

static int read_chip_number(const char *dir, const char *file,
			    unsigned int *value)
{
	char path[SYSFS_PATH_MAX], text[32], *end;
	unsigned long v;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;

	n = read_file(path, text, sizeof(text));
	if (n < 0)
		return n;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > UINT_MAX)
		return -EPROTO;
	*value = (unsigned int)v;
	return 0;
}

/* If ROOT/NAME is a chip labelled 'label', its base and ngpio. */
static int chip_match(const char *root, const char *name, const char *label,
		      unsigned int *base, unsigned int *ngpio)
{
	char dir[SYSFS_PATH_MAX], path[SYSFS_PATH_MAX], text[128];
	int n, err;

	n = snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -ENAMETOOLONG;
	n = snprintf(path, sizeof(path), "%s/label", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;

	if (read_file(path, text, sizeof(text)) < 0 || strcmp(text, label))
		return -ENOENT;

	err = read_chip_number(dir, "base", base);
	if (!err)
		err = read_chip_number(dir, "ngpio", ngpio);
	return err;
}

int sysfs_resolve(const char *root, const char *label, unsigned int offset,
		  unsigned int *number)
{
	unsigned int base, ngpio;
	struct dirent *d;
	int err = -ENOENT;
	DIR *dir;

	dir = opendir(root);
	if (!dir)
		return -errno;

	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, "gpiochip", 8))
			continue;
		err = chip_match(root, d->d_name, label, &base, &ngpio);
		if (err != -ENOENT)
			break;
	}
	closedir(dir);
	if (err)
		return err;

	if (offset >= ngpio)
		return -ERANGE;
	*number = base + offset;
	return 0;
}

bool sysfs_is_exported(const char *root, unsigned int number)
{
	char path[SYSFS_PATH_MAX];
	struct stat st;

	if (sysfs_attr_path(root, number, NULL, path, sizeof(path)))
		return false;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int sysfs_export(const char *root, unsigned int number)
{
	char path[SYSFS_PATH_MAX], text[16];
	int n;

	n = snprintf(path, sizeof(path), "%s/export", root);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	snprintf(text, sizeof(text), "%u", number);
	return write_file(path, text);
}

int sysfs_write_attr(const char *root, unsigned int number, const char *attr,
		     const char *text)
{
	char path[SYSFS_PATH_MAX];
	int err;

	err = sysfs_attr_path(root, number, attr, path, sizeof(path));
	if (err)
		return err;
	return write_file(path, text);
}

int sysfs_read_attr(const char *root, unsigned int number, const char *attr,
		    char *buf, size_t len)
{
	char path[SYSFS_PATH_MAX];
	int err;

	err = sysfs_attr_path(root, number, attr, path, sizeof(path));
	if (err)
		return err;
	return read_file(path, buf, len);
}

int sysfs_open_value(const char *root, unsigned int number, bool writable)
{
	char path[SYSFS_PATH_MAX];
	int fd, err;

	err = sysfs_attr_path(root, number, "value", path, sizeof(path));
	if (err)
		return err;

	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sysfs_read_level(int fd)
{
	char buf[8];
	ssize_t n;

	n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (n < 1 || (buf[0] != '0' && buf[0] != '1'))
		return -EPROTO;
	return buf[0] - '0';
}

int sysfs_write_level(int fd, int level)
{
	ssize_t n;

	n = pwrite(fd, level ? "1" : "0", 1, 0);
	if (n < 0)
		return -errno;
	return n == 1 ? 0 : -EIO;
}
