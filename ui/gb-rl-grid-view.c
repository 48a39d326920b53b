/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-grid-view.c — a gridworld learner on show. */
#include "gb-rl-grid-view.h"
#include <glib/gi18n.h>

#include "gb-a11y.h"

#include <math.h>
#include <string.h>

#include "gb-form.h"
#include "gb-rl-grid-paint.h"
#include "gb-rl-paint.h"

struct _GbRlGridView {
  GtkWidget parent_instance;

  GtkDrawingArea *grid_area, *hover_area, *plots_area;
  GtkLabel *explain_label;

  GbGridLearner *learner;     /* the page's */
  GbRlRunner *runner;         /* the page's: its lock guards the learner's agent */
  const GbGrid *shape_of;     /* the map the edit cursor belongs to */
  int rows, cols;

  /* What is drawn: the tables as of the last refresh. */
  int n;
  double *V, *V_shown, *Q;
  int *pi;
  float *flash;
  int agent_s;
  GArray *returns, *lengths;  /* of double */
  int bucket;

  int hover, selected, edit_cursor;
  char *hover_text;
  gboolean numbers, show_q, editing;
  guint tick_id;
  gint64 last_frame_us;
  GbPalette pal;
  GbFrameStats *stats;        /* the page's, or NULL */
};

G_DEFINE_FINAL_TYPE (GbRlGridView, gb_rl_grid_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_NUMBERS, PROP_SHOW_Q, PROP_EDITING, N_PROPS };
static GParamSpec *props[N_PROPS];
enum { PAINT_CELL, N_SIGNALS };
static guint signals[N_SIGNALS];

#define HOVER_HINT _("Hover a cell for its values and transitions.")

static GbRlGridFrame
frame (GbRlGridView *self)
{
  GbRlGridFrame f = { self->learner, self->V, self->Q, self->pi,
                      (const double *) self->returns->data, (const double *) self->lengths->data,
                      (int) self->returns->len, self->bucket, self->agent_s, self->flash,
                      self->selected + 1, self->editing ? self->edit_cursor + 1 : 0, self->numbers, self->show_q };
  return f;
}

static GbGridScene
scene (GbRlGridView *self)
{
  GbRlGridFrame f = frame (self);
  return gb_rl_grid_frame_scene (&f);
}

/* --- flashes --- */

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlGridView *self = GB_RL_GRID_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  gboolean flashing = FALSE;
  for (int s = 0; s < self->n; s++)
    if (self->flash[s] > 0.0f)
      {
        self->flash[s] = MAX (0.0f, self->flash[s] - (float) (dt / 0.6));
        flashing = TRUE;
      }
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
  if (flashing)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame_us = 0;
  return G_SOURCE_REMOVE;
}

/* --- the tables --- */

static void
alloc_tables (GbRlGridView *self, int n)
{
  self->n = n;
  g_free (self->V), g_free (self->V_shown), g_free (self->Q), g_free (self->pi), g_free (self->flash);
  self->V = g_new0 (double, n);
  self->V_shown = g_new0 (double, n);
  self->Q = g_new0 (double, (gsize) n * 4);
  self->pi = g_new0 (int, n);
  self->flash = g_new0 (float, n);
}

static void
copy_curves (GbRlGridView *self, const GbTdAgent *ag)
{
  if (ag->returns->len == self->returns->len && ag->bucket == self->bucket
      && (ag->returns->len == 0 || g_array_index (ag->returns, double, ag->returns->len - 1)
                                     == g_array_index (self->returns, double, ag->returns->len - 1)))
    return;
  g_array_set_size (self->returns, ag->returns->len);
  g_array_set_size (self->lengths, ag->lengths->len);
  memcpy (self->returns->data, ag->returns->data, ag->returns->len * sizeof (double));
  memcpy (self->lengths->data, ag->lengths->data, ag->lengths->len * sizeof (double));
  self->bucket = ag->bucket;
}

/* The grid for a screen reader: the learner's status, then the selected
 * cell's place, V, Q and backup, kept up to date as learning goes on. */
static void
describe (GbRlGridView *self)
{
  if (self->learner == NULL)
    return;
  g_autofree char *status = gb_grid_learner_status (self->learner);
  int s = self->selected;
  g_autofree char *where = s >= 0 ? gb_grid_describe_state (self->learner->grid, s, self->V, self->Q)
                                  : g_strdup (_("Arrow keys select a cell; Ctrl+C copies its numbers."));
  g_autofree char *text = g_strdup_printf ("%s. %s", status, where);
  gb_a11y_describe (GTK_WIDGET (self->grid_area), text);
}

void
gb_rl_grid_view_refresh (GbRlGridView *self, gboolean frame)
{
  GbGridLearner *l = self->learner;
  if (l == NULL)
    return;
  if (l->dp != NULL)
    {
      gb_grid_learner_tables (l, self->V, self->Q, self->pi);
      self->agent_s = -1;
    }
  else
    {
      if (frame && gb_rl_runner_is_running (self->runner))
        {
          if (!gb_rl_runner_trylock (self->runner))
            return;
        }
      else
        gb_rl_runner_lock (self->runner);
      GbTdAgent *ag = l->agent;
      memcpy (self->Q, ag->Q, (gsize) self->n * 4 * sizeof (double));
      /* before its first episode the agent stands at the start (its s is not set yet) */
      self->agent_s = ag->in_episode || ag->episodes > 0 ? ag->s : (int) ag->mdp->start;
      copy_curves (self, ag);
      gint64 steps = l->steps;
      gb_rl_runner_unlock (self->runner);
      for (int s = 0; s < self->n; s++)
        {
          self->pi[s] = gb_td_agent_greedy (ag, s);
          self->V[s] = l->grid->mdp->terminal[s] ? 0.0 : self->Q[s * 4 + self->pi[s]];
        }
      gb_grid_learner_note_error (l, steps, self->Q);
    }
  gboolean any = FALSE;
  for (int s = 0; s < self->n; s++)
    {
      double d = fabs (self->V[s] - self->V_shown[s]);
      if (d > 1e-9 * MAX (1.0, fabs (self->V[s])))
        self->flash[s] = 1.0f, any = TRUE;
      self->V_shown[s] = self->V[s];
    }
  if (any && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
  describe (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->plots_area));
}

void
gb_rl_grid_view_set_learner (GbRlGridView *self, GbGridLearner *learner, GbRlRunner *runner)
{
  self->learner = learner;
  self->runner = runner;
  if (learner == NULL)
    return;
  const GbGrid *g = learner->grid;
  if (g != self->shape_of || g->rows != self->rows || g->cols != self->cols)
    self->edit_cursor = -1;
  self->shape_of = g, self->rows = g->rows, self->cols = g->cols;
  if (self->n != g->mdp->n_states)
    alloc_tables (self, g->mdp->n_states);
  else
    memset (self->flash, 0, self->n * sizeof (float));
  g_array_set_size (self->returns, 0);
  g_array_set_size (self->lengths, 0);
  self->bucket = 1;
  self->selected = -1;
  self->hover = -1;
  gtk_label_set_text (self->explain_label, _("Click a cell to see the backup that produced its value."));
  gb_rl_grid_view_refresh (self, FALSE);
}

void
gb_rl_grid_view_tables (GbRlGridView *self, int *n, const double **V, const double **Q, const int **pi)
{
  *n = self->n;
  *V = self->V, *Q = self->Q, *pi = self->pi;
}

GbTable *
gb_rl_grid_view_table (GbRlGridView *self, gboolean selection)
{
  GbGridLearner *l = self->learner;
  if (l == NULL)
    return NULL;
  const GbGrid *g = l->grid;
  if (selection)
    {
      int s = self->selected;
      if (s < 0)
        return NULL;
      int cell = g->cell_of_state[s];
      g_autofree char *title = g_strdup_printf (_("the cell in row %d, column %d of %s"), cell / g->cols + 1,
                                                cell % g->cols + 1, g->name);
      GbTable *t = gb_table_new (title);
      double row = cell / g->cols + 1, col = cell % g->cols + 1, st = s, pi = self->pi[s];
      gb_table_add_column (t, "state", &st, 1);
      gb_table_add_column (t, "row", &row, 1);
      gb_table_add_column (t, "col", &col, 1);
      gb_table_add_column (t, "V", &self->V[s], 1);
      static const char *const q_names[4] = { "Q up", "Q right", "Q down", "Q left" };
      for (int a = 0; a < 4; a++)
        gb_table_add_column (t, q_names[a], &self->Q[s * 4 + a], 1);
      gb_table_add_column (t, "greedy action (0 up, 1 right, 2 down, 3 left)", &pi, 1);
      return t;
    }
  g_autofree char *title = gb_grid_learner_title (l);
  GbTable *t = gb_table_new (title);
  int n = (int) self->returns->len;
  if (n > 0)
    {
      g_autofree double *first = g_new (double, n);
      for (int i = 0; i < n; i++)
        first[i] = 1.0 + (double) i * self->bucket;
      gb_table_add_column (t, self->bucket > 1 ? "first episode of the mean" : "episode", first, n);
      gb_table_add_column (t, "return", (const double *) self->returns->data, n);
      gb_table_add_column (t, "length", (const double *) self->lengths->data, (int) self->lengths->len);
    }
  if (l->err_x->len > 0)
    {
      gb_table_add_column (t, l->dp != NULL ? "sweep" : "steps", (const double *) l->err_x->data, (int) l->err_x->len);
      gb_table_add_column (t, l->dp != NULL ? "Bellman residual" : "Bellman error of Q",
                           (const double *) l->err_y->data, (int) l->err_y->len);
    }
  if (gb_table_n_columns (t) == 0)
    g_clear_pointer (&t, gb_table_free);
  return t;
}

void
gb_rl_grid_view_set_frame_stats (GbRlGridView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

/* --- hover, click and keys --- */


static void
select_state (GbRlGridView *self, int s)
{
  self->selected = s;
  g_autofree char *what = s >= 0 ? gb_grid_learner_explain (self->learner, s, self->pi) : NULL;
  g_autofree char *where = s >= 0 ? gb_grid_describe_state (self->learner->grid, s, self->V, self->Q) : NULL;
  g_autofree char *text = s >= 0 ? g_strdup_printf ("%s\n%s", what, where) : g_strdup ("");
  gtk_label_set_text (self->explain_label, text);
  describe (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
}

gboolean
gb_rl_grid_view_select_cell (GbRlGridView *self, int row, int col)
{
  const GbGrid *g = self->learner ? self->learner->grid : NULL;
  if (g == NULL || row < 0 || col < 0 || row >= g->rows || col >= g->cols || g->state_of_cell[row * g->cols + col] < 0)
    return FALSE;
  select_state (self, g->state_of_cell[row * g->cols + col]);
  return TRUE;
}

gboolean
gb_rl_grid_view_get_selected (GbRlGridView *self, int *row, int *col)
{
  if (self->learner == NULL || self->selected < 0)
    return FALSE;
  const GbGrid *g = self->learner->grid;
  int cell = g->cell_of_state[self->selected];
  *row = cell / g->cols, *col = cell % g->cols;
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, GbRlGridView *self)
{
  if (self->learner == NULL)
    return;
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene sc = scene (self);
  int s = gb_grid_hit (w, h, &sc, x, y);
  if (s == self->hover)
    return;
  self->hover = s;
  g_free (self->hover_text);
  self->hover_text = s >= 0 ? gb_grid_describe_state (self->learner->grid, s, self->V, self->Q) : g_strdup (HOVER_HINT);
  gtk_widget_queue_draw (GTK_WIDGET (self->hover_area));
}

static void
paint_at (GbRlGridView *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene sc = scene (self);
  int r, c;
  if (!gb_grid_hit_cell (w, h, &sc, x, y, &r, &c))
    return;
  self->edit_cursor = r * self->cols + c;
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
  g_signal_emit (self, signals[PAINT_CELL], 0, r, c);
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbRlGridView *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_area));
  if (self->learner == NULL)
    return;
  if (self->editing)
    {
      paint_at (self, x, y);
      return;
    }
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene sc = scene (self);
  select_state (self, gb_grid_hit (w, h, &sc, x, y));
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbRlGridView *self)
{
  double x, y;
  if (self->learner != NULL && self->editing && gtk_gesture_drag_get_start_point (drag, &x, &y))
    paint_at (self, x + dx, y + dy);
}

/* In edit mode the cursor visits every cell, walls too. */
static void
move_edit_cursor (GbRlGridView *self, int dr, int dc)
{
  const GbGrid *g = self->learner->grid;
  int cell = self->edit_cursor >= 0 ? self->edit_cursor : g->cell_of_state[g->mdp->start];
  int r = CLAMP (cell / g->cols + dr, 0, g->rows - 1), c = CLAMP (cell % g->cols + dc, 0, g->cols - 1);
  self->edit_cursor = r * g->cols + c;
  int st = g->state_of_cell[self->edit_cursor];
  select_state (self, st);
  if (st < 0)
    gtk_label_set_text (self->explain_label, _("Edit mode: a wall. Return paints the brush here."));
}

/* Otherwise the selection moves to the next state that way, over walls. */
static void
move_selection (GbRlGridView *self, int dr, int dc)
{
  const GbGrid *g = self->learner->grid;
  int cell = self->selected >= 0 ? g->cell_of_state[self->selected] : g->cell_of_state[g->mdp->start];
  int r = cell / g->cols, c = cell % g->cols;
  for (;;)
    {
      r += dr, c += dc;
      if (r < 0 || c < 0 || r >= g->rows || c >= g->cols)
        return;
      if (g->state_of_cell[r * g->cols + c] >= 0)
        break;
    }
  select_state (self, g->state_of_cell[r * g->cols + c]);
}

static gboolean
key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbRlGridView *self)
{
  /* Arrow keys move the selected cell, so the backups can be read by keyboard. */
  if (self->learner == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  if (self->editing && (keyval == GDK_KEY_Return || keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Enter))
    {
      /* Paint the cell under the keyboard cursor with the brush. */
      if (self->edit_cursor >= 0 && self->edit_cursor < self->rows * self->cols)
        g_signal_emit (self, signals[PAINT_CELL], 0, self->edit_cursor / self->cols, self->edit_cursor % self->cols);
      return TRUE;
    }
  int dr = 0, dc = 0;
  switch (keyval)
    {
    case GDK_KEY_Up: dr = -1; break;
    case GDK_KEY_Down: dr = 1; break;
    case GDK_KEY_Left: dc = -1; break;
    case GDK_KEY_Right: dc = 1; break;
    default: return FALSE;
    }
  if (self->editing)
    move_edit_cursor (self, dr, dc);
  else
    move_selection (self, dr, dc);
  return TRUE;
}

/* --- drawing --- */

void
gb_rl_grid_view_paint (GbRlGridView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  if (self->learner == NULL)
    return;
  g_autofree char *title = gb_grid_learner_title (self->learner);
  GbRlGridFrame f = frame (self);
  f.title = title;
  gb_rl_grid_frame_paint (cr, w, h, &f, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlGridView *self = data;
  gint64 t0 = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  GbRlGridFrame f = frame (self);
  if (self->learner != NULL && area == self->grid_area)
    {
      GbGridScene s = gb_rl_grid_frame_scene (&f);
      gb_grid_paint (cr, w, h, &s, &self->pal);
    }
  else if (self->learner != NULL)
    {
      GbRlPlots p = gb_rl_grid_frame_plots (&f);
      gb_rl_plots_paint (cr, w, h, &p, &self->pal);
    }
  gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - t0) / 1000.0);
}

/* Drawn, not a label: a label's new text would lay the window out again. */
static void
hover_draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlGridView *self = data;
  GdkRGBA fg;
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  GbRgb col = { fg.red, fg.green, fg.blue };
  g_auto (GStrv) lines = g_strsplit (self->hover_text, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    gb_paint_text (cr, 0, i * 16.0, lines[i], 12, &col, GB_ALIGN_LEFT, FALSE);
}

/* --- the object --- */

static void
gb_rl_grid_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  GbRlGridView *self = GB_RL_GRID_VIEW (object);
  gboolean *field = id == PROP_NUMBERS ? &self->numbers : id == PROP_SHOW_Q ? &self->show_q : &self->editing;
  *field = g_value_get_boolean (value);
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
}

static void
gb_rl_grid_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  GbRlGridView *self = GB_RL_GRID_VIEW (object);
  g_value_set_boolean (value, id == PROP_NUMBERS ? self->numbers : id == PROP_SHOW_Q ? self->show_q : self->editing);
}

static void
gb_rl_grid_view_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_GRID_VIEW);
  G_OBJECT_CLASS (gb_rl_grid_view_parent_class)->dispose (object);
}

static void
gb_rl_grid_view_finalize (GObject *object)
{
  GbRlGridView *self = GB_RL_GRID_VIEW (object);
  g_free (self->V), g_free (self->V_shown), g_free (self->Q), g_free (self->pi), g_free (self->flash);
  g_free (self->hover_text);
  g_array_unref (self->returns);
  g_array_unref (self->lengths);
  G_OBJECT_CLASS (gb_rl_grid_view_parent_class)->finalize (object);
}

static void
gb_rl_grid_view_class_init (GbRlGridViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->set_property = gb_rl_grid_view_set_property;
  object_class->get_property = gb_rl_grid_view_get_property;
  object_class->dispose = gb_rl_grid_view_dispose;
  object_class->finalize = gb_rl_grid_view_finalize;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  props[PROP_NUMBERS] = g_param_spec_boolean ("numbers", NULL, NULL, FALSE, rw);
  props[PROP_SHOW_Q] = g_param_spec_boolean ("show-q", NULL, NULL, FALSE, rw);
  props[PROP_EDITING] = g_param_spec_boolean ("editing", NULL, NULL, FALSE, rw);
  g_object_class_install_properties (object_class, N_PROPS, props);
  /* (row, column): paint this cell with the brush. */
  signals[PAINT_CELL] = g_signal_new ("paint-cell", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                      NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-grid-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlGridView, grid_area);
  gtk_widget_class_bind_template_child (widget_class, GbRlGridView, hover_area);
  gtk_widget_class_bind_template_child (widget_class, GbRlGridView, plots_area);
  gtk_widget_class_bind_template_child (widget_class, GbRlGridView, explain_label);
  gtk_widget_class_bind_template_callback (widget_class, motion_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_begin_cb);
  gtk_widget_class_bind_template_callback (widget_class, drag_update_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
gb_rl_grid_view_init (GbRlGridView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  self->returns = g_array_new (FALSE, FALSE, sizeof (double));
  self->lengths = g_array_new (FALSE, FALSE, sizeof (double));
  self->hover = self->selected = self->edit_cursor = -1;
  self->bucket = 1;
  self->hover_text = g_strdup (HOVER_HINT);
  gtk_drawing_area_set_draw_func (self->grid_area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->plots_area, draw_cb, self, NULL);
  gtk_drawing_area_set_draw_func (self->hover_area, hover_draw_cb, self, NULL);
}
