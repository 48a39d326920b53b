/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-view.c — the latent plane widget: caching, gestures, keys, stats. */
#include "gb-latent-view.h"
#include <glib/gi18n.h>

#include <string.h>

#include "gb-frame-stats.h"

#include <math.h>
#include <stdio.h>

#define RESET_RADIUS 3.5

struct _GbLatentView {
  GtkWidget parent_instance;

  GbLatentScene scene;
  GbPalette pal;
  gboolean viewport_set;
  double home[4];             /* what Reset shows: x0, x1, y0, y1 */
  int last_w, last_h;

  cairo_surface_t *base;      /* cached base layer */
  gboolean base_dirty;

  /* Panning. */
  gboolean space_down;
  gboolean panning;
  GbViewport pan_start;

  GbFrameStats *stats;        /* NULL unless GLASSBOX_FRAME_STATS */
};

enum {
  SIGNAL_POINTER_MOVED,
  SIGNAL_POINTER_LEFT,
  SIGNAL_POINT_ACTIVATED,
  SIGNAL_LEGEND_TOGGLED,
  SIGNAL_VIEWPORT_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GbLatentView, gb_latent_view, GTK_TYPE_WIDGET)

GtkWidget *
gb_latent_view_new (void)
{
  return g_object_new (GB_TYPE_LATENT_VIEW, NULL);
}

GbLatentScene *
gb_latent_view_get_scene (GbLatentView *self)
{
  return &self->scene;
}

const GbPalette *
gb_latent_view_get_palette (GbLatentView *self)
{
  return &self->pal;
}

void
gb_latent_view_changed (GbLatentView *self, gboolean base)
{
  if (base)
    self->base_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
viewport_changed (GbLatentView *self)
{
  self->base_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_VIEWPORT_CHANGED], 0);
}

void
gb_latent_view_reset (GbLatentView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w <= 0 || h <= 0)
    {
      self->viewport_set = FALSE;
      return;
    }
  gb_viewport_fit (&self->scene.vp, w, h, self->home);
  self->viewport_set = TRUE;
  viewport_changed (self);
}

void
gb_latent_view_set_home (GbLatentView *self, const double box[4])
{
  g_return_if_fail (GB_IS_LATENT_VIEW (self));
  if (box != NULL && box[1] > box[0] && box[3] > box[2])
    memcpy (self->home, box, sizeof self->home);
  else
    self->home[0] = self->home[2] = -RESET_RADIUS, self->home[1] = self->home[3] = RESET_RADIUS;
  gb_latent_view_reset (self);
}

/* --- palette --- */

static void
update_palette (GbLatentView *self)
{
  /* Dark when the theme's text colour is light. */
  GdkRGBA fg;
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  gboolean dark = (0.299 * fg.red + 0.587 * fg.green + 0.114 * fg.blue) > 0.5;
  if (dark != self->pal.dark || self->pal.bg.r + self->pal.bg.g + self->pal.bg.b == 0.0)
    {
      gb_palette_init (&self->pal, dark);
      self->base_dirty = TRUE;
    }
}

static void
gb_latent_view_css_changed (GtkWidget *widget, GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (gb_latent_view_parent_class)->css_changed (widget, change);
  update_palette (GB_LATENT_VIEW (widget));
  gtk_widget_queue_draw (widget);
}

/* --- drawing --- */

static void
gb_latent_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  GbLatentView *self = GB_LATENT_VIEW (widget);
  gint64 t0 = g_get_monotonic_time ();
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  if (w <= 0 || h <= 0)
    return;
  if (!self->viewport_set)
    {
      gb_viewport_fit (&self->scene.vp, w, h, self->home);
      self->viewport_set = TRUE;
    }
  else if (w != self->last_w || h != self->last_h)
    self->base_dirty = TRUE;   /* the centre and the scale stay; more or less shows */
  int scale = gtk_widget_get_scale_factor (widget);
  if (self->base == NULL || w != self->last_w || h != self->last_h
      || cairo_image_surface_get_width (self->base) != w * scale)
    {
      g_clear_pointer (&self->base, cairo_surface_destroy);
      self->base = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w * scale, h * scale);
      cairo_surface_set_device_scale (self->base, scale, scale);
      self->base_dirty = TRUE;
    }
  self->last_w = w;
  self->last_h = h;
  if (self->base_dirty)
    {
      cairo_t *bcr = cairo_create (self->base);
      gb_latent_paint_base (bcr, w, h, &self->scene, &self->pal);
      cairo_destroy (bcr);
      self->base_dirty = FALSE;
    }
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  cairo_set_source_surface (cr, self->base, 0, 0);
  cairo_paint (cr);
  gb_latent_paint_overlay (cr, w, h, &self->scene, &self->pal);
  if (gtk_widget_has_focus (widget) && gtk_widget_get_focus_on_click (widget))
    {
      cairo_set_source_rgba (cr, self->pal.accent.r, self->pal.accent.g, self->pal.accent.b, 0.6);
      cairo_set_line_width (cr, 2);
      cairo_rectangle (cr, 1, 1, w - 2, h - 2);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - t0) / 1000.0);
}

static void
gb_latent_view_realize (GtkWidget *widget)
{
  GbLatentView *self = GB_LATENT_VIEW (widget);
  GTK_WIDGET_CLASS (gb_latent_view_parent_class)->realize (widget);
  gb_frame_stats_attach (self->stats, widget);
}

static void
gb_latent_view_unrealize (GtkWidget *widget)
{
  gb_frame_stats_detach (GB_LATENT_VIEW (widget)->stats);
  GTK_WIDGET_CLASS (gb_latent_view_parent_class)->unrealize (widget);
}

/* --- input --- */

static void
set_pointer (GbLatentView *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double zx, zy;
  gb_viewport_to_latent (&self->scene.vp, w, h, x, y, &zx, &zy);
  self->scene.has_pointer = TRUE;
  self->scene.pointer[0] = zx;
  self->scene.pointer[1] = zy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_POINTER_MOVED], 0, zx, zy);
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, GbLatentView *self)
{
  if (!self->panning)
    set_pointer (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *motion, GbLatentView *self)
{
  self->scene.has_pointer = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SIGNAL_POINTER_LEFT], 0);
}

/* The visible data point nearest to (x, y) within 8 pixels, or −1. */
static gint64
nearest_point (GbLatentView *self, double x, double y, double radius)
{
  const GbLatentScene *s = &self->scene;
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  gint64 best = -1;
  double best_d2 = radius * radius;
  for (guint32 i = 0; s->mu != NULL && i < s->n_points; i++)
    {
      if (s->hidden_classes & (1u << s->labels[i]))
        continue;
      double sx, sy;
      gb_viewport_to_screen (&s->vp, w, h, s->mu[2 * i], s->mu[2 * i + 1], &sx, &sy);
      double d2 = (sx - x) * (sx - x) + (sy - y) * (sy - y);
      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = i;
        }
    }
  return best;
}

static void
activate_at (GbLatentView *self, double x, double y, gboolean shift)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  int k = gb_latent_legend_hit (w, h, &self->scene, x, y);
  if (k >= 0)
    {
      g_signal_emit (self, signals[SIGNAL_LEGEND_TOGGLED], 0, k);
      return;
    }
  gint64 i = nearest_point (self, x, y, 8.0);
  if (i >= 0)
    g_signal_emit (self, signals[SIGNAL_POINT_ACTIVATED], 0, (guint) i, shift);
}

static void
click_released_cb (GtkGestureClick *gesture, int n_press, double x, double y, GbLatentView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->space_down)
    return;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  activate_at (self, x, y, (mods & GDK_SHIFT_MASK) != 0);
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbLatentView *self)
{
  guint button = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (drag));
  if (button == GDK_BUTTON_MIDDLE || (button == GDK_BUTTON_PRIMARY && self->space_down))
    {
      self->panning = TRUE;
      self->pan_start = self->scene.vp;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
    }
  else
    gtk_gesture_set_state (GTK_GESTURE (drag), GTK_EVENT_SEQUENCE_DENIED);
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbLatentView *self)
{
  if (!self->panning)
    return;
  self->scene.vp.cx = self->pan_start.cx - dx / self->scene.vp.scale;
  self->scene.vp.cy = self->pan_start.cy + dy / self->scene.vp.scale;
  viewport_changed (self);
}

static void
drag_end_cb (GtkGestureDrag *drag, double dx, double dy, GbLatentView *self)
{
  if (!self->panning)
    return;
  self->panning = FALSE;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), self->space_down ? "grab" : "crosshair");
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll, double dx, double dy, GbLatentView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double x = w / 2.0, y = h / 2.0;
  if (self->scene.has_pointer)
    gb_viewport_to_screen (&self->scene.vp, w, h, self->scene.pointer[0], self->scene.pointer[1], &x, &y);
  gb_viewport_zoom (&self->scene.vp, w, h, x, y, exp (-0.15 * dy));
  viewport_changed (self);
  return TRUE;
}

static void
move_keyboard_pointer (GbLatentView *self, double dx, double dy)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double x = w / 2.0, y = h / 2.0;
  if (self->scene.has_pointer)
    gb_viewport_to_screen (&self->scene.vp, w, h, self->scene.pointer[0], self->scene.pointer[1], &x, &y);
  set_pointer (self, CLAMP (x + dx, 0, w), CLAMP (y + dy, 0, h));
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                GbLatentView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self)), h = gtk_widget_get_height (GTK_WIDGET (self));
  double step = (state & GDK_SHIFT_MASK) ? 2 : 12;
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;   /* the window's shortcuts */
  switch (keyval)
    {
    case GDK_KEY_space:
      if (!self->space_down)
        {
          self->space_down = TRUE;
          gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grab");
        }
      return TRUE;
    case GDK_KEY_Left:  move_keyboard_pointer (self, -step, 0); return TRUE;
    case GDK_KEY_Right: move_keyboard_pointer (self, step, 0); return TRUE;
    case GDK_KEY_Up:    move_keyboard_pointer (self, 0, -step); return TRUE;
    case GDK_KEY_Down:  move_keyboard_pointer (self, 0, step); return TRUE;
    case GDK_KEY_plus:
    case GDK_KEY_equal:
    case GDK_KEY_KP_Add:
      gb_viewport_zoom (&self->scene.vp, w, h, w / 2.0, h / 2.0, 1.25);
      viewport_changed (self);
      return TRUE;
    case GDK_KEY_minus:
    case GDK_KEY_KP_Subtract:
      gb_viewport_zoom (&self->scene.vp, w, h, w / 2.0, h / 2.0, 0.8);
      viewport_changed (self);
      return TRUE;
    case GDK_KEY_r:
    case GDK_KEY_Home:
      gb_latent_view_reset (self);
      return TRUE;
    case GDK_KEY_1: case GDK_KEY_2: case GDK_KEY_3: case GDK_KEY_4: case GDK_KEY_5:
    case GDK_KEY_6: case GDK_KEY_7: case GDK_KEY_8: case GDK_KEY_9: case GDK_KEY_0:
      {
        /* The legend from the keyboard: 1…9 and 0 show or hide classes 0…9. */
        int k = keyval == GDK_KEY_0 ? 9 : (int) (keyval - GDK_KEY_1);
        if (k < self->scene.n_classes)
          g_signal_emit (self, signals[SIGNAL_LEGEND_TOGGLED], 0, k);
        return TRUE;
      }
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
      if (self->scene.has_pointer)
        {
          double x, y;
          gb_viewport_to_screen (&self->scene.vp, w, h, self->scene.pointer[0], self->scene.pointer[1], &x, &y);
          gint64 i = nearest_point (self, x, y, 40.0);
          if (i >= 0)
            g_signal_emit (self, signals[SIGNAL_POINT_ACTIVATED], 0, (guint) i, (state & GDK_SHIFT_MASK) != 0);
        }
      return TRUE;
    default:
      return FALSE;
    }
}

static void
key_released_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state,
                 GbLatentView *self)
{
  if (keyval == GDK_KEY_space)
    {
      self->space_down = FALSE;
      if (!self->panning)
        gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
    }
}

/* --- object --- */

static void
gb_latent_view_finalize (GObject *object)
{
  GbLatentView *self = GB_LATENT_VIEW (object);
  gb_frame_stats_print (self->stats, NULL, NULL);
  gb_frame_stats_free (self->stats);
  g_clear_pointer (&self->base, cairo_surface_destroy);
  G_OBJECT_CLASS (gb_latent_view_parent_class)->finalize (object);
}

static void
gb_latent_view_class_init (GbLatentViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = gb_latent_view_finalize;
  widget_class->snapshot = gb_latent_view_snapshot;
  widget_class->css_changed = gb_latent_view_css_changed;
  widget_class->realize = gb_latent_view_realize;
  widget_class->unrealize = gb_latent_view_unrealize;
  gtk_widget_class_set_css_name (widget_class, "latentview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  signals[SIGNAL_POINTER_MOVED] = g_signal_new ("pointer-moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  signals[SIGNAL_POINTER_LEFT] = g_signal_new ("pointer-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_POINT_ACTIVATED] = g_signal_new ("point-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_BOOLEAN);
  signals[SIGNAL_LEGEND_TOGGLED] = g_signal_new ("legend-toggled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_VIEWPORT_CHANGED] = g_signal_new ("viewport-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gb_latent_view_init (GbLatentView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  self->home[0] = self->home[2] = -RESET_RADIUS, self->home[1] = self->home[3] = RESET_RADIUS;
  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);
  gtk_widget_set_size_request (widget, 320, 240);
  gtk_widget_set_cursor_from_name (widget, "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Latent plane"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, GB_LATENT_VIEW_KEYS, -1);
  gb_palette_init (&self->pal, FALSE);
  self->base_dirty = TRUE;
  self->stats = gb_frame_stats_new ("frame-stats", "frames", "plane draw");

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (widget, motion);

  GtkGesture *click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (click_released_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), 0);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, scroll);

  GtkEventController *key = gtk_event_controller_key_new ();
  g_signal_connect (key, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (key, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (widget, key);
}
