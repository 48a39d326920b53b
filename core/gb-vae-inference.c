/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-inference.c — the true posterior, log p(x), the ELBO, IWAE and the gaps (see the header). */
#include "gb-vae-inference.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-parallel.h"

#define LOG_2PI 1.8378770664093453

/* --- the grid --- */

GbPosteriorGrid *
gb_posterior_grid_new (const GbVae *vae, const GbManifoldDecoder *dec, const float *x, int n, double x0, double x1,
                       double y0, double y1, GError **error)
{
  if (vae->config.n_latent != 2 || dec == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("the exact posterior needs a 2-d latent space; this model's is %d-d"), vae->config.n_latent);
      return NULL;
    }
  if (n < 2 || n > GB_POSTERIOR_GRID_MAX || !(x1 > x0) || !(y1 > y0) || !isfinite (x1 - x0) || !isfinite (y1 - y0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("a posterior grid of %d × %d over [%g, %g] × [%g, %g]: the size must be 2…%d and the rectangle "
                   "not empty"), n, n, x0, x1, y0, y1, GB_POSTERIOR_GRID_MAX);
      return NULL;
    }
  GbPosteriorGrid *g = g_new0 (GbPosteriorGrid, 1);
  g->n = n, g->x0 = x0, g->x1 = x1, g->y0 = y0, g->y1 = y1;
  double dx = (x1 - x0) / n, dy = (y1 - y0) / n;
  g_autofree float *ax = g_new (float, n), *ay = g_new (float, n);
  for (int i = 0; i < n; i++)
    ax[i] = (float) (x0 + (i + 0.5) * dx), ay[i] = (float) (y0 + (i + 0.5) * dy);
  g_autofree double *ll = g_new (double, (gsize) n * n);
  gb_manifold_decoder_log_lik (dec, x, ax, n, ay, n, ll);
  g->log_joint = g_new (float, (gsize) n * n);
  g->max = -INFINITY;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        gsize k = (gsize) j * n + i;
        ll[k] += -LOG_2PI - 0.5 * ((double) ax[i] * ax[i] + (double) ay[j] * ay[j]);   /* + log p(z) */
        g->log_joint[k] = (float) ll[k];
        if (ll[k] > g->max)
          g->max = ll[k], g->argmax = (int) k;
      }
  double sum = 0.0;
  for (gsize k = 0; k < (gsize) n * n; k++)
    sum += exp (ll[k] - g->max);
  g->log_px = g->max + log (sum) + log (dx * dy);
  return g;
}

void
gb_posterior_grid_free (GbPosteriorGrid *g)
{
  if (g == NULL)
    return;
  g_free (g->log_joint);
  g_free (g);
}

/* The rectangle around the grid's points within `nats` of its peak, one cell wider on each side. */
static void
mass_box (const GbPosteriorGrid *g, double nats, double box[4])
{
  int n = g->n, i0 = n, i1 = -1, j0 = n, j1 = -1;
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      if (g->log_joint[(gsize) j * n + i] >= g->max - nats)
        i0 = MIN (i0, i), i1 = MAX (i1, i), j0 = MIN (j0, j), j1 = MAX (j1, j);
  double dx = (g->x1 - g->x0) / n, dy = (g->y1 - g->y0) / n;
  box[0] = g->x0 + (i0 - 1) * dx, box[1] = g->x0 + (i1 + 2) * dx;
  box[2] = g->y0 + (j0 - 1) * dy, box[3] = g->y0 + (j1 + 2) * dy;
}

static void
box_union_q (double box[4], const float *mu, const float *logvar, double k)
{
  if (mu == NULL || logvar == NULL)
    return;
  for (int j = 0; j < 2; j++)
    {
      double s = exp (0.5 * logvar[j]);
      box[2 * j] = MIN (box[2 * j], mu[j] - k * s);
      box[2 * j + 1] = MAX (box[2 * j + 1], mu[j] + k * s);
    }
}

GbPosteriorGrid *
gb_posterior_grid_fitted (const GbVae *vae, const GbManifoldDecoder *dec, const float *x, const float *mu,
                          const float *logvar, int n, GError **error)
{
  /* The prior's bulk (|z| ≤ 6 holds all but e^−18 of it) and q's neighbourhood, coarsely; then twice
   * narrowed to where the mass is (a sharp posterior may fall between the coarse grid's points), with q's
   * ±6σ kept in so that q is resolved too. */
  double box[4] = { -6.0, 6.0, -6.0, 6.0 };
  box_union_q (box, mu, logvar, 8.0);
  g_autoptr (GbPosteriorGrid) g = gb_posterior_grid_new (vae, dec, x, 32, box[0], box[1], box[2], box[3], error);
  const int sizes[2] = { MIN (48, n), n };
  const double nats[2] = { 25.0, 20.0 };
  for (int pass = 0; pass < 2 && g != NULL; pass++)
    {
      mass_box (g, nats[pass], box);
      box_union_q (box, mu, logvar, 6.0);
      gb_posterior_grid_free (g);
      g = gb_posterior_grid_new (vae, dec, x, sizes[pass], box[0], box[1], box[2], box[3], error);
    }
  return g_steal_pointer (&g);
}

/* --- q on the grid --- */

double
gb_posterior_grid_elbo (const GbPosteriorGrid *g, const float mu[2], const float logvar[2], double grad[4])
{
  /* q as the grid sees it: its density at the points, normalised over them, so that the ELBO is a
   * bound on the grid's own log p(x) however coarse the grid is against q (Jensen's inequality on the
   * points). With p_i ∝ q_i, f_i = log p(x, z_i) − log q̃_i and g_i = ∂ log q_i / ∂θ:
   *   ELBO = Σ p_i f_i,   ∂ELBO/∂θ = Σ p_i (g_i − ḡ) f_i. */
  int n = g->n;
  double dx = (g->x1 - g->x0) / n, dy = (g->y1 - g->y0) / n, dA = dx * dy;
  double var[2] = { exp (logvar[0]), exp (logvar[1]) };
  /* Only where q is above e^−60 of its peak. */
  double reach[2] = { sqrt (120.0 * var[0]), sqrt (120.0 * var[1]) };
  int i0 = MAX (0, (int) floor ((mu[0] - reach[0] - g->x0) / dx));
  int i1 = MIN (n, (int) ceil ((mu[0] + reach[0] - g->x0) / dx) + 1);
  int j0 = MAX (0, (int) floor ((mu[1] - reach[1] - g->y0) / dy));
  int j1 = MIN (n, (int) ceil ((mu[1] + reach[1] - g->y0) / dy) + 1);
  double Z = 0.0, sf = 0.0, sfg[4] = { 0 }, sg[4] = { 0 }, top = -INFINITY;
  /* The log density's top within the window first, so that nothing underflows when q is far narrower than a cell. */
  for (int j = j0; j < j1; j++)
    for (int i = i0; i < i1; i++)
      {
        double t = g->x0 + (i + 0.5) * dx - mu[0], u = g->y0 + (j + 0.5) * dy - mu[1];
        top = MAX (top, -0.5 * (t * t / var[0] + u * u / var[1]));
      }
  if (!(top > -INFINITY))
    {
      /* q lies off the grid altogether: nothing the grid can say. */
      if (grad != NULL)
        memset (grad, 0, 4 * sizeof (double));
      return -INFINITY;
    }
  double log_Z = 0.0, log_dA = log (dA);
  for (int pass = 0; pass < 2; pass++)
    for (int j = j0; j < j1; j++)
      {
        if (pass == 1 && j == j0)
          log_Z = log (Z);
        double u = g->y0 + (j + 0.5) * dy - mu[1], uu = u * u / var[1];
        for (int i = i0; i < i1; i++)
          {
            double t = g->x0 + (i + 0.5) * dx - mu[0], tt = t * t / var[0];
            double e = -0.5 * (tt + uu);
            double w = exp (e - top);
            if (pass == 0)
              {
                Z += w;
                continue;
              }
            double p = w / Z;
            /* log q̃_i, the density the normalised points stand for: p_i / dA. */
            double f = g->log_joint[(gsize) j * n + i] - (e - top - log_Z - log_dA);
            double gi[4] = { t / var[0], u / var[1], 0.5 * (tt - 1.0), 0.5 * (uu - 1.0) };
            sf += p * f;
            for (int k = 0; k < 4; k++)
              sfg[k] += p * f * gi[k], sg[k] += p * gi[k];
          }
      }
  if (grad != NULL)
    for (int k = 0; k < 4; k++)
      grad[k] = sfg[k] - sg[k] * sf;
  return sf;
}

double
gb_posterior_grid_optimise_q (const GbPosteriorGrid *g, float mu[2], float logvar[2], int steps, GbQStepFunc step,
                              gpointer data)
{
  /* Adam, as torch.optim.Adam, in double; σ kept above a quarter of a cell so the grid still resolves q. */
  double dx = (g->x1 - g->x0) / g->n, dy = (g->y1 - g->y0) / g->n;
  double floor_lv[2] = { 2.0 * log (dx / 4.0), 2.0 * log (dy / 4.0) };
  double th[4] = { mu[0], mu[1], MAX (logvar[0], floor_lv[0]), MAX (logvar[1], floor_lv[1]) };
  double m[4] = { 0 }, v[4] = { 0 }, grad[4];
  const double lr = 0.03, b1 = 0.9, b2 = 0.999;
  float fm[2], fl[2];
  double elbo = 0.0;
  for (int s = 0; s <= steps; s++)
    {
      fm[0] = (float) th[0], fm[1] = (float) th[1], fl[0] = (float) th[2], fl[1] = (float) th[3];
      elbo = gb_posterior_grid_elbo (g, fm, fl, grad);
      if (step != NULL && !step (s, fm, fl, elbo, data))
        break;
      if (s == steps)
        break;
      for (int k = 0; k < 4; k++)
        {
          m[k] = b1 * m[k] + (1 - b1) * grad[k];
          v[k] = b2 * v[k] + (1 - b2) * grad[k] * grad[k];
          double mh = m[k] / (1 - pow (b1, s + 1)), vh = v[k] / (1 - pow (b2, s + 1));
          th[k] += lr * mh / (sqrt (vh) + 1e-8);   /* up the ELBO */
        }
      th[2] = MAX (th[2], floor_lv[0]), th[3] = MAX (th[3], floor_lv[1]);
    }
  mu[0] = fm[0], mu[1] = fm[1], logvar[0] = fl[0], logvar[1] = fl[1];
  return elbo;
}

/* --- Gauss–Hermite --- */

void
gb_gauss_hermite (int order, double *t, double *w)
{
  /* The roots of the orthonormal Hermite polynomials by Newton's method from
   * the usual first guesses (Numerical Recipes, gauher), then rescaled from
   * the weight e^−x² to N(0, 1). */
  g_return_if_fail (order >= 1 && order <= 64);
  const double pim4 = 0.7511255444649425;   /* π^−¼ */
  int n = order, m = (n + 1) / 2;
  double z = 0.0, pp = 1.0;
  for (int i = 0; i < m; i++)
    {
      if (i == 0)
        z = sqrt (2.0 * n + 1) - 1.85575 * pow (2.0 * n + 1, -0.16667);
      else if (i == 1)
        z -= 1.14 * pow (n, 0.426) / z;
      else if (i == 2)
        z = 1.86 * z - 0.86 * t[0];
      else if (i == 3)
        z = 1.91 * z - 0.91 * t[1];
      else
        z = 2.0 * z - t[i - 2];
      for (int it = 0; it < 100; it++)
        {
          double p1 = pim4, p2 = 0.0;
          for (int j = 1; j <= n; j++)
            {
              double p3 = p2;
              p2 = p1;
              p1 = z * sqrt (2.0 / j) * p2 - sqrt ((j - 1.0) / j) * p3;
            }
          pp = sqrt (2.0 * n) * p2;
          double z1 = z;
          z = z1 - p1 / pp;
          if (fabs (z - z1) <= 1e-15 * MAX (1.0, fabs (z)))
            break;
        }
      t[i] = z, t[n - 1 - i] = -z;
      w[i] = w[n - 1 - i] = 2.0 / (pp * pp);
    }
  for (int i = 0; i < n; i++)
    t[i] *= G_SQRT2, w[i] /= sqrt (G_PI);
}

static double
kl_prior (const float *mu, const float *logvar, int L)
{
  double kl = 0.0;
  for (int j = 0; j < L; j++)
    kl += 0.5 * (exp (logvar[j]) + (double) mu[j] * mu[j] - 1.0 - logvar[j]);
  return kl;
}

double
gb_vae_elbo_gauss_hermite (const GbVae *vae, const float *x, const float *mu, const float *logvar, int order)
{
  g_return_val_if_fail (vae->config.n_latent == 2 && order >= 1 && order <= 64, NAN);
  double t[64], w[64];
  gb_gauss_hermite (order, t, w);
  int K = order * order;
  g_autofree float *z = g_new (float, (gsize) 2 * K);
  g_autofree double *ll = g_new (double, K);
  double s0 = exp (0.5 * logvar[0]), s1 = exp (0.5 * logvar[1]);
  for (int a = 0; a < order; a++)
    for (int b = 0; b < order; b++)
      {
        z[2 * (a * order + b)] = (float) (mu[0] + s0 * t[a]);
        z[2 * (a * order + b) + 1] = (float) (mu[1] + s1 * t[b]);
      }
  gb_vae_log_lik (vae, x, z, K, ll, NULL);
  double e = 0.0;
  for (int a = 0; a < order; a++)
    for (int b = 0; b < order; b++)
      e += w[a] * w[b] * ll[a * order + b];
  return e - kl_prior (mu, logvar, 2);
}

double
gb_vae_iwae (const GbVae *vae, const float *x, const float *mu, const float *logvar, int K, GbRng *rng, double *elbo)
{
  g_return_val_if_fail (K >= 1, NAN);
  int L = vae->config.n_latent;
  g_autofree float *z = g_new (float, (gsize) K * L);
  g_autofree double *lw = g_new (double, K);
  for (int k = 0; k < K; k++)
    {
      double lq = 0.0, lp = 0.0;
      for (int j = 0; j < L; j++)
        {
          double e = gb_rng_normal (rng), s = exp (0.5 * logvar[j]);
          float zj = z[(gsize) k * L + j] = (float) (mu[j] + s * e);
          lq += -0.5 * LOG_2PI - 0.5 * logvar[j] - 0.5 * e * e;
          lp += -0.5 * LOG_2PI - 0.5 * (double) zj * zj;
        }
      lw[k] = lp - lq;
    }
  g_autofree double *ll = g_new (double, K);
  gb_vae_log_lik (vae, x, z, K, ll, NULL);
  double top = -INFINITY, mean = 0.0;
  for (int k = 0; k < K; k++)
    {
      lw[k] += ll[k];
      top = MAX (top, lw[k]);
      mean += lw[k] / K;
    }
  double sum = 0.0;
  for (int k = 0; k < K; k++)
    sum += exp (lw[k] - top);
  if (elbo != NULL)
    *elbo = mean;
  return top + log (sum / K);
}

/* --- the aggregate posterior --- */

void
gb_aggregate_posterior (const float *mu, const float *logvar, guint32 n, int nx, int ny, const double box[4],
                        float *out, float *kl)
{
  double dx = (box[1] - box[0]) / nx, dy = (box[3] - box[2]) / ny;
  g_autofree double *q = g_new0 (double, (gsize) nx * ny);
  for (guint32 k = 0; k < n; k++)
    {
      double m0 = mu[2 * k], m1 = mu[2 * k + 1];
      double v0 = exp (logvar[2 * k]), v1 = exp (logvar[2 * k + 1]);
      if (kl != NULL)
        kl[k] = (float) (0.5 * (v0 + v1 + m0 * m0 + m1 * m1 - 2.0 - logvar[2 * k] - logvar[2 * k + 1]));
      double s0 = sqrt (v0), s1 = sqrt (v1);
      double norm = 1.0 / (2.0 * G_PI * s0 * s1 * n);
      /* Each Gaussian splatted where it is above e^−24.5 of its peak (7σ). */
      int i0 = MAX (0, (int) floor ((m0 - 7 * s0 - box[0]) / dx)), i1 = MIN (nx, (int) ceil ((m0 + 7 * s0 - box[0]) / dx));
      int j0 = MAX (0, (int) floor ((m1 - 7 * s1 - box[2]) / dy)), j1 = MIN (ny, (int) ceil ((m1 + 7 * s1 - box[2]) / dy));
      for (int j = j0; j < j1; j++)
        {
          double u = box[2] + (j + 0.5) * dy - m1, eu = exp (-0.5 * u * u / v1) * norm;
          for (int i = i0; i < i1; i++)
            {
              double t = box[0] + (i + 0.5) * dx - m0;
              q[(gsize) j * nx + i] += eu * exp (-0.5 * t * t / v0);
            }
        }
    }
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        double z0 = box[0] + (i + 0.5) * dx, z1 = box[2] + (j + 0.5) * dy;
        double lq = q[(gsize) j * nx + i] > 0.0 ? log (q[(gsize) j * nx + i]) : -INFINITY;
        out[(gsize) j * nx + i] = (float) (lq + LOG_2PI + 0.5 * (z0 * z0 + z1 * z1));
      }
}

/* --- over a data set --- */

enum { SUMMARY_GRID = 32, SUMMARY_OPT_STEPS = 150 };

typedef struct {
  const GbVae *vae;
  const GbManifoldDecoder *dec;
  const guint8 *pixels;
  const float *mu, *logvar;    /* (n, L) the encoder's */
  int K;
  guint64 seed;
  double *elbo, *iwae, *log_px, *elbo_opt;   /* (n) */
  gint done;                   /* atomic */
  int n;
  double *progress;
  GCancellable *cancellable;
  gboolean failed;
} Summary;

static void
summary_range_cb (gpointer data, int part, gint64 i0, gint64 i1)
{
  Summary *s = data;
  int D = s->vae->config.n_input, L = s->vae->config.n_latent;
  g_autofree float *x = g_new (float, D);
  for (gint64 i = i0; i < i1; i++)
    {
      if (g_cancellable_is_cancelled (s->cancellable))
        return;
      for (int d = 0; d < D; d++)
        x[d] = s->pixels[(gsize) i * D + d] * (1.0f / 255.0f);
      const float *mu = s->mu + (gsize) i * L, *lv = s->logvar + (gsize) i * L;
      /* Each image its own stream of draws: the same numbers however the images are split. */
      GbRng rng;
      gb_rng_init (&rng, s->seed * 1000003u + (guint64) i);
      double mc_elbo;
      s->iwae[i] = gb_vae_iwae (s->vae, x, mu, lv, s->K, &rng, &mc_elbo);
      s->elbo[i] = mc_elbo;
      s->log_px[i] = s->elbo_opt[i] = NAN;
      if (L == 2)
        {
          /* The ELBOs on the grid that gives log p(x): the two gaps are then measured alike (it agrees with a
           * 20 × 20 Gauss–Hermite rule to about 0.01 nats, and costs no decoding). */
          g_autoptr (GbPosteriorGrid) g = gb_posterior_grid_fitted (s->vae, s->dec, x, mu, lv, SUMMARY_GRID, NULL);
          if (g != NULL)
            {
              float m[2] = { mu[0], mu[1] }, l[2] = { lv[0], lv[1] };
              s->elbo[i] = gb_posterior_grid_elbo (g, mu, lv, NULL);
              s->log_px[i] = g->log_px;
              s->elbo_opt[i] = gb_posterior_grid_optimise_q (g, m, l, SUMMARY_OPT_STEPS, NULL, NULL);
            }
        }
      int done = g_atomic_int_add (&s->done, 1) + 1;
      if (s->progress != NULL && part == 1)
        *s->progress = (double) done / s->n;
    }
}

static double
mean_of (const double *v, int n)
{
  double m = 0.0;
  for (int i = 0; i < n; i++)
    m += v[i];
  return m / MAX (n, 1);
}

gboolean
gb_vae_inference_summary (const GbVae *vae, const guint8 *pixels, int n, int K, guint64 seed,
                          GbInferenceSummary *out, double *progress, GCancellable *cancellable, GError **error)
{
  if (n < 1 || K < 1 || K > 1000000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("%d images with %d samples each: both must be at least 1 (and the samples at most 1 000 000)"), n,
                   K);
      return FALSE;
    }
  int L = vae->config.n_latent;
  g_autofree float *mu = g_new (float, (gsize) n * L), *lv = g_new (float, (gsize) n * L);
  gb_vae_encode_u8 (vae, pixels, mu, lv, n);
  g_autoptr (GbManifoldDecoder) dec = gb_manifold_decoder_new (vae);
  g_autofree double *buf = g_new (double, (gsize) 4 * n);
  Summary s = { vae, dec, pixels, mu, lv, K, seed, buf, buf + n, buf + 2 * n, buf + 3 * n, 0, n, progress, cancellable,
                FALSE };
  gb_parallel_halves (TRUE, n / 2, n, summary_range_cb, &s);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  out->n = n, out->K = K;
  out->elbo = mean_of (s.elbo, n);
  out->iwae = mean_of (s.iwae, n);
  out->log_px = mean_of (s.log_px, n);
  out->elbo_opt = mean_of (s.elbo_opt, n);
  if (progress != NULL)
    *progress = 1.0;
  return TRUE;
}
