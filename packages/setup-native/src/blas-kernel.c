/*
 * The BLAS path of LinearSearch (@tfsim/search, src/kernel/blas.ts): for each
 * query, the K smallest "kernel values" over all keys, with the same values
 * and tie order as the WebAssembly kernel (src/kernel/linear.wat), computed as
 * a float32 GEMM on the system BLAS (OpenBLAS) plus a top-K selection.
 * linear.ts re-scores these candidates exactly, under an error bound, so the
 * results equal the exact ones whatever the summation order of the GEMM.
 *
 *   mode 0 inner product  v = -q.k
 *   mode 1 cosine         v = max(-q.k, -1)
 *   mode 2 squared L2     v = |q|^2 + |k|^2 - 2 q.k
 *   mode 3 SNR            v = |q|^2 + |k|^2 - 2 q.k - (sum q - sum k)^2 / d
 *
 * Built by `pnpm setup:native` (tools/native/blas.ts); optional: without it
 * LinearSearch runs the WebAssembly kernel.
 */
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NO_KEY 0x7fffffff
/* Queries and keys per GEMM block: a 256 x 4096 float32 block is 4 MiB. */
#define QUERY_BLOCK 256
#define KEY_BLOCK 4096
/* Threads that share a block's top-K selection (rows are independent). */
#define MAX_SELECT_THREADS 16

/* Offers (val, idx) to a max-heap on (value, index) of K entries: it replaces
 * the root when smaller. Keys arrive in ascending index order, so an equal
 * value never displaces an earlier key; NaN never enters. */
static void offer(float *values, int32_t *keys, int K, float val, int32_t idx) {
  if (!(val < values[0])) return;
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

typedef struct {
  const job_t *job;
  const float *block;
  int nb;
  int64_t k0, q0;
  int r0, r1;
  const double *q_norm2, *q_sum;
} part_t;

/* Offers rows [r0, r1) of a GEMM block (dot products of queries q0 + r with keys k0 + c) to their heaps. */
static void *select_part(void *arg) {
  const part_t *p = arg;
  const job_t *job = p->job;
  const double inv_d = 1.0 / job->d;
  for (int r = p->r0; r < p->r1; r++) {
    float *values = job->out_values + (p->q0 + r) * job->K;
    int32_t *keys = job->out_keys + (p->q0 + r) * job->K;
    const float *dots = p->block + (int64_t)r * p->nb;
    const double qn = p->q_norm2[r], qs = p->q_sum[r];
    const int64_t k0 = p->k0;
    switch (job->mode) {
      case 0:
        for (int c = 0; c < p->nb; c++) offer(values, keys, job->K, -dots[c], (int32_t)(k0 + c));
        break;
      case 1:
        for (int c = 0; c < p->nb; c++) {
          float v = -dots[c];
          offer(values, keys, job->K, v < -1.0f ? -1.0f : v, (int32_t)(k0 + c));
        }
        break;
      case 2:
        for (int c = 0; c < p->nb; c++) {
          float v = (float)(qn + job->key_norm2[k0 + c] - 2.0 * dots[c]);
          offer(values, keys, job->K, v, (int32_t)(k0 + c));
        }
        break;
      default:
        for (int c = 0; c < p->nb; c++) {
          double diff = qs - job->key_sum[k0 + c];
          float v = (float)(qn + job->key_norm2[k0 + c] - 2.0 * dots[c] - diff * diff * inv_d);
          offer(values, keys, job->K, v, (int32_t)(k0 + c));
        }
    }
  }
  return NULL;
}

static int select_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_SELECT_THREADS ? MAX_SELECT_THREADS : (int)n;
}

/* The selection of one block, split by rows over the cores (on the calling thread alone when small or when threads fail). */
static void select_rows(const job_t *job, const float *block, int nb, int64_t k0, int64_t q0, int mb, const double *q_norm2,
                        const double *q_sum) {
  int threads = select_threads();
  if ((int64_t)mb * nb < 65536 || threads > mb) threads = 1;
  part_t parts[MAX_SELECT_THREADS];
  pthread_t ids[MAX_SELECT_THREADS];
  int started[MAX_SELECT_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    parts[t] = (part_t){job, block, nb, k0, q0, (int)((int64_t)mb * t / threads), (int)((int64_t)mb * (t + 1) / threads), q_norm2, q_sum};
    if (t > 0) started[t] = pthread_create(&ids[t], NULL, select_part, &parts[t]) == 0;
  }
  select_part(&parts[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
    else select_part(&parts[t]);
  }
}

static int run(const job_t *job) {
  const int d = job->d;
  float *block = malloc(sizeof(float) * QUERY_BLOCK * KEY_BLOCK);
  double *q_norm2 = malloc(sizeof(double) * QUERY_BLOCK);
  double *q_sum = malloc(sizeof(double) * QUERY_BLOCK);
  if (!block || !q_norm2 || !q_sum) {
    free(block);
    free(q_norm2);
    free(q_sum);
    return 0;
  }
  for (int64_t i = 0; i < job->m * job->K; i++) {
    job->out_values[i] = INFINITY;
    job->out_keys[i] = NO_KEY;
  }
  for (int64_t q0 = 0; q0 < job->m; q0 += QUERY_BLOCK) {
    const int mb = (int)(job->m - q0 < QUERY_BLOCK ? job->m - q0 : QUERY_BLOCK);
    for (int r = 0; r < mb; r++) {
      const float *q = job->queries + (q0 + r) * d;
      double s2 = 0, s = 0;
      for (int j = 0; j < d; j++) {
        s2 += (double)q[j] * q[j];
        s += q[j];
      }
      q_norm2[r] = s2;
      q_sum[r] = s;
    }
    for (int64_t k0 = 0; k0 < job->n; k0 += KEY_BLOCK) {
      const int nb = (int)(job->n - k0 < KEY_BLOCK ? job->n - k0 : KEY_BLOCK);
      /* block[r][c] = q_r . k_c */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mb, nb, d, 1.0f, job->queries + q0 * d, d,
                  job->keys + k0 * d, d, 0.0f, block, nb);
      select_rows(job, block, nb, k0, q0, mb, q_norm2, q_sum);
    }
  }
  free(block);
  free(q_norm2);
  free(q_sum);
  return 1;
}

static int typed(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok) return 0;
  return type == want;
}

/* search(keys f32[n*d], keyNorm2 f64[n], keySum f64[n], n, d, queries f32[m*d], m, mode, K, outValues f32[m*K], outKeys i32[m*K]) */
static napi_value search(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 11) {
    napi_throw_type_error(env, NULL, "search expects 11 arguments");
    return NULL;
  }
  job_t job;
  void *p[6];
  size_t len[6];
  int64_t n, m;
  int32_t d, mode, K;
  if (!typed(env, argv[0], napi_float32_array, &p[0], &len[0]) || !typed(env, argv[1], napi_float64_array, &p[1], &len[1]) ||
      !typed(env, argv[2], napi_float64_array, &p[2], &len[2]) || !typed(env, argv[5], napi_float32_array, &p[3], &len[3]) ||
      !typed(env, argv[9], napi_float32_array, &p[4], &len[4]) || !typed(env, argv[10], napi_int32_array, &p[5], &len[5]) ||
      napi_get_value_int64(env, argv[3], &n) != napi_ok || napi_get_value_int32(env, argv[4], &d) != napi_ok ||
      napi_get_value_int64(env, argv[6], &m) != napi_ok || napi_get_value_int32(env, argv[7], &mode) != napi_ok ||
      napi_get_value_int32(env, argv[8], &K) != napi_ok) {
    napi_throw_type_error(env, NULL, "search: bad argument types");
    return NULL;
  }
  if (n < 1 || d < 1 || m < 0 || K < 1 || K > n || mode < 0 || mode > 3 || (size_t)(n * d) > len[0] || (size_t)n > len[1] ||
      (size_t)n > len[2] || (size_t)(m * d) > len[3] || (size_t)(m * K) > len[4] || (size_t)(m * K) > len[5]) {
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
  if (!run(&job)) napi_throw_error(env, NULL, "search: out of memory");
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "search", NAPI_AUTO_LENGTH, search, NULL, &fn);
  napi_set_named_property(env, exports, "search", fn);
  napi_create_function(env, "config", NAPI_AUTO_LENGTH, config, NULL, &fn);
  napi_set_named_property(env, exports, "config", fn);
  return exports;
}
