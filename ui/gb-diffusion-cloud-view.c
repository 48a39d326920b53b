/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-cloud-view.c — diffusion on 2-d points. */
#include "gb-diffusion-cloud-view.h"
#include <glib/gi18n.h>

#include "gb-a11y.h"

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-paint.h"
#include "gb-form.h"

#define EXTENT 3.0            /* the view is [−3, 3]², as gb-diffusion-frame.c draws it */
#define MAX_PAINTED 10000

struct _GbDiffusionCloudView {
  GtkWidget parent_instance;

  GtkDrawingArea *area, *side_area;
  GbCloudFrame *frame;                 /* the data and the cloud at t */
  GbVae *vae;                          /* the page's, for the latent plane */
  GArray *painted;                     /* of float pairs */
  gboolean painting;
  int hover;
  GbPalette pal;
  GbFrameStats *stats;
};

G_DEFINE_FINAL_TYPE (GbDiffusionCloudView, gb_diffusion_cloud_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_PAINTING, PROP_SHOW_FIELD, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
redraw (GbDiffusionCloudView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
}

/* The points painted so far as the data of the painted domain. */
static void
set_painted (GbDiffusionCloudView *self)
{
  gb_cloud_frame_set_toy (self->frame, GB_TOY_PAINTED, (const float *) self->painted->data, (int) self->painted->len / 2);
}

gboolean
gb_diffusion_cloud_view_set_data (GbDiffusionCloudView *self, GbToyKind kind, GbVae *vae, GError **error)
{
  self->vae = vae;
  self->hover = -1;
  if (vae != NULL)
    return gb_cloud_frame_set_latent (self->frame, vae, gb_dataset_dir (NULL), error);
  if (kind == GB_TOY_PAINTED)
    set_painted (self);
  else
    gb_cloud_frame_set_toy (self->frame, kind, NULL, 0);
  return TRUE;
}

const float *
gb_diffusion_cloud_view_get_painted (GbDiffusionCloudView *self, int *n)
{
  *n = (int) self->painted->len / 2;
  return (const float *) self->painted->data;
}

static void
show_again (GbDiffusionCloudView *self)
{
  GbCloudFrame *f = self->frame;
  gb_cloud_frame_show (f, f->net, f->run, f->reverse, f->t);
  redraw (self);
}

void
gb_diffusion_cloud_view_show (GbDiffusionCloudView *self, const GbDenoiser *net, GbSampleRun *run, gboolean reverse,
                              int t)
{
  gb_cloud_frame_show (self->frame, net, run, reverse, t);
  redraw (self);
}

void
gb_diffusion_cloud_view_clear_selection (GbDiffusionCloudView *self)
{
  self->frame->n_selected = 0;
  redraw (self);
}

void
gb_diffusion_cloud_view_clear_painted (GbDiffusionCloudView *self)
{
  g_array_set_size (self->painted, 0);
  set_painted (self);
  show_again (self);
}

void
gb_diffusion_cloud_view_set_frame_stats (GbDiffusionCloudView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

const GbCloudFrame *
gb_diffusion_cloud_view_get_frame (GbDiffusionCloudView *self)
{
  return self->frame;
}

/* --- drawing --- */

/* The particle and its prediction decoded by the VAE (the latent plane). */
static void
paint_decoded (GbDiffusionCloudView *self, cairo_t *cr, int w, double y, const float *x, const float *x0,
               gboolean have_pred)
{
  const GbPalette *pal = &self->pal;
  int D = self->vae->config.n_input, side = (int) round (sqrt (D));
  g_autofree float *img = g_new (float, 2 * D);
  float z[4] = { x[0], x[1], x0[0], x0[1] };
  gb_vae_decode (self->vae, z, img, have_pred ? 2 : 1);
  double sz = MIN ((w - 24) / 2.0, 140);
  y += 6;
  gb_paint_text (cr, 8, y, _("decoded x_t"), 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  if (have_pred)
    gb_paint_text (cr, 16 + sz, y, _("decoded x̂₀"), 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  y += 14;
  if (side * side != D)
    return;
  gb_paint_image (cr, 8, y, sz, sz, img, side, side, pal);
  if (have_pred)
    gb_paint_image (cr, 16 + sz, y, sz, sz, img + D, side, side, pal);
}

/* The chosen (or hovered) point's numbers. */
static void
paint_side (GbDiffusionCloudView *self, cairo_t *cr, int w, int h)
{
  const GbPalette *pal = &self->pal;
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  const GbCloudFrame *f = self->frame;
  int i = f->n_selected > 0 ? f->selected[0] : self->hover;
  const GbSchedule *s = f->net ? f->net->schedule : NULL;
  if (i < 0 || s == NULL || !gb_cloud_frame_has_points (f))
    {
      gb_paint_text (cr, 8, 8, _("Click a point to follow it;"), 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, _("hover one for its numbers."), 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  double y = 8;
  const float *x = f->shown + 2 * i;
  float eps[2] = { 0, 0 }, x0[2] = { 0, 0 };
  gboolean have_pred = FALSE;
  if (f->reverse && f->run != NULL)
    {
      int done = gb_sample_run_done (f->run);
      int j = gb_sample_run_index (f->run, f->t, done);
      if (j < done && j < f->run->K && f->run->eps != NULL)
        {
          memcpy (eps, f->run->eps + ((gsize) j * GB_CLOUD_POINTS + i) * 2, sizeof eps);
          memcpy (x0, f->run->x0 + ((gsize) j * GB_CLOUD_POINTS + i) * 2, sizeof x0);
          have_pred = TRUE;
        }
    }
  else if (f->t > 0)
    {
      gb_denoiser_eps (eps, x, 1, 2, f->t, (gpointer) f->net);
      gb_diffusion_predict_x0 (s, f->t, x, eps, x0, 2);
      have_pred = TRUE;
    }
  gb_paint_line (cr, &y, 20, &pal->fg, TRUE, _("point %d at t = %d"), i, f->t);
  if (!f->reverse && f->have_target)
    {
      double a = sqrt (s->alpha_bar[f->t]), b = sqrt (1 - s->alpha_bar[f->t]);
      const float *d0 = f->target + 2 * i, *e = f->noise + 2 * i;
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "x_t = √ᾱ·x₀ + √(1−ᾱ)·ε");
      for (int k = 0; k < 2; k++)
        gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "  %.3f = %.3f·%.3f + %.3f·%.3f", x[k], a, d0[k], b, e[k]);
    }
  else
    gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "x_t = (%.3f, %.3f)", x[0], x[1]);
  if (have_pred)
    {
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "ε̂ = (%.3f, %.3f)", eps[0], eps[1]);
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "x̂₀ = (%.3f, %.3f)", x0[0], x0[1]);
    }
  if (f->latent && self->vae != NULL)
    paint_decoded (self, cr, w, y, x, x0, have_pred);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionCloudView *self = data;
  gint64 start = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  /* What is painted is also said: each area's text becomes its accessible description. */
  gb_paint_transcript_begin (cr);
  if (area == self->area)
    {
      gb_cloud_frame_paint (self->frame, cr, w, h, &self->pal);
      gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
    }
  else
    paint_side (self, cr, w, h);
  g_autofree char *said = gb_paint_transcript_end (cr);
  gb_a11y_describe (GTK_WIDGET (area), said);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

/* --- pointer and keys --- */

/* Painting points: the painted domain with Paint on. */
static gboolean
painting (GbDiffusionCloudView *self)
{
  return self->painting && self->frame->kind == GB_TOY_PAINTED;
}

static int
hit (GbDiffusionCloudView *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->area)), h = gtk_widget_get_height (GTK_WIDGET (self->area));
  GbCloudScene s = { self->frame->shown, gb_cloud_frame_has_points (self->frame) ? GB_CLOUD_POINTS : 0 };
  s.extent = EXTENT;
  return gb_cloud_hit (0, 0, w, h, &s, x, y);
}

static void
paint_point (GbDiffusionCloudView *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->area)), h = gtk_widget_get_height (GTK_WIDGET (self->area));
  float p[2];
  gb_cloud_to_data (0, 0, w, h, EXTENT, x, y, &p[0], &p[1]);
  if (fabs (p[0]) > EXTENT || fabs (p[1]) > EXTENT || self->painted->len >= 2 * MAX_PAINTED)
    return;
  g_array_append_vals (self->painted, p, 2);
  set_painted (self);
  show_again (self);
}

static void
motion_cb (GtkEventControllerMotion *m, double x, double y, GbDiffusionCloudView *self)
{
  int i = hit (self, x, y);
  if (i != self->hover)
    {
      self->hover = i;
      gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
    }
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbDiffusionCloudView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->area));
  GbCloudFrame *f = self->frame;
  if (painting (self))
    {
      paint_point (self, x, y);
      return;
    }
  int i = hit (self, x, y);
  if (i < 0)
    f->n_selected = 0;
  else if (f->n_selected < GB_CLOUD_MAX_SELECTED)
    f->selected[f->n_selected++] = i;
  else
    {
      memmove (f->selected, f->selected + 1, (GB_CLOUD_MAX_SELECTED - 1) * sizeof (int));
      f->selected[GB_CLOUD_MAX_SELECTED - 1] = i;
    }
  redraw (self);
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbDiffusionCloudView *self)
{
  double x, y;
  if (painting (self) && gtk_gesture_drag_get_start_point (drag, &x, &y))
    paint_point (self, x + dx, y + dy);
}

static gboolean
key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbDiffusionCloudView *self)
{
  if (keyval != GDK_KEY_Escape || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  gb_diffusion_cloud_view_clear_selection (self);
  return TRUE;
}

/* --- the object --- */

static void
gb_diffusion_cloud_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  if (id == PROP_PAINTING)
    self->painting = g_value_get_boolean (value);
  else
    {
      self->frame->show_field = g_value_get_boolean (value);
      show_again (self);
    }
}

static void
gb_diffusion_cloud_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  g_value_set_boolean (value, id == PROP_PAINTING ? self->painting : self->frame->show_field);
}

static void
gb_diffusion_cloud_view_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_CLOUD_VIEW);
  G_OBJECT_CLASS (gb_diffusion_cloud_view_parent_class)->dispose (object);
}

static void
gb_diffusion_cloud_view_finalize (GObject *object)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  g_array_unref (self->painted);
  gb_cloud_frame_free (self->frame);
  G_OBJECT_CLASS (gb_diffusion_cloud_view_parent_class)->finalize (object);
}

static void
gb_diffusion_cloud_view_class_init (GbDiffusionCloudViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->set_property = gb_diffusion_cloud_view_set_property;
  object_class->get_property = gb_diffusion_cloud_view_get_property;
  object_class->dispose = gb_diffusion_cloud_view_dispose;
  object_class->finalize = gb_diffusion_cloud_view_finalize;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  props[PROP_PAINTING] = g_param_spec_boolean ("painting", NULL, NULL, FALSE, rw);
  props[PROP_SHOW_FIELD] = g_param_spec_boolean ("show-field", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-diffusion-cloud-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionCloudView, area);
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionCloudView, side_area);
  gtk_widget_class_bind_template_callback (widget_class, motion_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_begin_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_update_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
gb_diffusion_cloud_view_init (GbDiffusionCloudView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  self->painted = g_array_new (FALSE, FALSE, sizeof (float));
  self->frame = gb_cloud_frame_new ();
  self->hover = -1;
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->side_area, draw_cb, self, NULL);
}
