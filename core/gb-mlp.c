/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-mlp.c — a small MLP as PyTorch's nn.Sequential (see the header). */
#include "gb-mlp.h"
#include <glib/gi18n.h>

#include <cblas.h>
#include <string.h>

#include "gb-error.h"
#include "gb-parallel.h"
#include "gb-simd.h"

/* dpre = dh where the ReLU's output h is positive, else 0: its backward pass in one write, no zeroing first. */
GB_HOT static void
relu_mask (float *restrict dpre, const float *restrict dh, const float *restrict h, gsize n)
{
  for (gsize i = 0; i < n; i++)
    dpre[i] = h[i] > 0.0f ? dh[i] : 0.0f;
}

void
gb_mlp_init (GbMlp *m, int n_in, int hidden, int n_hidden, int n_out, GbAct act)
{
  g_return_if_fail (n_hidden >= 0 && n_hidden < GB_MLP_MAX_LAYERS);
  g_return_if_fail (act == GB_ACT_RELU || act == GB_ACT_TANH);
  *m = (GbMlp) { .n_layers = n_hidden + 1, .act = act };
  m->size[0] = n_in;
  for (int l = 1; l <= n_hidden; l++)
    m->size[l] = hidden;
  m->size[n_hidden + 1] = n_out;
  for (int l = 0; l < m->n_layers; l++)
    m->n_params += (gsize) m->size[l + 1] * m->size[l] + m->size[l + 1];
}

gsize
gb_mlp_weight (const GbMlp *m, int l)
{
  gsize o = 0;
  for (int k = 0; k < l; k++)
    o += (gsize) m->size[k + 1] * m->size[k] + m->size[k + 1];
  return o;
}

gsize
gb_mlp_bias (const GbMlp *m, int l)
{
  return gb_mlp_weight (m, l) + (gsize) m->size[l + 1] * m->size[l];
}

void
gb_mlp_init_params (const GbMlp *m, float *params, GbRng *rng)
{
  for (int l = 0; l < m->n_layers; l++)
    gb_linear_init (params + gb_mlp_weight (m, l), params + gb_mlp_bias (m, l), m->size[l], m->size[l + 1], rng);
}

static int
widest (const GbMlp *m)
{
  int w = 0;
  for (int l = 0; l <= m->n_layers; l++)
    w = MAX (w, m->size[l]);
  return w;
}

GbMlpWork *
gb_mlp_work_new (const GbMlp *m, int rows)
{
  GbMlpWork *w = g_new0 (GbMlpWork, 1);
  w->rows = MAX (rows, 1);
  for (int l = 0; l < m->n_layers; l++)
    w->h[l] = g_new (float, (gsize) w->rows * m->size[l + 1]);
  w->d = g_new (float, 2 * (gsize) w->rows * widest (m));
  return w;
}

void
gb_mlp_work_free (GbMlpWork *w)
{
  if (w == NULL)
    return;
  for (int l = 0; l < GB_MLP_MAX_LAYERS; l++)
    g_free (w->h[l]);
  g_free (w->d);
  g_free (w);
}

/* out (n, n_out) = act (in (n, n_in) · wᵀ + b): the bias written first and the
 * product added to it (β = 1), so OpenBLAS has no β pass to make over out —
 * at these small sizes that pass was a tenth of a DQN's time. */
GB_HOT static void
relu_inplace (float *x, gsize n)
{
  for (gsize i = 0; i < n; i++)
    x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

static void
linear_forward (float *out, const float *in, const float *w, const float *b, int n, int n_in, int n_out, GbAct act)
{
  for (int r = 0; r < n; r++)
    memcpy (out + (gsize) r * n_out, b, (gsize) n_out * sizeof (float));
  if (n == 1)
    cblas_sgemv (CblasRowMajor, CblasNoTrans, n_out, n_in, 1.0f, w, n_in, in, 1, 1.0f, out, 1);
  else
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, n, n_out, n_in, 1.0f, in, n_in, w, n_in, 1.0f, out, n_out);
  if (act == GB_ACT_RELU)
    relu_inplace (out, (gsize) n * n_out);
  else if (act != GB_ACT_NONE)
    gb_act_forward (act, out, out, (gsize) n * n_out);
}

const float *
gb_mlp_forward (const GbMlp *m, const float *params, const float *x, int n, GbMlpWork *w)
{
  g_return_val_if_fail (n <= w->rows, NULL);
  const float *in = x;
  for (int l = 0; l < m->n_layers; l++)
    {
      GbAct act = l + 1 < m->n_layers ? m->act : GB_ACT_NONE;
      linear_forward (w->h[l], in, params + gb_mlp_weight (m, l), params + gb_mlp_bias (m, l), n, m->size[l],
                      m->size[l + 1], act);
      in = w->h[l];
    }
  return w->h[m->n_layers - 1];
}

/* One layer's backward: dw += doutᵀ · in (and db), din += dout · w. The two products are independent:
 * from BACKWARD_SPLIT_MIN multiply-adds each, dw's runs on the second core while this one makes din's
 * (the same numbers either way). */
enum { BACKWARD_SPLIT_MIN = 32768 };

typedef struct {
  float *din, *dw, *db;
  const float *dout, *in, *w;
  int n, n_in, n_out;
  gboolean dw_part;
} LayerBackward;

static void
layer_backward_cb (gpointer data)
{
  const LayerBackward *b = data;
  if (b->dw_part)
    gb_linear_backward (NULL, b->dw, b->db, b->dout, b->in, b->w, b->n, b->n_in, b->n_out, TRUE);
  else
    cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, b->n, b->n_in, b->n_out, 1.0f, b->dout, b->n_out, b->w,
                 b->n_in, 1.0f, b->din, b->n_in);
}

static void
layer_backward (float *din, float *dw, float *db, const float *dout, const float *in, const float *w, int n,
                int n_in, int n_out)
{
  if (din == NULL || (gint64) n * n_in * n_out < BACKWARD_SPLIT_MIN)
    {
      gb_linear_backward (din, dw, db, dout, in, w, n, n_in, n_out, TRUE);
      return;
    }
  LayerBackward a = { din, dw, db, dout, in, w, n, n_in, n_out, TRUE }, b = a;
  b.dw_part = FALSE;
  gb_parallel_pair (layer_backward_cb, &a, &b);
}

void
gb_mlp_backward (const GbMlp *m, const float *params, const float *x, int n, GbMlpWork *w, const float *dout,
                 float *grad, gboolean accumulate)
{
  /* din: ∂L/∂(a layer's input); dpre: ∂L/∂(the layer below's pre-activation), the next dout. */
  float *din = w->d, *dpre = w->d + (gsize) w->rows * widest (m);
  const float *dcur = dout;
  /* Zeroed here once and then added to (β = 1): OpenBLAS's β = 0 pass over each product costs more. */
  if (!accumulate)
    memset (grad, 0, m->n_params * sizeof (float));
  for (int l = m->n_layers - 1; l >= 0; l--)
    {
      const float *in = l > 0 ? w->h[l - 1] : x;
      gsize k = (gsize) n * m->size[l];
      if (l > 0)
        memset (din, 0, k * sizeof (float));
      layer_backward (l > 0 ? din : NULL, grad + gb_mlp_weight (m, l), grad + gb_mlp_bias (m, l), dcur, in,
                      params + gb_mlp_weight (m, l), n, m->size[l], m->size[l + 1]);
      if (l == 0)
        break;
      /* ReLU: out > 0 exactly where in > 0; tanh reads out: the kept outputs serve both. */
      if (m->act == GB_ACT_RELU)
        relu_mask (dpre, din, w->h[l - 1], k);
      else
        {
          memset (dpre, 0, k * sizeof (float));
          gb_act_backward (m->act, dpre, din, w->h[l - 1], w->h[l - 1], k);
        }
      dcur = dpre;
    }
}

/* --- files --- */

static void
layer_names (const char *prefix, int l, char *wname, char *bname, gsize len)
{
  g_snprintf (wname, len, "%s%d.weight", prefix, 2 * l);
  g_snprintf (bname, len, "%s%d.bias", prefix, 2 * l);
}

void
gb_mlp_write (const GbMlp *m, const float *params, GbSafetensorsWriter *w, const char *prefix)
{
  for (int l = 0; l < m->n_layers; l++)
    {
      char wn[96], bn[96];
      layer_names (prefix, l, wn, bn, sizeof wn);
      gint64 ws[2] = { m->size[l + 1], m->size[l] }, bs[1] = { m->size[l + 1] };
      gb_safetensors_writer_add_f32 (w, wn, ws, 2, params + gb_mlp_weight (m, l));
      gb_safetensors_writer_add_f32 (w, bn, bs, 1, params + gb_mlp_bias (m, l));
    }
}

gboolean
gb_mlp_read (const GbMlp *m, float *params, const GbSafetensors *st, const char *prefix, GError **error)
{
  for (int l = 0; l < m->n_layers; l++)
    {
      char wn[96], bn[96];
      layer_names (prefix, l, wn, bn, sizeof wn);
      gint64 ws[2] = { m->size[l + 1], m->size[l] }, bs[1] = { m->size[l + 1] };
      /* (gb_safetensors_read_f32 names the file and the tensor, and refuses NaN and infinities.) */
      if (!gb_safetensors_read_f32 (st, wn, ws, 2, params + gb_mlp_weight (m, l), error)
          || !gb_safetensors_read_f32 (st, bn, bs, 1, params + gb_mlp_bias (m, l), error))
        return FALSE;
    }
  return TRUE;
}

gboolean
gb_mlp_probe (GbMlp *m, const GbSafetensors *st, const char *prefix, GbAct act, GError **error)
{
  *m = (GbMlp) { .act = act };
  for (int l = 0;; l++)
    {
      char wn[96], bn[96];
      layer_names (prefix, l, wn, bn, sizeof wn);
      gint64 shape[GB_SAFETENSORS_MAX_RANK];
      int rank = gb_safetensors_shape (st, wn, shape);
      if (rank < 0 && l > 0)
        break;
      if (l == GB_MLP_MAX_LAYERS)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: more than %d linear layers (found %s)"),
                       gb_safetensors_get_name (st), GB_MLP_MAX_LAYERS, wn);
          return FALSE;
        }
      if (rank != 2 || shape[0] < 1 || shape[0] > 4096 || shape[1] < 1 || shape[1] > 4096
          || (l > 0 && shape[1] != m->size[l]))
        {
          if (rank < 0)
            g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: no tensor %s"), gb_safetensors_get_name (st), wn);
          else
            g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                         _("%s: %s is not a linear layer that follows the one before (widths 1…4096)"),
                         gb_safetensors_get_name (st), wn);
          return FALSE;
        }
      m->size[l] = (int) shape[1];
      m->size[l + 1] = (int) shape[0];
      m->n_layers = l + 1;
    }
  for (int l = 0; l < m->n_layers; l++)
    m->n_params += (gsize) m->size[l + 1] * m->size[l] + m->size[l + 1];
  return TRUE;
}
