/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-compare-view.c — cart-pole's learners compared (see the header). */
#include "gb-rl-cart-compare-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include <stdio.h>

#include "gb-form.h"
#include "gb-rl-cart-compare.h"
#include "gb-series-paint.h"

#define BINS 100
#define N 4

static const GbCartAlgo algos[N] = { GB_CART_DQN, GB_CART_REINFORCE, GB_CART_BASELINE, GB_CART_ACTOR_CRITIC };
static const char *const names[N] = { "DQN", "REINFORCE", "REINFORCE + baseline", "actor-critic" };

typedef struct {
  int seeds;
  gint64 steps;
  double mean[N][BINS], sd[N][BINS];
  int algo;                   /* the one running (atomic) */
  gint done;                  /* its steps done, of seeds × steps (atomic; ≤ 20 × 10⁶) */
} Job;

struct _GbRlCartCompareView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GtkSpinButton *seeds, *steps;
  GtkButton *run_button;
  GtkProgressBar *progress;
  GbPalette pal;

  Job *result;                /* the last finished comparison */
  Job *running;               /* borrowed from its task */
  GCancellable *cancel;
  guint poll_id;
};

G_DEFINE_FINAL_TYPE (GbRlCartCompareView, gb_rl_cart_compare_view, GTK_TYPE_WIDGET)

static void
progress_cb (gint64 done, gint64 total, gpointer data)
{
  Job *j = data;
  g_atomic_int_set (&j->done, (gint) done);
}

static void
compare_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  Job *j = data;
  GError *error = NULL;
  for (int a = 0; a < N; a++)
    {
      g_atomic_int_set (&j->algo, a);
      if (!gb_cart_learning_curve (algos[a], j->seeds, j->steps, BINS, j->mean[a], j->sd[a], progress_cb, j, cancel,
                                   &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
show_running (GbRlCartCompareView *self, gboolean running)
{
  gtk_button_set_label (self->run_button, running ? "_Cancel" : "Co_mpare");
  if (!running && self->poll_id != 0)
    {
      g_source_remove (self->poll_id);
      self->poll_id = 0;
    }
}

static gboolean
poll_cb (gpointer data)
{
  GbRlCartCompareView *self = data;
  Job *j = self->running;
  if (j == NULL)
    return G_SOURCE_CONTINUE;
  int a = g_atomic_int_get (&j->algo);
  gint64 done = g_atomic_int_get (&j->done);
  double f = (a + (double) done / ((double) j->seeds * j->steps)) / N;
  gtk_progress_bar_set_fraction (self->progress, CLAMP (f, 0.0, 1.0));
  g_autofree char *text = g_strdup_printf ("%s: %.0f %%", names[CLAMP (a, 0, N - 1)], 100 * CLAMP (f, 0.0, 1.0));
  gtk_progress_bar_set_text (self->progress, text);
  return G_SOURCE_CONTINUE;
}

static void
compare_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = G_TASK (result);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (task, &error);
  GbRlCartCompareView *self = GB_RL_CART_COMPARE_VIEW (source);   /* (the task keeps it alive) */
  Job *j = g_task_get_task_data (task);
  if (self->running != j)
    return;   /* the view was disposed */
  self->running = NULL;
  g_clear_object (&self->cancel);
  show_running (self, FALSE);
  if (ok)
    {
      g_free (self->result);
      self->result = g_memdup2 (j, sizeof *j);
      gtk_progress_bar_set_fraction (self->progress, 1.0);
      gtk_progress_bar_set_text (self->progress, "done");
    }
  else
    gtk_progress_bar_set_text (self->progress, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                               ? _("cancelled: the last result stays") : error->message);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
}

void
gb_rl_cart_compare_view_cancel (GbRlCartCompareView *self)
{
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
}

static void
run_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlCartCompareView *self = GB_RL_CART_COMPARE_VIEW (widget);
  if (self->cancel != NULL)
    {
      gb_rl_cart_compare_view_cancel (self);
      return;
    }
  Job *j = g_new0 (Job, 1);
  j->seeds = gtk_spin_button_get_value_as_int (self->seeds);
  j->steps = (gint64) gtk_spin_button_get_value (self->steps);
  self->cancel = g_cancellable_new ();
  self->running = j;
  show_running (self, TRUE);
  gtk_progress_bar_set_fraction (self->progress, 0);
  self->poll_id = g_timeout_add (100, poll_cb, self);
  g_autoptr (GTask) task = g_task_new (self, self->cancel, compare_done_cb, NULL);
  g_task_set_task_data (task, j, g_free);
  g_task_run_in_thread (task, compare_thread);
}

void
gb_rl_cart_compare_view_paint (GbRlCartCompareView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  Job *j = self->result;
  char title[160];
  if (j != NULL)
    snprintf (title, sizeof title,
              ngettext ("Cart-pole: return against environment steps, mean ± sd over %d seed (the last 10 episodes)",
                        "Cart-pole: return against environment steps, mean ± sd over %d seeds (the last 10 episodes)",
                        j->seeds), j->seeds);
  else
    snprintf (title, sizeof title, _("Cart-pole: four learners from the same seeds"));
  GbSeries series[N];
  int n = 0;
  for (int a = 0; j != NULL && a < N; a++)
    series[n++] = (GbSeries) { .y = j->mean[a], .spread = j->sd[a], .n = BINS, .x0 = (double) j->steps / BINS,
                               .dx = (double) j->steps / BINS, .color = pal->classes[a], .width = 2,
                               .label = names[a] };
  GbSeriesPlot plot = { title, _("environment steps"), series, n, FALSE,
                        _("Press Compare: DQN, REINFORCE, REINFORCE + baseline and actor-critic learn from the same "
                        "seeds on a worker"), TRUE, 0, 520 };
  gb_series_plot_paint (cr, 8, 8, w - 16, h - 16, &plot, pal);
  cairo_restore (cr);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlCartCompareView *self = data;
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_cart_compare_view_paint (self, cr, w, h, &self->pal);
}

static void
gb_rl_cart_compare_view_dispose (GObject *object)
{
  GbRlCartCompareView *self = GB_RL_CART_COMPARE_VIEW (object);
  gb_rl_cart_compare_view_cancel (self);
  g_clear_object (&self->cancel);
  self->running = NULL;
  show_running (self, FALSE);
  g_clear_pointer (&self->result, g_free);
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_CART_COMPARE_VIEW);
  G_OBJECT_CLASS (gb_rl_cart_compare_view_parent_class)->dispose (object);
}

static void
gb_rl_cart_compare_view_class_init (GbRlCartCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_rl_cart_compare_view_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-cart-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlCartCompareView, area);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartCompareView, seeds);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartCompareView, steps);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartCompareView, run_button);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartCompareView, progress);
  gtk_widget_class_install_action (widget_class, "cartcompare.run", NULL, run_action);
}

static void
gb_rl_cart_compare_view_init (GbRlCartCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
}

/* The numbers behind the curves: per bin of environment steps, each
 * learner's mean return of its last 10 episodes over the seeds, and the sd. */
GbTable *
gb_rl_cart_compare_view_table (GbRlCartCompareView *self)
{
  g_return_val_if_fail (GB_IS_RL_CART_COMPARE_VIEW (self), NULL);
  Job *j = self->result;
  if (j == NULL)
    return NULL;
  g_autofree char *title = g_strdup_printf (_("Cart-pole: return against environment steps, mean and sd over %d seeds"),
                                            j->seeds);
  GbTable *t = gb_table_new (title);
  double x[BINS];
  for (int b = 0; b < BINS; b++)
    x[b] = (double) j->steps / BINS * (b + 1);
  gb_table_add_column (t, "environment steps", x, BINS);
  for (int a = 0; a < N; a++)
    {
      g_autofree char *m = g_strdup_printf ("%s mean", names[a]), *s = g_strdup_printf ("%s sd", names[a]);
      gb_table_add_column (t, m, j->mean[a], BINS);
      gb_table_add_column (t, s, j->sd[a], BINS);
    }
  return t;
}
