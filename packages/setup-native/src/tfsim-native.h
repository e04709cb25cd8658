/*
 * What the C addons of @tfsim/search share (blas-kernel.c, hnsw-kernel.c):
 * the SIMD level to run, an N-API argument helper, and a pool of worker
 * threads started once and parked between calls. Each addon includes it and
 * gets its own pool. setup:native hashes this header with each source that
 * includes it, so a change here rebuilds both addons.
 */
#ifndef TFSIM_NATIVE_H
#define TFSIM_NATIVE_H

#include <node_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TFSIM_MAX_THREADS 16

/* Cores online, 1 to TFSIM_MAX_THREADS. */
static int tfsim_cores(void) {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > TFSIM_MAX_THREADS ? TFSIM_MAX_THREADS : (int)n;
}

/* SIMD levels of the kernels, narrowest first. */
enum { TFSIM_SCALAR = 0, TFSIM_AVX2 = 1, TFSIM_AVX512 = 2 };

/* The widest level this CPU runs (AVX2 counts with FMA only), narrowed by the environment variable `force_env` when it
 * says `scalar` or `avx2` (tests compare the kernels; the addons are built without -march, so each kernel carries its
 * own target). */
static int tfsim_simd(const char *force_env) {
  const char *force = getenv(force_env);
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (force && strcmp(force, "scalar") == 0) return TFSIM_SCALAR;
  if (!(force && strcmp(force, "avx2") == 0) && __builtin_cpu_supports("avx512f")) return TFSIM_AVX512;
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? TFSIM_AVX2 : TFSIM_SCALAR;
#else
  (void)force;
  return TFSIM_SCALAR;
#endif
}

/* The data and length of `value` when it is a typed array of type `want`; 0 otherwise. */
static int tfsim_typed(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == want;
}

/* ---------- the worker pool ----------
 *
 * A batch is `count` tasks, fn(args + i * size); the calling thread claims
 * tasks with the helpers, so a batch finishes even when no helper gets a core
 * (a busy machine), and returns only once no helper still runs one of its
 * tasks. Helpers are created the first time a batch needs them (at most
 * TFSIM_MAX_THREADS - 1, never ended) and wait on a condition variable
 * between batches: a call costs a wake-up instead of a pthread_create and a
 * join per thread. One batch at a time: a call from another thread (a
 * worker_thread of Node) while a batch runs does its tasks on its own thread.
 */
typedef void *(*tfsim_task_fn)(void *);

static struct {
  pthread_mutex_t lock, busy;
  pthread_cond_t wake, idle;
  int helpers; /* started */
  int open;    /* a batch is taking helpers */
  tfsim_task_fn fn;
  char *args;
  size_t size;
  int count, next; /* tasks of the batch, the next to claim */
  int active;      /* helpers running a task */
} tfsim_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL,
                NULL, 0, 0, 0, 0};

static void *tfsim_pool_helper(void *unused) {
  (void)unused;
  pthread_mutex_lock(&tfsim_pool.lock);
  for (;;) {
    while (!tfsim_pool.open || tfsim_pool.next >= tfsim_pool.count) pthread_cond_wait(&tfsim_pool.wake, &tfsim_pool.lock);
    const int i = tfsim_pool.next++;
    const tfsim_task_fn fn = tfsim_pool.fn;
    void *arg = tfsim_pool.args + (size_t)i * tfsim_pool.size;
    tfsim_pool.active++;
    pthread_mutex_unlock(&tfsim_pool.lock);
    fn(arg);
    pthread_mutex_lock(&tfsim_pool.lock);
    if (--tfsim_pool.active == 0) pthread_cond_signal(&tfsim_pool.idle);
  }
  return NULL;
}

/* Starts helpers up to `want` (under the pool's lock); returns how many there are. */
static int tfsim_pool_grow(int want) {
  if (want > TFSIM_MAX_THREADS - 1) want = TFSIM_MAX_THREADS - 1;
  while (tfsim_pool.helpers < want) {
    pthread_attr_t attr;
    pthread_t id;
    if (pthread_attr_init(&attr) != 0) break;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    const int failed = pthread_create(&id, &attr, tfsim_pool_helper, NULL) != 0;
    pthread_attr_destroy(&attr);
    if (failed) break;
    tfsim_pool.helpers++;
  }
  return tfsim_pool.helpers;
}

/* Runs fn(args + i * size) for i in [0, count) on up to `count` threads (the caller's among them); returns when all
 * are done. Without helpers (none could be started, or another batch runs) the caller runs every task itself. */
static void tfsim_pool_run(tfsim_task_fn fn, void *args, size_t size, int count) {
  if (count > 1 && pthread_mutex_trylock(&tfsim_pool.busy) == 0) {
    pthread_mutex_lock(&tfsim_pool.lock);
    if (tfsim_pool_grow(count - 1) > 0) {
      tfsim_pool.fn = fn;
      tfsim_pool.args = args;
      tfsim_pool.size = size;
      tfsim_pool.count = count;
      tfsim_pool.next = 0;
      tfsim_pool.open = 1;
      pthread_cond_broadcast(&tfsim_pool.wake);
      while (tfsim_pool.next < count) {
        const int i = tfsim_pool.next++;
        pthread_mutex_unlock(&tfsim_pool.lock);
        fn((char *)args + (size_t)i * size);
        pthread_mutex_lock(&tfsim_pool.lock);
      }
      while (tfsim_pool.active > 0) pthread_cond_wait(&tfsim_pool.idle, &tfsim_pool.lock);
      tfsim_pool.open = 0;
      pthread_mutex_unlock(&tfsim_pool.lock);
      pthread_mutex_unlock(&tfsim_pool.busy);
      return;
    }
    pthread_mutex_unlock(&tfsim_pool.lock);
    pthread_mutex_unlock(&tfsim_pool.busy);
  }
  for (int i = 0; i < count; i++) fn((char *)args + (size_t)i * size);
}

#endif
