/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-unet.c — the convolutional ε-predictor: its shape and tensors, its packed weights,
 * scratch, and the forward and backward passes through its layers (gb-diffusion-unet-layers.c). */
#include "gb-diffusion-unet.h"
#include <glib/gi18n.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-diffusion.h"
#include "gb-error.h"
#include "gb-nn.h"
#include "gb-packed.h"
#include "gb-simd.h"
#include "gb-diffusion-unet-private.h"   /* last: its short macros */


/* --- shape --- */

/* Lays the parameters out (offsets from 0) and returns their number. */
static gsize
layout (GbUnet *u, int side, int C, int classes)
{
  gsize o = 0;
  u->side = side, u->C = C, u->TE = 4 * C, u->classes = classes;
  int TE = u->TE;
#define TAKE(field, n) (u->field = o, o += (gsize) (n))
  TAKE (t1_w, TE * E), TAKE (t1_b, TE), TAKE (t2_w, TE * TE), TAKE (t2_b, TE);
  TAKE (in_w, C * 9), TAKE (in_b, C);
  const int cin[GB_UNET_BLOCKS] = { C, C, 2 * C, 2 * C, 4 * C, 3 * C },
            cout[GB_UNET_BLOCKS] = { C, 2 * C, 2 * C, 2 * C, 2 * C, C },
            res[GB_UNET_BLOCKS] = { side, side / 2, side / 4, side / 4, side / 2, side };
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      GbUnetBlock *k = &u->blk[b];
      int ci = cin[b], co = cout[b];
      k->cin = ci, k->cout = co, k->res = res[b];
#define BTAKE(field, n) (k->field = o, o += (gsize) (n))
      BTAKE (gn1_g, ci), BTAKE (gn1_b, ci), BTAKE (w1, co * 9 * ci), BTAKE (b1, co);
      BTAKE (wt, co * TE), BTAKE (bt, co), BTAKE (gn2_g, co), BTAKE (gn2_b, co);
      BTAKE (w2, co * 9 * co), BTAKE (b2, co);
      if (ci != co)
        BTAKE (ws, co * ci), BTAKE (bs, co);
      else
        k->ws = k->bs = 0;
#undef BTAKE
    }
  TAKE (out_g, C), TAKE (out_b, C), TAKE (out_w, 9 * C), TAKE (out_bias, 1);
  if (classes > 0)
    TAKE (cls, (classes + 1) * TE);
  else
    u->cls = 0;
#undef TAKE
  return o;
}

gsize
gb_unet_n_params (int side, int C, int classes)
{
  GbUnet u;
  return layout (&u, side, C, classes);
}

GbUnet *
gb_unet_alloc (int side, int C, int classes, GError **error)
{
  if (side < 4 || side > 64 || side % 4 != 0 || C < G || C > 256 || C % G != 0 || classes < 0 || classes > 1000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("a U-Net needs a side that is a multiple of 4 in 4…64 (not %d), a width that is a multiple "
                   "of %d in %d…256 (not %d) and 0…1000 classes (not %d)"),
                   side, G, G, C, classes);
      return NULL;
    }
  GbUnet *u = g_new0 (GbUnet, 1);
  u->n_params = layout (u, side, C, classes);
  u->params = g_new0 (float, u->n_params);
  return u;
}

static void
fill (float *p, gsize n, float v)
{
  for (gsize i = 0; i < n; i++)
    p[i] = v;
}

GbUnet *
gb_unet_new (int side, int C, int classes, guint64 seed, GError **error)
{
  GbUnet *u = gb_unet_alloc (side, C, classes, error);
  if (u == NULL)
    return NULL;
  GbRng rng;
  gb_rng_init (&rng, seed);
  float *p = u->params;
  int TE = u->TE;
  gb_linear_init (p + u->t1_w, p + u->t1_b, E, TE, &rng);
  gb_linear_init (p + u->t2_w, p + u->t2_b, TE, TE, &rng);
  gb_linear_init (p + u->in_w, p + u->in_b, 9, C, &rng);
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      const GbUnetBlock *k = &u->blk[b];
      fill (p + k->gn1_g, k->cin, 1.0f), fill (p + k->gn2_g, k->cout, 1.0f);
      gb_linear_init (p + k->w1, p + k->b1, 9 * k->cin, k->cout, &rng);
      gb_linear_init (p + k->wt, p + k->bt, TE, k->cout, &rng);
      if (k->ws)
        gb_linear_init (p + k->ws, p + k->bs, k->cin, k->cout, &rng);
      /* w2, b2 stay 0 */
    }
  fill (p + u->out_g, C, 1.0f);
  for (gsize i = 0; u->classes > 0 && i < (gsize) (u->classes + 1) * TE; i++)   /* as nn.Embedding */
    p[u->cls + i] = gb_rng_normal (&rng);
  return u;
}

GbUnet *
gb_unet_copy (const GbUnet *net)
{
  GbUnet *u = g_memdup2 (net, sizeof *net);
  u->params = g_memdup2 (net->params, net->n_params * sizeof (float));
  return u;
}

void
gb_unet_free (GbUnet *net)
{
  if (net == NULL)
    return;
  g_free (net->params);
  g_free (net);
}

static void
tensor (GbUnetTensor *out, int *n, const char *name, gsize offset, int ndim, gint64 a, gint64 b, gint64 c, gint64 d)
{
  GbUnetTensor *t = &out[(*n)++];
  g_strlcpy (t->name, name, sizeof t->name);
  t->offset = offset, t->ndim = ndim;
  t->shape[0] = a, t->shape[1] = b, t->shape[2] = c, t->shape[3] = d;
}

int
gb_unet_tensors (const GbUnet *u, GbUnetTensor *out)
{
  int n = 0, C = u->C, TE = u->TE;
  tensor (out, &n, "time.0.weight", u->t1_w, 2, TE, E, 0, 0);
  tensor (out, &n, "time.0.bias", u->t1_b, 1, TE, 0, 0, 0);
  tensor (out, &n, "time.2.weight", u->t2_w, 2, TE, TE, 0, 0);
  tensor (out, &n, "time.2.bias", u->t2_b, 1, TE, 0, 0, 0);
  tensor (out, &n, "conv_in.weight", u->in_w, 4, C, 3, 3, 1);
  tensor (out, &n, "conv_in.bias", u->in_b, 1, C, 0, 0, 0);
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      const GbUnetBlock *k = &u->blk[b];
      char name[32];
#define BT(suffix, field, nd, a, b_, c, d)                                                                             \
  (g_snprintf (name, sizeof name, "blocks.%d." suffix, b), tensor (out, &n, name, k->field, nd, a, b_, c, d))
      BT ("norm1.weight", gn1_g, 1, k->cin, 0, 0, 0), BT ("norm1.bias", gn1_b, 1, k->cin, 0, 0, 0);
      BT ("conv1.weight", w1, 4, k->cout, 3, 3, k->cin), BT ("conv1.bias", b1, 1, k->cout, 0, 0, 0);
      BT ("time.weight", wt, 2, k->cout, TE, 0, 0), BT ("time.bias", bt, 1, k->cout, 0, 0, 0);
      BT ("norm2.weight", gn2_g, 1, k->cout, 0, 0, 0), BT ("norm2.bias", gn2_b, 1, k->cout, 0, 0, 0);
      BT ("conv2.weight", w2, 4, k->cout, 3, 3, k->cout), BT ("conv2.bias", b2, 1, k->cout, 0, 0, 0);
      if (k->ws)
        BT ("skip.weight", ws, 2, k->cout, k->cin, 0, 0), BT ("skip.bias", bs, 1, k->cout, 0, 0, 0);
#undef BT
    }
  tensor (out, &n, "norm_out.weight", u->out_g, 1, C, 0, 0, 0);
  tensor (out, &n, "norm_out.bias", u->out_b, 1, C, 0, 0, 0);
  tensor (out, &n, "conv_out.weight", u->out_w, 4, 1, 3, 3, C);
  tensor (out, &n, "conv_out.bias", u->out_bias, 1, 1, 0, 0, 0);
  if (u->classes > 0)
    tensor (out, &n, "class_embed.weight", u->cls, 2, u->classes + 1, TE, 0, 0);
  g_assert (n <= GB_UNET_MAX_TENSORS);
  return n;
}

double
gb_unet_macs (const GbUnet *u)
{
  double s2 = (double) u->side * u->side, m = s2 * 9 * u->C * 2;   /* the first and last convs */
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      const GbUnetBlock *k = &u->blk[b];
      double px = (double) k->res * k->res;
      m += px * 9 * k->cout * (k->cin + k->cout) + (k->ws ? px * k->cin * k->cout : 0);
    }
  return m;
}

/* The forward's weights packed as y = x Wᵀ, and for training the
 * transposes beside them, as ∂x = ∂y W (NULL when not built). */
struct _GbUnetPacks {
  GbPacked *in, *out, *w1[GB_UNET_BLOCKS], *w2[GB_UNET_BLOCKS], *ws[GB_UNET_BLOCKS];
  GbPacked *out_t, *w1_t[GB_UNET_BLOCKS], *w2_t[GB_UNET_BLOCKS], *ws_t[GB_UNET_BLOCKS];
  /* On AVX-512 the 3 × 3 convolutions' _t are the flipped kernels instead,
   * W'[c, u, v, o] = W[o, 2 − u, 2 − v, c]: ∂x is then the convolution of
   * ∂y with W', read through rows of taps like the forward pass. */
  gboolean flipped;
};

/* W' (cin, 3, 3, cout) from W (cout, 3, 3, cin), packed for y = x W'ᵀ. */
static GbPacked *
pack_flipped (const float *w, int cin, int cout)
{
  g_autofree float *f = g_new (float, (gsize) 9 * cin * cout);
  for (int o = 0; o < cout; o++)
    for (int t = 0; t < 9; t++)
      for (int c = 0; c < cin; c++)
        f[((gsize) c * 9 + (8 - t)) * cout + o] = w[((gsize) o * 9 + t) * cin + c];
  return gb_packed_new (f, cin, 9 * cout, FALSE);
}

static GbUnetPacks *
packs_build (const GbUnet *u, gboolean backward)
{
  if (!gb_packed_supported ())
    return NULL;
  const float *p = u->params;
  GbUnetPacks *pk = g_new0 (GbUnetPacks, 1);
  pk->flipped = gb_packed_level () == GB_PACKED_AVX512;
  pk->in = gb_packed_new (p + u->in_w, u->C, 9, FALSE);
  pk->out = gb_packed_new (p + u->out_w, 1, 9 * u->C, FALSE);
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      const GbUnetBlock *k = &u->blk[b];
      pk->w1[b] = gb_packed_new (p + k->w1, k->cout, 9 * k->cin, FALSE);
      pk->w2[b] = gb_packed_new (p + k->w2, k->cout, 9 * k->cout, FALSE);
      pk->ws[b] = k->ws ? gb_packed_new (p + k->ws, k->cout, k->cin, FALSE) : NULL;
      if (backward && pk->flipped)
        {
          pk->w1_t[b] = pack_flipped (p + k->w1, k->cin, k->cout);
          pk->w2_t[b] = pack_flipped (p + k->w2, k->cout, k->cout);
        }
      else if (backward)
        {
          pk->w1_t[b] = gb_packed_new (p + k->w1, 9 * k->cin, k->cout, TRUE);
          pk->w2_t[b] = gb_packed_new (p + k->w2, 9 * k->cout, k->cout, TRUE);
        }
      if (backward)
        {
          pk->ws_t[b] = k->ws ? gb_packed_new (p + k->ws, k->cin, k->cout, TRUE) : NULL;
        }
    }
  if (backward)
    pk->out_t = pk->flipped ? pack_flipped (p + u->out_w, u->C, 1) : gb_packed_new (p + u->out_w, 9 * u->C, 1, TRUE);
  return pk;
}

GbUnetPacks *
gb_unet_packs_new (const GbUnet *u)
{
  return packs_build (u, FALSE);
}

GbUnetPacks *
gb_unet_packs_new_training (const GbUnet *u)
{
  return packs_build (u, TRUE);
}

void
gb_unet_packs_free (GbUnetPacks *pk)
{
  if (pk == NULL)
    return;
  GbPacked *all[] = { pk->in, pk->out, pk->out_t };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (all[i])
      gb_packed_free (all[i]);
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      GbPacked *blk[] = { pk->w1[b], pk->w2[b], pk->ws[b], pk->w1_t[b], pk->w2_t[b], pk->ws_t[b] };
      for (guint i = 0; i < G_N_ELEMENTS (blk); i++)
        if (blk[i])
          gb_packed_free (blk[i]);
    }
  g_free (pk);
}
/* --- scratch --- */

typedef struct {
  float *a1, *s1, *h1, *a2, *s2, *out, *tp;
  float *mean1, *rstd1, *mean2, *rstd2;
} BlockWork;

typedef struct {
  int side, C, m;
  gboolean backward;
  float *base;
  float *emb, *t1, *t1a, *t2, *ta, *tc;   /* tc: τ plus the class's embedding, what the blocks read */
  int *labels;
  float *h0, *p0, *p1, *c4, *c5, *a, *s, *y, *mean, *rstd;
  BlockWork bw[GB_UNET_BLOCKS];
  float *P, *dP, *dyT;
  /* backward */
  float *dta, *dt2, *dt1a, *dt1, *ds, *da, *do5, *dc5, *do4, *dc4, *do3, *do2, *dp1, *do1, *dp0, *do0, *dh0;
  float *ds2, *da2, *dh1, *ds1, *da1, *dtp;
} Work;

static void
work_layout (Work *w, const GbUnet *u, int m, gboolean backward, gboolean alloc)
{
  gsize o = 0;
  int S = u->side, C = u->C, TE = u->TE;
  gsize N0 = (gsize) m * S * S, N1 = N0 / 4, N2 = N0 / 16;
#define W(field, n) (w->field = alloc ? w->base + o : NULL, o += (gsize) (n))
  W (emb, m * E), W (t1, m * TE), W (t1a, m * TE), W (t2, m * TE), W (ta, m * TE), W (tc, m * TE);
  w->labels = alloc ? (int *) (w->base + o) : NULL, o += (gsize) m;   /* ints, a float's size each */
  W (h0, N0 * C), W (p0, N1 * C), W (p1, N2 * 2 * C), W (c4, N1 * 4 * C), W (c5, N0 * 3 * C);
  W (a, N0 * C), W (s, N0 * C), W (y, N0), W (mean, m * G), W (rstd, m * G);
  gsize maxpatch = 0, maxc = 0;
  for (int b = 0; b < GB_UNET_BLOCKS; b++)
    {
      const GbUnetBlock *k = &u->blk[b];
      gsize px = (gsize) m * k->res * k->res;
      BlockWork *bw = &w->bw[b];
      /* Inference needs only each block's output (and a1, h1, a2 as scratch). */
#define BW(field, n) (bw->field = alloc ? w->base + o : NULL, o += (gsize) (n))
      BW (a1, px * k->cin), BW (s1, px * k->cin), BW (h1, px * k->cout), BW (a2, px * k->cout);
      BW (s2, px * k->cout), BW (out, px * k->cout), BW (tp, m * k->cout);
      BW (mean1, m * G), BW (rstd1, m * G), BW (mean2, m * G), BW (rstd2, m * G);
#undef BW
      maxpatch = MAX (maxpatch, px * 9 * MAX (k->cin, k->cout));
      maxc = MAX (maxc, px * MAX (k->cin, k->cout));
    }
  maxpatch = MAX (maxpatch, N0 * 9 * C);
  W (P, maxpatch);
  if (backward)
    {
      W (dP, maxpatch), W (dyT, MAX (maxpatch, N0 * C));
      W (dta, m * TE), W (dt2, m * TE), W (dt1a, m * TE), W (dt1, m * TE);
      W (ds, N0 * C), W (da, N0 * C), W (do5, N0 * C), W (dc5, N0 * 3 * C), W (do4, N1 * 2 * C),
          W (dc4, N1 * 4 * C), W (do3, N2 * 2 * C), W (do2, N2 * 2 * C), W (dp1, N2 * 2 * C), W (do1, N1 * 2 * C),
          W (dp0, N1 * C), W (do0, N0 * C), W (dh0, N0 * C);
      W (ds2, maxc), W (da2, maxc), W (dh1, maxc), W (ds1, maxc), W (da1, maxc), W (dtp, m * 4 * C);
    }
#undef W
  if (!alloc)
    w->base = (float *) (gsize) o;   /* the size, read back by work_get */
}

static void
work_free (gpointer p)
{
  Work *w = p;
  if (w == NULL)
    return;
  g_free (w->base);
  g_free (w);
}

static GPrivate work_key = G_PRIVATE_INIT (work_free);

/* This thread's scratch for m images, kept between calls (a sampler calls
 * a thousand times; fresh megabytes each time cost page faults). */
static Work *
work_get (const GbUnet *u, int m, gboolean backward)
{
  Work *w = g_private_get (&work_key);
  if (w != NULL && w->side == u->side && w->C == u->C && w->m >= m && (w->backward || !backward))
    return w;
  if (w != NULL)
    m = MAX (m, w->m), backward = backward || w->backward;
  Work sized = { 0 };
  work_layout (&sized, u, m, backward, FALSE);
  gsize n = (gsize) sized.base;
  w = g_new0 (Work, 1);
  w->side = u->side, w->C = u->C, w->m = m, w->backward = backward;
  w->base = g_new (float, n);
  work_layout (w, u, m, backward, TRUE);
  g_private_replace (&work_key, w);
  return w;
}

/* --- forward and backward --- */

static void
time_forward (const GbUnet *u, Work *w, int m, const int *ts, int t, const int *labels)
{
  const float *p = u->params;
  for (int n = 0; n < m; n++)
    gb_time_embedding (ts ? ts[n] : t, E, w->emb + (gsize) n * E);
  gb_linear_forward (w->t1, w->emb, p + u->t1_w, p + u->t1_b, m, E, u->TE, GB_ACT_NONE);
  gb_act_forward (GB_ACT_SILU, w->t1a, w->t1, (gsize) m * u->TE);
  gb_linear_forward (w->t2, w->t1a, p + u->t2_w, p + u->t2_b, m, u->TE, u->TE, GB_ACT_NONE);
  gb_act_forward (GB_ACT_SILU, w->ta, w->t2, (gsize) m * u->TE);
  memcpy (w->tc, w->ta, (gsize) m * u->TE * sizeof (float));
  if (u->classes > 0)
    for (int n = 0; n < m; n++)
      {
        int c = labels ? CLAMP (labels[n], 0, u->classes) : u->classes;
        w->labels[n] = c;
        gb_unet_add_to (w->tc + (gsize) n * u->TE, p + u->cls + (gsize) c * u->TE, u->TE);
      }
}

/* For inference: y = conv (SiLU (GroupNorm (x))) + b (+ v, a row of cout
 * per image), an image at a time, the normalised activations written
 * straight into the rows of taps (never to memory as an image of their own).
 * Only where conv_forward reads rows of taps; FALSE (nothing done) elsewhere.
 * P holds one image's taps and a row: (S + 2)·S·3cin + S·cin floats. */
static gboolean
gn_silu_conv (float *y, const float *x, const float *gamma, const float *beta, const GbPacked *pk, const float *b,
              const float *v, int m, int S, int cin, int cout, float *P)
{
  if (pk == NULL || gb_packed_level () != GB_PACKED_AVX512)
    return FALSE;
  gsize qrow = (gsize) S * 3 * cin, img = (gsize) S * S * cin;
  float *row = P + (gsize) (S + 2) * qrow;
  float ga[4 * 256], gb[4 * 256], mean[G], rstd[G], bias[4 * 256];
  g_assert (cout <= 4 * 256);
  memset (P, 0, qrow * sizeof (float));
  memset (P + (gsize) (S + 1) * qrow, 0, qrow * sizeof (float));
  for (int n = 0; n < m; n++)
    {
      const float *xn = x + n * img;
      gb_unet_gn_stats (ga, gb, mean, rstd, xn, gamma, beta, S * S, cin);
      for (int i = 0; i < S; i++)
        gb_packed_taps_row (P + (gsize) (i + 1) * qrow, xn + (gsize) i * S * cin, S, cin, ga, gb, row);
      for (int k = 0; k < cout; k++)
        bias[k] = b[k] + (v != NULL ? v[(gsize) n * cout + k] : 0.0f);
      gboolean ok = gb_packed_apply_conv3 (pk, P, S, bias, y + (gsize) n * S * S * cout, cout);
      g_assert (ok);
    }
  return TRUE;
}

/* y = conv (SiLU (GroupNorm (x))) + b (+ v per image): for training through
 * a, s, mean and rstd, which the backward pass reads; for sampling through
 * gn_silu_conv where it runs. */
static void
norm_act_conv (gboolean train, float *y, float *a, float *s, float *mean, float *rstd, const float *x,
               const float *gamma, const float *beta, const GbPacked *pk, const float *w, const float *b,
               const float *v, int m, int S, int cin, int cout, float *P)
{
  if (!train && gn_silu_conv (y, x, gamma, beta, pk, b, v, m, S, cin, cout, P))
    return;
  gb_unet_gn_silu (a, s, mean, rstd, x, gamma, beta, m, S * S, cin);
  gb_unet_conv_forward (y, s, pk, w, b, m, S, cin, cout, P);
  if (v != NULL)
    gb_unet_add_per_image (y, v, m, S * S, cout);
}

static void
block_forward (const GbUnet *u, const GbUnetPacks *pk, int bi, BlockWork *b, const float *x, Work *w, int m,
               gboolean train)
{
  const GbUnetBlock *k = &u->blk[bi];
  const float *p = u->params;
  int S = k->res, N = S * S;
  gsize px = (gsize) m * N;
  gb_linear_forward (b->tp, w->tc, p + k->wt, p + k->bt, m, u->TE, k->cout, GB_ACT_NONE);
  norm_act_conv (train, b->h1, b->a1, b->s1, b->mean1, b->rstd1, x, p + k->gn1_g, p + k->gn1_b, pk ? pk->w1[bi] : NULL,
                 p + k->w1, p + k->b1, b->tp, m, S, k->cin, k->cout, w->P);
  norm_act_conv (train, b->out, b->a2, b->s2, b->mean2, b->rstd2, b->h1, p + k->gn2_g, p + k->gn2_b,
                 pk ? pk->w2[bi] : NULL, p + k->w2, p + k->b2, NULL, m, S, k->cout, k->cout, w->P);
  if (k->ws)
    {
      /* out += x wsᵀ + bs, through the patch buffer as scratch */
      gb_unet_dense (w->P, x, pk ? pk->ws[bi] : NULL, p + k->ws, p + k->bs, (int) px, k->cin, k->cout);
      gb_unet_add_to (b->out, w->P, px * k->cout);
    }
  else
    gb_unet_add_to (b->out, x, px * k->cout);
}

/* Given dout = ∂L/∂out: dx += ∂L/∂x, the block's gradients and w->dta += . */
static void
block_backward (const GbUnet *u, const GbUnetPacks *pk, int bi, const BlockWork *b, const float *x, const float *dout,
                float *dx, float *grad, Work *w, int m)
{
  const GbUnetBlock *k = &u->blk[bi];
  const float *p = u->params;
  int S = k->res, N = S * S, ci = k->cin, co = k->cout;
  gsize px = (gsize) m * N;
  if (k->ws)
    {
      /* the 1 × 1 skip: dws (co, ci) += doutᵀ x, through the transposed dout when the kernel runs */
      gb_column_sums (grad + k->bs, dout, (int) px, co);
      for (int o = 0; o < co; o++)
        for (gsize r = 0; r < px; r++)
          w->dyT[(gsize) o * px + r] = dout[r * co + o];
      if (!gb_packed_gemm_acc (co, ci, (int) px, w->dyT, (int) px, x, ci, grad + k->ws, ci))
        cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, co, ci, (int) px, 1.0f, dout, co, x, ci, 1.0f,
                     grad + k->ws, ci);
      gb_unet_dense_backward_input (dx, dout, pk ? pk->ws_t[bi] : NULL, p + k->ws, (int) px, ci, co, w->dP);
    }
  else
    gb_unet_add_to (dx, dout, px * co);
  memset (w->ds2, 0, px * co * sizeof (float));
  gb_unet_conv_backward (w->ds2, grad + k->w2, grad + k->b2, dout, b->s2, p + k->w2, pk ? pk->w2_t[bi] : NULL, pk && pk->flipped, m, S,
                 co, co,
                 w->P, w->dP, w->dyT);
  memset (w->da2, 0, px * co * sizeof (float));
  gb_packed_silu_backward (w->da2, w->ds2, b->a2, b->s2, px * co);
  memset (w->dh1, 0, px * co * sizeof (float));
  gb_unet_gn_backward (w->dh1, grad + k->gn2_g, grad + k->gn2_b, w->da2, b->h1, b->mean2, b->rstd2, p + k->gn2_g, m, N, co);
  memset (w->dtp, 0, (gsize) m * co * sizeof (float));
  gb_unet_sum_per_image (w->dtp, w->dh1, m, N, co);
  gb_linear_backward (w->dta, grad + k->wt, grad + k->bt, w->dtp, w->tc, p + k->wt, m, u->TE, co, TRUE);
  memset (w->ds1, 0, px * ci * sizeof (float));
  gb_unet_conv_backward (w->ds1, grad + k->w1, grad + k->b1, w->dh1, b->s1, p + k->w1, pk ? pk->w1_t[bi] : NULL, pk && pk->flipped, m, S,
                 ci, co,
                 w->P, w->dP, w->dyT);
  memset (w->da1, 0, px * ci * sizeof (float));
  gb_packed_silu_backward (w->da1, w->ds1, b->a1, b->s1, px * ci);
  gb_unet_gn_backward (dx, grad + k->gn1_g, grad + k->gn1_b, w->da1, x, b->mean1, b->rstd1, p + k->gn1_g, m, N, ci);
}

/* w->y (m, S²) = ε̂ for x (m, S²). */
static void
net_forward (const GbUnet *u, const GbUnetPacks *pk, Work *w, const float *x, int m, const int *ts, int t,
             const int *labels, gboolean train)
{
  const float *p = u->params;
  int S = u->side, C = u->C, h = S / 2, q = S / 4;
  gsize N0 = (gsize) m * S * S, N1 = N0 / 4;
  BlockWork *b = w->bw;
  time_forward (u, w, m, ts, t, labels);
  gb_unet_conv_forward (w->h0, x, pk ? pk->in : NULL, p + u->in_w, p + u->in_b, m, S, 1, C, w->P);
  block_forward (u, pk, 0, &b[0], w->h0, w, m, train);
  gb_unet_pool_forward (w->p0, b[0].out, m, S, C);
  block_forward (u, pk, 1, &b[1], w->p0, w, m, train);
  gb_unet_pool_forward (w->p1, b[1].out, m, h, 2 * C);
  block_forward (u, pk, 2, &b[2], w->p1, w, m, train);
  block_forward (u, pk, 3, &b[3], b[2].out, w, m, train);
  gb_unet_up_forward (w->c4, 4 * C, b[3].out, m, q, 2 * C);
  gb_unet_put_channels (w->c4, 4 * C, 2 * C, b[1].out, N1, 2 * C);
  block_forward (u, pk, 4, &b[4], w->c4, w, m, train);
  gb_unet_up_forward (w->c5, 3 * C, b[4].out, m, h, 2 * C);
  gb_unet_put_channels (w->c5, 3 * C, 2 * C, b[0].out, N0, C);
  block_forward (u, pk, 5, &b[5], w->c5, w, m, train);
  norm_act_conv (train, w->y, w->a, w->s, w->mean, w->rstd, b[5].out, p + u->out_g, p + u->out_b, pk ? pk->out : NULL,
                 p + u->out_w, p + u->out_bias, NULL, m, S, C, 1, w->P);
}

/* From dy = ∂L/∂ε̂ (m, S²): grad += every parameter's gradient. */
static void
net_backward (const GbUnet *u, const GbUnetPacks *pk, Work *w, const float *x, const float *dy, int m, float *grad)
{
  const float *p = u->params;
  int S = u->side, C = u->C, h = S / 2, q = S / 4, TE = u->TE;
  gsize N0 = (gsize) m * S * S, N1 = N0 / 4, N2 = N0 / 16;
  const BlockWork *b = w->bw;
#define ZERO(buf, n) memset (w->buf, 0, (gsize) (n) * sizeof (float))
  ZERO (ds, N0 * C), ZERO (da, N0 * C), ZERO (do5, N0 * C), ZERO (dta, m * TE);
  gb_unet_conv_backward (w->ds, grad + u->out_w, grad + u->out_bias, dy, w->s, p + u->out_w, pk ? pk->out_t : NULL, pk && pk->flipped, m, S, C,
                 1,
                 w->P, w->dP, w->dyT);
  gb_packed_silu_backward (w->da, w->ds, w->a, w->s, N0 * C);
  gb_unet_gn_backward (w->do5, grad + u->out_g, grad + u->out_b, w->da, b[5].out, w->mean, w->rstd, p + u->out_g, m, S * S,
               C);
  ZERO (dc5, N0 * 3 * C);
  block_backward (u, pk, 5, &b[5], w->c5, w->do5, w->dc5, grad, w, m);
  ZERO (do4, N1 * 2 * C), ZERO (do0, N0 * C);
  gb_unet_up_backward (w->do4, w->dc5, 3 * C, m, h, 2 * C);
  gb_unet_take_channels (w->do0, w->dc5, 3 * C, 2 * C, N0, C);
  ZERO (dc4, N1 * 4 * C);
  block_backward (u, pk, 4, &b[4], w->c4, w->do4, w->dc4, grad, w, m);
  ZERO (do3, N2 * 2 * C), ZERO (do1, N1 * 2 * C);
  gb_unet_up_backward (w->do3, w->dc4, 4 * C, m, q, 2 * C);
  gb_unet_take_channels (w->do1, w->dc4, 4 * C, 2 * C, N1, 2 * C);
  ZERO (do2, N2 * 2 * C);
  block_backward (u, pk, 3, &b[3], b[2].out, w->do3, w->do2, grad, w, m);
  ZERO (dp1, N2 * 2 * C);
  block_backward (u, pk, 2, &b[2], w->p1, w->do2, w->dp1, grad, w, m);
  gb_unet_pool_backward (w->do1, w->dp1, m, h, 2 * C);
  ZERO (dp0, N1 * C);
  block_backward (u, pk, 1, &b[1], w->p0, w->do1, w->dp0, grad, w, m);
  gb_unet_pool_backward (w->do0, w->dp0, m, S, C);
  ZERO (dh0, N0 * C);
  block_backward (u, pk, 0, &b[0], w->h0, w->do0, w->dh0, grad, w, m);
  gb_unet_conv_backward (NULL, grad + u->in_w, grad + u->in_b, w->dh0, x, p + u->in_w, NULL, pk && pk->flipped, m, S, 1, C,
                 w->P, w->dP, w->dyT);
  /* the class table's rows, then the time embedding's two layers (∂τ = ∂(τ + class)) */
  for (int n = 0; u->classes > 0 && n < m; n++)
    gb_unet_add_to (grad + u->cls + (gsize) w->labels[n] * TE, w->dta + (gsize) n * TE, TE);
  ZERO (dt2, m * TE), ZERO (dt1a, m * TE), ZERO (dt1, m * TE);
  gb_act_backward (GB_ACT_SILU, w->dt2, w->dta, w->t2, w->ta, (gsize) m * TE);
  gb_linear_backward (w->dt1a, grad + u->t2_w, grad + u->t2_b, w->dt2, w->t1a, p + u->t2_w, m, TE, TE, TRUE);
  gb_act_backward (GB_ACT_SILU, w->dt1, w->dt1a, w->t1, w->t1a, (gsize) m * TE);
  gb_linear_backward (NULL, grad + u->t1_w, grad + u->t1_b, w->dt1, w->emb, p + u->t1_w, m, E, TE, TRUE);
#undef ZERO
}

static void
eps_slices (const GbUnet *u, const GbUnetPacks *pk, float *eps, const float *xt, int n, const int *ts, int t,
            const int *labels)
{
  gsize d = (gsize) u->side * u->side;
  for (int i0 = 0; i0 < n; i0 += SLICE)
    {
      int m = MIN (SLICE, n - i0);
      Work *w = work_get (u, m, FALSE);
      net_forward (u, pk, w, xt + i0 * d, m, ts ? ts + i0 : NULL, t, labels ? labels + i0 : NULL, FALSE);
      memcpy (eps + i0 * d, w->y, m * d * sizeof (float));
    }
}

void
gb_unet_eps (const GbUnet *net, const GbUnetPacks *pk, float *eps, const float *xt, int n, int t, const int *labels)
{
  eps_slices (net, pk, eps, xt, n, NULL, t, labels);
}

void
gb_unet_eps_at (const GbUnet *net, const GbUnetPacks *pk, float *eps, const float *xt, int n, const int *ts,
                const int *labels)
{
  eps_slices (net, pk, eps, xt, n, ts, 0, labels);
}

double
gb_unet_gradient (const GbUnet *u, const GbUnetPacks *pk, float *grad, const float *xt, const float *eps,
                  const int *ts, const int *labels, int n, float scale)
{
  memset (grad, 0, u->n_params * sizeof (float));
  gsize d = (gsize) u->side * u->side;
  double loss = 0.0;
  g_autofree float *dy = g_new (float, SLICE * d);
  for (int i0 = 0; i0 < n; i0 += SLICE)
    {
      int m = MIN (SLICE, n - i0);
      Work *w = work_get (u, m, TRUE);
      const float *x = xt + i0 * d, *e = eps + i0 * d;
      net_forward (u, pk, w, x, m, ts + i0, 0, labels ? labels + i0 : NULL, TRUE);
      for (gsize i = 0; i < m * d; i++)
        {
          float r = w->y[i] - e[i];
          loss += (double) r * r;
          dy[i] = 2.0f * scale * r;
        }
      net_backward (u, pk, w, x, dy, m, grad);
    }
  return loss;
}
