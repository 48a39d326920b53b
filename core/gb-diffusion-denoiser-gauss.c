/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser-gauss.c — the Gaussian an image denoiser builds on: fitted to the
 * data, and its exact predictor (gb-diffusion-denoiser.h). */
#include "gb-diffusion-denoiser.h"
#include <glib/gi18n.h>
#include "gb-diffusion-denoiser-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-packed.h"
#include "gb-parallel.h"
#include "gb-safetensors.h"

/* LAPACK (OpenBLAS carries it; Debian ships no header for it): the
 * eigenvalues (ascending) and eigenvectors of a symmetric matrix. */
extern void dsyevd_ (const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                     double *work, const int *lwork, int *iwork, const int *liwork, int *info);

gboolean
gb_denoiser_fit_gaussian (GbDenoiser *net, const float *x, gsize n, GError **error)
{
  int d = net->d;
  if (n < 2)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("a Gaussian needs at least two data points"));
      return FALSE;
    }
  g_autofree double *mean = g_new0 (double, d), *cov = g_new0 (double, (gsize) d * d);
  for (gsize i = 0; i < n; i++)
    for (int k = 0; k < d; k++)
      mean[k] += x[i * d + k];
  for (int k = 0; k < d; k++)
    mean[k] /= (double) n;
  /* Σ = Σ_i (x_i − μ)(x_i − μ)ᵀ / (n − 1), in blocks of centred rows. */
  const gsize block = 2048;
  g_autofree double *c = g_new (double, block * d);
  for (gsize i0 = 0; i0 < n; i0 += block)
    {
      gsize m = MIN (block, n - i0);
      for (gsize i = 0; i < m; i++)
        for (int k = 0; k < d; k++)
          c[i * d + k] = x[(i0 + i) * d + k] - mean[k];
      cblas_dsyrk (CblasRowMajor, CblasUpper, CblasTrans, d, (int) m, 1.0 / (double) (n - 1), c, d, 1.0, cov, d);
    }
  for (gsize k = 0; k < (gsize) d * d; k++)
    if (!isfinite (cov[k]))
      {
        g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("the data hold values that are not finite"));
        return FALSE;
      }
  /* Row-major upper = column-major lower; the eigenvectors come back one per
   * column in column-major order, i.e. one per row here. */
  g_autofree double *w = g_new (double, d);
  int info = 0, lwork = -1, liwork = -1, iwq = 0;
  double wq = 0;
  dsyevd_ ("V", "L", &d, cov, &d, w, &wq, &lwork, &iwq, &liwork, &info);
  lwork = (int) wq, liwork = iwq;
  g_autofree double *work = g_new (double, MAX (lwork, 1));
  g_autofree int *iwork = g_new (int, MAX (liwork, 1));
  if (info == 0)
    dsyevd_ ("V", "L", &d, cov, &d, w, work, &lwork, iwork, &liwork, &info);
  if (info != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("the data's covariance has no eigendecomposition (%d)"),
                   info);
      return FALSE;
    }
  g_free (net->g_mean), g_free (net->g_vecs), g_free (net->g_vals);
  net->g_mean = g_new (float, d);
  net->g_vecs = g_new (float, (gsize) d * d);
  net->g_vals = g_new (float, d);
  for (int k = 0; k < d; k++)
    net->g_mean[k] = (float) mean[k], net->g_vals[k] = (float) MAX (w[k], 0.0);
  for (gsize k = 0; k < (gsize) d * d; k++)
    net->g_vecs[k] = (float) cov[k];
  gb_denoiser_changed (net);
  return TRUE;
}

/* At t, per direction k of the fitted Gaussian: the exact predictor's gain
 * σ / (ᾱ λ_k + σ²) and the whitening 1 / √(ᾱ λ_k + σ²) of x_t's coordinate. */
void
gb_denoiser_gauss_coeffs (const GbDenoiser *net, int t, float *gain, float *whiten)
{
  double abar = net->schedule->alpha_bar[t], var = 1.0 - abar, sd = sqrt (var);
  for (int k = 0; k < net->d; k++)
    {
      double v = abar * net->g_vals[k] + var;
      gain[k] = (float) (sd / v), whiten[k] = (float) (1.0 / sqrt (v));
    }
}

/* xc (n, d) = x_t − √ᾱ_t μ, each row at its own t (ts) or all at t. */
void
gb_denoiser_gauss_centre (const GbDenoiser *net, const float *xt, int n, int t, const int *ts, float *xc)
{
  int d = net->d;
  for (int i = 0; i < n; i++)
    {
      float a = (float) sqrt (net->schedule->alpha_bar[ts ? ts[i] : t]);
      for (int k = 0; k < d; k++)
        xc[(gsize) i * d + k] = xt[(gsize) i * d + k] - a * net->g_mean[k];
    }
}

