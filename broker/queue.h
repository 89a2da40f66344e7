/* queue.h: a bounded FIFO of edge messages waiting for the broker. When
 * it is full the oldest entry makes room and is handed back, so that the
 * caller can count it as dropped. */
#ifndef GB_QUEUE_H
#define GB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One edge message, kept as data and formatted when it is sent. */
struct queue_item {
	uint64_t count;
	struct timespec ts;
	uint32_t pin;		/* the owner's index of the pin */
	uint8_t kind;		/* enum edge_kind */
	uint8_t level;
};

struct queue {
	struct queue_item *items;
	size_t capacity;
	size_t head;		/* index of the oldest item */
	size_t len;
};

/* Returns 0 or -ENOMEM. A capacity of 0 keeps nothing. */
int queue_init(struct queue *q, size_t capacity);
void queue_free(struct queue *q);

/*
 * Append an item. Returns true when something was dropped to make room:
 * the oldest item, or the new one itself with capacity 0; it is copied to
 * *dropped.
 */
bool queue_push(struct queue *q, const struct queue_item *item,
		struct queue_item *dropped);

/* Take the oldest item; false when the queue is empty. */
bool queue_pop(struct queue *q, struct queue_item *item);

static inline bool queue_empty(const struct queue *q)
{
	return q->len == 0;
}

#endif
