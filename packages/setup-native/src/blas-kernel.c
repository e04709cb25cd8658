/*
 * The BLAS path of LinearSearch (@tfsim/search, src/kernel/blas.ts): for each
 * query, the K smallest "kernel values" over all keys (ties to the lower key
 * index, as the WebAssembly kernel src/kernel/linear.wat), computed as float32
 * GEMMs on the system BLAS (OpenBLAS) with the top-K selection fused per
 * block. linear.ts re-scores these candidates exactly, under an error bound,
 * so the results equal the exact ones whatever the rounding of the GEMM.
 *
 *   mode 0 inner product  v = -q.k
 *   mode 1 cosine         v = max(-q.k, -1)
 *   mode 2 squared L2     v = |q|^2 + (|k|^2 - 2 q.k), the bracket in float32
 *   mode 3 SNR            v = |q|^2 + |k|^2 - 2 q.k - (sum q - sum k)^2 / d
 *
 * Where the time goes (TFSIM_BLAS_PROFILE=1 prints each call's CPU seconds
 * per phase to stderr): at 100k x 128 and 1,000 queries about 85% in the GEMM,
 * the rest in the selection, which rejects most values with one vector
 * compare against the heap's root. Threads: ours (a pool started once,
 * tfsim-native.h), each running single-threaded GEMMs on its own queries (or
 * keys, for few queries) into a block it keeps between calls, so no OpenBLAS
 * worker spins while the selection runs.
 *
 * Built by `pnpm setup:native` (packages/setup-native/src/blas.ts); optional:
 * without it LinearSearch runs the WebAssembly kernel.
 */
#include <cblas.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tfsim-native.h"

#define NO_KEY 0x7fffffff
/* Queries x keys per GEMM block and thread: 512 x 1024 float32 is 2 MiB, read
 * back by the selection from cache; one query block per thread at 1,000
 * queries on 2 cores, so the keys are packed once. (Measured against 256 x
 * 1024, 256 x 4096, 128 x 2048, 1024 x 512: within the noise, this one a
 * little ahead.) */
#ifndef QUERY_BLOCK
#define QUERY_BLOCK 512
#endif
#ifndef KEY_BLOCK
#define KEY_BLOCK 1024
#endif
#define MAX_THREADS TFSIM_MAX_THREADS
/* Below this many multiply-adds a search stays on the calling thread. */
#define PARALLEL_WORK (1 << 20)
/* With fewer queries than this per thread, threads split the keys instead. */
#define MIN_QUERIES_PER_THREAD 16

/* Offers (val, idx) to a max-heap on (value, index) of K entries: it replaces
 * the root when (val, idx) is smaller. Within one scan keys arrive in
 * ascending index order, so an equal value never displaces an earlier key;
 * the merge of per-thread heaps relies on the full comparison. NaN never
 * enters, nor does +Infinity (the value of empty slots). */
static void offer(float *values, int32_t *keys, int K, float val, int32_t idx) {
  if (!(val < values[0] || (val == values[0] && idx < keys[0] && val < INFINITY))) return;
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= K) break;
    float cv = values[c];
    int32_t ck = keys[c];
    if (c + 1 < K && (values[c + 1] > cv || (values[c + 1] == cv && keys[c + 1] > ck))) {
      c = c + 1;
      cv = values[c];
      ck = keys[c];
    }
    if (!(cv > val || (cv == val && ck > idx))) break;
    values[i] = cv;
    keys[i] = ck;
    i = c;
  }
  values[i] = val;
  keys[i] = idx;
}

typedef struct {
  const float *keys;
  const double *key_norm2;
  const double *key_sum;
  int64_t n;
  int d;
  const float *queries;
  int64_t m;
  int mode;
  int K;
  float *out_values;
  int32_t *out_keys;
} job_t;

/* One thread's share: queries [q_begin, q_end) against keys [k_begin, k_end),
 * into heaps of K entries per query at values/keys (row q - q_begin). */
typedef struct {
  const job_t *job;
  int64_t q_begin, q_end, k_begin, k_end;
  float *values;
  int32_t *keys;
  int ok;
  double gemm_s, select_s;
} part_t;

/* One row of a block: dots[c] = q . k_(k0 + c) for c < nb. */
typedef struct {
  const float *dots;
  int nb;
  int64_t k0;
  int mode;
  const float *knf; /* mode 2: |k|^2 of the block's keys, float32 */
  double qn, qs, inv_d;
  const double *kn, *ks; /* mode 3: |k|^2 and sum(k) of the block's keys */
} row_t;

/* The kernel value of column c. Squared L2 leaves out |q|^2, the same for the
 * whole row: run() adds it to the selected values at the end. 2 * dot is
 * exact, so the vector paths (which compute kn - 2 dot the same way) agree to
 * the bit. */
static inline float value_at(const row_t *w, int c) {
  const float dot = w->dots[c];
  switch (w->mode) {
    case 0:
      return -dot;
    case 1:
      return -dot < -1.0f ? -1.0f : -dot;
    case 2:
      return w->knf[c] - 2.0f * dot;
    default: {
      const double diff = w->qs - w->ks[c];
      return (float)(w->qn + w->kn[c] - 2.0 * dot - diff * diff * w->inv_d);
    }
  }
}

/* Offers columns [c0, c1) one by one; returns the heap's new root. */
static inline float offer_range(const row_t *w, int c0, int c1, float *values, int32_t *keys, int K, float threshold) {
  for (int c = c0; c < c1; c++) {
    const float v = value_at(w, c);
    if (v < threshold) {
      offer(values, keys, K, v, (int32_t)(w->k0 + c));
      threshold = values[0];
    }
  }
  return threshold;
}

static void select_row_scalar(const row_t *w, float *values, int32_t *keys, int K) {
  offer_range(w, 0, w->nb, values, keys, K, values[0]);
}

/* The vector paths: `width` values at a time (16 with AVX-512, 8 with AVX2) against the running threshold, the heap's
 * root; only a step with a value below it goes through offer_range. `below` is the instruction set's test (a constant
 * at each call, inlined). Modes 0 - 2; SNR stays scalar. */
static inline __attribute__((always_inline)) void select_row_with(const row_t *w, float *values, int32_t *keys, int K, const int width,
                                                                    int (*below)(const row_t *, int, float)) {
  float threshold = values[0];
  int c = 0;
  for (; c + width <= w->nb; c += width)
    if (below(w, c, threshold)) threshold = offer_range(w, c, c + width, values, keys, K, threshold);
  offer_range(w, c, w->nb, values, keys, K, threshold);
}

#if defined(__x86_64__)
/* Whether a value of columns [c, c + 16) is below the threshold (NaN never is: max(-1, NaN) stays NaN). */
__attribute__((target("avx512f"), always_inline)) static inline int below16(const row_t *w, int c, float threshold) {
  const __m512 dot = _mm512_loadu_ps(w->dots + c), zero = _mm512_setzero_ps();
  __m512 v;
  if (w->mode == 2) v = _mm512_sub_ps(_mm512_loadu_ps(w->knf + c), _mm512_mul_ps(_mm512_set1_ps(2.0f), dot));
  else if (w->mode == 1) v = _mm512_max_ps(_mm512_set1_ps(-1.0f), _mm512_sub_ps(zero, dot));
  else v = _mm512_sub_ps(zero, dot);
  return _mm512_cmp_ps_mask(v, _mm512_set1_ps(threshold), _CMP_LT_OQ) != 0;
}

__attribute__((target("avx2"), always_inline)) static inline int below8(const row_t *w, int c, float threshold) {
  const __m256 dot = _mm256_loadu_ps(w->dots + c), zero = _mm256_setzero_ps();
  __m256 v;
  if (w->mode == 2) v = _mm256_sub_ps(_mm256_loadu_ps(w->knf + c), _mm256_mul_ps(_mm256_set1_ps(2.0f), dot));
  else if (w->mode == 1) v = _mm256_max_ps(_mm256_set1_ps(-1.0f), _mm256_sub_ps(zero, dot));
  else v = _mm256_sub_ps(zero, dot);
  return _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_set1_ps(threshold), _CMP_LT_OQ)) != 0;
}

__attribute__((target("avx512f"))) static void select_row_avx512(const row_t *w, float *values, int32_t *keys, int K) {
  select_row_with(w, values, keys, K, 16, below16);
}

__attribute__((target("avx2"))) static void select_row_avx2(const row_t *w, float *values, int32_t *keys, int K) {
  select_row_with(w, values, keys, K, 8, below8);
}
#endif

typedef void (*select_row_fn)(const row_t *, float *, int32_t *, int);

/* TFSIM_BLAS_SELECT=scalar|avx2 forces a narrower path (tests). */
static select_row_fn vector_select(void) {
  static select_row_fn chosen;
  if (!chosen) {
    switch (tfsim_simd("TFSIM_BLAS_SELECT")) {
#if defined(__x86_64__)
      case TFSIM_AVX512:
        chosen = select_row_avx512;
        break;
      case TFSIM_AVX2:
        chosen = select_row_avx2;
        break;
#endif
      default:
        chosen = select_row_scalar;
    }
  }
  return chosen;
}

/* CPU seconds of the calling thread (the profile's phases: meaningful on a busy machine too). */
static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double wall_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int profiling = -1;

/* The calling thread's GEMM output block, allocated on its first part and kept (the pool's threads live on): a call
 * does not fault in 2 MiB of fresh pages per thread. */
static float *gemm_block(void) {
  static __thread float *block;
  if (!block) block = malloc(sizeof(float) * QUERY_BLOCK * KEY_BLOCK);
  return block;
}

/* Scans one part block by block: a single-threaded GEMM of a query block
 * against a key block, then each row's values offered to its heap; most are
 * rejected by one compare with the heap's root, the running threshold. */
static void *run_part(void *arg) {
  part_t *p = arg;
  const job_t *job = p->job;
  const int d = job->d, K = job->K;
  const double inv_d = 1.0 / d;
  float *block = gemm_block();
  if (!block) return NULL;
  float knf[KEY_BLOCK];
  const select_row_fn select = job->mode == 3 ? select_row_scalar : vector_select();
  double t0 = 0;
  for (int64_t q0 = p->q_begin; q0 < p->q_end; q0 += QUERY_BLOCK) {
    const int mb = (int)(p->q_end - q0 < QUERY_BLOCK ? p->q_end - q0 : QUERY_BLOCK);
    double qn[QUERY_BLOCK], qs[QUERY_BLOCK];
    for (int r = 0; r < mb; r++) {
      const float *q = job->queries + (q0 + r) * d;
      double s2 = 0, s = 0;
      for (int j = 0; j < d; j++) {
        s2 += (double)q[j] * q[j];
        s += q[j];
      }
      qn[r] = s2;
      qs[r] = s;
    }
    for (int64_t k0 = p->k_begin; k0 < p->k_end; k0 += KEY_BLOCK) {
      const int nb = (int)(p->k_end - k0 < KEY_BLOCK ? p->k_end - k0 : KEY_BLOCK);
      if (profiling) t0 = now_s();
      /* block[r][c] = q_r . k_c */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mb, nb, d, 1.0f, job->queries + q0 * d, d, job->keys + k0 * d, d, 0.0f,
                  block, nb);
      if (profiling) {
        double t1 = now_s();
        p->gemm_s += t1 - t0;
        t0 = t1;
      }
      if (job->mode == 2)
        for (int c = 0; c < nb; c++) knf[c] = (float)job->key_norm2[k0 + c];
      for (int r = 0; r < mb; r++) {
        const row_t w = {block + (int64_t)r * nb, nb, k0, job->mode, knf, qn[r], qs[r], inv_d, job->key_norm2 + k0, job->key_sum + k0};
        select(&w, p->values + (q0 + r - p->q_begin) * K, p->keys + (q0 + r - p->q_begin) * K, K);
      }
      if (profiling) p->select_s += now_s() - t0;
    }
  }
  p->ok = 1;
  return NULL;
}

static void empty_heaps(float *values, int32_t *keys, int64_t count) {
  for (int64_t i = 0; i < count; i++) {
    values[i] = INFINITY;
    keys[i] = NO_KEY;
  }
}

/* Runs parts [0, count) on the pool's threads (the caller's among them); 0 if one failed. */
static int run_parts(part_t *parts, int count) {
  tfsim_pool_run(run_part, parts, sizeof(part_t), count);
  int ok = 1;
  for (int t = 0; t < count; t++) ok &= parts[t].ok;
  return ok;
}

/* threads: the most threads to use. Large batches split the queries between
 * threads; few queries against many keys split the keys, each thread keeping
 * its own heaps, merged at the end. OpenBLAS runs single-threaded meanwhile:
 * its own workers would spin between calls and take the cores the selection
 * needs. */
static int run(const job_t *job, int threads) {
  if (profiling < 0) profiling = getenv("TFSIM_BLAS_PROFILE") != NULL && getenv("TFSIM_BLAS_PROFILE")[0] == '1';
  const double t_start = profiling ? wall_s() : 0;
  const double work = (double)job->m * job->n * job->d;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1 || work < PARALLEL_WORK) threads = 1;
  const int split_keys = threads > 1 && job->m < (int64_t)threads * MIN_QUERIES_PER_THREAD;
  if (split_keys && job->n < (int64_t)threads * job->K) threads = 1;
  if (!split_keys && threads > 1 && job->m < threads) threads = (int)job->m;
  part_t parts[MAX_THREADS];
  float *scratch_values = NULL;
  int32_t *scratch_keys = NULL;
  const int64_t heap = job->m * job->K;
  if (threads > 1 && split_keys) {
    /* Part 0 writes to the output; the others to scratch heaps. */
    scratch_values = malloc(sizeof(float) * heap * (threads - 1));
    scratch_keys = malloc(sizeof(int32_t) * heap * (threads - 1));
    if (!scratch_values || !scratch_keys) {
      free(scratch_values);
      free(scratch_keys);
      return 0;
    }
    empty_heaps(scratch_values, scratch_keys, heap * (threads - 1));
  }
  empty_heaps(job->out_values, job->out_keys, heap);
  for (int t = 0; t < threads; t++) {
    part_t *p = &parts[t];
    *p = (part_t){job, 0, job->m, 0, job->n, job->out_values, job->out_keys, 0, 0, 0};
    if (split_keys) {
      p->k_begin = job->n * t / threads;
      p->k_end = job->n * (t + 1) / threads;
      if (t > 0) {
        p->values = scratch_values + heap * (t - 1);
        p->keys = scratch_keys + heap * (t - 1);
      }
    } else {
      p->q_begin = job->m * t / threads;
      p->q_end = job->m * (t + 1) / threads;
      p->values = job->out_values + p->q_begin * job->K;
      p->keys = job->out_keys + p->q_begin * job->K;
    }
  }
  const int saved_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  int ok = run_parts(parts, threads);
  openblas_set_num_threads(saved_threads);
  if (ok && scratch_values) {
    for (int t = 1; t < threads; t++) {
      for (int64_t i = 0; i < heap; i++) {
        const int64_t row = i / job->K;
        offer(job->out_values + row * job->K, job->out_keys + row * job->K, job->K, scratch_values[heap * (t - 1) + i],
              scratch_keys[heap * (t - 1) + i]);
      }
    }
  }
  free(scratch_values);
  free(scratch_keys);
  if (ok && job->mode == 2) {
    /* The heaps held |k|^2 - 2 q.k: add each query's |q|^2 (empty slots stay +Infinity). */
    for (int64_t i = 0; i < job->m; i++) {
      const float *q = job->queries + i * job->d;
      double qn = 0;
      for (int j = 0; j < job->d; j++) qn += (double)q[j] * q[j];
      for (int e = 0; e < job->K; e++) job->out_values[i * job->K + e] = (float)(qn + job->out_values[i * job->K + e]);
    }
  }
  if (profiling) {
    double gemm = 0, select = 0;
    for (int t = 0; t < threads; t++) {
      gemm += parts[t].gemm_s;
      select += parts[t].select_s;
    }
    fprintf(stderr, "[tfsim-blas] m %lld n %lld d %d K %d mode %d threads %d%s: %.2f ms wall, CPU gemm %.2f ms, select %.2f ms\n",
            (long long)job->m, (long long)job->n, job->d, job->K, job->mode, threads, split_keys ? " (keys split)" : "",
            1e3 * (wall_s() - t_start), 1e3 * gemm, 1e3 * select);
  }
  return ok;
}

/* search(keys f32[n*d], keyNorm2 f64[n], keySum f64[n], n, d, queries f32[m*d], m, mode, K, outValues f32[m*K], outKeys i32[m*K][, threads])
 * threads: the most threads to use (default: every core). */
static napi_value search(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 11 && argc != 12) {
    napi_throw_type_error(env, NULL, "search expects 11 or 12 arguments");
    return NULL;
  }
  job_t job;
  void *p[6];
  size_t len[6];
  int64_t n, m;
  int32_t d, mode, K, threads = tfsim_cores();
  if (!tfsim_typed(env, argv[0], napi_float32_array, &p[0], &len[0]) || !tfsim_typed(env, argv[1], napi_float64_array, &p[1], &len[1]) ||
      !tfsim_typed(env, argv[2], napi_float64_array, &p[2], &len[2]) || !tfsim_typed(env, argv[5], napi_float32_array, &p[3], &len[3]) ||
      !tfsim_typed(env, argv[9], napi_float32_array, &p[4], &len[4]) || !tfsim_typed(env, argv[10], napi_int32_array, &p[5], &len[5]) ||
      napi_get_value_int64(env, argv[3], &n) != napi_ok || napi_get_value_int32(env, argv[4], &d) != napi_ok ||
      napi_get_value_int64(env, argv[6], &m) != napi_ok || napi_get_value_int32(env, argv[7], &mode) != napi_ok ||
      napi_get_value_int32(env, argv[8], &K) != napi_ok || (argc == 12 && napi_get_value_int32(env, argv[11], &threads) != napi_ok)) {
    napi_throw_type_error(env, NULL, "search: bad argument types");
    return NULL;
  }
  if (n < 1 || d < 1 || m < 0 || K < 1 || K > n || mode < 0 || mode > 3 || (size_t)(n * d) > len[0] || (size_t)n > len[1] ||
      (size_t)n > len[2] || (size_t)(m * d) > len[3] || (size_t)(m * K) > len[4] || (size_t)(m * K) > len[5] || threads < 1) {
    napi_throw_range_error(env, NULL, "search: sizes do not match the arrays");
    return NULL;
  }
  job.keys = p[0];
  job.key_norm2 = p[1];
  job.key_sum = p[2];
  job.n = n;
  job.d = d;
  job.queries = p[3];
  job.m = m;
  job.mode = mode;
  job.K = K;
  job.out_values = p[4];
  job.out_keys = p[5];
  if (!run(&job, threads)) napi_throw_error(env, NULL, "search: out of memory");
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

#ifndef TFSIM_BLAS_SOURCE
#define TFSIM_BLAS_SOURCE "unknown"
#endif

NAPI_MODULE_INIT() {
  napi_value fn, source;
  /* The SHA-256 of this file when setup:native built it: an addon from an older source gets rebuilt. */
  napi_create_string_utf8(env, TFSIM_BLAS_SOURCE, NAPI_AUTO_LENGTH, &source);
  napi_set_named_property(env, exports, "source", source);
  napi_create_function(env, "search", NAPI_AUTO_LENGTH, search, NULL, &fn);
  napi_set_named_property(env, exports, "search", fn);
  napi_create_function(env, "config", NAPI_AUTO_LENGTH, config, NULL, &fn);
  napi_set_named_property(env, exports, "config", fn);
  return exports;
}
