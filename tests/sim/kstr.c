/* Parsing of sysfs input as the kernel does it: kstrtol and sysfs_streq. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "kstr.h"

/* Choose the base from the prefix, as base 0 does; skip "0x". */
static const char *kstr__radix(const char *s, unsigned *base)
{
	if (s[0] != '0') {
		*base = 10;
		return s;
	}
	if (s[1] == 'x' || s[1] == 'X') {
		char c = s[2] | 0x20;

		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			*base = 16;
			return s + 2;
		}
	}
	*base = 8;
	return s;
}

/* The value of digit c, or 16 when c is no digit at all. */
static unsigned kstr__digit(char c)
{
	char lower = c | 0x20;

	if (c >= '0' && c <= '9')
		return c - '0';
	if (lower >= 'a' && lower <= 'f')
		return lower - 'a' + 10;
	return 16;
}

/* An unsigned number with the rules of the kernel's _kstrtoull(). */
static int kstr__toull(const char *s, unsigned long long *res)
{
	unsigned long long v = 0;
	bool overflow = false;
	unsigned base, d;
	size_t n = 0;

	s = kstr__radix(s, &base);
	for (; (d = kstr__digit(s[n])) < base; n++) {
		if (v > (ULLONG_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!n)
		return -EINVAL;
	s += n;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	*res = v;
	return 0;
}

int kstr_tol(const char *s, long *res)
{
	unsigned long long v;
	int rv;

	if (s[0] == '-') {
		rv = kstr__toull(s + 1, &v);
		if (rv)
			return rv;
		if (v > (unsigned long long)LONG_MAX + 1)
			return -ERANGE;
		*res = v ? (long)(0 - v) : 0;
		return 0;
	}
	if (s[0] == '+')
		s++;
	rv = kstr__toull(s, &v);
	if (rv)
		return rv;
	if (v > LONG_MAX)
		return -ERANGE;
	*res = (long)v;
	return 0;
}

bool kstr_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	return *s1 == '\n' && !s1[1] && !*s2;
}
