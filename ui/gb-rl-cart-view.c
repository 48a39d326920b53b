/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-view.c — cart-pole under REINFORCE, replayed and driven (see the header). */
#include "gb-rl-cart-view.h"
#include <glib/gi18n.h>
#include "gb-table.h"

#include <math.h>
#include <string.h>

#include "gb-rl-cartpole-paint.h"
#include "gb-form.h"

struct _GbRlCartView {
  GtkWidget parent_instance;

  GtkDrawingArea *area;
  GtkScale *replay_scale;
  GtkLabel *status;
  GbPalette pal;
  GbFrameStats *stats;          /* borrowed */
  gboolean updating;            /* the scale set by the program, not the user */

  GbCartAgent *agent;           /* owned */
  GbRlRunner *runner;           /* its lock guards agent and what follows */
  GbCartEpisode *latest;        /* the newest episode run (under the lock) */
  GbCartEpisode *spare;         /* the next one's buffer (under the lock) */
  gboolean has_latest;          /* (under the lock) */

  /* What is drawn (main thread). */
  GbCartEpisode *shown;         /* the episode being replayed */
  GArray *returns;              /* of double: the agent's, as of the last frame */
  GbCartPolicy *policy;         /* its weights, as of the last frame */
  double surface[GB_CART_SURFACE_N * GB_CART_SURFACE_N];
  gint64 surface_us;            /* when it was computed (0: due) */
  gboolean stale;               /* the agent learned since the policy was copied */
  int episodes;
  double replay_pos;
  gboolean scrubbing, playing;

  /* Driving. */
  gboolean driving;
  GbCartPole drive;
  GbRng drive_rng;
  int push;                     /* −1 left, +1 right, 0 the policy's choice */
  double drive_due;

  guint tick_id;
  gint64 last_frame_us, status_us;
};

G_DEFINE_FINAL_TYPE (GbRlCartView, gb_rl_cart_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_DRIVING, N_PROPS };
static GParamSpec *props[N_PROPS];

static void ensure_tick (GbRlCartView *self);

/* --- the agent and its episodes --- */

void
gb_rl_cart_view_set_agent (GbRlCartView *self, GbCartAgent *agent, GbRlRunner *runner, guint64 seed)
{
  g_clear_pointer (&self->agent, gb_cart_agent_free);
  self->agent = agent;
  self->runner = runner;
  gb_cart_policy_update (self->policy, agent);
  self->surface_us = 0;
  self->has_latest = FALSE;
  gb_cart_episode_clear (self->spare);   /* (a DQN's episode under way belonged to the agent before) */
  g_array_set_size (self->shown->states, 0);
  g_array_set_size (self->returns, 0);
  self->replay_pos = 0;
  self->scrubbing = FALSE;
  gb_rl_cart_view_set_driving (self, FALSE);
  gb_rng_init (&self->drive_rng, seed + 1000);
  gb_cartpole_reset (&self->drive, &self->drive_rng);
  self->drive.steps = 0;
  ensure_tick (self);
}

GbCartAgent *
gb_rl_cart_view_get_agent (GbRlCartView *self)
{
  return self->agent;
}

gboolean
gb_rl_cart_view_apply (GbRlCartView *self, const GbCartSettings *s, GError **error)
{
  if (self->agent == NULL)
    return TRUE;
  gb_rl_runner_lock (self->runner);
  gboolean ok = gb_cart_agent_apply (self->agent, s, error);
  gb_rl_runner_unlock (self->runner);
  return ok;
}

gint64
gb_rl_cart_view_run_episode (gpointer data, gint64 max)
{
  GbRlCartView *self = data;
  /* A DQN's episode has bursts of updates: it goes on a few steps at a time, so a stop waits for little. */
  if (self->agent->dqn != NULL && !gb_dqn_episode_continue (self->agent->dqn, self->spare, 32))
    return 0;
  if (self->agent->dqn == NULL)
    gb_cart_agent_episode (self->agent, self->spare);
  GbCartEpisode *t = self->latest;
  self->latest = self->spare;
  self->spare = t;
  gb_cart_episode_clear (self->spare);
  self->has_latest = TRUE;
  return 1;
}

void
gb_rl_cart_view_set_playing (GbRlCartView *self, gboolean playing)
{
  self->playing = playing;
  if (playing)
    ensure_tick (self);
}

void
gb_rl_cart_view_step (GbRlCartView *self)
{
  if (self->agent == NULL)
    return;
  gb_rl_runner_lock (self->runner);
  while (gb_rl_cart_view_run_episode (self, 1) == 0)
    ;
  gb_rl_runner_unlock (self->runner);
  self->scrubbing = FALSE;
  ensure_tick (self);
}

void
gb_rl_cart_view_step_back (GbRlCartView *self)
{
  self->scrubbing = TRUE;
  self->replay_pos = MAX (0.0, floor (self->replay_pos) - 1);
  ensure_tick (self);
}

void
gb_rl_cart_view_follow (GbRlCartView *self)
{
  self->scrubbing = FALSE;
}

static void
copy_episode (GbCartEpisode *to, const GbCartEpisode *from)
{
  g_array_set_size (to->states, 0);
  g_array_append_vals (to->states, from->states->data, from->states->len);
  g_array_set_size (to->actions, 0);
  g_array_append_vals (to->actions, from->actions->data, from->actions->len);
  g_array_set_size (to->p_right, 0);
  g_array_append_vals (to->p_right, from->p_right->data, from->p_right->len);
  g_array_set_size (to->G, 0);
  g_array_append_vals (to->G, from->G->data, from->G->len);
  g_array_set_size (to->V, 0);
  g_array_append_vals (to->V, from->V->data, from->V->len);
}

/* Takes the newest episode when the one on show has been played to its end
 * (or is being stepped), and copies the returns and weights; a worker busy
 * with the agent is not waited for. */
static void
take_latest (GbRlCartView *self)
{
  int len = (int) self->shown->states->len;
  gboolean locked = gb_rl_runner_is_running (self->runner) ? gb_rl_runner_trylock (self->runner)
                                                           : (gb_rl_runner_lock (self->runner), TRUE);
  if (!locked)
    return;
  if (self->has_latest && (!self->playing || self->replay_pos >= len - 1 || len == 0))
    {
      copy_episode (self->shown, self->latest);
      self->has_latest = FALSE;
      self->replay_pos = 0;
    }
  GArray *returns = gb_cart_agent_returns (self->agent);
  gboolean learned = self->returns->len != returns->len;
  if (learned)
    {
      g_array_set_size (self->returns, 0);
      g_array_append_vals (self->returns, returns->data, returns->len);
    }
  /* The weights, and the policy surface from them, twice a second at most
   * while the runner plays (a DQN's surface is some milliseconds of work),
   * at once when it does not. */
  gint64 now = g_get_monotonic_time ();
  self->stale |= learned;
  if (self->stale && (now - self->surface_us >= 500000 || !gb_rl_runner_is_running (self->runner)))
    {
      gb_cart_policy_update (self->policy, self->agent);
      self->surface_us = 0;
      self->stale = FALSE;
    }
  self->episodes = (int) returns->len;
  gb_rl_runner_unlock (self->runner);
  if (self->surface_us == 0)
    {
      gb_cart_policy_surface (self->policy, GB_CART_SURFACE_P_RIGHT, 0, 0, GB_CART_SURFACE_N, self->surface);
      self->surface_us = now;
    }
}

/* --- driving --- */

void
gb_rl_cart_view_set_driving (GbRlCartView *self, gboolean driving)
{
  if (driving == self->driving)
    return;
  self->driving = driving;
  if (driving)
    {
      gb_cartpole_reset (&self->drive, &self->drive_rng);
      self->drive_due = 0;
      gtk_widget_grab_focus (GTK_WIDGET (self->area));
      ensure_tick (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_DRIVING]);
}

gboolean
gb_rl_cart_view_get_driving (GbRlCartView *self)
{
  return self->driving;
}

static void
drive_frame (GbRlCartView *self, double dt)
{
  self->drive_due += dt * 50.0;   /* real time: a step is 0.02 s */
  while (self->drive_due >= 1.0 && self->driving)
    {
      self->drive_due -= 1.0;
      int a;
      if (self->push != 0)
        a = self->push > 0;
      else
        a = gb_cart_policy_act (self->policy, &self->drive.s, &self->drive_rng);
      gb_cartpole_step (&self->drive, a);
      if (self->drive.terminated || self->drive.truncated)
        gb_rl_cart_view_set_driving (self, FALSE);
    }
}

static gboolean
key_pressed_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbRlCartView *self)
{
  if (keyval != GDK_KEY_Left && keyval != GDK_KEY_Right)
    return FALSE;
  self->push = keyval == GDK_KEY_Left ? -1 : 1;
  gb_rl_cart_view_set_driving (self, TRUE);
  return TRUE;
}

static void
key_released_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbRlCartView *self)
{
  if ((keyval == GDK_KEY_Left && self->push < 0) || (keyval == GDK_KEY_Right && self->push > 0))
    self->push = 0;
}

static void
replay_changed_cb (GtkRange *range, GbRlCartView *self)
{
  if (self->updating)
    return;
  self->scrubbing = TRUE;
  gb_rl_cart_view_set_driving (self, FALSE);
  self->drive.steps = 0;
  self->replay_pos = gtk_range_get_value (range);
  ensure_tick (self);
}

/* --- the frame clock --- */

static void
show_status (GbRlCartView *self)
{
  int len = (int) self->shown->states->len;
  g_autofree char *text = NULL;
  double avg = 0;
  int k = MIN (100, (int) self->returns->len);
  for (int i = 0; i < k; i++)
    avg += g_array_index (self->returns, double, self->returns->len - 1 - i) / k;
  if (self->driving || self->drive.steps > 0)
    text = g_strdup_printf (_("Driving: %d steps%s — hold ← or → to push, or let the policy act"), self->drive.steps,
                            self->drive.terminated ? _(", the pole fell") : self->drive.truncated ? _(", balanced to the end") : "");
  else
    text = g_strdup_printf (_("%d episodes learned · replaying the last: step %d of %d · last 100 average %.1f"),
                            self->episodes, (int) self->replay_pos + 1, len, avg);
  gint64 now = g_get_monotonic_time ();
  if (!(self->playing || self->driving) || now - self->status_us >= 200000)   /* five times a second */
    {
      gtk_label_set_text (self->status, text);
      self->status_us = now;
    }
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlCartView *self = GB_RL_CART_VIEW (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  if (self->agent == NULL)
    {
      self->tick_id = 0;
      self->last_frame_us = 0;
      return G_SOURCE_REMOVE;
    }
  take_latest (self);
  int len = (int) self->shown->states->len;
  if (!self->scrubbing && len > 0)
    self->replay_pos = MIN (self->replay_pos + dt * 50.0, len - 1);   /* real time: a step is 0.02 s */
  if (self->driving)
    drive_frame (self, dt);
  self->updating = TRUE;
  gtk_range_set_range (GTK_RANGE (self->replay_scale), 0, MAX (len - 1, 1));
  gtk_range_set_value (GTK_RANGE (self->replay_scale), floor (self->replay_pos));
  self->updating = FALSE;
  show_status (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  gboolean replaying = len > 0 && self->replay_pos < len - 1 && !self->scrubbing;
  if (self->playing || self->driving || replaying || self->has_latest || self->stale)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame_us = 0;
  return G_SOURCE_REMOVE;
}

static void
ensure_tick (GbRlCartView *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* --- drawing --- */

void
gb_rl_cart_view_paint (GbRlCartView *self, cairo_t *cr, int w, int h, const GbPalette *pal)
{
  if (self->agent == NULL)
    return;
  GbCartScene s = gb_cartpole_replay_scene (self->agent->algo, self->surface, self->shown, (int) self->replay_pos,
                                            (const double *) self->returns->data, (int) self->returns->len);
  if (self->driving || self->drive.steps > 0)
    {
      s.state = &self->drive.s;
      s.step = self->drive.steps;
      s.title = _("Cart-pole — you drive (← →)");
    }
  gb_cartpole_paint (cr, w, h, &s, pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlCartView *self = data;
  gint64 t0 = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  gb_rl_cart_view_paint (self, cr, w, h, &self->pal);
  gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - t0) / 1000.0);
}

void
gb_rl_cart_view_set_frame_stats (GbRlCartView *self, GbFrameStats *stats)
{
  self->stats = stats;
}

/* --- object --- */

static void
gb_rl_cart_view_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_boolean (value, GB_RL_CART_VIEW (object)->driving);
}

static void
gb_rl_cart_view_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  gb_rl_cart_view_set_driving (GB_RL_CART_VIEW (object), g_value_get_boolean (value));
}

static void
gb_rl_cart_view_dispose (GObject *object)
{
  gb_form_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_CART_VIEW);
  G_OBJECT_CLASS (gb_rl_cart_view_parent_class)->dispose (object);
}

static void
gb_rl_cart_view_finalize (GObject *object)
{
  GbRlCartView *self = GB_RL_CART_VIEW (object);
  gb_cart_episode_free (self->latest);
  gb_cart_episode_free (self->spare);
  gb_cart_episode_free (self->shown);
  g_array_unref (self->returns);
  g_clear_pointer (&self->agent, gb_cart_agent_free);
  gb_cart_policy_free (self->policy);
  G_OBJECT_CLASS (gb_rl_cart_view_parent_class)->finalize (object);
}

static void
gb_rl_cart_view_class_init (GbRlCartViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_rl_cart_view_get_property;
  object_class->set_property = gb_rl_cart_view_set_property;
  object_class->dispose = gb_rl_cart_view_dispose;
  object_class->finalize = gb_rl_cart_view_finalize;
  props[PROP_DRIVING] = g_param_spec_boolean ("driving", NULL, NULL, FALSE,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-cart-view.ui");
  gtk_widget_class_bind_template_child (widget_class, GbRlCartView, area);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartView, replay_scale);
  gtk_widget_class_bind_template_child (widget_class, GbRlCartView, status);
}

static void
gb_rl_cart_view_init (GbRlCartView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gb_palette_init (&self->pal, FALSE);
  self->latest = gb_cart_episode_new ();
  self->spare = gb_cart_episode_new ();
  self->shown = gb_cart_episode_new ();
  self->returns = g_array_new (FALSE, FALSE, sizeof (double));
  self->policy = gb_cart_policy_new ();
  gtk_drawing_area_set_draw_func (self->area, draw_cb, self, NULL);
  g_signal_connect (self->replay_scale, "value-changed", G_CALLBACK (replay_changed_cb), self);
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  g_signal_connect (keys, "key-released", G_CALLBACK (key_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->area), keys);
}

/* The numbers: the whole run's return per episode, or (selection) the
 * episode on show, step by step: the state, the action, π(right), G_t and,
 * with a baseline, V(s_t). */
GbTable *
gb_rl_cart_view_table (GbRlCartView *self, gboolean selection)
{
  g_return_val_if_fail (GB_IS_RL_CART_VIEW (self), NULL);
  if (!selection)
    {
      int n = self->returns != NULL ? (int) self->returns->len : 0;
      if (n == 0)
        return NULL;
      GbTable *t = gb_table_new (_("Cart-pole: the return of each episode"));
      gb_table_add_index (t, "episode", 1, n);
      gb_table_add_column (t, "return", (const double *) self->returns->data, n);
      return t;
    }
  const GbCartEpisode *e = self->shown;
  int n = e != NULL ? (int) e->states->len : 0;
  if (n == 0)
    return NULL;
  g_autofree double *c = g_new (double, 5 * n);
  for (int i = 0; i < n; i++)
    {
      const GbCartState *st = &g_array_index (e->states, GbCartState, i);
      c[i] = st->x, c[n + i] = st->x_dot, c[2 * n + i] = st->theta, c[3 * n + i] = st->theta_dot;
      c[4 * n + i] = i < (int) e->actions->len ? g_array_index (e->actions, int, i) : NAN;
    }
  GbTable *t = gb_table_new (_("Cart-pole: the episode on show, step by step"));
  gb_table_add_index (t, "step", 0, n);
  static const char *const names[5] = { "x", "x_dot", "theta", "theta_dot", "action (0 left, 1 right)" };
  for (int k = 0; k < 5; k++)
    gb_table_add_column (t, names[k], c + k * n, n);
  gb_table_add_column (t, "pi(right)", (const double *) e->p_right->data, (int) e->p_right->len);
  gb_table_add_column (t, "G_t", (const double *) e->G->data, (int) e->G->len);
  if (e->V->len > 0)
    gb_table_add_column (t, "V(s_t)", (const double *) e->V->data, (int) e->V->len);
  return t;
}
