/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-unet-layers.c — the U-Net's layers on NHWC slices of m images:
 * 3 × 3 convolutions (as patches times weights, and their adjoints),
 * dense layers, GroupNorm and SiLU, pooling, upsampling, channel copies. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-diffusion-unet-private.h"

/* P (r1 − r0, 9·c): the 3 × 3 × c patch of each pixel r0 ≤ r < r1 of the
 * slice (r = (n·S + i)·S + j), 0 outside the image. */
GB_HOT static void
im2col (float *P, const float *x, int S, int c, int r0, int r1)
{
  gsize row = (gsize) 9 * c;
  int c3 = 3 * c;
  for (int r = r0; r < r1; r++)
    {
      int n = r / (S * S), i = r / S % S, j = r % S;
      float *out = P + (gsize) (r - r0) * row;
      for (int u = 0; u < 3; u++, out += c3)
        {
          int si = i + u - 1;
          if (si < 0 || si >= S)
            {
              for (int k = 0; k < c3; k++)
                out[k] = 0.0f;
              continue;
            }
          const float *in_row = x + ((gsize) n * S + si) * S * c;   /* pixel (n, si, 0) */
          if (j > 0 && j < S - 1)   /* the three taps of a row are side by side in x */
            for (int k = 0; k < c3; k++)
              out[k] = in_row[(gsize) (j - 1) * c + k];
          else
            for (int v = 0; v < 3; v++)
              {
                int sj = j + v - 1;
                gboolean inside = sj >= 0 && sj < S;
                for (int k = 0; k < c; k++)
                  out[v * c + k] = inside ? in_row[(gsize) sj * c + k] : 0.0f;
              }
        }
    }
}

/* The adjoint: dx += each entry of the patches of pixels r0 ≤ r < r1 back where it came from. */
GB_HOT static void
col2im (float *dx, const float *P, int S, int c, int r0, int r1)
{
  gsize row = (gsize) 9 * c;
  for (int r = r0; r < r1; r++)
    {
      int n = r / (S * S), i = r / S % S, j = r % S;
      const float *in = P + (gsize) (r - r0) * row;
      for (int u = 0; u < 3; u++)
        for (int v = 0; v < 3; v++, in += c)
          {
            int si = i + u - 1, sj = j + v - 1;
            if (si < 0 || si >= S || sj < 0 || sj >= S)
              continue;
            float *out = dx + (((gsize) n * S + si) * S + sj) * c;
            for (int k = 0; k < c; k++)
              out[k] += in[k];
          }
    }
}

/* Pixels per piece of a convolution: its patches (≤ 256 KB) stay in the
 * core's cache between im2col writing them and the product reading them. */
static int
piece_rows (int c)
{
  return MAX (32, 65536 / (9 * c) / 8 * 8);
}

/* y = x Wᵀ + b over rows: through W's packed panels when there are some
 * (no repacking of x, which OpenBLAS would do at every call), else sgemm. */
void
gb_unet_dense (float *y, const float *x, const GbPacked *pk, const float *w, const float *b, int rows, int n_in, int n_out)
{
  if (pk != NULL)
    gb_packed_apply (pk, x, n_in, rows, b, GB_ACT_NONE, y, n_out, 0, n_out);
  else
    gb_linear_forward (y, x, w, b, rows, n_in, n_out, GB_ACT_NONE);
}

/* Q (S + 2, S, 3c) for one image: row a, pixel j holds x[a − 1, j − 1 … j + 1]
 * (3c values, 0 outside), rows 0 and S + 1 all 0. A pixel's 3 × 3 patch is
 * then rows i, i + 1, i + 2 of Q at j: three segments S·3c apart. */
static void
row_taps (float *Q, const float *x, int S, int c)
{
  gsize qrow = (gsize) S * 3 * c;
  memset (Q, 0, qrow * sizeof (float));
  memset (Q + (gsize) (S + 1) * qrow, 0, qrow * sizeof (float));
  for (int i = 0; i < S; i++)
    gb_packed_taps_row (Q + (gsize) (i + 1) * qrow, x + (gsize) i * S * c, S, c, NULL, NULL, NULL);
}

void
gb_unet_conv_forward (float *y, const float *x, const GbPacked *pk, const float *w, const float *b, int m, int S, int cin,
              int cout, float *P)
{
  if (pk != NULL && gb_packed_level () == GB_PACKED_AVX512)
    {
      /* Each image's rows of taps, read three at a time in place. */
      for (int n = 0; n < m; n++)
        {
          row_taps (P, x + (gsize) n * S * S * cin, S, cin);
          gboolean ok = gb_packed_apply_conv3 (pk, P, S, b, y + (gsize) n * S * S * cout, cout);
          g_assert (ok);
        }
      return;
    }
  int rows = m * S * S, step = piece_rows (cin);
  for (int r0 = 0; r0 < rows; r0 += step)
    {
      int r1 = MIN (rows, r0 + step);
      im2col (P, x, S, cin, r0, r1);
      gb_unet_dense (y + (gsize) r0 * cout, P, pk, w, b, r1 - r0, 9 * cin, cout);
    }
}


/* dx += ∂y W over rows (through W's transposed panels when there are some). */
void
gb_unet_dense_backward_input (float *dx, const float *dy, const GbPacked *pk_t, const float *w, int rows, int n_in, int n_out,
                      float *scratch)
{
  if (pk_t == NULL)
    {
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n_in, n_out, 1.0f, dy, n_out, w, n_in, 1.0f, dx,
                   n_in);
      return;
    }
  gb_packed_apply (pk_t, dy, n_out, rows, NULL, GB_ACT_NONE, scratch, n_in, 0, n_in);
  for (gsize i = 0; i < (gsize) rows * n_in; i++)
    dx[i] += scratch[i];
}

/* dw, db += ; dx (0 on entry) = ∂x when not NULL. P, dP and dyT: scratch of
 * the patches' size. With flipped kernels (pk_f, AVX-512) it works an image
 * at a time through rows of taps: dw's three rows of taps each a product of
 * ∂yᵀ with the rows of x's taps, and ∂x the convolution of ∂y with W'. */
static void
conv_backward_taps (float *dx, float *dw, const float *dy, const float *x, const GbPacked *pk_f, int m, int S, int cin,
                    int cout, float *P, float *dP, float *dyT)
{
  int N = S * S, K = 9 * cin;
  for (int n = 0; n < m; n++)
    {
      const float *xn = x + (gsize) n * N * cin, *dyn = dy + (gsize) n * N * cout;
      for (int o = 0; o < cout; o++)
        for (int r = 0; r < N; r++)
          dyT[(gsize) o * N + r] = dyn[(gsize) r * cout + o];
      row_taps (P, xn, S, cin);
      for (int u = 0; u < 3; u++)
        {
          gboolean ok = gb_packed_gemm_acc (cout, 3 * cin, N, dyT, N, P + (gsize) u * S * 3 * cin, 3 * cin,
                                            dw + (gsize) u * 3 * cin, K);
          g_assert (ok);
        }
      if (dx == NULL)
        continue;
      row_taps (dP, dyn, S, cout);
      gboolean ok = gb_packed_apply_conv3 (pk_f, dP, S, NULL, dx + (gsize) n * N * cin, cin);
      g_assert (ok);
    }
}

void
gb_unet_conv_backward (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, const GbPacked *pk_t,
               gboolean flipped, int m, int S, int cin, int cout, float *P, float *dP, float *dyT)
{
  int rows = m * S * S, step = piece_rows (cin), K = 9 * cin;
  if (db != NULL)
    gb_column_sums (db, dy, rows, cout);
  if (flipped && (pk_t != NULL || dx == NULL) && gb_packed_level () == GB_PACKED_AVX512)
    {
      conv_backward_taps (dx, dw, dy, x, pk_t, m, S, cin, cout, P, dP, dyT);
      return;
    }
  for (int r0 = 0; r0 < rows; r0 += step)
    {
      int r1 = MIN (rows, r0 + step), n = r1 - r0;
      const float *dyp = dy + (gsize) r0 * cout;
      im2col (P, x, S, cin, r0, r1);
      /* dw (cout, K) += dyᵀ P over the piece: on AVX-512 with P read in
       * place (sgemm would pack it, and runs its AVX2 kernel here) */
      for (int o = 0; o < cout; o++)
        for (int r = 0; r < n; r++)
          dyT[(gsize) o * n + r] = dyp[(gsize) r * cout + o];
      if (!gb_packed_gemm_acc (cout, K, n, dyT, n, P, K, dw, K))
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, cout, K, n, 1.0f, dyp, cout, P, K, 1.0f, dw, K);
      if (dx == NULL)
        continue;
      if (pk_t != NULL)
        gb_packed_apply (pk_t, dyp, cout, n, NULL, GB_ACT_NONE, dP, K, 0, K);
      else
        cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, cout, 1.0f, dyp, cout, w, K, 0.0f, dP, K);
      col2im (dx, dP, S, cin, r0, r1);
    }
}

/* GroupNorm: y = γ (x − μ) / σ + β per image and group. For one image, as
 * the per-channel map y = x·a_c + b_c, a and b folded from the groups'
 * statistics, and the groups' μ and 1/σ (for the backward pass); the sums
 * per channel come first (a pass vectorised across channels). */
GB_HOT void
gb_unet_gn_stats (float *a, float *b, float *mean, float *rstd, const float *xn, const float *gamma, const float *beta, int N,
          int c)
{
  int cg = c / G;
  double s[4 * 256], s2[4 * 256];
  float fs[4 * 256], fs2[4 * 256];
  g_assert (c <= 4 * 256);
  for (int k = 0; k < c; k++)
    s[k] = 0.0, s2[k] = 0.0;
  /* float sums over runs of 16 pixels (vectorised), gathered in double */
  for (int q0 = gb_packed_channel_sums (s, s2, xn, N, c) ? N : 0; q0 < N; q0 += 16)
    {
      for (int k = 0; k < c; k++)
        fs[k] = 0.0f, fs2[k] = 0.0f;
      for (int q = q0; q < MIN (N, q0 + 16); q++)
        {
          const float *restrict p = xn + (gsize) q * c;
          for (int k = 0; k < c; k++)
            fs[k] += p[k], fs2[k] += p[k] * p[k];
        }
      for (int k = 0; k < c; k++)
        s[k] += fs[k], s2[k] += fs2[k];
    }
  for (int g = 0; g < G; g++)
    {
      double ts = 0.0, ts2 = 0.0;
      for (int k = g * cg; k < (g + 1) * cg; k++)
        ts += s[k], ts2 += s2[k];
      double M = (double) N * cg, mu = ts / M, var = MAX (ts2 / M - mu * mu, 0.0);
      float r = (float) (1.0 / sqrt (var + GN_EPS));
      mean[g] = (float) mu, rstd[g] = r;
      for (int k = g * cg; k < (g + 1) * cg; k++)
        a[k] = gamma[k] * r, b[k] = beta[k] - (float) mu * gamma[k] * r;
    }
}

/* o = p·a + b over n pixels of c channels. */
GB_HOT static void
affine_rows (float *restrict o, const float *restrict p, const float *restrict a, const float *restrict b, int n, int c)
{
  for (int q = 0; q < n; q++, p += c, o += c)
    for (int k = 0; k < c; k++)
      o[k] = p[k] * a[k] + b[k];
}

/* y = GroupNorm (x) over m images of N pixels, c channels (pixel-major); keeps μ and 1/σ (m, G). */
static void
gn_forward (float *y, float *mean, float *rstd, const float *x, const float *gamma, const float *beta, int m, int N,
            int c)
{
  float a[4 * 256], b[4 * 256];
  for (int n = 0; n < m; n++)
    {
      gb_unet_gn_stats (a, b, mean + n * G, rstd + n * G, x + (gsize) n * N * c, gamma, beta, N, c);
      affine_rows (y + (gsize) n * N * c, x + (gsize) n * N * c, a, b, N, c);
    }
}

/* dx += ; dγ, dβ += . With x̂ = (x − μ) r, per image and group:
 *   dx = r (γ dy − mean (γ dy) − x̂ mean (γ dy x̂))
 * from per-channel sums Σ dy and Σ dy·x, so every pass runs across channels. */
GB_HOT void
gb_unet_gn_backward (float *dx, float *dgamma, float *dbeta, const float *dy, const float *x, const float *mean,
             const float *rstd, const float *gamma, int m, int N, int c)
{
  int cg = c / G;
  double sd[4 * 256], sdx[4 * 256];
  float A[4 * 256], Bc[4 * 256], Cc[4 * 256];
  g_assert (c <= 4 * 256);
  for (int n = 0; n < m; n++)
    {
      const float *xn = x + (gsize) n * N * c, *dyn = dy + (gsize) n * N * c;
      for (int k = 0; k < c; k++)
        sd[k] = 0.0, sdx[k] = 0.0;
      for (int q = 0; q < N; q++)
        {
          const float *xp = xn + (gsize) q * c, *dp = dyn + (gsize) q * c;
          for (int k = 0; k < c; k++)
            sd[k] += dp[k], sdx[k] += (double) dp[k] * xp[k];
        }
      for (int g = 0; g < G; g++)
        {
          double mu = mean[n * G + g], r = rstd[n * G + g], s1 = 0.0, s2 = 0.0;
          for (int k = g * cg; k < (g + 1) * cg; k++)
            {
              double dxh = r * (sdx[k] - mu * sd[k]);   /* Σ dy x̂ over the channel */
              dgamma[k] += (float) dxh;
              dbeta[k] += (float) sd[k];
              s1 += gamma[k] * sd[k], s2 += gamma[k] * dxh;
            }
          double M = (double) N * cg, a = s1 / M, b = s2 / M;
          /* dx = dy·(r γ_c) + x·(−r² b) + (r² b μ − r a) */
          for (int k = g * cg; k < (g + 1) * cg; k++)
            A[k] = (float) (r * gamma[k]), Bc[k] = (float) (-r * r * b), Cc[k] = (float) (r * r * b * mu - r * a);
        }
      float *dxn = dx + (gsize) n * N * c;
      for (int q = 0; q < N; q++)
        {
          const float *xp = xn + (gsize) q * c, *dp = dyn + (gsize) q * c;
          float *o = dxn + (gsize) q * c;
          for (int k = 0; k < c; k++)
            o[k] += dp[k] * A[k] + xp[k] * Bc[k] + Cc[k];
        }
    }
}

/* a = GroupNorm (x), s = SiLU (a), an image at a time so s is computed
 * from a while a is still in cache. */
void
gb_unet_gn_silu (float *a, float *s, float *mean, float *rstd, const float *x, const float *gamma, const float *beta, int m,
         int N, int c)
{
  gsize img = (gsize) N * c;
  for (int n = 0; n < m; n++)
    {
      gn_forward (a + n * img, mean + n * G, rstd + n * G, x + n * img, gamma, beta, 1, N, c);
      gb_packed_silu (s + n * img, a + n * img, img);
    }
}

GB_HOT void
gb_unet_pool_forward (float *y, const float *x, int m, int S, int c)
{
  int h = S / 2;
  for (int n = 0; n < m; n++)
    for (int i = 0; i < h; i++)
      for (int j = 0; j < h; j++)
        {
          float *restrict out = y + (((gsize) n * h + i) * h + j) * c;
          const float *restrict a = x + (((gsize) n * S + 2 * i) * S + 2 * j) * c, *b = a + c,
                                *d = a + (gsize) S * c, *e = d + c;
          for (int k = 0; k < c; k++)
            out[k] = 0.25f * (a[k] + b[k] + d[k] + e[k]);
        }
}

GB_HOT void
gb_unet_pool_backward (float *dx, const float *dy, int m, int S, int c)
{
  int h = S / 2;
  for (int n = 0; n < m; n++)
    for (int i = 0; i < h; i++)
      for (int j = 0; j < h; j++)
        {
          const float *g = dy + (((gsize) n * h + i) * h + j) * c;
          float *a = dx + (((gsize) n * S + 2 * i) * S + 2 * j) * c, *b = a + c, *d = a + (gsize) S * c, *e = d + c;
          for (int k = 0; k < c; k++)
            {
              float v = 0.25f * g[k];
              a[k] += v, b[k] += v, d[k] += v, e[k] += v;
            }
        }
}

/* y (m, 2s, 2s, ctot) channels [0, c) = nearest-neighbour x (m, s, s, c). */
void
gb_unet_up_forward (float *y, int ctot, const float *x, int m, int s, int c)
{
  int S = 2 * s;
  for (int n = 0; n < m; n++)
    for (int i = 0; i < S; i++)
      for (int j = 0; j < S; j++)
        memcpy (y + (((gsize) n * S + i) * S + j) * ctot, x + (((gsize) n * s + i / 2) * s + j / 2) * c,
                (gsize) c * sizeof (float));
}

GB_HOT void
gb_unet_up_backward (float *dx, const float *dy, int ctot, int m, int s, int c)
{
  int S = 2 * s;
  for (int n = 0; n < m; n++)
    for (int i = 0; i < S; i++)
      for (int j = 0; j < S; j++)
        {
          const float *restrict g = dy + (((gsize) n * S + i) * S + j) * ctot;
          float *restrict d = dx + (((gsize) n * s + i / 2) * s + j / 2) * c;
          for (int k = 0; k < c; k++)
            d[k] += g[k];
        }
}

/* y's channels [off, off + c) of ctot = x (rows, c); and back (+=). */
void
gb_unet_put_channels (float *y, int ctot, int off, const float *x, gsize rows, int c)
{
  for (gsize r = 0; r < rows; r++)
    memcpy (y + r * ctot + off, x + r * c, (gsize) c * sizeof (float));
}

GB_HOT void
gb_unet_take_channels (float *restrict dx, const float *restrict dy, int ctot, int off, gsize rows, int c)
{
  for (gsize r = 0; r < rows; r++)
    for (int k = 0; k < c; k++)
      dx[r * c + k] += dy[r * ctot + off + k];
}

/* y += x over n values. */
GB_HOT void
gb_unet_add_to (float *restrict y, const float *restrict x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    y[i] += x[i];
}

/* Each of m images' N pixels (c channels) += that image's v (m, c). */
GB_HOT void
gb_unet_add_per_image (float *restrict h, const float *restrict v, int m, int N, int c)
{
  for (int n = 0; n < m; n++)
    for (int q = 0; q < N; q++)
      {
        float *restrict row = h + ((gsize) n * N + q) * c;
        const float *restrict vn = v + (gsize) n * c;
        for (int k = 0; k < c; k++)
          row[k] += vn[k];
      }
}

/* v (m, c) += the sums over each image's N pixels of h. */
GB_HOT void
gb_unet_sum_per_image (float *restrict v, const float *restrict h, int m, int N, int c)
{
  for (int n = 0; n < m; n++)
    for (int q = 0; q < N; q++)
      {
        const float *restrict row = h + ((gsize) n * N + q) * c;
        float *restrict vn = v + (gsize) n * c;
        for (int k = 0; k < c; k++)
          vn[k] += row[k];
      }
}
