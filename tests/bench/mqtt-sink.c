/* mqtt-sink.c: the benchmarks' subscriber. It subscribes to the topics
 * given, stamps every message with CLOCK_REALTIME on arrival and writes
 * one line per message, "NS COUNT TS TOPIC": COUNT is the payload's
 * "count" field and TS its "ts" field (RFC 3339 UTC) in ns since the
 * epoch, each -1 when the payload has none. It prints "ready" once
 * subscribed and the number of messages when SIGTERM or SIGINT stops it. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SINK_FLUSH_NS 100000000LL
#define SINK_MAX_TOPICS 64

struct sink {
	const char *host;
	int port;
	int qos;
	const char *out_path;
	const char *topics[SINK_MAX_TOPICS];
	int n_topics;
	FILE *out;
	uint64_t messages;
	int sub_mid;
	bool ready;
	bool failed;
};

static volatile sig_atomic_t sink_stop;

static void sink_on_signal(int signum)
{
	(void)signum;
	sink_stop = 1;
}

static long long sink_now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The number after "count": in a payload, or -1. */
static long long sink_count(const char *payload, int len)
{
	static const char key[] = "\"count\":";
	const char *p = memmem(payload, (size_t)len, key, sizeof(key) - 1);
	const char *end = payload + len;
	long long v = 0;

	if (!p)
		return -1;
	p += sizeof(key) - 1;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* The "ts" field of a payload, "YYYY-MM-DDTHH:MM:SS.ffffffZ", in ns. */
static long long sink_ts(const char *payload, int len)
{
	static const char key[] = "\"ts\":\"";
	const char *p = memmem(payload, (size_t)len, key, sizeof(key) - 1);
	char text[32];
	struct tm tm = { 0 };
	long long frac = 0, scale = 1000000000LL;
	size_t n;
	int used = 0;

	if (!p)
		return -1;
	p += sizeof(key) - 1;
	n = (size_t)(payload + len - p);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	memcpy(text, p, n);
	text[n] = '\0';
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &used) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (text[used] == '.')
		for (used++; text[used] >= '0' && text[used] <= '9'; used++) {
			scale /= 10;
			frac += (text[used] - '0') * scale;
		}
	return (long long)timegm(&tm) * 1000000000LL + frac;
}

static void sink_on_message(struct mosquitto *mosq, void *data,
			    const struct mosquitto_message *msg)
{
	struct sink *s = data;
	long long now = sink_now(CLOCK_REALTIME);

	(void)mosq;
	fprintf(s->out, "%lld %lld %lld %s\n", now,
		sink_count(msg->payload, msg->payloadlen),
		sink_ts(msg->payload, msg->payloadlen), msg->topic);
	s->messages++;
}

static void sink_on_subscribe(struct mosquitto *mosq, void *data, int mid,
			      int qos_count, const int *granted_qos)
{
	struct sink *s = data;

	(void)mosq;
	(void)qos_count;
	(void)granted_qos;
	if (mid != s->sub_mid)
		return;
	s->ready = true;
	printf("ready\n");
	fflush(stdout);
}

static void sink_on_connect(struct mosquitto *mosq, void *data, int rc)
{
	struct sink *s = data;

	if (rc) {
		fprintf(stderr, "mqtt-sink: broker refused the connection: "
			"%s\n", mosquitto_connack_string(rc));
		s->failed = true;
		return;
	}
	rc = mosquitto_subscribe_multiple(mosq, &s->sub_mid, s->n_topics,
					  (char *const *)s->topics, s->qos, 0,
					  NULL);
	if (rc) {
		fprintf(stderr, "mqtt-sink: subscribe failed: %s\n",
			mosquitto_strerror(rc));
		s->failed = true;
	}
}

static int sink_usage(void)
{
	fprintf(stderr, "usage: mqtt-sink -p PORT [-H HOST] [-q QOS] "
		"-o FILE TOPIC...\n");
	return 2;
}

static int sink_parse(struct sink *s, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "H:p:q:o:")) != -1) {
		switch (opt) {
		case 'H':
			s->host = optarg;
			break;
		case 'p':
			s->port = atoi(optarg);
			break;
		case 'q':
			s->qos = atoi(optarg);
			break;
		case 'o':
			s->out_path = optarg;
			break;
		default:
			return -1;
		}
	}
	if (s->port <= 0 || !s->out_path || optind >= argc ||
	    argc - optind > SINK_MAX_TOPICS || s->qos < 0 || s->qos > 2)
		return -1;
	for (; optind < argc; optind++)
		s->topics[s->n_topics++] = argv[optind];
	return 0;
}

/* Serve until a signal or a broken connection; 0 on a signal. */
static int sink_serve(struct sink *s, struct mosquitto *mosq)
{
	long long next_flush = sink_now(CLOCK_MONOTONIC) + SINK_FLUSH_NS;
	int rc;

	while (!sink_stop && !s->failed) {
		rc = mosquitto_loop(mosq, 50, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			fprintf(stderr, "mqtt-sink: connection lost: %s\n",
				mosquitto_strerror(rc));
			return -1;
		}
		if (sink_now(CLOCK_MONOTONIC) >= next_flush) {
			fflush(s->out);
			next_flush += SINK_FLUSH_NS;
		}
	}
	return s->failed ? -1 : 0;
}

static int sink_run(struct sink *s)
{
	struct mosquitto *mosq;
	char id[64];
	int rc;

	snprintf(id, sizeof(id), "bench-sink-%d", (int)getpid());
	mosq = mosquitto_new(id, true, s);
	if (!mosq) {
		fprintf(stderr, "mqtt-sink: cannot create the client: %s\n",
			strerror(errno));
		return 1;
	}
	mosquitto_connect_callback_set(mosq, sink_on_connect);
	mosquitto_subscribe_callback_set(mosq, sink_on_subscribe);
	mosquitto_message_callback_set(mosq, sink_on_message);

	rc = mosquitto_connect(mosq, s->host, s->port, 60);
	if (rc) {
		fprintf(stderr, "mqtt-sink: cannot connect to %s:%d: %s\n",
			s->host, s->port, mosquitto_strerror(rc));
		mosquitto_destroy(mosq);
		return 1;
	}
	rc = sink_serve(s, mosq);
	mosquitto_disconnect(mosq);
	mosquitto_destroy(mosq);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sink s = { .host = "127.0.0.1", .qos = 1 };
	struct sigaction sa = { .sa_handler = sink_on_signal };
	int rc;

	if (sink_parse(&s, argc, argv))
		return sink_usage();
	s.out = fopen(s.out_path, "w");
	if (!s.out) {
		fprintf(stderr, "mqtt-sink: cannot open '%s': %s\n",
			s.out_path, strerror(errno));
		return 1;
	}
	setvbuf(s.out, NULL, _IOFBF, 1 << 20);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	mosquitto_lib_init();
	rc = sink_run(&s);
	mosquitto_lib_cleanup();
	if (fclose(s.out)) {
		fprintf(stderr, "mqtt-sink: cannot write '%s': %s\n",
			s.out_path, strerror(errno));
		rc = 1;
	}
	printf("messages %" PRIu64 "\n", s.messages);
	return rc;
}
