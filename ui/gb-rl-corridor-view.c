/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor-view.c — the short corridor, learnt live (see the header). */
#include "gb-rl-corridor-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include "gb-form.h"
#include "gb-rl-corridor-paint.h"

#define MAX_PER_FRAME 400   /* episodes a frame at most: well under a millisecond */

struct _GbRlCorridorView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GtkSpinButton *rate;
  GtkLabel *status;
  GbPalette pal;

  GbCorridorAgent *plain, *based;
  gboolean running;
  guint tick_id;
  gint64 last_us;
  double due;
};

G_DEFINE_FINAL_TYPE (GbRlCorridorView, gb_rl_corridor_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_RUNNING, N_PROPS };
static GParamSpec *props[N_PROPS];

static void
show_status (GbRlCorridorView *self)
{
  double p = gb_corridor_agent_p (self->plain), q = gb_corridor_agent_p (self->based);
  g_autofree char *text = g_strdup_printf (_("%d episodes · REINFORCE p = %.3f, v(p) = %.2f · with a baseline p = %.3f, "
                                           "v(p) = %.2f · best p* = %.3f, v* = %.2f"),
                                           self->plain->episodes, p, gb_corridor_value (p), q, gb_corridor_value (q),
                                           GB_CORRIDOR_BEST_P, gb_corridor_best_value ());
  gtk_label_set_text (self->status, text);
}

static void
restart (GbRlCorridorView *self)
{
  GbCorridorConfig c;
  g_clear_pointer (&self->plain, gb_corridor_agent_free);
  g_clear_pointer (&self->based, gb_corridor_agent_free);
  gb_corridor_config_init (&c, FALSE);
  self->plain = gb_corridor_agent_new (&c, NULL);
  gb_corridor_config_init (&c, TRUE);
  self->based = gb_corridor_agent_new (&c, NULL);
  self->due = 0;
  show_status (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlCorridorView *self = GB_RL_CORRIDOR_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_us ? CLAMP ((now - self->last_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_us = now;
  self->due = MIN (self->due + dt * gtk_spin_button_get_value (self->rate), MAX_PER_FRAME);
  for (; self->due >= 1.0; self->due -= 1.0)
    {
      gb_corridor_agent_episode (self->plain);
      gb_corridor_agent_episode (self->based);
    }
  show_status (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  return G_SOURCE_CONTINUE;
}

static void
set_running (GbRlCorridorView *self, gboolean running)
{
  if (running == self->running)
    return;
  self->running = running;
  if (running && self->tick_id == 0)
    {
      self->last_us = 0;
      self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
    }
  else if (!running && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

void
gb_rl_corridor_view_stop (GbRlCorridorView *self)
{
  set_running (self, FALSE);
}

static void
restart_action (GtkWidget *widget, const char *name, GVariant *param)
{
  restart (GB_RL_CORRIDOR_VIEW (widget));
}

void
gb_rl_corridor_view_paint (GbRlCorridorView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  GbCorridorScene scene = { self->plain, self->based,
                            _("The short corridor (Sutton & Barto, example 13.1): REINFORCE with and without a baseline") };
  gb_corridor_paint (cr, w, h, &scene, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlCorridorView *self = data;
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_corridor_view_paint (self, cr, w, h, &self->pal);
}

static void
gb_rl_corridor_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_boolean (value, GB_RL_CORRIDOR_VIEW (object)->running);
}

static void
gb_rl_corridor_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  set_running (GB_RL_CORRIDOR_VIEW (object), g_value_get_boolean (value));
}

static void
gb_rl_corridor_view_unmap (GtkWidget *widget)
{
  set_running (GB_RL_CORRIDOR_VIEW (widget), FALSE);   /* nothing learns out of sight */
  GTK_WIDGET_CLASS (gb_rl_corridor_view_parent_class)->unmap (widget);
}

static void
gb_rl_corridor_view_dispose (GObject *object)
{
  GbRlCorridorView *self = GB_RL_CORRIDOR_VIEW (object);
  g_clear_pointer (&self->plain, gb_corridor_agent_free);
  g_clear_pointer (&self->based, gb_corridor_agent_free);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_CORRIDOR_VIEW);
  G_OBJECT_CLASS (gb_rl_corridor_view_parent_class)->dispose (object);
}

static void
gb_rl_corridor_view_class_init (GbRlCorridorViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_rl_corridor_view_get_property;
  object_class->set_property = gb_rl_corridor_view_set_property;
  object_class->dispose = gb_rl_corridor_view_dispose;
  widget_class->unmap = gb_rl_corridor_view_unmap;
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-corridor-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlCorridorView, area);
  gtk_widget_class_bind_template_child (widget_class, GbRlCorridorView, rate);
  gtk_widget_class_bind_template_child (widget_class, GbRlCorridorView, status);
  gtk_widget_class_install_property_action (widget_class, "corridor.run", "running");
  gtk_widget_class_install_action (widget_class, "corridor.restart", NULL, restart_action);
}

static void
gb_rl_corridor_view_init (GbRlCorridorView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  restart (self);
}

/* The numbers behind the curves: p = π(right) and the return after each
 * episode, of REINFORCE and of REINFORCE with a baseline. */
GbTable *
gb_rl_corridor_view_table (GbRlCorridorView *self)
{
  g_return_val_if_fail (GB_IS_RL_CORRIDOR_VIEW (self), NULL);
  if (self->plain == NULL || self->plain->episodes == 0)
    return NULL;
  GbTable *t = gb_table_new (_("The short corridor: p = π(right) and the return after each episode"));
  gb_table_add_index (t, "episode", 1, self->plain->episodes);
  gb_table_add_column (t, "REINFORCE p", (const double *) self->plain->ps->data, (int) self->plain->ps->len);
  gb_table_add_column (t, "REINFORCE return", (const double *) self->plain->returns->data,
                       (int) self->plain->returns->len);
  gb_table_add_column (t, "with a baseline p", (const double *) self->based->ps->data, (int) self->based->ps->len);
  gb_table_add_column (t, "with a baseline return", (const double *) self->based->returns->data,
                       (int) self->based->returns->len);
  return t;
}
