/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn-view.c — inside the DQN, on screen (see the header). */
#include "gb-rl-dqn-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include "gb-form.h"
#include "gb-rl-dqn-paint.h"

#define POINTS 1500      /* replay transitions drawn */
#define CELLS 40         /* the Q surfaces' cells a side */
#define PERIOD_US 250000 /* between copies while the agent learns */

struct _GbRlDqnView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GtkScale *x_scale, *xdot_scale;
  GtkCheckButton *buffer_check;
  GtkDropDown *colour_drop;
  GbPalette pal;
  GbFrameStats *stats;          /* borrowed */

  GbCartAgent *agent;           /* borrowed */
  GbRlRunner *runner;
  GbDqnSnapshot *snap;          /* what is drawn */
  gint64 snap_steps;            /* the agent's steps when it was copied */
  gboolean dirty;               /* the plane moved: copy again */
  gboolean busy;                /* a copy is being worked out */
  GCancellable *cancel;
  guint tick_id;
  gint64 last_us;
};

G_DEFINE_FINAL_TYPE (GbRlDqnView, gb_rl_dqn_view, GTK_TYPE_WIDGET)

typedef struct {
  GbDqnSnapshot *snap;
  double x, x_dot;
} Job;

static void
job_free (Job *j)
{
  gb_dqn_snapshot_free (j->snap);
  g_free (j);
}

static void
compute_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Job *j = data;
  gb_dqn_snapshot_compute (j->snap, j->x, j->x_dot, CELLS);
  g_task_return_boolean (task, TRUE);
}

static void
computed_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbRlDqnView *self = GB_RL_DQN_VIEW (source);
  GTask *task = G_TASK (result);
  if (g_task_had_error (task) || g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;
  self->busy = FALSE;
  Job *j = g_task_get_task_data (task);
  gb_dqn_snapshot_free (self->snap);
  self->snap = g_steal_pointer (&j->snap);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

/* Copies the agent out (not waiting for a runner at work) and starts working it out. */
static void
refresh (GbRlDqnView *self)
{
  if (self->busy || self->agent == NULL || self->agent->dqn == NULL)
    return;
  gboolean locked = gb_rl_runner_is_running (self->runner) ? gb_rl_runner_trylock (self->runner)
                                                           : (gb_rl_runner_lock (self->runner), TRUE);
  if (!locked)
    return;
  GbDqn *d = self->agent->dqn;
  if (d->steps == self->snap_steps && !self->dirty && self->snap != NULL)
    {
      gb_rl_runner_unlock (self->runner);
      return;
    }
  Job *j = g_new0 (Job, 1);
  j->snap = gb_dqn_snapshot (d, POINTS);
  self->snap_steps = d->steps;
  gb_rl_runner_unlock (self->runner);
  j->x = gtk_range_get_value (GTK_RANGE (self->x_scale));
  j->x_dot = gtk_range_get_value (GTK_RANGE (self->xdot_scale));
  self->dirty = FALSE;
  self->busy = TRUE;
  g_autoptr (GTask) task = g_task_new (self, self->cancel, computed_cb, NULL);
  g_task_set_task_data (task, j, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, compute_thread);
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlDqnView *self = GB_RL_DQN_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  if (self->dirty || now - self->last_us >= PERIOD_US)
    {
      self->last_us = now;
      refresh (self);
    }
  return G_SOURCE_CONTINUE;
}

void
gb_rl_dqn_view_set_agent (GbRlDqnView *self, GbCartAgent *agent, GbRlRunner *runner)
{
  /* A copy being worked out belongs to the agent before: drop it. */
  g_cancellable_cancel (self->cancel);
  g_clear_object (&self->cancel);
  self->cancel = g_cancellable_new ();
  self->busy = FALSE;
  self->agent = agent;
  self->runner = runner;
  g_clear_pointer (&self->snap, gb_dqn_snapshot_free);
  self->snap_steps = -1;
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static void
plane_changed_cb (GtkRange *range, GbRlDqnView *self)
{
  self->dirty = TRUE;
}

static void
style_changed_cb (GtkCheckButton *check, GbRlDqnView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static void
style_notify_cb (GObject *object, GParamSpec *pspec, GbRlDqnView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

void
gb_rl_dqn_view_paint (GbRlDqnView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  GbDqnScene scene = { self->snap, gtk_drop_down_get_selected (self->colour_drop) == 1,
                       gtk_check_button_get_active (self->buffer_check), _("Inside the DQN — cart-pole") };
  gb_dqn_paint (cr, w, h, &scene, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlDqnView *self = data;
  gint64 t0 = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_dqn_view_paint (self, cr, w, h, &self->pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - t0) / 1000.0);
}

void
gb_rl_dqn_view_set_frame_stats (GbRlDqnView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

static void
gb_rl_dqn_view_map (GtkWidget *widget)
{
  GbRlDqnView *self = GB_RL_DQN_VIEW (widget);
  GTK_WIDGET_CLASS (gb_rl_dqn_view_parent_class)->map (widget);
  self->dirty = TRUE;
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (widget, tick_cb, NULL, NULL);
}

static void
gb_rl_dqn_view_unmap (GtkWidget *widget)
{
  GbRlDqnView *self = GB_RL_DQN_VIEW (widget);
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (widget, self->tick_id);
  self->tick_id = 0;
  GTK_WIDGET_CLASS (gb_rl_dqn_view_parent_class)->unmap (widget);
}

static void
gb_rl_dqn_view_dispose (GObject *object)
{
  GbRlDqnView *self = GB_RL_DQN_VIEW (object);
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  g_clear_object (&self->cancel);
  g_clear_pointer (&self->snap, gb_dqn_snapshot_free);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_DQN_VIEW);
  G_OBJECT_CLASS (gb_rl_dqn_view_parent_class)->dispose (object);
}

static void
gb_rl_dqn_view_class_init (GbRlDqnViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_rl_dqn_view_dispose;
  widget_class->map = gb_rl_dqn_view_map;
  widget_class->unmap = gb_rl_dqn_view_unmap;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-dqn-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlDqnView, area);
  gtk_widget_class_bind_template_child (widget_class, GbRlDqnView, x_scale);
  gtk_widget_class_bind_template_child (widget_class, GbRlDqnView, xdot_scale);
  gtk_widget_class_bind_template_child (widget_class, GbRlDqnView, buffer_check);
  gtk_widget_class_bind_template_child (widget_class, GbRlDqnView, colour_drop);
  gtk_widget_class_bind_template_callback (widget_class, plane_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, style_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, style_notify_cb);
}

static void
gb_rl_dqn_view_init (GbRlDqnView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  self->cancel = g_cancellable_new ();
  self->snap_steps = -1;
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
}

/* The numbers behind the curves: per episode its end in environment steps,
 * return, ε, mean TD loss, target lag and the promised and obtained values. */
GbTable *
gb_rl_dqn_view_table (GbRlDqnView *self)
{
  g_return_val_if_fail (GB_IS_RL_DQN_VIEW (self), NULL);
  const GbDqnSnapshot *s = self->snap;
  if (s == NULL || s->n_log == 0)
    return NULL;
  int n = s->n_log;
  g_autofree double *c = g_new (double, 7 * n);
  for (int i = 0; i < n; i++)
    {
      const GbDqnLog *l = &s->log[i];
      c[i] = (double) l->steps, c[n + i] = l->ret, c[2 * n + i] = l->epsilon, c[3 * n + i] = l->loss;
      c[4 * n + i] = l->lag, c[5 * n + i] = l->q_mean, c[6 * n + i] = l->g_mean;
    }
  static const char *const names[7] = { "environment steps", "return", "epsilon", "TD loss", "target lag",
                                        "mean max Q", "mean G" };
  GbTable *t = gb_table_new (_("Inside the DQN: each episode"));
  gb_table_add_index (t, "episode", 1, n);
  for (int k = 0; k < 7; k++)
    gb_table_add_column (t, names[k], c + k * n, n);
  return t;
}
