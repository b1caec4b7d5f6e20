/*
 * A lock-free single-producer/single-consumer ring of int16 samples (C11 atomics).
 *
 * `head` counts every sample ever written (only the producer stores it), `tail` every sample
 * ever read (only the consumer stores it); fill = head - tail, positions are taken modulo the
 * capacity. Writes and reads are all-or-nothing: a write that does not fit is refused (the
 * caller drops the NEWEST audio and counts it), a read of more than is there is refused.
 * The producer publishes with a release store after copying, the consumer reads it with an
 * acquire load before copying, and the other way round for the space freed by the consumer.
 */
#ifndef PARLEY_RING_H
#define PARLEY_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
  int16_t *buf;
  size_t cap; /* samples */
  _Atomic size_t head;
  _Atomic size_t tail;
} ring_t;

static inline size_t ring_fill(ring_t *r) {
  return atomic_load_explicit(&r->head, memory_order_acquire) - atomic_load_explicit(&r->tail, memory_order_acquire);
}

/* Producer side. Returns 1 when all `n` samples were stored, 0 (nothing stored) when full. */
static inline int ring_write(ring_t *r, const int16_t *src, size_t n) {
  size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (r->cap - (head - tail) < n) return 0;
  size_t at = head % r->cap, first = r->cap - at < n ? r->cap - at : n;
  memcpy(r->buf + at, src, first * sizeof(int16_t));
  memcpy(r->buf, src + first, (n - first) * sizeof(int16_t));
  atomic_store_explicit(&r->head, head + n, memory_order_release);
  return 1;
}

/* Consumer side. Copies min(n, fill) samples into dst and returns how many. */
static inline size_t ring_read(ring_t *r, int16_t *dst, size_t n) {
  size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
  if (head - tail < n) n = head - tail;
  size_t at = tail % r->cap, first = r->cap - at < n ? r->cap - at : n;
  memcpy(dst, r->buf + at, first * sizeof(int16_t));
  memcpy(dst + first, r->buf, (n - first) * sizeof(int16_t));
  atomic_store_explicit(&r->tail, tail + n, memory_order_release);
  return n;
}

#endif
