/* session.c: libmosquitto inside the libuv loop, with reconnects. */
#include <arpa/inet.h>
#include <errno.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "log.h"
#include "session.h"
#include "topic.h"

#define SESSION_ADDRS_MAX 8
#define SESSION_STABLE_MS 10000	/* online this long: backoff starts over */

enum session_state {
	SESSION_IDLE,		/* not started */
	SESSION_RESOLVING,	/* looking up the broker's address */
	SESSION_CONNECTING,	/* waiting for CONNACK */
	SESSION_SUBSCRIBING,	/* waiting for SUBACK */
	SESSION_ONLINE,
	SESSION_WAITING,	/* waiting to try again */
	SESSION_STOPPING,	/* "offline" sent, waiting for the broker */
	SESSION_STOPPED,
};

struct session {
	uv_loop_t *loop;
	const struct config_mqtt *cfg;
	struct mosquitto *mosq;
	SSL_CTX *tls;
	const struct session_ops *ops;
	void *data;

	enum session_state state;
	uv_poll_t *sock;	/* watches the socket libmosquitto owns */
	int sock_fd;
	int sock_events;
	uv_timer_t timer;	/* retries, the stop deadline */
	uv_getaddrinfo_t resolver;
	bool resolving;
	bool closing;
	struct backoff backoff;
	char addrs[SESSION_ADDRS_MAX][INET6_ADDRSTRLEN];
	unsigned int n_addrs;	/* the broker's addresses, last resolved */
	unsigned int next_addr;	/* the one to try next */
	uint64_t deadline;	/* uv_now by which the broker must answer */
	int sub_mid;
	int offline_mid;
	uint64_t offline_since;	/* uv_now when the connection was lost */
	uint64_t online_since;	/* uv_now when the session came online */
	unsigned int refusals;	/* publishes the broker refused, online */
	bool too_big;		/* a message over the broker's limit seen */
	bool ever_online;
	bool quiet;		/* this outage was logged already */
	const char *address;	/* the one tried last */
	char status_topic[TOPIC_MAX];
	char filter[TOPIC_MAX];
};

static void session_free_handle(uv_handle_t *handle)
{
	free(handle);
}

/* Stop watching the socket; libmosquitto may close it now or has. */
static void session_unwatch(struct session *s)
{
	if (s->sock) {
		uv_close((uv_handle_t *)s->sock, session_free_handle);
		s->sock = NULL;
	}
	s->sock_fd = -1;
	s->sock_events = 0;
}

static void session_on_socket(uv_poll_t *handle, int status, int events);

static int session_watch_new(struct session *s, int fd)
{
	s->sock = malloc(sizeof(*s->sock));
	if (!s->sock)
		return -ENOMEM;
	if (uv_poll_init_socket(s->loop, s->sock, fd)) {
		free(s->sock);
		s->sock = NULL;
		return -EBADF;
	}
	s->sock->data = s;
	s->sock_fd = fd;
	return 0;
}

/*
 * Bring the socket watch in line with libmosquitto after each call into
 * it: the socket may have been closed or replaced, and it may have data
 * waiting to be written.
 */
static void session_watch(struct session *s)
{
	int fd = mosquitto_socket(s->mosq);
	int events;

	if (fd != s->sock_fd)
		session_unwatch(s);
	if (fd < 0)
		return;
	if (!s->sock && session_watch_new(s, fd)) {
		log_error("cannot watch the broker connection");
		return;
	}

	events = UV_READABLE | UV_DISCONNECT;
	if (mosquitto_want_write(s->mosq))
		events |= UV_WRITABLE;
	if (events != s->sock_events) {
		uv_poll_start(s->sock, events, session_on_socket);
		s->sock_events = events;
	}
}

static char session_verify_error[96];

/* A library's sentence as words for our messages: no final period. */
static const char *session_words(const char *sentence, char *buf,
				 size_t len)
{
	size_t n = strlen(sentence);

	if (n && sentence[n - 1] == '.')
		n--;
	snprintf(buf, len, "%.*s", (int)n, sentence);
	return buf;
}

/* Words for a libmosquitto error or an MQTT 5 reason code. */
static const char *session_strerror(int rc)
{
	static char text[160];

	if (rc == MOSQ_ERR_ERRNO)
		return strerror(errno);
	if (rc >= 0x80)
		return mosquitto_reason_string(rc);
	if (rc == MOSQ_ERR_KEEPALIVE)
		return "no answer from the broker within the keepalive time";
	if (rc != MOSQ_ERR_TLS)
		return session_words(mosquitto_strerror(rc), text,
				     sizeof(text));
	if (!session_verify_error[0])
		return "TLS handshake failed (does the broker speak TLS on "
		       "this port?)";
	snprintf(text, sizeof(text), "TLS: %s", session_verify_error);
	session_verify_error[0] = '\0';
	return text;
}

static void session_resolve(struct session *s);

static void session_on_retry(uv_timer_t *timer)
{
	session_resolve(timer->data);
}

static void session_connect(struct session *s);

static void session_on_next_address(uv_timer_t *timer)
{
	session_connect(timer->data);
}

/*
 * This attempt failed: try the broker's next address at once, and after
 * the last one, say so once per outage and try again later.
 */
static void session_failed(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void session_failed(struct session *s, const char *fmt, ...)
{
	uint64_t delay;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	s->state = SESSION_WAITING;
	if (s->next_addr < s->n_addrs) {
		log_debug("connecting to %s failed: %s; trying %s", s->address,
			  why, s->addrs[s->next_addr]);
		uv_timer_start(&s->timer, session_on_next_address, 0, 0);
		return;
	}

	delay = backoff_next(&s->backoff);
	if (!s->quiet)
		log_warn("cannot connect to broker %s:%u: %s; retrying",
			 s->cfg->host, s->cfg->port, why);
	else
		log_debug("connecting to broker failed: %s; next try in "
			  "%.1f s", why, delay / 1000.0);
	s->quiet = true;
	uv_timer_start(&s->timer, session_on_retry, delay, 0);
}

static void session_connect(struct session *s)
{
	int rc;

	session_unwatch(s);
	s->address = s->addrs[s->next_addr++];
	rc = mosquitto_connect_bind_async(s->mosq, s->address,
					  (int)s->cfg->port,
					  (int)s->cfg->keepalive, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		session_failed(s, "%s", session_strerror(rc));
		return;
	}

	s->state = SESSION_CONNECTING;
	s->deadline = uv_now(s->loop) + SESSION_CONNECT_TIMEOUT_MS;
	session_watch(s);
}

/* Keep the broker's addresses, numeric, to try in turn. */
static void session_keep_addresses(struct session *s, struct addrinfo *res)
{
	struct addrinfo *ai;

	s->n_addrs = 0;
	s->next_addr = 0;
	for (ai = res; ai && s->n_addrs < SESSION_ADDRS_MAX; ai = ai->ai_next)
		if (!getnameinfo(ai->ai_addr, ai->ai_addrlen,
				 s->addrs[s->n_addrs], INET6_ADDRSTRLEN, NULL,
				 0, NI_NUMERICHOST))
			s->n_addrs++;
}

static void session_maybe_free(struct session *s);

static void session_on_resolved(uv_getaddrinfo_t *req, int status,
				struct addrinfo *res)
{
	struct session *s = req->data;

	s->resolving = false;
	if (s->closing) {
		uv_freeaddrinfo(res);
		session_maybe_free(s);
		return;
	}
	if (s->state != SESSION_RESOLVING) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status < 0) {
		session_failed(s, "cannot resolve '%s': %s", s->cfg->host,
			       uv_strerror(status));
		return;
	}

	session_keep_addresses(s, res);
	uv_freeaddrinfo(res);
	if (!s->n_addrs) {
		session_failed(s, "'%s' has no usable address", s->cfg->host);
		return;
	}
	session_connect(s);
}

static void session_resolve(struct session *s)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
	};
	char port[8];
	int rc;

	snprintf(port, sizeof(port), "%u", s->cfg->port);
	s->n_addrs = 0;
	s->next_addr = 0;
	s->state = SESSION_RESOLVING;
	rc = uv_getaddrinfo(s->loop, &s->resolver, session_on_resolved,
			    s->cfg->host, port, &hints);
	if (rc) {
		session_failed(s, "cannot resolve '%s': %s", s->cfg->host,
			       uv_strerror(rc));
		return;
	}
	s->resolving = true;
}

static void session_on_connect(struct mosquitto *mosq, void *data, int rc,
			       int flags, const mosquitto_property *props)
{
	struct session *s = data;

	(void)flags;
	(void)props;
	if (rc) {
		/* the broker closes the connection; on_disconnect follows */
		if (!s->quiet)
			log_error("broker %s:%u refused the connection: %s",
				  s->cfg->host, s->cfg->port,
				  mosquitto_reason_string(rc));
		s->quiet = true;
		return;
	}

	s->state = SESSION_SUBSCRIBING;
	rc = mosquitto_subscribe_v5(mosq, &s->sub_mid, s->filter,
				    (int)s->cfg->qos,
				    MQTT_SUB_OPT_NO_LOCAL |
				    MQTT_SUB_OPT_RETAIN_AS_PUBLISHED,
				    NULL);
	if (rc) {
		log_error("cannot subscribe to '%s': %s", s->filter,
			  mosquitto_strerror(rc));
		mosquitto_disconnect(mosq);
	}
}

static void session_log_online(struct session *s)
{
	double away;

	if (!s->ever_online) {
		log_notice("connected to broker %s:%u (%s)", s->cfg->host,
			   s->cfg->port, s->address);
		return;
	}
	away = (double)(uv_now(s->loop) - s->offline_since) / 1000.0;
	log_notice("reconnected to broker %s:%u after %.1f s", s->cfg->host,
		   s->cfg->port, away);
}

static void session_on_subscribe(struct mosquitto *mosq, void *data,
				 int mid, int qos_count,
				 const int *granted_qos,
				 const mosquitto_property *props)
{
	struct session *s = data;

	(void)props;
	if (mid != s->sub_mid || s->state != SESSION_SUBSCRIBING)
		return;
	if (qos_count < 1 || granted_qos[0] >= 0x80)
		log_error("broker refused the subscription to '%s': commands "
			  "will not arrive", s->filter);

	mosquitto_publish(mosq, NULL, s->status_topic, 6, "online", 1, true);
	session_log_online(s);
	s->state = SESSION_ONLINE;
	s->ever_online = true;
	s->quiet = false;
	s->online_since = uv_now(s->loop);
	s->refusals = 0;
	s->ops->on_online(s->data);
}

static void session_on_stopped(uv_timer_t *timer)
{
	struct session *s = timer->data;

	s->ops->on_stopped(s->data);
}

/* Stopped: report it from the loop, not from inside libmosquitto. */
static void session_finish_stop(struct session *s)
{
	if (s->resolving)
		uv_cancel((uv_req_t *)&s->resolver);
	session_unwatch(s);
	s->state = SESSION_STOPPED;
	uv_timer_start(&s->timer, session_on_stopped, 0, 0);
}

/* The connection is gone, or never came: say so, and try again. */
static void session_lost(struct session *s, int rc)
{
	if (s->state == SESSION_STOPPING) {
		session_finish_stop(s);
		return;
	}
	if (s->state == SESSION_STOPPED || s->state == SESSION_WAITING ||
	    s->state == SESSION_RESOLVING || s->state == SESSION_IDLE)
		return;

	if (s->state != SESSION_ONLINE) {
		session_failed(s, "%s", session_strerror(rc));
		return;
	}
	log_warn("lost connection to broker %s:%u: %s%s; reconnecting",
		 s->cfg->host, s->cfg->port, session_strerror(rc),
		 rc == MQTT_RC_SESSION_TAKEN_OVER ? " (another client uses "
		 "this client_id)" : "");
	s->quiet = true;
	s->offline_since = uv_now(s->loop);
	/* a connection that keeps dropping at once backs off too */
	if (s->offline_since - s->online_since >= SESSION_STABLE_MS)
		backoff_reset(&s->backoff);
	s->state = SESSION_WAITING;
	uv_timer_start(&s->timer, session_on_retry,
		       backoff_next(&s->backoff), 0);
	s->ops->on_offline(s->data);
}

static void session_on_disconnect(struct mosquitto *mosq, void *data, int rc,
				  const mosquitto_property *props)
{
	(void)mosq;
	(void)props;
	session_lost(data, rc);
}

static void session_on_message(struct mosquitto *mosq, void *data,
			       const struct mosquitto_message *msg)
{
	struct session *s = data;

	(void)mosq;
	if (s->state == SESSION_ONLINE)
		s->ops->on_message(msg, s->data);
}

static void session_on_publish(struct mosquitto *mosq, void *data, int mid,
			       int reason, const mosquitto_property *props)
{
	struct session *s = data;

	(void)props;
	if (reason >= 0x80 && !(s->refusals++))
		log_warn("broker %s:%u refuses what gpio-broker publishes: %s "
			 "(reason %d); messages are lost until it accepts them",
			 s->cfg->host, s->cfg->port,
			 mosquitto_reason_string(reason), reason);

	if (s->state == SESSION_STOPPING && mid == s->offline_mid)
		mosquitto_disconnect(mosq);
}

static void session_on_log(struct mosquitto *mosq, void *data, int level,
			   const char *text)
{
	/* what goes wrong is logged by us, once, with the reason */
	(void)mosq;
	(void)data;
	(void)level;
	log_debug("libmosquitto: %s", text);
}

/* Read what there is; TLS may hold decrypted data the socket won't show. */
static int session_read(struct session *s)
{
	SSL *ssl;
	int rc, rounds = 0;

	do {
		rc = mosquitto_loop_read(s->mosq, 1);
		ssl = mosquitto_ssl_get(s->mosq);
	} while (rc == MOSQ_ERR_SUCCESS && ssl && SSL_pending(ssl) > 0 &&
		 ++rounds < 64);
	return rc;
}

/*
 * libuv saw an error or a hang-up on the socket. A read lets
 * libmosquitto find out and close it, except while a TLS handshake waits
 * for the connection: then this socket is given up here, and the next
 * connect closes it.
 */
static void session_on_socket_error(struct session *s)
{
	socklen_t len = sizeof(int);
	int err = 0, rc;

	getsockopt(s->sock_fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (!err)
		err = s->state == SESSION_CONNECTING ? ECONNREFUSED
						     : ECONNRESET;
	s->sock_events = 0;
	rc = session_read(s);
	if (mosquitto_socket(s->mosq) >= 0) {
		session_unwatch(s);
		errno = err;
		session_lost(s, MOSQ_ERR_ERRNO);
		return;
	}
	session_watch(s);
	session_lost(s, rc ? rc : MOSQ_ERR_CONN_LOST);
}

static void session_on_socket(uv_poll_t *handle, int status, int events)
{
	struct session *s = handle->data;
	int rc = MOSQ_ERR_SUCCESS;

	if (status < 0 || (events & UV_DISCONNECT)) {
		session_on_socket_error(s);
		return;
	}
	if (events & UV_READABLE)
		rc = session_read(s);
	if (rc == MOSQ_ERR_SUCCESS && (events & UV_WRITABLE) &&
	    mosquitto_socket(s->mosq) >= 0)
		rc = mosquitto_loop_write(s->mosq, 1);
	session_watch(s);

	/* a failed TLS handshake closes the socket without on_disconnect */
	if (mosquitto_socket(s->mosq) < 0)
		session_lost(s, rc ? rc : MOSQ_ERR_CONN_LOST);
}

/* The reason OpenSSL gave last, for a message. */
static const char *session_ssl_error(void)
{
	static char text[160];
	unsigned long e = ERR_get_error();

	if (!e)
		return "unknown error";
	ERR_error_string_n(e, text, sizeof(text));
	ERR_clear_error();
	return text;
}

/* Remember why OpenSSL refused the broker's certificate, for the log. */
static int session_on_verify(int ok, X509_STORE_CTX *store)
{
	int depth = X509_STORE_CTX_get_error_depth(store);
	int err = X509_STORE_CTX_get_error(store);

	if (!ok)
		snprintf(session_verify_error, sizeof(session_verify_error),
			 "%s (certificate at depth %d)",
			 X509_verify_cert_error_string(err), depth);
	return ok;
}

/* Load the CA, and the client certificate and key when configured. */
static int session_tls_files(SSL_CTX *ctx, const struct config_mqtt *c,
			     char *err, size_t errlen)
{
	if (SSL_CTX_load_verify_locations(ctx, c->tls_ca_file, NULL) != 1)
		return snprintf(err, errlen, "cannot load tls_ca_file '%s': %s",
				c->tls_ca_file, session_ssl_error()), -1;
	if (!c->tls_cert_file[0])
		return 0;
	if (SSL_CTX_use_certificate_chain_file(ctx, c->tls_cert_file) != 1)
		return snprintf(err, errlen, "cannot load tls_cert_file '%s': "
				"%s", c->tls_cert_file, session_ssl_error()), -1;
	if (SSL_CTX_use_PrivateKey_file(ctx, c->tls_key_file,
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		return snprintf(err, errlen, "cannot use tls_key_file '%s' "
				"with tls_cert_file '%s': %s", c->tls_key_file,
				c->tls_cert_file, session_ssl_error()), -1;
	return 0;
}

/*
 * TLS is set up here rather than by libmosquitto: we connect to the
 * address we resolved ourselves, and libmosquitto would check the
 * broker's certificate against that address. OpenSSL checks it against
 * the configured host name instead, during the handshake.
 */
static int session_tls(struct session *s, char *err, size_t errlen)
{
	const struct config_mqtt *c = s->cfg;
	X509_VERIFY_PARAM *param;
	unsigned char ip[16];

	if (!c->tls_ca_file[0])
		return 0;

	s->tls = SSL_CTX_new(TLS_client_method());
	if (!s->tls)
		return snprintf(err, errlen, "cannot create a TLS context: %s",
				session_ssl_error()), -1;
	SSL_CTX_set_min_proto_version(s->tls, TLS1_2_VERSION);
	SSL_CTX_set_verify(s->tls, SSL_VERIFY_PEER, session_on_verify);
	param = SSL_CTX_get0_param(s->tls);
	if (inet_pton(AF_INET, c->host, ip) == 1 ||
	    inet_pton(AF_INET6, c->host, ip) == 1)
		X509_VERIFY_PARAM_set1_ip_asc(param, c->host);
	else
		X509_VERIFY_PARAM_set1_host(param, c->host, 0);
	if (session_tls_files(s->tls, c, err, errlen))
		return -1;

	mosquitto_void_option(s->mosq, MOSQ_OPT_SSL_CTX, s->tls);
	mosquitto_int_option(s->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
	return 0;
}

static void session_set_callbacks(struct session *s)
{
	mosquitto_connect_v5_callback_set(s->mosq, session_on_connect);
	mosquitto_disconnect_v5_callback_set(s->mosq, session_on_disconnect);
	mosquitto_subscribe_v5_callback_set(s->mosq, session_on_subscribe);
	mosquitto_message_callback_set(s->mosq, session_on_message);
	mosquitto_publish_v5_callback_set(s->mosq, session_on_publish);
	/* libmosquitto formats a line per packet when it has a callback */
	if (log_threshold >= LOG_DEBUG)
		mosquitto_log_callback_set(s->mosq, session_on_log);
}

static int session_setup(struct session *s, const char *password, char *err,
			 size_t errlen)
{
	const struct config_mqtt *c = s->cfg;
	int rc;

	s->mosq = mosquitto_new(c->client_id, true, s);
	if (!s->mosq)
		return snprintf(err, errlen, "cannot create the MQTT client: "
				"%s", strerror(errno)), -1;
	mosquitto_int_option(s->mosq, MOSQ_OPT_PROTOCOL_VERSION,
			     MQTT_PROTOCOL_V5);
	session_set_callbacks(s);

	rc = mosquitto_will_set(s->mosq, s->status_topic, 7, "offline", 1,
				true);
	if (rc == MOSQ_ERR_SUCCESS && (c->username[0] || password))
		rc = mosquitto_username_pw_set(s->mosq,
					       c->username[0] ? c->username
							      : NULL,
					       password);
	if (rc != MOSQ_ERR_SUCCESS)
		return snprintf(err, errlen, "cannot set up the MQTT client: "
				"%s", mosquitto_strerror(rc)), -1;
	return session_tls(s, err, errlen);
}

int session_new(uv_loop_t *loop, const struct config_mqtt *cfg,
		const char *password, const struct session_ops *ops,
		void *data, struct session **out, char *err, size_t errlen)
{
	struct session *s;

	s = calloc(1, sizeof(*s));
	if (!s)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	s->loop = loop;
	s->cfg = cfg;
	s->ops = ops;
	s->data = data;
	s->sock_fd = -1;
	s->resolver.data = s;
	backoff_init(&s->backoff, SESSION_RETRY_FIRST_MS, SESSION_RETRY_MAX_MS,
		     (uint32_t)uv_hrtime());
	topic_global(s->status_topic, sizeof(s->status_topic),
		     cfg->topic_prefix, "status");
	topic_global(s->filter, sizeof(s->filter), cfg->topic_prefix, "#");
	uv_timer_init(loop, &s->timer);
	s->timer.data = s;

	if (session_setup(s, password, err, errlen)) {
		session_close(s);
		return -EINVAL;
	}
	*out = s;
	return 0;
}

void session_start(struct session *s)
{
	log_info("connecting to broker %s:%u as '%s'", s->cfg->host,
		 s->cfg->port, s->cfg->client_id);
	session_resolve(s);
}

void session_tick(struct session *s)
{
	switch (s->state) {
	case SESSION_CONNECTING:
	case SESSION_SUBSCRIBING:
		if (uv_now(s->loop) < s->deadline)
			break;
		session_unwatch(s);
		session_failed(s, "no answer within %d s",
			       SESSION_CONNECT_TIMEOUT_MS / 1000);
		break;
	case SESSION_ONLINE:
	case SESSION_STOPPING:
		mosquitto_loop_misc(s->mosq);
		session_watch(s);
		break;
	default:
		break;
	}
}

bool session_online(const struct session *s)
{
	return s->state == SESSION_ONLINE;
}

int session_publish(struct session *s, const char *topic,
		    const void *payload, size_t len, bool retain)
{
	int rc;

	if (s->state != SESSION_ONLINE)
		return -ENOTCONN;

	rc = mosquitto_publish(s->mosq, NULL, topic, (int)len, payload,
			       (int)s->cfg->qos, retain);
	session_watch(s);
	switch (rc) {
	case MOSQ_ERR_SUCCESS:
		return 0;
	case MOSQ_ERR_NOMEM:
		return -ENOMEM;
	case MOSQ_ERR_PAYLOAD_SIZE:
	case MOSQ_ERR_OVERSIZE_PACKET:
		if (!s->too_big)
			log_warn("a %zu-byte message to '%s' is over the "
				 "broker's maximum packet size: such messages "
				 "are dropped", len, topic);
		s->too_big = true;
		return -EMSGSIZE;
	default:
		/* libmosquitto keeps a QoS 1 or 2 message for the next
		 * connection; the socket watch sees the broken connection */
		return s->cfg->qos ? 0 : -ENOTCONN;
	}
}

static void session_on_stop_timeout(uv_timer_t *timer)
{
	struct session *s = timer->data;

	log_warn("broker did not confirm 'offline' within %d s",
		 SESSION_STOP_TIMEOUT_MS / 1000);
	session_finish_stop(s);
}

void session_stop(struct session *s, bool hurry)
{
	int rc;

	if (s->state == SESSION_STOPPED)
		return;
	if (s->state == SESSION_STOPPING && !hurry)
		return;
	if (s->state == SESSION_ONLINE && !hurry) {
		rc = mosquitto_publish(s->mosq, &s->offline_mid,
				       s->status_topic, 7, "offline", 1, true);
		if (rc == MOSQ_ERR_SUCCESS) {
			s->state = SESSION_STOPPING;
			uv_timer_start(&s->timer, session_on_stop_timeout,
				       SESSION_STOP_TIMEOUT_MS, 0);
			session_watch(s);
			return;
		}
	}
	uv_timer_stop(&s->timer);
	session_finish_stop(s);
}

static void session_maybe_free(struct session *s)
{
	if (s->resolving || s->timer.data)
		return;
	if (s->mosq)
		mosquitto_destroy(s->mosq);
	SSL_CTX_free(s->tls);
	free(s);
}

static void session_on_timer_closed(uv_handle_t *handle)
{
	struct session *s = handle->data;

	s->timer.data = NULL;
	session_maybe_free(s);
}

void session_close(struct session *s)
{
	s->closing = true;
	session_unwatch(s);
	if (s->resolving)
		uv_cancel((uv_req_t *)&s->resolver);
	uv_close((uv_handle_t *)&s->timer, session_on_timer_closed);
}
