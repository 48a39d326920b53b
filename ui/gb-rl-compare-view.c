/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-compare-view.c — two TD algorithms compared over seeds (see the header). */
#include "gb-rl-compare-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include "gb-form.h"
#include "gb-rl-mdp.h"
#include "gb-rl-paint.h"
#include "gb-series-paint.h"

typedef struct {
  /* Inputs. */
  char *map_text;
  GbTdConfig a, b;
  char *name_a, *name_b;
  int seeds, episodes;
  /* Outputs, written by the worker. */
  GbGrid *grid;
  double *mean_a, *sd_a, *mean_b, *sd_b;
  double *Q_a, *Q_b;
  int curve;                    /* the one under way: 0 or 1 */
  gint done;                    /* episodes run, of 2·seeds·episodes (atomic) */
  GbRlCompareView *view;        /* for the progress hand-off (the task keeps it alive) */
} CompareJob;

struct _GbRlCompareView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GbPalette pal;
  CompareJob *running;          /* owned by its task */
  GCancellable *cancel;
  CompareJob *shown;            /* the result on show, or NULL */
  gint notify_pending;
};

G_DEFINE_FINAL_TYPE (GbRlCompareView, gb_rl_compare_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_RUNNING, PROP_FRACTION, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { SIGNAL_FINISHED, SIGNAL_MESSAGE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
compare_job_free (CompareJob *j)
{
  if (j == NULL)
    return;
  g_free (j->map_text), g_free (j->name_a), g_free (j->name_b);
  gb_grid_free (j->grid);
  g_free (j->mean_a), g_free (j->sd_a), g_free (j->mean_b), g_free (j->sd_b);
  g_free (j->Q_a), g_free (j->Q_b);
  g_free (j);
}

/* --- the job --- */

static gboolean
notify_fraction_cb (gpointer data)
{
  GbRlCompareView *self = data;
  g_atomic_int_set (&self->notify_pending, 0);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION]);
  return G_SOURCE_REMOVE;
}

/* On the worker, after every episode: the main loop hears of it, at most
 * one hand-off pending at a time. */
static void
progress_cb (gint64 done, gint64 total, gpointer data)
{
  CompareJob *j = data;
  g_atomic_int_set (&j->done, (gint) (j->curve * total + done));
  if (g_atomic_int_compare_and_exchange (&j->view->notify_pending, 0, 1))
    g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, notify_fraction_cb, g_object_ref (j->view), g_object_unref);
}

static void
compare_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
  CompareJob *j = data;
  GError *error = NULL;
  j->grid = gb_grid_parse (j->map_text, "map", &error);
  if (j->grid == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  int E = j->episodes;
  gsize nq = (gsize) j->grid->mdp->n_states * j->grid->mdp->n_actions;
  j->mean_a = g_new (double, E), j->sd_a = g_new (double, E), j->mean_b = g_new (double, E), j->sd_b = g_new (double, E);
  j->Q_a = g_new (double, nq), j->Q_b = g_new (double, nq);
  /* The same curves as `glassbox rl --seeds`: one core function for both. */
  const GbMdp *mdp = j->grid->mdp;
  j->curve = 0;
  gboolean ok = gb_td_learning_curve (mdp, &j->a, j->seeds, E, j->mean_a, j->sd_a, j->Q_a, progress_cb, j, cancel, &error);
  j->curve = 1;
  ok = ok && gb_td_learning_curve (mdp, &j->b, j->seeds, E, j->mean_b, j->sd_b, j->Q_b, progress_cb, j, cancel, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
compare_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GbRlCompareView *self = GB_RL_COMPARE_VIEW (source);
  CompareJob *j = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  self->running = NULL;
  g_clear_object (&self->cancel);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION]);
  if (!ok)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
      return;
    }
  /* The task owns j: the result on show is a copy of it. */
  compare_job_free (self->shown);
  self->shown = g_memdup2 (j, sizeof *j);
  memset (j, 0, sizeof *j);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

gboolean
gb_rl_compare_view_start (GbRlCompareView *self, const char *map_text, const GbTdConfig *a, const char *name_a,
                          const GbTdConfig *b, const char *name_b, int seeds, int episodes)
{
  g_return_val_if_fail (GB_IS_RL_COMPARE_VIEW (self), FALSE);
  if (self->running != NULL)
    return FALSE;
  CompareJob *j = g_new0 (CompareJob, 1);
  j->map_text = g_strdup (map_text);
  j->a = *a, j->b = *b;
  j->name_a = g_strdup (name_a), j->name_b = g_strdup (name_b);
  j->seeds = seeds, j->episodes = episodes;
  j->view = self;
  self->running = j;
  self->cancel = g_cancellable_new ();
  g_autoptr (GTask) task = g_task_new (self, self->cancel, compare_done_cb, NULL);
  g_task_set_task_data (task, j, (GDestroyNotify) compare_job_free);
  g_task_run_in_thread (task, compare_thread);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FRACTION]);
  return TRUE;
}

void
gb_rl_compare_view_cancel (GbRlCompareView *self)
{
  if (self->cancel != NULL)
    g_cancellable_cancel (self->cancel);
}

gboolean
gb_rl_compare_view_is_running (GbRlCompareView *self)
{
  return self->running != NULL;
}

double
gb_rl_compare_view_get_fraction (GbRlCompareView *self)
{
  CompareJob *j = self->running;
  if (j == NULL)
    return self->shown != NULL ? 1.0 : 0.0;
  return g_atomic_int_get (&j->done) / (2.0 * j->seeds * j->episodes);
}

/* --- drawing --- */

/* The greedy policy and its values from a Q table (the lowest action of ties). */
static void
greedy (const GbGrid *grid, const double *Q, double *V, int *pi)
{
  const GbMdp *mdp = grid->mdp;
  int A = mdp->n_actions;
  for (int s = 0; s < mdp->n_states; s++)
    {
      const double *q = Q + (gsize) s * A;
      pi[s] = 0;
      for (int a = 1; a < A; a++)
        if (q[a] > q[pi[s]] + 1e-12)
          pi[s] = a;
      V[s] = mdp->terminal[s] ? 0 : q[pi[s]];
    }
}

void
gb_rl_compare_view_paint (GbRlCompareView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  CompareJob *j = self->shown;
  if (j == NULL)
    {
      gb_set_rgb (cr, &pal->bg);
      cairo_paint (cr);
      gb_paint_text (cr, w / 2.0, h / 2.0 - 10, _("Choose a second algorithm, seeds and episodes, and press Compare."),
                     14, &pal->muted, GB_ALIGN_CENTER, FALSE);
      return;
    }
  int n = j->grid->mdp->n_states;
  g_autofree double *Va = g_new (double, n), *Vb = g_new (double, n);
  g_autofree int *pa = g_new (int, n), *pb = g_new (int, n);
  greedy (j->grid, j->Q_a, Va, pa);
  greedy (j->grid, j->Q_b, Vb, pb);
  g_autofree char *ta = g_strdup_printf (_("%s — seed %llu, %d episodes, ε %g"), j->name_a, (unsigned long long) j->a.seed,
                                         j->episodes, j->a.epsilon);
  g_autofree char *tb = g_strdup_printf (_("%s — seed %llu, %d episodes, ε %g"), j->name_b, (unsigned long long) j->b.seed,
                                         j->episodes, j->b.epsilon);
  /* Curves smoothed over 10 episodes, as in Sutton & Barto's figure 6.4. */
  int E = j->episodes;
  g_autofree double *ma = g_new (double, E), *sa = g_new (double, E), *mb = g_new (double, E), *sb = g_new (double, E);
  gb_moving_average (j->mean_a, E, 10, ma);
  gb_moving_average (j->sd_a, E, 10, sa);
  gb_moving_average (j->mean_b, E, 10, mb);
  gb_moving_average (j->sd_b, E, 10, sb);
  GbRlCompare c = {
    { j->grid, Va, NULL, pa, FALSE, -1, NULL, 0, NULL, ta, 0 },
    { j->grid, Vb, NULL, pb, FALSE, -1, NULL, 0, NULL, tb, 0 },
    j->name_a, j->name_b, ma, sa, mb, sb, E, j->seeds,
  };
  gb_rl_compare_paint (cr, w, h, &c, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlCompareView *self = data;
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_compare_view_paint (self, cr, w, h, &self->pal);
  gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
}

/* --- object --- */

static void
gb_rl_compare_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbRlCompareView *self = GB_RL_COMPARE_VIEW (object);
  switch (id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, gb_rl_compare_view_is_running (self));
      break;
    case PROP_FRACTION:
      g_value_set_double (value, gb_rl_compare_view_get_fraction (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
gb_rl_compare_view_dispose (GObject *object)
{
  GbRlCompareView *self = GB_RL_COMPARE_VIEW (object);
  gb_rl_compare_view_cancel (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GB_TYPE_RL_COMPARE_VIEW);
  G_OBJECT_CLASS (gb_rl_compare_view_parent_class)->dispose (object);
}

static void
gb_rl_compare_view_finalize (GObject *object)
{
  GbRlCompareView *self = GB_RL_COMPARE_VIEW (object);
  compare_job_free (self->shown);
  G_OBJECT_CLASS (gb_rl_compare_view_parent_class)->finalize (object);
}

static void
gb_rl_compare_view_class_init (GbRlCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_rl_compare_view_get_property;
  object_class->dispose = gb_rl_compare_view_dispose;
  object_class->finalize = gb_rl_compare_view_finalize;
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0, 1, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlCompareView, area);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gb_rl_compare_view_init (GbRlCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
}

/* The numbers behind the curves: each algorithm's mean return per episode
 * over the seeds and its standard deviation (as run, not smoothed). */
GbTable *
gb_rl_compare_view_table (GbRlCompareView *self)
{
  g_return_val_if_fail (GB_IS_RL_COMPARE_VIEW (self), NULL);
  static const char *const keys[] = { "q-learning", "sarsa", "expected-sarsa" };
  CompareJob *j = self->shown;
  if (j == NULL)
    return NULL;
  g_autofree char *title = g_strdup_printf (_("%s against %s on %s: return per episode, mean and sd over %d seeds"),
                                            j->name_a, j->name_b, j->grid->name, j->seeds);
  GbTable *t = gb_table_new (title);
  gb_table_add_index (t, "episode", 1, j->episodes);
  const char *ka = keys[CLAMP ((int) j->a.algo, 0, 2)], *kb = keys[CLAMP ((int) j->b.algo, 0, 2)];
  g_autofree char *ma = g_strdup_printf ("%s mean", ka), *sa = g_strdup_printf ("%s sd", ka);
  g_autofree char *mb = g_strdup_printf ("%s%s mean", kb, j->b.algo == j->a.algo ? " (2)" : "");
  g_autofree char *sb = g_strdup_printf ("%s%s sd", kb, j->b.algo == j->a.algo ? " (2)" : "");
  gb_table_add_column (t, ma, j->mean_a, j->episodes);
  gb_table_add_column (t, sa, j->sd_a, j->episodes);
  gb_table_add_column (t, mb, j->mean_b, j->episodes);
  gb_table_add_column (t, sb, j->sd_b, j->episodes);
  return t;
}
