/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-latent.c — manifolds, interpolation, prior samples and a data set's codes. */
#include "gb-vae-latent.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-parallel.h"
#include "gb-simd.h"

/* --- the piecewise-linear manifold decoder --- */

struct _GbManifoldDecoder {
  int H, D;
  float *w3;     /* (H, 2) */
  float *b3;     /* (H) */
  float *w4t;    /* (H, D): fc4's weights, transposed */
  float *b4;     /* (D) */
};

GbManifoldDecoder *
gb_manifold_decoder_new (const GbVae *vae)
{
  if (vae->config.n_latent != 2)
    return NULL;
  int H = vae->config.n_hidden, D = vae->config.n_input;
  GbManifoldDecoder *g = g_new0 (GbManifoldDecoder, 1);
  g->H = H;
  g->D = D;
  g->w3 = g_memdup2 (vae->p.fc3_w, (gsize) H * 2 * sizeof (float));
  g->b3 = g_memdup2 (vae->p.fc3_b, (gsize) H * sizeof (float));
  g->b4 = g_memdup2 (vae->p.fc4_b, (gsize) D * sizeof (float));
  g->w4t = g_new (float, (gsize) H * D);
  /* Transposed in 32 × 32 tiles to stay within the cache. */
  for (int d0 = 0; d0 < D; d0 += 32)
    for (int h0 = 0; h0 < H; h0 += 32)
      for (int d = d0; d < MIN (d0 + 32, D); d++)
        for (int h = h0; h < MIN (h0 + 32, H); h++)
          g->w4t[(gsize) h * D + d] = vae->p.fc4_w[(gsize) d * H + h];
  return g;
}

void
gb_manifold_decoder_free (GbManifoldDecoder *g)
{
  if (g == NULL)
    return;
  g_free (g->w3);
  g_free (g->b3);
  g_free (g->w4t);
  g_free (g->b4);
  g_free (g);
}

/* p += a·w and q += c·w (and r += e·w when r is not NULL), all (D). */
GB_HOT static void
toggle (float *restrict p, float *restrict q, float *restrict r, const float *restrict w,
        float a, float c, float e, int D)
{
  if (r != NULL)
    for (int d = 0; d < D; d++)
      {
        float v = w[d];
        p[d] += a * v;
        q[d] += c * v;
        r[d] += e * v;
      }
  else
    for (int d = 0; d < D; d++)
      {
        float v = w[d];
        p[d] += a * v;
        q[d] += c * v;
      }
}

static inline gboolean
active (const GbManifoldDecoder *g, int h, float z0, float z1)
{
  /* The same expression, in the same order, as the dense decoder's first layer. */
  return g->b3[h] + g->w3[2 * h] * z0 + g->w3[2 * h + 1] * z1 > 0.0f;
}

/* The rows [j0, j1) of the lattice, each from its start state at z₀ = ax[0]:
 * P, Q (D) and the active set (H) for every row, laid out row after row. */
typedef struct {
  const GbManifoldDecoder *g;
  const float *ax, *ay;
  int nx, j0, j1;
  const float *P0, *Q0;     /* (ny, D) */
  const guint8 *act0;       /* (ny, H) */
  float *out;               /* (ny·nx, D) the Bernoulli means, or … */
  const float *x;           /* … when x (D) is given, */
  double *ll;               /* log p(x|z) (ny·nx) */
} RowJob;

/* Rows advance in lock-step, a few at a time: neighbouring rows cross mostly
 * the same units at about the same step, so a unit's weights (3 KB) are read
 * from the shared cache once and then applied to every row of the block from L1. */
#define ROW_BLOCK 5

static void
decode_rows (RowJob *job)
{
  const GbManifoldDecoder *g = job->g;
  const int H = g->H, D = g->D, nx = job->nx;
  g_autofree float *buf = g_new (float, (gsize) 2 * ROW_BLOCK * D);
  g_autofree guint8 *act = g_new (guint8, (gsize) ROW_BLOCK * H);
  g_autofree float *row = job->x != NULL ? g_new (float, D) : NULL;
  for (int j0 = job->j0; j0 < job->j1; j0 += ROW_BLOCK)
    {
      int nb = MIN (ROW_BLOCK, job->j1 - j0);
      for (int b = 0; b < nb; b++)
        {
          memcpy (buf + (gsize) 2 * b * D, job->P0 + (gsize) (j0 + b) * D, (gsize) D * sizeof (float));
          memcpy (buf + (gsize) (2 * b + 1) * D, job->Q0 + (gsize) (j0 + b) * D, (gsize) D * sizeof (float));
          memcpy (act + (gsize) b * H, job->act0 + (gsize) (j0 + b) * H, H);
        }
      for (int i = 0; i < nx; i++)
        {
          float z0 = job->ax[i];
          if (i > 0)
            for (int h = 0; h < H; h++)
              for (int b = 0; b < nb; b++)
                {
                  float z1 = job->ay[j0 + b];
                  gboolean on = active (g, h, z0, z1);
                  if (on != act[(gsize) b * H + h])
                    {
                      float sg = on ? 1.0f : -1.0f;
                      toggle (buf + (gsize) 2 * b * D, buf + (gsize) (2 * b + 1) * D, NULL, g->w4t + (gsize) h * D,
                              sg * (g->b3[h] + g->w3[2 * h + 1] * z1), sg * g->w3[2 * h], 0.0f, D);
                      act[(gsize) b * H + h] = on;
                    }
                }
          for (int b = 0; b < nb; b++)
            {
              const float *Pr = buf + (gsize) 2 * b * D, *Qr = Pr + D;
              gsize k = (gsize) (j0 + b) * nx + i;
              float *o = row != NULL ? row : job->out + k * D;
              for (int d = 0; d < D; d++)
                o[d] = Pr[d] + z0 * Qr[d];
              if (row != NULL)
                job->ll[k] = -gb_bce_logits (row, job->x, D);
              else
                gb_sigmoid_inplace (o, D);
            }
        }
    }
}

static void lattice (const GbManifoldDecoder *g, const float *ax, int nx, const float *ay, int ny, float *out,
                     const float *x, double *ll);

void
gb_manifold_decoder_decode (const GbManifoldDecoder *g, const float *ax, int nx, const float *ay, int ny,
                        float *out)
{
  lattice (g, ax, nx, ay, ny, out, NULL, NULL);
}

void
gb_manifold_decoder_log_lik (const GbManifoldDecoder *g, const float *x, const float *ax, int nx, const float *ay,
                             int ny, double *ll)
{
  lattice (g, ax, nx, ay, ny, NULL, x, ll);
}

static void
lattice (const GbManifoldDecoder *g, const float *ax, int nx, const float *ay, int ny, float *out, const float *x,
         double *ll)
{
  const int H = g->H, D = g->D;
  /* Along the first column (z₀ = ax[0]) keep, for the active set A:
   *   P = b4 + Σ_A (b3_h + w_h1·z₁) W_h,  Q = Σ_A w_h0 W_h,  R = Σ_A w_h1 W_h,
   * so that logits (z₀, z₁) = P + z₀·Q on the row, and moving z₁ by δ adds δ·R.
   * Each row's start state is saved; the rows then run on two threads. */
  g_autofree float *P0 = g_new (float, (gsize) ny * D), *Q0 = g_new (float, (gsize) ny * D);
  g_autofree float *R = g_new0 (float, D);
  g_autofree guint8 *act0 = g_new0 (guint8, (gsize) ny * H);
  float *P = P0, *Q = Q0;
  guint8 *col = act0;
  memcpy (P, g->b4, (gsize) D * sizeof (float));
  memset (Q, 0, (gsize) D * sizeof (float));
  float z1 = ay[0];
  for (int h = 0; h < H; h++)
    if ((col[h] = active (g, h, ax[0], z1)))
      toggle (P, Q, R, g->w4t + (gsize) h * D, g->b3[h] + g->w3[2 * h + 1] * z1, g->w3[2 * h], g->w3[2 * h + 1], D);
  for (int j = 1; j < ny; j++)
    {
      float *Pp = P, *Qp = Q;
      guint8 *colp = col;
      P += D, Q += D, col += H;
      float dz = ay[j] - z1;
      z1 = ay[j];
      for (int d = 0; d < D; d++)
        {
          P[d] = Pp[d] + dz * R[d];
          Q[d] = Qp[d];
        }
      for (int h = 0; h < H; h++)
        {
          col[h] = active (g, h, ax[0], z1);
          if (col[h] != colp[h])
            {
              float s = col[h] ? 1.0f : -1.0f;
              toggle (P, Q, R, g->w4t + (gsize) h * D, s * (g->b3[h] + g->w3[2 * h + 1] * z1),
                      s * g->w3[2 * h], s * g->w3[2 * h + 1], D);
            }
        }
    }
  RowJob mine = { g, ax, ay, nx, 0, ny, P0, Q0, act0, out, x, ll };
  if (ny < 4)
    {
      decode_rows (&mine);
      return;
    }
  RowJob theirs = mine;
  theirs.j0 = mine.j1 = ny / 2;
  gb_parallel_pair ((GbParallelFunc) decode_rows, &theirs, &mine);
}

/* The grid's checks and its (u, v) points; the images are left to the caller. */
static GbManifold *
manifold_grid (const GbVae *vae, int n, GbManifoldMode mode, double x0, double x1, double y0, double y1, int rows,
               int cols, GError **error)
{
  if (n < GB_MANIFOLD_MIN || n > GB_MANIFOLD_MAX)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("manifold size %d is outside %d…%d"), n, GB_MANIFOLD_MIN, GB_MANIFOLD_MAX);
      return NULL;
    }
  if (rows * cols != vae->config.n_input)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("images of %d × %d pixels, but the model decodes %d"),
                   rows, cols, vae->config.n_input);
      return NULL;
    }
  if (mode == GB_MANIFOLD_REGION && !(x1 > x0 && y1 > y0 && isfinite (x1 - x0) && isfinite (y1 - y0)))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("the manifold's region is empty"));
      return NULL;
    }
  GbManifold *m = g_new0 (GbManifold, 1);
  m->n = n;
  m->mode = mode;
  m->x0 = x0, m->x1 = x1, m->y0 = y0, m->y1 = y1;
  m->rows = rows;
  m->cols = cols;
  m->ax = g_new (float, n);
  m->ay = g_new (float, n);
  for (int i = 0; i < n; i++)
    {
      double u = (i + 0.5) / n;
      if (mode == GB_MANIFOLD_ICDF)
        m->ax[i] = m->ay[i] = (float) gb_normal_quantile (u);
      else
        {
          m->ax[i] = (float) (x0 + u * (x1 - x0));
          m->ay[i] = (float) (y0 + u * (y1 - y0));
        }
    }
  m->images = g_new (float, (gsize) n * n * vae->config.n_input);
  return m;
}

GbManifold *
gb_manifold_new (const GbVae *vae, const GbManifoldDecoder *fast, int n, GbManifoldMode mode,
                 double x0, double x1, double y0, double y1, int rows, int cols, GError **error)
{
  if (vae->config.n_latent != 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("the manifold needs a 2-d latent space, the model has %d"),
                   vae->config.n_latent);
      return NULL;
    }
  GbManifold *m = manifold_grid (vae, n, mode, x0, x1, y0, y1, rows, cols, error);
  if (m == NULL)
    return NULL;
  if (fast != NULL && fast->D == vae->config.n_input && fast->H == vae->config.n_hidden)
    {
      gb_manifold_decoder_decode (fast, m->ax, n, m->ay, n, m->images);
      return m;
    }
  g_autofree float *z = g_new (float, (gsize) n * n * 2);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        z[(j * n + i) * 2] = m->ax[i];
        z[(j * n + i) * 2 + 1] = m->ay[j];
      }
  gb_vae_decode (vae, z, m->images, n * n);
  return m;
}

GbManifold *
gb_manifold_new_slice (const GbVae *vae, const GbLatentSlice *slice, int n, GbManifoldMode mode, double x0,
                       double x1, double y0, double y1, int rows, int cols, GError **error)
{
  int L = vae->config.n_latent;
  if (slice->L != L)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("a slice of a %d-d latent space for a %d-d model"), slice->L, L);
      return NULL;
    }
  GbManifold *m = manifold_grid (vae, n, mode, x0, x1, y0, y1, rows, cols, error);
  if (m == NULL)
    return NULL;
  g_autofree float *z = g_new (float, (gsize) n * n * L);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      gb_latent_slice_point (slice, m->ax[i], m->ay[j], z + (gsize) (j * n + i) * L);
  gb_vae_decode (vae, z, m->images, n * n);
  return m;
}

void
gb_manifold_free (GbManifold *m)
{
  if (m == NULL)
    return;
  g_free (m->ax);
  g_free (m->ay);
  g_free (m->images);
  g_free (m);
}

void
gb_latent_sample_prior (const GbVae *vae, GbRng *rng, int n, float *z, float *out)
{
  g_return_if_fail (n >= 1);
  gb_rng_fill_normal (rng, z, (gsize) n * vae->config.n_latent);
  gb_vae_decode (vae, z, out, n);
}

void
gb_latent_interpolate_z (const GbVae *vae, const float *a, const float *b, int K, float *z, float *out)
{
  int L = vae->config.n_latent;
  g_return_if_fail (K >= 2);
  for (int k = 0; k < K; k++)
    for (int j = 0; j < L; j++)
      z[(gsize) k * L + j] = (float) (a[j] + (double) k / (K - 1) * (b[j] - a[j]));
  gb_vae_decode (vae, z, out, K);
}

void
gb_latent_traverse_dir (const GbVae *vae, const float *z, const float *dir, double lo, double hi, int K, float *out)
{
  int L = vae->config.n_latent;
  g_return_if_fail (K >= 2);
  g_autofree float *zs = g_new (float, (gsize) K * L);
  for (int k = 0; k < K; k++)
    {
      double t = lo + (hi - lo) * k / (K - 1);
      for (int j = 0; j < L; j++)
        zs[(gsize) k * L + j] = (float) (z[j] + t * dir[j]);
    }
  gb_vae_decode (vae, zs, out, K);
}

/* --- slices --- */

void
gb_latent_slice_axes (GbLatentSlice *s, int L, int i, int j, const float *base)
{
  g_return_if_fail (L >= 2 && L <= GB_VAE_MAX_LATENT && i >= 0 && j >= 0 && i < L && j < L && i != j);
  memset (s, 0, sizeof *s);
  s->L = L;
  s->axis[0] = i, s->axis[1] = j;
  if (base != NULL)
    memcpy (s->c, base, (gsize) L * sizeof (float));
  s->e1[i] = 1.0f, s->e2[j] = 1.0f;
}

/* The leading eigenvector of the symmetric C (L × L) by power iteration, orthogonal to `not` (may be NULL). */
static void
leading_vector (const double *C, int L, const double *not, double *v)
{
  for (int k = 0; k < L; k++)
    v[k] = 1.0 + 0.1 * k;   /* not orthogonal to any eigenvector in practice */
  double w[GB_VAE_MAX_LATENT];
  for (int it = 0; it < 500; it++)
    {
      if (not != NULL)
        {
          double d = 0.0;
          for (int k = 0; k < L; k++)
            d += v[k] * not[k];
          for (int k = 0; k < L; k++)
            v[k] -= d * not[k];
        }
      double norm = 0.0;
      for (int a = 0; a < L; a++)
        {
          w[a] = 0.0;
          for (int b = 0; b < L; b++)
            w[a] += C[a * L + b] * v[b];
          norm += w[a] * w[a];
        }
      norm = sqrt (norm);
      if (norm == 0.0)
        return;
      double change = 0.0;
      for (int a = 0; a < L; a++)
        {
          change += fabs (w[a] / norm - v[a]);
          v[a] = w[a] / norm;
        }
      if (change < 1e-12)
        break;
    }
  /* The sign: the largest component positive, so the picture does not flip between runs. */
  int big = 0;
  for (int k = 1; k < L; k++)
    if (fabs (v[k]) > fabs (v[big]))
      big = k;
  if (v[big] < 0)
    for (int k = 0; k < L; k++)
      v[k] = -v[k];
}

gboolean
gb_latent_slice_pca (GbLatentSlice *s, int L, const float *mu, guint32 n, const float *base)
{
  if (n < 2 || L < 2 || L > GB_VAE_MAX_LATENT)
    return FALSE;
  double mean[GB_VAE_MAX_LATENT] = { 0 };
  for (guint32 i = 0; i < n; i++)
    for (int k = 0; k < L; k++)
      mean[k] += mu[(gsize) i * L + k] / (double) n;
  g_autofree double *C = g_new0 (double, (gsize) L * L);
  for (guint32 i = 0; i < n; i++)
    for (int a = 0; a < L; a++)
      {
        double da = mu[(gsize) i * L + a] - mean[a];
        for (int b = 0; b < L; b++)
          C[a * L + b] += da * (mu[(gsize) i * L + b] - mean[b]) / (n - 1);
      }
  double v1[GB_VAE_MAX_LATENT], v2[GB_VAE_MAX_LATENT];
  leading_vector (C, L, NULL, v1);
  leading_vector (C, L, v1, v2);
  memset (s, 0, sizeof *s);
  s->L = L;
  s->axis[0] = s->axis[1] = -1;
  for (int k = 0; k < L; k++)
    {
      s->e1[k] = (float) v1[k], s->e2[k] = (float) v2[k];
      s->c[k] = base != NULL ? base[k] : (float) mean[k];
    }
  return TRUE;
}

void
gb_latent_slice_point (const GbLatentSlice *s, double u, double v, float *z)
{
  double c1 = 0.0, c2 = 0.0;
  for (int k = 0; k < s->L; k++)
    c1 += (double) s->c[k] * s->e1[k], c2 += (double) s->c[k] * s->e2[k];
  for (int k = 0; k < s->L; k++)
    z[k] = (float) (s->c[k] + (u - c1) * s->e1[k] + (v - c2) * s->e2[k]);
}

void
gb_latent_slice_project (const GbLatentSlice *s, const float *z, guint32 n, float *uv)
{
  for (guint32 i = 0; i < n; i++)
    {
      double u = 0.0, v = 0.0;
      for (int k = 0; k < s->L; k++)
        u += (double) z[(gsize) i * s->L + k] * s->e1[k], v += (double) z[(gsize) i * s->L + k] * s->e2[k];
      uv[2 * i] = (float) u, uv[2 * i + 1] = (float) v;
    }
}

float *
gb_vae_latent_codes (const GbVae *vae, const char *dir, const char *split, int max, int *n, guint8 *labels,
                     GError **error)
{
  if (vae->config.n_latent != 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("the VAE has %d latent dimensions; this needs 2"),
                   vae->config.n_latent);
      return NULL;
    }
  g_autoptr (GbImageSet) set = gb_dataset_load_split (dir, split, error);
  if (set == NULL)
    return NULL;
  if (set->rows * set->cols != vae->config.n_input)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("the data set's images have %d pixels; the VAE takes %d"),
                   set->rows * set->cols, vae->config.n_input);
      return NULL;
    }
  *n = MIN ((int) set->n, max);
  if (labels != NULL)
    memcpy (labels, set->labels, (gsize) *n);
  float *codes = g_new (float, (gsize) *n * 2);
  gb_vae_encode_u8 (vae, set->pixels, codes, NULL, *n);
  return codes;
}
