/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser.c — a denoiser (an MLP or a U-Net): making one, and its
 * predictions ε̂ for sampling. Its Gaussian is in gb-diffusion-denoiser-gauss.c, its
 * training in gb-diffusion-denoiser-train.c and its file in gb-diffusion-denoiser-file.c. */
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

/* The two networks' tables (at the end, with the functions they point to). */
static const GbDenoiserOps mlp_ops, unet_ops;

GbDenoiser *
gb_denoiser_alloc_net (int d, int hidden, GbScheduleKind schedule, int T, GError **error)
{
  if (d < 1 || d > 4096 || hidden < 1 || hidden > 4096)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("a denoiser of dimension %d and width %d is outside 1…4096"), d, hidden);
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
  net->ops = &mlp_ops;
  wire (net);
  return net;
}

GbDenoiser *
gb_denoiser_new_mlp (int d, int hidden, GbScheduleKind schedule, int T, guint64 seed, GError **error)
{
  GbDenoiser *net = gb_denoiser_alloc_net (d, hidden, schedule, T, error);
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
GbDenoiser *
gb_denoiser_wrap_unet (GbUnet *u, GbScheduleKind schedule, int T, GError **error)
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
  net->ops = &unet_ops;
  return net;
}

GbDenoiser *
gb_denoiser_new_unet (int side, int width, int classes, GbScheduleKind schedule, int T, guint64 seed, GError **error)
{
  GbUnet *u = gb_unet_new (side, width, classes, seed, error);
  return u ? gb_denoiser_wrap_unet (u, schedule, T, error) : NULL;
}

static GbDenoiser *
mlp_copy (const GbDenoiser *net)
{
  GbDenoiser *c = gb_denoiser_alloc_net (net->d, net->hidden, net->schedule->kind, net->schedule->T, NULL);
  memcpy (c->params, net->params, net->n_params * sizeof (float));
  return c;
}

static GbDenoiser *
unet_copy (const GbDenoiser *net)
{
  return gb_denoiser_wrap_unet (gb_unet_copy (net->unet), net->schedule->kind, net->schedule->T, NULL);
}

GbDenoiser *
gb_denoiser_copy (const GbDenoiser *net)
{
  GbDenoiser *c = net->ops->copy (net);
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

static void
mlp_pack (const GbDenoiser *net, gpointer data)
{
  Packs *pk = data;
  int d = net->d, H = net->hidden;
  pk->w1 = gb_packed_new (net->w1, H, d, FALSE);
  pk->w2 = gb_packed_new (net->w2, H, H, FALSE);
  pk->w3 = gb_packed_new (net->w3, d, H, FALSE);
}

static void
unet_pack (const GbDenoiser *net, gpointer data)
{
  ((Packs *) data)->unet = gb_unet_packs_new (net->unet);
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
      int d = net->d;
      pk = g_atomic_rc_box_new0 (Packs);
      pk->version = version;
      net->ops->pack (net, pk);
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

int
gb_denoiser_classes (const GbDenoiser *net)
{
  return net->unet != NULL ? net->unet->classes : 0;
}

double
gb_denoiser_default_guidance (const GbDenoiser *net)
{
  if (gb_denoiser_classes (net) > 0)
    return GB_CFG_GUIDANCE;
  return net->g_mean == NULL ? 1.0 : net->ops->gauss_guidance;
}

gboolean
gb_denoiser_set_guidance (GbDenoiser *net, double w, GError **error)
{
  g_return_val_if_fail (net != NULL, FALSE);
  if (!(w >= 0.0 && w <= 10.0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("guidance %g is outside 0…10"), w);
      return FALSE;
    }
  if (w != 1.0 && net->g_mean == NULL && gb_denoiser_classes (net) == 0)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                           _("guidance needs a model with a fitted Gaussian or classes (an image model); this one has neither"));
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
  net->ops->free_weights (net);
  g_free (net);
}

static void
mlp_free_weights (GbDenoiser *net)
{
  g_free (net->params);
}

static void
unet_free_weights (GbDenoiser *net)
{
  gb_unet_free (net->unet);
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

/* With a fitted Gaussian (gb-diffusion-denoiser.h): c = (x_t − √ᾱ μ) Vᵀ, the MLP reads
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
  gb_denoiser_gauss_coeffs (net, t, gain, whiten);
  gb_denoiser_gauss_centre (net, xt, n, t, NULL, u);
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

/* ε̂ for the rows r0…r1 − 1 of a batch. */
typedef struct {
  float *eps;
  const float *xt;
  int d, t;
  const GbDenoiser *net;
  const Packs *pk;
  float w;
} Rows;

static void
rows_cb (gpointer data, int part, gint64 r0, gint64 r1)
{
  const Rows *r = data;
  gsize o = (gsize) r0 * r->d;
  eps_rows (r->eps + o, r->xt + o, (int) (r1 - r0), r->d, r->t, r->net, r->pk, r->w);
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
      gb_denoiser_gauss_coeffs (net, t, j.gain, j.whiten);
      gb_denoiser_gauss_centre (net, xt, n, t, NULL, j.xc);
      j.phase = PHASE_COORDS;
      gb_parallel_pair (col_part_cb, &p0, &p1);
      j.in = j.u;
    }
  for (j.phase = PHASE_H1; j.phase <= (gauss ? PHASE_PIXELS : PHASE_OUT); j.phase++)
    gb_parallel_pair (col_part_cb, &p0, &p1);
}

/* --- the U-Net's predictions --- */

/* The U-Net's ε̂ for the rows r0…r1 − 1 of a batch. */
typedef struct {
  float *eps;
  const float *xt;
  int d, t;
  const GbUnet *u;
  const GbUnetPacks *pk;
  const int *labels;
} UnetRows;

static void
unet_rows_cb (gpointer data, int part, gint64 r0, gint64 r1)
{
  const UnetRows *r = data;
  gsize o = (gsize) r0 * r->d;
  gb_unet_eps (r->u, r->pk, r->eps + o, r->xt + o, (int) (r1 - r0), r->t, r->labels ? r->labels + r0 : NULL);
}

/* The net's ε̂ for n rows (classes: labels, or none), on both cores when split. */
static void
unet_raw (float *eps, const float *xt, int n, int t, const GbDenoiser *net, const GbUnetPacks *pk,
          const int *labels, gboolean split)
{
  int d = net->d;
  if (split && n >= 2)
    {
      UnetRows rows = { eps, xt, d, t, net->unet, pk, labels };
      gb_parallel_halves (TRUE, n / 2, n, unet_rows_cb, &rows);
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
  gb_denoiser_gauss_coeffs (net, t, gain, whiten);
  gb_denoiser_gauss_centre (net, xt, n, t, NULL, xc);
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, d, d, 1.0f, xc, d, net->g_vecs, d, 0.0f, c, d);
  for (gsize i = 0; i < nd; i++)
    c[i] *= gain[i % d];
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, d, d, 1.0f, c, d, net->g_vecs, d, 0.0f, xc, d);
  for (gsize i = 0; i < nd; i++)
    eps[i] = xc[i] + w * (eps[i] - xc[i]);
}

/* The U-Net's entry: split when the kernels are gb-packed's (single-threaded)
 * or OpenBLAS runs one thread. */
static void
unet_eps_ops (float *eps, const float *xt, int n, int t, const GbDenoiser *net, float w, const int *labels,
              gboolean parallel)
{
  unet_eps (eps, xt, n, t, net, w, parallel && (gb_packed_supported () || gb_blas_get_threads () == 1), labels);
}

/* The MLP's: on both cores for large batches when parallel. */
static void
mlp_eps (float *eps, const float *xt, int n, int t, const GbDenoiser *net, float w, const int *labels,
         gboolean parallel)
{
  int d = net->d;
  Packs *pk = packs_get (net);
  if (!parallel)
    eps_rows (eps, xt, n, d, t, net, pk, w);
  else if (n < 256 && net->hidden >= 256 && d >= 64)
    eps_cols (eps, xt, n, d, t, net, pk, w);
  else if (n < 256)
    eps_rows (eps, xt, n, d, t, net, pk, w);
  else
    {
      /* Large batches: a half on each core. Fastest when OpenBLAS runs one
       * thread (its own threads spin at these sizes): the command line sets
       * that for the whole process with gb_blas_set_threads (1) before any
       * work; changing it here could race with products running on other
       * threads. */
      Rows rows = { eps, xt, d, t, net, pk, w };
      gb_parallel_halves (TRUE, n / 2, n, rows_cb, &rows);
    }
  packs_unref (pk);
}

static const GbDenoiserOps mlp_ops = {
  mlp_eps, mlp_copy, mlp_pack, mlp_free_weights, GB_DENOISER_GUIDANCE,
  gb_denoiser_mlp_trainer_init, gb_denoiser_mlp_train_step, gb_denoiser_mlp_save,
};

static const GbDenoiserOps unet_ops = {
  unet_eps_ops, unet_copy, unet_pack, unet_free_weights, GB_UNET_GUIDANCE,
  gb_denoiser_unet_trainer_init, gb_denoiser_unet_train_step, gb_denoiser_unet_save,
};

void
gb_denoiser_eps_guided (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w)
{
  g_return_if_fail (d == net->d);
  /* A sampled batch of a class-conditional model takes the classes in turn. */
  int K = gb_denoiser_classes (net);
  g_autofree int *lab = K > 0 ? g_new (int, (gsize) (guint) MAX (n, 1)) : NULL;
  for (int i = 0; lab != NULL && i < n; i++)
    lab[i] = i % K;
  net->ops->eps (eps, xt, n, t, net, (float) w, lab, TRUE);
}

void
gb_denoiser_eps_class (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w,
                           const int *labels)
{
  g_return_if_fail (d == net->d);
  net->ops->eps (eps, xt, n, t, net, (float) w, gb_denoiser_classes (net) > 0 ? labels : NULL, FALSE);
}

void
gb_denoiser_eps_serial (float *eps, const float *xt, int n, int d, int t, const GbDenoiser *net, double w)
{
  g_return_if_fail (d == net->d);
  net->ops->eps (eps, xt, n, t, net, (float) w, NULL, FALSE);
}

void
gb_denoiser_eps (float *eps, const float *xt, int n, int d, int t, gpointer data)
{
  const GbDenoiser *net = data;
  gb_denoiser_eps_guided (eps, xt, n, d, t, net, net->guidance);
}

