/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-image-view.c — diffusion on Fashion-MNIST images. */
#include "gb-diffusion-image-view.h"
#include <glib/gi18n.h>

#include "gb-a11y.h"

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-paint.h"
#include "gb-diffusion-predictor.h"
#include "gb-error.h"
#include "gb-form.h"


struct _GbDiffusionImageView {
  GtkWidget parent_instance;

  GtkDrawingArea *area, *side_area;
  GbImageFrame *frame;                      /* the images at t and the selected one's predictions */
  /* The selected image's ε̂ and x̂₀ come from the predictor: pred_wanted while
   * an answer for this view is awaited, pred_tag the view the newest request
   * was for, serial bumped when the images on show change source. */
  GbPredictor *predictor;
  gboolean pred_wanted;
  guint64 pred_tag;
  guint serial;
  GbPalette pal;
  GbFrameStats *stats;
};

G_DEFINE_FINAL_TYPE (GbDiffusionImageView, gb_diffusion_image_view, GTK_TYPE_WIDGET)

static void
redraw (GbDiffusionImageView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
}

gboolean
gb_diffusion_image_view_load_data (GbDiffusionImageView *self, GError **error)
{
  return gb_image_frame_load_data (self->frame, gb_dataset_dir (NULL), error);
}

/* --- the images at t --- */

/* Which view a prediction belongs to: the image, the direction and the
 * source of the images (a run, the data), so that an answer for another one
 * is never shown. */
static guint64
view_tag (GbDiffusionImageView *self)
{
  return ((guint64) self->serial << 16) | ((guint64) self->frame->reverse << 15) | (guint64) (self->frame->selected + 1);
}

/* The predictor's newest answer, in the main loop. */
static gboolean
prediction_ready_cb (gpointer data)
{
  GbDiffusionImageView *self = data;
  GbImageFrame *f = self->frame;
  guint64 tag;
  int t;
  if (!self->pred_wanted || !gb_predictor_answer (self->predictor, &tag, &t, f->pred_x, f->eps, f->x0, f->d)
      || tag != self->pred_tag)
    return G_SOURCE_REMOVE;
  f->pred_t = t;
  f->pred = TRUE;
  redraw (self);
  return G_SOURCE_REMOVE;
}

/* The selected image's predictions at its t: what the sampler used (or would
 * use) there, recomputed as the run keeps only the states. */
static void
predict (GbDiffusionImageView *self, gboolean sync)
{
  GbImageFrame *f = self->frame;
  guint64 tag = view_tag (self);
  if (tag != self->pred_tag)
    f->pred = FALSE;   /* an answer for another view is not shown, not even for a frame */
  self->pred_tag = tag;
  self->pred_wanted = FALSE;
  double w;
  gboolean clip;
  int label;
  const float *x;
  if (!gb_image_frame_prediction_input (f, &w, &clip, &label, &x))
    f->pred = FALSE;
  else if (sync)
    {
      gb_predictor_sync (self->predictor);
      gb_image_frame_predict (f);
    }
  else
    {
      self->pred_wanted = TRUE;
      gb_predictor_request (self->predictor, f->net, f->t, w, clip, label, x, tag);
    }
}

void
gb_diffusion_image_view_show (GbDiffusionImageView *self, const GbDenoiser *net, GbSampleRun *run, gboolean reverse,
                              int t, double w, gboolean sync)
{
  GbImageFrame *f = self->frame;
  if (run != f->run || net != f->net)
    {
      gb_predictor_sync (self->predictor);
      self->serial++;
    }
  gb_image_frame_show (f, net, run, reverse, t, w);
  predict (self, sync);
  redraw (self);
}

void
gb_diffusion_image_view_forget (GbDiffusionImageView *self)
{
  gb_predictor_sync (self->predictor);
  self->pred_wanted = FALSE;
  self->serial++;
  gb_image_frame_show (self->frame, NULL, NULL, FALSE, 0, 1.0);
}

void
gb_diffusion_image_view_clear_selection (GbDiffusionImageView *self)
{
  self->frame->selected = -1;
  self->frame->pred = FALSE;
  redraw (self);
}

void
gb_diffusion_image_view_set_frame_stats (GbDiffusionImageView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

const GbImageFrame *
gb_diffusion_image_view_get_frame (GbDiffusionImageView *self)
{
  return self->frame;
}

/* --- drawing --- */

/* The hovered pixel's numbers. */
static void
paint_side (GbDiffusionImageView *self, cairo_t *cr, int w, int h)
{
  const GbPalette *pal = &self->pal;
  const GbImageFrame *f = self->frame;
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  int i = f->hover, p = f->hover_pixel, d = f->d;
  if (i < 0 || p < 0 || !gb_image_frame_has_images (f))
    {
      gb_paint_text (cr, 8, 8, _("Hover a pixel for its numbers;"), 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, _("click an image for its predictions."), 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  const GbSchedule *s = f->net->schedule;
  double y = 8;
  int t = f->t;
  double a = sqrt (s->alpha_bar[t]), b = sqrt (1 - s->alpha_bar[t]);
  float x = f->shown[(gsize) i * d + p];
  gb_paint_line (cr, &y, 20, &pal->fg, TRUE, _("image %d, pixel (%d, %d) at t = %d"), i + 1, p / f->side, p % f->side, t);
  gb_paint_line (cr, &y, 20, &pal->fg, FALSE, "√ᾱ_t = %.4f   √(1−ᾱ_t) = %.4f", a, b);
  if (!f->reverse)
    {
      float x0 = f->target[(gsize) i * d + p], e = f->noise[(gsize) i * d + p];
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε");
      gb_paint_line (cr, &y, 20, &pal->fg, FALSE, "  %.3f = %.4f·%.3f + %.4f·%.3f", x, a, x0, b, e);
    }
  else
    gb_paint_line (cr, &y, 20, &pal->fg, FALSE, "x_t = %.3f", x);
  if (i == f->selected && f->pred)
    {
      /* The predictions' own state (the grid's, or one request behind it). */
      double pa = sqrt (s->alpha_bar[f->pred_t]), pb = sqrt (1 - s->alpha_bar[f->pred_t]);
      gb_paint_line (cr, &y, 16, &pal->muted, FALSE, _("the model's reading of it:"));
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "ε̂ = %.3f    x̂₀ = %.3f", f->eps[p], f->x0[p]);
      gb_paint_line (cr, &y, 16, &pal->fg, FALSE, "  %.3f = %.4f·%.3f + %.4f·%.3f", f->pred_x[p], pa, f->x0[p], pb, f->eps[p]);
    }
  else if (t > 0)
    gb_paint_line (cr, &y, 16, &pal->muted, FALSE, _("(click the image for ε̂ and x̂₀)"));
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionImageView *self = data;
  gint64 start = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  /* What is painted is also said: each area's text becomes its accessible description. */
  gb_paint_transcript_begin (cr);
  if (area == self->area)
    {
      gb_image_frame_paint (self->frame, cr, w, h, &self->pal);
      gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
    }
  else
    paint_side (self, cr, w, h);
  g_autofree char *said = gb_paint_transcript_end (cr);
  gb_a11y_describe (GTK_WIDGET (area), said);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

/* --- pointer and keys --- */

static gboolean
image_hit (GbDiffusionImageView *self, double x, double y, int *image, int *pixel)
{
  const GbImageFrame *f = self->frame;
  gboolean have = gb_image_frame_has_images (f);
  GbImageScene sc = { have ? f->shown : NULL, have ? f->n : 0, f->side, f->selected, f->pred ? f->eps : NULL,
                      f->pred ? f->x0 : NULL, -1, -1, "", "", f->pred ? f->pred_x : NULL };
  return gb_image_scene_hit (0, 0, gtk_widget_get_width (GTK_WIDGET (self->area)),
                             gtk_widget_get_height (GTK_WIDGET (self->area)), &sc, x, y, image, pixel);
}

static void
motion_cb (GtkEventControllerMotion *m, double x, double y, GbDiffusionImageView *self)
{
  int image = -1, pixel = -1;
  if (!image_hit (self, x, y, &image, &pixel))
    image = pixel = -1;
  GbImageFrame *f = self->frame;
  if (image == f->hover && pixel == f->hover_pixel)
    return;
  f->hover = image, f->hover_pixel = pixel;
  redraw (self);
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbDiffusionImageView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->area));
  int image, pixel;
  if (!image_hit (self, x, y, &image, &pixel) || image == self->frame->selected)
    return;
  self->frame->selected = image;
  predict (self, FALSE);
  redraw (self);
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbDiffusionImageView *self)
{
}

static gboolean
key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbDiffusionImageView *self)
{
  if (keyval != GDK_KEY_Escape || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  gb_diffusion_image_view_clear_selection (self);
  return TRUE;
}

/* --- the object --- */

static void
gb_diffusion_image_view_dispose (GObject *object)
{
  GbDiffusionImageView *self = GB_DIFFUSION_IMAGE_VIEW (object);
  g_clear_pointer (&self->predictor, gb_predictor_free);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_IMAGE_VIEW);
  G_OBJECT_CLASS (gb_diffusion_image_view_parent_class)->dispose (object);
}

static void
gb_diffusion_image_view_finalize (GObject *object)
{
  GbDiffusionImageView *self = GB_DIFFUSION_IMAGE_VIEW (object);
  gb_image_frame_free (self->frame);
  G_OBJECT_CLASS (gb_diffusion_image_view_parent_class)->finalize (object);
}

static void
gb_diffusion_image_view_class_init (GbDiffusionImageViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_diffusion_image_view_dispose;
  object_class->finalize = gb_diffusion_image_view_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-diffusion-image-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionImageView, area);
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionImageView, side_area);
  gtk_widget_class_bind_template_callback (widget_class, motion_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_begin_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_update_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
gb_diffusion_image_view_init (GbDiffusionImageView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  self->frame = gb_image_frame_new (28 * 28);
  self->predictor = gb_predictor_new (prediction_ready_cb, self);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->side_area, draw_cb, self, NULL);
}
