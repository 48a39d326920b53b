/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-classifier.c — an MLP or a small convolutional classifier trained by cross-entropy. */
#include "gb-diffusion-classifier.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-conv.h"
#include "gb-error.h"
#include "gb-safetensors.h"

#define C1 GB_CLASSIFIER_C1
#define C2 GB_CLASSIFIER_C2

static GbClassifier *
alloc_classifier (int d, int side, int hidden, int classes, GError **error)
{
  if (side != 0 && (side < 4 || side > 1024 || side % 4 != 0))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                   _("a convolutional classifier needs square images whose side is a multiple of 4, not %d"), side);
      return NULL;
    }
  if (side != 0)
    d = side * side;
  if (d < 1 || d > 1 << 20 || hidden < 1 || hidden > 8192 || classes < 2 || classes > 1000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("a classifier %d-%d-%d is outside the sizes allowed"),
                   d, hidden, classes);
      return NULL;
    }
  GbClassifier *c = g_new0 (GbClassifier, 1);
  c->d = d, c->side = side, c->hidden = hidden, c->classes = classes;
  c->f = side ? C2 * (side / 4) * (side / 4) : d;
  gsize conv = side ? (gsize) C1 * 9 + C1 + (gsize) C2 * C1 * 9 + C2 : 0;
  c->n_params = conv + (gsize) hidden * c->f + hidden + (gsize) classes * hidden + classes;
  c->params = g_new0 (float, c->n_params);
  float *p = c->params;
  if (side)
    {
      c->k1 = p, p += (gsize) C1 * 9;
      c->kb1 = p, p += C1;
      c->k2 = p, p += (gsize) C2 * C1 * 9;
      c->kb2 = p, p += C2;
    }
  c->w1 = p, p += (gsize) hidden * c->f;
  c->b1 = p, p += hidden;
  c->w2 = p, p += (gsize) classes * hidden;
  c->b2 = p;
  return c;
}

static void
init_dense (GbClassifier *c, GbRng *rng)
{
  gb_linear_init (c->w1, c->b1, c->f, c->hidden, rng);
  gb_linear_init (c->w2, c->b2, c->hidden, c->classes, rng);
}

GbClassifier *
gb_classifier_new (int d, int hidden, int classes, guint64 seed, GError **error)
{
  GbClassifier *c = alloc_classifier (d, 0, hidden, classes, error);
  if (c == NULL)
    return NULL;
  GbRng rng;
  gb_rng_init (&rng, seed);
  init_dense (c, &rng);
  return c;
}

GbClassifier *
gb_classifier_new_conv (int side, int hidden, int classes, guint64 seed, GError **error)
{
  GbClassifier *c = alloc_classifier (0, side, hidden, classes, error);
  if (c == NULL)
    return NULL;
  GbRng rng;
  gb_rng_init (&rng, seed);
  gb_linear_init (c->k1, c->kb1, 9, C1, &rng);          /* fan-in: 1 channel × 3 × 3 */
  gb_linear_init (c->k2, c->kb2, C1 * 9, C2, &rng);
  init_dense (c, &rng);
  return c;
}

/* Buffers for the convolutional part on up to n images. */
typedef struct {
  int n;
  float *a1, *p1, *a2, *f;          /* forward: conv₁ (ReLU'd), pooled, conv₂ (ReLU'd), pooled = f */
  float *da1, *dp1, *da2, *df;      /* backward */
} ConvWork;

static void
conv_work_init (ConvWork *w, const GbClassifier *c, int n, gboolean backward)
{
  memset (w, 0, sizeof *w);
  if (!c->side)
    return;
  gsize s2 = (gsize) c->side * c->side, h2 = s2 / 4;
  w->n = n;
  w->a1 = g_new (float, n * C1 * s2), w->p1 = g_new (float, n * C1 * h2);
  w->a2 = g_new (float, n * C2 * h2), w->f = g_new (float, (gsize) n * c->f);
  if (backward)
    {
      w->da1 = g_new (float, n * C1 * s2), w->dp1 = g_new (float, n * C1 * h2);
      w->da2 = g_new (float, n * C2 * h2), w->df = g_new (float, (gsize) n * c->f);
    }
}

static void
conv_work_clear (ConvWork *w)
{
  g_free (w->a1), g_free (w->p1), g_free (w->a2), g_free (w->f);
  g_free (w->da1), g_free (w->dp1), g_free (w->da2), g_free (w->df);
}

/* The dense layers' input for x (n, d): x itself for an MLP, else f. */
static const float *
features (const GbClassifier *c, const float *x, int n, ConvWork *w)
{
  if (!c->side)
    return x;
  int S = c->side, h = S / 2;
  gsize s2 = (gsize) S * S, h2 = (gsize) h * h;
  gb_conv2d_forward (w->a1, x, c->k1, c->kb1, n, 1, C1, S, S, 3);
  gb_act_forward (GB_ACT_RELU, w->a1, w->a1, n * C1 * s2);
  gb_avgpool2_forward (w->p1, w->a1, n, C1, S, S);
  gb_conv2d_forward (w->a2, w->p1, c->k2, c->kb2, n, C1, C2, h, h, 3);
  gb_act_forward (GB_ACT_RELU, w->a2, w->a2, n * C2 * h2);
  gb_avgpool2_forward (w->f, w->a2, n, C2, h, h);
  return w->f;
}

/* d ← 0 where the ReLU's output was not positive (its derivative there, as PyTorch takes it at 0). */
static void
relu_mask (float *d, const float *out, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!(out[i] > 0.0f))
      d[i] = 0.0f;
}

/* From ∂L/∂f (w->df) back through both convolutions: their gradients gk1,
 * gkb1, gk2, gkb2 (overwritten). */
static void
features_backward (const GbClassifier *c, const float *x, int n, ConvWork *w, float *gk1, float *gkb1, float *gk2,
                   float *gkb2)
{
  int S = c->side, h = S / 2;
  gsize s2 = (gsize) S * S, h2 = (gsize) h * h;
  memset (w->da2, 0, n * C2 * h2 * sizeof (float));
  gb_avgpool2_backward (w->da2, w->df, n, C2, h, h);
  relu_mask (w->da2, w->a2, n * C2 * h2);
  memset (w->dp1, 0, n * C1 * h2 * sizeof (float));
  memset (gk2, 0, (gsize) C2 * C1 * 9 * sizeof (float));
  memset (gkb2, 0, C2 * sizeof (float));
  gb_conv2d_backward (w->dp1, gk2, gkb2, w->da2, w->p1, c->k2, n, C1, C2, h, h, 3);
  memset (w->da1, 0, n * C1 * s2 * sizeof (float));
  gb_avgpool2_backward (w->da1, w->dp1, n, C1, S, S);
  relu_mask (w->da1, w->a1, n * C1 * s2);
  memset (gk1, 0, (gsize) C1 * 9 * sizeof (float));
  memset (gkb1, 0, C1 * sizeof (float));
  gb_conv2d_backward (NULL, gk1, gkb1, w->da1, x, c->k1, n, 1, C1, S, S, 3);
}

void
gb_classifier_free (GbClassifier *c)
{
  if (c == NULL)
    return;
  g_free (c->params);
  g_free (c);
}

static void
softmax_rows (float *z, int n, int k)
{
  for (int i = 0; i < n; i++)
    {
      float *r = z + (gsize) i * k, m = r[0];
      for (int j = 1; j < k; j++)
        m = MAX (m, r[j]);
      double s = 0;
      for (int j = 0; j < k; j++)
        s += (r[j] = expf (r[j] - m));
      for (int j = 0; j < k; j++)
        r[j] = (float) (r[j] / s);
    }
}

void
gb_classifier_predict (const GbClassifier *c, const float *x, int n, float *p)
{
  const int chunk = c->side ? 128 : 512;
  g_autofree float *h = g_new (float, (gsize) chunk * c->hidden);
  ConvWork w;
  conv_work_init (&w, c, chunk, FALSE);
  for (int i0 = 0; i0 < n; i0 += chunk)
    {
      int m = MIN (chunk, n - i0);
      const float *f = features (c, x + (gsize) i0 * c->d, m, &w);
      gb_linear_forward (h, f, c->w1, c->b1, m, c->f, c->hidden, GB_ACT_RELU);
      gb_linear_forward (p + (gsize) i0 * c->classes, h, c->w2, c->b2, m, c->hidden, c->classes, GB_ACT_NONE);
      softmax_rows (p + (gsize) i0 * c->classes, m, c->classes);
    }
  conv_work_clear (&w);
}

static void
to_input (const GbImageSet *set, guint32 k, float *out, int d)
{
  const guint8 *px = set->pixels + (gsize) k * d;
  for (int j = 0; j < d; j++)
    out[j] = px[j] * (2.0f / 255.0f) - 1.0f;
}

double
gb_classifier_accuracy (const GbClassifier *c, const GbImageSet *set)
{
  int d = c->d, n = (int) set->n, right = 0;
  g_autofree float *x = g_new (float, (gsize) 512 * d), *p = g_new (float, (gsize) 512 * c->classes);
  for (int i0 = 0; i0 < n; i0 += 512)
    {
      int m = MIN (512, n - i0);
      for (int i = 0; i < m; i++)
        to_input (set, (guint32) (i0 + i), x + (gsize) i * d, d);
      gb_classifier_predict (c, x, m, p);
      for (int i = 0; i < m; i++)
        {
          int best = 0;
          for (int j = 1; j < c->classes; j++)
            if (p[(gsize) i * c->classes + j] > p[(gsize) i * c->classes + best])
              best = j;
          right += best == set->labels[i0 + i];
        }
    }
  return n ? (double) right / n : 0.0;
}

/* Buffers for a batch's forward and backward passes. */
typedef struct {
  int B;
  float *h, *z, *dh, *dz1;
  ConvWork conv;
} Work;

static void
work_init (Work *w, const GbClassifier *c, int B)
{
  w->B = B;
  w->h = g_new (float, (gsize) B * c->hidden), w->dh = g_new (float, (gsize) B * c->hidden);
  w->dz1 = g_new (float, (gsize) B * c->hidden), w->z = g_new (float, (gsize) B * c->classes);
  conv_work_init (&w->conv, c, B, TRUE);
}

static void
work_clear (Work *w)
{
  g_free (w->h), g_free (w->dh), g_free (w->dz1), g_free (w->z);
  conv_work_clear (&w->conv);
}

/* The mean cross-entropy of x (B, d) against labels, and its gradient g
 * (laid out as the parameters, overwritten). */
static double
loss_grad (const GbClassifier *c, const float *x, const guint8 *labels, int B, float *g, Work *w)
{
  int F = c->f, H = c->hidden, K = c->classes;
  gsize conv = (gsize) (c->w1 - c->params);
  float *gk1 = g, *gkb1 = gk1 + (gsize) C1 * 9, *gk2 = gkb1 + C1, *gkb2 = gk2 + (gsize) C2 * C1 * 9;
  float *gw1 = g + conv, *gb1 = gw1 + (gsize) H * F, *gw2 = gb1 + H, *gb2 = gw2 + (gsize) K * H;
  const float *f = features (c, x, B, &w->conv);
  gb_linear_forward (w->h, f, c->w1, c->b1, B, F, H, GB_ACT_RELU);
  gb_linear_forward (w->z, w->h, c->w2, c->b2, B, H, K, GB_ACT_NONE);
  softmax_rows (w->z, B, K);
  /* ∂(mean cross-entropy)/∂logits = (p − onehot) / B. */
  double loss = 0.0;
  for (int i = 0; i < B; i++)
    {
      float *zi = w->z + (gsize) i * K;
      loss -= log (MAX (zi[labels[i]], 1e-30f));
      zi[labels[i]] -= 1.0f;
      for (int j = 0; j < K; j++)
        zi[j] /= (float) B;
    }
  gb_linear_backward (w->dh, gw2, gb2, w->z, w->h, c->w2, B, H, K, FALSE);
  memset (w->dz1, 0, (gsize) B * H * sizeof (float));
  gb_act_backward (GB_ACT_RELU, w->dz1, w->dh, w->h, w->h, (gsize) B * H);   /* h > 0 exactly where its input was */
  gb_linear_backward (c->side ? w->conv.df : NULL, gw1, gb1, w->dz1, f, c->w1, B, F, H, FALSE);
  if (c->side)
    features_backward (c, x, B, &w->conv, gk1, gkb1, gk2, gkb2);
  return loss / B;
}

double
gb_classifier_loss_grad (const GbClassifier *c, const float *x, const guint8 *labels, int n, float *grad)
{
  Work w;
  work_init (&w, c, n);
  double loss = loss_grad (c, x, labels, n, grad, &w);
  work_clear (&w);
  return loss;
}

double
gb_classifier_train (GbClassifier *c, const GbImageSet *set, const GbImageSet *test, int epochs, int batch, float lr,
                     guint64 seed)
{
  int d = c->d, B = batch;
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = lr;
  g_autofree float *g = g_new0 (float, c->n_params), *m = g_new0 (float, c->n_params), *v = g_new0 (float, c->n_params);
  g_autofree float *x = g_new (float, (gsize) B * d);
  g_autofree guint8 *labels = g_new (guint8, B);
  g_autofree guint32 *order = g_new (guint32, set->n);
  Work w;
  work_init (&w, c, B);
  for (guint32 i = 0; i < set->n; i++)
    order[i] = i;
  GbRng rng;
  gb_rng_init (&rng, seed);
  int step = 0;
  for (int e = 0; e < epochs; e++)
    {
      gb_rng_shuffle (&rng, order, set->n);
      for (guint32 i0 = 0; i0 + (guint32) B <= set->n; i0 += (guint32) B)
        {
          for (int i = 0; i < B; i++)
            {
              to_input (set, order[i0 + i], x + (gsize) i * d, d);
              labels[i] = set->labels[order[i0 + i]];
            }
          loss_grad (c, x, labels, B, g, &w);
          gb_adam_step (&adam, c->params, g, m, v, c->n_params, ++step);
        }
    }
  work_clear (&w);
  return test ? gb_classifier_accuracy (c, test) : 0.0;
}

gboolean
gb_classifier_save (const GbClassifier *c, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  gint64 s1[2] = { c->hidden, c->f }, b1[1] = { c->hidden }, s2[2] = { c->classes, c->hidden }, b2[1] = { c->classes };
  if (c->side)
    {
      gint64 k1[4] = { C1, 1, 3, 3 }, kb1[1] = { C1 }, k2[4] = { C2, C1, 3, 3 }, kb2[1] = { C2 };
      gb_safetensors_writer_add_f32 (w, "conv1.weight", k1, 4, c->k1);
      gb_safetensors_writer_add_f32 (w, "conv1.bias", kb1, 1, c->kb1);
      gb_safetensors_writer_add_f32 (w, "conv2.weight", k2, 4, c->k2);
      gb_safetensors_writer_add_f32 (w, "conv2.bias", kb2, 1, c->kb2);
      g_autofree char *side = g_strdup_printf ("%d", c->side);
      gb_safetensors_writer_set_metadata (w, "arch", "conv");
      gb_safetensors_writer_set_metadata (w, "side", side);
    }
  gb_safetensors_writer_add_f32 (w, "fc1.weight", s1, 2, c->w1);
  gb_safetensors_writer_add_f32 (w, "fc1.bias", b1, 1, c->b1);
  gb_safetensors_writer_add_f32 (w, "fc2.weight", s2, 2, c->w2);
  gb_safetensors_writer_add_f32 (w, "fc2.bias", b2, 1, c->b2);
  gb_safetensors_writer_set_metadata (w, "kind", "classifier");
  return gb_safetensors_writer_save (w, path, error);
}

GbClassifier *
gb_classifier_load (const char *path, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  if (st == NULL)
    return NULL;
  const char *name = gb_safetensors_get_name (st);
  if (g_strcmp0 (gb_safetensors_get_metadata (st, "kind"), "classifier") != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a classifier of Glassbox"), name);
      return NULL;
    }
  const char *arch = gb_safetensors_get_metadata (st, "arch");
  int side = 0;
  if (arch != NULL)
    {
      const char *side_s = gb_safetensors_get_metadata (st, "side");
      gint64 sv = 0;
      if (g_strcmp0 (arch, "conv") != 0 || side_s == NULL || !g_ascii_string_to_signed (side_s, 10, 4, 1024, &sv, NULL))
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: a classifier of an unknown kind (“%s”)"), name, arch);
          return NULL;
        }
      side = (int) sv;
    }
  gint64 s1[GB_SAFETENSORS_MAX_RANK], s2[GB_SAFETENSORS_MAX_RANK];
  if (gb_safetensors_shape (st, "fc1.weight", s1) != 2 || gb_safetensors_shape (st, "fc2.weight", s2) != 2
      || s2[1] != s1[0])
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: the layers' shapes do not fit together"), name);
      return NULL;
    }
  g_autoptr (GbClassifier) c = alloc_classifier ((int) s1[1], side, (int) s1[0], (int) s2[0], error);
  if (c == NULL)
    return NULL;
  if (s1[1] != c->f)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "%s: the first dense layer takes %" G_GINT64_FORMAT
                   " values, the convolutions make %d", name, s1[1], c->f);
      return NULL;
    }
  gint64 b1[1] = { c->hidden }, b2[1] = { c->classes };
  if (side)
    {
      gint64 k1[4] = { C1, 1, 3, 3 }, kb1[1] = { C1 }, k2[4] = { C2, C1, 3, 3 }, kb2[1] = { C2 };
      if (!gb_safetensors_read_f32 (st, "conv1.weight", k1, 4, c->k1, error)
          || !gb_safetensors_read_f32 (st, "conv1.bias", kb1, 1, c->kb1, error)
          || !gb_safetensors_read_f32 (st, "conv2.weight", k2, 4, c->k2, error)
          || !gb_safetensors_read_f32 (st, "conv2.bias", kb2, 1, c->kb2, error))
        return NULL;
    }
  if (!gb_safetensors_read_f32 (st, "fc1.weight", s1, 2, c->w1, error)
      || !gb_safetensors_read_f32 (st, "fc1.bias", b1, 1, c->b1, error)
      || !gb_safetensors_read_f32 (st, "fc2.weight", s2, 2, c->w2, error)
      || !gb_safetensors_read_f32 (st, "fc2.bias", b2, 1, c->b2, error))
    return NULL;
  return g_steal_pointer (&c);
}
