/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-file.c — saving and loading VAEs as safetensors. */
#include "gb-vae-file.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb-error.h"
#include "gb-safetensors.h"

static GbSafetensorsWriter *
make_writer (const GbVae *vae)
{
  const GbVaeConfig *c = &vae->config;
  gint64 D = c->n_input, H = c->n_hidden, L = c->n_latent;
  GbSafetensorsWriter *w = gb_safetensors_writer_new ();
  const GbVaeParams *p = &vae->p;
  gb_safetensors_writer_add_f32 (w, "fc1.weight", (gint64[]) { H, D }, 2, p->fc1_w);
  gb_safetensors_writer_add_f32 (w, "fc1.bias", (gint64[]) { H }, 1, p->fc1_b);
  gb_safetensors_writer_add_f32 (w, "fc21.weight", (gint64[]) { L, H }, 2, p->fc2_w);
  gb_safetensors_writer_add_f32 (w, "fc21.bias", (gint64[]) { L }, 1, p->fc2_b);
  gb_safetensors_writer_add_f32 (w, "fc22.weight", (gint64[]) { L, H }, 2, p->fc2_w + L * H);
  gb_safetensors_writer_add_f32 (w, "fc22.bias", (gint64[]) { L }, 1, p->fc2_b + L);
  gb_safetensors_writer_add_f32 (w, "fc3.weight", (gint64[]) { H, L }, 2, p->fc3_w);
  gb_safetensors_writer_add_f32 (w, "fc3.bias", (gint64[]) { H }, 1, p->fc3_b);
  gb_safetensors_writer_add_f32 (w, "fc4.weight", (gint64[]) { D, H }, 2, p->fc4_w);
  gb_safetensors_writer_add_f32 (w, "fc4.bias", (gint64[]) { D }, 1, p->fc4_b);

  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *arch = g_strdup_printf ("%d-%d-%d", c->n_input, c->n_hidden, c->n_latent);
  g_autofree char *epochs = g_strdup_printf ("%d", vae->info.epochs);
  g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, vae->info.seed);
  g_autofree char *batch = g_strdup_printf ("%d", vae->info.batch);
  gb_safetensors_writer_set_metadata (w, "kind", "vae");
  gb_safetensors_writer_set_metadata (w, "format", "pt");
  gb_safetensors_writer_set_metadata (w, "architecture", arch);
  gb_safetensors_writer_set_metadata (w, "epochs", epochs);
  gb_safetensors_writer_set_metadata (w, "seed", seed);
  gb_safetensors_writer_set_metadata (w, "batch", batch);
  gb_safetensors_writer_set_metadata (w, "lr", g_ascii_dtostr (buf, sizeof buf, vae->info.lr));
  gb_safetensors_writer_set_metadata (w, "beta", g_ascii_dtostr (buf, sizeof buf, vae->info.beta));
  if (vae->info.dataset != NULL)
    gb_safetensors_writer_set_metadata (w, "dataset", vae->info.dataset);
  if (isfinite (vae->info.test_elbo))
    gb_safetensors_writer_set_metadata (w, "test_elbo",
                                        g_ascii_formatd (buf, sizeof buf, "%.4f", vae->info.test_elbo));
  return w;
}

GBytes *
gb_vae_to_bytes (const GbVae *vae)
{
  g_autoptr (GbSafetensorsWriter) w = make_writer (vae);
  return gb_safetensors_writer_to_bytes (w);
}

gboolean
gb_vae_save (const GbVae *vae, const char *path, GError **error)
{
  g_return_val_if_fail (vae != NULL && path != NULL, FALSE);
  g_autoptr (GbSafetensorsWriter) w = make_writer (vae);
  return gb_safetensors_writer_save (w, path, error);
}

static gboolean
dim_of (GbSafetensors *st, const char *tensor, int axis, int *out, GError **error)
{
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  int rank = gb_safetensors_shape (st, tensor, shape);
  if (rank < 0)
    {
      const char *kind = gb_safetensors_get_metadata (st, "kind");
      if (kind != NULL && !g_str_equal (kind, "vae"))
        g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: holds a %s model, not a VAE"),
                     gb_safetensors_get_name (st), kind);
      else
        g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                     _("%s: no tensor “%s”: not a VAE with the layers fc1, fc21, fc22, fc3, fc4"),
                     gb_safetensors_get_name (st), tensor);
      return FALSE;
    }
  if (rank != 2 || shape[axis] < 1 || shape[axis] > G_MAXINT)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: tensor “%s” has rank %d, expected 2"),
                   gb_safetensors_get_name (st), tensor, rank);
      return FALSE;
    }
  *out = (int) shape[axis];
  return TRUE;
}

static void
read_info (GbSafetensors *st, GbVaeInfo *info)
{
  const char *v;
  if ((v = gb_safetensors_get_metadata (st, "dataset")))
    info->dataset = g_strdup (v);
  if ((v = gb_safetensors_get_metadata (st, "epochs")))
    info->epochs = (int) g_ascii_strtoll (v, NULL, 10);
  if ((v = gb_safetensors_get_metadata (st, "seed")))
    info->seed = g_ascii_strtoull (v, NULL, 10);
  if ((v = gb_safetensors_get_metadata (st, "batch")))
    info->batch = (int) g_ascii_strtoll (v, NULL, 10);
  if ((v = gb_safetensors_get_metadata (st, "lr")))
    info->lr = g_ascii_strtod (v, NULL);
  if ((v = gb_safetensors_get_metadata (st, "beta")))
    info->beta = g_ascii_strtod (v, NULL);
  info->test_elbo = NAN;
  if ((v = gb_safetensors_get_metadata (st, "test_elbo")))
    info->test_elbo = g_ascii_strtod (v, NULL);
}

/* Finite weights can still overflow (a file of 3e38s): such a model would
 * encode every image to NaN and draw an empty plane. Refuse it here, where
 * the user can be told why: encode black, grey and white images and decode
 * z = 0, and every number must come out finite. */
static gboolean
computes_finite (const GbVae *vae, const char *name, GError **error)
{
  int D = vae->config.n_input, L = vae->config.n_latent;
  g_autofree float *x = g_new (float, 3 * (gsize) D);   /* (3, D) */
  g_autofree float *mu = g_new (float, 3 * (gsize) L);  /* (3, L) */
  g_autofree float *logvar = g_new (float, 3 * (gsize) L);
  g_autofree float *z = g_new0 (float, L);
  g_autofree float *out = g_new (float, D);
  for (int i = 0; i < D; i++)
    x[i] = 0.0f, x[D + i] = 0.5f, x[2 * D + i] = 1.0f;
  gb_vae_encode (vae, x, mu, logvar, 3);
  gb_vae_decode (vae, z, out, 1);
  gboolean ok = TRUE;
  for (int i = 0; i < 3 * L; i++)
    ok &= isfinite (mu[i]) && isfinite (logvar[i]);
  for (int i = 0; i < D; i++)
    ok &= isfinite (out[i]);
  if (!ok)
    g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                 _("%s: the weights overflow: encoding a plain image or decoding z = 0 gives numbers "
                 "that are not finite"), name);
  return ok;
}

/* The names' common prefix: "" for a model saved as examples/vae saves it, "module." for one wrapped in
 * DataParallel (or any other, such as "vae." for a VAE inside a bigger module) — whatever comes before
 * the one tensor that ends in fc1.weight. */
static char *
name_prefix (GbSafetensors *st)
{
  if (gb_safetensors_has (st, "fc1.weight"))
    return g_strdup ("");
  const char *found = NULL;
  for (const char *const *k = gb_safetensors_list (st); k != NULL && *k != NULL; k++)
    if (g_str_has_suffix (*k, ".fc1.weight"))
      {
        if (found != NULL)
          return g_strdup ("");   /* two VAEs in one file: say fc1.weight is missing */
        found = *k;
      }
  return found ? g_strndup (found, strlen (found) - strlen ("fc1.weight")) : g_strdup ("");
}

static GbVae *
vae_from_safetensors (GbSafetensors *st, GError **error)
{
  g_autofree char *pre = name_prefix (st);
  g_autofree char *fc1_w = g_strconcat (pre, "fc1.weight", NULL), *fc1_b = g_strconcat (pre, "fc1.bias", NULL);
  g_autofree char *fc21_w = g_strconcat (pre, "fc21.weight", NULL), *fc21_b = g_strconcat (pre, "fc21.bias", NULL);
  g_autofree char *fc22_w = g_strconcat (pre, "fc22.weight", NULL), *fc22_b = g_strconcat (pre, "fc22.bias", NULL);
  g_autofree char *fc3_w = g_strconcat (pre, "fc3.weight", NULL), *fc3_b = g_strconcat (pre, "fc3.bias", NULL);
  g_autofree char *fc4_w = g_strconcat (pre, "fc4.weight", NULL), *fc4_b = g_strconcat (pre, "fc4.bias", NULL);
  GbVaeConfig c;
  if (!dim_of (st, fc1_w, 1, &c.n_input, error)
      || !dim_of (st, fc1_w, 0, &c.n_hidden, error)
      || !dim_of (st, fc21_w, 0, &c.n_latent, error))
    return NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GbVae) vae = gb_vae_new (&c, &local);
  if (vae == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "%s: %s", gb_safetensors_get_name (st),
                   local->message);
      return NULL;
    }
  gint64 D = c.n_input, H = c.n_hidden, L = c.n_latent;
  GbVaeParams *p = &vae->p;
  if (!gb_safetensors_read_f32 (st, fc1_w, (gint64[]) { H, D }, 2, p->fc1_w, error)
      || !gb_safetensors_read_f32 (st, fc1_b, (gint64[]) { H }, 1, p->fc1_b, error)
      || !gb_safetensors_read_f32 (st, fc21_w, (gint64[]) { L, H }, 2, p->fc2_w, error)
      || !gb_safetensors_read_f32 (st, fc21_b, (gint64[]) { L }, 1, p->fc2_b, error)
      || !gb_safetensors_read_f32 (st, fc22_w, (gint64[]) { L, H }, 2, p->fc2_w + L * H, error)
      || !gb_safetensors_read_f32 (st, fc22_b, (gint64[]) { L }, 1, p->fc2_b + L, error)
      || !gb_safetensors_read_f32 (st, fc3_w, (gint64[]) { H, L }, 2, p->fc3_w, error)
      || !gb_safetensors_read_f32 (st, fc3_b, (gint64[]) { H }, 1, p->fc3_b, error)
      || !gb_safetensors_read_f32 (st, fc4_w, (gint64[]) { D, H }, 2, p->fc4_w, error)
      || !gb_safetensors_read_f32 (st, fc4_b, (gint64[]) { D }, 1, p->fc4_b, error))
    return NULL;
  if (!computes_finite (vae, gb_safetensors_get_name (st), error))
    return NULL;
  read_info (st, &vae->info);
  return g_steal_pointer (&vae);
}

GbVae *
gb_vae_load_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, name, error);
  return st ? vae_from_safetensors (st, error) : NULL;
}

GbVae *
gb_vae_load (const char *path, GError **error)
{
  g_autoptr (GbSafetensors) st = gb_safetensors_load (path, error);
  return st ? vae_from_safetensors (st, error) : NULL;
}
