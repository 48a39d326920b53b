/* gb-diffusion-image-view.c — diffusion on Fashion-MNIST images. */
#include "gb-diffusion-image-view.h"

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-paint.h"
#include "gb-diffusion-predictor.h"
#include "gb-error.h"
#include "gb-form.h"

#define N_IMAGES GB_DIFFUSION_IMAGES
#define IMAGE_D (28 * 28)

struct _GbDiffusionImageView {
  GtkWidget parent_instance;

  GtkDrawingArea *area, *side_area;

  /* The test images in [−1, 1], their fixed forward noise, and the images at img_t. */
  float *target, *noise, *shown;            /* (N_IMAGES, IMAGE_D) each */
  gboolean have_target;
  const GbDenoiser *net;                    /* the page's */
  GbSampleRun *run;                         /* a reference */
  gboolean reverse;
  double w;                                 /* the guidance set */
  int img_t;                                /* of the images on show (a recorded step's in reverse) */
  int selected, hover, hover_pixel;

  /* The selected image's x_t, ε̂ and x̂₀ at pred_t, from the predictor (pred:
   * there is an answer for this view; it may be one request behind the grid). */
  GbPredictor *predictor;
  float pred_x[IMAGE_D], eps[IMAGE_D], x0[IMAGE_D];
  int pred_t;
  gboolean pred, pred_wanted;
  guint64 pred_tag;                         /* the view the newest request was for */
  guint serial;                             /* bumped when the images on show change source */

  GbPalette pal;
  GbFrameStats *stats;
};

G_DEFINE_FINAL_TYPE (GbDiffusionImageView, gb_diffusion_image_view, GTK_TYPE_WIDGET)

gboolean
gb_diffusion_image_view_load_data (GbDiffusionImageView *self, GError **error)
{
  GbRng rng;
  gb_rng_init (&rng, 1000 + 7);   /* as the page's eighth domain has always drawn it */
  gb_rng_fill_normal (&rng, self->noise, (gsize) N_IMAGES * IMAGE_D);
  self->have_target = FALSE;
  /* The first test images, scaled to [−1, 1] as the model was trained. */
  g_autoptr (GbImageSet) set = gb_dataset_load_split (gb_dataset_dir (NULL), "t10k", error);
  if (set == NULL)
    return FALSE;
  if (set->rows * set->cols != IMAGE_D)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, "the data set's images are %d × %d, not 28 × 28", set->rows,
                   set->cols);
      return FALSE;
    }
  for (gsize k = 0; k < (gsize) N_IMAGES * IMAGE_D; k++)
    self->target[k] = set->pixels[k % ((gsize) set->n * IMAGE_D)] * (2.0f / 255.0f) - 1.0f;
  self->have_target = TRUE;
  return TRUE;
}

/* --- the images at t --- */

/* Which view a prediction belongs to: the image, the direction and the
 * source of the images (a run, the data), so that an answer for another one
 * is never shown. */
static guint64
view_tag (GbDiffusionImageView *self)
{
  return ((guint64) self->serial << 16) | ((guint64) self->reverse << 15) | (guint64) (self->selected + 1);
}

/* The predictor's newest answer, in the main loop. */
static gboolean
prediction_ready_cb (gpointer data)
{
  GbDiffusionImageView *self = data;
  guint64 tag;
  int t;
  if (!self->pred_wanted || !gb_predictor_answer (self->predictor, &tag, &t, self->pred_x, self->eps, self->x0, IMAGE_D)
      || tag != self->pred_tag)
    return G_SOURCE_REMOVE;
  self->pred_t = t;
  self->pred = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
  return G_SOURCE_REMOVE;
}

/* The selected image's predictions at its t: what the sampler used (or would
 * use) there, recomputed as the run keeps only the states. */
static void
predict (GbDiffusionImageView *self, gboolean sync)
{
  int i = self->selected;
  guint64 tag = view_tag (self);
  if (tag != self->pred_tag)
    self->pred = FALSE;   /* an answer for another view is not shown, not even for a frame */
  self->pred_tag = tag;
  if (i < 0 || self->img_t <= 0 || self->net == NULL)
    {
      self->pred = FALSE;
      return;
    }
  const float *x = self->shown + (gsize) i * IMAGE_D;
  gboolean rev = self->reverse && self->run != NULL;
  /* The guidance the run sampled with (for a class-conditional model, with the image's class), or the one set;
   * what the sampler stepped from: x̂₀ clipped to [−1, 1] when the run clips. */
  double guidance = rev ? self->run->net->guidance : self->net->g_mean != NULL ? self->w : 1.0;
  gboolean clip = rev && self->run->config.clip_x0;
  /* A class-conditional model's sampled image i had class i mod K (gb-diffusion-denoiser.h), and was
   * stepped with that class's guided ε̂; a noised test image is shown without a class. */
  int K = self->net->unet != NULL ? self->net->unet->classes : 0;
  int label = rev && K > 0 ? i % K : -1;
  if (sync)
    {
      gb_predictor_sync (self->predictor);
      gb_predict_one (self->net, self->img_t, guidance, clip, label, x, self->eps, self->x0);
      memcpy (self->pred_x, x, sizeof self->pred_x);
      self->pred_t = self->img_t;
      self->pred = TRUE;
      return;
    }
  self->pred_wanted = TRUE;
  gb_predictor_request (self->predictor, self->net, self->img_t, guidance, clip, label, x, tag);
}

void
gb_diffusion_image_view_show (GbDiffusionImageView *self, const GbDenoiser *net, GbSampleRun *run, gboolean reverse,
                              int t, double w, gboolean sync)
{
  if (run != self->run || net != self->net)
    {
      if (self->predictor != NULL)
        gb_predictor_sync (self->predictor);
      g_clear_pointer (&self->run, gb_sample_run_unref);
      self->run = run ? gb_sample_run_ref (run) : NULL;
      self->serial++;
    }
  self->net = net;
  self->reverse = reverse;
  self->w = w;
  self->img_t = t;
  self->pred_wanted = FALSE;
  const GbSchedule *s = net ? net->schedule : NULL;
  if (reverse && run != NULL)
    {
      int j = gb_sample_run_index (run, t, gb_sample_run_done (run));
      memcpy (self->shown, gb_sample_run_state (run, j), (gsize) N_IMAGES * IMAGE_D * sizeof (float));
      self->img_t = gb_sample_run_t (run, j);
      predict (self, sync);
    }
  else if (!reverse && self->have_target && s != NULL)
    {
      gb_diffusion_q_sample (s, t, self->target, self->noise, self->shown, (gsize) N_IMAGES * IMAGE_D);
      predict (self, sync);
    }
  else
    self->pred = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
}

void
gb_diffusion_image_view_forget (GbDiffusionImageView *self)
{
  if (self->predictor != NULL)
    gb_predictor_sync (self->predictor);
  self->pred_wanted = FALSE;
  self->pred = FALSE;
  self->serial++;
  self->net = NULL;
  g_clear_pointer (&self->run, gb_sample_run_unref);
}

void
gb_diffusion_image_view_clear_selection (GbDiffusionImageView *self)
{
  self->selected = -1;
  self->pred = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
}

void
gb_diffusion_image_view_set_frame_stats (GbDiffusionImageView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

/* --- drawing --- */

static double
mean_square (const float *x, int n)
{
  double s = 0;
  for (int k = 0; k < n; k++)
    s += (double) x[k] * x[k];
  return s / n;
}

static gboolean
have_images (GbDiffusionImageView *self)
{
  return self->net != NULL && (self->reverse ? self->run != NULL : self->have_target);
}

/* Under the triptych: x_t in terms of ε̂ and x̂₀, and how good they are. */
static void
note_text (GbDiffusionImageView *self, char *note, gsize size)
{
  const GbSchedule *s = self->net->schedule;
  int i = self->selected;
  note[0] = 0;
  if (!self->pred)
    {
      g_snprintf (note, size, "t = 0: %s", self->reverse ? "the finished sample" : "the data");
      return;
    }
  double a = sqrt (s->alpha_bar[self->pred_t]), b = sqrt (1 - s->alpha_bar[self->pred_t]);
  gsize len = g_snprintf (note, size, "x_t = √ᾱ_t·x̂₀ + √(1−ᾱ_t)·ε̂\n     = %.3f·x̂₀ + %.3f·ε̂", a, b);
  if (len >= size)
    return;
  if (self->reverse)
    {
      g_snprintf (note + len, size - len, "\nthe sampler's step from t = %d used this ε̂%s", self->pred_t,
                  self->run->config.clip_x0 ? "\n     (with x̂₀ clipped to [−1, 1])" : "");
      return;
    }
  /* How well the model guesses the noise that was really added. */
  const float *e = self->noise + (gsize) i * IMAGE_D;
  double se = 0, sx = 0;
  for (int k = 0; k < IMAGE_D; k++)
    {
      se += (self->eps[k] - e[k]) * (self->eps[k] - e[k]);
      double dx = self->x0[k] - self->target[(gsize) i * IMAGE_D + k];
      sx += dx * dx;
    }
  g_snprintf (note + len, size - len,
              "\nε̂ against the ε really added:\n     mean squared error %.3f (guessing 0: %.3f)"
              "\nx̂₀ against the real x₀: mean squared error %.3f",
              se / IMAGE_D, mean_square (e, IMAGE_D), sx / IMAGE_D);
}

static GbImageScene
scene (GbDiffusionImageView *self, char *title, gsize title_size, char *note, gsize note_size)
{
  gboolean have = have_images (self);
  g_snprintf (title, title_size, "Fashion-MNIST images · %s at t = %d",
              self->reverse ? "sampling (reverse)" : "noising (forward)", self->img_t);
  note[0] = 0;
  if (have && self->selected >= 0)
    note_text (self, note, note_size);
  GbImageScene sc = { have ? self->shown : NULL, have ? N_IMAGES : 0, 28, self->selected,
                      self->pred ? self->eps : NULL, self->pred ? self->x0 : NULL,
                      self->hover, self->hover_pixel, title, note, self->pred ? self->pred_x : NULL };
  return sc;
}

void
gb_diffusion_image_view_paint (GbDiffusionImageView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  char title[160], note[600];
  GbImageScene sc = scene (self, title, sizeof title, note, sizeof note);
  gb_image_scene_paint (cr, 0, 0, w, h, &sc, pal);
  if (sc.n == 0)
    gb_paint_text (cr, w / 2.0, h / 2.0, self->net == NULL ? "No image model: open one (Ctrl+O)"
                                         : self->reverse ? "Press Sample to draw images from the model"
                                                         : "No data set to noise: try Reverse and Sample",
                   13, &pal->muted, GB_ALIGN_CENTER, FALSE);
}

static void
line (cairo_t *cr, double *y, double step, const GbRgb *color, gboolean bold, const char *format, ...) G_GNUC_PRINTF (6, 7);

static void
line (cairo_t *cr, double *y, double step, const GbRgb *color, gboolean bold, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *text = g_strdup_vprintf (format, args);
  va_end (args);
  gb_paint_text (cr, 8, *y, text, bold ? 12 : 11, color, GB_ALIGN_LEFT, bold);
  *y += step;
}

/* The hovered pixel's numbers. */
static void
paint_side (GbDiffusionImageView *self, cairo_t *cr, int w, int h)
{
  const GbPalette *pal = &self->pal;
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  int i = self->hover, p = self->hover_pixel;
  if (i < 0 || p < 0 || !have_images (self))
    {
      gb_paint_text (cr, 8, 8, "Hover a pixel for its numbers;", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, "click an image for its predictions.", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  const GbSchedule *s = self->net->schedule;
  double y = 8;
  int t = self->img_t;
  double a = sqrt (s->alpha_bar[t]), b = sqrt (1 - s->alpha_bar[t]);
  float x = self->shown[(gsize) i * IMAGE_D + p];
  line (cr, &y, 20, &pal->fg, TRUE, "image %d, pixel (%d, %d) at t = %d", i + 1, p / 28, p % 28, t);
  line (cr, &y, 20, &pal->fg, FALSE, "√ᾱ_t = %.4f   √(1−ᾱ_t) = %.4f", a, b);
  if (!self->reverse)
    {
      float x0 = self->target[(gsize) i * IMAGE_D + p], e = self->noise[(gsize) i * IMAGE_D + p];
      line (cr, &y, 16, &pal->fg, FALSE, "x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε");
      line (cr, &y, 20, &pal->fg, FALSE, "  %.3f = %.4f·%.3f + %.4f·%.3f", x, a, x0, b, e);
    }
  else
    line (cr, &y, 20, &pal->fg, FALSE, "x_t = %.3f", x);
  if (i == self->selected && self->pred)
    {
      /* The predictions' own state (the grid's, or one request behind it). */
      double pa = sqrt (s->alpha_bar[self->pred_t]), pb = sqrt (1 - s->alpha_bar[self->pred_t]);
      line (cr, &y, 16, &pal->muted, FALSE, "the model's reading of it:");
      line (cr, &y, 16, &pal->fg, FALSE, "ε̂ = %.3f    x̂₀ = %.3f", self->eps[p], self->x0[p]);
      line (cr, &y, 16, &pal->fg, FALSE, "  %.3f = %.4f·%.3f + %.4f·%.3f", self->pred_x[p], pa, self->x0[p], pb,
            self->eps[p]);
    }
  else if (t > 0)
    line (cr, &y, 16, &pal->muted, FALSE, "(click the image for ε̂ and x̂₀)");
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionImageView *self = data;
  gint64 start = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  if (area == self->area)
    {
      gb_diffusion_image_view_paint (self, cr, w, h, &self->pal);
      gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
    }
  else
    paint_side (self, cr, w, h);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

/* --- pointer and keys --- */

static gboolean
image_hit (GbDiffusionImageView *self, double x, double y, int *image, int *pixel)
{
  char title[160], note[600];
  GbImageScene sc = scene (self, title, sizeof title, note, sizeof note);
  return gb_image_scene_hit (0, 0, gtk_widget_get_width (GTK_WIDGET (self->area)),
                             gtk_widget_get_height (GTK_WIDGET (self->area)), &sc, x, y, image, pixel);
}

static void
motion_cb (GtkEventControllerMotion *m, double x, double y, GbDiffusionImageView *self)
{
  int image = -1, pixel = -1;
  if (!image_hit (self, x, y, &image, &pixel))
    image = pixel = -1;
  if (image == self->hover && pixel == self->hover_pixel)
    return;
  self->hover = image, self->hover_pixel = pixel;
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbDiffusionImageView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->area));
  int image, pixel;
  if (!image_hit (self, x, y, &image, &pixel) || image == self->selected)
    return;
  self->selected = image;
  predict (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
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
  g_clear_pointer (&self->run, gb_sample_run_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_IMAGE_VIEW);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);   /* the unnamed ones too */
  G_OBJECT_CLASS (gb_diffusion_image_view_parent_class)->dispose (object);
}

static void
gb_diffusion_image_view_finalize (GObject *object)
{
  GbDiffusionImageView *self = GB_DIFFUSION_IMAGE_VIEW (object);
  g_free (self->target), g_free (self->noise), g_free (self->shown);
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
  /* the x_t, ε̂, x̂₀ column is the point of the view: shown from the start */
  self->selected = 0;
  self->hover = self->hover_pixel = -1;
  self->target = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->noise = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->shown = g_new0 (float, (gsize) N_IMAGES * IMAGE_D);
  self->predictor = gb_predictor_new (prediction_ready_cb, self);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->side_area, draw_cb, self, NULL);
}
