/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-packed.c — weights packed once, and AVX-512 and AVX2 kernels for y = act (x Wᵀ + b). */
#include "gb-packed.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_KERNEL 1
#define KERNEL __attribute__ ((target ("avx512f")))
#define KERNEL2 __attribute__ ((target ("avx2,fma")))
#else
#define HAVE_KERNEL 0
#endif

enum { NR = GB_PACKED_PANEL, MR = 8, MR2 = 6, KC = 128, PF = 2 * KC };

struct _GbPacked {
  int n_out, n_in, n_panels;
  float *w;   /* n_panels × n_in × NR, 64-byte aligned, the last panel padded with zeros */
  float *rows; /* narrow layers (n_out < NR): W's rows as they are, for dot products */
};

static gint max_level = GB_PACKED_AVX512;

void
gb_packed_set_max_level (GbPackedLevel level)
{
  g_atomic_int_set (&max_level, level);
}

void
gb_packed_set_disabled (gboolean off)
{
  gb_packed_set_max_level (off ? GB_PACKED_NONE : GB_PACKED_AVX512);
}

GbPackedLevel
gb_packed_level (void)
{
#if HAVE_KERNEL
  static int cpu = -1;
  if (cpu < 0)
    {
      __builtin_cpu_init ();
      cpu = __builtin_cpu_supports ("avx512f")                                          ? GB_PACKED_AVX512
            : __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma") ? GB_PACKED_AVX2
                                                                                 : GB_PACKED_NONE;
    }
  return MIN (cpu, g_atomic_int_get (&max_level));
#else
  return GB_PACKED_NONE;
#endif
}

gboolean
gb_packed_supported (void)
{
  return gb_packed_level () != GB_PACKED_NONE;
}

GbPacked *
gb_packed_new (const float *w, int n_out, int n_in, gboolean transposed)
{
  g_return_val_if_fail (n_out > 0 && n_in > 0, NULL);
  GbPacked *p = g_new0 (GbPacked, 1);
  p->n_out = n_out;
  p->n_in = n_in;
  p->n_panels = (n_out + NR - 1) / NR;
  gsize size = (gsize) p->n_panels * n_in * NR;
  p->w = g_aligned_alloc0 (size, sizeof (float), 64);
  if (n_out < NR)
    {
      p->rows = g_new (float, (gsize) n_out * n_in);
      for (int j = 0; j < n_out; j++)
        for (int k = 0; k < n_in; k++)
          p->rows[(gsize) j * n_in + k] = transposed ? w[(gsize) k * n_out + j] : w[(gsize) j * n_in + k];
    }
  for (int pn = 0; pn < p->n_panels; pn++)
    {
      float *dst = p->w + (gsize) pn * n_in * NR;
      for (int jj = 0; jj < NR; jj++)
        {
          int j = pn * NR + jj;
          if (j >= n_out)
            break;
          for (int k = 0; k < n_in; k++)
            dst[(gsize) k * NR + jj] = transposed ? w[(gsize) k * n_out + j] : w[(gsize) j * n_in + k];
        }
    }
  return p;
}

void
gb_packed_free (GbPacked *p)
{
  if (p == NULL)
    return;
  g_aligned_free (p->w);
  g_free (p->rows);
  g_free (p);
}

int
gb_packed_n_out (const GbPacked *p)
{
  return p->n_out;
}

int
gb_packed_n_in (const GbPacked *p)
{
  return p->n_in;
}

void
gb_packed_split (const GbPacked *p, int part, int *j0, int *j1)
{
  int mid = MIN ((p->n_panels + 1) / 2 * NR, p->n_out);
  *j0 = part ? mid : 0;
  *j1 = part ? p->n_out : mid;
}

#if HAVE_KERNEL

/* x·σ(x), σ(x) = 1 / (1 + e^−x): e^−x as 2^n · p(r) (the same reduction and
 * degree-6 polynomial as gb_v8f_exp, the argument clamped to ±87 so it stays
 * finite), the reciprocal as rcp14 and one Newton step (relative error about
 * 2^−28 before rounding). */
static inline __attribute__ ((always_inline)) KERNEL __m512
sigmoid16 (__m512 x)
{
  __m512 y = _mm512_min_ps (_mm512_max_ps (_mm512_sub_ps (_mm512_setzero_ps (), x), _mm512_set1_ps (-87.0f)),
                            _mm512_set1_ps (87.0f));
  __m512 n = _mm512_roundscale_ps (_mm512_mul_ps (y, _mm512_set1_ps (1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps (n, _mm512_set1_ps (0.693145751953125f), y);
  r = _mm512_fnmadd_ps (n, _mm512_set1_ps (1.428606765330187e-06f), r);
  __m512 q = _mm512_set1_ps (1.0f / 720.0f);
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (1.0f / 120.0f));
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (1.0f / 24.0f));
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (1.0f / 6.0f));
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (0.5f));
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (1.0f));
  q = _mm512_fmadd_ps (q, r, _mm512_set1_ps (1.0f));
  __m512 d = _mm512_add_ps (_mm512_scalef_ps (q, n), _mm512_set1_ps (1.0f));
  __m512 inv = _mm512_rcp14_ps (d);
  inv = _mm512_fmadd_ps (inv, _mm512_fnmadd_ps (d, inv, _mm512_set1_ps (1.0f)), inv);
  return inv;
}

static inline __attribute__ ((always_inline)) KERNEL __m512
silu16 (__m512 x)
{
  return _mm512_mul_ps (x, sigmoid16 (x));
}

/* An M-row × P-panel block of y over the whole of k, M ≤ 8 and P ≤ 2 known
 * at compile time so the accumulators live in registers. mask: the valid
 * outputs of the last panel. k runs in nseg equal segments, segment s
 * of seg along k (the weights' rows from w on), segment s reading x from
 * x + seg_off[s] (one segment at offset 0 for a plain
 * product; three for a convolution's rows of taps, gb_packed_apply_taps).
 * Packed weights (packed TRUE) sit NR apart along k, panels K·NR apart;
 * otherwise w is a row-major matrix read in place, rows ldw apart and the
 * second panel NR floats along (gb_packed_gemm_acc), and the block adds to
 * y rather than to the bias. */
static inline __attribute__ ((always_inline)) KERNEL void
block (const int M, const int P, int K, const float *x, int ldx, const float *w, const float *bias, gboolean silu,
       float *y, int ldy, __mmask16 last_mask, int nseg, int seg, const gsize *seg_off, const gboolean packed, gsize ldw)
{
  __m512 acc[MR][2];
  const gsize pstride = packed ? (gsize) K * NR : NR, kstride = packed ? NR : ldw;
#pragma GCC unroll 2
  for (int p = 0; p < P; p++)
    {
      __mmask16 m = p == P - 1 ? last_mask : 0xffff;
      if (!packed)
        {
#pragma GCC unroll 8
          for (int i = 0; i < M; i++)
            acc[i][p] = _mm512_maskz_loadu_ps (m, y + (gsize) i * ldy + p * NR);
          continue;
        }
      __m512 b = bias != NULL ? _mm512_maskz_loadu_ps (m, bias + p * NR) : _mm512_setzero_ps ();
#pragma GCC unroll 8
      for (int i = 0; i < M; i++)
        acc[i][p] = b;
    }
  for (int sg = 0; sg < nseg; sg++)
    {
      const float *xs = x + seg_off[sg];
      const float *ws = w + (gsize) sg * seg * kstride;
      for (int k = 0; k < seg; k++)
        {
          __m512 wv[2];
#pragma GCC unroll 2
          for (int p = 0; p < P; p++)
            wv[p] = packed ? _mm512_load_ps (ws + p * pstride + (gsize) k * NR)
                           : _mm512_maskz_loadu_ps (p == P - 1 ? last_mask : 0xffff, ws + p * pstride + (gsize) k * kstride);
#pragma GCC unroll 8
          for (int i = 0; i < M; i++)
            {
              __m512 a = _mm512_set1_ps (xs[(gsize) i * ldx + k]);
#pragma GCC unroll 2
              for (int p = 0; p < P; p++)
                acc[i][p] = _mm512_fmadd_ps (a, wv[p], acc[i][p]);
            }
        }
    }
#pragma GCC unroll 8
  for (int i = 0; i < M; i++)
#pragma GCC unroll 2
    for (int p = 0; p < P; p++)
      {
        __m512 v = silu ? silu16 (acc[i][p]) : acc[i][p];
        _mm512_mask_storeu_ps (y + (gsize) i * ldy + p * NR, p == P - 1 ? last_mask : 0xffff, v);
      }
}

#define ROWS(P)                                                                         \
  switch (M)                                                                            \
    {                                                                                   \
    case 8: block (8, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 7: block (7, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 6: block (6, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 5: block (5, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 4: block (4, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 3: block (3, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    case 2: block (2, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    default: block (1, P, K, x, ldx, w, bias, silu, y, ldy, mask, nseg, kseg, seg_off, packed, ldw); break; \
    }

static KERNEL void
block_any (int M, int P, int K, const float *x, int ldx, const float *w, const float *bias, gboolean silu, float *y,
           int ldy, __mmask16 mask, int nseg, int kseg, const gsize *seg_off)
{
  const gboolean packed = TRUE;
  const gsize ldw = 0;
  if (P == 2)
    ROWS (2)
  else
    ROWS (1)
}

/* The same blocks over a row-major w read in place, adding to y. */
static KERNEL void
block_rm (int M, int P, int K, const float *x, int ldx, const float *w, gsize ldw, float *y, int ldy, __mmask16 mask)
{
  const gboolean packed = FALSE, silu = FALSE;
  const float *bias = NULL;
  const int nseg = 1, kseg = K;
  static const gsize whole[1] = { 0 };
  const gsize *seg_off = whole;
  if (P == 2)
    ROWS (2)
  else
    ROWS (1)
}

/* A layer with fewer outputs than a panel (a toy's ε̂: 2 of them): one dot
 * product per output along k rather than a panel mostly of zeros. */
static KERNEL void
apply_narrow (const GbPacked *p, const float *x, int ldx, int n, const float *bias, gboolean silu, float *y, int ldy,
              int j0, int j1, int nseg, int kseg, int sg0, const gsize *seg_off)
{
  int K = kseg, K16 = K / NR * NR;
  __mmask16 tail = (__mmask16) ((1u << (K - K16)) - 1);
  for (int i = 0; i < n; i++)
    {
      for (int j = j0; j < j1; j++)
        {
          __m512 acc = _mm512_setzero_ps ();
          for (int sg = 0; sg < nseg; sg++)
            {
              const float *xi = x + seg_off[sg] + (gsize) i * ldx, *wj = p->rows + (gsize) j * p->n_in + (gsize) (sg0 + sg) * K;
              for (int k = 0; k < K16; k += NR)
                acc = _mm512_fmadd_ps (_mm512_loadu_ps (xi + k), _mm512_loadu_ps (wj + k), acc);
              if (tail)
                acc = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (tail, xi + K16), _mm512_maskz_loadu_ps (tail, wj + K16),
                                       acc);
            }
          float v = _mm512_reduce_add_ps (acc) + (bias != NULL ? bias[j] : 0.0f);
          if (silu)
            v = _mm512_cvtss_f32 (silu16 (_mm512_set1_ps (v)));
          y[(gsize) i * ldy + j] = v;
        }
    }
}

/* y = x Wᵀ + bias over columns j0 … j1, k in nseg segments of kseg (see
 * block), the first being the weights' segment sg0: a convolution's rows of
 * taps can leave out the segments that would read only zeros. */
static KERNEL void
apply_kernel (const GbPacked *p, const float *x, int ldx, int n, const float *bias, gboolean silu, float *y, int ldy,
              int j0, int j1, int nseg, int kseg, int sg0, const gsize *seg_off)
{
  int K = p->n_in;
  if (p->rows != NULL)
    {
      apply_narrow (p, x, ldx, n, bias, silu, y, ldy, j0, j1, nseg, kseg, sg0, seg_off);
      return;
    }
  /* Column blocks of two panels outside, rows inside: the block's weights
   * (K × 32 floats) stay in cache for every row. */
  for (int j = j0; j < j1; j += 2 * NR)
    {
      int cols = MIN (2 * NR, j1 - j);
      int P = (cols + NR - 1) / NR;
      int last = cols - (P - 1) * NR;
      __mmask16 mask = (__mmask16) (last == NR ? 0xffff : (1u << last) - 1);
      const float *w = p->w + (gsize) (j / NR) * K * NR + (gsize) sg0 * kseg * NR;
      for (int i = 0; i < n; i += MR)
        block_any (MIN (MR, n - i), P, K, x + (gsize) i * ldx, ldx, w, bias != NULL ? bias + j : NULL, silu,
                   y + (gsize) i * ldy + j, ldy, mask, nseg, kseg, seg_off);
    }
}

/* out = x·σ(x) over n values, sixteen at a time. */
static KERNEL void
silu_all (float *out, const float *in, gsize n)
{
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps (out + i, silu16 (_mm512_loadu_ps (in + i)));
  if (i < n)
    {
      __mmask16 m = (__mmask16) ((1u << (n - i)) - 1);
      _mm512_mask_storeu_ps (out + i, m, silu16 (_mm512_maskz_loadu_ps (m, in + i)));
    }
}

/* din += dout · σ(x) (1 + x (1 − σ(x))). */
static KERNEL void
silu_back_all (float *din, const float *dout, const float *in, gsize n)
{
  const __m512 one = _mm512_set1_ps (1.0f);
  for (gsize i = 0; i < n; i += 16)
    {
      __mmask16 m = n - i >= 16 ? 0xffff : (__mmask16) ((1u << (n - i)) - 1);
      __m512 x = _mm512_maskz_loadu_ps (m, in + i), sg = sigmoid16 (x);
      __m512 g = _mm512_mul_ps (sg, _mm512_fmadd_ps (x, _mm512_sub_ps (one, sg), one));
      __m512 d = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (m, dout + i), g, _mm512_maskz_loadu_ps (m, din + i));
      _mm512_mask_storeu_ps (din + i, m, d);
    }
}

/* --- the AVX2 + FMA kernel: the same panels, as pairs of 8-lane registers --- */

/* SiLU as silu16, with AVX2's means: 2^n built in the exponent bits, the
 * reciprocal as rcp (12 bits) and one Newton step (about 2^−23). */
static inline __attribute__ ((always_inline)) KERNEL2 __m256
silu8 (__m256 x)
{
  __m256 y = _mm256_min_ps (_mm256_max_ps (_mm256_sub_ps (_mm256_setzero_ps (), x), _mm256_set1_ps (-87.0f)),
                            _mm256_set1_ps (87.0f));
  __m256 n = _mm256_round_ps (_mm256_mul_ps (y, _mm256_set1_ps (1.44269504088896341f)),
                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps (n, _mm256_set1_ps (0.693145751953125f), y);
  r = _mm256_fnmadd_ps (n, _mm256_set1_ps (1.428606765330187e-06f), r);
  __m256 q = _mm256_set1_ps (1.0f / 720.0f);
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (1.0f / 120.0f));
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (1.0f / 24.0f));
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (1.0f / 6.0f));
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (0.5f));
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (1.0f));
  q = _mm256_fmadd_ps (q, r, _mm256_set1_ps (1.0f));
  __m256i e = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)), 23);
  __m256 d = _mm256_fmadd_ps (q, _mm256_castsi256_ps (e), _mm256_set1_ps (1.0f));
  __m256 inv = _mm256_rcp_ps (d);
  inv = _mm256_mul_ps (inv, _mm256_fnmadd_ps (d, inv, _mm256_set1_ps (2.0f)));
  return _mm256_mul_ps (x, inv);
}

/* Lane masks for the first m of 16 outputs: lo for lanes 0…7, hi for 8…15. */
static inline __attribute__ ((always_inline)) KERNEL2 void
masks8 (int m, __m256i *lo, __m256i *hi)
{
  const __m256i lane = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  *lo = _mm256_cmpgt_epi32 (_mm256_set1_epi32 (m), lane);
  *hi = _mm256_cmpgt_epi32 (_mm256_set1_epi32 (m - 8), lane);
}

/* An M-row (M ≤ 6) × one-panel block of y over k0 ≤ k < k1: 12
 * accumulators, two weight registers and a broadcast, 15 of the 16. cols:
 * the valid outputs of the panel. The first piece of k starts from the bias,
 * later ones from the partial sums stored in y; the last applies SiLU. */
static inline __attribute__ ((always_inline)) KERNEL2 void
block2 (const int M, int k0, int k1, int K, const float *x, int ldx, const float *w, const float *bias,
        gboolean silu, float *y, int ldy, int cols, const gboolean prefetch)
{
  __m256i mlo, mhi;
  masks8 (cols, &mlo, &mhi);
  __m256 lo[MR2], hi[MR2];
  if (k0 == 0)
    {
      __m256 blo = bias != NULL ? _mm256_maskload_ps (bias, mlo) : _mm256_setzero_ps ();
      __m256 bhi = bias != NULL ? _mm256_maskload_ps (bias + 8, mhi) : _mm256_setzero_ps ();
#pragma GCC unroll 6
      for (int i = 0; i < M; i++)
        lo[i] = blo, hi[i] = bhi;
    }
  else
#pragma GCC unroll 6
    for (int i = 0; i < M; i++)
      lo[i] = _mm256_maskload_ps (y + (gsize) i * ldy, mlo), hi[i] = _mm256_maskload_ps (y + (gsize) i * ldy + 8, mhi);
  silu = silu && k1 == K;
  for (int k = k0; k < k1; k++)
    {
      if (prefetch)   /* the panel's line PF inputs ahead (or the next panel's) */
        _mm_prefetch ((const char *) (w + (gsize) (k + PF) * NR), _MM_HINT_T0);
      __m256 w0 = _mm256_load_ps (w + (gsize) k * NR), w1 = _mm256_load_ps (w + (gsize) k * NR + 8);
#pragma GCC unroll 6
      for (int i = 0; i < M; i++)
        {
          __m256 a = _mm256_broadcast_ss (x + (gsize) i * ldx + k);
          lo[i] = _mm256_fmadd_ps (a, w0, lo[i]);
          hi[i] = _mm256_fmadd_ps (a, w1, hi[i]);
        }
    }
#pragma GCC unroll 6
  for (int i = 0; i < M; i++)
    {
      __m256 a = silu ? silu8 (lo[i]) : lo[i], b = silu ? silu8 (hi[i]) : hi[i];
      if (cols == NR)
        _mm256_storeu_ps (y + (gsize) i * ldy, a), _mm256_storeu_ps (y + (gsize) i * ldy + 8, b);
      else
        _mm256_maskstore_ps (y + (gsize) i * ldy, mlo, a), _mm256_maskstore_ps (y + (gsize) i * ldy + 8, mhi, b);
    }
}

#define ROWS2(PF)                                                                             \
  switch (M)                                                                                  \
    {                                                                                         \
    case 6: block2 (6, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;            \
    case 5: block2 (5, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;            \
    case 4: block2 (4, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;            \
    case 3: block2 (3, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;            \
    case 2: block2 (2, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;            \
    default: block2 (1, k0, k1, K, x, ldx, w, bias, silu, y, ldy, cols, PF); break;           \
    }

/* prefetch: the first block of rows over a piece asks for the weights the
 * ones after it will need, PF inputs (a 64-byte line each) ahead. */
static KERNEL2 void
block2_any (int M, int k0, int k1, int K, const float *x, int ldx, const float *w, const float *bias,
            gboolean silu, float *y, int ldy, int cols, gboolean prefetch)
{
  if (prefetch)
    ROWS2 (TRUE)
  else
    ROWS2 (FALSE)
}

static KERNEL2 void
apply_narrow2 (const GbPacked *p, const float *x, int ldx, int n, const float *bias, gboolean silu, float *y,
               int ldy, int j0, int j1)
{
  int K = p->n_in, K8 = K / 8 * 8;
  __m256i tail, unused;
  masks8 (K - K8, &tail, &unused);
  for (int i = 0; i < n; i++)
    {
      const float *xi = x + (gsize) i * ldx;
      for (int j = j0; j < j1; j++)
        {
          const float *wj = p->rows + (gsize) j * K;
          __m256 acc = _mm256_setzero_ps ();
          for (int k = 0; k < K8; k += 8)
            acc = _mm256_fmadd_ps (_mm256_loadu_ps (xi + k), _mm256_loadu_ps (wj + k), acc);
          if (K8 < K)
            acc = _mm256_fmadd_ps (_mm256_maskload_ps (xi + K8, tail), _mm256_maskload_ps (wj + K8, tail), acc);
          __m128 h = _mm_add_ps (_mm256_castps256_ps128 (acc), _mm256_extractf128_ps (acc, 1));
          h = _mm_add_ps (h, _mm_movehl_ps (h, h));
          h = _mm_add_ss (h, _mm_movehdup_ps (h));
          float v = _mm_cvtss_f32 (h) + (bias != NULL ? bias[j] : 0.0f);
          if (silu)
            v = _mm_cvtss_f32 (_mm256_castps256_ps128 (silu8 (_mm256_set1_ps (v))));
          y[(gsize) i * ldy + j] = v;
        }
    }
}

/* Panel by panel outside, then pieces of KC inputs, rows inside: the
 * piece of the panel (KC × 16 floats, 8 KB) stays in the first-level cache
 * for every block of rows, so a panel comes from memory once and is used by
 * all the rows while the next piece streams in. (Whole panels, 64 KB for
 * 1 024 inputs, left the first block of rows waiting on memory.) */
static KERNEL2 void
apply_kernel2 (const GbPacked *p, const float *x, int ldx, int n, const float *bias, gboolean silu, float *y,
               int ldy, int j0, int j1)
{
  int K = p->n_in;
  if (p->rows != NULL)
    {
      apply_narrow2 (p, x, ldx, n, bias, silu, y, ldy, j0, j1);
      return;
    }
  for (int j = j0; j < j1; j += NR)
    {
      int cols = MIN (NR, j1 - j);
      const float *w = p->w + (gsize) (j / NR) * K * NR;
      for (int k0 = 0; k0 < K; k0 += KC)
        for (int i = 0; i < n; i += MR2)
          block2_any (MIN (MR2, n - i), k0, MIN (K, k0 + KC), K, x + (gsize) i * ldx, ldx, w,
                      bias != NULL ? bias + j : NULL, silu, y + (gsize) i * ldy + j, ldy, cols, i == 0);
    }
}

#endif

void
gb_packed_silu_backward (float *din, const float *dout, const float *in, const float *out, gsize n)
{
#if HAVE_KERNEL
  if (gb_packed_level () == GB_PACKED_AVX512)
    {
      silu_back_all (din, dout, in, n);
      return;
    }
#endif
  gb_act_backward (GB_ACT_SILU, din, dout, in, out, n);
}

gboolean
gb_packed_gemm_acc (int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *y, int ldy)
{
  g_return_val_if_fail (m >= 0 && n >= 0 && k >= 0 && lda >= k && ldb >= n && ldy >= n, FALSE);
#if HAVE_KERNEL
  if (gb_packed_level () != GB_PACKED_AVX512)
    return FALSE;
  for (int j = 0; j < n; j += 2 * NR)
    {
      int cols = MIN (2 * NR, n - j), P = (cols + NR - 1) / NR, last = cols - (P - 1) * NR;
      __mmask16 mask = (__mmask16) (last == NR ? 0xffff : (1u << last) - 1);
      for (int i = 0; i < m; i += MR)
        block_rm (MIN (MR, m - i), P, k, a + (gsize) i * lda, lda, b + j, (gsize) ldb, y + (gsize) i * ldy + j, ldy,
                  mask);
    }
  return TRUE;
#else
  return FALSE;
#endif
}

gboolean
gb_packed_apply_taps (const GbPacked *p, const float *x, int ldx, int n, int nseg, const gsize *seg_off,
                      const float *bias, float *y, int ldy)
{
  g_return_val_if_fail (p != NULL && x != NULL && y != NULL && nseg >= 1 && p->n_in % nseg == 0, FALSE);
  g_return_val_if_fail (ldx >= p->n_in / nseg && ldy >= p->n_out, FALSE);
#if HAVE_KERNEL
  if (gb_packed_level () != GB_PACKED_AVX512)
    return FALSE;
  if (n > 0)
    apply_kernel (p, x, ldx, n, bias, FALSE, y, ldy, 0, p->n_out, nseg, p->n_in / nseg, 0, seg_off);
  return TRUE;
#else
  return FALSE;
#endif
}

gboolean
gb_packed_apply_conv3 (const GbPacked *p, const float *Q, int S, const float *bias, float *y, int ldy)
{
  g_return_val_if_fail (p != NULL && Q != NULL && y != NULL && S >= 1 && p->n_in % 3 == 0, FALSE);
  g_return_val_if_fail (ldy >= p->n_out, FALSE);
#if HAVE_KERNEL
  if (gb_packed_level () != GB_PACKED_AVX512)
    return FALSE;
  int c3 = p->n_in / 3, n = p->n_out;
  gsize qrow = (gsize) S * c3;
  const gsize seg[3] = { 0, qrow, 2 * qrow };
  if (S < 3)
    {
      apply_kernel (p, Q, c3, S * S, bias, FALSE, y, ldy, 0, n, 3, c3, 0, seg);
      return TRUE;
    }
  /* The first row of pixels has only zeros above it, the last below. */
  apply_kernel (p, Q, c3, S, bias, FALSE, y, ldy, 0, n, 2, c3, 1, seg + 1);
  apply_kernel (p, Q + qrow, c3, S * (S - 2), bias, FALSE, y + (gsize) S * ldy, ldy, 0, n, 3, c3, 0, seg);
  apply_kernel (p, Q + (gsize) (S - 1) * qrow, c3, S, bias, FALSE, y + (gsize) (S - 1) * S * ldy, ldy, 0, n, 2, c3,
                0, seg);
  return TRUE;
#else
  return FALSE;
#endif
}

#if HAVE_KERNEL
/* One pixel's three taps, zeros past the row's ends, sixteen channels at a time. */
static inline __attribute__ ((always_inline)) KERNEL void
taps_pixel (float *out, const float *in, int S, int c, int j)
{
  for (int v = 0; v < 3; v++)
    {
      int sj = j + v - 1;
      gboolean inside = sj >= 0 && sj < S;
      const float *src = in + (gsize) (inside ? sj : 0) * c;
      for (int k = 0; k < c; k += 16)
        {
          __mmask16 m = c - k >= 16 ? 0xffff : (__mmask16) ((1u << (c - k)) - 1);
          __m512 x = inside ? _mm512_maskz_loadu_ps (m, src + k) : _mm512_setzero_ps ();
          _mm512_mask_storeu_ps (out + v * c + k, m, x);
        }
    }
}

static KERNEL void
taps_row_kernel (float *out, const float *in, int S, int c, const float *a, const float *b, float *scratch)
{
  gsize n = (gsize) S * c;
  if (a != NULL)
    {
      gsize o = 0;
      if (c % 16 == 0)
        /* four vectors at a time: SiLU is a long chain, and four of them overlap */
        for (; o + 64 <= n; o += 64)
          {
            __m512 v[4];
#pragma GCC unroll 4
            for (int u = 0; u < 4; u++)
              {
                gsize k = (o + 16 * u) % c;
                v[u] = _mm512_fmadd_ps (_mm512_loadu_ps (in + o + 16 * u), _mm512_loadu_ps (a + k),
                                        _mm512_loadu_ps (b + k));
              }
#pragma GCC unroll 4
            for (int u = 0; u < 4; u++)
              _mm512_storeu_ps (scratch + o + 16 * u, silu16 (v[u]));
          }
      while (o < n)   /* the rest, at most sixteen channels of one pixel at a time */
        {
          gsize k = o % c, len = MIN (16, c - k);
          __mmask16 m = len == 16 ? 0xffff : (__mmask16) ((1u << len) - 1);
          __m512 v = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (m, in + o), _mm512_maskz_loadu_ps (m, a + k),
                                      _mm512_maskz_loadu_ps (m, b + k));
          _mm512_mask_storeu_ps (scratch + o, m, silu16 (v));
          o += len;
        }
      in = scratch;
    }
  int c3 = 3 * c;
  if (c % 16 != 0 || S < 3)
    {
      for (int j = 0; j < S; j++)
        taps_pixel (out + (gsize) j * c3, in, S, c, j);
      return;
    }
  taps_pixel (out, in, S, c, 0);
  for (int j = 1; j < S - 1; j++)
    {
      float *o = out + (gsize) j * c3;
      const float *src = in + (gsize) (j - 1) * c;
      for (int k = 0; k < c3; k += 16)
        _mm512_storeu_ps (o + k, _mm512_loadu_ps (src + k));
    }
  taps_pixel (out + (gsize) (S - 1) * c3, in, S, c, S - 1);
}
#endif

#if HAVE_KERNEL
/* s, s2 (c) = Σ x, Σ x² over N pixels: float sums over runs of 16 pixels
 * (in pixel order, as the portable loop adds them), gathered in double. */
static inline __attribute__ ((always_inline)) KERNEL __m256
hi8 (__m512 v)
{
  return _mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd (v), 1));
}

static KERNEL void
channel_sums_kernel (double *s, double *s2, const float *x, int N, int c)
{
  int V = c / 16;
  __m512d ds[16], ds2[16];
  for (int u = 0; u < 2 * V; u++)
    ds[u] = _mm512_setzero_pd (), ds2[u] = _mm512_setzero_pd ();
  for (int q0 = 0; q0 < N; q0 += 16)
    {
      __m512 fs[8], fs2[8];
      for (int u = 0; u < V; u++)
        fs[u] = _mm512_setzero_ps (), fs2[u] = _mm512_setzero_ps ();
      for (int q = q0; q < MIN (N, q0 + 16); q++)
        {
          const float *p = x + (gsize) q * c;
#pragma GCC unroll 8
          for (int u = 0; u < 8; u++)
            if (u < V)
              {
                __m512 v = _mm512_loadu_ps (p + 16 * u);
                fs[u] = _mm512_add_ps (fs[u], v);
                fs2[u] = _mm512_add_ps (fs2[u], _mm512_mul_ps (v, v));
              }
        }
      for (int u = 0; u < V; u++)
        {
          ds[2 * u] = _mm512_add_pd (ds[2 * u], _mm512_cvtps_pd (_mm512_castps512_ps256 (fs[u])));
          ds[2 * u + 1] = _mm512_add_pd (ds[2 * u + 1], _mm512_cvtps_pd (hi8 (fs[u])));
          ds2[2 * u] = _mm512_add_pd (ds2[2 * u], _mm512_cvtps_pd (_mm512_castps512_ps256 (fs2[u])));
          ds2[2 * u + 1] = _mm512_add_pd (ds2[2 * u + 1], _mm512_cvtps_pd (hi8 (fs2[u])));
        }
    }
  for (int u = 0; u < 2 * V; u++)
    _mm512_storeu_pd (s + 8 * u, ds[u]), _mm512_storeu_pd (s2 + 8 * u, ds2[u]);
}
#endif

gboolean
gb_packed_channel_sums (double *s, double *s2, const float *x, int N, int c)
{
#if HAVE_KERNEL
  if (gb_packed_level () == GB_PACKED_AVX512 && c % 16 == 0 && c <= 128)
    {
      channel_sums_kernel (s, s2, x, N, c);
      return TRUE;
    }
#endif
  return FALSE;
}

void
gb_packed_taps_row (float *out, const float *in, int S, int c, const float *a, const float *b, float *scratch)
{
#if HAVE_KERNEL
  if (gb_packed_level () == GB_PACKED_AVX512)
    {
      taps_row_kernel (out, in, S, c, a, b, scratch);
      return;
    }
#endif
  if (a != NULL)
    {
      for (int q = 0; q < S; q++)
        for (int k = 0; k < c; k++)
          scratch[(gsize) q * c + k] = in[(gsize) q * c + k] * a[k] + b[k];
      gb_act_forward (GB_ACT_SILU, scratch, scratch, (gsize) S * c);
      in = scratch;
    }
  for (int j = 0; j < S; j++, out += 3 * c)
    for (int v = 0; v < 3; v++)
      {
        int sj = j + v - 1;
        for (int k = 0; k < c; k++)
          out[v * c + k] = sj >= 0 && sj < S ? in[(gsize) sj * c + k] : 0.0f;
      }
}

void
gb_packed_silu (float *out, const float *in, gsize n)
{
#if HAVE_KERNEL
  if (gb_packed_level () == GB_PACKED_AVX512)
    {
      silu_all (out, in, n);
      return;
    }
#endif
  gb_act_forward (GB_ACT_SILU, out, in, n);
}

void
gb_packed_apply (const GbPacked *p, const float *x, int ldx, int n, const float *bias, GbAct act, float *y, int ldy,
                 int j0, int j1)
{
  g_return_if_fail (p != NULL && x != NULL && y != NULL);
  g_return_if_fail (act == GB_ACT_NONE || act == GB_ACT_SILU);
  g_return_if_fail (j0 >= 0 && (j0 % NR == 0 || j0 == p->n_out) && j0 <= j1 && j1 <= p->n_out && (j1 % NR == 0 || j1 == p->n_out));
  g_return_if_fail (ldx >= p->n_in && ldy >= j1);
  if (n <= 0 || j0 == j1)
    return;
#if HAVE_KERNEL
  GbPackedLevel level = gb_packed_level ();
  g_return_if_fail (level != GB_PACKED_NONE);
  static const gsize whole[1] = { 0 };
  if (level == GB_PACKED_AVX512)
    apply_kernel (p, x, ldx, n, bias, act == GB_ACT_SILU, y, ldy, j0, j1, 1, p->n_in, 0, whole);
  else
    apply_kernel2 (p, x, ldx, n, bias, act == GB_ACT_SILU, y, ldy, j0, j1);
#else
  g_return_if_reached ();
#endif
}
