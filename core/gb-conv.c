/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-conv.c — 2-d convolution through im2col and sgemm. */
#include "gb-conv.h"

#include <cblas.h>
#include <string.h>

/* cols (C·k·k, H·W): row (c, u, v) holds x[c, i + u − p, j + v − p] for every (i, j), 0 outside. */
static void
im2col (float *cols, const float *x, int C, int H, int W, int k)
{
  int p = k / 2;
  for (int c = 0; c < C; c++)
    for (int u = 0; u < k; u++)
      for (int v = 0; v < k; v++)
        {
          float *row = cols + ((gsize) (c * k + u) * k + v) * H * W;
          for (int i = 0; i < H; i++)
            {
              int si = i + u - p;
              float *out = row + (gsize) i * W;
              if (si < 0 || si >= H)
                {
                  memset (out, 0, (gsize) W * sizeof (float));
                  continue;
                }
              const float *in = x + ((gsize) c * H + si) * W;
              for (int j = 0; j < W; j++)
                {
                  int sj = j + v - p;
                  out[j] = sj >= 0 && sj < W ? in[sj] : 0.0f;
                }
            }
        }
}

/* The adjoint of im2col: dx[c, si, sj] += cols[(c, u, v), (i, j)]. */
static void
col2im (float *dx, const float *cols, int C, int H, int W, int k)
{
  int p = k / 2;
  for (int c = 0; c < C; c++)
    for (int u = 0; u < k; u++)
      for (int v = 0; v < k; v++)
        {
          const float *row = cols + ((gsize) (c * k + u) * k + v) * H * W;
          for (int i = 0; i < H; i++)
            {
              int si = i + u - p;
              if (si < 0 || si >= H)
                continue;
              float *out = dx + ((gsize) c * H + si) * W;
              const float *in = row + (gsize) i * W;
              for (int j = 0; j < W; j++)
                {
                  int sj = j + v - p;
                  if (sj >= 0 && sj < W)
                    out[sj] += in[j];
                }
            }
        }
}

void
gb_conv2d_forward (float *y, const float *x, const float *w, const float *b, int B, int C_in, int C_out, int H, int W,
                   int k)
{
  int K = C_in * k * k, N = H * W;
  g_autofree float *cols = g_new (float, (gsize) K * N);
  for (int n = 0; n < B; n++)
    {
      im2col (cols, x + (gsize) n * C_in * N, C_in, H, W, k);
      float *yn = y + (gsize) n * C_out * N;
      for (int o = 0; o < C_out; o++)
        for (int q = 0; q < N; q++)
          yn[(gsize) o * N + q] = b ? b[o] : 0.0f;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, C_out, N, K, 1.0f, w, K, cols, N, 1.0f, yn, N);
    }
}

void
gb_conv2d_forward_ref (float *y, const float *x, const float *w, const float *b, int B, int C_in, int C_out, int H,
                       int W, int k)
{
  int p = k / 2;
  for (int n = 0; n < B; n++)
    for (int o = 0; o < C_out; o++)
      for (int i = 0; i < H; i++)
        for (int j = 0; j < W; j++)
          {
            double acc = b ? b[o] : 0.0;
            for (int c = 0; c < C_in; c++)
              for (int u = 0; u < k; u++)
                for (int v = 0; v < k; v++)
                  {
                    int si = i + u - p, sj = j + v - p;
                    if (si >= 0 && si < H && sj >= 0 && sj < W)
                      acc += (double) w[((gsize) (o * C_in + c) * k + u) * k + v]
                             * x[(((gsize) n * C_in + c) * H + si) * W + sj];
                  }
            y[(((gsize) n * C_out + o) * H + i) * W + j] = (float) acc;
          }
}

void
gb_conv2d_backward (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int B, int C_in,
                    int C_out, int H, int W, int k)
{
  int K = C_in * k * k, N = H * W;
  g_autofree float *cols = g_new (float, (gsize) K * N);
  g_autofree float *dcols = dx ? g_new (float, (gsize) K * N) : NULL;
  for (int n = 0; n < B; n++)
    {
      const float *dyn = dy + (gsize) n * C_out * N;
      if (db != NULL)
        for (int o = 0; o < C_out; o++)
          {
            double s = 0.0;
            for (int q = 0; q < N; q++)
              s += dyn[(gsize) o * N + q];
            db[o] += (float) s;
          }
      im2col (cols, x + (gsize) n * C_in * N, C_in, H, W, k);
      /* dw (C_out, K) += dy_n (C_out, N) · colsᵀ (N, K) */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, C_out, K, N, 1.0f, dyn, N, cols, N, 1.0f, dw, K);
      if (dx != NULL)
        {
          /* dcols (K, N) = wᵀ (K, C_out) · dy_n (C_out, N), then back to the image. */
          cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, K, N, C_out, 1.0f, w, K, dyn, N, 0.0f, dcols, N);
          col2im (dx + (gsize) n * C_in * N, dcols, C_in, H, W, k);
        }
    }
}

void
gb_avgpool2_forward (float *y, const float *x, int B, int C, int H, int W)
{
  int h = H / 2, w = W / 2;
  for (gsize bc = 0; bc < (gsize) B * C; bc++)
    {
      const float *in = x + bc * H * W;
      float *out = y + bc * h * w;
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          {
            const float *p = in + (gsize) 2 * i * W + 2 * j;
            out[(gsize) i * w + j] = 0.25f * (p[0] + p[1] + p[W] + p[W + 1]);
          }
    }
}

void
gb_avgpool2_backward (float *dx, const float *dy, int B, int C, int H, int W)
{
  int h = H / 2, w = W / 2;
  for (gsize bc = 0; bc < (gsize) B * C; bc++)
    {
      float *d = dx + bc * H * W;
      const float *g = dy + bc * h * w;
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          {
            float v = 0.25f * g[(gsize) i * w + j];
            float *p = d + (gsize) 2 * i * W + 2 * j;
            p[0] += v, p[1] += v, p[W] += v, p[W + 1] += v;
          }
    }
}
