/* gb-classifier.c — an MLP classifier trained by cross-entropy. */
#include "gb-classifier.h"

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-safetensors.h"

static GbClassifier *
alloc_classifier (int d, int hidden, int classes, GError **error)
{
  if (d < 1 || d > 1 << 20 || hidden < 1 || hidden > 8192 || classes < 2 || classes > 1000)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "a classifier %d-%d-%d is outside the sizes allowed",
                   d, hidden, classes);
      return NULL;
    }
  GbClassifier *c = g_new0 (GbClassifier, 1);
  c->d = d, c->hidden = hidden, c->classes = classes;
  c->n_params = (gsize) hidden * d + hidden + (gsize) classes * hidden + classes;
  c->params = g_new0 (float, c->n_params);
  c->w1 = c->params;
  c->b1 = c->w1 + (gsize) hidden * d;
  c->w2 = c->b1 + hidden;
  c->b2 = c->w2 + (gsize) classes * hidden;
  return c;
}

GbClassifier *
gb_classifier_new (int d, int hidden, int classes, guint64 seed, GError **error)
{
  GbClassifier *c = alloc_classifier (d, hidden, classes, error);
  if (c == NULL)
    return NULL;
  GbRng rng;
  gb_rng_init (&rng, seed);
  gb_linear_init (c->w1, c->b1, d, hidden, &rng);
  gb_linear_init (c->w2, c->b2, hidden, classes, &rng);
  return c;
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
  const int chunk = 512;
  g_autofree float *h = g_new (float, (gsize) chunk * c->hidden);
  for (int i0 = 0; i0 < n; i0 += chunk)
    {
      int m = MIN (chunk, n - i0);
      gb_linear_forward (h, x + (gsize) i0 * c->d, c->w1, c->b1, m, c->d, c->hidden, GB_ACT_RELU);
      gb_linear_forward (p + (gsize) i0 * c->classes, h, c->w2, c->b2, m, c->hidden, c->classes, GB_ACT_NONE);
      softmax_rows (p + (gsize) i0 * c->classes, m, c->classes);
    }
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

double
gb_classifier_train (GbClassifier *c, const GbImageSet *set, const GbImageSet *test, int epochs, int batch, float lr,
                     guint64 seed)
{
  int d = c->d, H = c->hidden, K = c->classes, B = batch;
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = lr;
  g_autofree float *g = g_new0 (float, c->n_params), *m = g_new0 (float, c->n_params), *v = g_new0 (float, c->n_params);
  g_autofree float *x = g_new (float, (gsize) B * d), *h = g_new (float, (gsize) B * H), *z = g_new (float, (gsize) B * K),
                   *dh = g_new (float, (gsize) B * H), *dz1 = g_new (float, (gsize) B * H);
  g_autofree guint32 *order = g_new (guint32, set->n);
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
            to_input (set, order[i0 + i], x + (gsize) i * d, d);
          gb_linear_forward (h, x, c->w1, c->b1, B, d, H, GB_ACT_RELU);
          gb_linear_forward (z, h, c->w2, c->b2, B, H, K, GB_ACT_NONE);
          softmax_rows (z, B, K);
          /* ∂(mean cross-entropy)/∂logits = (p − onehot) / B. */
          for (int i = 0; i < B; i++)
            {
              z[(gsize) i * K + set->labels[order[i0 + i]]] -= 1.0f;
              for (int j = 0; j < K; j++)
                z[(gsize) i * K + j] /= (float) B;
            }
          float *gw1 = g, *gb1 = gw1 + (gsize) H * d, *gw2 = gb1 + H, *gb2 = gw2 + (gsize) K * H;
          gb_linear_backward (dh, gw2, gb2, z, h, c->w2, B, H, K, FALSE);
          memset (dz1, 0, (gsize) B * H * sizeof (float));
          gb_act_backward (GB_ACT_RELU, dz1, dh, h, h, (gsize) B * H);   /* h > 0 exactly where its input was */
          gb_linear_backward (NULL, gw1, gb1, dz1, x, c->w1, B, d, H, FALSE);
          gb_adam_step (&adam, c->params, g, m, v, c->n_params, ++step);
        }
    }
  return test ? gb_classifier_accuracy (c, test) : 0.0;
}

gboolean
gb_classifier_save (const GbClassifier *c, const char *path, GError **error)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  gint64 s1[2] = { c->hidden, c->d }, b1[1] = { c->hidden }, s2[2] = { c->classes, c->hidden }, b2[1] = { c->classes };
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
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: not a classifier of Glassbox", name);
      return NULL;
    }
  gint64 s1[GB_SAFETENSORS_MAX_RANK], s2[GB_SAFETENSORS_MAX_RANK];
  if (gb_safetensors_shape (st, "fc1.weight", s1) != 2 || gb_safetensors_shape (st, "fc2.weight", s2) != 2
      || s2[1] != s1[0])
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "%s: the layers' shapes do not fit together", name);
      return NULL;
    }
  g_autoptr (GbClassifier) c = alloc_classifier ((int) s1[1], (int) s1[0], (int) s2[0], error);
  if (c == NULL)
    return NULL;
  gint64 b1[1] = { c->hidden }, b2[1] = { c->classes };
  if (!gb_safetensors_read_f32 (st, "fc1.weight", s1, 2, c->w1, error)
      || !gb_safetensors_read_f32 (st, "fc1.bias", b1, 1, c->b1, error)
      || !gb_safetensors_read_f32 (st, "fc2.weight", s2, 2, c->w2, error)
      || !gb_safetensors_read_f32 (st, "fc2.bias", b2, 1, c->b2, error))
    return NULL;
  return g_steal_pointer (&c);
}
