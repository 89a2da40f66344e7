/* test_queue.c: unit tests of broker/queue.c, the bounded FIFO of edge
 * messages kept while offline: order, dropping the oldest when full and
 * handing it back, capacity 0, wrap-around. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "queue.h"

static struct queue_item item(uint64_t count)
{
	struct queue_item it;

	memset(&it, 0, sizeof(it));
	it.count = count;
	it.ts.tv_sec = (time_t)(1796379072 + count);
	it.ts.tv_nsec = (long)(count * 1000);
	it.pin = (uint32_t)(count % 7);
	it.kind = (uint8_t)(count & 1);
	it.level = (uint8_t)(!(count & 1));
	return it;
}

static void assert_item(const struct queue_item *got, uint64_t count)
{
	struct queue_item want = item(count);

	assert_memory_equal(got, &want, sizeof(want));
}

static void push_none_dropped(struct queue *q, uint64_t count)
{
	struct queue_item it = item(count), dropped = item(999);

	assert_false(queue_push(q, &it, &dropped));
	assert_item(&dropped, 999);	/* untouched */
}

static void test_new_queue_is_empty(void **state)
{
	struct queue q;
	struct queue_item it;

	(void)state;
	assert_int_equal(queue_init(&q, 4), 0);
	assert_true(queue_empty(&q));
	assert_false(queue_pop(&q, &it));
	queue_free(&q);
}

static void test_items_come_out_in_order(void **state)
{
	struct queue q;
	struct queue_item it;
	uint64_t i;

	(void)state;
	assert_int_equal(queue_init(&q, 5), 0);
	for (i = 1; i <= 5; i++)
		push_none_dropped(&q, i);
	assert_false(queue_empty(&q));
	for (i = 1; i <= 5; i++) {
		assert_true(queue_pop(&q, &it));
		assert_item(&it, i);
	}
	assert_true(queue_empty(&q));
	assert_false(queue_pop(&q, &it));
	queue_free(&q);
}

static void test_full_queue_drops_the_oldest_and_returns_it(void **state)
{
	struct queue q;
	struct queue_item it, dropped;
	uint64_t i;

	(void)state;
	assert_int_equal(queue_init(&q, 3), 0);
	for (i = 1; i <= 3; i++)
		push_none_dropped(&q, i);

	it = item(4);
	assert_true(queue_push(&q, &it, &dropped));
	assert_item(&dropped, 1);
	it = item(5);
	assert_true(queue_push(&q, &it, &dropped));
	assert_item(&dropped, 2);
	assert_int_equal(q.len, 3);

	for (i = 3; i <= 5; i++) {
		assert_true(queue_pop(&q, &it));
		assert_item(&it, i);
	}
	assert_false(queue_pop(&q, &it));
	queue_free(&q);
}

static void test_capacity_zero_drops_the_new_item(void **state)
{
	struct queue q;
	struct queue_item it = item(1), dropped = item(999);

	(void)state;
	assert_int_equal(queue_init(&q, 0), 0);
	assert_true(queue_empty(&q));
	assert_true(queue_push(&q, &it, &dropped));
	assert_item(&dropped, 1);
	assert_true(queue_empty(&q));
	assert_false(queue_pop(&q, &it));
	queue_free(&q);
}

static void test_capacity_one_keeps_the_newest(void **state)
{
	struct queue q;
	struct queue_item it, dropped;

	(void)state;
	assert_int_equal(queue_init(&q, 1), 0);
	push_none_dropped(&q, 1);
	it = item(2);
	assert_true(queue_push(&q, &it, &dropped));
	assert_item(&dropped, 1);
	assert_true(queue_pop(&q, &it));
	assert_item(&it, 2);
	assert_true(queue_empty(&q));
	queue_free(&q);
}

/* Interleaved pushes and pops move head round the ring many times. */
static void test_wrap_around_keeps_order(void **state)
{
	uint64_t next_in = 1, next_out = 1, dropped_count = 0, round;
	struct queue_item it, dropped;
	struct queue q;

	(void)state;
	assert_int_equal(queue_init(&q, 4), 0);
	for (round = 0; round < 50; round++) {
		/* push 3, pop 2: the ring fills, then drops one per round */
		for (int k = 0; k < 3; k++) {
			it = item(next_in++);
			if (queue_push(&q, &it, &dropped)) {
				assert_item(&dropped, next_out);
				next_out++;
				dropped_count++;
			}
		}
		for (int k = 0; k < 2; k++) {
			assert_true(queue_pop(&q, &it));
			assert_item(&it, next_out);
			next_out++;
		}
		assert_true(q.head < q.capacity);
		assert_true(q.len <= q.capacity);
	}
	while (queue_pop(&q, &it))
		assert_item(&it, next_out++);
	assert_true(next_out == next_in);
	assert_true(dropped_count == 50 - 2);
	queue_free(&q);
}

static void test_free_leaves_an_empty_queue(void **state)
{
	struct queue q;
	struct queue_item it;

	(void)state;
	assert_int_equal(queue_init(&q, 8), 0);
	push_none_dropped(&q, 1);
	queue_free(&q);
	assert_null(q.items);
	assert_true(queue_empty(&q));
	assert_false(queue_pop(&q, &it));
	queue_free(&q);		/* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_queue_is_empty),
		cmocka_unit_test(test_items_come_out_in_order),
		cmocka_unit_test(test_full_queue_drops_the_oldest_and_returns_it),
		cmocka_unit_test(test_capacity_zero_drops_the_new_item),
		cmocka_unit_test(test_capacity_one_keeps_the_newest),
		cmocka_unit_test(test_wrap_around_keeps_order),
		cmocka_unit_test(test_free_leaves_an_empty_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
