/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser-train.c — a denoiser's training step (L_simple with Adam), on
 * both cores, with the moving average and the step back after a divergence. */
#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-denoiser-private.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-packed.h"
#include "gb-parallel.h"
#include "gb-safetensors.h"

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
  gsize B = (gsize) batch, d = (gsize) net->d;
  tr->inp = g_new (float, B * d);
  tr->emb = g_new (float, B * E);
  tr->eps = g_new (float, B * d);
  tr->ts = g_new (int, B);
  int T = net->schedule->T;
  tr->emb_table = g_new (float, (gsize) (T + 1) * E);
  for (int t = 0; t <= T; t++)
    gb_time_embedding (t, E, tr->emb_table + (gsize) t * E);
  net->ops->trainer_init (tr);
  return tr;
}

void
gb_denoiser_unet_trainer_init (GbDenoiserTrainer *tr)
{
  tr->grad2 = g_new0 (float, tr->net->n_params);
}

void
gb_denoiser_mlp_trainer_init (GbDenoiserTrainer *tr)
{
  gsize B = (gsize) tr->batch, H = (gsize) tr->net->hidden, d = (gsize) tr->net->d;
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
 * two halves at a time (half: the noise stream of the seed). */
typedef struct {
  GbDenoiserTrainer *tr;
  const float *x0;
  guint64 seed;
  int stage;
} Rows;

enum { STAGE_NOISE, STAGE_WHITEN, STAGE_SILU1, STAGE_SILU2, STAGE_DSILU2, STAGE_DSILU1 };

static void
rows_part (const Rows *p, int half, int r0, int r1)
{
  GbDenoiserTrainer *tr = p->tr;
  const GbDenoiser *net = tr->net;
  const GbSchedule *s = net->schedule;
  int d = net->d, H = net->hidden, n = r1 - r0;
  gsize oh = (gsize) r0 * H, nh = (gsize) n * H;
  switch (p->stage)
    {
    case STAGE_NOISE:   /* x_t = √ᾱ_t x₀ + √(1−ᾱ_t) ε, e(t) beside it, and x_t − √ᾱ_t μ */
      {
        GbRng rng;
        gb_rng_init_stream (&rng, p->seed, (guint64) half);
        gb_rng_fill_normal_fast (&rng, tr->eps + (gsize) r0 * d, (gsize) n * d);
        for (int i = r0; i < r1; i++)
          {
            int t = tr->ts[i];
            float a = (float) sqrt (s->alpha_bar[t]), b = (float) sqrt (1.0 - s->alpha_bar[t]);
            float *row = tr->inp + (gsize) i * d;
            const float *x = p->x0 + (gsize) i * d, *e = tr->eps + (gsize) i * d;
            for (int k = 0; k < d; k++)
              row[k] = a * x[k] + b * e[k];
            memcpy (tr->emb + (gsize) i * E, tr->emb_table + (gsize) t * E, E * sizeof (float));
          }
        if (tr->u != NULL)   /* an MLP over a fitted Gaussian */
          gb_denoiser_gauss_centre (net, tr->inp + (gsize) r0 * d, n, 0, tr->ts + r0, tr->u + (gsize) r0 * d);
        break;
      }
    case STAGE_WHITEN:  /* the gains, and u = c ⊙ whitening */
      for (int i = r0; i < r1; i++)
        {
          float *g = tr->gain + (gsize) i * d, *u = tr->u + (gsize) i * d;
          const float *c = tr->c + (gsize) i * d;
          gb_denoiser_gauss_coeffs (net, tr->ts[i], g, u);   /* u holds the whitening for a moment */
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

static void
rows_half_cb (gpointer data, int half, gint64 r0, gint64 r1)
{
  rows_part (data, half, (int) r0, (int) r1);
}

/* A stage over the two halves of the batch: on both cores when split, and
 * with the same numbers either way. */
static void
train_rows (GbDenoiserTrainer *tr, gboolean split, int stage, const float *x0, guint64 seed)
{
  Rows rows = { tr, x0, seed, stage };
  gb_parallel_halves (split, tr->batch / 2, tr->batch, rows_half_cb, &rows);
}

/* Adam, then the weights' average, on the parameters j0…j1 − 1 (tr->step is Adam's t). */
static void
adam_range_cb (gpointer data, int part, gint64 j0, gint64 j1)
{
  GbDenoiserTrainer *tr = data;
  int step = tr->step;
  float decay = MIN (tr->ema_decay, (1.0f + step) / (10.0f + step)), keep = 1.0f - decay;
  /* In pieces that stay in cache, so the average reads the weights Adam just wrote from there. */
  const gsize piece = 16384;
  for (gsize i0 = (gsize) j0; i0 < (gsize) j1; i0 += piece)
    {
      gsize n = MIN (piece, (gsize) j1 - i0);
      float *p = tr->net->params + i0;
      gb_adam_step_keep (&tr->adam, p, tr->grad + i0, tr->m + i0, tr->v + i0, tr->prev + i0, n, step);
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
  ++tr->step;
  if (tr->prev == NULL)
    tr->prev = g_new (float, net->n_params);
  if (tr->ema != NULL && tr->ema_prev == NULL)
    tr->ema_prev = g_new (float, net->n_params);
  gsize half = split ? net->n_params / 2 / 16 * 16 : net->n_params;
  gb_parallel_halves (TRUE, (gint64) half, (gint64) net->n_params, adam_range_cb, tr);
  gb_denoiser_changed (net);
}

/* Each half of the batch into a gradient and a loss of its own. */
typedef struct {
  GbDenoiserTrainer *tr;
  const GbUnetPacks *pk;
  double loss[2];
} UnetHalves;

static void
unet_half_cb (gpointer data, int part, gint64 r0, gint64 r1)
{
  UnetHalves *u = data;
  GbDenoiserTrainer *tr = u->tr;
  gsize d = (gsize) tr->net->d;
  u->loss[part] = gb_unet_gradient (tr->net->unet, u->pk, part == 0 ? tr->grad : tr->grad2, tr->inp + r0 * d,
                                    tr->eps + r0 * d, tr->ts + r0, tr->labels ? tr->labels + r0 : NULL, (int) (r1 - r0),
                                    1.0f / ((float) tr->batch * d));
}

/* The U-Net's step: each core takes half the batch into a gradient of its
 * own (the cut does not depend on the number of cores), summed before Adam. */
float
gb_denoiser_unet_train_step (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels)
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
  UnetHalves u = { tr, pk, { 0, 0 } };
  if (B >= 2)
    gb_parallel_halves (TRUE, B / 2, B, unet_half_cb, &u);
  else
    unet_half_cb (&u, 0, 0, B);
  gb_unet_packs_free (pk);
  double loss = (u.loss[0] + u.loss[1]) / ((double) B * net->d);
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
  return tr->net->ops->train_step (tr, x0, labels);
}

float
gb_denoiser_train_step (GbDenoiserTrainer *tr, const float *x0)
{
  return tr->net->ops->train_step (tr, x0, NULL);
}

/* A small MLP's noise stage, forward and backward pass on the rows r0…r1 − 1
 * of the batch, into a gradient and a loss of its own. */
typedef struct {
  Rows noise;
  double loss[2];
} MlpHalves;

static void
mlp_half_cb (gpointer data, int part, gint64 row0, gint64 row1)
{
  MlpHalves *m = data;
  rows_part (&m->noise, part, (int) row0, (int) row1);
  GbDenoiserTrainer *tr = m->noise.tr;
  const GbDenoiser *net = tr->net;
  int d = net->d, H = net->hidden, r0 = (int) row0, n = (int) (row1 - row0);
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
  m->loss[part] = loss;
  if (!isfinite (loss))
    return;
  float *gw1 = part == 0 ? tr->grad : tr->grad2, *gb1 = gw1 + (gsize) H * d, *gv1 = gb1 + H, *gw2 = gv1 + (gsize) H * E,
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
  MlpHalves m = { { tr, x0, seed, STAGE_NOISE }, { 0, 0 } };
  gb_parallel_halves (TRUE, B / 2, B, mlp_half_cb, &m);
  double loss = m.loss[0] + m.loss[1];
  if (!isfinite (loss))
    return (float) loss;   /* diverged: no update */
  for (gsize i = 0; i < net->n_params; i++)
    tr->grad[i] += tr->grad2[i];
  adam_all (tr, FALSE);
  return (float) (loss / ((double) B * net->d));
}

/* An MLP's step (labels: none of its business). */
float
gb_denoiser_mlp_train_step (GbDenoiserTrainer *tr, const float *x0, const guint8 *labels)
{
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

