/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-page-export.c — what leaves the diffusion page: the view as
 * PNG, SVG or PDF, the process as a GIF, and the numbers (the schedule, the
 * training loss) for CSV, JSON and the clipboard. */
#include "gb-diffusion-page-private.h"
#include <glib/gi18n.h>

#include <math.h>

#include "gb-diffusion-frame.h"
#include "gb-error.h"
#include "gb-export.h"
#include "gb-gif.h"

/* The view over the noise schedule (gb-diffusion-frame.c, as `glassbox render
 * diffusion` draws it): a PNG, SVG or PDF, and each frame of a GIF. */
static void
paint_frame (cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionPage *self = data;
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  gboolean images = self->domain == IMAGE_DOMAIN;
  GbDiffusionPicture p = { images ? NULL : gb_diffusion_cloud_view_get_frame (self->cloud_view),
                           images ? gb_diffusion_image_view_get_frame (self->image_view) : NULL, gb_diffusion_page_schedule (self),
                           self->t };
  gb_diffusion_picture_paint (cr, w, h, &p, &pal);
}

static void
gif_frame (cairo_t *cr, int w, int h, int f, gpointer data)
{
  GbDiffusionPage *self = data;
  self->t = gb_diffusion_gif_t (gb_diffusion_page_schedule (self)->T, self->reverse, f);
  gb_diffusion_page_show (self, TRUE);
  paint_frame (cr, w, h, self);
}

gboolean
gb_diffusion_page_export (GbPage *page, const char *path, GError **error)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  if (!g_str_has_suffix (path, ".gif"))
    {
      gb_diffusion_page_show (self, TRUE);   /* the predictions for this very frame */
      return gb_export_file (path, 800, 960, paint_frame, self, error);
    }
  /* The whole trajectory of the process on show, 100 frames at 25 a second. */
  if (self->net == NULL || (self->reverse && (self->sampling.run == NULL || gb_diffusion_page_sampling (self))))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT,
                           self->net == NULL ? _("there is no model to animate: train one first")
                                             : _("the reverse process has not been sampled yet: press Sample first"));
      return FALSE;
    }
  int t = self->t;
  gboolean ok = gb_gif_write (path, 500, 600, GB_DIFFUSION_GIF_FRAMES, 4, gif_frame, self, error);
  self->t = t;
  gb_diffusion_page_update_view (self);
  return ok;
}

/* With selection: the timestep on show and its schedule; without: the
 * schedule over every t and the last training's loss curve. */
GbTable *
gb_diffusion_page_table (GbPage *page, gboolean selection)
{
  GbDiffusionPage *self = GB_DIFFUSION_PAGE (page);
  const GbSchedule *s = gb_diffusion_page_schedule (self);
  if (s == NULL)
    return NULL;
  int from = selection ? self->t : 0, n = selection ? 1 : s->T + 1;
  g_autofree char *title = selection ? g_strdup_printf (_("timestep %d of %d"), self->t, s->T)
                                     : g_strdup_printf (_("the %s schedule (T = %d) and the training loss"),
                                                        gb_schedule_kind_name (s->kind), s->T);
  GbTable *t = gb_table_new (title);
  g_autofree double *beta = g_new (double, n), *abar = g_new (double, n), *snr = g_new (double, n);
  for (int i = 0; i < n; i++)
    beta[i] = s->beta[from + i], abar[i] = s->alpha_bar[from + i], snr[i] = log (gb_schedule_snr (s, from + i));
  gb_table_add_index (t, "t", from, n);
  gb_table_add_column (t, "beta_t", beta, n);
  gb_table_add_column (t, "alpha_bar_t", abar, n);
  gb_table_add_column (t, "log SNR", snr, n);
  if (!selection && self->losses->len > 0)
    {
      gb_table_add_index (t, "training step", 1, (int) self->losses->len);
      gb_table_add_column (t, "loss", (const double *) self->losses->data, (int) self->losses->len);
    }
  return t;
}
