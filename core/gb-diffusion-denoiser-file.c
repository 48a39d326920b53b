/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-denoiser-file.c — a denoiser's safetensors file: saving, and loading
 * with every check a file from elsewhere needs. */
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

gboolean
gb_denoiser_unet_save (const GbDenoiser *net, const char *path, GError **error)
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
  return net->ops->save (net, path, error);
}

gboolean
gb_denoiser_mlp_save (const GbDenoiser *net, const char *path, GError **error)
{
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
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: the metadata “%s” is missing or not a positive number"),
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
    g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: a weight is not finite (or a variance negative)"), name);
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
                   _("%s: a U-Net of %d groups, a time embedding of %d values and layout “%s” (this build reads %d, %d "
                   "and nhwc)"),
                   name, groups, embed, gb_safetensors_get_metadata (st, "layout"), GB_UNET_GROUPS, GB_UNET_EMBED);
      return NULL;
    }
  GbScheduleKind sk;
  if (!gb_schedule_kind_parse (gb_safetensors_get_metadata (st, "schedule"), &sk))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: unknown noise schedule"), name);
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  int classes = 0;   /* optional: unconditional when missing */
  if (gb_safetensors_get_metadata (st, "classes") != NULL && !meta_int (st, "classes", &classes, error))
    return NULL;
  GbUnet *u = gb_unet_alloc (side, C, classes, &local);
  g_autoptr (GbDenoiser) net = u ? gb_denoiser_wrap_unet (u, sk, T, &local) : NULL;
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
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a diffusion model of Glassbox (its kind is “%s”)"),
                   name, kind ? kind : "not given");
      return NULL;
    }
  int d, H, embed, T;
  if (!meta_int (st, "d", &d, error) || !meta_int (st, "hidden", &H, error) || !meta_int (st, "embed", &embed, error)
      || !meta_int (st, "T", &T, error))
    return NULL;
  if (embed != E)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: a time embedding of %d values (this build uses %d)"), name,
                   embed, E);
      return NULL;
    }
  GbScheduleKind sk;
  if (!gb_schedule_kind_parse (gb_safetensors_get_metadata (st, "schedule"), &sk))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: unknown noise schedule"), name);
      return NULL;
    }
  const char *arch = gb_safetensors_get_metadata (st, "arch");
  gboolean gauss = g_strcmp0 (arch, ARCH_GAUSS) == 0;
  if (!gauss && g_strcmp0 (arch, ARCH) != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: a diffusion model of an older or unknown layout (“%s”)"),
                   name, arch ? arch : "not given");
      return NULL;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_alloc_net (d, H, sk, T, &local);
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
