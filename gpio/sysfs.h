/* sysfs.h: the kernel's sysfs GPIO interface (/sys/class/gpio), one call
 * per file operation. Nothing here keeps state or owns a descriptor beyond
 * the call, except sysfs_open_value, whose fd belongs to the caller. */
#ifndef GB_SYSFS_H
#define GB_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

/* The longest path we build under a sysfs root. */
#define SYSFS_PATH_MAX 4096

/*
 * Find the chip labelled 'label' under 'root' and return its base plus
 * 'offset' in *number. -ENOENT when no chip has that label, -ERANGE when
 * the offset is not below the chip's ngpio.
 */
int sysfs_resolve(const char *root, const char *label, unsigned int offset,
		  unsigned int *number);

/* Whether ROOT/gpioN exists. */
bool sysfs_is_exported(const char *root, unsigned int number);

/* Write N to ROOT/export. -EBUSY when the kernel already holds the pin. */
int sysfs_export(const char *root, unsigned int number);

/* Write 'text' to the attribute file ROOT/gpioN/ATTR (direction, edge...). */
int sysfs_write_attr(const char *root, unsigned int number, const char *attr,
		     const char *text);

/*
 * Read ROOT/gpioN/ATTR into buf (size len), without the final newline.
 * Returns the length read or -errno.
 */
int sysfs_read_attr(const char *root, unsigned int number, const char *attr,
		    char *buf, size_t len);

/* Path of ROOT/gpioN/ATTR into buf; -ENAMETOOLONG when it does not fit. */
int sysfs_attr_path(const char *root, unsigned int number, const char *attr,
		    char *buf, size_t len);

/*
 * Open ROOT/gpioN/value, read-only or read-write, close-on-exec. Returns
 * the fd, which the caller owns, or -errno.
 */
int sysfs_open_value(const char *root, unsigned int number, bool writable);

/*
 * Read the level from an open value fd: pread at offset 0, which is also
 * what tells sysfs that this fd has seen the latest edge. Returns 0 or 1,
 * or -errno (-EPROTO when the file holds something other than 0 or 1).
 */
int sysfs_read_level(int fd);

/* Write a logical level (0 or 1) to an open value fd. */
int sysfs_write_level(int fd, int level);

#endif
