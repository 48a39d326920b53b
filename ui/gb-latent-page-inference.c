/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-page-inference.c — the Latent space page's views of inference: the selected image's
 * posterior (the inference panel's work, drawn on the plane), the whole test set's aggregate posterior
 * and KLs, and the slice through a latent space of more than two dimensions (with the view fitted to
 * the codes on it). */
#include "gb-latent-page-private.h"
#include <glib/gi18n.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The inference panel works on the selected image, under the model on show. */
void
gb_latent_page_update_inference (GbLatentPage *self)
{
  if (!self->has_sel || self->ds == NULL || self->model == NULL)
    {
      gb_latent_inference_panel_set_image (self->inference_panel, NULL, NULL, NULL, NULL);
      return;
    }
  const guint8 *px = self->ds->test->pixels + (gsize) self->sel * gb_latent_page_input_size (self);
  gb_latent_inference_panel_set_image (self->inference_panel, self->model, px, self->sel_mu, self->sel_lv);
}

/* The codes on the plane, after a new model or slice. */
void
gb_latent_page_project_codes (GbLatentPage *self)
{
  g_clear_pointer (&self->proj, g_free);
  if (self->model == NULL || self->model->mu == NULL)
    return;
  self->proj = g_new (float, (gsize) self->model->n * 2);
  gb_latent_slice_project (&self->slice, self->model->mu, self->model->n, self->proj);
}

static int
compare_floats (gconstpointer a, gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void
aggregate_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GbLatentPage) self = data;
  g_autoptr (GError) error = NULL;
  GbAggregateMap *map = gb_latent_aggregate_finish (result, &error);
  if (map == NULL)
    return;   /* cancelled: a newer model or the switches changed */
  if (self->disposed)
    {
      gb_aggregate_map_free (map);
      return;
    }
  gb_aggregate_map_free (self->aggregate);
  self->aggregate = map;
  /* The colour scale's top: the 95th percentile, so that a few outliers do not wash it out. */
  g_autofree float *sorted = g_memdup2 (map->kl, (gsize) map->n * sizeof (float));
  qsort (sorted, map->n, sizeof (float), compare_floats);
  self->kl_max = map->n > 0 ? sorted[(gsize) (0.95 * (map->n - 1))] : 1.0;
  gb_latent_page_sync_scene (self, TRUE);
}

void
gb_latent_page_update_aggregate (GbLatentPage *self)
{
  gboolean want = gb_latent_inference_panel_get_aggregate (self->inference_panel)
                  || gb_latent_inference_panel_get_kl_colour (self->inference_panel);
  if (self->aggregate_cancel != NULL)
    g_cancellable_cancel (self->aggregate_cancel);
  g_clear_object (&self->aggregate_cancel);
  if (!want || self->ds == NULL || self->model == NULL || self->model->mu == NULL
      || self->model->vae->config.n_latent != 2)
    return;
  if (self->aggregate != NULL && self->aggregate_of == self->model_serial)
    return;
  self->aggregate_of = self->model_serial;
  /* Over the home rectangle and a margin for panning. */
  double box[4], mx = 0.3 * (self->home[1] - self->home[0]), my = 0.3 * (self->home[3] - self->home[2]);
  box[0] = self->home[0] - mx, box[1] = self->home[1] + mx, box[2] = self->home[2] - my, box[3] = self->home[3] + my;
  self->aggregate_cancel = g_cancellable_new ();
  gb_latent_aggregate_async (self->model, self->ds, box, 300, 300, self->aggregate_cancel, aggregate_done_cb,
                             g_object_ref (self));
}

void
gb_latent_page_set_view_changed_cb (GbLatentPage *self)
{
  gb_latent_page_update_aggregate (self);
  gb_latent_page_sync_scene (self, TRUE);
}

/* The selected image's posterior and q*, as the inference panel has them. */
void
gb_latent_page_sync_inference (GbLatentPage *self)
{
  GbLatentScene *s = gb_latent_view_get_scene (self->view);
  s->posterior = self->has_sel ? gb_latent_inference_panel_get_posterior (self->inference_panel) : NULL;
  /* The whole set's map: the last one worked out (for an earlier snapshot while training, until the next). */
  const GbAggregateMap *map = self->aggregate;
  s->aggregate = map != NULL && gb_latent_inference_panel_get_aggregate (self->inference_panel) ? map->log_ratio : NULL;
  if (s->aggregate != NULL)
    {
      s->agg_nx = map->nx, s->agg_ny = map->ny;
      memcpy (s->agg_box, map->box, sizeof s->agg_box);
    }
  s->point_kl = map != NULL && gb_latent_inference_panel_get_kl_colour (self->inference_panel)
                && self->model != NULL && map->n == s->n_points ? map->kl : NULL;
  s->kl_max = self->kl_max;
  float mu[2], lv[2];
  s->has_q_opt = self->has_sel && gb_latent_inference_panel_get_q_opt (self->inference_panel, mu, lv);
  if (s->has_q_opt)
    for (int j = 0; j < 2; j++)
      s->q_opt_mu[j] = mu[j], s->q_opt_sigma[j] = exp (0.5 * lv[j]);
}

void
gb_latent_page_inference_changed_cb (GbLatentPage *self)
{
  gb_latent_page_sync_inference (self);
  gb_latent_view_changed (self->view, FALSE);
}

/* The plane's slice from the slice panel (the identity for a 2-d latent), and the codes on it. */
void
gb_latent_page_update_slice (GbLatentPage *self)
{
  int L = self->model->vae->config.n_latent;
  gb_latent_slice_panel_set_codes (self->slice_panel, L, self->model->mu, self->model->n);
  gb_latent_inference_panel_set_two_d (self->inference_panel, L == 2);
  gb_latent_slice_panel_get_slice (self->slice_panel, &self->slice);
  for (int c = 0; c < 2; c++)
    {
      if (L == 2)
        g_strlcpy (self->axis_names[c], c == 0 ? "z₁" : "z₂", sizeof self->axis_names[c]);
      else if (self->slice.axis[c] >= 0)
        g_snprintf (self->axis_names[c], sizeof self->axis_names[c], "z%d", self->slice.axis[c] + 1);
      else
        g_snprintf (self->axis_names[c], sizeof self->axis_names[c], _("principal axis %d"), c + 1);
    }
  GbLatentScene *s = gb_latent_view_get_scene (self->view);
  s->axis_names[0] = self->axis_names[0], s->axis_names[1] = self->axis_names[1];
  gb_latent_page_project_codes (self);
}

/* Another slice: the codes, the manifold, the selection's strips and the pointer's image follow. */
void
gb_latent_page_slice_changed_cb (GbLatentPage *self)
{
  gb_latent_slice_panel_get_slice (self->slice_panel, &self->slice);
  gb_latent_page_update_slice (self);
  self->manifold_dirty = TRUE;
  gb_latent_page_ensure_manifold (self);
  gb_latent_page_recompute_selection (self);
  gb_latent_page_recompute_samples (self);
  gb_latent_page_recompute_preview (self);
  gb_latent_page_fit_view (self);
  gb_latent_page_sync_scene (self, TRUE);
}

/* The view a model opens on: its test set's codes (all but the outermost 0.1 % on each side) and the
 * prior's ±3.5, whichever reaches further. */
void
gb_latent_page_fit_view (GbLatentPage *self)
{
  const GbVaeSnapshot *snap = self->model;
  if (snap == NULL || self->proj == NULL || snap->n < 2)
    return;
  double box[4] = { -3.5, 3.5, -3.5, 3.5 };
  g_autofree float *v = g_new (float, snap->n);
  for (int j = 0; j < 2; j++)
    {
      for (guint32 i = 0; i < snap->n; i++)
        v[i] = self->proj[2 * i + j];
      qsort (v, snap->n, sizeof (float), compare_floats);
      double lo = v[snap->n / 1000], hi = v[snap->n - 1 - snap->n / 1000], pad = 0.06 * (hi - lo);
      if (isfinite (lo) && isfinite (hi))
        box[2 * j] = MIN (box[2 * j], lo - pad), box[2 * j + 1] = MAX (box[2 * j + 1], hi + pad);
    }
  memcpy (self->home, box, sizeof self->home);
  gb_latent_view_set_home (self->view, box);
}
