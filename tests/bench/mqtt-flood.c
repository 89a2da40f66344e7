/* mqtt-flood.c: the MQTT ceiling of the benchmarks. A bare libmosquitto
 * publisher, single-threaded like gpio-broker (MQTT 5, publishing from
 * its own loop), sends COUNT edge-sized JSON messages to one topic as fast
 * as the broker takes them, keeping at most WINDOW unacknowledged, and
 * prints how long that took. Nothing else: no pins, no clock reads per
 * message, so the figure is what the broker and libmosquitto allow. */
#include <errno.h>
#include <inttypes.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLOOD_PAYLOAD_MAX 256

struct flood {
	const char *host;
	int port;
	int qos;
	uint64_t count;
	uint64_t window;
	const char *topic;
	uint64_t published;
	uint64_t completed;
	bool connected;
	bool failed;
};

static double flood_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void flood_on_connect(struct mosquitto *mosq, void *data, int rc,
			     int flags, const mosquitto_property *props)
{
	struct flood *f = data;

	(void)mosq;
	(void)flags;
	(void)props;
	if (rc) {
		fprintf(stderr, "mqtt-flood: broker refused the connection: "
			"%s\n", mosquitto_reason_string(rc));
		f->failed = true;
		return;
	}
	f->connected = true;
}

static void flood_on_publish(struct mosquitto *mosq, void *data, int mid,
			     int reason, const mosquitto_property *props)
{
	struct flood *f = data;

	(void)mosq;
	(void)mid;
	(void)props;
	if (reason >= 0x80) {
		fprintf(stderr, "mqtt-flood: broker refused a message: %s\n",
			mosquitto_reason_string(reason));
		f->failed = true;
	}
	f->completed++;
}

/* Publish one message shaped like a gpio-broker edge message. */
static int flood_publish_one(struct mosquitto *mosq, struct flood *f)
{
	char payload[FLOOD_PAYLOAD_MAX];
	int n, rc;

	n = snprintf(payload, sizeof(payload),
		     "{\"gpio\":17,\"name\":\"flood\",\"edge\":\"rising\","
		     "\"value\":1,\"count\":%" PRIu64 ",\"ts\":"
		     "\"2026-01-01T00:00:00.000000Z\"}", f->published + 1);
	rc = mosquitto_publish_v5(mosq, NULL, f->topic, n, payload, f->qos,
				  false, NULL);
	if (rc) {
		fprintf(stderr, "mqtt-flood: publish failed: %s\n",
			mosquitto_strerror(rc));
		return -1;
	}
	f->published++;
	return 0;
}

static int flood_wait_connected(struct mosquitto *mosq, struct flood *f)
{
	int rc;

	while (!f->connected && !f->failed) {
		rc = mosquitto_loop(mosq, 100, 1);
		if (rc) {
			fprintf(stderr, "mqtt-flood: connection failed: %s\n",
				mosquitto_strerror(rc));
			return -1;
		}
	}
	return f->failed ? -1 : 0;
}

/* Publish everything, keeping at most 'window' in flight. */
static int flood_send_all(struct mosquitto *mosq, struct flood *f)
{
	int rc;

	while (f->completed < f->count && !f->failed) {
		while (f->published < f->count &&
		       f->published - f->completed < f->window)
			if (flood_publish_one(mosq, f))
				return -1;
		rc = mosquitto_loop(mosq, 100, 1);
		if (rc) {
			fprintf(stderr, "mqtt-flood: connection lost: %s\n",
				mosquitto_strerror(rc));
			return -1;
		}
	}
	return f->failed ? -1 : 0;
}

static int flood_run(struct flood *f)
{
	struct mosquitto *mosq;
	double start, secs;
	char id[64];
	int rc = -1;

	snprintf(id, sizeof(id), "bench-flood-%d", (int)getpid());
	mosq = mosquitto_new(id, true, f);
	if (!mosq) {
		fprintf(stderr, "mqtt-flood: cannot create the client: %s\n",
			strerror(errno));
		return -1;
	}
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(mosq, flood_on_connect);
	mosquitto_publish_v5_callback_set(mosq, flood_on_publish);

	if (mosquitto_connect_bind_v5(mosq, f->host, f->port, 60, NULL,
				      NULL)) {
		fprintf(stderr, "mqtt-flood: cannot connect to %s:%d\n",
			f->host, f->port);
		goto out_destroy;
	}
	if (flood_wait_connected(mosq, f))
		goto out_destroy;

	start = flood_now();
	if (flood_send_all(mosq, f))
		goto out_destroy;
	secs = flood_now() - start;
	printf("published %" PRIu64 " qos %d in %.6f s: %.0f msg/s\n",
	       f->count, f->qos, secs, (double)f->count / secs);
	mosquitto_disconnect_v5(mosq, 0, NULL);
	mosquitto_loop(mosq, 100, 1);
	rc = 0;
out_destroy:
	mosquitto_destroy(mosq);
	return rc;
}

static int flood_usage(void)
{
	fprintf(stderr, "usage: mqtt-flood -p PORT [-H HOST] [-q QOS] "
		"[-n COUNT] [-w WINDOW] -t TOPIC\n");
	return 2;
}

static int flood_parse(struct flood *f, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "H:p:q:n:w:t:")) != -1) {
		switch (opt) {
		case 'H':
			f->host = optarg;
			break;
		case 'p':
			f->port = atoi(optarg);
			break;
		case 'q':
			f->qos = atoi(optarg);
			break;
		case 'n':
			f->count = strtoull(optarg, NULL, 10);
			break;
		case 'w':
			f->window = strtoull(optarg, NULL, 10);
			break;
		case 't':
			f->topic = optarg;
			break;
		default:
			return -1;
		}
	}
	if (f->port <= 0 || !f->topic || !f->count || !f->window ||
	    f->qos < 0 || f->qos > 2 || optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct flood f = {
		.host = "127.0.0.1", .qos = 1, .count = 100000, .window = 100,
	};
	int rc;

	if (flood_parse(&f, argc, argv))
		return flood_usage();
	signal(SIGPIPE, SIG_IGN);
	mosquitto_lib_init();
	rc = flood_run(&f);
	mosquitto_lib_cleanup();
	return rc ? 1 : 0;
}
