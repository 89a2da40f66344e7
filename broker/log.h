/* log.h: the daemon's logger. One line per event, to stderr; under
 * systemd each line carries its syslog priority for journald. Lines below
 * the active level are not even formatted. */
#ifndef GB_LOG_H
#define GB_LOG_H

#include <syslog.h>

extern int log_threshold;	/* LOG_INFO unless -v: LOG_DEBUG */

void log_init(int threshold);
void log_write(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_at(prio, ...)						\
	do {								\
		if ((prio) <= log_threshold)				\
			log_write((prio), __VA_ARGS__);			\
	} while (0)

#define log_error(...) log_at(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_at(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)

#endif
