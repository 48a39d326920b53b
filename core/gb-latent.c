/* gb-latent.c — manifold grids, interpolation and prior samples. */
#include "gb-latent.h"

#include <math.h>

#include "gb-error.h"

GbManifold *
gb_manifold_new (const GbVae *vae, int n, GbManifoldMode mode, double x0, double x1, double y0,
                 double y1, int rows, int cols, GError **error)
{
  if (n < GB_MANIFOLD_MIN || n > GB_MANIFOLD_MAX)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   "manifold size %d is outside %d…%d", n, GB_MANIFOLD_MIN, GB_MANIFOLD_MAX);
      return NULL;
    }
  if (vae->config.n_latent != 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "the manifold needs a 2-d latent space, the model has %d",
                   vae->config.n_latent);
      return NULL;
    }
  if (rows * cols != vae->config.n_input)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "images of %d × %d pixels, but the model decodes %d",
                   rows, cols, vae->config.n_input);
      return NULL;
    }
  if (mode == GB_MANIFOLD_REGION && !(x1 > x0 && y1 > y0 && isfinite (x1 - x0) && isfinite (y1 - y0)))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "the manifold's region is empty");
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
  g_autofree float *z = g_new (float, (gsize) n * n * 2);
  for (int j = 0; j < n; j++)
    for (int i = 0; i < n; i++)
      {
        z[(j * n + i) * 2] = m->ax[i];
        z[(j * n + i) * 2 + 1] = m->ay[j];
      }
  m->images = g_new (float, (gsize) n * n * vae->config.n_input);
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
gb_latent_interpolate (const GbVae *vae, const double a[2], const double b[2], int K, float *z,
                       float *out)
{
  g_return_if_fail (K >= 2 && vae->config.n_latent == 2);
  for (int k = 0; k < K; k++)
    {
      double t = (double) k / (K - 1);
      z[2 * k] = (float) (a[0] + t * (b[0] - a[0]));
      z[2 * k + 1] = (float) (a[1] + t * (b[1] - a[1]));
    }
  gb_vae_decode (vae, z, out, K);
}

void
gb_latent_sample_prior (const GbVae *vae, GbRng *rng, int n, float *z, float *out)
{
  g_return_if_fail (n >= 1 && vae->config.n_latent == 2);
  gb_rng_fill_normal (rng, z, (gsize) n * 2);
  gb_vae_decode (vae, z, out, n);
}
