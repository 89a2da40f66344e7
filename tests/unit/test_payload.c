/* test_payload.c: unit tests of broker/payload.c: the set and count
 * command parsers (every accepted form, every rejection with its exact
 * reason), the JSON builders (exact strings), escaping and timestamps. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "payload.h"

#define TS "2026-12-04T10:11:12.345678Z"
#define UNKNOWN_SET "unknown value, expected 1, 0, on, off, true, false, " \
	"high, low, toggle or {\"value\":1}"
#define BAD_VALUE "'value' must be 0, 1, true or false"
#define BAD_COUNT "count must be an integer from 0 to 9007199254740991"
#define BAD_JSON_COUNT \
	"'count' must be an integer from 0 to 9007199254740991"

/* 2026-12-04T10:11:12.345678Z, worked out with date -u -d @1796379072 */
static const struct timespec when = { 1796379072, 345678000 };

/* Parsing len bytes as a set command gives 'expected'. */
static void set_ok_n(const char *data, size_t len, enum payload_set expected)
{
	enum payload_set set = (enum payload_set)-1;
	char why[PAYLOAD_WHY_MAX] = "";

	assert_int_equal(payload_parse_set(data, len, &set, why, sizeof(why)),
			 0);
	assert_int_equal(set, expected);
	assert_string_equal(why, "");
}

static void set_ok(const char *text, enum payload_set expected)
{
	set_ok_n(text, strlen(text), expected);
}

/* Parsing len bytes as a set command fails with exactly 'reason'. */
static void set_rejected_n(const char *data, size_t len, const char *reason)
{
	enum payload_set set = PAYLOAD_SET_TOGGLE;
	char why[PAYLOAD_WHY_MAX] = "";

	assert_int_equal(payload_parse_set(data, len, &set, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, reason);
	assert_int_equal(set, PAYLOAD_SET_TOGGLE);	/* left alone */
}

static void set_rejected(const char *text, const char *reason)
{
	set_rejected_n(text, strlen(text), reason);
}

static void count_ok_n(const char *data, size_t len, uint64_t expected)
{
	char why[PAYLOAD_WHY_MAX] = "";
	uint64_t count = 77;

	assert_int_equal(payload_parse_count(data, len, &count, why,
					     sizeof(why)), 0);
	assert_true(count == expected);
	assert_string_equal(why, "");
}

static void count_ok(const char *text, uint64_t expected)
{
	count_ok_n(text, strlen(text), expected);
}

static void count_rejected_n(const char *data, size_t len,
			     const char *reason)
{
	char why[PAYLOAD_WHY_MAX] = "";
	uint64_t count = 77;

	assert_int_equal(payload_parse_count(data, len, &count, why,
					     sizeof(why)), -EINVAL);
	assert_string_equal(why, reason);
	assert_true(count == 77);			/* left alone */
}

static void count_rejected(const char *text, const char *reason)
{
	count_rejected_n(text, strlen(text), reason);
}

/* ---- set: accepted forms ---------------------------------------------- */

static void test_set_accepts_words(void **state)
{
	(void)state;
	set_ok("1", PAYLOAD_SET_HIGH);
	set_ok("0", PAYLOAD_SET_LOW);
	set_ok("on", PAYLOAD_SET_HIGH);
	set_ok("off", PAYLOAD_SET_LOW);
	set_ok("true", PAYLOAD_SET_HIGH);
	set_ok("false", PAYLOAD_SET_LOW);
	set_ok("high", PAYLOAD_SET_HIGH);
	set_ok("low", PAYLOAD_SET_LOW);
	set_ok("toggle", PAYLOAD_SET_TOGGLE);
}

static void test_set_words_ignore_case(void **state)
{
	(void)state;
	set_ok("ON", PAYLOAD_SET_HIGH);
	set_ok("Off", PAYLOAD_SET_LOW);
	set_ok("TrUe", PAYLOAD_SET_HIGH);
	set_ok("FALSE", PAYLOAD_SET_LOW);
	set_ok("High", PAYLOAD_SET_HIGH);
	set_ok("lOW", PAYLOAD_SET_LOW);
	set_ok("TOGGLE", PAYLOAD_SET_TOGGLE);
}

static void test_set_ignores_surrounding_white_space(void **state)
{
	(void)state;
	set_ok(" 1", PAYLOAD_SET_HIGH);
	set_ok("0 ", PAYLOAD_SET_LOW);
	set_ok("\ton\t", PAYLOAD_SET_HIGH);
	set_ok("off\n", PAYLOAD_SET_LOW);
	set_ok("\r\n high \r\n", PAYLOAD_SET_HIGH);
	set_ok(" \t\n{\"value\":1}\n", PAYLOAD_SET_HIGH);
}

static void test_set_accepts_json_value(void **state)
{
	(void)state;
	set_ok("{\"value\":1}", PAYLOAD_SET_HIGH);
	set_ok("{\"value\":0}", PAYLOAD_SET_LOW);
	set_ok("{\"value\":true}", PAYLOAD_SET_HIGH);
	set_ok("{\"value\":false}", PAYLOAD_SET_LOW);
	set_ok("{ \"value\" : 1 }", PAYLOAD_SET_HIGH);
}

/* The length given is what counts, not a terminating NUL. */
static void test_set_reads_only_len_bytes(void **state)
{
	(void)state;
	set_ok_n("1junk", 1, PAYLOAD_SET_HIGH);
	set_ok_n("offset", 3, PAYLOAD_SET_LOW);
}

static void test_set_accepts_256_bytes(void **state)
{
	char data[PAYLOAD_COMMAND_MAX];

	(void)state;
	memset(data, ' ', sizeof(data));
	data[sizeof(data) - 1] = '1';
	set_ok_n(data, sizeof(data), PAYLOAD_SET_HIGH);
}

/* ---- set: rejected forms ---------------------------------------------- */

static void test_set_rejects_empty(void **state)
{
	(void)state;
	set_rejected("", "empty payload");
	set_rejected_n(NULL, 0, "empty payload");	/* as mosquitto gives it */
}

static void test_set_rejects_only_white_space(void **state)
{
	(void)state;
	set_rejected("   ", "empty payload");
	set_rejected(" \t\r\n ", "empty payload");
}

static void test_set_rejects_unknown_words(void **state)
{
	(void)state;
	set_rejected("2", UNKNOWN_SET);
	set_rejected("onn", UNKNOWN_SET);
	set_rejected("o", UNKNOWN_SET);
	set_rejected("-1", UNKNOWN_SET);
	set_rejected("01", UNKNOWN_SET);
	set_rejected("[1]", UNKNOWN_SET);
	set_rejected("\"on\"", UNKNOWN_SET);
	set_rejected("\xc3\xa9t\xc3\xa9", UNKNOWN_SET);	/* été: valid */
}

static void test_set_rejects_trailing_garbage(void **state)
{
	(void)state;
	set_rejected("1x", UNKNOWN_SET);
	set_rejected("on off", UNKNOWN_SET);
	set_rejected("toggle!", UNKNOWN_SET);
	set_rejected("1 2", UNKNOWN_SET);
	set_rejected("{\"value\":1} junk", "payload is not a JSON object");
	set_rejected("{\"value\":1}}", "payload is not a JSON object");
	set_rejected("{\"value\":1}{}", "payload is not a JSON object");
}

static void test_set_rejects_bad_json_value(void **state)
{
	(void)state;
	set_rejected("{\"value\":2}", BAD_VALUE);
	set_rejected("{\"value\":-1}", BAD_VALUE);
	set_rejected("{\"value\":0.5}", BAD_VALUE);
	set_rejected("{\"value\":\"1\"}", BAD_VALUE);
	set_rejected("{\"value\":null}", BAD_VALUE);
	set_rejected("{\"value\":[1]}", BAD_VALUE);
	set_rejected("{\"value\":{}}", BAD_VALUE);
}

static void test_set_rejects_other_json_keys(void **state)
{
	(void)state;
	set_rejected("{\"value\":1,\"x\":1}",
		     "unexpected key 'x', expected only 'value'");
	set_rejected("{\"x\":1,\"value\":1}",
		     "unexpected key 'x', expected only 'value'");
	set_rejected("{\"vlaue\":1}",
		     "unexpected key 'vlaue', expected only 'value'");
	set_rejected("{\"Value\":1}",
		     "unexpected key 'Value', expected only 'value'");
	set_rejected("{}", "missing key 'value'");
}

/* A key's JSON escapes come back as bytes: the reason, which goes into a
 * log line, shows them escaped again, never a raw newline. */
static void test_set_reason_escapes_the_unexpected_key(void **state)
{
	(void)state;
	set_rejected("{\"a\\nb\\u0001\":1}",
		     "unexpected key 'a\\nb\\u0001', expected only 'value'");
	set_rejected("{\"\xc3\xa9\":1}",
		     "unexpected key '\xc3\xa9', expected only 'value'");
	set_rejected("{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":1}",
		     "unexpected key 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', "
		     "expected only 'value'");
}

/* {"value":0,"value":1} means 0 to us and 1 to last-wins parsers. */
static void test_set_rejects_duplicate_value_key(void **state)
{
	(void)state;
	set_rejected("{\"value\":0,\"value\":1}",
		     "key 'value' appears more than once");
	set_rejected("{\"value\":1,\"value\":1}",
		     "key 'value' appears more than once");
}

/* cJSON decodes \u0000 into a NUL that ends the key it reads, so
 * {"value\u0000junk":1} would pass for {"value":1}: refused. */
static void test_set_rejects_escaped_nul_in_key(void **state)
{
	(void)state;
	set_rejected("{\"value\\u0000junk\":1}",
		     "payload contains an escaped NUL (\\u0000)");
	set_rejected("{\"value\\u0000\":1}",
		     "payload contains an escaped NUL (\\u0000)");
	count_rejected("{\"count\\u0000\":7}",
		       "payload contains an escaped NUL (\\u0000)");
}

static void test_set_rejects_malformed_json(void **state)
{
	(void)state;
	set_rejected("{", "payload is not a JSON object");
	set_rejected("{\"value\":1", "payload is not a JSON object");
	set_rejected("{\"value\":1,}", "payload is not a JSON object");
	set_rejected("{value:1}", "payload is not a JSON object");
}

static void test_set_rejects_257_bytes(void **state)
{
	char data[PAYLOAD_COMMAND_MAX + 1];

	(void)state;
	memset(data, ' ', sizeof(data));
	data[0] = '1';
	set_rejected_n(data, sizeof(data),
		       "payload too long (257 bytes, at most 256)");
}

static void test_set_rejects_nul_byte(void **state)
{
	(void)state;
	set_rejected_n("1\0", 2, "payload contains a NUL byte");
	set_rejected_n("o\0n", 3, "payload contains a NUL byte");
	set_rejected_n("\0", 1, "payload contains a NUL byte");
	set_rejected_n("{\"value\":1}\0", 12, "payload contains a NUL byte");
}

static void test_set_rejects_invalid_utf8(void **state)
{
	(void)state;
	set_rejected("\xff", "payload is not valid UTF-8");
	set_rejected("1\xff", "payload is not valid UTF-8");
	set_rejected("\xc0\x80", "payload is not valid UTF-8");	/* overlong */
	set_rejected("\xe0\x80\xaf", "payload is not valid UTF-8");
	set_rejected("\xed\xa0\x80", "payload is not valid UTF-8");	/* D800 */
	set_rejected("\xf4\x90\x80\x80", "payload is not valid UTF-8");
	set_rejected("on\xe2\x82", "payload is not valid UTF-8");	/* cut */
	set_rejected("\x80", "payload is not valid UTF-8");
}

/* A reason longer than the caller's buffer is cut, still terminated. */
static void test_set_reason_fits_a_small_buffer(void **state)
{
	enum payload_set set;
	char why[8];

	(void)state;
	memset(why, 'x', sizeof(why));
	assert_int_equal(payload_parse_set("2", 1, &set, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "unknown");
}

/* ---- count ------------------------------------------------------------ */

static void test_count_accepts_integers(void **state)
{
	(void)state;
	count_ok("0", 0);
	count_ok("1234", 1234);
	count_ok("9007199254740991", 9007199254740991ULL);
	count_ok(" 42\n", 42);
	count_ok("0000000000000007", 7);
}

static void test_count_accepts_json(void **state)
{
	(void)state;
	count_ok("{\"count\":5}", 5);
	count_ok("{\"count\":0}", 0);
	count_ok("{\"count\":9007199254740991}", 9007199254740991ULL);
	count_ok("\t{ \"count\" : 1e3 }\n", 1000);
}

static void test_count_rejects_2_to_the_53(void **state)
{
	(void)state;
	count_rejected("9007199254740992", BAD_COUNT);
	count_rejected("18446744073709551616", BAD_COUNT);
	count_rejected("99999999999999999999999", BAD_COUNT);
	count_rejected("{\"count\":9007199254740992}", BAD_JSON_COUNT);
	count_rejected("{\"count\":1e300}", BAD_JSON_COUNT);
}

static void test_count_rejects_non_integers(void **state)
{
	(void)state;
	count_rejected("-1", BAD_COUNT);
	count_rejected("+5", BAD_COUNT);
	count_rejected("1.5", BAD_COUNT);
	count_rejected("1e3", BAD_COUNT);
	count_rejected("0x10", BAD_COUNT);
	count_rejected("12 34", BAD_COUNT);
	count_rejected("five", BAD_COUNT);
}

static void test_count_rejects_bad_json(void **state)
{
	(void)state;
	count_rejected("{\"count\":5.5}", BAD_JSON_COUNT);
	count_rejected("{\"count\":-1}", BAD_JSON_COUNT);
	count_rejected("{\"count\":\"5\"}", BAD_JSON_COUNT);
	count_rejected("{\"count\":true}", BAD_JSON_COUNT);
	count_rejected("{\"count\":5,\"x\":1}",
		       "unexpected key 'x', expected only 'count'");
	count_rejected("{\"value\":5}",
		       "unexpected key 'value', expected only 'count'");
	count_rejected("{\"count\":5} 6", "payload is not a JSON object");
	count_rejected("{}", "missing key 'count'");
}

static void test_count_rejects_bad_bytes(void **state)
{
	char big[PAYLOAD_COMMAND_MAX + 1];

	(void)state;
	memset(big, '0', sizeof(big));
	count_rejected_n(big, sizeof(big),
			 "payload too long (257 bytes, at most 256)");
	count_rejected("", "empty payload");
	count_rejected_n(NULL, 0, "empty payload");
	count_rejected(" \n", "empty payload");
	count_rejected_n("5\0", 2, "payload contains a NUL byte");
	count_rejected("5\xff", "payload is not valid UTF-8");
	count_rejected("\xed\xa0\x80", "payload is not valid UTF-8");
}

/* ---- timestamps ------------------------------------------------------- */

static void expect_timestamp(time_t sec, long nsec, const char *expected)
{
	struct timespec ts = { sec, nsec };
	char buf[PAYLOAD_TS_SIZE + 4];

	memset(buf, 'x', sizeof(buf));
	payload_timestamp(&ts, buf);
	assert_string_equal(buf, expected);
	assert_int_equal(strlen(buf) + 1, PAYLOAD_TS_SIZE);
}

static void test_timestamp_is_rfc3339_utc_with_microseconds(void **state)
{
	(void)state;
	expect_timestamp(1796379072, 345678000, TS);
	expect_timestamp(0, 0, "1970-01-01T00:00:00.000000Z");
	expect_timestamp(951782400, 1000, "2000-02-29T00:00:00.000001Z");
	expect_timestamp(4102444799, 999999999,
			 "2099-12-31T23:59:59.999999Z");
}

/* Sub-microsecond digits are dropped, not rounded up into a new second. */
static void test_timestamp_truncates_nanoseconds(void **state)
{
	(void)state;
	expect_timestamp(1796379072, 345678999, TS);
	expect_timestamp(1796379072, 999, "2026-12-04T10:11:12.000000Z");
}

/* Going back and forth between seconds gives each its own date. */
static void test_timestamp_follows_changing_seconds(void **state)
{
	(void)state;
	expect_timestamp(1796379072, 345678000, TS);
	expect_timestamp(1796379073, 0, "2026-12-04T10:11:13.000000Z");
	expect_timestamp(1796379072, 345678000, TS);
	expect_timestamp(1796379072, 1000, "2026-12-04T10:11:12.000001Z");
}

static void test_timestamp_of_the_second_before_the_epoch(void **state)
{
	(void)state;
	expect_timestamp(-1, 0, "1969-12-31T23:59:59.000000Z");
	expect_timestamp(-1, 500000, "1969-12-31T23:59:59.000500Z");
}

/* ---- escaping --------------------------------------------------------- */

static void expect_escape(const char *in, size_t len, const char *expected)
{
	char out[512];
	int n;

	n = payload_escape(in, len, out, sizeof(out));
	assert_int_equal(n, strlen(expected));
	assert_string_equal(out, expected);
}

static void test_escape_quote_and_backslash(void **state)
{
	(void)state;
	expect_escape("a\"b\\c", 5, "a\\\"b\\\\c");
	expect_escape("plain text/ok", 13, "plain text/ok");
	expect_escape("", 0, "");
}

static void test_escape_control_characters(void **state)
{
	(void)state;
	expect_escape("\n\r\t", 3, "\\n\\r\\t");
	expect_escape("\x01\x08\x0c\x1f", 4, "\\u0001\\u0008\\u000c\\u001f");
	expect_escape("a\0b", 3, "a\\u0000b");
	expect_escape("\x7f", 1, "\x7f");	/* DEL is allowed in JSON */
}

static void test_escape_keeps_valid_utf8(void **state)
{
	(void)state;
	expect_escape("\xc3\xa9", 2, "\xc3\xa9");		/* é */
	expect_escape("\xe2\x82\xac", 3, "\xe2\x82\xac");	/* € */
	expect_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"); /* 😀 */
	expect_escape("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7,
		      "\xef\xbf\xbf\xf4\x8f\xbf\xbf");	/* U+FFFF, U+10FFFF */
}

static void test_escape_invalid_bytes_as_u00xx(void **state)
{
	(void)state;
	expect_escape("\xff", 1, "\\u00ff");
	expect_escape("\xc0\x80", 2, "\\u00c0\\u0080");
	expect_escape("\xed\xa0\x80", 3, "\\u00ed\\u00a0\\u0080");
	expect_escape("\xf4\x90\x80\x80", 4,
		      "\\u00f4\\u0090\\u0080\\u0080");
	expect_escape("x\xe2\x82", 3, "x\\u00e2\\u0082");	/* cut short */
	expect_escape("\xe2\x82" "a", 3, "\\u00e2\\u0082a");
	expect_escape("\xc3\xa9\xa9", 3, "\xc3\xa9\\u00a9");
}

/* The length stops at len, even before a NUL. */
static void test_escape_reads_only_len_bytes(void **state)
{
	(void)state;
	expect_escape("abc", 2, "ab");
	expect_escape("\xc3\xa9", 1, "\\u00c3");
}

static void test_escape_fails_when_out_is_too_small(void **state)
{
	char out[8];

	(void)state;
	/* "a\"b" escapes to 4 bytes and needs 5 with its NUL */
	assert_int_equal(payload_escape("a\"b", 3, out, 5), 4);
	assert_string_equal(out, "a\\\"b");
	assert_int_equal(payload_escape("a\"b", 3, out, 4), -1);
	assert_int_equal(payload_escape("\x01", 1, out, 7), 6);
	assert_int_equal(payload_escape("\x01", 1, out, 6), -1);
	assert_int_equal(payload_escape("", 0, out, 1), 0);
	assert_string_equal(out, "");
}

/* No room even for the NUL: -1, and nothing written. */
static void test_escape_into_zero_bytes_fails(void **state)
{
	char out[1] = { 'x' };

	(void)state;
	assert_int_equal(payload_escape("", 0, out, 0), -1);
	assert_int_equal(out[0], 'x');
}

/* Whatever the bytes, the result is a JSON string holding them. */
static void test_escape_round_trips_through_cjson(void **state)
{
	const char in[] = "q\"b\\s/\x01\x1f\n\xc3\xa9\xf0\x9f\x98\x80~\x7f";
	char out[256], json[260];
	cJSON *parsed;

	(void)state;
	assert_true(payload_escape(in, sizeof(in) - 1, out, sizeof(out)) > 0);
	snprintf(json, sizeof(json), "\"%s\"", out);
	parsed = cJSON_Parse(json);
	assert_non_null(parsed);
	assert_true(cJSON_IsString(parsed));
	assert_string_equal(parsed->valuestring, in);
	cJSON_Delete(parsed);
}

/* ---- building --------------------------------------------------------- */

static void test_head_names_the_pin(void **state)
{
	char buf[PAYLOAD_HEAD_MAX];

	(void)state;
	assert_int_equal(payload_head(buf, sizeof(buf), 17, "meter"), 25);
	assert_string_equal(buf, "{\"gpio\":17,\"name\":\"meter\"");
	assert_true(payload_head(buf, sizeof(buf), 65535, "a\"b\\c") > 0);
	assert_string_equal(buf, "{\"gpio\":65535,\"name\":\"a\\\"b\\\\c\"");
}

static void test_head_fails_when_buffer_is_too_small(void **state)
{
	char buf[26];

	(void)state;
	assert_int_equal(payload_head(buf, 25, 17, "meter"), -1);
	assert_int_equal(payload_head(buf, sizeof(buf), 17, "meter"), 25);
}

/* A name of CONFIG_NAME_MAX control characters still makes a head. */
static void test_head_fits_the_longest_escaped_name(void **state)
{
	char name[65], buf[PAYLOAD_HEAD_MAX];

	(void)state;
	memset(name, '\x01', 64);
	name[64] = '\0';
	assert_int_equal(payload_head(buf, sizeof(buf), 65535, name),
			 23 + 64 * 6);
}

static void test_edge_payload_exact(void **state)
{
	char buf[PAYLOAD_MAX];
	const char *head = "{\"gpio\":17,\"name\":\"meter\"";
	const char *expected = "{\"gpio\":17,\"name\":\"meter\",\"edge\":"
		"\"rising\",\"value\":1,\"count\":1234,\"ts\":\"" TS "\"}";

	(void)state;
	assert_int_equal(payload_edge(buf, sizeof(buf), head, "rising", 1,
				      1234, &when), strlen(expected));
	assert_string_equal(buf, expected);

	assert_true(payload_edge(buf, sizeof(buf), head, "falling", 0,
				 9007199254740991ULL, &when) > 0);
	assert_string_equal(buf, "{\"gpio\":17,\"name\":\"meter\",\"edge\":"
			    "\"falling\",\"value\":0,\"count\":"
			    "9007199254740991,\"ts\":\"" TS "\"}");
}

static void test_edge_payload_fails_when_buffer_is_too_small(void **state)
{
	char buf[PAYLOAD_MAX];
	const char *head = "{\"gpio\":17,\"name\":\"meter\"";
	int n;

	(void)state;
	n = payload_edge(buf, sizeof(buf), head, "rising", 1, 1, &when);
	assert_true(n > 0);
	assert_int_equal(payload_edge(buf, (size_t)n, head, "rising", 1, 1,
				      &when), -1);
	assert_int_equal(payload_edge(buf, (size_t)n + 1, head, "rising", 1,
				      1, &when), n);
}

static void test_count_payload_exact(void **state)
{
	char buf[PAYLOAD_MAX];
	struct payload_counts c = { 1234, 2, 1, 7 };
	const char *expected = "{\"gpio\":17,\"name\":\"meter\",\"count\":1234,"
		"\"missed\":2,\"faults\":1,\"dropped\":7,\"ts\":\"" TS "\"}";

	(void)state;
	assert_int_equal(payload_count(buf, sizeof(buf),
				       "{\"gpio\":17,\"name\":\"meter\"", &c,
				       &when), strlen(expected));
	assert_string_equal(buf, expected);
}

static void test_count_payload_prints_full_64_bit_values(void **state)
{
	char buf[PAYLOAD_MAX];
	struct payload_counts c = { UINT64_MAX, 0, 0, UINT64_MAX - 1 };

	(void)state;
	assert_true(payload_count(buf, sizeof(buf), "{\"gpio\":0,\"name\":\"0\"",
				  &c, &when) > 0);
	assert_string_equal(buf, "{\"gpio\":0,\"name\":\"0\",\"count\":"
			    "18446744073709551615,\"missed\":0,\"faults\":0,"
			    "\"dropped\":18446744073709551614,\"ts\":\"" TS
			    "\"}");
}

static void test_state_payload_exact(void **state)
{
	char buf[PAYLOAD_MAX];
	const char *expected = "{\"gpio\":43,\"name\":\"relay\",\"direction\":"
		"\"out\",\"value\":1,\"ts\":\"" TS "\"}";

	(void)state;
	assert_int_equal(payload_state(buf, sizeof(buf),
				       "{\"gpio\":43,\"name\":\"relay\"", "out",
				       1, NULL, &when), strlen(expected));
	assert_string_equal(buf, expected);
	assert_true(payload_state(buf, sizeof(buf),
				  "{\"gpio\":44,\"name\":\"44\"", "in", 0, NULL,
				  &when) > 0);
	assert_string_equal(buf, "{\"gpio\":44,\"name\":\"44\",\"direction\":"
			    "\"in\",\"value\":0,\"ts\":\"" TS "\"}");
}

static void test_state_payload_unknown_level_is_null(void **state)
{
	char buf[PAYLOAD_MAX];

	(void)state;
	assert_true(payload_state(buf, sizeof(buf),
				  "{\"gpio\":43,\"name\":\"relay\"", "out", -1,
				  NULL, &when) > 0);
	assert_string_equal(buf, "{\"gpio\":43,\"name\":\"relay\",\"direction\":"
			    "\"out\",\"value\":null,\"ts\":\"" TS "\"}");
}

static void test_state_payload_names_the_fault(void **state)
{
	char buf[PAYLOAD_MAX];

	(void)state;
	assert_true(payload_state(buf, sizeof(buf),
				  "{\"gpio\":17,\"name\":\"meter\"", "in", -1,
				  "read 'value' failed: No such device",
				  &when) > 0);
	assert_string_equal(buf, "{\"gpio\":17,\"name\":\"meter\",\"direction\":"
			    "\"in\",\"value\":null,\"fault\":\"read 'value' "
			    "failed: No such device\",\"ts\":\"" TS "\"}");

	assert_true(payload_state(buf, sizeof(buf),
				  "{\"gpio\":17,\"name\":\"meter\"", "in", 1,
				  "edge is \"none\"\n", &when) > 0);
	assert_string_equal(buf, "{\"gpio\":17,\"name\":\"meter\",\"direction\":"
			    "\"in\",\"value\":1,\"fault\":\"edge is \\\"none\\\""
			    "\\n\",\"ts\":\"" TS "\"}");
}

static void test_error_payload_exact(void **state)
{
	char buf[PAYLOAD_MAX];
	const char *expected = "{\"gpio\":43,\"error\":\"" BAD_VALUE
		"\",\"payload\":\"{\\\"value\\\":2}\"}";

	(void)state;
	assert_int_equal(payload_error(buf, sizeof(buf), 43, "gpio/43/set",
				       BAD_VALUE, "{\"value\":2}", 11),
			 strlen(expected));
	assert_string_equal(buf, expected);
}

static void test_error_payload_without_gpio_names_the_topic(void **state)
{
	char buf[PAYLOAD_MAX];

	(void)state;
	assert_true(payload_error(buf, sizeof(buf), -1, "gpio/x/set",
				  "unknown topic", "on", 2) > 0);
	assert_string_equal(buf, "{\"topic\":\"gpio/x/set\",\"error\":"
			    "\"unknown topic\",\"payload\":\"on\"}");
}

static void test_error_payload_without_payload(void **state)
{
	char buf[PAYLOAD_MAX];

	(void)state;
	assert_true(payload_error(buf, sizeof(buf), 17, NULL,
				  "read 'value' failed: No such device", NULL,
				  0) > 0);
	assert_string_equal(buf, "{\"gpio\":17,\"error\":\"read 'value' failed: "
			    "No such device\"}");
	assert_true(payload_error(buf, sizeof(buf), 17, NULL, "x", "", 0) > 0);
	assert_string_equal(buf, "{\"gpio\":17,\"error\":\"x\",\"payload\":\"\"}");
}

static void test_error_payload_echoes_only_64_bytes(void **state)
{
	char data[100], buf[PAYLOAD_MAX], expected[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	snprintf(expected, sizeof(expected),
		 "{\"gpio\":43,\"error\":\"too long\",\"payload\":\"%.64s\"}",
		 data);
	assert_int_equal(payload_error(buf, sizeof(buf), 43, NULL, "too long",
				       data, sizeof(data)), strlen(expected));
	assert_string_equal(buf, expected);

	/* exactly 64 bytes: all of them */
	assert_true(payload_error(buf, sizeof(buf), 43, NULL, "too long",
				  data, 64) > 0);
	assert_string_equal(buf, expected);
}

static void test_error_payload_escapes_the_echo(void **state)
{
	char buf[PAYLOAD_MAX];

	(void)state;
	assert_true(payload_error(buf, sizeof(buf), 43, NULL, "bad \"byte\"",
				  "1\0\xff\n\"", 5) > 0);
	assert_string_equal(buf, "{\"gpio\":43,\"error\":\"bad \\\"byte\\\"\","
			    "\"payload\":\"1\\u0000\\u00ff\\n\\\"\"}");
}

/* 64 bytes of binary escape to 384: the message still fits. */
static void test_error_payload_fits_64_escaped_bytes(void **state)
{
	char data[64], buf[PAYLOAD_MAX];
	cJSON *root;

	(void)state;
	memset(data, '\x01', sizeof(data));
	assert_true(payload_error(buf, sizeof(buf), 65535, NULL,
				  "payload contains a NUL byte", data,
				  sizeof(data)) > 0);
	root = cJSON_Parse(buf);
	assert_non_null(root);
	assert_int_equal(strlen(cJSON_GetObjectItem(root,
						    "payload")->valuestring),
			 64);
	cJSON_Delete(root);
}

/*
 * An unknown topic under the prefix may be long (MQTT allows 65535
 * bytes); it is rejected with an error message all the same, naming the
 * start of the topic.
 */
static void test_error_payload_cuts_a_long_topic(void **state)
{
	char topic[1000], buf[PAYLOAD_MAX], data[64], expected[PAYLOAD_MAX];
	cJSON *root;

	(void)state;
	memcpy(topic, "gpio/", 5);
	memset(topic + 5, 'a', sizeof(topic) - 6);
	topic[sizeof(topic) - 1] = '\0';
	memset(data, '\xff', sizeof(data));

	assert_true(payload_error(buf, sizeof(buf), -1, topic,
				  "unknown topic", "1", 1) > 0);
	snprintf(expected, sizeof(expected), "{\"topic\":\"%.128s\",\"error\":"
		 "\"unknown topic\",\"payload\":\"1\"}", topic);
	assert_string_equal(buf, expected);

	assert_true(payload_error(buf, sizeof(buf), -1, topic,
				  "retained command ignored: publish commands "
				  "without the retain flag", data,
				  sizeof(data)) > 0);
	root = cJSON_Parse(buf);
	assert_non_null(root);
	assert_int_equal(strlen(cJSON_GetObjectItem(root,
						    "topic")->valuestring),
			 128);
	cJSON_Delete(root);
}

static void test_error_payload_fails_when_buffer_is_too_small(void **state)
{
	char buf[64];

	(void)state;
	/* {"gpio":43,"error":"unknown value" is 34 bytes, all of it 49 */
	assert_int_equal(payload_error(buf, 34, 43, NULL, "unknown value",
				       "2", 1), -1);
	assert_int_equal(payload_error(buf, 49, 43, NULL, "unknown value",
				       "2", 1), -1);
	assert_int_equal(payload_error(buf, 50, 43, NULL, "unknown value",
				       "2", 1), 49);
}

/* Every builder's output parses back to the values it was given. */
static void test_built_payloads_are_valid_json(void **state)
{
	char head[PAYLOAD_HEAD_MAX], buf[PAYLOAD_MAX];
	struct payload_counts c = { 5, 6, 7, 8 };
	const char *name = "m\"e\\t\x01r \xc3\xa9";
	cJSON *root;

	(void)state;
	assert_true(payload_head(head, sizeof(head), 9, name) > 0);

	assert_true(payload_edge(buf, sizeof(buf), head, "rising", 1, 3,
				 &when) > 0);
	root = cJSON_Parse(buf);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "name")->valuestring,
			    name);
	assert_int_equal(cJSON_GetObjectItem(root, "gpio")->valueint, 9);
	assert_int_equal(cJSON_GetObjectItem(root, "count")->valueint, 3);
	assert_string_equal(cJSON_GetObjectItem(root, "ts")->valuestring, TS);
	cJSON_Delete(root);

	assert_true(payload_count(buf, sizeof(buf), head, &c, &when) > 0);
	root = cJSON_Parse(buf);
	assert_non_null(root);
	assert_int_equal(cJSON_GetObjectItem(root, "dropped")->valueint, 8);
	cJSON_Delete(root);

	assert_true(payload_state(buf, sizeof(buf), head, "in", -1,
				  "gone \"away\"", &when) > 0);
	root = cJSON_Parse(buf);
	assert_non_null(root);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "value")));
	assert_string_equal(cJSON_GetObjectItem(root, "fault")->valuestring,
			    "gone \"away\"");
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* first: before any other timestamp was formatted */
		cmocka_unit_test(test_timestamp_of_the_second_before_the_epoch),
		cmocka_unit_test(test_set_accepts_words),
		cmocka_unit_test(test_set_words_ignore_case),
		cmocka_unit_test(test_set_ignores_surrounding_white_space),
		cmocka_unit_test(test_set_accepts_json_value),
		cmocka_unit_test(test_set_reads_only_len_bytes),
		cmocka_unit_test(test_set_accepts_256_bytes),
		cmocka_unit_test(test_set_rejects_empty),
		cmocka_unit_test(test_set_rejects_only_white_space),
		cmocka_unit_test(test_set_rejects_unknown_words),
		cmocka_unit_test(test_set_rejects_trailing_garbage),
		cmocka_unit_test(test_set_rejects_bad_json_value),
		cmocka_unit_test(test_set_rejects_other_json_keys),
		cmocka_unit_test(test_set_reason_escapes_the_unexpected_key),
		cmocka_unit_test(test_set_rejects_duplicate_value_key),
		cmocka_unit_test(test_set_rejects_escaped_nul_in_key),
		cmocka_unit_test(test_set_rejects_malformed_json),
		cmocka_unit_test(test_set_rejects_257_bytes),
		cmocka_unit_test(test_set_rejects_nul_byte),
		cmocka_unit_test(test_set_rejects_invalid_utf8),
		cmocka_unit_test(test_set_reason_fits_a_small_buffer),
		cmocka_unit_test(test_count_accepts_integers),
		cmocka_unit_test(test_count_accepts_json),
		cmocka_unit_test(test_count_rejects_2_to_the_53),
		cmocka_unit_test(test_count_rejects_non_integers),
		cmocka_unit_test(test_count_rejects_bad_json),
		cmocka_unit_test(test_count_rejects_bad_bytes),
		cmocka_unit_test(test_timestamp_is_rfc3339_utc_with_microseconds),
		cmocka_unit_test(test_timestamp_truncates_nanoseconds),
		cmocka_unit_test(test_timestamp_follows_changing_seconds),
		cmocka_unit_test(test_escape_quote_and_backslash),
		cmocka_unit_test(test_escape_control_characters),
		cmocka_unit_test(test_escape_keeps_valid_utf8),
		cmocka_unit_test(test_escape_invalid_bytes_as_u00xx),
		cmocka_unit_test(test_escape_reads_only_len_bytes),
		cmocka_unit_test(test_escape_fails_when_out_is_too_small),
		cmocka_unit_test(test_escape_into_zero_bytes_fails),
		cmocka_unit_test(test_escape_round_trips_through_cjson),
		cmocka_unit_test(test_head_names_the_pin),
		cmocka_unit_test(test_head_fails_when_buffer_is_too_small),
		cmocka_unit_test(test_head_fits_the_longest_escaped_name),
		cmocka_unit_test(test_edge_payload_exact),
		cmocka_unit_test(test_edge_payload_fails_when_buffer_is_too_small),
		cmocka_unit_test(test_count_payload_exact),
		cmocka_unit_test(test_count_payload_prints_full_64_bit_values),
		cmocka_unit_test(test_state_payload_exact),
		cmocka_unit_test(test_state_payload_unknown_level_is_null),
		cmocka_unit_test(test_state_payload_names_the_fault),
		cmocka_unit_test(test_error_payload_exact),
		cmocka_unit_test(test_error_payload_without_gpio_names_the_topic),
		cmocka_unit_test(test_error_payload_without_payload),
		cmocka_unit_test(test_error_payload_echoes_only_64_bytes),
		cmocka_unit_test(test_error_payload_escapes_the_echo),
		cmocka_unit_test(test_error_payload_fits_64_escaped_bytes),
		cmocka_unit_test(test_error_payload_cuts_a_long_topic),
		cmocka_unit_test(test_error_payload_fails_when_buffer_is_too_small),
		cmocka_unit_test(test_built_payloads_are_valid_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
