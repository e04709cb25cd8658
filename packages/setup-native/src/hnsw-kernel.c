/*
 * The HNSW graph of HnswSearch (@tfsim/search, src/hnsw.ts), written from
 * Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search
 * using Hierarchical Navigable Small World graphs" (2016/2018): greedy descent
 * through the upper levels, a best-first search of ef candidates at level 0,
 * neighbours chosen by the paper's heuristic (algorithm 4, without extending
 * candidates), levels drawn as floor(-ln(U) / ln(M)).
 *
 * Memory: each node's level-0 record is one contiguous block, the node's link
 * count, its 2M links (int32) and its vector, so that a visit touches one
 * place; upper levels (about 1 node in M) hold M links per level, in one
 * pool in node order, found by a binary search of the (sorted) nodes that
 * have upper levels: no per-node pointer or allocation. Distances: squared L2 and the negated inner product, in float32
 * with several accumulators, AVX-512 / AVX2 / scalar chosen at run time (the
 * addon is built without -march). Threads are ours (pthreads, a pool started
 * once and parked between calls: tfsim-native.h): a batch of queries or of
 * inserts is split between them; inserts take a striped lock of
 * the node whose links they read or change, and a global lock only to raise
 * the entry point. Removal marks a node deleted (a tombstone): it still routes
 * searches but is never returned.
 *
 * The level of node i depends only on (seed, i), so a graph built on one
 * thread is the same on every run; with several threads the insertion order
 * (and so the graph) may differ past the first PARALLEL_FROM (1,000) nodes,
 * which are always inserted on one thread.
 *
 * Built by `pnpm setup:native` (packages/setup-native/src/hnsw.ts) into
 * @tfsim/search's native/tfsim-hnsw.node; optional: without it HnswSearch
 * throws a clear error and the other searches serve.
 */
#define _GNU_SOURCE /* qsort_r */
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tfsim-native.h"

#define MAX_THREADS TFSIM_MAX_THREADS
#define MAX_LEVEL 32
#define LOCK_STRIPES 65536
#define FILE_MAGIC "TFSHNSW1"
#define FILE_VERSION 1u
#define HEADER_BYTES 64
/* Nodes below this index are inserted on one thread: up to here the graph is the same on every run whatever the
 * threads (small indexes, tests), and inserting into a small graph is cheap. (It was 10,000 while an insert linked
 * back level by level: concurrent inserts into a small graph then left nodes no search could reach, in 11 of 100
 * graphs of 600 clustered rows on 2 threads; see insert().) TFSIM_HNSW_SERIAL_NODES overrides it (tests). */
#ifndef PARALLEL_FROM
#define PARALLEL_FROM 1000
#endif

/* ---------- distances ---------- */

typedef float (*dist_fn)(const float *, const float *, int);

/* One body for both metrics per instruction set; `l2` is a constant at every call, so each kernel compiles to one
 * loop: the sum of squared differences, or of products, returned as squared L2 or as the negated dot product. */
static inline __attribute__((always_inline)) float dist_scalar(const float *a, const float *b, int d, const int l2) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int j = 0;
  for (; j + 4 <= d; j += 4) {
    if (l2) {
      const float t0 = a[j] - b[j], t1 = a[j + 1] - b[j + 1], t2 = a[j + 2] - b[j + 2], t3 = a[j + 3] - b[j + 3];
      s0 += t0 * t0;
      s1 += t1 * t1;
      s2 += t2 * t2;
      s3 += t3 * t3;
    } else {
      s0 += a[j] * b[j];
      s1 += a[j + 1] * b[j + 1];
      s2 += a[j + 2] * b[j + 2];
      s3 += a[j + 3] * b[j + 3];
    }
  }
  for (; j < d; j++) {
    const float t = a[j] - b[j];
    s0 += l2 ? t * t : a[j] * b[j];
  }
  const float s = (s0 + s1) + (s2 + s3);
  return l2 ? s : -s;
}

static float l2_scalar(const float *a, const float *b, int d) { return dist_scalar(a, b, d, 1); }
static float ip_scalar(const float *a, const float *b, int d) { return dist_scalar(a, b, d, 0); }

#if defined(__x86_64__)
/* s + (x - y)^2 or s + x y, lane by lane. */
__attribute__((target("avx512f"), always_inline)) static inline __m512 acc512(__m512 s, __m512 x, __m512 y, const int l2) {
  if (!l2) return _mm512_fmadd_ps(x, y, s);
  const __m512 t = _mm512_sub_ps(x, y);
  return _mm512_fmadd_ps(t, t, s);
}

/* 16-wide, four accumulators (64 floats a step) so the FMA latency is hidden; the tail masked. */
__attribute__((target("avx512f"), always_inline)) static inline float dist_avx512(const float *a, const float *b, int d, const int l2) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
  int j = 0;
  for (; j + 64 <= d; j += 64) {
    s0 = acc512(s0, _mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), l2);
    s1 = acc512(s1, _mm512_loadu_ps(a + j + 16), _mm512_loadu_ps(b + j + 16), l2);
    s2 = acc512(s2, _mm512_loadu_ps(a + j + 32), _mm512_loadu_ps(b + j + 32), l2);
    s3 = acc512(s3, _mm512_loadu_ps(a + j + 48), _mm512_loadu_ps(b + j + 48), l2);
  }
  for (; j + 16 <= d; j += 16) s0 = acc512(s0, _mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), l2);
  if (j < d) {
    const __mmask16 m = (__mmask16)((1u << (d - j)) - 1);
    s1 = acc512(s1, _mm512_maskz_loadu_ps(m, a + j), _mm512_maskz_loadu_ps(m, b + j), l2);
  }
  const float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
  return l2 ? s : -s;
}

__attribute__((target("avx512f"))) static float l2_avx512(const float *a, const float *b, int d) { return dist_avx512(a, b, d, 1); }
__attribute__((target("avx512f"))) static float ip_avx512(const float *a, const float *b, int d) { return dist_avx512(a, b, d, 0); }

__attribute__((target("avx2,fma"))) static float hsum256(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

__attribute__((target("avx2,fma"), always_inline)) static inline __m256 acc256(__m256 s, __m256 x, __m256 y, const int l2) {
  if (!l2) return _mm256_fmadd_ps(x, y, s);
  const __m256 t = _mm256_sub_ps(x, y);
  return _mm256_fmadd_ps(t, t, s);
}

/* 8-wide, four accumulators; the tail one by one. */
__attribute__((target("avx2,fma"), always_inline)) static inline float dist_avx2(const float *a, const float *b, int d, const int l2) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
  int j = 0;
  for (; j + 32 <= d; j += 32) {
    s0 = acc256(s0, _mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), l2);
    s1 = acc256(s1, _mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), l2);
    s2 = acc256(s2, _mm256_loadu_ps(a + j + 16), _mm256_loadu_ps(b + j + 16), l2);
    s3 = acc256(s3, _mm256_loadu_ps(a + j + 24), _mm256_loadu_ps(b + j + 24), l2);
  }
  for (; j + 8 <= d; j += 8) s0 = acc256(s0, _mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), l2);
  float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; j < d; j++) {
    const float t = a[j] - b[j];
    s += l2 ? t * t : a[j] * b[j];
  }
  return l2 ? s : -s;
}

__attribute__((target("avx2,fma"))) static float l2_avx2(const float *a, const float *b, int d) { return dist_avx2(a, b, d, 1); }
__attribute__((target("avx2,fma"))) static float ip_avx2(const float *a, const float *b, int d) { return dist_avx2(a, b, d, 0); }
#endif

static const char *kernel_name = "scalar";

/* metric 0: squared L2; 1: negated inner product. TFSIM_HNSW_KERNEL=scalar|avx2 forces a narrower kernel (tests, comparisons). */
static dist_fn pick_distance(int metric) {
  switch (tfsim_simd("TFSIM_HNSW_KERNEL")) {
#if defined(__x86_64__)
    case TFSIM_AVX512:
      kernel_name = "avx512";
      return metric == 0 ? l2_avx512 : ip_avx512;
    case TFSIM_AVX2:
      kernel_name = "avx2";
      return metric == 0 ? l2_avx2 : ip_avx2;
#endif
    default:
      kernel_name = "scalar";
      return metric == 0 ? l2_scalar : ip_scalar;
  }
}

static inline void prefetch(const void *p) {
#if defined(__GNUC__)
  __builtin_prefetch(p, 0, 3);
#endif
}

/* Every cache line of a d-float vector: a node's neighbours are gathered first and all fetched at once, so their
 * misses overlap instead of one vector's lines arriving while the previous distance waits. */
static inline void prefetch_lines(const float *v, int d) {
  const uintptr_t first = (uintptr_t)v & ~(uintptr_t)63, last = ((uintptr_t)(v + d) - 1) & ~(uintptr_t)63;
  for (uintptr_t line = first; line <= last; line += 64) prefetch((const void *)line);
}

/* ---------- the graph ---------- */

typedef struct {
  int d, M, M0, ef_construction, metric;
  uint64_t seed;
  double level_mult;
  dist_fn dist;
  int64_t count, capacity;
  size_t record; /* bytes of one level-0 record: int32 count, M0 int32 links, d floats */
  char *level0;
  uint8_t *levels;
  uint8_t *deleted;
  int64_t deleted_count;
  /* upper levels: the nodes of level > 0, ascending, and where their level lists of (1 + M) int32 start in the pool */
  int32_t *upper_pool;
  size_t upper_used, upper_cap;
  int32_t *upper_nodes;
  uint32_t *upper_offsets;
  int64_t upper_count, upper_nodes_cap;
  int32_t entry;   /* -1 when empty */
  int max_level;
  pthread_mutex_t global;
  pthread_mutex_t *stripes;
  /* per-thread visited tables, generation-stamped: one byte a node a thread, cleared once every 255 searches (a memset of n bytes) */
  uint8_t *visited[MAX_THREADS];
  uint8_t generation[MAX_THREADS];
  int64_t visited_size[MAX_THREADS];
} hnsw_t;

static inline int32_t *links0(const hnsw_t *h, int64_t i) { return (int32_t *)(h->level0 + (size_t)i * h->record); }
static inline const float *vec(const hnsw_t *h, int64_t i) { return (const float *)(h->level0 + (size_t)i * h->record + 4 * (1 + (size_t)h->M0)); }
/* The list of node i at level l: [count, links...]. */
static inline int32_t *links_at(const hnsw_t *h, int64_t i, int l) {
  if (l == 0) return links0(h, i);
  int64_t lo = 0, hi = h->upper_count - 1; /* i is one of them: the caller only asks for levels a node has */
  while (lo < hi) {
    const int64_t mid = (lo + hi) / 2;
    if (h->upper_nodes[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return h->upper_pool + h->upper_offsets[lo] + (size_t)(l - 1) * (1 + h->M);
}
static inline pthread_mutex_t *stripe(const hnsw_t *h, int64_t i) { return &h->stripes[i & (LOCK_STRIPES - 1)]; }

static uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* floor(-ln(U) * mL), U uniform in (0, 1] from (seed, node), capped at MAX_LEVEL. */
static int draw_level(const hnsw_t *h, int64_t node) {
  const double u = ((double)(splitmix(h->seed ^ splitmix((uint64_t)node)) >> 11) + 1.0) / 9007199254740992.0;
  const double l = floor(-log(u) * h->level_mult);
  return l > MAX_LEVEL ? MAX_LEVEL : (int)l;
}

static hnsw_t *hnsw_new(int d, int M, int ef_construction, int metric, uint64_t seed) {
  hnsw_t *h = calloc(1, sizeof(hnsw_t));
  if (!h) return NULL;
  h->d = d;
  h->M = M;
  h->M0 = 2 * M;
  h->ef_construction = ef_construction;
  h->metric = metric;
  h->seed = seed;
  h->level_mult = 1.0 / log((double)M);
  h->dist = pick_distance(metric);
  h->record = 4 * (1 + (size_t)h->M0) + 4 * (size_t)d;
  h->entry = -1;
  h->max_level = -1;
  pthread_mutex_init(&h->global, NULL);
  h->stripes = malloc(sizeof(pthread_mutex_t) * LOCK_STRIPES);
  if (!h->stripes) {
    free(h);
    return NULL;
  }
  for (int i = 0; i < LOCK_STRIPES; i++) pthread_mutex_init(&h->stripes[i], NULL);
  return h;
}

static void hnsw_free(hnsw_t *h) {
  if (!h) return;
  free(h->upper_pool);
  free(h->upper_nodes);
  free(h->upper_offsets);
  free(h->level0);
  free(h->levels);
  free(h->deleted);
  for (int t = 0; t < MAX_THREADS; t++) free(h->visited[t]);
  for (int i = 0; i < LOCK_STRIPES; i++) pthread_mutex_destroy(&h->stripes[i]);
  free(h->stripes);
  pthread_mutex_destroy(&h->global);
  free(h);
}

/* Room for `need` nodes; 0 on failure, the graph unchanged. */
/* Room for `nodes` more nodes of level > 0, and `ints` more int32 in the upper-level pool; 0 on failure (offsets stay below 2^32). */
static int reserve_upper(hnsw_t *h, int64_t nodes, size_t ints) {
  if (h->upper_count + nodes > h->upper_nodes_cap) {
    int64_t cap = h->upper_nodes_cap + h->upper_nodes_cap / 2;
    if (cap < h->upper_count + nodes) cap = h->upper_count + nodes;
    int32_t *n = realloc(h->upper_nodes, sizeof(int32_t) * (size_t)(cap ? cap : 1));
    if (!n) return 0;
    h->upper_nodes = n;
    uint32_t *o = realloc(h->upper_offsets, sizeof(uint32_t) * (size_t)(cap ? cap : 1));
    if (!o) return 0;
    h->upper_offsets = o;
    h->upper_nodes_cap = cap;
  }
  const size_t need = h->upper_used + ints;
  if (need > 0xffffffffu) return 0;
  if (need <= h->upper_cap) return 1;
  size_t cap = h->upper_cap + h->upper_cap / 2;
  if (cap < need) cap = need;
  int32_t *pool = realloc(h->upper_pool, sizeof(int32_t) * (cap ? cap : 1));
  if (!pool) return 0;
  h->upper_pool = pool;
  h->upper_cap = cap;
  return 1;
}

static int reserve(hnsw_t *h, int64_t need) {
  if (need <= h->capacity) return 1;
  int64_t cap = h->capacity + h->capacity / 2;
  if (cap < need) cap = need;
  if (cap < 16) cap = 16;
  char *l0 = realloc(h->level0, (size_t)cap * h->record);
  if (!l0) return 0;
  h->level0 = l0;
  uint8_t *lv = realloc(h->levels, (size_t)cap);
  if (!lv) return 0;
  h->levels = lv;
  uint8_t *del = realloc(h->deleted, (size_t)cap);
  if (!del) return 0;
  h->deleted = del;
  h->capacity = cap;
  return 1;
}

/* The visited table of thread t, sized for the graph, with a fresh generation. */
static uint8_t *visited_for(hnsw_t *h, int t, uint8_t *gen) {
  if (h->visited_size[t] < h->count) {
    free(h->visited[t]);
    const int64_t size = h->capacity > h->count ? h->capacity : h->count;
    h->visited[t] = calloc((size_t)size, sizeof(uint8_t));
    h->visited_size[t] = h->visited[t] ? size : 0;
    h->generation[t] = 0;
    if (!h->visited[t]) return NULL;
  }
  if (++h->generation[t] == 0) {
    /* nodes at or past count were never stamped: clearing below it touches no more pages than the searches did */
    memset(h->visited[t], 0, sizeof(uint8_t) * (size_t)h->count);
    h->generation[t] = 1;
  }
  *gen = h->generation[t];
  return h->visited[t];
}

/* ---------- heaps of (distance, node) ---------- */

typedef struct {
  float d;
  int32_t id;
} item_t;

typedef struct {
  item_t *a;
  int n, cap;
} heap_t;

/* max = 1: the largest distance on top; max = 0: the smallest. */
static inline int above(item_t x, item_t y, int max) { return max ? x.d > y.d : x.d < y.d; }

/* Grows when full (the candidate heap has no fixed bound); a push that cannot grow is dropped, which costs recall, not safety. */
static inline void heap_push(heap_t *h, item_t x, int max) {
  if (h->n == h->cap) {
    const int cap = h->cap * 2;
    item_t *a = realloc(h->a, sizeof(item_t) * (size_t)cap);
    if (!a) return;
    h->a = a;
    h->cap = cap;
  }
  int i = h->n++;
  while (i > 0) {
    const int p = (i - 1) / 2;
    if (!above(x, h->a[p], max)) break;
    h->a[i] = h->a[p];
    i = p;
  }
  h->a[i] = x;
}

static inline item_t heap_pop(heap_t *h, int max) {
  const item_t top = h->a[0];
  const item_t last = h->a[--h->n];
  int i = 0;
  for (;;) {
    int c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && above(h->a[c + 1], h->a[c], max)) c++;
    if (!above(h->a[c], last, max)) break;
    h->a[i] = h->a[c];
    i = c;
  }
  if (h->n > 0) h->a[i] = last;
  return top;
}

/* Scratch of one thread: the candidate and result heaps, a copy of links. */
typedef struct {
  heap_t cand, res;
  int32_t *links;
  /* an insert's chosen neighbours, M a level, and how many at each level: linked back once every level is chosen */
  int32_t *chosen;
  int chosen_n[MAX_LEVEL + 1];
  /* the unvisited neighbours of the node being expanded */
  int32_t *todo;
  item_t *sorted;
  int cap;
} scratch_t;

static int scratch_init(scratch_t *s, int cap, int M0) {
  s->cap = cap;
  s->cand.cap = cap * 4 + M0;
  s->res.cap = cap + 2;
  s->cand.a = malloc(sizeof(item_t) * (size_t)s->cand.cap);
  s->res.a = malloc(sizeof(item_t) * (size_t)s->res.cap);
  s->sorted = malloc(sizeof(item_t) * (size_t)(cap + M0 + 2));
  s->links = malloc(sizeof(int32_t) * (size_t)(M0 + 1));
  s->todo = malloc(sizeof(int32_t) * (size_t)(M0 + 1));
  s->chosen = malloc(sizeof(int32_t) * (MAX_LEVEL + 1) * (size_t)(M0 / 2));
  s->cand.n = s->res.n = 0;
  return s->cand.a && s->res.a && s->sorted && s->links && s->todo && s->chosen;
}

static void scratch_free(scratch_t *s) {
  free(s->cand.a);
  free(s->res.a);
  free(s->sorted);
  free(s->links);
  free(s->todo);
  free(s->chosen);
}

/* Greedy descent at level l from *ep (distance *epd) towards q. */
static void greedy(const hnsw_t *h, const float *q, int l, int32_t *ep, float *epd, int locked) {
  int changed = 1;
  int32_t copy[4096];
  while (changed) {
    changed = 0;
    const int32_t *list = links_at(h, *ep, l);
    int n;
    if (locked) {
      pthread_mutex_lock(stripe(h, *ep));
      n = list[0];
      memcpy(copy, list + 1, sizeof(int32_t) * (size_t)n);
      pthread_mutex_unlock(stripe(h, *ep));
      list = copy;
    } else {
      n = list[0];
      list = list + 1;
    }
    for (int j = 0; j < n; j++) {
      const int32_t c = list[j];
      const float dc = h->dist(q, vec(h, c), h->d);
      if (dc < *epd) {
        *epd = dc;
        *ep = c;
        changed = 1;
      }
    }
  }
}

/*
 * Best-first search at level l from ep: leaves the ef nearest found in s->res
 * (a max-heap). With skip_deleted, deleted nodes route but do not enter the
 * results. locked: copy each link list under its node's lock (during inserts).
 */
static int search_layer(hnsw_t *h, int t, scratch_t *s, const float *q, int32_t ep, float epd, int ef, int l, int skip_deleted,
                        int locked) {
  uint8_t gen;
  uint8_t *visited = visited_for(h, t, &gen);
  if (!visited) return 0;
  s->cand.n = s->res.n = 0;
  visited[ep] = gen;
  heap_push(&s->cand, (item_t){epd, ep}, 0);
  if (!(skip_deleted && h->deleted[ep])) heap_push(&s->res, (item_t){epd, ep}, 1);
  float bound = s->res.n == ef ? s->res.a[0].d : INFINITY;
  while (s->cand.n > 0) {
    const item_t c = s->cand.a[0];
    if (c.d > bound) break;
    heap_pop(&s->cand, 0);
    const int32_t *list = links_at(h, c.id, l);
    int n;
    if (locked) {
      pthread_mutex_lock(stripe(h, c.id));
      n = list[0];
      memcpy(s->links, list + 1, sizeof(int32_t) * (size_t)n);
      pthread_mutex_unlock(stripe(h, c.id));
      list = s->links;
    } else {
      n = list[0];
      list = list + 1;
    }
    int fresh = 0;
    for (int j = 0; j < n; j++) {
      const int32_t e = list[j];
      if (visited[e] == gen) continue;
      visited[e] = gen;
      s->todo[fresh++] = e;
      prefetch_lines(vec(h, e), h->d);
    }
    for (int j = 0; j < fresh; j++) {
      const int32_t e = s->todo[j];
      const float de = h->dist(q, vec(h, e), h->d);
      if (s->res.n < ef || de < bound) {
        heap_push(&s->cand, (item_t){de, e}, 0);
        if (!(skip_deleted && h->deleted[e])) {
          heap_push(&s->res, (item_t){de, e}, 1);
          if (s->res.n > ef) heap_pop(&s->res, 1);
        }
        if (s->res.n == ef) bound = s->res.a[0].d;
        /* with every result deleted so far, keep exploring */
      }
    }
  }
  return 1;
}

static int by_distance(const void *a, const void *b) {
  const item_t *x = a, *y = b;
  return x->d < y->d ? -1 : x->d > y->d ? 1 : (x->id < y->id ? -1 : x->id > y->id);
}

/* The paper's heuristic: from `items` (n, sorted ascending), keep a candidate
 * only when it is nearer to the base than to every one kept; at most `keep`.
 * Returns how many, in the first places of items. */
static int select_heuristic(const hnsw_t *h, item_t *items, int n, int keep) {
  if (n <= keep) return n;
  int kept = 0;
  for (int i = 0; i < n && kept < keep; i++) {
    const item_t e = items[i];
    int good = 1;
    for (int r = 0; r < kept; r++) {
      if (h->dist(vec(h, e.id), vec(h, items[r].id), h->d) < e.d) {
        good = 0;
        break;
      }
    }
    if (good) items[kept++] = e;
  }
  return kept;
}

/* Sets node's list at level l to the neighbours the heuristic keeps of the search's results (in s->res), and copies
 * them to `chosen`; returns how many. */
static int choose(hnsw_t *h, scratch_t *s, int64_t node, int l, int32_t *chosen) {
  /* results, nearest first */
  const int n = s->res.n;
  for (int i = n - 1; i >= 0; i--) s->sorted[i] = heap_pop(&s->res, 1);
  const int kept = select_heuristic(h, s->sorted, n, h->M);
  int32_t *mine = links_at(h, node, l);
  pthread_mutex_lock(stripe(h, node));
  mine[0] = kept;
  for (int i = 0; i < kept; i++) mine[1 + i] = chosen[i] = s->sorted[i].id;
  pthread_mutex_unlock(stripe(h, node));
  return kept;
}

/* Links node's chosen neighbours at level l back to it: appended, or when a list is full, its links and node
 * pruned by the heuristic. */
static void link_back(hnsw_t *h, int64_t node, int l, const int32_t *chosen, int n) {
  const int cap = l == 0 ? h->M0 : h->M;
  const float *vn = vec(h, node);
  item_t pool[2 * 4096 + 2];
  for (int i = 0; i < n; i++) {
    const int32_t e = chosen[i];
    int32_t *theirs = links_at(h, e, l);
    pthread_mutex_lock(stripe(h, e));
    const int m = theirs[0];
    int present = 0;
    for (int j = 0; j < m; j++) present |= theirs[1 + j] == (int32_t)node;
    if (!present) {
      if (m < cap) {
        theirs[1 + m] = (int32_t)node;
        theirs[0] = m + 1;
      } else {
        const float *ve = vec(h, e);
        for (int j = 0; j < m; j++) pool[j] = (item_t){h->dist(ve, vec(h, theirs[1 + j]), h->d), theirs[1 + j]};
        /* the distance the search found for e, computed again (the same call, the same bits) */
        pool[m] = (item_t){h->dist(vn, ve, h->d), (int32_t)node};
        qsort(pool, (size_t)m + 1, sizeof(item_t), by_distance);
        const int k = select_heuristic(h, pool, m + 1, cap);
        for (int j = 0; j < k; j++) theirs[1 + j] = pool[j].id;
        theirs[0] = k;
      }
    }
    pthread_mutex_unlock(stripe(h, e));
  }
}

/* Inserts node (vector and level already in place) with thread t's scratch. */
static int insert(hnsw_t *h, int t, scratch_t *s, int64_t node) {
  const int level = h->levels[node];
  const float *q = vec(h, node);
  pthread_mutex_lock(&h->global);
  int32_t ep = h->entry;
  int top = h->max_level;
  const int raises = level > top;
  if (!raises) pthread_mutex_unlock(&h->global);
  if (ep < 0) {
    h->entry = (int32_t)node;
    h->max_level = level;
    pthread_mutex_unlock(&h->global);
    return 1;
  }
  float epd = h->dist(q, vec(h, ep), h->d);
  for (int l = top; l > level; l--) greedy(h, q, l, &ep, &epd, 1);
  const int first = level < top ? level : top;
  for (int l = first; l >= 0; l--) {
    if (!search_layer(h, t, s, q, ep, epd, h->ef_construction, l, 0, 1)) {
      if (raises) pthread_mutex_unlock(&h->global);
      return 0;
    }
    /* the nearest result is the next level's entry */
    item_t best = s->res.a[0];
    for (int i = 1; i < s->res.n; i++)
      if (s->res.a[i].d < best.d) best = s->res.a[i];
    s->chosen_n[l] = choose(h, s, node, l, s->chosen + (size_t)l * h->M);
    ep = best.id;
    epd = best.d;
  }
  /* Only now can other inserts reach the node, through these links: its lists are complete at every level, so no
   * search finds one of them empty, and no link another insert adds to them is overwritten. (Linked back level by
   * level as each was chosen, a concurrent insert could descend into the node's still empty lower lists, link to it
   * alone, and then lose that link when the node wrote its own list: an unreachable node. One thread builds the same
   * graph either way: a level's links back change only that level's lists, which the lower levels' searches never
   * read.) */
  for (int l = first; l >= 0; l--) link_back(h, node, l, s->chosen + (size_t)l * h->M, s->chosen_n[l]);
  if (raises) {
    h->entry = (int32_t)node;
    h->max_level = level;
    pthread_mutex_unlock(&h->global);
  }
  return 1;
}

/* ---------- lookups: HnswSearch's result order ---------- */

/* The distances HnswSearch serves, as lookup()'s `distance` argument. */
enum { DIST_INNER_PRODUCT = 0, DIST_COSINE = 1, DIST_SQUARED_EUCLIDEAN = 2, DIST_EUCLIDEAN = 3 };

/* A graph value (squared L2, or -q.k) as the distance HnswSearch returns, as @tfsim/search's distanceFromNative
 * computes it in float64 and then stores it in a Float32Array: cosine max(1 - q.k, 0), euclidean the square root
 * (0 below 1e-18, and for NaN, as there), both clipped at 0 with NaN kept where that is NaN. */
static inline float to_distance(int distance, float v) {
  switch (distance) {
    case DIST_INNER_PRODUCT:
      return -v;
    case DIST_COSINE: {
      const double c = 1.0 + (double)v;
      return isnan(c) ? (float)c : (float)(c > 0 ? c : 0.0);
    }
    case DIST_SQUARED_EUCLIDEAN:
      return isnan(v) ? v : v > 0 ? v : 0.0f;
    default: {
      const double sq = isnan(v) ? (double)v : v > 0 ? (double)v : 0.0;
      return sq >= 1e-18 ? (float)sqrt(sq) : 0.0f;
    }
  }
}

/* The result order of every search (orderNeighbours of @tfsim/search): ascending distance (descending for a
 * similarity), ties by ascending id, NaN last. 1 when a goes strictly before b. */
static inline int ranks_before(float va, int32_t ia, float vb, int32_t ib, int similarity) {
  const int na = isnan(va), nb = isnan(vb);
  if (na || nb) return na == nb ? ia < ib : nb;
  if (va != vb) return similarity ? va > vb : va < vb;
  return ia < ib;
}

typedef struct {
  float v;
  int32_t id, at;
} ranked_t;

/* qsort_r's order for many candidates (context: similarity): the result order, then the input position (a stable
 * sort's result). */
static int by_rank(const void *a, const void *b, void *similarity) {
  const ranked_t *x = a, *y = b;
  const int sim = *(const int *)similarity;
  if (ranks_before(x->v, x->id, y->v, y->id, sim)) return -1;
  if (ranks_before(y->v, y->id, x->v, x->id, sim)) return 1;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* What a lookup adds to a search: the caller's ids and distance, and where the ordered results go. */
typedef struct {
  const int32_t *ids; /* the caller's id of each key */
  int distance, similarity, kk;
  int64_t size; /* live rows: the most a tie can make a lookup fetch */
  int32_t *out_ids;
  float *out_distances;
  int32_t *out_counts;
} lookup_t;

/* A thread's buffers for ranking one query's candidates; grown for the re-fetches of ties. */
typedef struct {
  float *values, *graph_values;
  int32_t *keys, *ids;
  ranked_t *items;
  int cap;
} rank_scratch_t;

static int rank_reserve(rank_scratch_t *r, int n) {
  if (n <= r->cap) return 1;
  float *v = realloc(r->values, sizeof(float) * (size_t)n);
  if (v) r->values = v;
  float *g = realloc(r->graph_values, sizeof(float) * (size_t)n);
  if (g) r->graph_values = g;
  int32_t *k = realloc(r->keys, sizeof(int32_t) * (size_t)n);
  if (k) r->keys = k;
  int32_t *i = realloc(r->ids, sizeof(int32_t) * (size_t)n);
  if (i) r->ids = i;
  ranked_t *it = realloc(r->items, sizeof(ranked_t) * (size_t)n);
  if (it) r->items = it;
  if (!v || !g || !k || !i || !it) return 0;
  r->cap = n;
  return 1;
}

static void rank_free(rank_scratch_t *r) {
  free(r->values);
  free(r->graph_values);
  free(r->keys);
  free(r->ids);
  free(r->items);
}

/* The candidates of one search (graph values ascending, `fetched` asked for, -1 keys past those found) as the
 * caller's result: ids mapped, distances converted, ordered, the first kk written to out_ids / out_distances.
 * Returns how many were written, and in *tied whether keys beyond the fetch may tie with the kk-th: all `fetched`
 * came back and the last of them (in graph order) equals the kk-th distance. */
static int rank_one(const lookup_t *L, rank_scratch_t *r, int fetched, int32_t *out_ids, float *out_distances, int *tied) {
  int filled = 0;
  while (filled < fetched && r->keys[filled] >= 0) filled++;
  for (int j = 0; j < filled; j++) {
    r->ids[j] = L->ids[r->keys[j]];
    r->values[j] = to_distance(L->distance, r->graph_values[j]);
  }
  const int n = filled < L->kk ? filled : L->kk;
  if (filled <= 64) {
    /* a stable insertion sort of the few candidates, often in order already */
    int32_t *order = r->keys; /* the keys are read: their slots now hold positions */
    for (int i = 0; i < filled; i++) {
      int j = i;
      while (j > 0 && ranks_before(r->values[i], r->ids[i], r->values[order[j - 1]], r->ids[order[j - 1]], L->similarity)) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = i;
    }
    for (int j = 0; j < n; j++) {
      out_ids[j] = r->ids[order[j]];
      out_distances[j] = r->values[order[j]];
    }
  } else {
    for (int j = 0; j < filled; j++) r->items[j] = (ranked_t){r->values[j], r->ids[j], j};
    qsort_r(r->items, (size_t)filled, sizeof(ranked_t), by_rank, (void *)&L->similarity);
    for (int j = 0; j < n; j++) {
      out_ids[j] = r->items[j].id;
      out_distances[j] = r->items[j].v;
    }
  }
  const float last = filled == fetched ? r->values[filled - 1] : NAN;
  *tied = n == L->kk && last == out_distances[L->kk - 1];
  return n;
}

/* ---------- threads ---------- */

typedef struct {
  hnsw_t *h;
  int t;
  /* add */
  int64_t *next;
  int64_t end;
  /* search */
  const float *queries;
  int64_t q_begin, q_end;
  int k, ef;
  float *out_d;
  int32_t *out_k;
  const lookup_t *lookup; /* set for a lookup (k is then its first fetch) */
  int ok;
} work_t;

static void *add_worker(void *arg) {
  work_t *w = arg;
  hnsw_t *h = w->h;
  scratch_t s;
  if (!scratch_init(&s, h->ef_construction > h->M0 ? h->ef_construction : h->M0, h->M0)) {
    scratch_free(&s);
    return NULL;
  }
  w->ok = 1;
  for (;;) {
    const int64_t node = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
    if (node >= w->end) break;
    if (!insert(h, w->t, &s, node)) {
      w->ok = 0;
      break;
    }
  }
  scratch_free(&s);
  return NULL;
}

/* The k nearest live keys of q, ascending by graph value, in od / ok (Infinity and -1 past those found), searching
 * with max(ef, k) candidates; 0 when out of memory. */
static int search_one(hnsw_t *h, int t, scratch_t *s, const float *q, int k, int ef, float *od, int32_t *ok) {
  for (int j = 0; j < k; j++) {
    od[j] = INFINITY;
    ok[j] = -1;
  }
  int32_t ep = h->entry;
  if (ep < 0) return 1;
  float epd = h->dist(q, vec(h, ep), h->d);
  for (int l = h->max_level; l > 0; l--) greedy(h, q, l, &ep, &epd, 0);
  if (!search_layer(h, t, s, q, ep, epd, ef > k ? ef : k, 0, 1, 0)) return 0;
  while (s->res.n > k) heap_pop(&s->res, 1);
  for (int j = s->res.n - 1; j >= 0; j--) {
    const item_t it = heap_pop(&s->res, 1);
    od[j] = it.d;
    ok[j] = it.id;
  }
  return 1;
}

/* One query of a lookup: searched, ranked, and while a tie may run past the fetch, fetched again with twice as
 * many (up to the live rows), so that ties go by id; the same searches and order as a search then a sort. */
static int lookup_one(hnsw_t *h, int t, scratch_t *s, rank_scratch_t *r, const lookup_t *L, const float *q, int64_t i, int fetch,
                      int ef) {
  int32_t *oi = L->out_ids + i * L->kk;
  float *od = L->out_distances + i * L->kk;
  int tied = 0, more = fetch;
  if (!rank_reserve(r, more) || !search_one(h, t, s, q, more, ef, r->graph_values, r->keys)) return 0;
  L->out_counts[i] = rank_one(L, r, more, oi, od, &tied);
  while (tied && more < L->size) {
    more = more > L->size / 2 ? (int)L->size : 2 * more;
    if (!rank_reserve(r, more) || !search_one(h, t, s, q, more, ef, r->graph_values, r->keys)) return 0;
    L->out_counts[i] = rank_one(L, r, more, oi, od, &tied);
  }
  return 1;
}

static void *search_worker(void *arg) {
  work_t *w = arg;
  hnsw_t *h = w->h;
  const int ef = w->ef > w->k ? w->ef : w->k;
  scratch_t s;
  rank_scratch_t r = {0};
  if (!scratch_init(&s, ef, h->M0)) {
    scratch_free(&s);
    return NULL;
  }
  w->ok = 1;
  for (int64_t i = w->q_begin; i < w->q_end; i++) {
    const float *q = w->queries + i * h->d;
    const int done = w->lookup ? lookup_one(h, w->t, &s, &r, w->lookup, q, i, w->k, w->ef)
                               : search_one(h, w->t, &s, q, w->k, ef, w->out_d + i * w->k, w->out_k + i * w->k);
    if (!done) {
      w->ok = 0;
      break;
    }
  }
  rank_free(&r);
  scratch_free(&s);
  return NULL;
}

/* Runs fn on `threads` work items on the pool (the caller's thread among them); 1 when all succeeded. */
static int run_workers(work_t *w, int threads, void *(*fn)(void *)) {
  tfsim_pool_run(fn, w, sizeof(work_t), threads);
  int ok = 1;
  for (int t = 0; t < threads; t++) ok &= w[t].ok;
  return ok;
}

/* Adds n rows: everything that can fail (memory) is done before the graph changes. Returns 1 on success. */
static int hnsw_add(hnsw_t *h, const float *rows, int64_t n, int threads) {
  if (n == 0) return 1;
  const int64_t first = h->count;
  if (!reserve(h, first + n)) return 0;
  size_t ints = 0;
  int64_t uppers = 0;
  for (int64_t i = 0; i < n; i++) {
    h->levels[first + i] = (uint8_t)draw_level(h, first + i);
    ints += (size_t)h->levels[first + i] * (1 + (size_t)h->M);
    uppers += h->levels[first + i] > 0;
  }
  if (!reserve_upper(h, uppers, ints)) return 0;
  const size_t upper_before = h->upper_used;
  const int64_t upper_count_before = h->upper_count;
  memset(h->upper_pool + h->upper_used, 0, sizeof(int32_t) * ints);
  for (int64_t i = 0; i < n; i++) {
    if (h->levels[first + i] > 0) {
      h->upper_nodes[h->upper_count] = (int32_t)(first + i);
      h->upper_offsets[h->upper_count++] = (uint32_t)h->upper_used;
      h->upper_used += (size_t)h->levels[first + i] * (1 + (size_t)h->M);
    }
    h->deleted[first + i] = 0;
    memset(links0(h, first + i), 0, sizeof(int32_t) * (1 + (size_t)h->M0)); /* unused slots zero: saved files are reproducible */
    memcpy((float *)vec(h, first + i), rows + i * h->d, sizeof(float) * (size_t)h->d);
  }
  h->count = first + n;
  /* visited tables for every thread, sized now, so no insert fails on them */
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1) threads = 1;
  if ((int64_t)threads > n) threads = (int)n;
  for (int t = 0; t < threads; t++) {
    uint8_t gen;
    if (!visited_for(h, t, &gen)) {
      h->count = first;
      h->upper_used = upper_before;
      h->upper_count = upper_count_before;
      return 0;
    }
  }
  work_t w[MAX_THREADS];
  int64_t next = first;
  const char *serial = getenv("TFSIM_HNSW_SERIAL_NODES");
  const int64_t serial_nodes = serial ? strtoll(serial, NULL, 10) : PARALLEL_FROM;
  const int64_t serial_end = first + n < serial_nodes ? first + n : first > serial_nodes ? first : serial_nodes;
  if (next < serial_end) {
    w[0] = (work_t){.h = h, .t = 0, .next = &next, .end = serial_end};
    if (!run_workers(w, 1, add_worker)) return 0;
  }
  if (next == first + n) return 1;
  for (int t = 0; t < threads; t++) w[t] = (work_t){.h = h, .t = t, .next = &next, .end = first + n};
  return run_workers(w, threads, add_worker);
}

/* A batch of searches (lookup NULL: the k nearest keys with graph values) or of lookups (k is the first fetch). */
static int hnsw_search(hnsw_t *h, const float *queries, int64_t m, int k, int ef, int threads, float *out_d, int32_t *out_k,
                       const lookup_t *lookup) {
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  if (threads < 1 || m < 8) threads = 1;
  if ((int64_t)threads > m) threads = m < 1 ? 1 : (int)m;
  work_t w[MAX_THREADS];
  for (int t = 0; t < threads; t++)
    w[t] = (work_t){.h = h, .t = t, .queries = queries, .q_begin = m * t / threads, .q_end = m * (t + 1) / threads, .k = k, .ef = ef,
                    .out_d = out_d, .out_k = out_k, .lookup = lookup};
  return run_workers(w, threads, search_worker);
}

/* ---------- file ---------- */

typedef struct {
  char magic[8];
  uint32_t version, d, M, metric;
  int32_t entry, max_level;
  uint64_t count, upper_ints, seed;
  uint32_t ef_construction;
  char pad[HEADER_BYTES - 60];
} file_header_t;

/* Writes header, levels (u8 per node), level-0 records, upper lists, deleted flags (u8 per node). */
static const char *hnsw_save(const hnsw_t *h, const char *path) {
  FILE *f = fopen(path, "wb");
  if (!f) return strerror(errno);
  file_header_t head;
  memset(&head, 0, sizeof head);
  memcpy(head.magic, FILE_MAGIC, 8);
  head.version = FILE_VERSION;
  head.d = (uint32_t)h->d;
  head.M = (uint32_t)h->M;
  head.metric = (uint32_t)h->metric;
  head.entry = h->entry;
  head.max_level = h->max_level;
  head.count = (uint64_t)h->count;
  head.seed = h->seed;
  head.ef_construction = (uint32_t)h->ef_construction;
  head.upper_ints = h->upper_used;
  int ok = fwrite(&head, HEADER_BYTES, 1, f) == 1;
  if (h->count > 0) {
    ok = ok && fwrite(h->levels, 1, (size_t)h->count, f) == (size_t)h->count;
    ok = ok && fwrite(h->deleted, 1, (size_t)h->count, f) == (size_t)h->count;
    ok = ok && fwrite(h->level0, h->record, (size_t)h->count, f) == (size_t)h->count;
    /* the pool is in node order: the upper lists as the file lays them out */
    if (h->upper_used) ok = ok && fwrite(h->upper_pool, sizeof(int32_t), h->upper_used, f) == h->upper_used;
  }
  if (fclose(f) != 0) ok = 0;
  return ok ? NULL : "write failed";
}

static int finite_all(const float *v, int d) {
  for (int j = 0; j < d; j++)
    if (!isfinite(v[j])) return 0;
  return 1;
}

static int list_ok(const int32_t *list, int cap, int64_t count, int64_t self) {
  if (list[0] < 0 || list[0] > cap) return 0;
  for (int j = 0; j < list[0]; j++)
    if (list[1 + j] < 0 || list[1 + j] >= count || list[1 + j] == self) return 0;
  return 1;
}

/* Reads a file written by hnsw_save into a new graph, checking every field;
 * *why says what is wrong. The caller checked the file's size against its header. */
static hnsw_t *hnsw_load(const char *path, int d, int M, int metric, int ef_construction, int64_t bytes, const char **why) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *why = "cannot open the file";
    return NULL;
  }
  file_header_t head;
  hnsw_t *h = NULL;
  *why = "truncated";
  if (fread(&head, HEADER_BYTES, 1, f) != 1) goto fail;
  *why = "bad header (magic, version, dimension, M or metric)";
  if (memcmp(head.magic, FILE_MAGIC, 8) != 0 || head.version != FILE_VERSION || head.d != (uint32_t)d || head.M != (uint32_t)M ||
      head.metric != (uint32_t)metric || head.ef_construction < 1 || head.ef_construction > 1000000)
    goto fail;
  const int64_t count = (int64_t)head.count;
  *why = "bad header (count, entry or levels)";
  if (head.count > 0x7fffffffull || head.max_level < -1 || head.max_level > MAX_LEVEL || (count == 0) != (head.entry == -1) ||
      head.entry < -1 || (int64_t)head.entry >= count || (count > 0 && head.max_level < 0))
    goto fail;
  const size_t record = 4 * (1 + 2 * (size_t)M) + 4 * (size_t)d;
  *why = "file size differs from its header";
  if (head.upper_ints > (uint64_t)count * MAX_LEVEL * (1 + (uint64_t)M) ||
      (int64_t)(HEADER_BYTES + 2 * (uint64_t)count + (uint64_t)count * record + 4 * head.upper_ints) != bytes)
    goto fail;
  *why = "out of memory";
  h = hnsw_new(d, M, (int)head.ef_construction, metric, head.seed);
  if (!h || !reserve(h, count > 0 ? count : 1)) goto fail;
  *why = "truncated";
  if (count > 0 && (fread(h->levels, 1, (size_t)count, f) != (size_t)count || fread(h->deleted, 1, (size_t)count, f) != (size_t)count ||
                    fread(h->level0, record, (size_t)count, f) != (size_t)count))
    goto fail;
  uint64_t ints = 0;
  int64_t uppers = 0;
  int seen_top = 0;
  for (int64_t i = 0; i < count; i++) {
    *why = "a node's level is above the graph's top level";
    if (h->levels[i] > head.max_level) goto fail;
    seen_top |= i == head.entry && h->levels[i] == head.max_level;
    *why = "a deleted flag is not 0 or 1";
    if (h->deleted[i] > 1) goto fail;
    h->deleted_count += h->deleted[i];
    ints += (uint64_t)h->levels[i] * (1 + (uint64_t)M);
    uppers += h->levels[i] > 0;
  }
  *why = "the entry point is not on the top level";
  if (count > 0 && !seen_top) goto fail;
  *why = "the upper links' length differs from the levels";
  if (ints != head.upper_ints) goto fail;
  *why = "out of memory";
  if (!reserve_upper(h, uppers, (size_t)ints)) goto fail;
  for (int64_t i = 0, at = 0; i < count; i++) {
    if (h->levels[i] == 0) continue;
    h->upper_nodes[h->upper_count] = (int32_t)i;
    h->upper_offsets[h->upper_count++] = (uint32_t)at;
    at += (int64_t)h->levels[i] * (1 + M);
  }
  *why = "truncated";
  if (ints > 0 && fread(h->upper_pool, sizeof(int32_t), (size_t)ints, f) != (size_t)ints) goto fail;
  h->upper_used = (size_t)ints;
  h->count = count;
  for (int64_t i = 0; i < count; i++) {
    *why = "a level-0 link list is out of range (a link >= count, to itself, or too many)";
    if (!list_ok(links0(h, i), h->M0, count, i)) goto fail;
    *why = "a vector holds NaN or Infinity";
    if (!finite_all(vec(h, i), d)) goto fail;
    const int level = h->levels[i];
    *why = "an upper-level link list is out of range (a link >= count, to itself, too many, or to a node below that level)";
    for (int l = 1; l <= level; l++) {
      const int32_t *list = links_at(h, i, l);
      if (!list_ok(list, M, count, i)) goto fail;
      for (int j = 0; j < list[0]; j++)
        if (h->levels[list[1 + j]] < l) goto fail;
    }
  }
  h->entry = head.entry;
  h->max_level = head.max_level;
  h->ef_construction = ef_construction; /* the loading search's, as its other settings */
  fclose(f);
  *why = NULL;
  return h;
fail:
  fclose(f);
  hnsw_free(h);
  return NULL;
}

/* ---------- N-API ---------- */

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  hnsw_free(data);
}

static hnsw_t *unwrap(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype type;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_external || napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "not an HNSW handle");
    return NULL;
  }
  return p;
}

static napi_value wrap(napi_env env, hnsw_t *h) {
  napi_value out;
  if (napi_create_external(env, h, finalize, NULL, &out) != napi_ok) {
    hnsw_free(h);
    napi_throw_error(env, NULL, "cannot wrap the graph");
    return NULL;
  }
  return out;
}

/* The call's `want` arguments into argv and the graph of the first; NULL, with an exception pending, otherwise. */
static hnsw_t *graph_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != want) {
    napi_throw_type_error(env, NULL, "wrong number of arguments");
    return NULL;
  }
  return unwrap(env, argv[0]);
}

static int int_args(napi_env env, napi_value *argv, int from, int count, int32_t *out) {
  for (int i = 0; i < count; i++)
    if (napi_get_value_int32(env, argv[from + i], &out[i]) != napi_ok) return 0;
  return 1;
}

/* create(d, M, efConstruction, metric, seed) */
static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t a[4];
  double seed;
  if (argc != 5 || !int_args(env, argv, 0, 4, a) || napi_get_value_double(env, argv[4], &seed) != napi_ok) {
    napi_throw_type_error(env, NULL, "create(d, M, efConstruction, metric, seed)");
    return NULL;
  }
  if (a[0] < 1 || a[1] < 2 || a[1] > 2048 || a[2] < 1 || a[3] < 0 || a[3] > 1) {
    napi_throw_range_error(env, NULL, "create: d >= 1, 2 <= M <= 2048, efConstruction >= 1, metric 0 or 1");
    return NULL;
  }
  hnsw_t *h = hnsw_new(a[0], a[1], a[2], a[3], (uint64_t)seed);
  if (!h) {
    napi_throw_error(env, NULL, "create: out of memory");
    return NULL;
  }
  return wrap(env, h);
}

/* add(h, rows f32[n*d], n, threads): all or none. */
static napi_value js_add(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  hnsw_t *h = graph_args(env, info, 4, argv);
  if (!h) return NULL;
  void *rows;
  size_t len;
  int32_t a[2];
  if (!tfsim_typed(env, argv[1], napi_float32_array, &rows, &len) || !int_args(env, argv + 2, 0, 2, a)) {
    napi_throw_type_error(env, NULL, "add(h, rows, n, threads)");
    return NULL;
  }
  if (a[0] < 0 || (size_t)a[0] * h->d > len || h->count + a[0] > 0x7fffffff) {
    napi_throw_range_error(env, NULL, "add: n does not match the rows");
    return NULL;
  }
  if (!hnsw_add(h, rows, a[0], a[1])) napi_throw_error(env, NULL, "add: out of memory");
  return NULL;
}

/* search(h, queries f32[m*d], m, k, ef, threads, outDistances f32[m*k], outKeys i32[m*k]) */
static napi_value js_search(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  hnsw_t *h = graph_args(env, info, 8, argv);
  if (!h) return NULL;
  void *q, *od, *ok;
  size_t lq, ld, lk;
  int32_t a[4];
  if (!tfsim_typed(env, argv[1], napi_float32_array, &q, &lq) || !int_args(env, argv, 2, 4, a) ||
      !tfsim_typed(env, argv[6], napi_float32_array, &od, &ld) || !tfsim_typed(env, argv[7], napi_int32_array, &ok, &lk)) {
    napi_throw_type_error(env, NULL, "search(h, queries, m, k, ef, threads, outDistances, outKeys)");
    return NULL;
  }
  const int64_t m = a[0];
  if (m < 0 || a[1] < 1 || a[2] < 1 || (size_t)m * h->d > lq || (size_t)(m * a[1]) > ld || (size_t)(m * a[1]) > lk) {
    napi_throw_range_error(env, NULL, "search: sizes do not match the arrays");
    return NULL;
  }
  if (!hnsw_search(h, q, m, a[1], a[2], a[3], od, ok, NULL)) napi_throw_error(env, NULL, "search: out of memory");
  return NULL;
}

/* lookup(h, queries f32[m*d], m, kk, fetch, ef, threads, size, distance, ids i32[count], outIds i32[m*kk], outDistances f32[m*kk],
 * outCounts i32[m]): HnswSearch.batchLookup's results, ordered and with the caller's ids (see lookup_one). */
static napi_value js_lookup(napi_env env, napi_callback_info info) {
  napi_value argv[13];
  hnsw_t *h = graph_args(env, info, 13, argv);
  if (!h) return NULL;
  void *q, *ids, *oi, *od, *oc;
  size_t lq, lids, loi, lod, loc;
  int32_t a[7];
  if (!tfsim_typed(env, argv[1], napi_float32_array, &q, &lq) || !int_args(env, argv, 2, 7, a) ||
      !tfsim_typed(env, argv[9], napi_int32_array, &ids, &lids) || !tfsim_typed(env, argv[10], napi_int32_array, &oi, &loi) ||
      !tfsim_typed(env, argv[11], napi_float32_array, &od, &lod) || !tfsim_typed(env, argv[12], napi_int32_array, &oc, &loc)) {
    napi_throw_type_error(env, NULL, "lookup(h, queries, m, kk, fetch, ef, threads, size, distance, ids, outIds, outDistances, outCounts)");
    return NULL;
  }
  const int64_t m = a[0];
  const int kk = a[1], fetch = a[2], ef = a[3], threads = a[4], size = a[5], distance = a[6];
  if (m < 0 || kk < 1 || fetch < kk || size < fetch || size > h->count - h->deleted_count || ef < 1 || distance < 0 || distance > 3 ||
      (distance <= DIST_COSINE) != (h->metric == 1) || (size_t)m * h->d > lq || lids < (size_t)h->count || (size_t)(m * kk) > loi ||
      (size_t)(m * kk) > lod || (size_t)m > loc) {
    napi_throw_range_error(env, NULL, "lookup: sizes do not match the arrays or the graph");
    return NULL;
  }
  const lookup_t lookup = {ids, distance, distance == DIST_INNER_PRODUCT, kk, size, oi, od, oc};
  if (!hnsw_search(h, q, m, fetch, ef, threads, NULL, NULL, &lookup)) napi_throw_error(env, NULL, "lookup: out of memory");
  return NULL;
}

/* setDeleted(h, keys i32[], flag): marks (1) or unmarks (0) nodes; every key is checked first. */
static napi_value js_set_deleted(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  hnsw_t *h = graph_args(env, info, 3, argv);
  if (!h) return NULL;
  void *keys;
  size_t n;
  int32_t flag;
  if (!tfsim_typed(env, argv[1], napi_int32_array, &keys, &n) || napi_get_value_int32(env, argv[2], &flag) != napi_ok) {
    napi_throw_type_error(env, NULL, "setDeleted(h, keys, flag)");
    return NULL;
  }
  const int32_t *k = keys;
  for (size_t i = 0; i < n; i++)
    if (k[i] < 0 || k[i] >= h->count) {
      napi_throw_range_error(env, NULL, "setDeleted: a key is out of range");
      return NULL;
    }
  for (size_t i = 0; i < n; i++) {
    const uint8_t v = flag ? 1 : 0;
    h->deleted_count += (int64_t)v - h->deleted[k[i]];
    h->deleted[k[i]] = v;
  }
  return NULL;
}

/* info(h): { count, deleted, maxLevel, entry, bytes } */
static napi_value js_info(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  hnsw_t *h = graph_args(env, info, 1, argv);
  if (!h) return NULL;
  size_t bytes = sizeof(hnsw_t) + sizeof(pthread_mutex_t) * LOCK_STRIPES;
  bytes += (size_t)h->capacity * (h->record + 2) + h->upper_cap * sizeof(int32_t) + (size_t)h->upper_nodes_cap * 8;
  for (int t = 0; t < MAX_THREADS; t++) bytes += (size_t)h->visited_size[t] * sizeof(uint8_t);
  napi_value out, v;
  napi_create_object(env, &out);
  napi_create_double(env, (double)h->count, &v);
  napi_set_named_property(env, out, "count", v);
  napi_create_double(env, (double)h->deleted_count, &v);
  napi_set_named_property(env, out, "deleted", v);
  napi_create_int32(env, h->max_level, &v);
  napi_set_named_property(env, out, "maxLevel", v);
  napi_create_int32(env, h->entry, &v);
  napi_set_named_property(env, out, "entry", v);
  napi_create_double(env, (double)bytes, &v);
  napi_set_named_property(env, out, "bytes", v);
  return out;
}

/* links(h, node, level): that node's links at that level (tests). */
static napi_value js_links(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  hnsw_t *h = graph_args(env, info, 3, argv);
  if (!h) return NULL;
  int32_t a[2];
  if (!int_args(env, argv, 1, 2, a) || a[0] < 0 || a[0] >= h->count || a[1] < 0 || a[1] > h->levels[a[0]]) {
    napi_throw_range_error(env, NULL, "links(h, node, level): no such node or level");
    return NULL;
  }
  const int32_t *list = links_at(h, a[0], a[1]);
  napi_value buffer, out;
  void *data;
  napi_create_arraybuffer(env, sizeof(int32_t) * (size_t)list[0], &data, &buffer);
  memcpy(data, list + 1, sizeof(int32_t) * (size_t)list[0]);
  napi_create_typedarray(env, napi_int32_array, (size_t)list[0], buffer, 0, &out);
  return out;
}

/* deleted(h): a copy of the deleted flags, one byte per node. */
static napi_value js_deleted(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  hnsw_t *h = graph_args(env, info, 1, argv);
  if (!h) return NULL;
  napi_value buffer, out;
  void *data;
  napi_create_arraybuffer(env, (size_t)h->count, &data, &buffer);
  if (h->count > 0) memcpy(data, h->deleted, (size_t)h->count);
  napi_create_typedarray(env, napi_uint8_array, (size_t)h->count, buffer, 0, &out);
  return out;
}

static int string_arg(napi_env env, napi_value v, char *buf, size_t size) {
  size_t len;
  return napi_get_value_string_utf8(env, v, buf, size, &len) == napi_ok && len < size - 1;
}

/* save(h, path) */
static napi_value js_save(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  hnsw_t *h = graph_args(env, info, 2, argv);
  if (!h) return NULL;
  char path[4096];
  if (!string_arg(env, argv[1], path, sizeof path)) {
    napi_throw_type_error(env, NULL, "save(h, path)");
    return NULL;
  }
  const char *err = hnsw_save(h, path);
  if (err) napi_throw_error(env, NULL, err);
  return NULL;
}

/* load(path, d, M, metric, efConstruction, bytes) -> handle; throws with what is wrong. */
static napi_value js_load(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[4096];
  int32_t a[4];
  int64_t bytes;
  if (argc != 6 || !string_arg(env, argv[0], path, sizeof path) || !int_args(env, argv, 1, 4, a) ||
      napi_get_value_int64(env, argv[5], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "load(path, d, M, metric, efConstruction, bytes)");
    return NULL;
  }
  if (a[0] < 1 || a[1] < 2 || a[1] > 2048 || a[2] < 0 || a[2] > 1 || a[3] < 1) {
    napi_throw_range_error(env, NULL, "load: d >= 1, 2 <= M <= 2048, metric 0 or 1, efConstruction >= 1");
    return NULL;
  }
  const char *why = NULL;
  hnsw_t *h = hnsw_load(path, a[0], a[1], a[2], a[3], bytes, &why);
  if (!h) {
    napi_throw_error(env, "ERR_FORMAT", why ? why : "cannot read");
    return NULL;
  }
  return wrap(env, h);
}

#ifndef TFSIM_HNSW_SOURCE
#define TFSIM_HNSW_SOURCE "unknown"
#endif

NAPI_MODULE_INIT() {
  napi_value fn, v;
  napi_create_string_utf8(env, TFSIM_HNSW_SOURCE, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "source", v);
  pick_distance(0);
  napi_create_string_utf8(env, kernel_name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "kernel", v);
  napi_create_int32(env, tfsim_cores(), &v);
  napi_set_named_property(env, exports, "cores", v);
  const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"create", js_create}, {"add", js_add},   {"search", js_search}, {"lookup", js_lookup}, {"setDeleted", js_set_deleted},
             {"info", js_info},     {"links", js_links}, {"save", js_save},     {"load", js_load}, {"deleted", js_deleted}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, fns[i].name, fn);
  }
  return exports;
}
