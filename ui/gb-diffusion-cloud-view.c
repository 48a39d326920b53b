/* gb-diffusion-cloud-view.c — diffusion on 2-d points. */
#include "gb-diffusion-cloud-view.h"

#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-paint.h"
#include "gb-form.h"
#include "gb-vae-latent.h"

#define N_POINTS 2000
#define FIELD_SIDE 21
#define EXTENT 3.0
#define MAX_SELECTED 4
#define MAX_PAINTED 10000

struct _GbDiffusionCloudView {
  GtkWidget parent_instance;

  GtkDrawingArea *area, *side_area;

  /* The data and the forward process's fixed ε. */
  GbToyKind kind;
  GbVae *vae;                          /* the page's, for the latent plane */
  char *title;
  float target[2 * N_POINTS], noise[2 * N_POINTS];
  guint8 labels[N_POINTS];             /* classes of the latent codes */
  gboolean have_target, latent;
  GArray *painted;                     /* of float pairs */
  gboolean painting, show_field;

  /* What was last shown. */
  const GbDenoiser *net;               /* the page's */
  GbSampleRun *run;                    /* a reference */
  gboolean reverse;
  int t;
  float shown[2 * N_POINTS];
  float field[2 * FIELD_SIDE * FIELD_SIDE];
  gboolean field_valid;

  int selected[MAX_SELECTED], n_selected, hover;
  GbPalette pal;
  GbFrameStats *stats;
};

G_DEFINE_FINAL_TYPE (GbDiffusionCloudView, gb_diffusion_cloud_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_PAINTING, PROP_SHOW_FIELD, N_PROPS };
static GParamSpec *props[N_PROPS];

static const GbSchedule *
schedule (GbDiffusionCloudView *self)
{
  return self->net ? self->net->schedule : NULL;
}

static gboolean
have_points (GbDiffusionCloudView *self)
{
  return self->reverse ? self->run != NULL : self->have_target && self->net != NULL;
}

/* --- the data --- */

static gboolean
make_target (GbDiffusionCloudView *self, GError **error)
{
  GbRng rng;
  gb_rng_init (&rng, 1000 + (guint64) (self->latent ? GB_TOY_N_KINDS : self->kind));
  self->have_target = FALSE;
  if (self->latent)
    {
      /* The first 2 000 test images' codes: quick enough for the main loop. */
      int n = 0;
      g_autofree float *codes = gb_vae_latent_codes (self->vae, gb_dataset_dir (NULL), "t10k", N_POINTS, &n,
                                                     self->labels, error);
      if (codes == NULL)
        return FALSE;
      for (int i = 0; i < N_POINTS; i++)
        {
          self->target[2 * i] = codes[2 * (i % n)], self->target[2 * i + 1] = codes[2 * (i % n) + 1];
          self->labels[i] = self->labels[i % n];
        }
      self->have_target = TRUE;
    }
  else if (self->kind == GB_TOY_PAINTED)
    self->have_target = self->painted->len >= 2
                        && gb_toy_sample (GB_TOY_PAINTED, self->target, N_POINTS, &rng,
                                          (const float *) self->painted->data, (int) self->painted->len / 2, 0.05f, NULL);
  else
    self->have_target = gb_toy_sample (self->kind, self->target, N_POINTS, &rng, NULL, 0, 0, NULL);
  gb_rng_fill_normal (&rng, self->noise, 2 * N_POINTS);
  return TRUE;
}

gboolean
gb_diffusion_cloud_view_set_data (GbDiffusionCloudView *self, GbToyKind kind, GbVae *vae, const char *title,
                                  GError **error)
{
  self->kind = kind;
  self->latent = vae != NULL;
  self->vae = vae;
  g_free (self->title);
  self->title = g_strdup (title);
  self->n_selected = 0;
  self->hover = -1;
  return make_target (self, error);
}

const float *
gb_diffusion_cloud_view_get_painted (GbDiffusionCloudView *self, int *n)
{
  *n = (int) self->painted->len / 2;
  return (const float *) self->painted->data;
}

/* --- the cloud at t --- */

static void
recompute (GbDiffusionCloudView *self)
{
  const GbSchedule *s = schedule (self);
  self->field_valid = FALSE;
  if (s != NULL && self->t > 0 && self->show_field)
    {
      float grid[2 * FIELD_SIDE * FIELD_SIDE];
      gb_cloud_field_grid (FIELD_SIDE, EXTENT, grid);
      gb_denoiser_eps (self->field, grid, FIELD_SIDE * FIELD_SIDE, 2, self->t, (gpointer) self->net);
      self->field_valid = TRUE;
    }
  if (self->reverse && self->run != NULL)
    {
      int j = gb_sample_run_index (self->run, self->t, gb_sample_run_done (self->run));
      memcpy (self->shown, gb_sample_run_state (self->run, j), sizeof self->shown);
    }
  else if (!self->reverse && self->have_target && s != NULL)
    gb_diffusion_q_sample (s, self->t, self->target, self->noise, self->shown, 2 * N_POINTS);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gtk_widget_queue_draw (GTK_WIDGET (self->side_area));
}

void
gb_diffusion_cloud_view_show (GbDiffusionCloudView *self, const GbDenoiser *net, GbSampleRun *run, gboolean reverse,
                              int t)
{
  if (run != self->run)
    {
      g_clear_pointer (&self->run, gb_sample_run_unref);
      self->run = run ? gb_sample_run_ref (run) : NULL;
      self->n_selected = 0;
    }
  self->net = net;
  self->reverse = reverse;
  self->t = t;
  recompute (self);
}

void
gb_diffusion_cloud_view_clear_selection (GbDiffusionCloudView *self)
{
  self->n_selected = 0;
  recompute (self);
}

void
gb_diffusion_cloud_view_clear_painted (GbDiffusionCloudView *self)
{
  g_array_set_size (self->painted, 0);
  make_target (self, NULL);
  recompute (self);
}

void
gb_diffusion_cloud_view_set_frame_stats (GbDiffusionCloudView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

/* --- drawing --- */

/* The trajectories of the selected points up to the state on show. */
static int
trails (GbDiffusionCloudView *self, float *out, int max_len)
{
  int len = 0;
  if (self->reverse && self->run != NULL)
    {
      int j = gb_sample_run_index (self->run, self->t, gb_sample_run_done (self->run));
      int stride = MAX (1, (j + max_len - 1) / max_len);
      for (int k = 0; k < self->n_selected; k++)
        {
          int l = 0;
          for (int i = 0; i <= j && l < max_len; i += stride, l++)
            {
              const float *p = gb_sample_run_state (self->run, i) + 2 * self->selected[k];
              out[((gsize) k * max_len + l) * 2] = p[0], out[((gsize) k * max_len + l) * 2 + 1] = p[1];
            }
          len = l;
        }
    }
  else if (!self->reverse && schedule (self) != NULL)
    {
      for (int k = 0; k < self->n_selected; k++)
        for (int l = 0; l < max_len; l++)
          {
            int t = (int) ((gint64) self->t * l / (max_len - 1));
            float *o = out + ((gsize) k * max_len + l) * 2;
            gb_diffusion_q_sample (schedule (self), t, self->target + 2 * self->selected[k],
                                   self->noise + 2 * self->selected[k], o, 2);
          }
      len = max_len;
    }
  return len;
}

void
gb_diffusion_cloud_view_paint (GbDiffusionCloudView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  float tr[MAX_SELECTED * 200 * 2];
  int len = trails (self, tr, 200);
  gboolean have = have_points (self);
  g_autofree char *title = g_strdup_printf ("%s · %s", self->title ? self->title : "",
                                            self->reverse ? "sampling (reverse)" : "noising (forward)");
  GbCloudScene s = { self->shown, have ? N_POINTS : 0, self->have_target ? self->target : NULL,
                     self->have_target ? N_POINTS : 0, self->selected, self->n_selected, len > 1 ? tr : NULL, len,
                     self->field_valid ? self->field : NULL, FIELD_SIDE, EXTENT, title,
                     self->latent && self->have_target ? self->labels : NULL };
  gb_cloud_paint (cr, 0, 0, w, h, &s, pal);
  if (!have)
    gb_paint_text (cr, w / 2.0, h - 40, self->net == NULL ? "Train a model for this domain first"
                                      : self->reverse ? "Press Sample to draw from the model"
                                      : self->latent ? "No data set here to noise: try Reverse and Sample"
                                                     : "Paint some points first",
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
  gb_paint_text (cr, 8, y, "decoded x_t", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
  if (have_pred)
    gb_paint_text (cr, 16 + sz, y, "decoded x̂₀", 10, &pal->muted, GB_ALIGN_LEFT, FALSE);
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
  int i = self->n_selected > 0 ? self->selected[0] : self->hover;
  const GbSchedule *s = schedule (self);
  if (i < 0 || s == NULL || !have_points (self))
    {
      gb_paint_text (cr, 8, 8, "Click a point to follow it;", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, 8, 24, "hover one for its numbers.", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
      return;
    }
  double y = 8;
  const float *x = self->shown + 2 * i;
  float eps[2] = { 0, 0 }, x0[2] = { 0, 0 };
  gboolean have_pred = FALSE;
  if (self->reverse && self->run != NULL)
    {
      int done = gb_sample_run_done (self->run);
      int j = gb_sample_run_index (self->run, self->t, done);
      if (j < done && j < self->run->K && self->run->eps != NULL)
        {
          memcpy (eps, self->run->eps + ((gsize) j * N_POINTS + i) * 2, sizeof eps);
          memcpy (x0, self->run->x0 + ((gsize) j * N_POINTS + i) * 2, sizeof x0);
          have_pred = TRUE;
        }
    }
  else if (self->t > 0)
    {
      gb_denoiser_eps (eps, x, 1, 2, self->t, (gpointer) self->net);
      gb_diffusion_predict_x0 (s, self->t, x, eps, x0, 2);
      have_pred = TRUE;
    }
  line (cr, &y, 20, &pal->fg, TRUE, "point %d at t = %d", i, self->t);
  if (!self->reverse && self->have_target)
    {
      double a = sqrt (s->alpha_bar[self->t]), b = sqrt (1 - s->alpha_bar[self->t]);
      const float *d0 = self->target + 2 * i, *e = self->noise + 2 * i;
      line (cr, &y, 16, &pal->fg, FALSE, "x_t = √ᾱ·x₀ + √(1−ᾱ)·ε");
      for (int k = 0; k < 2; k++)
        line (cr, &y, 16, &pal->fg, FALSE, "  %.3f = %.3f·%.3f + %.3f·%.3f", x[k], a, d0[k], b, e[k]);
    }
  else
    line (cr, &y, 16, &pal->fg, FALSE, "x_t = (%.3f, %.3f)", x[0], x[1]);
  if (have_pred)
    {
      line (cr, &y, 16, &pal->fg, FALSE, "ε̂ = (%.3f, %.3f)", eps[0], eps[1]);
      line (cr, &y, 16, &pal->fg, FALSE, "x̂₀ = (%.3f, %.3f)", x0[0], x0[1]);
    }
  if (self->latent && self->vae != NULL)
    paint_decoded (self, cr, w, y, x, x0, have_pred);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbDiffusionCloudView *self = data;
  gint64 start = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  if (area == self->area)
    {
      gb_diffusion_cloud_view_paint (self, cr, w, h, &self->pal);
      gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
    }
  else
    paint_side (self, cr, w, h);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - start) / 1000.0);
}

/* --- pointer and keys --- */

static int
hit (GbDiffusionCloudView *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->area)), h = gtk_widget_get_height (GTK_WIDGET (self->area));
  GbCloudScene s = { self->shown, have_points (self) ? N_POINTS : 0 };
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
  make_target (self, NULL);
  recompute (self);
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
  if (!self->latent && self->kind == GB_TOY_PAINTED && self->painting)
    {
      paint_point (self, x, y);
      return;
    }
  int i = hit (self, x, y);
  if (i < 0)
    self->n_selected = 0;
  else if (self->n_selected < MAX_SELECTED)
    self->selected[self->n_selected++] = i;
  else
    {
      memmove (self->selected, self->selected + 1, (MAX_SELECTED - 1) * sizeof (int));
      self->selected[MAX_SELECTED - 1] = i;
    }
  recompute (self);
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbDiffusionCloudView *self)
{
  double x, y;
  if (!self->latent && self->kind == GB_TOY_PAINTED && self->painting && gtk_gesture_drag_get_start_point (drag, &x, &y))
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
      self->show_field = g_value_get_boolean (value);
      recompute (self);
    }
}

static void
gb_diffusion_cloud_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  g_value_set_boolean (value, id == PROP_PAINTING ? self->painting : self->show_field);
}

static void
gb_diffusion_cloud_view_dispose (GObject *object)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  g_clear_pointer (&self->run, gb_sample_run_unref);
  gtk_widget_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_CLOUD_VIEW);
  GtkWidget *child;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);   /* the unnamed ones too */
  G_OBJECT_CLASS (gb_diffusion_cloud_view_parent_class)->dispose (object);
}

static void
gb_diffusion_cloud_view_finalize (GObject *object)
{
  GbDiffusionCloudView *self = GB_DIFFUSION_CLOUD_VIEW (object);
  g_array_unref (self->painted);
  g_free (self->title);
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
  self->hover = -1;
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->side_area, draw_cb, self, NULL);
}
