/* gb-denoiser.c — the MLP ε-predictor, its training and its file. */
#include "gb-denoiser.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-packed.h"
#include "gb-parallel.h"
#include "gb-safetensors.h"

#define E GB_DENOISER_EMBED
#define ARCH "time-in-every-layer"
#define ARCH_GAUSS "gaussian+whitened-mlp"

static void
wire (GbDenoiser *net)
{
  int d = net->d, H = net->hidden;
  float *p = net->params;
  net->w1 = p, p += (gsize) H * d;
  net->b1 = p, p += H;
  net->v1 = p, p += (gsize) H * E;
  net->w2 = p, p += (gsize) H * H;
  net->b2 = p, p += H;
  net->v2 = p, p += (gsize) H * E;
  net->w3 = p, p += (gsize) d * H;
  net->b3 = p, p += d;
  g_assert ((gsize) (p - net->params) == net->n_params);
}

static gsize
base_params (int d, int hidden)
{
  return (gsize) hidden * d + hidden + (gsize) hidden * E + (gsize) hidden * hidden + hidden + (gsize) hidden * E
         + (gsize) d * hidden + d;
}

static GbDenoiser *
alloc_net (int d, int hidden, GbScheduleKind schedule, int T, GError **error)
{
  if (d < 1 || d > 4096 || hidden < 1 || hidden > 4096)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   "a denoiser of dimension %d and width %d is outside 1…4096", d, hidden);
      return NULL;
    }
  GbSchedule *s = gb_schedule_new (schedule, T, error);
  if (s == NULL)
    return NULL;
  GbDenoiser *net = g_new0 (GbDenoiser, 1);
  net->d = d;
  net->hidden = hidden;
  net->schedule = s;
  net->n_params = base_params (d, hidden);
  net->params = g_new0 (float, net->n_params);
  net->guidance = 1.0f;
  wire (net);
  return net;
}

GbDenoiser *
gb_denoiser_new_mlp (int d, int hidden, GbScheduleKind schedule, int T, guint64 seed, GError **error)
{
  GbDenoiser *net = alloc_net (d, hidden, schedule, T, error);
  if (net == NULL)
    return NULL;
  GbRng rng;
  gb_rng_init (&rng, seed);
  g_autofree float *scratch = g_new (float, hidden);
  gb_linear_init (net->w1, net->b1, d, hidden, &rng);
  gb_linear_init (net->v1, scratch, E, hidden, &rng);
  gb_linear_init (net->w2, net->b2, hidden, hidden, &rng);
  gb_linear_init (net->v2, scratch, E, hidden, &rng);
  gb_linear_init (net->w3, net->b3, hidden, d, &rng);
  return net;
}

/* A denoiser around the U-Net u (taken). */
static GbDenoiser *
wrap_unet (GbUnet *u, GbScheduleKind schedule, int T, GError **error)
{
  GbSchedule *s = gb_schedule_new (schedule, T, error);
  if (s == NULL)
    {
      gb_unet_free (u);
      return NULL;
    }
  GbDenoiser *net = g_new0 (GbDenoiser, 1);
  net->d = u->side * u->side;
  net->hidden = u->C;
  net->schedule = s;
  net->unet = u;
  net->params = u->params;
  net->n_params = u->n_params;
  net->guidance = 1.0f;
  return net;
}

GbDenoiser *
gb_denoiser_new_unet (int side, int width, int classes, GbScheduleKind schedule, int T, guint64 seed, GError **error)
{
  GbUnet *u = gb_unet_new (side, width, classes, seed, error);
  return u ? wrap_unet (u, schedule, T, error) : NULL;
}

GbDenoiser *
gb_denoiser_copy (const GbDenoiser *net)
{
  GbDenoiser *c = net->unet ? wrap_unet (gb_unet_copy (net->unet), net->schedule->kind, net->schedule->T, NULL)
                               : alloc_net (net->d, net->hidden, net->schedule->kind, net->schedule->T, NULL);
  if (net->unet == NULL)
    memcpy (c->params, net->params, net->n_params * sizeof (float));
  if (net->g_mean != NULL)
    {
      gsize d = (gsize) net->d;
      c->g_mean = g_memdup2 (net->g_mean, d * sizeof (float));
      c->g_vecs = g_memdup2 (net->g_vecs, d * d * sizeof (float));
      c->g_vals = g_memdup2 (net->g_vals, d * sizeof (float));
    }
  c->data = g_strdup (net->data);
  c->guidance = net->guidance;
  return c;
}

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
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "a Gaussian needs at least two data points");
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
        g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "the data hold values that are not finite");
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
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "the data's covariance has no eigendecomposition (%d)",
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
static void
gauss_coeffs (const GbDenoiser *net, int t, float *gain, float *whiten)
{
  double abar = net->schedule->alpha_bar[t], var = 1.0 - abar, sd = sqrt (var);
  for (int k = 0; k < net->d; k++)
    {
      double v = abar * net->g_vals[k] + var;
      gain[k] = (float) (sd / v), whiten[k] = (float) (1.0 / sqrt (v));
    }
}

/* xc (n, d) = x_t − √ᾱ_t μ, each row at its own t (ts) or all at t. */
static void
gauss_centre (const GbDenoiser *net, const float *xt, int n, int t, const int *ts, float *xc)
{
  int d = net->d;
  for (int i = 0; i < n; i++)
    {
      float a = (float) sqrt (net->schedule->alpha_bar[ts ? ts[i] : t]);
      for (int k = 0; k < d; k++)
        xc[(gsize) i * d + k] = xt[(gsize) i * d + k] - a * net->g_mean[k];
    }
}

/* --- the weights packed for sampling --- */

typedef struct {
  guint version;
  GbPacked *w1, *w2, *w3;
  GbPacked *vt, *v;   /* with a fitted Gaussian: c = xc Vᵀ and ε̂ = r V */
  GbUnetPacks *unet;  /* a U-Net's convolutions */
} Packs;

static void
packs_clear (gpointer data)
{
  Packs *pk = data;
  gb_packed_free (pk->w1), gb_packed_free (pk->w2), gb_packed_free (pk->w3);
  gb_packed_free (pk->vt), gb_packed_free (pk->v);
  gb_unet_packs_free (pk->unet);
}

static void
packs_unref (Packs *pk)
{
  if (pk != NULL)
    g_atomic_rc_box_release_full (pk, packs_clear);
}

/* The net's packed weights (a reference), packed now if they are missing or
 * older than the weights; NULL where the CPU has no kernel for them. */
static Packs *
packs_get (const GbDenoiser *cnet)
{
  if (!gb_packed_supported ())
    return NULL;
  GbDenoiser *net = (GbDenoiser *) cnet;   /* the cache only */
  g_mutex_lock (&net->pack_lock);
  Packs *pk = net->packs;
  guint version = (guint) g_atomic_int_get (&net->version);
  if (pk == NULL || pk->version != version)
    {
      packs_unref (pk);
      int d = net->d, H = net->hidden;
      pk = g_atomic_rc_box_new0 (Packs);
      pk->version = version;
      if (net->unet != NULL)
        pk->unet = gb_unet_packs_new (net->unet);
      else
        {
          pk->w1 = gb_packed_new (net->w1, H, d, FALSE);
          pk->w2 = gb_packed_new (net->w2, H, H, FALSE);
          pk->w3 = gb_packed_new (net->w3, d, H, FALSE);
        }
      if (net->g_vecs != NULL)
        {
          pk->vt = gb_packed_new (net->g_vecs, d, d, FALSE);
          pk->v = gb_packed_new (net->g_vecs, d, d, TRUE);
        }
      net->packs = pk;
    }
  g_atomic_rc_box_acquire (pk);
  g_mutex_unlock (&net->pack_lock);
  return pk;
}

double
gb_denoiser_default_guidance (const GbDenoiser *net)
{
  if (net->unet != NULL && net->unet->classes > 0)
    return GB_CFG_GUIDANCE;
  return net->g_mean == NULL ? 1.0 : net->unet != NULL ? GB_UNET_GUIDANCE : GB_DENOISER_GUIDANCE;
}

gboolean
gb_denoiser_set_guidance (GbDenoiser *net, double w, GError **error)
{
  g_return_val_if_fail (net != NULL, FALSE);
  if (!(w >= 0.0 && w <= 10.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "guidance %g is outside 0…10", w);
      return FALSE;
    }
  if (w != 1.0 && net->g_mean == NULL && (net->unet == NULL || net->unet->classes == 0))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                           "guidance needs a model with a fitted Gaussian or classes (an image model); this one has neither");
      return FALSE;
    }
  net->guidance = (float) w;
  return TRUE;
}

void
gb_denoiser_changed (GbDenoiser *net)
{
  g_atomic_int_inc (&net->version);
}

void
gb_denoiser_free (GbDenoiser *net)
{
  if (net == NULL)
    return;
  packs_unref (net->packs);
  g_mutex_clear (&net->pack_lock);
  g_free (net->g_mean), g_free (net->g_vecs), g_free (net->g_vals);
  gb_schedule_free (net->schedule);
  g_free (net->data);
  if (net->unet != NULL)
    gb_unet_free (net->unet);
  else
    g_free (net->params);
  g_free (net);
}

/* Per-thread scratch for the predictor, kept between calls: a sampler calls
 * it a thousand times, and fresh megabytes each time cost page faults. */
typedef struct {
  float *buf;
  gsize size;
} Scratch;

static void
scratch_free (gpointer p)
{
  Scratch *s = p;
  g_aligned_free (s->buf);
  g_free (s);
}

static GPrivate scratch_key = G_PRIVATE_INIT (scratch_free);

static float *
scratch_get (gsize n)
{
  Scratch *s = g_private_get (&scratch_key);
  if (s == NULL)
    {
      s = g_new0 (Scratch, 1);
      g_private_set (&scratch_key, s);
    }
  if (s->size < n)
    {
      /* On a cache line, as the packed kernel's rows of output are. */
      g_aligned_free (s->buf);
      s->buf = g_aligned_alloc (n, sizeof (float), 64);
      s->size = n;
    }
  return s->buf;
}

/* The embedding's share of hidden units j0…j1 − 1, V e(t) + b, once for a whole batch. */
static void
time_biases_range (const GbDenoiser *net, int t, float *c1, float *c2, int j0, int j1)
{
  float emb[E];
  gb_time_embedding (t, E, emb);
  for (int j = j0; j < j1; j++)
    {
      const float *v1 = net->v1 + (gsize) j * E, *v2 = net->v2 + (gsize) j * E;
      float s1 = net->b1[j], s2 = net->b2[j];
      for (int k = 0; k < E; k++)
        s1 += v1[k] * emb[k], s2 += v2[k] * emb[k];
      c1[j] = s1, c2[j] = s2;
    }
}

static void
time_biases (const GbDenoiser *net, int t, float *c1, float *c2)
{
  time_biases_range (net, t, c1, c2, 0, net->hidden);
}

static gsize
mlp_scratch (int n, int d, int H)
{
  return (gsize) H * (2 + (d <= 8 ? d : 0)) + (gsize) 2 * MAX (n, 64) * H;   /* 64: mlp_packed's chunk */
}

/* The MLP through the packed weights, 64 rows at a time so that a chunk's
 * h₁ and h₂ stay in the core's cache between layers. */
static void
mlp_packed (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, const Packs *pk, float *c)
{
  enum { CHUNK = 64 };
  int H = net->hidden;
  float *c2 = c + H, *h1 = c2 + H, *h2 = h1 + (gsize) CHUNK * H;
  time_biases (net, t, c, c2);
  for (int i = 0; i < n; i += CHUNK)
    {
      int m = MIN (CHUNK, n - i);
      gb_packed_apply (pk->w1, xt + (gsize) i * d, d, m, c, GB_ACT_SILU, h1, H, 0, H);
      gb_packed_apply (pk->w2, h1, H, m, c2, GB_ACT_SILU, h2, H, 0, H);
      gb_packed_apply (pk->w3, h2, H, m, net->b3, GB_ACT_NONE, eps + (gsize) i * d, d, 0, d);
    }
}

/* The MLP alone through CBLAS: out (n, d) from in (n, d), with mlp_scratch () floats at c. */
static void
mlp_rows (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, float *c)
{
  int H = net->hidden;
  int dx = d <= 8 ? d : 0;   /* W₁ transposed, for narrow data */
  float *c2 = c + H, *wx = c2 + H, *h1 = wx + (gsize) dx * H, *h2 = h1 + (gsize) n * H;
  time_biases (net, t, c, c2);
  for (int j = 0; j < H; j++)
    for (int k = 0; k < dx; k++)
      wx[(gsize) k * H + j] = net->w1[(gsize) j * d + k];
  if (dx > 0)
    for (int i = 0; i < n; i++)
      {
        const float *x = xt + (gsize) i * d;
        float *restrict h = h1 + (gsize) i * H;
        memcpy (h, c, (gsize) H * sizeof (float));
        for (int k = 0; k < d; k++)
          {
            const float xk = x[k], *restrict w = wx + (gsize) k * H;
            for (int j = 0; j < H; j++)
              h[j] += xk * w[j];
          }
      }
  else
    gb_linear_forward (h1, xt, net->w1, c, n, d, H, GB_ACT_NONE);
  gb_act_forward (GB_ACT_SILU, h1, h1, (gsize) n * H);
  gb_linear_forward (h2, h1, net->w2, c2, n, H, H, GB_ACT_SILU);
  gb_linear_forward (eps, h2, net->w3, net->b3, n, H, d, GB_ACT_NONE);
}

/* y[:, j0:j1] = act (x Wᵀ + bias) for x (n, k), y's rows ldy apart, W (n_out, k)
 * row-major — or, with wt, W given as (k, n_out) and y = x W — through the
 * packed weights p when there are some, else CBLAS. bias may be NULL; act
 * is GB_ACT_NONE or GB_ACT_SILU. */
static void
dense (const GbPacked *p, const float *w, gboolean wt, int n_out, const float *x, int n, int k, const float *bias,
       GbAct act, float *y, int ldy, int j0, int j1)
{
  if (p != NULL)
    {
      gb_packed_apply (p, x, k, n, bias, act, y, ldy, j0, j1);
      return;
    }
  int cols = j1 - j0;
  for (int i = 0; i < n; i++)
    if (bias != NULL)
      memcpy (y + (gsize) i * ldy + j0, bias + j0, (gsize) cols * sizeof (float));
  if (wt)
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, cols, k, 1.0f, x, k, w + j0, n_out,
                 bias ? 1.0f : 0.0f, y + j0, ldy);
  else
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, cols, k, 1.0f, x, k, w + (gsize) j0 * k, k,
                 bias ? 1.0f : 0.0f, y + j0, ldy);
  if (act != GB_ACT_NONE)
    for (int i = 0; i < n; i++)
      gb_act_forward (act, y + (gsize) i * ldy + j0, y + (gsize) i * ldy + j0, (gsize) cols);
}

/* With a fitted Gaussian (gb-denoiser.h): c = (x_t − √ᾱ μ) Vᵀ, the MLP reads
 * c whitened and answers in the same coordinates, ε̂ = (w MLP + gain ⊙ c) V
 * (w, the guidance, is 1 unless asked otherwise). */
static void
eps_rows (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, const Packs *pk, float w)
{
  if (net->g_mean == NULL || t < 1)
    {
      float *c = scratch_get (mlp_scratch (n, d, net->hidden));
      if (pk != NULL)
        mlp_packed (eps, xt, n, d, t, net, pk, c);
      else
        mlp_rows (eps, xt, n, d, t, net, c);
      return;
    }
  gsize nd = (gsize) n * d;
  float *buf = scratch_get (3 * nd + 2 * (gsize) d + mlp_scratch (n, d, net->hidden)), *u = buf, *c = u + nd,
        *r = c + nd, *gain = r + nd, *whiten = gain + d;
  gauss_coeffs (net, t, gain, whiten);
  gauss_centre (net, xt, n, t, NULL, u);
  dense (pk ? pk->vt : NULL, net->g_vecs, FALSE, d, u, n, d, NULL, GB_ACT_NONE, c, d, 0, d);
  for (int i = 0; i < n; i++)
    for (int k = 0; k < d; k++)
      u[(gsize) i * d + k] = c[(gsize) i * d + k] * whiten[k];
  if (pk != NULL)
    mlp_packed (r, u, n, d, t, net, pk, whiten + d);
  else
    mlp_rows (r, u, n, d, t, net, whiten + d);
  for (int i = 0; i < n; i++)
    for (int k = 0; k < d; k++)
      r[(gsize) i * d + k] = w * r[(gsize) i * d + k] + gain[k] * c[(gsize) i * d + k];
  dense (pk ? pk->v : NULL, net->g_vecs, TRUE, d, r, n, d, NULL, GB_ACT_NONE, eps, d, 0, d);
}

typedef struct {
  float *eps;
  const float *xt;
  int n, d, t;
  const GbDenoiser *net;
  const Packs *pk;
  float w;
} Half;

static void
half_cb (gpointer data)
{
  Half *h = data;
  eps_rows (h->eps, h->xt, h->n, h->d, h->t, h->net, h->pk, h->w);
}

/* Small batches of a large model (a few images): each product's outputs split
 * in two column ranges, one per core, in phases that each need the previous
 * one whole: [the Gaussian coordinates,] h₁, h₂, the output[, back to pixels]. */
typedef struct {
  const GbDenoiser *net;
  const Packs *pk;          /* or NULL: CBLAS */
  const float *in;          /* the MLP's input: x_t, or the whitened coordinates u */
  float *out;               /* the MLP's output: ε̂, or r */
  float *eps, *h1, *h2, *xc, *c, *gain, *whiten;
  float *c1, *c2;
  float *u;                 /* the whitened coordinates */
  int n, t, phase;
  float w;                  /* the guidance */
} ColJob;

typedef struct {
  ColJob *job;
  int part;
} ColPart;

enum { PHASE_COORDS, PHASE_H1, PHASE_H2, PHASE_OUT, PHASE_PIXELS };

static void
col_part_cb (gpointer data)
{
  ColPart *p = data;
  ColJob *j = p->job;
  const GbDenoiser *net = j->net;
  int H = net->hidden, d = net->d, n = j->n;
  const Packs *pk = j->pk;
  int h0, h1, d0, d1;
  if (pk != NULL)   /* split at panel boundaries */
    gb_packed_split (pk->w2, p->part, &h0, &h1), gb_packed_split (pk->w3, p->part, &d0, &d1);
  else
    h0 = p->part ? H / 2 : 0, h1 = p->part ? H : H / 2, d0 = p->part ? d / 2 : 0, d1 = p->part ? d : d / 2;
  switch (j->phase)
    {
    case PHASE_COORDS:   /* c = (x_t − √ᾱ μ) Vᵀ and u = c ⊙ whiten, this part's columns */
      dense (pk ? pk->vt : NULL, net->g_vecs, FALSE, d, j->xc, n, d, NULL, GB_ACT_NONE, j->c, d, d0, d1);
      for (int i = 0; i < n; i++)
        for (int k = d0; k < d1; k++)
          j->u[(gsize) i * d + k] = j->c[(gsize) i * d + k] * j->whiten[k];
      break;
    case PHASE_H1:
      time_biases_range (net, j->t, j->c1, j->c2, h0, h1);
      dense (pk ? pk->w1 : NULL, net->w1, FALSE, H, j->in, n, d, j->c1, GB_ACT_SILU, j->h1, H, h0, h1);
      break;
    case PHASE_H2:
      dense (pk ? pk->w2 : NULL, net->w2, FALSE, H, j->h1, n, H, j->c2, GB_ACT_SILU, j->h2, H, h0, h1);
      break;
    case PHASE_OUT:
      dense (pk ? pk->w3 : NULL, net->w3, FALSE, d, j->h2, n, H, net->b3, GB_ACT_NONE, j->out, d, d0, d1);
      if (j->xc != NULL)   /* w r + gain ⊙ c */
        for (int i = 0; i < n; i++)
          for (int k = d0; k < d1; k++)
            j->out[(gsize) i * d + k] = j->w * j->out[(gsize) i * d + k] + j->gain[k] * j->c[(gsize) i * d + k];
      break;
    default:             /* ε̂ = (r + gain ⊙ c) V */
      dense (pk ? pk->v : NULL, net->g_vecs, TRUE, d, j->out, n, d, NULL, GB_ACT_NONE, j->eps, d, d0, d1);
      break;
    }
}

static void
eps_cols (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, const Packs *pk, float w)
{
  int H = net->hidden;
  gboolean gauss = net->g_mean != NULL && t > 0;
  gsize nd = (gsize) n * d;
  float *buf = scratch_get ((gsize) 2 * H + (gsize) 2 * n * H + (gauss ? 4 * nd + 2 * (gsize) d : 0));
  ColJob j = { .net = net, .pk = pk, .in = xt, .out = eps, .eps = eps, .h1 = buf + 2 * H, .h2 = buf + 2 * H + (gsize) n * H,
               .c1 = buf, .c2 = buf + H, .n = n, .t = t, .w = w };
  ColPart p0 = { &j, 0 }, p1 = { &j, 1 };
  if (gauss)
    {
      j.xc = buf + 2 * H + (gsize) 2 * n * H;
      j.c = j.xc + nd;
      j.out = j.c + nd;
      j.gain = j.out + nd;
      j.whiten = j.gain + d;
      j.u = j.whiten + d;
      gauss_coeffs (net, t, j.gain, j.whiten);
      gauss_centre (net, xt, n, t, NULL, j.xc);
      j.phase = PHASE_COORDS;
      gb_parallel_pair (col_part_cb, &p0, &p1);
      j.in = j.u;
    }
  for (j.phase = PHASE_H1; j.phase <= (gauss ? PHASE_PIXELS : PHASE_OUT); j.phase++)
    gb_parallel_pair (col_part_cb, &p0, &p1);
}

/* --- the U-Net's predictions --- */

typedef struct {
  float *eps;
  const float *xt;
  int n, t;
  const GbUnet *u;
  const GbUnetPacks *pk;
  const int *labels;
} UnetHalf;

static void
unet_half_cb (gpointer data)
{
  const UnetHalf *h = data;
  gb_unet_eps (h->u, h->pk, h->eps, h->xt, h->n, h->t, h->labels);
}

/* The net's ε̂ for n rows (classes: labels, or none), on both cores when split. */
static void
unet_raw (float *eps, const float *xt, int n, int t, const GbDenoiser *net, const GbUnetPacks *pk,
          const int *labels, gboolean split)
{
  int d = net->d;
  if (split && n >= 2)
    {
      int a = n / 2;
      UnetHalf h0 = { eps, xt, a, t, net->unet, pk, labels },
               h1 = { eps + (gsize) a * d, xt + (gsize) a * d, n - a, t, net->unet, pk, labels ? labels + a : NULL };
      gb_parallel_pair (unet_half_cb, &h0, &h1);
    }
  else
    gb_unet_eps (net->unet, pk, eps, xt, n, t, labels);
}

/* ε̂ of a U-Net. A class-conditional one given each row's class (labels)
 * takes classifier-free guidance at w: ε̂_w = ε̂ (x) + w (ε̂ (x, c) − ε̂ (x));
 * without labels it answers without a class. An unconditional one is
 * guided by the fitted Gaussian: ε̂_w = ε̂_G + w (ε̂ − ε̂_G),
 * ε̂_G = (gain ⊙ (x_t − √ᾱ μ) Vᵀ) V. */
static void
unet_eps (float *eps, const float *xt, int n, int t, const GbDenoiser *net, float w, gboolean split,
          const int *labels)
{
  int d = net->d, K = net->unet->classes;
  if (n <= 0)
    return;
  Packs *packs = packs_get (net);
  const GbUnetPacks *pk = packs ? packs->unet : NULL;
  if (K > 0)
    {
      unet_raw (eps, xt, n, t, net, pk, labels, split);
      if (labels != NULL && w != 1.0f)
        {
          gsize nd = (gsize) n * d;
          g_autofree float *none = g_new (float, nd);
          unet_raw (none, xt, n, t, net, pk, NULL, split);
          for (gsize i = 0; i < nd; i++)
            eps[i] = none[i] + w * (eps[i] - none[i]);
        }
      packs_unref (packs);
      return;
    }
  unet_raw (eps, xt, n, t, net, pk, NULL, split);
  packs_unref (packs);
  if (net->g_mean == NULL || w == 1.0f || t < 1)
    return;
  gsize nd = (gsize) n * d;
  g_autofree float *buf = g_new (float, 2 * nd + 2 * (gsize) d);
  float *xc = buf, *c = xc + nd, *gain = c + nd, *whiten = gain + d;
  gauss_coeffs (net, t, gain, whiten);
  gauss_centre (net, xt, n, t, NULL, xc);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, d, d, 1.0f, xc, d, net->g_vecs, d, 0.0f, c, d);
  for (gsize i = 0; i < nd; i++)
    c[i] *= gain[i % d];
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, d, 1.0f, c, d, net->g_vecs, d, 0.0f, xc, d);
  for (gsize i = 0; i < nd; i++)
    eps[i] = xc[i] + w * (eps[i] - xc[i]);
}

void
gb_denoiser_eps_guided (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w)
{
  g_return_if_fail (d == net->d);
  if (net->unet != NULL)
    {
      /* A sampled batch takes the classes in turn. Split when the kernels
       * are gb-packed's (single-threaded) or OpenBLAS runs one thread. */
      int K = net->unet->classes;
      g_autofree int *lab = K > 0 ? g_new (int, (gsize) (guint) MAX (n, 1)) : NULL;
      for (int i = 0; lab != NULL && i < n; i++)
        lab[i] = i % K;
      unet_eps (eps, xt, n, t, net, (float) w, gb_packed_supported () || gb_blas_get_threads () == 1, lab);
      return;
    }
  Packs *pk = packs_get (net);
  if (n < 256 && net->hidden >= 256 && d >= 64)
    eps_cols (eps, xt, n, d, t, net, pk, (float) w);
  else if (n < 256)
    eps_rows (eps, xt, n, d, t, net, pk, (float) w);
  else
    {
      /* Large batches: a half on each core. Fastest when OpenBLAS runs one
       * thread (its own threads spin at these sizes): the command line sets
       * that for the whole process with gb_blas_set_threads (1) before any
       * work; changing it here could race with products running on other
       * threads. */
      int a = n / 2;
      Half h0 = { eps, xt, a, d, t, net, pk, (float) w },
           h1 = { eps + (gsize) a * d, xt + (gsize) a * d, n - a, d, t, net, pk, (float) w };
      gb_parallel_pair (half_cb, &h0, &h1);
    }
  packs_unref (pk);
}

void
gb_denoiser_eps_class (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w,
                           const int *labels)
{
  g_return_if_fail (d == net->d);
  if (net->unet != NULL)
    {
      unet_eps (eps, xt, n, t, net, (float) w, FALSE, net->unet->classes > 0 ? labels : NULL);
      return;
    }
  gb_denoiser_eps_serial (eps, xt, n, d, t, net, w);
}

void
gb_denoiser_eps_serial (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w)
{
  g_return_if_fail (d == net->d);
  if (net->unet != NULL)
    {
      unet_eps (eps, xt, n, t, net, (float) w, FALSE, NULL);
      return;
    }
  Packs *pk = packs_get (net);
  eps_rows (eps, xt, n, d, t, net, pk, (float) w);
  packs_unref (pk);
}

void
gb_denoiser_eps (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  const GbDenoiser *net = data;
  gb_denoiser_eps_guided (eps, xt, n, d, t, net, net->guidance);
}

/* --- training --- */

GbDenoiserTrainer *
gb_denoiser_trainer_new (GbDenoiser *net, int batch, float lr, guint64 seed)
{
  GbDenoiserTrainer *tr = g_new0 (GbDenoiserTrainer, 1);
  tr->net = net;
  tr->adam = (GbAdam) GB_ADAM_DEFAULTS;
  tr->adam.lr = lr;
  tr->grad = g_new0 (float, net->n_params);
  tr->m = g_new0 (float, net->n_params);
  tr->v = g_new0 (float, net->n_params);
  gb_rng_init (&tr->rng, seed);
  tr->batch = batch;
  gsize B = (gsize) batch, H = (gsize) net->hidden, d = (gsize) net->d;
  tr->inp = g_new (float, B * d);
  tr->emb = g_new (float, B * E);
  tr->eps = g_new (float, B * d);
  tr->ts = g_new (int, B);
  int T = net->schedule->T;
  tr->emb_table = g_new (float, (gsize) (T + 1) * E);
  for (int t = 0; t <= T; t++)
    gb_time_embedding (t, E, tr->emb_table + (gsize) t * E);
  if (net->unet != NULL)
    {
      tr->grad2 = g_new0 (float, net->n_params);
      return tr;
    }
  tr->z1 = g_new (float, B * H);
  tr->h1 = g_new (float, B * H);
  tr->z2 = g_new (float, B * H);
  tr->h2 = g_new (float, B * H);
  tr->out = g_new (float, B * d);
  tr->dout = g_new (float, B * d);
  tr->dh2 = g_new (float, B * H);
  tr->dz2 = g_new (float, B * H);
  tr->dh1 = g_new (float, B * H);
  tr->dz1 = g_new (float, B * H);
  return tr;
}

void
gb_denoiser_trainer_free (GbDenoiserTrainer *tr)
{
  if (tr == NULL)
    return;
  float *bufs[] = { tr->grad, tr->m, tr->v, tr->inp, tr->emb, tr->z1, tr->h1, tr->z2, tr->h2, tr->out, tr->eps,
                    tr->dout, tr->dh2, tr->dz2, tr->dh1, tr->dz1, tr->ema, tr->u, tr->c,
                    tr->epsv, tr->gain, tr->grad2, tr->prev, tr->ema_prev, tr->emb_table };
  g_free (tr->ts);
  g_free (tr->labels);
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    g_free (bufs[i]);
  g_free (tr);
}

/* --- the training step's products, split across the two cores ---
 *
 * With OpenBLAS on one thread (the command line sets that), each product's
 * output columns are cut in two and one half runs on the helper core: its
 * own threads measured a sixth of a step yielding to each other. The cut
 * does not depend on the number of cores, so neither do the weights. */

/* C (m, n) = op (A) op (B) + beta C, on both cores when split is set. */
static void
train_gemm (gboolean split, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float *a, int lda,
            const float *b, int ldb, float beta, float *c, int ldc)
{
  gb_sgemm_pair (split, ta == CblasTrans, tb == CblasTrans, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

/* out (B, n_out) = in Wᵀ + b, as gb_linear_forward without the activation. */
static void
train_linear_forward (gboolean split, float *out, const float *in, const float *w, const float *b, int B, int n_in,
                      int n_out)
{
  for (int r = 0; r < B; r++)
    memcpy (out + (gsize) r * n_out, b, (gsize) n_out * sizeof (float));
  train_gemm (split, CblasNoTrans, CblasTrans, B, n_out, n_in, in, n_in, w, n_in, 1.0f, out, n_out);
}

/* gb_linear_backward's products (dw and db overwritten, din too when given). */
static void
train_linear_backward (gboolean split, float *din, float *dw, float *db, const float *dout, const float *in,
                       const float *w, int B, int n_in, int n_out)
{
  train_gemm (split, CblasTrans, CblasNoTrans, n_out, n_in, B, dout, n_out, in, n_in, 0.0f, dw, n_in);
  if (db != NULL)
    {
      memset (db, 0, (gsize) n_out * sizeof (float));
      gb_column_sums (db, dout, B, n_out);
    }
  if (din != NULL)
    train_gemm (split, CblasNoTrans, CblasNoTrans, B, n_in, n_out, dout, n_out, w, n_in, 0.0f, din, n_in);
}

/* The element-wise stages of a step on the rows r0…r1 − 1 of the batch,
 * two halves at a time. */
typedef struct {
  GbDenoiserTrainer *tr;
  const float *x0;
  guint64 seed;
  int stage, half, r0, r1;   /* half: the noise stream of the seed */
} RowsPart;

enum { STAGE_NOISE, STAGE_WHITEN, STAGE_SILU1, STAGE_SILU2, STAGE_DSILU2, STAGE_DSILU1 };

static void
rows_part_cb (gpointer data)
{
  const RowsPart *p = data;
  GbDenoiserTrainer *tr = p->tr;
  const GbDenoiser *net = tr->net;
  const GbSchedule *s = net->schedule;
  int d = net->d, H = net->hidden, r0 = p->r0, n = p->r1 - p->r0;
  gsize oh = (gsize) r0 * H, nh = (gsize) n * H;
  switch (p->stage)
    {
    case STAGE_NOISE:   /* x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, e(t) beside it, and x_t − √ᾱ_t μ */
      {
        GbRng rng;
        gb_rng_init_stream (&rng, p->seed, (guint64) p->half);
        gb_rng_fill_normal_fast (&rng, tr->eps + (gsize) r0 * d, (gsize) n * d);
        for (int i = r0; i < p->r1; i++)
          {
            int t = tr->ts[i];
            float a = (float) sqrt (s->alpha_bar[t]), b = (float) sqrt (1.0 - s->alpha_bar[t]);
            float *row = tr->inp + (gsize) i * d;
            const float *x = p->x0 + (gsize) i * d, *e = tr->eps + (gsize) i * d;
            for (int k = 0; k < d; k++)
              row[k] = a * x[k] + b * e[k];
            memcpy (tr->emb + (gsize) i * E, tr->emb_table + (gsize) t * E, E * sizeof (float));
          }
        if (net->g_mean != NULL && net->unet == NULL)
          gauss_centre (net, tr->inp + (gsize) r0 * d, n, 0, tr->ts + r0, tr->u + (gsize) r0 * d);
        break;
      }
    case STAGE_WHITEN:  /* the gains, and u = c ⊙ whitening */
      for (int i = r0; i < p->r1; i++)
        {
          float *g = tr->gain + (gsize) i * d, *u = tr->u + (gsize) i * d;
          const float *c = tr->c + (gsize) i * d;
          gauss_coeffs (net, tr->ts[i], g, u);   /* u holds the whitening for a moment */
          for (int k = 0; k < d; k++)
            u[k] *= c[k];
        }
      break;
    case STAGE_SILU1:
      gb_act_forward (GB_ACT_SILU, tr->h1 + oh, tr->z1 + oh, nh);
      break;
    case STAGE_SILU2:
      gb_act_forward (GB_ACT_SILU, tr->h2 + oh, tr->z2 + oh, nh);
      break;
    case STAGE_DSILU2:
      memset (tr->dz2 + oh, 0, nh * sizeof (float));
      gb_act_backward (GB_ACT_SILU, tr->dz2 + oh, tr->dh2 + oh, tr->z2 + oh, tr->h2 + oh, nh);
      break;
    default:
      memset (tr->dz1 + oh, 0, nh * sizeof (float));
      gb_act_backward (GB_ACT_SILU, tr->dz1 + oh, tr->dh1 + oh, tr->z1 + oh, tr->h1 + oh, nh);
      break;
    }
}

/* A stage over the two halves of the batch: on both cores when split, and
 * with the same numbers either way. */
static void
train_rows (GbDenoiserTrainer *tr, gboolean split, int stage, const float *x0, guint64 seed)
{
  int mid = tr->batch / 2;
  RowsPart a = { tr, x0, seed, stage, 0, 0, mid }, b = { tr, x0, seed, stage, 1, mid, tr->batch };
  if (split)
    gb_parallel_pair (rows_part_cb, &a, &b);
  else
    rows_part_cb (&a), rows_part_cb (&b);
}

/* Adam, then the weights' average, on a range of the parameters. */
typedef struct {
  GbDenoiserTrainer *tr;
  gsize i0, i1;
  int step;
} AdamPart;

static void
adam_part_cb (gpointer data)
{
  const AdamPart *a = data;
  GbDenoiserTrainer *tr = a->tr;
  float decay = MIN (tr->ema_decay, (1.0f + a->step) / (10.0f + a->step)), keep = 1.0f - decay;
  /* In pieces that stay in cache, so the average reads the weights Adam just wrote from there. */
  const gsize piece = 16384;
  for (gsize i0 = a->i0; i0 < a->i1; i0 += piece)
    {
      gsize n = MIN (piece, a->i1 - i0);
      float *p = tr->net->params + i0;
      gb_adam_step_keep (&tr->adam, p, tr->grad + i0, tr->m + i0, tr->v + i0, tr->prev + i0, n, a->step);
      if (tr->ema != NULL)
        {
          float *restrict e = tr->ema + i0, *restrict ep = tr->ema_prev + i0;
          for (gsize i = 0; i < n; i++)
            {
              ep[i] = e[i];
              e[i] += keep * (p[i] - e[i]);
            }
        }
    }
}

/* Adam and the average over all the parameters, on both cores when split. */
static void
adam_all (GbDenoiserTrainer *tr, gboolean split)
{
  GbDenoiser *net = tr->net;
  int step = ++tr->step;
  if (tr->prev == NULL)
    tr->prev = g_new (float, net->n_params);
  if (tr->ema != NULL && tr->ema_prev == NULL)
    tr->ema_prev = g_new (float, net->n_params);
  gsize half = split ? net->n_params / 2 / 16 * 16 : net->n_params;
  AdamPart a0 = { tr, 0, half, step }, a1 = { tr, half, net->n_params, step };
  if (half < net->n_params)
    gb_parallel_pair (adam_part_cb, &a0, &a1);
  else
    adam_part_cb (&a0);
  gb_denoiser_changed (net);
}

typedef struct {
  GbDenoiserTrainer *tr;
  const GbUnetPacks *pk;
  float *grad;
  int r0, r1;
  double loss;
} UnetPart;

static void
unet_part_cb (gpointer data)
{
  UnetPart *p = data;
  GbDenoiserTrainer *tr = p->tr;
  gsize d = (gsize) tr->net->d;
  p->loss = gb_unet_gradient (tr->net->unet, p->pk, p->grad, tr->inp + p->r0 * d, tr->eps + p->r0 * d, tr->ts + p->r0,
                              tr->labels ? tr->labels + p->r0 : NULL, p->r1 - p->r0, 1.0f / ((float) tr->batch * d));
}

/* The U-Net's step: each core takes half the batch into a gradient of its
 * own (the cut does not depend on the number of cores), summed before Adam. */
static float
unet_train_step (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels)
{
  GbDenoiser *net = tr->net;
  int B = tr->batch, K = net->unet->classes;
  for (int i = 0; i < B; i++)
    tr->ts[i] = 1 + (int) gb_rng_below (&tr->rng, (guint32) net->schedule->T);
  if (K > 0)
    {
      /* Each image's class, dropped (“none”) one time in ten, so the net
       * learns ε̂ (x) beside ε̂ (x, c) for the guidance. */
      if (tr->labels == NULL)
        tr->labels = g_new (int, (gsize) (guint) MAX (tr->batch, 1));
      for (int i = 0; i < B; i++)
        {
          gboolean drop = labels == NULL || gb_rng_below (&tr->rng, 10) == 0;
          tr->labels[i] = drop ? K : MIN (labels[i], K);
        }
    }
  train_rows (tr, FALSE, STAGE_NOISE, x0, gb_rng_next (&tr->rng));
  /* the weights packed once a step, for both halves (they change every step) */
  GbUnetPacks *pk = gb_unet_packs_new_training (net->unet);
  UnetPart a = { tr, pk, tr->grad, 0, B / 2, 0 }, b = { tr, pk, tr->grad2, B / 2, B, 0 };
  if (B >= 2)
    gb_parallel_pair (unet_part_cb, &a, &b);
  else
    unet_part_cb (&a);
  gb_unet_packs_free (pk);
  double loss = (a.loss + b.loss) / ((double) B * net->d);
  if (!isfinite (loss))
    return (float) loss;   /* diverged: no update */
  if (B >= 2)
    for (gsize i = 0; i < net->n_params; i++)
      tr->grad[i] += tr->grad2[i];
  adam_all (tr, TRUE);
  return (float) loss;
}

float
gb_denoiser_train_step_labelled (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels)
{
  if (tr->net->unet != NULL)
    return unet_train_step (tr, x0, labels);
  return gb_denoiser_train_step (tr, x0);
}

/* A small MLP's forward and backward pass on the rows r0…r1 − 1 of the
 * batch, into a gradient of its own (the noise stage has run). */
typedef struct {
  RowsPart noise;        /* this half's noise stage, run first */
  float *grad;
  double loss;
} MlpPart;

static void
mlp_part_cb (gpointer data)
{
  MlpPart *p = data;
  rows_part_cb (&p->noise);
  GbDenoiserTrainer *tr = p->noise.tr;
  const GbDenoiser *net = tr->net;
  int d = net->d, H = net->hidden, r0 = p->noise.r0, n = p->noise.r1 - p->noise.r0;
  gsize od = (gsize) r0 * d, oh = (gsize) r0 * H, oe = (gsize) r0 * E, nd = (gsize) n * d, nh = (gsize) n * H;
  float *z1 = tr->z1 + oh, *h1 = tr->h1 + oh, *z2 = tr->z2 + oh, *h2 = tr->h2 + oh, *out = tr->out + od;
  float *dout = tr->dout + od, *dh2 = tr->dh2 + oh, *dz2 = tr->dz2 + oh, *dh1 = tr->dh1 + oh, *dz1 = tr->dz1 + oh;
  const float *in = tr->inp + od, *emb = tr->emb + oe, *eps = tr->eps + od;
  train_linear_forward (FALSE, z1, in, net->w1, net->b1, n, d, H);
  train_gemm (FALSE, CblasNoTrans, CblasTrans, n, H, E, emb, E, net->v1, E, 1.0f, z1, H);
  gb_act_forward (GB_ACT_SILU, h1, z1, nh);
  train_linear_forward (FALSE, z2, h1, net->w2, net->b2, n, H, H);
  train_gemm (FALSE, CblasNoTrans, CblasTrans, n, H, E, emb, E, net->v2, E, 1.0f, z2, H);
  gb_act_forward (GB_ACT_SILU, h2, z2, nh);
  train_linear_forward (FALSE, out, h2, net->w3, net->b3, n, H, d);
  double loss = 0.0;
  float scale = 2.0f / ((float) tr->batch * d);
  for (gsize i = 0; i < nd; i++)
    {
      float e = out[i] - eps[i];
      loss += (double) e * e;
      dout[i] = scale * e;
    }
  p->loss = loss;
  if (!isfinite (loss))
    return;
  float *gw1 = p->grad, *gb1 = gw1 + (gsize) H * d, *gv1 = gb1 + H, *gw2 = gv1 + (gsize) H * E,
        *gb2 = gw2 + (gsize) H * H, *gv2 = gb2 + H, *gw3 = gv2 + (gsize) H * E, *gb3 = gw3 + (gsize) d * H;
  train_linear_backward (FALSE, dh2, gw3, gb3, dout, h2, net->w3, n, H, d);
  memset (dz2, 0, nh * sizeof (float));
  gb_act_backward (GB_ACT_SILU, dz2, dh2, z2, h2, nh);
  train_linear_backward (FALSE, dh1, gw2, gb2, dz2, h1, net->w2, n, H, H);
  train_linear_backward (FALSE, NULL, gv2, NULL, dz2, emb, net->v2, n, E, H);
  memset (dz1, 0, nh * sizeof (float));
  gb_act_backward (GB_ACT_SILU, dz1, dh1, z1, h1, nh);
  train_linear_backward (FALSE, NULL, gw1, gb1, dz1, in, net->w1, n, d, H);
  train_linear_backward (FALSE, NULL, gv1, NULL, dz1, emb, net->v1, n, E, H);
}

/* A toy's step (no fitted Gaussian, products too small to split by
 * columns): each core takes half the batch — its noise, forward and
 * backward pass — into a gradient of its own, and the two are added before
 * Adam. The cut does not depend on the number of cores, so neither do the
 * weights. */
static float
mlp_halves_step (GbDenoiserTrainer *tr, const float *x0, guint64 seed)
{
  GbDenoiser *net = tr->net;
  int B = tr->batch;
  if (tr->grad2 == NULL)
    tr->grad2 = g_new (float, net->n_params);
  MlpPart a = { { tr, x0, seed, STAGE_NOISE, 0, 0, B / 2 }, tr->grad, 0 };
  MlpPart b = { { tr, x0, seed, STAGE_NOISE, 1, B / 2, B }, tr->grad2, 0 };
  gb_parallel_pair (mlp_part_cb, &a, &b);
  double loss = a.loss + b.loss;
  if (!isfinite (loss))
    return (float) loss;   /* diverged: no update */
  for (gsize i = 0; i < net->n_params; i++)
    tr->grad[i] += tr->grad2[i];
  adam_all (tr, FALSE);
  return (float) (loss / ((double) B * net->d));
}

float
gb_denoiser_train_step (GbDenoiserTrainer *tr, const float *x0)
{
  if (tr->net->unet != NULL)
    return unet_train_step (tr, x0, NULL);
  GbDenoiser *net = tr->net;
  const GbSchedule *s = net->schedule;
  int B = tr->batch, d = net->d, H = net->hidden;
  /* Both cores for the products of big models when OpenBLAS runs on one
   * thread; toys' products are too small to pay for the hand-offs. */
  gboolean split = gb_blas_get_threads () == 1 && H >= 256;
  gboolean gauss = net->g_mean != NULL;
  if (gauss && tr->u == NULL)
    {
      gsize nd = (gsize) B * d;
      tr->u = g_new (float, nd), tr->c = g_new (float, nd), tr->epsv = g_new (float, nd), tr->gain = g_new (float, nd);
    }
  /* t ~ U{1…T} for every row; then x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε and e(t) in two
   * halves, each drawing ε from its own stream seeded from the trainer's. */
  for (int i = 0; i < B; i++)
    tr->ts[i] = 1 + (int) gb_rng_below (&tr->rng, (guint32) s->T);
  guint64 seed = gb_rng_next (&tr->rng);
  if (!gauss && !split && B >= 2 && gb_blas_get_threads () == 1)
    return mlp_halves_step (tr, x0, seed);
  train_rows (tr, split, STAGE_NOISE, x0, seed);
  /* With a fitted Gaussian the MLP reads the whitened coordinates u and
   * answers r in the eigenbasis, and the loss is taken there: V is
   * orthogonal, so ‖(r + gain ⊙ c) V − ε‖ = ‖r + gain ⊙ c − ε Vᵀ‖. */
  const float *in = tr->inp, *target = tr->eps;
  if (gauss)
    {
      train_gemm (split, CblasNoTrans, CblasTrans, B, d, d, tr->u, d, net->g_vecs, d, 0.0f, tr->c, d);
      train_gemm (split, CblasNoTrans, CblasTrans, B, d, d, tr->eps, d, net->g_vecs, d, 0.0f, tr->epsv, d);
      train_rows (tr, split, STAGE_WHITEN, x0, 0);
      in = tr->u, target = tr->epsv;
    }
  train_linear_forward (split, tr->z1, in, net->w1, net->b1, B, d, H);
  train_gemm (split, CblasNoTrans, CblasTrans, B, H, E, tr->emb, E, net->v1, E, 1.0f, tr->z1, H);
  train_rows (tr, split, STAGE_SILU1, x0, 0);
  train_linear_forward (split, tr->z2, tr->h1, net->w2, net->b2, B, H, H);
  train_gemm (split, CblasNoTrans, CblasTrans, B, H, E, tr->emb, E, net->v2, E, 1.0f, tr->z2, H);
  train_rows (tr, split, STAGE_SILU2, x0, 0);
  train_linear_forward (split, tr->out, tr->h2, net->w3, net->b3, B, H, d);
  if (gauss)   /* the fixed part: no gradient */
    for (gsize i = 0; i < (gsize) B * d; i++)
      tr->out[i] += tr->gain[i] * tr->c[i];
  double loss = 0.0;
  float scale = 2.0f / ((float) B * d);
  for (gsize i = 0; i < (gsize) B * d; i++)
    {
      float e = tr->out[i] - target[i];
      loss += (double) e * e;
      tr->dout[i] = scale * e;
    }
  if (!isfinite (loss))
    return (float) loss;   /* diverged: no update */
  /* Backward, overwriting the gradient block (laid out as the parameters). */
  float *gw1 = tr->grad, *gb1 = gw1 + (gsize) H * d, *gv1 = gb1 + H, *gw2 = gv1 + (gsize) H * E,
        *gb2 = gw2 + (gsize) H * H, *gv2 = gb2 + H, *gw3 = gv2 + (gsize) H * E, *gb3 = gw3 + (gsize) d * H;
  train_linear_backward (split, tr->dh2, gw3, gb3, tr->dout, tr->h2, net->w3, B, H, d);
  train_rows (tr, split, STAGE_DSILU2, x0, 0);
  train_linear_backward (split, tr->dh1, gw2, gb2, tr->dz2, tr->h1, net->w2, B, H, H);
  train_linear_backward (split, NULL, gv2, NULL, tr->dz2, tr->emb, net->v2, B, E, H);
  train_rows (tr, split, STAGE_DSILU1, x0, 0);
  train_linear_backward (split, NULL, gw1, gb1, tr->dz1, in, net->w1, B, d, H);
  train_linear_backward (split, NULL, gv1, NULL, tr->dz1, tr->emb, net->v1, B, E, H);
  /* Adam and the average are element-wise: the two halves of the
   * parameters give the same numbers on one core or two. */
  adam_all (tr, split);
  return (float) (loss / ((double) B * d));
}

gboolean
gb_denoiser_trainer_step_back (GbDenoiserTrainer *tr)
{
  if (tr->step == 0 || tr->prev == NULL)
    return FALSE;
  gsize n = tr->net->n_params;
  memcpy (tr->net->params, tr->prev, n * sizeof (float));
  if (tr->ema != NULL && tr->ema_prev != NULL)
    memcpy (tr->ema, tr->ema_prev, n * sizeof (float));
  gb_denoiser_changed (tr->net);
  return TRUE;
}

void
gb_denoiser_trainer_set_ema (GbDenoiserTrainer *tr, float decay)
{
  g_return_if_fail (decay > 0.0f && decay < 1.0f);
  tr->ema_decay = decay;
  if (tr->ema == NULL)
    tr->ema = g_memdup2 (tr->net->params, tr->net->n_params * sizeof (float));
}

void
gb_denoiser_trainer_export (const GbDenoiserTrainer *tr, GbDenoiser *net)
{
  g_return_if_fail (net->n_params == tr->net->n_params);
  if (net != tr->net || tr->ema != NULL)
    memcpy (net->params, tr->ema ? tr->ema : tr->net->params, net->n_params * sizeof (float));
  gb_denoiser_changed (net);
}

/* --- files --- */

static void
add_gauss (GbSafetensorsWriter *w, const GbDenoiser *net)
{
  int d = net->d;
  gint64 sdd[2] = { d, d }, sd[1] = { d };
  if (net->g_mean != NULL)
    {
      gb_safetensors_writer_add_f32 (w, "gauss.mean", sd, 1, net->g_mean);
      gb_safetensors_writer_add_f32 (w, "gauss.eigvecs", sdd, 2, net->g_vecs);
      gb_safetensors_writer_add_f32 (w, "gauss.eigvals", sd, 1, net->g_vals);
    }
}

static void
set_meta_int (GbSafetensorsWriter *w, const char *key, int v)
{
  char buf[32];
  g_snprintf (buf, sizeof buf, "%d", v);
  gb_safetensors_writer_set_metadata (w, key, buf);
}

static gboolean
unet_save (const GbDenoiser *net, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  GbUnetTensor ts[GB_UNET_MAX_TENSORS];
  int n = gb_unet_tensors (net->unet, ts);
  for (int i = 0; i < n; i++)
    gb_safetensors_writer_add_f32 (w, ts[i].name, ts[i].shape, ts[i].ndim, net->params + ts[i].offset);
  add_gauss (w, net);
  gb_safetensors_writer_set_metadata (w, "kind", "diffusion-unet");
  gb_safetensors_writer_set_metadata (w, "layout", "nhwc");
  set_meta_int (w, "side", net->unet->side);
  set_meta_int (w, "d", net->d);
  set_meta_int (w, "hidden", net->hidden);
  set_meta_int (w, "groups", GB_UNET_GROUPS);
  if (net->unet->classes > 0)
    set_meta_int (w, "classes", net->unet->classes);
  set_meta_int (w, "embed", GB_UNET_EMBED);
  gb_safetensors_writer_set_metadata (w, "schedule", gb_schedule_kind_name (net->schedule->kind));
  set_meta_int (w, "T", net->schedule->T);
  if (net->data)
    gb_safetensors_writer_set_metadata (w, "data", net->data);
  return gb_safetensors_writer_save (w, path, error);
}

gboolean
gb_denoiser_save (const GbDenoiser *net, const char *path, GError **error)
{
  if (net->unet != NULL)
    return unet_save (net, path, error);
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  int d = net->d, H = net->hidden;
  gint64 s1[2] = { H, d }, se[2] = { H, E }, s2[2] = { H, H }, s3[2] = { d, H }, sb1[1] = { H }, sb3[1] = { d };
  gb_safetensors_writer_add_f32 (w, "fc1.weight", s1, 2, net->w1);
  gb_safetensors_writer_add_f32 (w, "fc1.bias", sb1, 1, net->b1);
  gb_safetensors_writer_add_f32 (w, "temb1.weight", se, 2, net->v1);
  gb_safetensors_writer_add_f32 (w, "fc2.weight", s2, 2, net->w2);
  gb_safetensors_writer_add_f32 (w, "fc2.bias", sb1, 1, net->b2);
  gb_safetensors_writer_add_f32 (w, "temb2.weight", se, 2, net->v2);
  gb_safetensors_writer_add_f32 (w, "fc3.weight", s3, 2, net->w3);
  gb_safetensors_writer_add_f32 (w, "fc3.bias", sb3, 1, net->b3);
  add_gauss (w, net);
  gb_safetensors_writer_set_metadata (w, "kind", "diffusion-mlp");
  gb_safetensors_writer_set_metadata (w, "arch", net->g_mean != NULL ? ARCH_GAUSS : ARCH);
  set_meta_int (w, "d", d);
  set_meta_int (w, "hidden", H);
  set_meta_int (w, "embed", E);
  gb_safetensors_writer_set_metadata (w, "schedule", gb_schedule_kind_name (net->schedule->kind));
  set_meta_int (w, "T", net->schedule->T);
  if (net->data)
    gb_safetensors_writer_set_metadata (w, "data", net->data);
  return gb_safetensors_writer_save (w, path, error);
}

static gboolean
meta_int (const GbSafetensors *st, const char *key, int *out, GError **error)
{
  const char *v = gb_safetensors_get_metadata (st, key);
  gint64 x;
  if (v == NULL || !g_ascii_string_to_signed (v, 10, 1, G_MAXINT, &x, NULL))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: the metadata “%s” is missing or not a positive number",
                   gb_safetensors_get_name (st), key);
      return FALSE;
    }
  *out = (int) x;
  return TRUE;
}

static GbDenoiser *load_from (const GbSafetensors *st, GError **error);

GbDenoiser *
gb_denoiser_load (const char *path, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  return st ? load_from (st, error) : NULL;
}

GbDenoiser *
gb_denoiser_load_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, name, error);
  return st ? load_from (st, error) : NULL;
}

static gboolean
read_gauss (const GbSafetensors *st, GbDenoiser *net, GError **error)
{
  int d = net->d;
  const gint64 sdd[2] = { d, d }, sd[1] = { d };
  net->g_mean = g_new (float, d);
  net->g_vecs = g_new (float, (gsize) d * d);
  net->g_vals = g_new (float, d);
  return gb_safetensors_read_f32 (st, "gauss.mean", sd, 1, net->g_mean, error)
         && gb_safetensors_read_f32 (st, "gauss.eigvecs", sdd, 2, net->g_vecs, error)
         && gb_safetensors_read_f32 (st, "gauss.eigvals", sd, 1, net->g_vals, error);
}

static gboolean
finite_net (const GbDenoiser *net, const char *name, GError **error)
{
  gsize d = (gsize) net->d;
  gboolean finite = TRUE;
  for (gsize i = 0; i < net->n_params; i++)
    finite = finite && isfinite (net->params[i]);
  for (gsize i = 0; net->g_mean != NULL && i < d * d; i++)
    finite = finite && isfinite (net->g_vecs[i]) && (i >= d || (isfinite (net->g_mean[i]) && net->g_vals[i] >= 0));
  if (!finite)
    g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: a weight is not finite (or a variance negative)", name);
  return finite;
}

static GbDenoiser *
unet_load (const GbSafetensors *st, GError **error)
{
  const char *name = gb_safetensors_get_name (st);
  int side, C, groups, embed, T;
  if (!meta_int (st, "side", &side, error) || !meta_int (st, "hidden", &C, error)
      || !meta_int (st, "groups", &groups, error) || !meta_int (st, "embed", &embed, error)
      || !meta_int (st, "T", &T, error))
    return NULL;
  if (groups != GB_UNET_GROUPS || embed != GB_UNET_EMBED || g_strcmp0 (gb_safetensors_get_metadata (st, "layout"), "nhwc") != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   "%s: a U-Net of %d groups, a time embedding of %d values and layout “%s” (this build reads %d, %d "
                   "and nhwc)",
                   name, groups, embed, gb_safetensors_get_metadata (st, "layout"), GB_UNET_GROUPS, GB_UNET_EMBED);
      return NULL;
    }
  GbScheduleKind sk;
  if (!gb_schedule_kind_parse (gb_safetensors_get_metadata (st, "schedule"), &sk))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: unknown noise schedule", name);
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  int classes = 0;   /* optional: unconditional when missing */
  if (gb_safetensors_get_metadata (st, "classes") != NULL && !meta_int (st, "classes", &classes, error))
    return NULL;
  GbUnet *u = gb_unet_alloc (side, C, classes, &local);
  g_autoptr (GbDenoiser) net = u ? wrap_unet (u, sk, T, &local) : NULL;
  if (net == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: %s", name, local->message);
      return NULL;
    }
  GbUnetTensor ts[GB_UNET_MAX_TENSORS];
  int n = gb_unet_tensors (u, ts);
  for (int i = 0; i < n; i++)
    if (!gb_safetensors_read_f32 (st, ts[i].name, ts[i].shape, ts[i].ndim, net->params + ts[i].offset, error))
      return NULL;
  /* The Gaussian is optional: only the guidance needs it. */
  if (gb_safetensors_has (st, "gauss.mean") && !read_gauss (st, net, error))
    return NULL;
  if (!finite_net (net, name, error))
    return NULL;
  net->data = g_strdup (gb_safetensors_get_metadata (st, "data"));
  return g_steal_pointer (&net);
}

static GbDenoiser *
load_from (const GbSafetensors *st, GError **error)
{
  const char *name = gb_safetensors_get_name (st), *kind = gb_safetensors_get_metadata (st, "kind");
  if (g_strcmp0 (kind, "diffusion-unet") == 0)
    return unet_load (st, error);
  if (g_strcmp0 (kind, "diffusion-mlp") != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: not a diffusion model of Glassbox (its kind is “%s”)",
                   name, kind ? kind : "not given");
      return NULL;
    }
  int d, H, embed, T;
  if (!meta_int (st, "d", &d, error) || !meta_int (st, "hidden", &H, error) || !meta_int (st, "embed", &embed, error)
      || !meta_int (st, "T", &T, error))
    return NULL;
  if (embed != E)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "%s: a time embedding of %d values (this build uses %d)", name,
                   embed, E);
      return NULL;
    }
  GbScheduleKind sk;
  if (!gb_schedule_kind_parse (gb_safetensors_get_metadata (st, "schedule"), &sk))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: unknown noise schedule", name);
      return NULL;
    }
  const char *arch = gb_safetensors_get_metadata (st, "arch");
  gboolean gauss = g_strcmp0 (arch, ARCH_GAUSS) == 0;
  if (!gauss && g_strcmp0 (arch, ARCH) != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: a diffusion model of an older or unknown layout (“%s”)",
                   name, arch ? arch : "not given");
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (GbDenoiser) net = alloc_net (d, H, sk, T, &local);
  if (net == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: %s", name, local->message);
      return NULL;
    }
  const gint64 s1[2] = { H, d }, se[2] = { H, E }, s2[2] = { H, H }, s3[2] = { d, H }, sb1[1] = { H }, sb3[1] = { d };
  if (!gb_safetensors_read_f32 (st, "fc1.weight", s1, 2, net->w1, error)
      || !gb_safetensors_read_f32 (st, "fc1.bias", sb1, 1, net->b1, error)
      || !gb_safetensors_read_f32 (st, "temb1.weight", se, 2, net->v1, error)
      || !gb_safetensors_read_f32 (st, "fc2.weight", s2, 2, net->w2, error)
      || !gb_safetensors_read_f32 (st, "fc2.bias", sb1, 1, net->b2, error)
      || !gb_safetensors_read_f32 (st, "temb2.weight", se, 2, net->v2, error)
      || !gb_safetensors_read_f32 (st, "fc3.weight", s3, 2, net->w3, error)
      || !gb_safetensors_read_f32 (st, "fc3.bias", sb3, 1, net->b3, error)
      || (gauss && !read_gauss (st, net, error)) || !finite_net (net, name, error))
    return NULL;
  const char *data = gb_safetensors_get_metadata (st, "data");
  net->data = g_strdup (data);
  return g_steal_pointer (&net);
}
