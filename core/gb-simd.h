/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-simd.h — private helpers for the hot element-wise kernels.
 *
 * GB_HOT compiles a function twice, for x86-64-v3 CPUs (AVX2 + FMA, Haswell and later) and
 * for the x86-64 baseline, and picks one at load time (GCC's target_clones),
 * so the vectoriser can use 8-wide operations without making the program
 * require them.
 *
 * gb_v8f_exp and gb_v8f_log1p_unit work on eight lanes at once: glibc's
 * expf and log1pf are scalar calls and took more time than the matrix
 * products they sit between.
 */
#pragma once

#include <glib.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(GB_NO_CLONES)
#define GB_HOT __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define GB_HOT
#endif

/* σ(x), stable on both sides: exp never overflows. */
static inline float
gb_sigmoidf (float x)
{
  if (x >= 0.0f)
    return 1.0f / (1.0f + expf (-x));
  float e = expf (x);
  return e / (1.0f + e);
}

/* --- 8-wide vectors (GCC vector extensions: AVX on the x86-64-v3 clone,
 * pairs of SSE registers on the baseline) --- */

typedef float gb_v8f __attribute__ ((vector_size (32)));
typedef gint32 gb_v8i __attribute__ ((vector_size (32)));

static inline __attribute__ ((always_inline)) gb_v8f
gb_v8f_load (const float *p)
{
  gb_v8f v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline __attribute__ ((always_inline)) void
gb_v8f_store (float *p, gb_v8f v)
{
  memcpy (p, &v, sizeof v);
}

static inline __attribute__ ((always_inline)) gb_v8f
gb_v8f_splat (float x)
{
  return (gb_v8f) { x, x, x, x, x, x, x, x };
}

/* mask ? a : b, for a mask of all-ones or all-zeros lanes. */
static inline __attribute__ ((always_inline)) gb_v8f
gb_v8f_select (gb_v8i mask, gb_v8f a, gb_v8f b)
{
  return (gb_v8f) (((gb_v8i) a & mask) | ((gb_v8i) b & ~mask));
}

/* e^x on eight lanes for x ≤ 0 (inputs below −87 give e^−87): 2^n · p(r)
 * with n = round (x / ln 2), r = x − n·ln 2 split in two parts, and a
 * degree-6 polynomial for e^r on [−ln2/2, ln2/2]. Relative error below 2e-7.
 * n is rounded by adding and taking away 1.5·2²³: pure arithmetic, so this
 * file must never be built with -ffast-math. */
static inline __attribute__ ((always_inline)) gb_v8f
gb_v8f_exp (gb_v8f x)
{
  const gb_v8f lo = gb_v8f_splat (-87.0f);
  x = gb_v8f_select (x < lo, lo, x);
  const gb_v8f magic = gb_v8f_splat (12582912.0f);
  gb_v8f n = (x * 1.44269504088896341f + magic) - magic;
  gb_v8f r = x - n * 0.693145751953125f;
  r = r - n * 1.428606765330187e-06f;
  gb_v8f p = gb_v8f_splat (1.0f / 720.0f);
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  gb_v8i bits = (__builtin_convertvector (n, gb_v8i) + 127) << 23;
  return p * (gb_v8f) bits;
}

/* log (1 + e) on eight lanes for e in [0, 1], as 2·atanh (s) with
 * s = e / (2 + e) ∈ [0, 1/3] and its odd series to s¹⁵: absolute error below 1e-7. */
static inline __attribute__ ((always_inline)) gb_v8f
gb_v8f_log1p_unit (gb_v8f e)
{
  gb_v8f s = e / (2.0f + e);
  gb_v8f s2 = s * s;
  gb_v8f p = gb_v8f_splat (1.0f / 15.0f);
  p = p * s2 + 1.0f / 13.0f;
  p = p * s2 + 1.0f / 11.0f;
  p = p * s2 + 1.0f / 9.0f;
  p = p * s2 + 1.0f / 7.0f;
  p = p * s2 + 1.0f / 5.0f;
  p = p * s2 + 1.0f / 3.0f;
  p = p * s2 + 1.0f;
  return 2.0f * s * p;
}
