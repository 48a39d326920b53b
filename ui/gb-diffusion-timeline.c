/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-timeline.c — the Diffusion page's timestep. */
#include "gb-diffusion-timeline.h"

#include "gb-a11y.h"

#include <math.h>

#include "gb-form.h"

struct _GbDiffusionTimeline {
  GtkWidget parent_instance;

  GtkScale *scale;
  GtkSpinButton *speed;
  GtkLabel *t_label;

  const GbSchedule *schedule;   /* the page's */
  gboolean reverse;
  int t;
  gboolean updating;            /* the scale set by the program, not the user */
  gboolean playing;
  double play_pos;
  guint tick_id;
  gint64 last_frame_us;
};

G_DEFINE_FINAL_TYPE (GbDiffusionTimeline, gb_diffusion_timeline, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_T, PROP_PLAYING, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
show_t (GbDiffusionTimeline *self)
{
  const GbSchedule *s = self->schedule;
  char buf[160];
  if (s == NULL)
    g_snprintf (buf, sizeof buf, "t = %d", self->t);
  else if (self->t == 0)
    g_snprintf (buf, sizeof buf, "t = 0 / %d · data", s->T);
  else
    g_snprintf (buf, sizeof buf, "t = %d / %d · β %.2e · ᾱ %.4f · SNR %.3g", self->t, s->T, s->beta[self->t],
                s->alpha_bar[self->t], gb_schedule_snr (s, self->t));
  gtk_label_set_text (self->t_label, buf);
  gb_a11y_describe (GTK_WIDGET (self->scale), buf);
}

void
gb_diffusion_timeline_set_t (GbDiffusionTimeline *self, int t)
{
  self->t = CLAMP (t, 0, self->schedule ? self->schedule->T : 0);
  self->updating = TRUE;
  gtk_range_set_value (GTK_RANGE (self->scale), self->t);
  self->updating = FALSE;
  show_t (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_T]);
}

int
gb_diffusion_timeline_get_t (GbDiffusionTimeline *self)
{
  return self->t;
}

static void
scale_changed_cb (GtkRange *range, GbDiffusionTimeline *self)
{
  if (!self->updating)
    gb_diffusion_timeline_set_t (self, (int) round (gtk_range_get_value (range)));
}

void
gb_diffusion_timeline_set_schedule (GbDiffusionTimeline *self, const GbSchedule *schedule)
{
  self->schedule = schedule;
  gb_diffusion_timeline_set_playing (self, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->scale), schedule != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "timeline.play", schedule != NULL);
  if (schedule != NULL)
    {
      self->updating = TRUE;
      gtk_range_set_range (GTK_RANGE (self->scale), 0, schedule->T);
      self->updating = FALSE;
    }
  show_t (self);
}

void
gb_diffusion_timeline_set_reverse (GbDiffusionTimeline *self, gboolean reverse)
{
  self->reverse = reverse;
}

/* --- playing --- */

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbDiffusionTimeline *self = GB_DIFFUSION_TIMELINE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  if (self->playing && self->schedule != NULL)
    {
      int T = self->schedule->T;
      self->play_pos += (self->reverse ? -1 : 1) * gtk_spin_button_get_value (self->speed) * dt;
      gboolean end = self->play_pos < 0 || self->play_pos > T;
      self->play_pos = CLAMP (self->play_pos, 0, T);
      gb_diffusion_timeline_set_t (self, (int) round (self->play_pos));
      if (end)
        gb_diffusion_timeline_set_playing (self, FALSE);
    }
  if (self->playing)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame_us = 0;
  return G_SOURCE_REMOVE;
}

gboolean
gb_diffusion_timeline_get_playing (GbDiffusionTimeline *self)
{
  return self->playing;
}

/* Play (timeline.play): from the start of the process when at its end. */
void
gb_diffusion_timeline_set_playing (GbDiffusionTimeline *self, gboolean playing)
{
  const GbSchedule *s = self->schedule;
  if (playing == self->playing || (playing && s == NULL))
    return;
  self->playing = playing;
  if (playing)
    {
      if (self->reverse && self->t == 0)
        self->t = s->T;
      else if (!self->reverse && self->t == s->T)
        self->t = 0;
      self->play_pos = self->t;
      if (self->tick_id == 0)
        self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PLAYING]);
}

/* --- the object --- */

static void
gb_diffusion_timeline_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbDiffusionTimeline *self = GB_DIFFUSION_TIMELINE (object);
  if (id == PROP_T)
    g_value_set_int (value, self->t);
  else
    g_value_set_boolean (value, self->playing);
}

static void
gb_diffusion_timeline_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GbDiffusionTimeline *self = GB_DIFFUSION_TIMELINE (object);
  if (id == PROP_T)
    gb_diffusion_timeline_set_t (self, g_value_get_int (value));
  else
    gb_diffusion_timeline_set_playing (self, g_value_get_boolean (value));
}

static void
gb_diffusion_timeline_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_DIFFUSION_TIMELINE);
  G_OBJECT_CLASS (gb_diffusion_timeline_parent_class)->dispose (object);
}

static void
gb_diffusion_timeline_class_init (GbDiffusionTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_diffusion_timeline_get_property;
  object_class->set_property = gb_diffusion_timeline_set_property;
  object_class->dispose = gb_diffusion_timeline_dispose;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  props[PROP_T] = g_param_spec_int ("t", NULL, NULL, 0, G_MAXINT, 0, rw);
  props[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-diffusion-timeline.ui");
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionTimeline, scale);
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionTimeline, speed);
  gtk_widget_class_bind_template_child (widget_class, GbDiffusionTimeline, t_label);
  gtk_widget_class_bind_template_callback (widget_class, scale_changed_cb);
  gtk_widget_class_install_property_action (widget_class, "timeline.play", "playing");
}

static void
gb_diffusion_timeline_init (GbDiffusionTimeline *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_diffusion_timeline_set_schedule (self, NULL);
}

GtkSpinButton *
gb_diffusion_timeline_speed_button (GbDiffusionTimeline *self)
{
  return self->speed;
}
