/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae.c — the VAE's forward and backward passes, training step and
 * encode/decode. Everything heavy is a cblas_sgemm; the element-wise work
 * between products is fused into one pass per stage. */
#include "gb-vae.h"
#include <glib/gi18n.h>

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-parallel.h"
#include "gb-simd.h"

/* --- construction --- */

gboolean
gb_vae_config_check (const GbVaeConfig *c, GError **error)
{
  if (c->n_input < 1 || c->n_input > GB_VAE_MAX_INPUT)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("VAE input size %d is outside 1…%d"), c->n_input, GB_VAE_MAX_INPUT);
      return FALSE;
    }
  if (c->n_hidden < 1 || c->n_hidden > GB_VAE_MAX_HIDDEN)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("hidden width %d is outside 1…%d"), c->n_hidden, GB_VAE_MAX_HIDDEN);
      return FALSE;
    }
  if (c->n_latent < 1 || c->n_latent > GB_VAE_MAX_LATENT)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("latent size %d is outside 1…%d"), c->n_latent, GB_VAE_MAX_LATENT);
      return FALSE;
    }
  return TRUE;
}

static gsize
count_params (const GbVaeConfig *c)
{
  gsize D = c->n_input, H = c->n_hidden, L = c->n_latent;
  return H * D + H + 2 * L * H + 2 * L + H * L + H + D * H + D;
}

void
gb_vae_params_view (const GbVaeConfig *c, float *block, GbVaeParams *v)
{
  gsize D = c->n_input, H = c->n_hidden, L = c->n_latent;
  float *p = block;
  v->fc1_w = p; p += H * D;
  v->fc1_b = p; p += H;
  v->fc2_w = p; p += 2 * L * H;
  v->fc2_b = p; p += 2 * L;
  v->fc3_w = p; p += H * L;
  v->fc3_b = p; p += H;
  v->fc4_w = p; p += D * H;
  v->fc4_b = p; p += D;
  g_assert ((gsize) (p - block) == count_params (c));
}

GbVae *
gb_vae_new (const GbVaeConfig *config, GError **error)
{
  g_return_val_if_fail (config != NULL, NULL);
  if (!gb_vae_config_check (config, error))
    return NULL;
  GbVae *vae = g_new0 (GbVae, 1);
  vae->config = *config;
  vae->n_params = count_params (config);
  vae->params = g_new0 (float, vae->n_params);
  gb_vae_params_view (config, vae->params, &vae->p);
  vae->info.test_elbo = NAN;
  return vae;
}

GbVae *
gb_vae_copy (const GbVae *vae)
{
  GbVae *copy = gb_vae_new (&vae->config, NULL);
  memcpy (copy->params, vae->params, vae->n_params * sizeof (float));
  copy->info = vae->info;
  copy->info.dataset = g_strdup (vae->info.dataset);
  return copy;
}

void
gb_vae_free (GbVae *vae)
{
  if (vae == NULL)
    return;
  g_free (vae->params);
  g_free (vae->info.dataset);
  g_free (vae);
}

void
gb_vae_init_params (GbVae *vae, GbRng *rng)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  GbVaeParams *p = &vae->p;
  gb_linear_init (p->fc1_w, p->fc1_b, D, H, rng);
  /* fc21 and fc22 are two layers of their own, initialised one after the other
   * just as PyTorch would. Their weights are adjacent rows of fc2_w. */
  float *b21 = g_new (float, L), *b22 = g_new (float, L);
  gb_linear_init (p->fc2_w, b21, H, L, rng);
  gb_linear_init (p->fc2_w + (gsize) L * H, b22, H, L, rng);
  memcpy (p->fc2_b, b21, L * sizeof (float));
  memcpy (p->fc2_b + L, b22, L * sizeof (float));
  g_free (b21);
  g_free (b22);
  gb_linear_init (p->fc3_w, p->fc3_b, L, H, rng);
  gb_linear_init (p->fc4_w, p->fc4_b, H, D, rng);
}

/* --- encode and decode --- */

#define ENCODE_CHUNK 256
#define DECODE_CHUNK 1024

/* A per-thread scratch buffer that only grows: encode and decode run every
 * frame in the app, and a fresh buffer of more than 128 KiB would be mmapped,
 * page-faulted in and unmapped on every call. */
typedef struct {
  float *data;
  gsize cap;
} Scratch;

static void
scratch_free (gpointer p)
{
  Scratch *s = p;
  g_free (s->data);
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
  if (s->cap < n)
    {
      g_free (s->data);
      s->cap = MAX (n, s->cap * 2);
      s->data = g_new (float, s->cap);
    }
  return s->data;
}

static void
encode_chunk (const GbVae *vae, const float *x, float *h1, float *ml, float *mu,
              float *logvar, int B)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  gb_linear_forward (h1, x, vae->p.fc1_w, vae->p.fc1_b, B, D, H, GB_ACT_RELU);
  gb_linear_forward (ml, h1, vae->p.fc2_w, vae->p.fc2_b, B, H, 2 * L, GB_ACT_NONE);
  for (int r = 0; r < B; r++)
    {
      memcpy (mu + (gsize) r * L, ml + (gsize) r * 2 * L, L * sizeof (float));
      if (logvar != NULL)
        memcpy (logvar + (gsize) r * L, ml + (gsize) r * 2 * L + L, L * sizeof (float));
    }
}

void
gb_vae_encode (const GbVae *vae, const float *x, float *mu, float *logvar, int B)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  int chunk = MIN (B, ENCODE_CHUNK);
  float *h1 = scratch_get ((gsize) chunk * (H + 2 * L));
  float *ml = h1 + (gsize) chunk * H;
  for (int r0 = 0; r0 < B; r0 += chunk)
    {
      int n = MIN (chunk, B - r0);
      encode_chunk (vae, x + (gsize) r0 * D, h1, ml, mu + (gsize) r0 * L,
                    logvar ? logvar + (gsize) r0 * L : NULL, n);
    }
}

void
gb_vae_encode_u8 (const GbVae *vae, const guint8 *pixels, float *mu, float *logvar, int B)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  int chunk = MIN (B, ENCODE_CHUNK);
  float *x = scratch_get ((gsize) chunk * (D + H + 2 * L));
  float *h1 = x + (gsize) chunk * D;
  float *ml = h1 + (gsize) chunk * H;
  for (int r0 = 0; r0 < B; r0 += chunk)
    {
      int n = MIN (chunk, B - r0);
      const guint8 *px = pixels + (gsize) r0 * D;
      for (gsize i = 0; i < (gsize) n * D; i++)
        x[i] = px[i] * (1.0f / 255.0f);
      encode_chunk (vae, x, h1, ml, mu + (gsize) r0 * L,
                    logvar ? logvar + (gsize) r0 * L : NULL, n);
    }
}

/* h (B, H) = ReLU (z (B, 2) · w (H, 2)ᵀ + b): with two inputs a product is
 * two multiply-adds per output, which a plain loop does faster than sgemm's
 * packing. */
GB_HOT static void
latent2_relu (float *restrict h, const float *restrict z, const float *restrict w, const float *restrict b,
              int B, int H)
{
  for (int r = 0; r < B; r++)
    {
      float z0 = z[2 * r], z1 = z[2 * r + 1];
      float *restrict o = h + (gsize) r * H;
      for (int j = 0; j < H; j++)
        {
          float v = b[j] + w[2 * j] * z0 + w[2 * j + 1] * z1;
          o[j] = v > 0.0f ? v : 0.0f;
        }
    }
}

/* logits (B, D) for z (B, L), with scratch h3 (B, H). */
static void
decode_logits (const GbVae *vae, const float *z, float *h3, float *logits, int B)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  if (L == 2)
    latent2_relu (h3, z, vae->p.fc3_w, vae->p.fc3_b, B, H);
  else
    gb_linear_forward (h3, z, vae->p.fc3_w, vae->p.fc3_b, B, L, H, GB_ACT_RELU);
  gb_linear_forward (logits, h3, vae->p.fc4_w, vae->p.fc4_b, B, H, D, GB_ACT_NONE);
}

void
gb_vae_decode (const GbVae *vae, const float *z, float *out, int B)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  int chunk = MIN (B, DECODE_CHUNK);
  float *h3 = scratch_get ((gsize) chunk * H);
  for (int r0 = 0; r0 < B; r0 += chunk)
    {
      int n = MIN (chunk, B - r0);
      float *o = out + (gsize) r0 * D;
      decode_logits (vae, z + (gsize) r0 * L, h3, o, n);
      gb_sigmoid_inplace (o, (gsize) n * D);
    }
}

/* --- training --- */

GbVaeTrain *
gb_vae_train_new (const GbVae *vae, int batch)
{
  g_return_val_if_fail (batch > 0, NULL);
  gsize B = batch, D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  GbVaeTrain *tr = g_new0 (GbVaeTrain, 1);
  tr->batch = batch;
  tr->grads = g_new0 (float, vae->n_params);
  gb_vae_params_view (&vae->config, tr->grads, &tr->g);
  tr->m = g_new0 (float, vae->n_params);
  tr->v = g_new0 (float, vae->n_params);
  tr->prev = g_new0 (float, vae->n_params);
  tr->row_bce = g_new0 (double, B);
  tr->x = g_new0 (float, B * D);
  tr->h1 = g_new0 (float, B * H);
  tr->ml = g_new0 (float, B * 2 * L);
  tr->eps = g_new0 (float, B * L);
  tr->z = g_new0 (float, B * L);
  tr->h3 = g_new0 (float, B * H);
  tr->logits = g_new0 (float, B * D);
  tr->dh3 = g_new0 (float, B * H);
  tr->dz = g_new0 (float, B * L);
  tr->dml = g_new0 (float, B * 2 * L);
  tr->dh1 = g_new0 (float, B * H);
  return tr;
}

void
gb_vae_train_free (GbVaeTrain *tr)
{
  if (tr == NULL)
    return;
  g_free (tr->grads);
  g_free (tr->m);
  g_free (tr->v);
  g_free (tr->prev);
  g_free (tr->row_bce);
  g_free (tr->x);
  g_free (tr->h1);
  g_free (tr->ml);
  g_free (tr->eps);
  g_free (tr->z);
  g_free (tr->h3);
  g_free (tr->logits);
  g_free (tr->dh3);
  g_free (tr->dz);
  g_free (tr->dml);
  g_free (tr->dh1);
  g_free (tr);
}

/* BCE with logits and its gradient in one pass over logits (n):
 * returns Σ softplus (l) − x·l and overwrites logits with σ(l) − x.
 * With e = exp (−|l|): softplus (l) = max (l, 0) + log1p (e), and
 * σ(l) = 1/(1+e) for l ≥ 0, e/(1+e) otherwise; exp never overflows. */
/* Eight lanes of BCE with logits: returns the lanes' loss terms and
 * overwrites l (8) with σ(l) − x. */
static inline __attribute__ ((always_inline)) gb_v8f
bce8 (float *restrict l8, const float *restrict x8)
{
  const gb_v8f zero = gb_v8f_splat (0.0f), one = gb_v8f_splat (1.0f);
  const gb_v8i sign = (gb_v8i) gb_v8f_splat (-0.0f);
  gb_v8f l = gb_v8f_load (l8), xi = gb_v8f_load (x8);
  gb_v8f e = gb_v8f_exp ((gb_v8f) ((gb_v8i) l | sign));   /* e^−|l| */
  gb_v8f inv = one / (one + e);
  gb_v8i pos = l >= zero;
  gb_v8f_store (l8, gb_v8f_select (pos, inv, e * inv) - xi);
  return gb_v8f_select (pos, l, zero) + gb_v8f_log1p_unit (e) - xi * l;
}

GB_HOT static double
bce_with_logits_fused (float *restrict logits, const float *restrict x, gsize n)
{
  /* Eight lanes at a time, each with its own running sum; the lanes are
   * added in a fixed order, so the result does not depend on the clone. */
  gb_v8f acc = gb_v8f_splat (0.0f);
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    acc += bce8 (logits + i, x + i);
  double total = 0.0;
  if (i < n)
    {
      /* The last few values, padded to eight lanes (the padding is dropped). */
      float l8[8] = { 0 }, x8[8] = { 0 };
      memcpy (l8, logits + i, (n - i) * sizeof (float));
      memcpy (x8, x + i, (n - i) * sizeof (float));
      gb_v8f tail = bce8 (l8, x8);
      memcpy (logits + i, l8, (n - i) * sizeof (float));
      for (gsize k = 0; k < n - i; k++)
        total += tail[k];
    }
  for (int k = 0; k < 8; k++)
    total += acc[k];
  return total;
}

/* Σ softplus (l) − x·l over n values, l left as it is (the BCE of a decoded
 * image: −log p(x|z) for a Bernoulli decoder). */
GB_HOT double
gb_bce_logits (const float *logits, const float *x, gsize n)
{
  const gb_v8f zero = gb_v8f_splat (0.0f);
  const gb_v8i sign = (gb_v8i) gb_v8f_splat (-0.0f);
  gb_v8f acc = zero;
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      gb_v8f l = gb_v8f_load (logits + i), xi = gb_v8f_load (x + i);
      gb_v8f e = gb_v8f_exp ((gb_v8f) ((gb_v8i) l | sign));
      acc += gb_v8f_select (l >= zero, l, zero) + gb_v8f_log1p_unit (e) - xi * l;
    }
  double total = 0.0;
  for (; i < n; i++)
    total += fmaxf (logits[i], 0.0f) + log1pf (expf (-fabsf (logits[i]))) - x[i] * logits[i];
  for (int k = 0; k < 8; k++)
    total += acc[k];
  return total;
}

void
gb_vae_log_lik (const GbVae *vae, const float *x, const float *z, int n, double *ll, float *dz)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  int chunk = MIN (n, 256);
  float *h3 = scratch_get ((gsize) chunk * (H + D + (dz != NULL ? H : 0)));
  float *logits = h3 + (gsize) chunk * H, *dh3 = logits + (gsize) chunk * D;
  for (int r0 = 0; r0 < n; r0 += chunk)
    {
      int m = MIN (chunk, n - r0);
      decode_logits (vae, z + (gsize) r0 * L, h3, logits, m);
      for (int r = 0; r < m; r++)
        ll[r0 + r] = -gb_bce_logits (logits + (gsize) r * D, x, D);
      if (dz == NULL)
        continue;
      /* ∂ log p(x|z)/∂logits = x − σ(l); back through fc4, the ReLU and fc3. */
      for (int r = 0; r < m; r++)
        for (int d = 0; d < D; d++)
          logits[(gsize) r * D + d] = x[d] - gb_sigmoidf (logits[(gsize) r * D + d]);
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, H, D, 1.0f, logits, D, vae->p.fc4_w, H, 0.0f, dh3,
                   H);
      for (gsize k = 0; k < (gsize) m * H; k++)
        dh3[k] = h3[k] > 0.0f ? dh3[k] : 0.0f;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, L, H, 1.0f, dh3, H, vae->p.fc3_w, L, 0.0f,
                   dz + (gsize) r0 * L, L);
    }
}

/* Each row's BCE on the rows r0…r1 − 1, for one core. */
typedef struct {
  GbVaeTrain *tr;
  int D, r0, r1;
} BceRows;

static void
bce_rows_cb (gpointer data)
{
  const BceRows *b = data;
  for (int r = b->r0; r < b->r1; r++)
    b->tr->row_bce[r] = bce_with_logits_fused (b->tr->logits + (gsize) r * b->D, b->tr->x + (gsize) r * b->D, b->D);
}

GbVaeLoss
gb_vae_forward (const GbVae *vae, GbVaeTrain *tr, int B)
{
  g_assert (B > 0 && B <= tr->batch);
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  const GbVaeParams *p = &vae->p;
  GbVaeLoss loss = { 0.0, 0.0, B };
  gboolean split = tr->split;

  gb_linear_forward_pair (split, tr->h1, tr->x, p->fc1_w, p->fc1_b, B, D, H, GB_ACT_RELU);
  gb_linear_forward (tr->ml, tr->h1, p->fc2_w, p->fc2_b, B, H, 2 * L, GB_ACT_NONE);

  /* Reparameterise and take the KL term in one pass over (B, L). */
  for (int r = 0; r < B; r++)
    {
      const float *mu = tr->ml + (gsize) r * 2 * L, *lv = mu + L;
      const float *eps = tr->eps + (gsize) r * L;
      float *z = tr->z + (gsize) r * L;
      double kl = 0.0;
      for (int j = 0; j < L; j++)
        {
          float var = expf (lv[j]);
          z[j] = mu[j] + sqrtf (var) * eps[j];
          kl += -0.5 * (1.0 + lv[j] - (double) mu[j] * mu[j] - var);
        }
      loss.kl += kl;
    }

  gb_linear_forward (tr->h3, tr->z, p->fc3_w, p->fc3_b, B, L, H, GB_ACT_RELU);
  gb_linear_forward_pair (split, tr->logits, tr->h3, p->fc4_w, p->fc4_b, B, H, D, GB_ACT_NONE);
  BceRows a = { tr, D, 0, split ? B / 2 : B }, b = { tr, D, a.r1, B };
  if (split)
    gb_parallel_pair (bce_rows_cb, &a, &b);
  else
    bce_rows_cb (&a);
  for (int r = 0; r < B; r++)   /* in order, whatever the cut */
    loss.bce += tr->row_bce[r];
  return loss;
}

GB_HOT static void
relu_backward_inplace (float *restrict d, const float *restrict act, gsize n)
{
  for (gsize i = 0; i < n; i++)
    d[i] = act[i] > 0.0f ? d[i] : 0.0f;
}

void
gb_vae_backward (const GbVae *vae, GbVaeTrain *tr, int B, float beta)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  const GbVaeParams *p = &vae->p;
  GbVaeParams *g = &tr->g;

  /* tr->logits holds ∂BCE/∂logits (B, D) from the forward pass. Each layer
   * overwrites its gradients, so no pass zeroes them first. */
  gb_linear_backward_pair (tr->split, tr->dh3, g->fc4_w, g->fc4_b, tr->logits, tr->h3, p->fc4_w, B, H, D, FALSE);
  relu_backward_inplace (tr->dh3, tr->h3, (gsize) B * H);
  gb_linear_backward (tr->dz, g->fc3_w, g->fc3_b, tr->dh3, tr->z, p->fc3_w, B, L, H, FALSE);

  /* Through z = μ + σ ε and the KL term:
   *   ∂/∂μ = ∂L/∂z + β μ,  ∂/∂log σ² = ∂L/∂z · ε σ/2 + β (σ² − 1)/2 */
  for (int r = 0; r < B; r++)
    {
      const float *mu = tr->ml + (gsize) r * 2 * L, *lv = mu + L;
      const float *eps = tr->eps + (gsize) r * L, *dz = tr->dz + (gsize) r * L;
      float *dmu = tr->dml + (gsize) r * 2 * L, *dlv = dmu + L;
      for (int j = 0; j < L; j++)
        {
          float var = expf (lv[j]);
          dmu[j] = dz[j] + beta * mu[j];
          dlv[j] = dz[j] * eps[j] * 0.5f * sqrtf (var) + beta * 0.5f * (var - 1.0f);
        }
    }
  gb_linear_backward (tr->dh1, g->fc2_w, g->fc2_b, tr->dml, tr->h1, p->fc2_w, B, H, 2 * L, FALSE);
  relu_backward_inplace (tr->dh1, tr->h1, (gsize) B * H);
  gb_linear_backward_pair (tr->split, NULL, g->fc1_w, g->fc1_b, tr->dh1, tr->x, p->fc1_w, B, D, H, FALSE);
}

GB_HOT static void
load_batch (float *restrict x, const guint8 *restrict pixels, const guint32 *idx, int B, int D)
{
  const float scale = 1.0f / 255.0f;
  for (int r = 0; r < B; r++)
    {
      const guint8 *src = pixels + (gsize) (idx ? idx[r] : (guint32) r) * D;
      float *dst = x + (gsize) r * D;
      for (int d = 0; d < D; d++)
        dst[d] = src[d] * scale;
    }
}

GbVaeLoss
gb_vae_train_step (GbVae *vae, GbVaeTrain *tr, const guint8 *pixels, const guint32 *idx,
                   int B, const GbAdam *adam, float beta, GbRng *rng)
{
  g_return_val_if_fail (B > 0 && B <= tr->batch, (GbVaeLoss) { 0 });
  /* With OpenBLAS on one thread (train vae sets it), the big products and
   * Adam are split across the cores by hand: the same numbers, faster than
   * OpenBLAS's own threads at these sizes. */
  tr->split = gb_blas_get_threads () == 1;
  load_batch (tr->x, pixels, idx, B, vae->config.n_input);
  gb_rng_fill_normal (rng, tr->eps, (gsize) B * vae->config.n_latent);
  GbVaeLoss loss = gb_vae_forward (vae, tr, B);
  if (!isfinite (loss.bce) || !isfinite (loss.kl))
    return loss;   /* diverged: a step on it would only spread the NaNs into the weights */
  gb_vae_backward (vae, tr, B, beta);
  tr->step++;
  gb_adam_step_keep_pair (tr->split, adam, vae->params, tr->grads, tr->m, tr->v, tr->prev, vae->n_params,
                          tr->step);
  return loss;
}

gboolean
gb_vae_train_step_back (GbVae *vae, GbVaeTrain *tr)
{
  if (tr->step == 0)
    return FALSE;
  memcpy (vae->params, tr->prev, vae->n_params * sizeof (float));
  return TRUE;
}

GbVaeLoss
gb_vae_evaluate (const GbVae *vae, GbVaeTrain *tr, const guint8 *pixels, gsize n,
                 float beta, GbRng *rng)
{
  GbVaeLoss total = { 0.0, 0.0, 0 };
  int D = vae->config.n_input;
  tr->split = gb_blas_get_threads () == 1;
  for (gsize r0 = 0; r0 < n; r0 += tr->batch)
    {
      int B = (int) MIN ((gsize) tr->batch, n - r0);
      load_batch (tr->x, pixels + r0 * D, NULL, B, D);
      gb_rng_fill_normal (rng, tr->eps, (gsize) B * vae->config.n_latent);
      GbVaeLoss l = gb_vae_forward (vae, tr, B);
      total.bce += l.bce;
      total.kl += l.kl;
      total.n += B;
    }
  return total;
}

GbVaeLoss
gb_vae_explain (const GbVae *vae, const float *x, const float *eps, float *mu,
                float *logvar, float *z, float *recon)
{
  int D = vae->config.n_input, H = vae->config.n_hidden, L = vae->config.n_latent;
  GbVaeLoss loss = { 0.0, 0.0, 1 };
  g_autofree float *h = g_new (float, H);
  g_autofree float *ml = g_new (float, 2 * L);
  encode_chunk (vae, x, h, ml, mu, logvar, 1);
  for (int j = 0; j < L; j++)
    {
      z[j] = mu[j] + expf (0.5f * logvar[j]) * eps[j];
      loss.kl += -0.5 * (1.0 + logvar[j] - (double) mu[j] * mu[j] - exp (logvar[j]));
    }
  decode_logits (vae, z, h, recon, 1);
  for (int d = 0; d < D; d++)
    {
      float l = recon[d];
      loss.bce += fmaxf (l, 0.0f) + log1pf (expf (-fabsf (l))) - x[d] * l;
      recon[d] = gb_sigmoidf (l);
    }
  return loss;
}
