/* Parsing of sysfs input as the kernel does it: kstrtol and sysfs_streq. */
#ifndef SIM_KSTR_H
#define SIM_KSTR_H

#include <stdbool.h>

/*
 * Parse s like the kernel's kstrtol(s, 0, res): optional sign, then a
 * decimal, 0x-prefixed hexadecimal or 0-prefixed octal number, then at most
 * one newline. Returns 0, -EINVAL (junk) or -ERANGE (out of range).
 */
int kstr_tol(const char *s, long *res);

/* Like sysfs_streq(): equal, ignoring one trailing newline on either. */
bool kstr_streq(const char *s1, const char *s2);

#endif
