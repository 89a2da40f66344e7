/* log.c: one-line log messages to stderr, with journald priorities. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int log_threshold = LOG_INFO;
static bool log_to_journal;

/* journald sets JOURNAL_STREAM to the device:inode of the stream it gave
 * us; when stderr is that stream, "<N>" prefixes carry the priority. */
static bool log_stderr_is_journal(void)
{
	unsigned long long dev, ino;
	const char *env = getenv("JOURNAL_STREAM");
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(int threshold)
{
	log_threshold = threshold;
	log_to_journal = log_stderr_is_journal();
}

static const char *log_word(int priority)
{
	switch (priority) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_NOTICE:
		return "notice";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void log_write(int priority, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	if (log_to_journal) {
		fprintf(stderr, "<%d>%s\n", priority, line);
		return;
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld gpio-broker: %s: %s\n", stamp,
		ts.tv_nsec / 1000000, log_word(priority), line);
}
