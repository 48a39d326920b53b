/* gb-rl-page.c — the Reinforcement learning page.
 *
 * The page owns the map (a GbGrid) and one learner: a dynamic-programming run
 * (GbDpRun) or a TD agent (GbTdAgent); or, for cart-pole, a REINFORCE agent.
 * Slow speeds step on the main loop, one sweep or action at a time, keeping
 * the trail and the numbers of each update; fast speeds hand the agent to a
 * worker thread that runs many steps per chunk under `lock`, and the frame
 * clock copies the latest tables out at the screen's rate. Parameters change
 * under the same lock, so they apply while the agent runs.
 */
#include "gb-rl-page.h"
#include "gb-page.h"

#include "gb-frame-stats.h"
#include "gb-rl-cart-view.h"
#include "gb-rl-compare-view.h"
#include "gb-rl-runner.h"

#include <math.h>
#include <string.h>

#include "gb-rl-cartpole-paint.h"
#include "gb-error.h"
#include "gb-export.h"
#include "gb-form.h"
#include "gb-rl-grid-paint.h"
#include "gb-rl-paint.h"
#include "gb-rl-session.h"
#include "gb-series-paint.h"
#include "gb-rl.h"

enum { ALGO_VI, ALGO_PI, ALGO_PE, ALGO_Q, ALGO_SARSA, ALGO_ESARSA, N_ALGOS };
static const char *const algo_keys[] = { "value-iteration", "policy-iteration", "policy-evaluation",
                                         "q-learning", "sarsa", "expected-sarsa" };
static const char *const algo_titles[] = { "Value iteration", "Policy iteration", "Policy evaluation",
                                           "Q-learning", "SARSA", "Expected SARSA" };
static const char *const env_keys[] = { "4x3", "cliff", "frozenlake4", "frozenlake8", "maze" };
#define N_PRESETS 5
#define ENV_CARTPOLE N_PRESETS
#define ENV_OPENED (N_PRESETS + 1)   /* the last map opened, once there is one */
static const char *const action_names[] = { "↑", "→", "↓", "←" };
/* Steps (or sweeps, or episodes) a second; 0: as fast as possible. */
static const double speeds[] = { 1, 2, 5, 10, 30, 100, 1000, 1e4, 1e5, 1e6, 0 };
#define N_SPEEDS G_N_ELEMENTS (speeds)
/* TD speeds above this run on the worker thread. */
#define MAIN_LOOP_MAX_RATE 1000.0
#define MAX_ERROR_POINTS 4096
#define HISTORY 2000

typedef struct {
  GbTdStep step;
  double q_before, alpha;
  int episode, t;
} TdRecord;


struct _GbRlPage {
  GtkBox parent_instance;

  /* Controls. */
  GtkDropDown *env_drop, *algo_drop, *brush_drop, *algo_b_drop;
  GtkLabel *map_label, *status_label, *explain_label, *speed_label;
  GtkDrawingArea *hover_area;   /* drawn, not a label: a label's new text would re-lay the window out */
  char *hover_text;
  GtkSpinButton *alpha, *gamma, *epsilon, *decay, *slip, *seed;
  GtkSpinButton *r_step, *r_goal, *r_pit, *r_cliff;
  GtkSpinButton *cart_lr, *cart_gamma;
  GtkSpinButton *cmp_seeds, *cmp_episodes;
  GtkScale *speed;
  GtkButton *step_button, *back_button, *episode_button, *reset_button, *compare_button;
  GtkToggleButton *play_button, *edit_toggle, *drive_toggle;
  GtkCheckButton *numbers_check, *q_check, *ties_check;
  GtkProgressBar *cmp_progress;
  GtkWidget *grid_box, *td_box, *edit_box, *cart_box, *compare_box;
  GtkStack *views;
  GtkStackSwitcher *switcher;
  GtkDrawingArea *grid_area, *plots_area;
  GbRlCartView *cart_view;
  GbRlCompareView *compare_view;

  GbPalette pal;
  gboolean updating;          /* controls set by the program, not the user */

  /* The map and the learner. */
  GbGrid *grid;
  char *map_name;
  char *opened_text, *opened_name;   /* the last map opened from a file (or a session), as text */
  int algo;
  GbDpRun *dp;
  GbTdAgent *agent;
  GbRlRunner *runner;         /* plays flat out; its lock guards agent, cart agent and the map's MDP */
  gint64 steps;               /* TD steps taken */

  /* What is drawn (main thread). */
  int n;                      /* states */
  double *V, *V_shown, *Q, *V_before;
  int *pi;
  float *flash;
  GArray *trail;              /* of int */
  gboolean trail_done;
  int agent_s;
  GArray *returns, *lengths;  /* of double */
  int bucket;
  GArray *err_x, *err_y;      /* of double */
  gint64 err_last_steps;
  TdRecord *records;          /* (n) the last update made in each state, step by step */
  int hover, selected;
  int edit_cursor;            /* the keyboard's cell in edit mode, or −1 */

  /* Playing. */
  gboolean playing;
  guint tick_id;
  gint64 last_frame_us;
  double due;

  /* Compare. */

  /* Cart-pole. */
  GbReinforce *cart;
  gint64 status_us;
  GbFrameStats *stats;        /* NULL unless GLASSBOX_FRAME_STATS: frames drawn while playing */
};

static void page_iface_init (GbPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GbRlPage, gb_rl_page, GTK_TYPE_BOX, G_IMPLEMENT_INTERFACE (GB_TYPE_PAGE, page_iface_init))

static void refresh (GbRlPage *self);
static void reset_run (GbRlPage *self);
static void set_playing (GbRlPage *self, gboolean playing);
static void ensure_tick (GbRlPage *self);

static void
message (GbRlPage *self, const char *text)
{
  gb_page_message (GB_PAGE (self), text);
}

static gboolean
is_td (int algo)
{
  return algo >= ALGO_Q;
}

static gboolean
cart_mode (GbRlPage *self)
{
  return gtk_drop_down_get_selected (self->env_drop) == ENV_CARTPOLE;
}

static double
rate (GbRlPage *self)
{
  guint i = (guint) CLAMP (round (gtk_range_get_value (GTK_RANGE (self->speed))), 0, N_SPEEDS - 1);
  return speeds[i];
}

/* --- the worker (gb-rl-runner.c): what it runs under the lock --- */

static gint64
td_chunk (gpointer data, gint64 max)
{
  GbRlPage *self = data;
  gb_td_agent_run_steps (self->agent, max);
  self->steps += max;
  return max;
}

static void
main_lock (GbRlPage *self)
{
  gb_rl_runner_lock (self->runner);
}

static void
main_unlock (GbRlPage *self)
{
  gb_rl_runner_unlock (self->runner);
}

static void
stop_worker (GbRlPage *self)
{
  gb_rl_runner_stop (self->runner);
}

/* --- tables and the snapshot --- */

static void
alloc_tables (GbRlPage *self)
{
  int n = self->grid->mdp->n_states;
  self->n = n;
  g_free (self->V), g_free (self->V_shown), g_free (self->Q), g_free (self->V_before);
  g_free (self->pi), g_free (self->flash), g_free (self->records);
  self->V = g_new0 (double, n);
  self->V_shown = g_new0 (double, n);
  self->V_before = g_new0 (double, n);
  self->Q = g_new0 (double, (gsize) n * 4);
  self->pi = g_new0 (int, n);
  self->flash = g_new0 (float, n);
  self->records = g_new0 (TdRecord, n);
  for (int s = 0; s < n; s++)
    self->records[s].step.s = -1;
}

/* The largest |Σ p (r + γ max Q(s′)) − Q(s, a)| over the states an agent can stand in: how far Q is from
 * satisfying the Bellman optimality equation (the expected TD error). */
static double
bellman_error_q (const GbGrid *g, const double *Q)
{
  const GbMdp *mdp = g->mdp;
  double worst = 0.0;
  for (int s = 0; s < mdp->n_states; s++)
    {
      /* Cliff cells are states no agent ever stands in (they send it back to the start). */
      if (mdp->terminal[s] || g->cells[g->cell_of_state[s]] == GB_CELL_CLIFF)
        continue;
      for (int a = 0; a < 4; a++)
        {
          int k;
          const GbOutcome *o = gb_mdp_outcomes (mdp, s, a, &k);
          double t = 0.0;
          for (int i = 0; i < k; i++)
            {
              const double *q = Q + (gsize) o[i].next * 4;
              double m = mdp->terminal[o[i].next] ? 0.0 : MAX (MAX (q[0], q[1]), MAX (q[2], q[3]));
              t += o[i].p * (o[i].r + mdp->gamma * m);
            }
          worst = MAX (worst, fabs (t - Q[(gsize) s * 4 + a]));
        }
    }
  return worst;
}

static void
push_error (GbRlPage *self, double x, double y)
{
  if (self->err_x->len >= MAX_ERROR_POINTS)
    {
      /* Keep every other point: the curve stays bounded and spans the run. */
      guint j = 0;
      for (guint i = 0; i < self->err_x->len; i += 2, j++)
        {
          g_array_index (self->err_x, double, j) = g_array_index (self->err_x, double, i);
          g_array_index (self->err_y, double, j) = g_array_index (self->err_y, double, i);
        }
      g_array_set_size (self->err_x, j);
      g_array_set_size (self->err_y, j);
    }
  g_array_append_val (self->err_x, x);
  g_array_append_val (self->err_y, y);
}

/* Copies the learner's tables into what is drawn, and flashes the states
 * whose value changed. A frame does not wait for a worker that holds the
 * tables: it keeps what it drew last. */
static void
refresh_tables (GbRlPage *self, gboolean frame)
{
  if (self->grid == NULL || cart_mode (self))
    return;
  const GbMdp *mdp = self->grid->mdp;
  int n = self->n;
  if (self->dp != NULL)
    {
      memcpy (self->V, self->dp->V, n * sizeof (double));
      memcpy (self->pi, self->dp->pi, n * sizeof (int));
      for (int s = 0; s < n; s++)
        for (int a = 0; a < 4; a++)
          self->Q[s * 4 + a] = gb_dp_q (mdp, self->V, s, a);
      self->agent_s = -1;
    }
  else if (self->agent != NULL)
    {
      if (frame && gb_rl_runner_is_running (self->runner))
        {
          if (!gb_rl_runner_trylock (self->runner))
            return;
        }
      else
        main_lock (self);
      GbTdAgent *ag = self->agent;
      memcpy (self->Q, ag->Q, (gsize) n * 4 * sizeof (double));
      /* before its first episode the agent stands at the start (its s is not set yet) */
      self->agent_s = ag->in_episode || ag->episodes > 0 ? ag->s : (int) ag->mdp->start;
      if (ag->returns->len != self->returns->len || ag->bucket != self->bucket
          || (ag->returns->len > 0 && g_array_index (ag->returns, double, ag->returns->len - 1)
                                        != g_array_index (self->returns, double, ag->returns->len - 1)))
        {
          g_array_set_size (self->returns, ag->returns->len);
          g_array_set_size (self->lengths, ag->lengths->len);
          memcpy (self->returns->data, ag->returns->data, ag->returns->len * sizeof (double));
          memcpy (self->lengths->data, ag->lengths->data, ag->lengths->len * sizeof (double));
          self->bucket = ag->bucket;
        }
      gint64 steps = self->steps;
      main_unlock (self);
      for (int s = 0; s < n; s++)
        {
          self->pi[s] = gb_td_agent_greedy (ag, s);
          self->V[s] = mdp->terminal[s] ? 0.0 : self->Q[s * 4 + self->pi[s]];
        }
      if (steps != self->err_last_steps)
        {
          push_error (self, (double) steps, bellman_error_q (self->grid, self->Q));
          self->err_last_steps = steps;
        }
    }
  gboolean any = FALSE;
  for (int s = 0; s < n; s++)
    {
      double d = fabs (self->V[s] - self->V_shown[s]);
      if (d > 1e-9 * MAX (1.0, fabs (self->V[s])))
        self->flash[s] = 1.0f, any = TRUE;
      self->V_shown[s] = self->V[s];
    }
  if (any)
    ensure_tick (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->plots_area));

  /* The status line, at most five times a second while playing (its text is read, not watched). */
  gint64 now = g_get_monotonic_time ();
  if (self->playing && now - self->status_us < 200000)
    return;
  self->status_us = now;
  g_autofree char *status = NULL, *more = NULL;
  if (self->dp != NULL)
    {
      more = self->algo == ALGO_PI ? g_strdup_printf (" · %d improvements", self->dp->improvements) : g_strdup ("");
      if (self->dp->sweeps == 0)
        status = g_strdup_printf ("%s · no sweep yet: V = 0 everywhere", algo_titles[self->algo]);
      else
        status = g_strdup_printf ("%s · sweep %d · Bellman residual %.3g%s%s", algo_titles[self->algo],
                                  self->dp->sweeps, self->dp->residual, more, self->dp->done ? " · converged" : "");
    }
  else if (self->agent != NULL)
    status = g_strdup_printf ("%s · episode %d · step %d of this episode · %" G_GINT64_FORMAT " steps · ε %.3f · "
                              "last return %.3g",
                              algo_titles[self->algo], self->agent->episodes + 1, self->agent->t, self->steps,
                              self->agent->epsilon, self->agent->last_return);
  gtk_label_set_text (self->status_label, status);
}

static void
refresh (GbRlPage *self)
{
  refresh_tables (self, FALSE);
}

/* Dynamic programming: one sweep, keeping the values it started from (for the backup shown on click). */
static gboolean
dp_step (GbRlPage *self)
{
  memcpy (self->V_before, self->dp->V, self->n * sizeof (double));
  if (!gb_dp_run_step (self->dp))
    return FALSE;
  push_error (self, self->dp->sweeps, self->dp->residual);
  return TRUE;
}

/* One action of the TD agent, on the main loop: the trail and the numbers of the update are kept. */
static void
td_step (GbRlPage *self)
{
  GbTdStep st;
  main_lock (self);
  int episode = self->agent->episodes, t = self->agent->t;
  gb_td_agent_step (self->agent, &st);
  self->steps++;
  double q_after = self->agent->Q[(gsize) st.s * 4 + st.a];
  double alpha = self->agent->config.alpha;
  main_unlock (self);
  self->records[st.s] = (TdRecord) { st, q_after - alpha * st.td_error, alpha, episode, t };
  if (self->trail_done)
    {
      g_array_set_size (self->trail, 0);
      self->trail_done = FALSE;
    }
  if (self->trail->len == 0)
    g_array_append_val (self->trail, st.s);
  g_array_append_val (self->trail, st.s_next);
  self->trail_done = st.episode_end;
}

/* --- actions --- */

static void
do_step (GbRlPage *self)
{
  if (cart_mode (self))
    {
      if (!self->playing)
        gb_rl_cart_view_step (self->cart_view);
      return;
    }
  set_playing (self, FALSE);
  if (self->dp != NULL)
    {
      if (!dp_step (self))
        message (self, "Converged: another sweep changes nothing (Reset to start again)");
    }
  else
    td_step (self);
  refresh (self);
}

static void
do_back (GbRlPage *self)
{
  if (cart_mode (self))
    {
      gb_rl_cart_view_step_back (self->cart_view);   /* back one step through the replayed episode */
      return;
    }
  set_playing (self, FALSE);
  gboolean ok;
  if (self->dp != NULL)
    {
      ok = gb_dp_run_back (self->dp);
      if (ok && self->err_x->len > 0)
        {
          g_array_set_size (self->err_x, self->err_x->len - 1);
          g_array_set_size (self->err_y, self->err_y->len - 1);
        }
    }
  else
    {
      main_lock (self);
      ok = gb_td_agent_step_back (self->agent);
      if (ok)
        self->steps--;
      main_unlock (self);
      if (ok && self->trail->len > 0)
        {
          g_array_set_size (self->trail, self->trail->len - 1);
          self->trail_done = FALSE;
          if (self->trail->len == 1)
            g_array_set_size (self->trail, 0);
        }
    }
  if (!ok)
    message (self, "Nothing left to step back through: the history keeps the last steps taken one at a time");
  refresh (self);
}

static void
do_episode (GbRlPage *self)
{
  if (cart_mode (self))
    {
      do_step (self);
      return;
    }
  set_playing (self, FALSE);
  if (self->dp != NULL)
    {
      /* For dynamic programming: sweep to convergence (bounded). */
      for (int i = 0; i < 100000 && dp_step (self); i++)
        ;
    }
  else
    {
      main_lock (self);
      int e = self->agent->episodes, t0 = self->agent->t;
      gboolean fresh = !self->agent->in_episode;
      main_unlock (self);
      /* Step by step so the trail is drawn, up to the episode's end or a bound. */
      g_array_set_size (self->trail, 0);
      self->trail_done = FALSE;
      int limit = fresh ? self->agent->config.max_steps : self->agent->config.max_steps - t0;
      for (int i = 0; i < MAX (limit, 1) && self->agent->episodes == e; i++)
        td_step (self);
    }
  refresh (self);
}

/* --- playing --- */

static void
set_playing (GbRlPage *self, gboolean playing)
{
  if (self->playing == playing && (playing || !gb_rl_runner_is_running (self->runner)))
    return;
  self->playing = playing;
  gb_frame_stats_set_counting (self->stats, playing);
  gb_rl_cart_view_set_playing (self->cart_view, playing);
  stop_worker (self);
  self->due = 0;
  if (playing)
    {
      double r = rate (self);
      if (cart_mode (self))
        gb_rl_runner_start (self->runner, gb_rl_cart_view_run_episode, self->cart_view, r, 1);
      else if (self->agent != NULL && (r == 0 || r > MAIN_LOOP_MAX_RATE))
        {
          g_array_set_size (self->trail, 0);
          gb_rl_runner_start (self->runner, td_chunk, self, r, 10000);
        }
      ensure_tick (self);
    }
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->play_button, playing);
  gtk_button_set_label (GTK_BUTTON (self->play_button), playing ? "_Pause" : "_Play");
  self->updating = FALSE;
  if (!playing)
    refresh (self);
}

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  if (cart_mode (self))
    {
      /* The cart-pole view follows its episodes on its own tick. */
      self->tick_id = 0;
      self->last_frame_us = 0;
      return G_SOURCE_REMOVE;
    }
  if (self->grid == NULL)
    {
      self->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  if (self->playing)
    {
      double r = rate (self);
      if (self->dp != NULL)
        {
          gint64 t0 = g_get_monotonic_time ();
          self->due += r > 0 ? r * dt : 1e9;
          while (self->due >= 1.0 && !self->dp->done && (g_get_monotonic_time () - t0) < 6000)
            {
              dp_step (self);
              self->due -= 1.0;
            }
          self->due = MIN (self->due, 1.0);
          if (self->dp->done)
            set_playing (self, FALSE);
        }
      else if (!gb_rl_runner_is_running (self->runner))
        {
          self->due += r * dt;
          for (; self->due >= 1.0; self->due -= 1.0)
            td_step (self);
        }
    }
  gint64 r0 = g_get_monotonic_time ();
  refresh_tables (self, TRUE);
  gb_frame_stats_add_extra (self->stats, (g_get_monotonic_time () - r0) / 1000.0);
  gboolean flashing = FALSE;
  for (int s = 0; s < self->n; s++)
    if (self->flash[s] > 0.0f)
      {
        self->flash[s] = MAX (0.0f, self->flash[s] - (float) (dt / 0.6));
        flashing = TRUE;
      }
  if (self->playing || flashing)
    return G_SOURCE_CONTINUE;
  self->tick_id = 0;
  self->last_frame_us = 0;
  return G_SOURCE_REMOVE;
}

static void
ensure_tick (GbRlPage *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* --- building the learner --- */

static void
read_td_config (GbRlPage *self, GbTdConfig *c, int algo)
{
  gb_td_config_init (c);
  c->algo = algo == ALGO_SARSA ? GB_TD_SARSA : algo == ALGO_ESARSA ? GB_TD_EXPECTED_SARSA : GB_TD_Q_LEARNING;
  c->alpha = gtk_spin_button_get_value (self->alpha);
  c->gamma = self->grid->mdp->gamma;
  c->epsilon = gtk_spin_button_get_value (self->epsilon);
  c->epsilon_decay = gtk_spin_button_get_value (self->decay);
  c->seed = (guint64) gtk_spin_button_get_value (self->seed);
  c->first_of_ties = gtk_check_button_get_active (self->ties_check);
}

static void
clear_learner (GbRlPage *self)
{
  stop_worker (self);
  g_clear_pointer (&self->dp, gb_dp_run_free);
  g_clear_pointer (&self->agent, gb_td_agent_free);
}

/* A new learner for the map and algorithm on show (learning starts over). */
static void
reset_run (GbRlPage *self)
{
  gboolean was_playing = self->playing;
  set_playing (self, FALSE);
  if (cart_mode (self))
    {
      GbReinforceConfig c;
      gb_reinforce_config_init (&c);
      c.lr = gtk_spin_button_get_value (self->cart_lr);
      c.gamma = gtk_spin_button_get_value (self->cart_gamma);
      c.seed = (guint64) gtk_spin_button_get_value (self->seed);
      g_autoptr (GError) error = NULL;
      GbReinforce *agent = gb_reinforce_new (&c, &error);
      if (agent == NULL)
        {
          message (self, error->message);
          return;
        }
      gb_rl_cart_view_set_agent (self->cart_view, agent, self->runner, c.seed);
      g_clear_pointer (&self->cart, gb_reinforce_free);
      self->cart = agent;
      return;
    }
  int n_old = self->n;
  g_autofree int *old_pi = n_old == self->grid->mdp->n_states ? g_memdup2 (self->pi, n_old * sizeof (int)) : NULL;
  clear_learner (self);
  alloc_tables (self);
  g_array_set_size (self->trail, 0);
  g_array_set_size (self->returns, 0);
  g_array_set_size (self->lengths, 0);
  g_array_set_size (self->err_x, 0);
  g_array_set_size (self->err_y, 0);
  self->bucket = 1;
  self->steps = 0;
  self->err_last_steps = 0;
  self->trail_done = FALSE;
  self->selected = -1;
  gtk_label_set_text (self->explain_label, "Click a cell to see the backup that produced its value.");
  if (is_td (self->algo))
    {
      GbTdConfig c;
      read_td_config (self, &c, self->algo);
      g_autoptr (GError) error = NULL;
      self->agent = gb_td_agent_new (self->grid->mdp, &c, &error);
      if (self->agent == NULL)
        {
          message (self, error->message);
          return;
        }
      gb_td_agent_set_history (self->agent, HISTORY);
    }
  else
    {
      /* Policy evaluation evaluates the policy on show when it starts (Up everywhere at first). */
      GbDpAlgo a = self->algo == ALGO_VI ? GB_DP_VALUE_ITERATION
                 : self->algo == ALGO_PI ? GB_DP_POLICY_ITERATION : GB_DP_POLICY_EVALUATION;
      self->dp = gb_dp_run_new (self->grid->mdp, a, self->algo == ALGO_VI ? NULL : old_pi, 1e-6, HISTORY);
      if (old_pi != NULL && self->algo != ALGO_VI)
        memcpy (self->pi, old_pi, self->n * sizeof (int));
    }
  refresh (self);
  if (was_playing)
    set_playing (self, TRUE);
}

static void
sync_controls_to_map (GbRlPage *self)
{
  self->updating = TRUE;
  gtk_spin_button_set_value (self->gamma, self->grid->mdp->gamma);
  gtk_spin_button_set_value (self->slip, self->grid->slip);
  gtk_spin_button_set_value (self->r_step, self->grid->step);
  gtk_spin_button_set_value (self->r_goal, self->grid->goal);
  gtk_spin_button_set_value (self->r_pit, self->grid->pit);
  gtk_spin_button_set_value (self->r_cliff, self->grid->cliff);
  self->updating = FALSE;
  g_autofree char *text = g_strdup_printf ("%s — %d × %d, %d states", self->map_name, self->grid->rows,
                                           self->grid->cols, self->grid->mdp->n_states);
  gtk_label_set_text (self->map_label, text);
}

static void
install_grid (GbRlPage *self, GbGrid *grid, const char *name)
{
  set_playing (self, FALSE);
  clear_learner (self);
  gb_grid_free (self->grid);
  self->grid = grid;
  g_free (self->map_name);
  self->map_name = g_strdup (name);
  self->edit_cursor = -1;
  self->n = 0;
  sync_controls_to_map (self);
  reset_run (self);
}

static void speed_changed_cb (GtkRange *range, GbRlPage *self);

static void
show_mode (GbRlPage *self)
{
  gboolean cart = cart_mode (self);
  set_playing (self, FALSE);
  gtk_widget_set_visible (self->grid_box, !cart);
  gtk_widget_set_visible (self->cart_box, cart);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, gtk_stack_get_child_by_name (self->views, "grid")), !cart);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, gtk_stack_get_child_by_name (self->views, "compare")), !cart);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, gtk_stack_get_child_by_name (self->views, "cartpole")), cart);
  gtk_stack_set_visible_child_name (self->views, cart ? "cartpole" : "grid");
  if (cart)
    gtk_label_set_text (self->status_label, "Cart-pole (CartPole-v1) · REINFORCE: a linear softmax policy with a baseline");
  gtk_widget_set_visible (self->td_box, !cart && is_td (self->algo));
  gtk_widget_set_sensitive (GTK_WIDGET (self->alpha), is_td (self->algo));
  gtk_button_set_label (self->step_button, cart ? "_Step (an episode)" : self->dp ? "_Step (a sweep)" : "_Step (an action)");
  gtk_button_set_label (self->episode_button, cart ? "_Episode" : self->dp ? "_Converge" : "_Episode");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->episode_button),
                               cart ? "Learn from one more episode"
                               : self->dp ? "Sweep until the Bellman residual is below 1e-6"
                                          : "Run the agent to the end of this episode, step by step");
  speed_changed_cb (GTK_RANGE (self->speed), self);
}

static void
env_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbRlPage *self)
{
  if (self->updating)
    return;
  guint i = gtk_drop_down_get_selected (drop);
  set_playing (self, FALSE);
  if (i < N_PRESETS || (i == ENV_OPENED && self->opened_text != NULL))
    {
      g_autoptr (GError) error = NULL;
      GbGrid *g = i < N_PRESETS ? gb_grid_preset (env_keys[i], &error)
                                : gb_grid_parse (self->opened_text, self->opened_name, &error);
      if (g == NULL)
        {
          message (self, error->message);
          return;
        }
      install_grid (self, g, i < N_PRESETS ? g->name : self->opened_name);
    }
  else
    reset_run (self);
  show_mode (self);
}

/* The World drop-down names the map just opened (its own last entry), and
 * keeps it to go back to after a preset. */
static void
show_opened (GbRlPage *self, const GbGrid *grid, const char *name)
{
  g_free (self->opened_text);
  g_free (self->opened_name);
  self->opened_text = gb_grid_to_text (grid);
  self->opened_name = g_strdup (name);
  GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (self->env_drop));
  g_autofree char *label = g_strdup_printf ("Opened: %s", name);
  const char *const items[] = { label, NULL };
  gtk_string_list_splice (list, ENV_OPENED, g_list_model_get_n_items (G_LIST_MODEL (list)) - ENV_OPENED, items);
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->env_drop, ENV_OPENED);
  self->updating = FALSE;
}

static void
algo_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbRlPage *self)
{
  self->algo = (int) gtk_drop_down_get_selected (drop);
  if (self->grid != NULL)
    reset_run (self);
  show_mode (self);
}

/* --- parameters that apply while the agent runs --- */

static void
td_params_changed_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->grid == NULL)
    return;
  g_autoptr (GError) error = NULL;
  double gamma = gtk_spin_button_get_value (self->gamma);
  main_lock (self);
  gboolean ok = gb_mdp_set_gamma (self->grid->mdp, gamma, &error);
  if (ok)
    self->grid->gamma = gamma;
  if (ok && self->agent != NULL)
    {
      ok = gb_td_agent_set_params (self->agent, gtk_spin_button_get_value (self->alpha), gamma,
                                   gtk_spin_button_get_value (self->epsilon), &error);
      self->agent->config.epsilon_decay = gtk_spin_button_get_value (self->decay);
      self->agent->config.first_of_ties = gtk_check_button_get_active (self->ties_check);
    }
  if (ok && self->dp != NULL)
    self->dp->done = FALSE;   /* a new γ: the sweeps go on from the values they have */
  main_unlock (self);
  if (!ok)
    message (self, error->message);
  refresh (self);
}

static void
ties_toggled_cb (GtkCheckButton *check, GbRlPage *self)
{
  td_params_changed_cb (NULL, self);
}

static void
slip_changed_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->grid == NULL)
    return;
  g_autoptr (GError) error = NULL;
  main_lock (self);
  gboolean ok = gb_grid_set_slip (self->grid, gtk_spin_button_get_value (spin), &error);
  if (ok)
    {
      if (self->agent != NULL)
        gb_td_agent_set_mdp (self->agent, self->grid->mdp);
      if (self->dp != NULL)
        {
          self->dp->mdp = self->grid->mdp;
          self->dp->done = FALSE;
        }
    }
  main_unlock (self);
  if (!ok)
    message (self, error->message);
  refresh (self);
}

static void
speed_changed_cb (GtkRange *range, GbRlPage *self)
{
  double r = rate (self);
  g_autofree char *text = r == 0 ? g_strdup ("as fast as possible")
                                 : g_strdup_printf ("%g %s/s", r, cart_mode (self) ? "episodes"
                                                                  : self->dp ? "sweeps" : "steps");
  gtk_label_set_text (self->speed_label, text);
  if (self->playing)
    {
      self->playing = FALSE;
      set_playing (self, TRUE);
    }
}

/* --- edit mode --- */

static void
rewards_changed_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->grid == NULL)
    return;
  g_autoptr (GError) error = NULL;
  set_playing (self, FALSE);
  stop_worker (self);
  if (!gb_grid_set_rewards (self->grid, gtk_spin_button_get_value (self->r_step), gtk_spin_button_get_value (self->r_goal),
                            gtk_spin_button_get_value (self->r_pit), gtk_spin_button_get_value (self->r_cliff), &error))
    message (self, error->message);
  reset_run (self);
}

static GbGridScene
grid_scene (GbRlPage *self)
{
  gboolean q = gtk_check_button_get_active (self->q_check);
  GbGridScene s = { self->grid, self->V, q ? self->Q : NULL, self->pi,
                    gtk_check_button_get_active (self->numbers_check),
                    self->agent ? self->agent_s : -1,
                    self->trail->len > 1 ? (const int *) self->trail->data : NULL, (int) self->trail->len,
                    self->flash, NULL, self->selected + 1,
                    gtk_toggle_button_get_active (self->edit_toggle) ? self->edit_cursor + 1 : 0 };
  return s;
}

static void
paint_rc (GbRlPage *self, int r, int c)
{
  static const GbCell brushes[] = { GB_CELL_WALL, GB_CELL_EMPTY, GB_CELL_START, GB_CELL_GOAL, GB_CELL_PIT, GB_CELL_CLIFF };
  GbCell kind = brushes[MIN (gtk_drop_down_get_selected (self->brush_drop), G_N_ELEMENTS (brushes) - 1)];
  if (self->grid->cells[r * self->grid->cols + c] == kind)
    return;
  set_playing (self, FALSE);
  stop_worker (self);
  g_autoptr (GError) error = NULL;
  if (!gb_grid_set_cell (self->grid, r, c, kind, &error))
    {
      message (self, error->message);
      refresh (self);
      return;
    }
  if (!g_str_has_suffix (self->map_name, " (edited)"))
    {
      char *name = g_strconcat (self->map_name, " (edited)", NULL);
      g_free (self->map_name);
      self->map_name = name;
    }
  self->n = 0;
  sync_controls_to_map (self);
  reset_run (self);
}

static void
paint_cell (GbRlPage *self, double x, double y)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene s = grid_scene (self);
  int r, c;
  if (gb_grid_hit_cell (w, h, &s, x, y, &r, &c))
    {
      self->edit_cursor = r * self->grid->cols + c;
      paint_rc (self, r, c);
      gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
    }
}

/* --- hover and click --- */

static char *
describe_state (GbRlPage *self, int s)
{
  const GbGrid *g = self->grid;
  int cell = g->cell_of_state[s];
  GString *out = g_string_new (NULL);
  static const char *const kinds[] = { "", "wall", "start", "goal", "pit", "cliff" };
  g_string_append_printf (out, "Row %d, column %d%s%s: V = %.4f", cell / g->cols + 1, cell % g->cols + 1,
                          g->cells[cell] != GB_CELL_EMPTY ? " — " : "", kinds[g->cells[cell]], self->V[s]);
  if (g->mdp->terminal[s])
    {
      g_string_append (out, " (terminal)");
      return g_string_free (out, FALSE);
    }
  g_string_append (out, "\nQ:");
  for (int a = 0; a < 4; a++)
    g_string_append_printf (out, "  %s %.4f", action_names[a], self->Q[s * 4 + a]);
  for (int a = 0; a < 4; a++)
    {
      int k;
      const GbOutcome *o = gb_mdp_outcomes (g->mdp, s, a, &k);
      g_string_append_printf (out, "\n%s:", action_names[a]);
      for (int i = 0; i < k; i++)
        {
          int to = g->cell_of_state[o[i].next];
          g_string_append_printf (out, "  %.2f → (%d, %d) r %.3g", o[i].p, to / g->cols + 1, to % g->cols + 1, o[i].r);
        }
    }
  return g_string_free (out, FALSE);
}

static char *
explain_state (GbRlPage *self, int s)
{
  if (self->dp != NULL)
    {
      if (self->dp->sweeps == 0)
        return g_strdup ("No sweep yet: V(s) = 0 everywhere. Press Step.");
      g_autofree char *body = self->algo == ALGO_VI
        ? gb_dp_explain (self->grid->mdp, self->V_before, s, action_names)
        : gb_dp_explain_policy (self->grid->mdp, self->V_before, s, self->pi[s], action_names);
      return g_strdup_printf ("Sweep %d, from the values of sweep %d:\n%s", self->dp->sweeps, self->dp->sweeps - 1, body);
    }
  const TdRecord *rec = &self->records[s];
  const GbTdAgent *ag = self->agent;
  const char *rule = ag->config.algo == GB_TD_Q_LEARNING ? "r + γ·max_a′ Q(s′, a′)"
                   : ag->config.algo == GB_TD_SARSA ? "r + γ·Q(s′, a′)" : "r + γ·Σ_a′ π(a′|s′)·Q(s′, a′)";
  if (rec->step.s < 0)
    return g_strdup_printf ("Q(s, a) ← Q(s, a) + α·(%s − Q(s, a))\nNo update of this state has been stepped "
                            "one action at a time yet: press Step to see one with its numbers.", rule);
  double target = rec->q_before + rec->step.td_error;
  double next = self->grid->mdp->gamma > 0 ? (target - rec->step.r) / self->grid->mdp->gamma : 0.0;
  return g_strdup_printf ("Q(s, a) ← Q(s, a) + α·(%s − Q(s, a))\n"
                          "Last update here (episode %d, step %d), a = %s, r = %.3g:\n"
                          "  target = %.3g + %.3g·%.4f = %.4f\n"
                          "  Q(s, %s) ← %.4f + %.3g·(%.4f − %.4f) = %.4f",
                          rule, rec->episode + 1, rec->t + 1, action_names[rec->step.a], rec->step.r,
                          rec->step.r, self->grid->mdp->gamma, next, target,
                          action_names[rec->step.a], rec->q_before, rec->alpha, target, rec->q_before,
                          rec->q_before + rec->alpha * rec->step.td_error);
}

static void
motion_cb (GtkEventControllerMotion *motion, double x, double y, GbRlPage *self)
{
  if (self->grid == NULL)
    return;
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene scene = grid_scene (self);
  int s = gb_grid_hit (w, h, &scene, x, y);
  if (s == self->hover)
    return;
  self->hover = s;
  g_autofree char *text = s >= 0 ? describe_state (self, s) : NULL;
  g_free (self->hover_text);
  self->hover_text = g_strdup (text ? text : "Hover a cell for its values and transitions.");
  gtk_widget_queue_draw (GTK_WIDGET (self->hover_area));
}

static void
select_state (GbRlPage *self, int s)
{
  self->selected = s;
  g_autofree char *what = s >= 0 ? explain_state (self, s) : NULL;
  g_autofree char *where = s >= 0 ? describe_state (self, s) : NULL;
  g_autofree char *text = s >= 0 ? g_strdup_printf ("%s\n%s", what, where) : g_strdup ("");
  gtk_label_set_text (self->explain_label, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
}

static void
drag_begin_cb (GtkGestureDrag *drag, double x, double y, GbRlPage *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self->grid_area));
  if (self->grid == NULL)
    return;
  if (gtk_toggle_button_get_active (self->edit_toggle))
    {
      paint_cell (self, x, y);
      return;
    }
  int w = gtk_widget_get_width (GTK_WIDGET (self->grid_area)), h = gtk_widget_get_height (GTK_WIDGET (self->grid_area));
  GbGridScene scene = grid_scene (self);
  select_state (self, gb_grid_hit (w, h, &scene, x, y));
}

static void
drag_update_cb (GtkGestureDrag *drag, double dx, double dy, GbRlPage *self)
{
  double x, y;
  if (!gtk_toggle_button_get_active (self->edit_toggle) || !gtk_gesture_drag_get_start_point (drag, &x, &y))
    return;
  paint_cell (self, x + dx, y + dy);
}

static gboolean
grid_key_cb (GtkEventControllerKey *key, guint keyval, guint keycode, GdkModifierType state, GbRlPage *self)
{
  /* Arrow keys move the selected cell, so the backups can be read by keyboard. */
  if (self->grid == NULL || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)))
    return FALSE;
  int dr = 0, dc = 0;
  gboolean editing = gtk_toggle_button_get_active (self->edit_toggle);
  if (editing && (keyval == GDK_KEY_Return || keyval == GDK_KEY_space || keyval == GDK_KEY_KP_Enter))
    {
      /* Paint the cell under the keyboard cursor with the brush. */
      int cell = self->edit_cursor;
      if (cell >= 0 && cell < self->grid->rows * self->grid->cols)
        paint_rc (self, cell / self->grid->cols, cell % self->grid->cols);
      return TRUE;
    }
  switch (keyval)
    {
    case GDK_KEY_Up: dr = -1; break;
    case GDK_KEY_Down: dr = 1; break;
    case GDK_KEY_Left: dc = -1; break;
    case GDK_KEY_Right: dc = 1; break;
    default: return FALSE;
    }
  const GbGrid *g = self->grid;
  if (editing)
    {
      /* In edit mode the cursor visits every cell, walls too. */
      int cell = self->edit_cursor >= 0 ? self->edit_cursor : g->cell_of_state[g->mdp->start];
      int r = CLAMP (cell / g->cols + dr, 0, g->rows - 1), c = CLAMP (cell % g->cols + dc, 0, g->cols - 1);
      self->edit_cursor = r * g->cols + c;
      int st = g->state_of_cell[self->edit_cursor];
      gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
      select_state (self, st);
      if (st < 0)
        gtk_label_set_text (self->explain_label, "Edit mode: a wall. Return paints the brush here.");
      return TRUE;
    }
  int cell = self->selected >= 0 ? g->cell_of_state[self->selected] : g->cell_of_state[g->mdp->start];
  int r = cell / g->cols, c = cell % g->cols;
  for (;;)
    {
      r += dr, c += dc;
      if (r < 0 || c < 0 || r >= g->rows || c >= g->cols)
        return TRUE;
      if (g->state_of_cell[r * g->cols + c] >= 0)
        break;
    }
  select_state (self, g->state_of_cell[r * g->cols + c]);
  return TRUE;
}

/* --- cart-pole driving --- */

static void
drive_toggled_cb (GtkToggleButton *button, GbRlPage *self)
{
  if (!self->updating)
    gb_rl_cart_view_set_driving (self->cart_view, gtk_toggle_button_get_active (button));
}

static void
driving_cb (GbRlCartView *view, GParamSpec *pspec, GbRlPage *self)
{
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->drive_toggle, gb_rl_cart_view_get_driving (view));
  self->updating = FALSE;
}

/* --- compare --- */

static void
compare_running_cb (GbRlCompareView *view, GParamSpec *pspec, GbRlPage *self)
{
  gtk_button_set_label (self->compare_button,
                        gb_rl_compare_view_is_running (view) ? "Cancel co_mparing" : "Co_mpare");
}

static void
compare_fraction_cb (GbRlCompareView *view, GParamSpec *pspec, GbRlPage *self)
{
  gtk_progress_bar_set_fraction (self->cmp_progress, gb_rl_compare_view_get_fraction (view));
}

static void
compare_finished_cb (GbRlCompareView *view, GbRlPage *self)
{
  gtk_stack_set_visible_child_name (self->views, "compare");
}

static void
compare_message_cb (GbRlCompareView *view, const char *text, GbRlPage *self)
{
  message (self, text);
}

static void
compare_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  if (gb_rl_compare_view_is_running (self->compare_view))
    {
      gb_rl_compare_view_cancel (self->compare_view);
      return;
    }
  if (!is_td (self->algo))
    {
      message (self, "Compare runs two TD agents: choose Q-learning, SARSA or expected SARSA as the algorithm");
      return;
    }
  GbTdConfig a, b;
  int algo_b = ALGO_Q + (int) gtk_drop_down_get_selected (self->algo_b_drop);
  read_td_config (self, &a, self->algo);
  read_td_config (self, &b, algo_b);
  g_autofree char *map = gb_grid_to_text (self->grid);
  gb_rl_compare_view_start (self->compare_view, map, &a, algo_titles[self->algo], &b, algo_titles[algo_b],
                            gtk_spin_button_get_value_as_int (self->cmp_seeds),
                            gtk_spin_button_get_value_as_int (self->cmp_episodes));
}

/* --- drawing --- */

static void
paint_grid (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  if (self->grid == NULL)
    return;
  GbGridScene s = grid_scene (self);
  gb_grid_paint (cr, w, h, &s, &self->pal);
}

static void
paint_plots (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  gboolean td = self->agent != NULL;
  GbRlPlots p = { (const double *) self->returns->data, (const double *) self->lengths->data,
                  td ? (int) self->returns->len : 0, self->bucket,
                  (const double *) self->err_x->data, (const double *) self->err_y->data, (int) self->err_x->len,
                  td ? "Bellman error of Q (max over s, a)" : "Bellman residual (max over s)",
                  td ? "step" : "sweep",
                  td ? "no finished episode yet" : "dynamic programming has no episodes" };
  gb_rl_plots_paint (cr, w, h, &p, &self->pal);
}

static void
paint_cart (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  gb_rl_cart_view_paint (self->cart_view, cr, w, h, &self->pal);
}

static void
paint_compare (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  gb_rl_compare_view_paint (self->compare_view, cr, w, h, &self->pal);
}

static void
draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = g_object_get_data (G_OBJECT (area), "page");
  GbPaintFunc paint = data;
  gint64 t0 = g_get_monotonic_time ();
  gb_form_palette (GTK_WIDGET (self), &self->pal);
  paint (cr, w, h, self);
  gb_form_focus_ring (GTK_WIDGET (area), cr, w, h, &self->pal);
  gb_frame_stats_drew (self->stats, (g_get_monotonic_time () - t0) / 1000.0);
}

static void
gb_rl_page_realize (GtkWidget *widget)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  GTK_WIDGET_CLASS (gb_rl_page_parent_class)->realize (widget);
  gb_frame_stats_attach (self->stats, widget);
}

static void
gb_rl_page_unrealize (GtkWidget *widget)
{
  gb_frame_stats_detach (GB_RL_PAGE (widget)->stats);
  GTK_WIDGET_CLASS (gb_rl_page_parent_class)->unrealize (widget);
}

/* --- public --- */

static gboolean
gb_rl_page_open (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, error))
    return FALSE;
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_prefix (text, "[glassbox-cartpole]"))
    {
      GbReinforce *agent = gb_reinforce_load (path, error);
      if (agent == NULL)
        return FALSE;
      if (!cart_mode (self))
        gtk_drop_down_set_selected (self->env_drop, ENV_CARTPOLE);   /* a fresh agent, replaced below */
      set_playing (self, FALSE);
      self->updating = TRUE;
      gtk_spin_button_set_value (self->cart_lr, agent->config.lr);
      gtk_spin_button_set_value (self->cart_gamma, agent->config.gamma);
      gtk_spin_button_set_value (self->seed, (double) agent->config.seed);
      self->updating = FALSE;
      gb_rl_cart_view_set_agent (self->cart_view, agent, self->runner, agent->config.seed);
      g_clear_pointer (&self->cart, gb_reinforce_free);
      self->cart = agent;
      /* Show one episode of the loaded policy (it learns from it, as every episode does). */
      do_step (self);
      return TRUE;
    }
  if (g_str_has_prefix (text, "[glassbox-rl]"))
    {
      g_autoptr (GbRlSession) s = gb_rl_session_load (path, error);
      if (s == NULL)
        return FALSE;
      int algo = -1;
      for (int a = 0; a < N_ALGOS; a++)
        if (g_str_equal (s->algo, algo_keys[a]))
          algo = a;
      if (algo < 0)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: unknown algorithm “%s”", base, s->algo);
          return FALSE;
        }
      if (is_td (algo) && s->Q == NULL)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, "%s: a %s session needs its Q table", base, s->algo);
          return FALSE;
        }
      self->updating = TRUE;
      self->algo = algo;
      gtk_drop_down_set_selected (self->algo_drop, algo);
      gtk_spin_button_set_value (self->alpha, s->td.alpha);
      gtk_spin_button_set_value (self->epsilon, s->td.epsilon);
      gtk_spin_button_set_value (self->decay, s->td.epsilon_decay);
      gtk_spin_button_set_value (self->seed, (double) s->td.seed);
      gtk_check_button_set_active (self->ties_check, s->td.first_of_ties);
      self->updating = FALSE;
      GbGrid *grid = g_steal_pointer (&s->grid);
      show_opened (self, grid, base);
      install_grid (self, grid, base);
      show_mode (self);
      if (self->agent != NULL)
        {
          memcpy (self->agent->Q, s->Q, (gsize) self->n * 4 * sizeof (double));
          self->agent->episodes = s->episodes;
        }
      else if (self->dp != NULL)
        {
          memcpy (self->dp->V, s->V, self->n * sizeof (double));
          memcpy (self->dp->pi, s->pi, self->n * sizeof (int));
          self->dp->sweeps = s->episodes;
        }
      refresh (self);
      return TRUE;
    }
  GbGrid *grid = gb_grid_parse (text, base, error);
  if (grid == NULL)
    return FALSE;
  show_opened (self, grid, base);
  install_grid (self, grid, base);
  show_mode (self);
  return TRUE;
}

static gboolean
gb_rl_page_save_session (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  if (cart_mode (self))
    {
      set_playing (self, FALSE);
      return gb_reinforce_save (self->cart, path, error);
    }
  if (self->grid == NULL)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "there is nothing to save");
      return FALSE;
    }
  set_playing (self, FALSE);
  GbTdConfig c;
  read_td_config (self, &c, is_td (self->algo) ? self->algo : ALGO_Q);
  GbRlSession s = { self->grid, (char *) algo_keys[self->algo], c,
                    self->agent ? self->agent->episodes : self->dp ? self->dp->sweeps : 0,
                    self->V, self->pi, self->agent ? self->Q : NULL };
  return gb_rl_session_save (&s, path, error);
}

static gboolean
gb_rl_page_save_map (GbRlPage *self, const char *path, GError **error)
{
  if (self->grid == NULL || cart_mode (self))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "there is no map on show to save");
      return FALSE;
    }
  return gb_grid_save (self->grid, path, error);
}

static void
paint_grid_and_plots (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  int top = (int) (h * 0.68);
  paint_grid (cr, w, top, self);
  cairo_save (cr);
  cairo_translate (cr, 0, top);
  cairo_rectangle (cr, 0, 0, w, h - top);
  cairo_clip (cr);
  paint_plots (cr, w, h - top, self);
  cairo_restore (cr);
}

static const char *
gb_rl_page_export_name (GbRlPage *self)
{
  const char *view = gtk_stack_get_visible_child_name (self->views);
  return g_strcmp0 (view, "cartpole") == 0 ? "cartpole.png" : g_strcmp0 (view, "compare") == 0 ? "rl-compare.png"
                                                                                                : "gridworld.png";
}

static gboolean
gb_rl_page_export (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  const char *view = gtk_stack_get_visible_child_name (self->views);
  if (g_strcmp0 (view, "cartpole") == 0)
    return gb_export_file (path, 1200, 760, paint_cart, self, error);
  if (g_strcmp0 (view, "compare") == 0)
    return gb_export_file (path, 1200, 900, paint_compare, self, error);
  return gb_export_file (path, 1200, 900, paint_grid_and_plots, self, error);
}

static void
gb_rl_page_stop (GbPage *page)
{
  GbRlPage *self = GB_RL_PAGE (page);
  set_playing (self, FALSE);
  stop_worker (self);
  if (self->compare_view != NULL)
    gb_rl_compare_view_cancel (self->compare_view);
}

/* --- construction --- */

static void
step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  do_step (self);
}

static void
back_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  do_back (self);
}

static void
episode_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  do_episode (self);
}

static void
reset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  reset_run (self);
}

static void
play_toggled_cb (GtkToggleButton *b, GbRlPage *self)
{
  if (self->updating)
    return;
  if (gtk_toggle_button_get_active (b) && self->dp != NULL && self->dp->done && !cart_mode (self))
    {
      message (self, "Converged: press Reset to run the sweeps again");
      self->updating = TRUE;
      gtk_toggle_button_set_active (b, FALSE);
      self->updating = FALSE;
      return;
    }
  gb_rl_cart_view_follow (self->cart_view);
  set_playing (self, gtk_toggle_button_get_active (b));
}

static void
redraw_cb (GtkCheckButton *b, GbRlPage *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_area));
}

static void
cart_params_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->cart == NULL)
    return;
  main_lock (self);
  self->cart->config.lr = gtk_spin_button_get_value (self->cart_lr);
  self->cart->config.gamma = gtk_spin_button_get_value (self->cart_gamma);
  main_unlock (self);
}

/* A button for one of the page's actions (rl.step, rl.compare, …). */
static GtkWidget *
button (const char *label, const char *tooltip, const char *action)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);
  gtk_widget_set_tooltip_text (b, tooltip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  return b;
}

static GtkDrawingArea *
canvas (GbRlPage *self, GbPaintFunc paint, const char *name)
{
  GtkWidget *a = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (a, TRUE);
  gtk_widget_set_vexpand (a, TRUE);
  gtk_widget_set_focusable (a, TRUE);
  gb_form_accessible_label (a, name);
  g_object_set_data (G_OBJECT (a), "page", self);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (a), draw_cb, (gpointer) paint, NULL);
  return GTK_DRAWING_AREA (a);
}

static GtkWidget *
build_sidebar (GbRlPage *self)
{
  GtkBox *box = GTK_BOX (gtk_box_new (GTK_ORIENTATION_VERTICAL, 6));
  gtk_widget_set_margin_start (GTK_WIDGET (box), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (box), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (box), 12);

  GtkWidget *world = gb_form_heading (box, "_World");
  gtk_label_set_use_underline (GTK_LABEL (world), TRUE);
  static const char *const envs[] = { "4×3 world (AIMA)", "Cliff walking (S&B 6.6)", "FrozenLake 4×4",
                                      "FrozenLake 8×8", "Maze", "Cart-pole (REINFORCE)", NULL };
  self->env_drop = gb_form_drop_down (envs, "Environment", "A preset map, or cart-pole (open your own map with Ctrl+O)");
  gtk_box_append (box, GTK_WIDGET (self->env_drop));
  gtk_label_set_mnemonic_widget (GTK_LABEL (world), GTK_WIDGET (self->env_drop));
  self->map_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->map_label, 0);
  gtk_label_set_wrap (self->map_label, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->map_label), "dim-label");

  /* Everything that is about gridworlds. */
  self->grid_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkBox *gb = GTK_BOX (self->grid_box);
  gtk_box_append (gb, GTK_WIDGET (self->map_label));
  gb_form_heading (gb, "Algorithm");
  static const char *const algos[] = { "Value iteration", "Policy iteration", "Policy evaluation", "Q-learning",
                                       "SARSA", "Expected SARSA", NULL };
  self->algo_drop = gb_form_drop_down (algos, "Algorithm",
                          "Dynamic programming steps one sweep at a time; the TD agents one action at a time. "
                          "Policy evaluation evaluates the policy on show when it starts.");
  gtk_box_append (gb, GTK_WIDGET (self->algo_drop));
  GtkGrid *f = gb_form_grid (gb);
  self->gamma = gb_form_spin_row (f, 0, "γ (disco_unt)", "Discount gamma", 0, 1, 0.01, 3, 1, "Discount factor, 0…1 (applies at once)");
  self->slip = gb_form_spin_row (f, 1, "S_lip", "Slip probability", 0, 1, 0.05, 2, 0,
                         "Probability of moving to either side of the intended direction (applies at once)");
  self->td_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_box_append (gb, self->td_box);
  f = gb_form_grid (GTK_BOX (self->td_box));
  self->alpha = gb_form_spin_row (f, 0, "_α (step size)", "Step size alpha", 0.001, 1, 0.01, 3, 0.5, "TD step size, (0, 1] (applies at once)");
  self->epsilon = gb_form_spin_row (f, 1, "ε (explorat_ion)", "Exploration epsilon", 0, 1, 0.01, 3, 0.1,
                            "Probability of a random action (applies at once)");
  self->decay = gb_form_spin_row (f, 2, "ε deca_y", "Epsilon decay", 0.9, 1, 0.001, 4, 1,
                          "ε is multiplied by this after each episode (1: no decay)");
  self->ties_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic ("Greedy ties to the _first action"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->ties_check),
                               "Among equal Q-values take the first action, as np.argmax does, instead of one at "
                               "random (applies at once)");
  gtk_box_append (GTK_BOX (self->td_box), GTK_WIDGET (self->ties_check));

  gb_form_heading (gb, "View");
  self->numbers_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic ("_Numbers in the cells"));
  self->q_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic ("_Q(s, a) as triangles"));
  gtk_box_append (gb, GTK_WIDGET (self->numbers_check));
  gtk_box_append (gb, GTK_WIDGET (self->q_check));

  gb_form_heading (gb, "Compare");
  static const char *const tds[] = { "with Q-learning", "with SARSA", "with expected SARSA", NULL };
  self->algo_b_drop = gb_form_drop_down (tds, "Second algorithm", "The algorithm to compare the chosen one with");
  gtk_drop_down_set_selected (self->algo_b_drop, 1);
  gtk_box_append (gb, GTK_WIDGET (self->algo_b_drop));
  f = gb_form_grid (gb);
  self->cmp_seeds = gb_form_spin_row (f, 0, "Seeds", "Seeds to average over", 1, 100, 1, 0, 10, "Runs to average the curves over");
  self->cmp_episodes = gb_form_spin_row (f, 1, "Episodes", "Episodes to compare", 10, 100000, 10, 0, 500, "Episodes a run");
  self->compare_button = GTK_BUTTON (button ("Co_mpare", "Train both on this map from the same seeds and draw them side by side",
                                             "rl.compare"));
  gtk_box_append (gb, GTK_WIDGET (self->compare_button));
  self->cmp_progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (gb, GTK_WIDGET (self->cmp_progress));
  gb_form_heading (gb, "Edit the map");
  self->edit_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("Edi_t mode"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->edit_toggle),
                               "Click or drag on the grid to paint cells with the brush (learning starts over)");
  gtk_box_append (gb, GTK_WIDGET (self->edit_toggle));
  static const char *const brushes[] = { "Wall", "Empty", "Start", "Goal", "Pit", "Cliff", NULL };
  self->brush_drop = gb_form_drop_down (brushes, "Brush", "What a click paints");
  gtk_box_append (gb, GTK_WIDGET (self->brush_drop));
  f = gb_form_grid (gb);
  self->r_step = gb_form_spin_row (f, 0, "Step reward", "Step reward", -100, 100, 0.01, 3, -0.04, "Reward of every move");
  self->r_goal = gb_form_spin_row (f, 1, "Goal reward", "Goal reward", -1000, 1000, 0.1, 2, 1, "Added on entering a goal");
  self->r_pit = gb_form_spin_row (f, 2, "Pit reward", "Pit reward", -1000, 1000, 0.1, 2, -1, "Added on entering a pit");
  self->r_cliff = gb_form_spin_row (f, 3, "Cliff reward", "Cliff reward", -1000, 1000, 1, 1, -100,
                            "Added on entering the cliff, which sends the agent back to the start");
  GtkWidget *save_map = gtk_button_new_with_mnemonic ("Sa_ve map…");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save_map), "rl.save-map");
  gtk_widget_set_tooltip_text (save_map, "Save the map as a text file");
  gtk_box_append (gb, save_map);

  gtk_box_append (box, self->grid_box);

  /* Cart-pole. */
  self->cart_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  f = gb_form_grid (GTK_BOX (self->cart_box));
  self->cart_lr = gb_form_spin_row (f, 0, "Learning rate", "Learning rate", 0.0001, 1, 0.005, 4, 0.05, "Adam's step size");
  self->cart_gamma = gb_form_spin_row (f, 1, "Discount", "Discount of the returns", 0, 1, 0.01, 3, 0.99, "γ of the returns G_t");
  self->drive_toggle = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("Dri_ve with ← →"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->drive_toggle),
                               "A live episode in real time: hold ← or → to push the cart, let go and the policy acts");
  gtk_box_append (GTK_BOX (self->cart_box), GTK_WIDGET (self->drive_toggle));
  gtk_box_append (box, self->cart_box);

  /* Seed, applies on Reset. */
  f = gb_form_grid (box);
  self->seed = gb_form_spin_row (f, 0, "Seed", "Random seed", 0, 1e9, 1, 0, 1, "Random seed (applies on Reset)");

  GtkWidget *scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), GTK_WIDGET (box));
  gtk_widget_set_size_request (scroller, 300, -1);
  gtk_widget_add_css_class (scroller, "rl-sidebar");
  return scroller;
}

static GtkWidget *
build_controls (GbRlPage *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (row, "toolbar-row");
  self->step_button = GTK_BUTTON (button ("_Step", "One sweep, one action, or one cart-pole episode", "rl.step"));
  self->back_button = GTK_BUTTON (button ("Step _back", "Undo the last sweep or action (a bounded history)", "rl.back"));
  self->episode_button = GTK_BUTTON (button ("_Episode", "", "rl.episode"));
  self->play_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic ("_Play"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button), "Run at the chosen speed; again to pause");
  g_signal_connect (self->play_button, "toggled", G_CALLBACK (play_toggled_cb), self);
  self->reset_button = GTK_BUTTON (button ("_Reset", "Start learning over (new seed and parameters)", "rl.reset"));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->step_button));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->back_button));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->episode_button));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->play_button));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->reset_button));
  GtkWidget *l = gtk_label_new_with_mnemonic ("Spee_d");
  gtk_widget_set_margin_start (l, 12);
  gtk_box_append (GTK_BOX (row), l);
  self->speed = GTK_SCALE (gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, N_SPEEDS - 1, 1));
  gtk_scale_set_draw_value (self->speed, FALSE);
  gtk_range_set_value (GTK_RANGE (self->speed), 3);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), GTK_WIDGET (self->speed));
  gtk_widget_set_size_request (GTK_WIDGET (self->speed), 140, -1);
  gb_form_accessible_label (GTK_WIDGET (self->speed), "Speed");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed), "From one step a second to as fast as possible");
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->speed));
  self->speed_label = GTK_LABEL (gtk_label_new (""));
  gtk_widget_set_size_request (GTK_WIDGET (self->speed_label), 110, -1);
  gtk_label_set_xalign (self->speed_label, 0);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (self->speed_label));
  return row;
}

static void
hover_draw_cb (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  GdkRGBA fg;
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
G_GNUC_END_IGNORE_DEPRECATIONS
  GbRgb col = { fg.red, fg.green, fg.blue };
  g_auto (GStrv) lines = g_strsplit (self->hover_text ? self->hover_text : "", "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    gb_paint_text (cr, 0, i * 16.0, lines[i], 12, &col, GB_ALIGN_LEFT, FALSE);
}

static GtkWidget *
info_label (void)
{
  GtkWidget *l = gtk_label_new ("");
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_label_set_yalign (GTK_LABEL (l), 0);
  gtk_widget_set_valign (l, GTK_ALIGN_FILL);
  gtk_label_set_selectable (GTK_LABEL (l), TRUE);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  gtk_widget_set_hexpand (l, TRUE);
  gtk_widget_add_css_class (l, "numeric");
  gtk_widget_add_css_class (l, "rl-info");
  return l;
}

static void
build (GbRlPage *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *main = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_hexpand (main, TRUE);
  gtk_box_append (GTK_BOX (main), build_controls (self));
  GtkWidget *status_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_add_css_class (status_row, "rl-status");
  self->status_label = GTK_LABEL (gtk_label_new (""));
  gtk_label_set_xalign (self->status_label, 0);
  gtk_label_set_ellipsize (self->status_label, PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status_label), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "numeric");
  gtk_box_append (GTK_BOX (status_row), GTK_WIDGET (self->status_label));
  self->switcher = GTK_STACK_SWITCHER (gtk_stack_switcher_new ());
  gtk_box_append (GTK_BOX (status_row), GTK_WIDGET (self->switcher));
  gtk_box_append (GTK_BOX (main), status_row);

  self->views = GTK_STACK (gtk_stack_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (self->views), TRUE);
  gtk_stack_switcher_set_stack (self->switcher, self->views);

  /* The grid: canvas, what the pointer is on, and the plots. */
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->grid_area = canvas (self, paint_grid, "Gridworld");
  gtk_widget_set_size_request (GTK_WIDGET (self->grid_area), 300, 260);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (self->grid_area));
  GtkWidget *infos = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 18);
  gtk_widget_add_css_class (infos, "rl-infos");
  /* A fixed height: texts of different lengths do not move the canvas (a resize would redraw it all). */
  gtk_widget_set_size_request (infos, -1, 128);
  self->hover_area = GTK_DRAWING_AREA (gtk_drawing_area_new ());
  gtk_widget_set_size_request (GTK_WIDGET (self->hover_area), 440, -1);
  gtk_drawing_area_set_draw_func (self->hover_area, hover_draw_cb, self, NULL);
  self->hover_text = g_strdup ("Hover a cell for its values and transitions.");
  self->explain_label = GTK_LABEL (info_label ());
  gtk_box_append (GTK_BOX (infos), GTK_WIDGET (self->hover_area));
  gtk_box_append (GTK_BOX (infos), GTK_WIDGET (self->explain_label));
  gtk_box_append (GTK_BOX (top), infos);
  gtk_paned_set_start_child (GTK_PANED (paned), top);
  self->plots_area = canvas (self, paint_plots, "Learning curves");
  gtk_widget_set_size_request (GTK_WIDGET (self->plots_area), 300, 150);
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->plots_area));
  gtk_paned_set_resize_end_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (paned), FALSE);
  gtk_stack_add_titled (self->views, paned, "grid", "Agent");

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->grid_area), motion);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->grid_area), GTK_EVENT_CONTROLLER (drag));
  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (grid_key_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->grid_area), keys);

  self->compare_view = g_object_new (GB_TYPE_RL_COMPARE_VIEW, NULL);
  g_signal_connect (self->compare_view, "notify::running", G_CALLBACK (compare_running_cb), self);
  g_signal_connect (self->compare_view, "notify::fraction", G_CALLBACK (compare_fraction_cb), self);
  g_signal_connect (self->compare_view, "finished", G_CALLBACK (compare_finished_cb), self);
  g_signal_connect (self->compare_view, "message", G_CALLBACK (compare_message_cb), self);
  gtk_stack_add_titled (self->views, GTK_WIDGET (self->compare_view), "compare", "Compare");

  self->cart_view = g_object_new (GB_TYPE_RL_CART_VIEW, NULL);
  gb_rl_cart_view_set_frame_stats (self->cart_view, self->stats);
  g_signal_connect (self->cart_view, "notify::driving", G_CALLBACK (driving_cb), self);
  gtk_stack_add_titled (self->views, GTK_WIDGET (self->cart_view), "cartpole", "Cart-pole");

  gtk_box_append (GTK_BOX (main), GTK_WIDGET (self->views));
  gtk_box_append (GTK_BOX (self), build_sidebar (self));
  gtk_box_append (GTK_BOX (self), main);

  g_signal_connect (self->env_drop, "notify::selected", G_CALLBACK (env_changed_cb), self);
  g_signal_connect (self->algo_drop, "notify::selected", G_CALLBACK (algo_changed_cb), self);
  g_signal_connect (self->gamma, "value-changed", G_CALLBACK (td_params_changed_cb), self);
  g_signal_connect (self->alpha, "value-changed", G_CALLBACK (td_params_changed_cb), self);
  g_signal_connect (self->epsilon, "value-changed", G_CALLBACK (td_params_changed_cb), self);
  g_signal_connect (self->decay, "value-changed", G_CALLBACK (td_params_changed_cb), self);
  g_signal_connect (self->slip, "value-changed", G_CALLBACK (slip_changed_cb), self);
  g_signal_connect (self->ties_check, "toggled", G_CALLBACK (ties_toggled_cb), self);
  for (GtkSpinButton **r = (GtkSpinButton *[]) { self->r_step, self->r_goal, self->r_pit, self->r_cliff, NULL }; *r; r++)
    g_signal_connect (*r, "value-changed", G_CALLBACK (rewards_changed_cb), self);
  g_signal_connect (self->cart_lr, "value-changed", G_CALLBACK (cart_params_cb), self);
  g_signal_connect (self->cart_gamma, "value-changed", G_CALLBACK (cart_params_cb), self);
  g_signal_connect (self->speed, "value-changed", G_CALLBACK (speed_changed_cb), self);
  g_signal_connect (self->drive_toggle, "toggled", G_CALLBACK (drive_toggled_cb), self);
  g_signal_connect (self->numbers_check, "toggled", G_CALLBACK (redraw_cb), self);
  g_signal_connect (self->q_check, "toggled", G_CALLBACK (redraw_cb), self);
}

static void
gb_rl_page_dispose (GObject *object)
{
  GbRlPage *self = GB_RL_PAGE (object);
  gb_rl_page_stop (GB_PAGE (self));
  /* The views go with the page's children, after this. */
  if (self->cart_view != NULL)
    gb_rl_cart_view_set_frame_stats (self->cart_view, NULL);
  self->cart_view = NULL;
  self->compare_view = NULL;
  if (self->stats != NULL)
    {
      g_autofree char *steps = g_strdup_printf ("%" G_GINT64_FORMAT " TD steps", self->steps);
      gb_frame_stats_print (self->stats, "copying the tables out", steps);
      g_clear_pointer (&self->stats, gb_frame_stats_free);
    }
  G_OBJECT_CLASS (gb_rl_page_parent_class)->dispose (object);
}

static void
gb_rl_page_finalize (GObject *object)
{
  GbRlPage *self = GB_RL_PAGE (object);
  clear_learner (self);
  gb_grid_free (self->grid);
  g_free (self->map_name);
  g_free (self->opened_text);
  g_free (self->opened_name);
  g_free (self->hover_text);
  g_free (self->V), g_free (self->V_shown), g_free (self->Q), g_free (self->V_before);
  g_free (self->pi), g_free (self->flash), g_free (self->records);
  g_array_unref (self->trail);
  g_array_unref (self->returns), g_array_unref (self->lengths);
  g_array_unref (self->err_x), g_array_unref (self->err_y);
  g_clear_pointer (&self->cart, gb_reinforce_free);
  g_clear_pointer (&self->runner, gb_rl_runner_free);
  G_OBJECT_CLASS (gb_rl_page_parent_class)->finalize (object);
}

/* --- GbPage --- */

static void
page_files (GbPage *page, GbPageFileKind kind, GbPageFiles *out)
{
  GbRlPage *self = GB_RL_PAGE (page);
  if (kind == GB_PAGE_EXPORT)
    gb_page_files_export (out, gb_rl_page_export_name (self), FALSE);
  else if (kind == GB_PAGE_OPEN)
    *out = (GbPageFiles) { .title = "Open a Map or Session",
                           .filters = { { "Maps and sessions", { "*.txt", "*.map", "*.session", "*.policy" } },
                                        { "All files", { "*" } } } };
  else
    *out = (GbPageFiles) { .title = "Save the Session",
                           .name = cart_mode (self) ? "cartpole.policy" : "gridworld.session" };
}

static void
page_iface_init (GbPageInterface *iface)
{
  iface->open = gb_rl_page_open;
  iface->save = gb_rl_page_save_session;
  iface->export = gb_rl_page_export;
  iface->files = page_files;
  iface->stop = gb_rl_page_stop;
}

static gboolean
save_map (GbPage *page, const char *path, GError **error)
{
  return gb_rl_page_save_map (GB_RL_PAGE (page), path, error);
}

static void
save_map_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbPageFiles files = { .title = "Save the Map", .name = "map.txt" };
  gb_page_run_save_dialog (GB_PAGE (widget), &files, save_map);
}

static void
gb_rl_page_class_init (GbRlPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = gb_rl_page_dispose;
  object_class->finalize = gb_rl_page_finalize;
  widget_class->realize = gb_rl_page_realize;
  widget_class->unrealize = gb_rl_page_unrealize;
  gtk_widget_class_install_action (widget_class, "rl.step", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "rl.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "rl.episode", NULL, episode_action);
  gtk_widget_class_install_action (widget_class, "rl.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "rl.compare", NULL, compare_action);
  gtk_widget_class_install_action (widget_class, "rl.save-map", NULL, save_map_action);
  gtk_widget_class_set_css_name (widget_class, "rlpage");
}

static void
gb_rl_page_init (GbRlPage *self)
{
  self->runner = gb_rl_runner_new ();
  self->trail = g_array_new (FALSE, FALSE, sizeof (int));
  self->returns = g_array_new (FALSE, FALSE, sizeof (double));
  self->lengths = g_array_new (FALSE, FALSE, sizeof (double));
  self->err_x = g_array_new (FALSE, FALSE, sizeof (double));
  self->err_y = g_array_new (FALSE, FALSE, sizeof (double));
  self->stats = gb_frame_stats_new ("rl-frame-stats", "frames while playing", "canvases' painting");
  gb_frame_stats_set_counting (self->stats, FALSE);
  self->hover = -1;
  self->selected = -1;
  self->edit_cursor = -1;
  self->bucket = 1;
  gb_palette_init (&self->pal, FALSE);
  build (self);
  self->algo = ALGO_VI;
  GbGrid *g = gb_grid_preset (env_keys[0], NULL);
  install_grid (self, g, g->name);
  show_mode (self);
  speed_changed_cb (GTK_RANGE (self->speed), self);
}
