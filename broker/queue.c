/* queue.c: the bounded FIFO of edge messages kept while offline. */
#include <errno.h>
#include <stdlib.h>

#include "queue.h"

int queue_init(struct queue *q, size_t capacity)
{
	q->items = NULL;
	q->capacity = capacity;
	q->head = 0;
	q->len = 0;
	if (!capacity)
		return 0;

	/* untouched pages of a large allocation cost no memory */
	q->items = malloc(capacity * sizeof(*q->items));
	return q->items ? 0 : -ENOMEM;
}

void queue_free(struct queue *q)
{
	free(q->items);
	q->items = NULL;
	q->capacity = q->len = q->head = 0;
}

bool queue_push(struct queue *q, const struct queue_item *item,
		struct queue_item *dropped)
{
	bool full = q->len == q->capacity;

	if (!q->capacity) {
		*dropped = *item;
		return true;
	}
	if (full) {
		*dropped = q->items[q->head];
		q->head = (q->head + 1) % q->capacity;
		q->len--;
	}
	q->items[(q->head + q->len) % q->capacity] = *item;
	q->len++;
	return full;
}

bool queue_pop(struct queue *q, struct queue_item *item)
{
	if (!q->len)
		return false;
	*item = q->items[q->head];
	q->head = (q->head + 1) % q->capacity;
	q->len--;
	return true;
}
