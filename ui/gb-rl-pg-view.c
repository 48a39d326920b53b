/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg-view.c — the gradient-variance tab (see the header). */
#include "gb-rl-pg-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include "gb-form.h"
#include "gb-rl-pg-paint.h"

struct _GbRlPgView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GtkSpinButton *episodes;
  GtkLabel *status;
  GbPalette pal;

  GbCartAgent *agent;       /* borrowed */
  GbRlRunner *runner;
  GbPgSpread *spread;       /* the last measured */
  gboolean critic;
  int measures;             /* seeds each measurement afresh */
  GCancellable *cancel;     /* the measurement under way, or NULL */
};

G_DEFINE_FINAL_TYPE (GbRlPgView, gb_rl_pg_view, GTK_TYPE_WIDGET)

typedef struct {
  GbPolicyGradient *pg;
  int n;
  guint64 seed;
} Job;

static void
job_free (Job *j)
{
  gb_pg_free (j->pg);
  g_free (j);
}

static void
measure_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Job *j = data;
  g_task_return_pointer (task, gb_pg_spread (j->pg, j->n, j->seed), (GDestroyNotify) gb_pg_spread_free);
}

static void
measured_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = G_TASK (result);
  GbPgSpread *s = g_task_propagate_pointer (task, NULL);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      gb_pg_spread_free (s);
      return;
    }
  GbRlPgView *self = GB_RL_PG_VIEW (source);
  g_clear_object (&self->cancel);
  gb_pg_spread_free (self->spread);
  self->spread = s;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "pg.measure", TRUE);
  g_autofree char *text = g_strdup_printf (_("Measured on %d episodes (%lld steps)"), s->n, (long long) s->steps);
  gtk_label_set_text (self->status, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

static void
measure_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPgView *self = GB_RL_PG_VIEW (widget);
  if (self->agent == NULL || self->agent->pg == NULL || self->cancel != NULL)
    return;
  Job *j = g_new0 (Job, 1);
  gb_rl_runner_lock (self->runner);   /* a policy-gradient episode: milliseconds */
  j->pg = gb_pg_copy (self->agent->pg);
  gb_rl_runner_unlock (self->runner);
  j->n = gtk_spin_button_get_value_as_int (self->episodes);
  j->seed = 7919 + (guint64) self->measures++;
  self->critic = gb_pg_has_critic (j->pg);
  self->cancel = g_cancellable_new ();
  gtk_widget_action_set_enabled (widget, "pg.measure", FALSE);
  gtk_label_set_text (self->status, "Measuring…");
  g_autoptr (GTask) task = g_task_new (self, self->cancel, measured_cb, NULL);
  g_task_set_task_data (task, j, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, measure_thread);
}

void
gb_rl_pg_view_set_agent (GbRlPgView *self, GbCartAgent *agent, GbRlRunner *runner)
{
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  g_clear_object (&self->cancel);
  self->agent = agent;
  self->runner = runner;
  g_clear_pointer (&self->spread, gb_pg_spread_free);
  gboolean can = agent != NULL && agent->pg != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "pg.measure", can);
  gtk_label_set_text (self->status, can ? "" : _("The neural policy gradients only"));
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

void
gb_rl_pg_view_paint (GbRlPgView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  GbPgScene scene = { self->spread, self->critic, _("Why a baseline helps: the policy gradient's spread"),
                      self->spread == NULL ? NULL
                      : self->critic ? _("The baseline is the agent's learned V(s_t); the agent itself does not learn "
                                         "from these episodes.")
                                     : _("This agent learns no V: the baseline is the mean return-to-go of these "
                                         "episodes.") };
  gb_pg_spread_paint (cr, w, h, &scene, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPgView *self = data;
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_pg_view_paint (self, cr, w, h, &self->pal);
}

static void
gb_rl_pg_view_dispose (GObject *object)
{
  GbRlPgView *self = GB_RL_PG_VIEW (object);
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
  g_clear_object (&self->cancel);
  g_clear_pointer (&self->spread, gb_pg_spread_free);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_PG_VIEW);
  G_OBJECT_CLASS (gb_rl_pg_view_parent_class)->dispose (object);
}

static void
gb_rl_pg_view_class_init (GbRlPgViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_rl_pg_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-pg-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlPgView, area);
  gtk_widget_class_bind_template_child (widget_class, GbRlPgView, episodes);
  gtk_widget_class_bind_template_child (widget_class, GbRlPgView, status);
  gtk_widget_class_install_action (widget_class, "pg.measure", NULL, measure_action);
}

static void
gb_rl_pg_view_init (GbRlPgView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "pg.measure", FALSE);
}

/* The numbers behind the picture: each episode's gradient estimate
 * projected on the mean gradient's direction, without and with the
 * baseline, and the two total variances. */
GbTable *
gb_rl_pg_view_table (GbRlPgView *self)
{
  g_return_val_if_fail (GB_IS_RL_PG_VIEW (self), NULL);
  const GbPgSpread *s = self->spread;
  if (s == NULL)
    return NULL;
  GbTable *t = gb_table_new (_("Why a baseline helps: each episode's gradient estimate, projected"));
  gb_table_add_index (t, "episode", 1, s->n);
  gb_table_add_column (t, "projection without baseline", s->proj_plain, s->n);
  gb_table_add_column (t, "projection with the baseline", s->proj_based, s->n);
  gb_table_add_column (t, "total variance without baseline", &s->var_plain, 1);
  gb_table_add_column (t, "total variance with the baseline", &s->var_based, 1);
  return t;
}
