/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page.c — the Reinforcement learning page.
 *
 * A shell (resources/ui/gb-rl-page.ui): the sidebar and the toolbar, and the
 * view tabs — on gridworlds the learner (GbRlGridView) and Compare
 * (GbRlCompareView); on cart-pole (gb-rl-page-cart.c) the cart (GbRlCartView),
 * the Q-network, the gradient's variance, the short corridor and Compare. The
 * page owns the map (a GbGrid), its learner (GbGridLearner) and the runner; the
 * cart-pole view owns its agent. Slow speeds step the
 * learner on the main loop, one sweep or action at a time, keeping the trail
 * and the numbers of each update; fast speeds hand the agent to the runner's
 * worker and the frame clock copies the latest tables out at the screen's
 * rate. Parameters change under the runner's lock, so they apply while the
 * agent runs.
 */
#include "gb-rl-page-private.h"
#include <glib/gi18n.h>

#include "gb-settings.h"

#include <math.h>
#include <string.h>


static const char *const env_keys[] = { "4x3", "cliff", "frozenlake4", "frozenlake8", "maze" };
/* Steps (or sweeps, or episodes) a second; 0: as fast as possible. */
static const double speeds[] = { 1, 2, 5, 10, 30, 100, 1000, 1e4, 1e5, 1e6, 0 };
#define N_SPEEDS G_N_ELEMENTS (speeds)
/* TD speeds above this run on the worker thread. */
#define MAIN_LOOP_MAX_RATE 1000.0
#define HISTORY 2000


static void page_iface_init (GbPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GbRlPage, gb_rl_page, GTK_TYPE_BOX, G_IMPLEMENT_INTERFACE (GB_TYPE_PAGE, page_iface_init))

enum { PROP_0, PROP_PLAYING, N_PROPS };
static GParamSpec *props[N_PROPS];


void
gb_rl_page_message (GbRlPage *self, const char *text)
{
  gb_page_message (GB_PAGE (self), text);
}

gboolean
gb_rl_page_cart_mode (GbRlPage *self)
{
  return gtk_drop_down_get_selected (self->env_drop) == ENV_CARTPOLE;
}

static GbLearnAlgo
algo (GbRlPage *self)
{
  return (GbLearnAlgo) MIN (gtk_drop_down_get_selected (self->algo_drop), GB_LEARN_N - 1);
}

static double
rate (GbRlPage *self)
{
  guint i = (guint) CLAMP (round (gtk_range_get_value (GTK_RANGE (self->speed))), 0, N_SPEEDS - 1);
  return speeds[i];
}

/* --- showing the learner --- */

/* The status line: at most five times a second while playing (its text is read, not watched). */
static void
show_status (GbRlPage *self)
{
  gint64 now = g_get_monotonic_time ();
  if (self->learner == NULL || gb_rl_page_cart_mode (self) || (self->playing && now - self->status_us < 200000))
    return;
  self->status_us = now;
  g_autofree char *status = gb_grid_learner_status (self->learner);
  gtk_label_set_text (self->status_label, status);
}

void
gb_rl_page_refresh (GbRlPage *self)
{
  gb_rl_grid_view_refresh (self->grid_view, FALSE);
  show_status (self);
}

/* --- actions --- */

/* One sweep or action on the main loop (the worker is stopped). */
static gboolean
learner_step (GbRlPage *self)
{
  gb_rl_runner_lock (self->runner);
  gboolean ok = gb_grid_learner_step (self->learner);
  gb_rl_runner_unlock (self->runner);
  return ok;
}

static void
step_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  if (gb_rl_page_cart_mode (self))
    {
      if (!self->playing)
        gb_rl_cart_view_step (self->cart_view);
      return;
    }
  gb_rl_page_set_playing (self, FALSE);
  if (self->learner != NULL && !learner_step (self))
    gb_rl_page_message (self, _("Converged: another sweep changes nothing (Reset to start again)"));
  gb_rl_page_refresh (self);
}

static void
back_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  if (gb_rl_page_cart_mode (self))
    {
      gb_rl_cart_view_step_back (self->cart_view);   /* back one step through the replayed episode */
      return;
    }
  gb_rl_page_set_playing (self, FALSE);
  if (self->learner == NULL)
    return;
  gb_rl_runner_lock (self->runner);
  gboolean ok = gb_grid_learner_back (self->learner);
  gb_rl_runner_unlock (self->runner);
  if (!ok)
    gb_rl_page_message (self, _("Nothing left to step back through: the history keeps the last steps taken one at a time"));
  gb_rl_page_refresh (self);
}

static void
episode_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  if (gb_rl_page_cart_mode (self))
    {
      step_action (widget, name, param);
      return;
    }
  gb_rl_page_set_playing (self, FALSE);
  if (self->learner == NULL)
    return;
  gb_rl_runner_lock (self->runner);
  gb_grid_learner_episode (self->learner);
  gb_rl_runner_unlock (self->runner);
  gb_rl_page_refresh (self);
}


static void
reset_action (GtkWidget *widget, const char *name, GVariant *param)
{
  gb_rl_page_reset_run (GB_RL_PAGE (widget));
}

/* --- playing --- */

static gboolean
tick_cb (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double dt = self->last_frame_us ? CLAMP ((now - self->last_frame_us) / 1e6, 0.0, 0.1) : 1.0 / 60;
  self->last_frame_us = now;
  /* The cart-pole view follows its episodes on its own tick. */
  if (!self->playing || gb_rl_page_cart_mode (self) || self->learner == NULL)
    {
      self->tick_id = 0;
      self->last_frame_us = 0;
      return G_SOURCE_REMOVE;
    }
  double r = rate (self);
  GbGridLearner *l = self->learner;
  if (l->dp != NULL)
    {
      gint64 t0 = g_get_monotonic_time ();
      self->due += r > 0 ? r * dt : 1e9;
      while (self->due >= 1.0 && !l->dp->done && (g_get_monotonic_time () - t0) < 6000)
        {
          gb_grid_learner_step (l);
          self->due -= 1.0;
        }
      self->due = MIN (self->due, 1.0);
    }
  else if (!gb_rl_runner_is_running (self->runner))
    {
      self->due += r * dt;
      for (; self->due >= 1.0; self->due -= 1.0)
        learner_step (self);
    }
  gint64 r0 = g_get_monotonic_time ();
  gb_rl_grid_view_refresh (self->grid_view, TRUE);
  gb_frame_stats_add_extra (self->stats, (g_get_monotonic_time () - r0) / 1000.0);
  show_status (self);
  if (l->dp != NULL && l->dp->done)
    gb_rl_page_set_playing (self, FALSE);
  return G_SOURCE_CONTINUE;
}

void
gb_rl_page_set_playing (GbRlPage *self, gboolean playing)
{
  if (self->playing == playing && (playing || !gb_rl_runner_is_running (self->runner)))
    return;
  gboolean changed = self->playing != playing;
  self->playing = playing;
  gb_frame_stats_set_counting (self->stats, playing);
  gb_rl_cart_view_set_playing (self->cart_view, playing);
  gb_rl_runner_stop (self->runner);
  self->due = 0;
  if (playing)
    {
      double r = rate (self);
      if (gb_rl_page_cart_mode (self))
        gb_rl_runner_start (self->runner, gb_rl_cart_view_run_episode, self->cart_view, r, 1);
      else if (self->learner != NULL && self->learner->agent != NULL && (r == 0 || r > MAIN_LOOP_MAX_RATE))
        {
          g_array_set_size (self->learner->trail, 0);
          gb_rl_runner_start (self->runner, gb_grid_learner_run, self->learner, r, 10000);
        }
      if (self->tick_id == 0 && !gb_rl_page_cart_mode (self))
        self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
    }
  gtk_button_set_label (GTK_BUTTON (self->play_button), playing ? _("_Pause") : _("_Play"));
  if (!playing)
    gb_rl_page_refresh (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PLAYING]);
}

/* Play as the user asks for it (rl.play): not after dynamic programming converged. */
static void
play (GbRlPage *self, gboolean playing)
{
  if (playing && !gb_rl_page_cart_mode (self) && self->learner != NULL && self->learner->dp != NULL && self->learner->dp->done)
    {
      gb_rl_page_message (self, _("Converged: press Reset to run the sweeps again"));
      return;
    }
  gb_rl_cart_view_follow (self->cart_view);
  gb_rl_page_set_playing (self, playing);
}

static void
speed_changed_cb (GtkRange *range, GbRlPage *self)
{
  double r = rate (self);
  gboolean dp = self->learner != NULL && self->learner->dp != NULL;
  g_autofree char *text = r == 0 ? g_strdup (_("as fast as possible"))
                                 : g_strdup_printf (gb_rl_page_cart_mode (self) ? _("%g episodes/s") : dp ? _("%g sweeps/s") : _("%g steps/s"), r);
  gtk_label_set_text (self->speed_label, text);
  if (self->playing)
    {
      self->playing = FALSE;
      gb_rl_page_set_playing (self, TRUE);
    }
}

/* --- building the learner --- */

void
gb_rl_page_read_td_config (GbRlPage *self, GbTdConfig *c, GbLearnAlgo a)
{
  gb_td_config_init (c);
  c->algo = gb_learn_td_algo (a);
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
  gb_rl_runner_stop (self->runner);
  gb_rl_grid_view_set_learner (self->grid_view, NULL, NULL);
  g_clear_pointer (&self->learner, gb_grid_learner_free);
}





/* A new learner for the map and algorithm on show (learning starts over). */
void
gb_rl_page_reset_run (GbRlPage *self)
{
  gboolean was_playing = self->playing;
  gb_rl_page_set_playing (self, FALSE);
  if (gb_rl_page_cart_mode (self))
    {
      gb_rl_page_cart_reset (self);
      return;
    }
  /* Policy iteration and evaluation start from the policy on show (Up everywhere at first). */
  int n;
  const double *V, *Q;
  const int *pi;
  gb_rl_grid_view_tables (self->grid_view, &n, &V, &Q, &pi);
  g_autofree int *old_pi = self->learner != NULL && n == self->grid->mdp->n_states ? g_memdup2 (pi, n * sizeof (int)) : NULL;
  clear_learner (self);
  GbTdConfig c;
  gb_rl_page_read_td_config (self, &c, algo (self));
  g_autoptr (GError) error = NULL;
  self->learner = gb_grid_learner_new (self->grid, algo (self), &c, old_pi, HISTORY, &error);
  if (self->learner == NULL)
    {
      gb_rl_page_message (self, error->message);
      return;
    }
  gb_rl_grid_view_set_learner (self->grid_view, self->learner, self->runner);
  show_status (self);
  if (was_playing)
    gb_rl_page_set_playing (self, TRUE);
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
  g_autofree char *text = g_strdup_printf (_("%s — %d × %d, %d states"), self->map_name, self->grid->rows,
                                           self->grid->cols, self->grid->mdp->n_states);
  gtk_label_set_text (self->map_label, text);
}

void
gb_rl_page_install_grid (GbRlPage *self, GbGrid *grid, const char *name)
{
  gb_rl_page_set_playing (self, FALSE);
  clear_learner (self);
  gb_grid_free (self->grid);
  self->grid = grid;
  g_free (self->map_name);
  self->map_name = g_strdup (name);
  sync_controls_to_map (self);
  gb_rl_page_reset_run (self);
}

void
gb_rl_page_show_mode (GbRlPage *self)
{
  gboolean cart = gb_rl_page_cart_mode (self), dp = !gb_learn_is_td (algo (self));
  gb_rl_page_set_playing (self, FALSE);
  gtk_widget_set_visible (self->grid_box, !cart);
  gtk_widget_set_visible (self->cart_box, cart);
  static const char *const grid_pages[] = { "grid", "compare" };
  for (guint i = 0; i < G_N_ELEMENTS (grid_pages); i++)
    gtk_stack_page_set_visible (gtk_stack_get_page (self->views, gtk_stack_get_child_by_name (self->views, grid_pages[i])), !cart);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, GTK_WIDGET (self->cart_view)), cart);
  gb_rl_page_cart_tabs (self);
  gtk_stack_set_visible_child_name (self->views, cart ? "cartpole" : "grid");
  if (cart)
    gtk_label_set_text (self->status_label, _("Cart-pole (CartPole-v1): policy gradients or deep Q-learning"));
  gtk_widget_set_visible (self->td_box, !cart && !dp);
  gtk_widget_set_sensitive (GTK_WIDGET (self->alpha), !dp);
  gtk_button_set_label (self->step_button, cart ? _("_Step (an episode)") : dp ? _("_Step (a sweep)") : _("_Step (an action)"));
  gtk_button_set_label (self->episode_button, cart ? _("_Episode") : dp ? _("_Converge") : _("_Episode"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->episode_button),
                               cart ? _("Learn from one more episode")
                               : dp ? _("Sweep until the Bellman residual is below 1e-6")
                                    : _("Run the agent to the end of this episode, step by step"));
  speed_changed_cb (GTK_RANGE (self->speed), self);
}

static void
env_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbRlPage *self)
{
  if (self->updating)
    return;
  guint i = gtk_drop_down_get_selected (drop);
  gb_rl_page_set_playing (self, FALSE);
  if (i < N_PRESETS || (i == ENV_OPENED && self->opened != NULL))
    {
      g_autoptr (GError) error = NULL;
      GbGrid *g = i < N_PRESETS ? gb_grid_preset (env_keys[i], &error)
                                : gb_grid_copy (self->opened, self->opened->name);
      if (g == NULL)
        {
          gb_rl_page_message (self, error->message);
          return;
        }
      gb_rl_page_install_grid (self, g, g->name);
    }
  else
    {
      self->cart_shipped = TRUE;   /* cart-pole opens balancing */
      gb_rl_page_reset_run (self);
    }
  gb_rl_page_show_mode (self);
}

/* The World drop-down names the map just opened (its own last entry), and
 * keeps it to go back to after a preset. */
void
gb_rl_page_show_opened (GbRlPage *self, const GbGrid *grid, const char *name)
{
  gb_grid_free (self->opened);
  self->opened = gb_grid_copy (grid, name);   /* the file's name */
  GtkStringList *list = GTK_STRING_LIST (gtk_drop_down_get_model (self->env_drop));
  g_autofree char *label = g_strdup_printf (_("Opened: %s"), name);
  const char *const items[] = { label, NULL };
  gtk_string_list_splice (list, ENV_OPENED, g_list_model_get_n_items (G_LIST_MODEL (list)) - ENV_OPENED, items);
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->env_drop, ENV_OPENED);
  self->updating = FALSE;
}

static void
algo_changed_cb (GtkDropDown *drop, GParamSpec *pspec, GbRlPage *self)
{
  if (self->updating)
    return;
  if (self->grid != NULL)
    gb_rl_page_reset_run (self);
  gb_rl_page_show_mode (self);
}

/* --- parameters that apply while the agent runs --- */

static void
td_params_changed_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->grid == NULL)
    return;
  g_autoptr (GError) error = NULL;
  double gamma = gtk_spin_button_get_value (self->gamma);
  gb_rl_runner_lock (self->runner);
  gboolean ok = gb_mdp_set_gamma (self->grid->mdp, gamma, &error);
  if (ok)
    self->grid->gamma = gamma;
  GbGridLearner *l = self->learner;
  if (ok && l != NULL && l->agent != NULL)
    {
      ok = gb_td_agent_set_params (l->agent, gtk_spin_button_get_value (self->alpha), gamma,
                                   gtk_spin_button_get_value (self->epsilon), &error);
      l->agent->config.epsilon_decay = gtk_spin_button_get_value (self->decay);
      l->agent->config.first_of_ties = gtk_check_button_get_active (self->ties_check);
    }
  if (ok && l != NULL && l->dp != NULL)
    l->dp->done = FALSE;   /* a new γ: the sweeps go on from the values they have */
  gb_rl_runner_unlock (self->runner);
  if (!ok)
    gb_rl_page_message (self, error->message);
  gb_rl_page_refresh (self);
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
  gb_rl_runner_lock (self->runner);
  gboolean ok = gb_grid_set_slip (self->grid, gtk_spin_button_get_value (spin), &error);
  if (ok && self->learner != NULL)
    gb_grid_learner_set_mdp (self->learner);
  gb_rl_runner_unlock (self->runner);
  if (!ok)
    gb_rl_page_message (self, error->message);
  gb_rl_page_refresh (self);
}

/* --- editing the map --- */

static void
rewards_changed_cb (GtkSpinButton *spin, GbRlPage *self)
{
  if (self->updating || self->grid == NULL)
    return;
  g_autoptr (GError) error = NULL;
  gb_rl_page_set_playing (self, FALSE);
  gb_rl_runner_stop (self->runner);
  if (!gb_grid_set_rewards (self->grid, gtk_spin_button_get_value (self->r_step), gtk_spin_button_get_value (self->r_goal),
                            gtk_spin_button_get_value (self->r_pit), gtk_spin_button_get_value (self->r_cliff), &error))
    gb_rl_page_message (self, error->message);
  gb_rl_page_reset_run (self);
}

static void
paint_cell_cb (GbRlGridView *view, int r, int c, GbRlPage *self)
{
  static const GbCell brushes[] = { GB_CELL_WALL, GB_CELL_EMPTY, GB_CELL_START, GB_CELL_GOAL, GB_CELL_PIT, GB_CELL_CLIFF };
  GbCell kind = brushes[MIN (gtk_drop_down_get_selected (self->brush_drop), G_N_ELEMENTS (brushes) - 1)];
  if (self->grid == NULL || self->grid->cells[r * self->grid->cols + c] == kind)
    return;
  gb_rl_page_set_playing (self, FALSE);
  gb_rl_runner_stop (self->runner);
  g_autoptr (GError) error = NULL;
  GbGridLearner *old = g_steal_pointer (&self->learner);   /* its MDP goes with the cell */
  gb_rl_grid_view_set_learner (self->grid_view, NULL, NULL);
  gb_grid_learner_free (old);
  if (!gb_grid_set_cell (self->grid, r, c, kind, &error))
    gb_rl_page_message (self, error->message);
  else if (!g_str_has_suffix (self->map_name, " (edited)"))
    {
      char *name = g_strconcat (self->map_name, " (edited)", NULL);
      g_free (self->map_name);
      self->map_name = name;
    }
  sync_controls_to_map (self);
  gb_rl_page_reset_run (self);
}

/* --- compare --- */

static void
compare_running_cb (GbRlCompareView *view, GParamSpec *pspec, GbRlPage *self)
{
  gtk_button_set_label (self->compare_button,
                        gb_rl_compare_view_is_running (view) ? _("Cancel co_mparing") : _("Co_mpare"));
}

static void
compare_finished_cb (GbRlCompareView *view, GbRlPage *self)
{
  gtk_stack_set_visible_child_name (self->views, "compare");
}

static void
compare_message_cb (GbRlCompareView *view, const char *text, GbRlPage *self)
{
  gb_rl_page_message (self, text);
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
  if (!gb_learn_is_td (algo (self)))
    {
      gb_rl_page_message (self, _("Compare runs two TD agents: choose Q-learning, SARSA or expected SARSA as the algorithm"));
      return;
    }
  GbTdConfig a, b;
  GbLearnAlgo algo_b = GB_LEARN_Q_LEARNING + (int) gtk_drop_down_get_selected (self->algo_b_drop);
  gb_rl_page_read_td_config (self, &a, algo (self));
  gb_rl_page_read_td_config (self, &b, algo_b);
  g_autofree char *map = gb_grid_to_text (self->grid);
  gb_rl_compare_view_start (self->compare_view, map, &a, _(gb_learn_titles[algo (self)]), &b, _(gb_learn_titles[algo_b]),
                            gtk_spin_button_get_value_as_int (self->cmp_seeds),
                            gtk_spin_button_get_value_as_int (self->cmp_episodes));
}

static void
gb_rl_page_stop (GbPage *page)
{
  GbRlPage *self = GB_RL_PAGE (page);
  gb_rl_page_set_playing (self, FALSE);
  gb_rl_runner_stop (self->runner);
  if (self->compare_view != NULL)
    gb_rl_compare_view_cancel (self->compare_view);
  if (self->cart_compare_view != NULL)
    gb_rl_cart_compare_view_cancel (self->cart_compare_view);
}

static GbTable *
page_table (GbPage *page, gboolean selection)
{
  return gb_rl_page_tab_table (GB_RL_PAGE (page), selection);
}

static const char *
page_help_topic (GbPage *page)
{
  return gb_rl_page_cart_mode (GB_RL_PAGE (page)) ? "cartpole" : "rl";
}

static void
page_iface_init (GbPageInterface *iface)
{
  iface->help_topic = page_help_topic;
  iface->table = page_table;
  iface->apply_lesson = gb_rl_page_apply_lesson;
  iface->save_lesson = gb_rl_page_save_lesson;
  iface->end_lesson = gb_rl_page_end_lesson;
  iface->open = gb_rl_page_open;
  iface->save = gb_rl_page_save_session;
  iface->export = gb_rl_page_export;
  iface->files = gb_rl_page_files;
  iface->stop = gb_rl_page_stop;
}

/* --- the object --- */

static void
gb_rl_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  g_value_set_boolean (value, GB_RL_PAGE (object)->playing);
}

static void
gb_rl_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  play (GB_RL_PAGE (object), g_value_get_boolean (value));
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

/* The page's settings are remembered as the latent page's are: the world
 * (a preset), the algorithm and its parameters, the view, the comparison,
 * the seed and the speed. A map's own γ, slip and rewards come with it. */
static void
bind_settings (GbRlPage *self)
{
  static const char *const worlds[] = { "4x3", "cliff", "frozenlake4", "frozenlake8", "maze", "cartpole" };
  static const char *const others[] = { "q-learning", "sarsa", "expected-sarsa" };
  G_STATIC_ASSERT (G_N_ELEMENTS (worlds) == ENV_CARTPOLE + 1);
  GSettings *s = self->settings = gb_settings_new ();
  gb_settings_bind_spin (s, "rl-alpha", self->alpha);
  gb_settings_bind_spin (s, "rl-epsilon", self->epsilon);
  gb_settings_bind_spin (s, "rl-epsilon-decay", self->decay);
  gb_settings_bind_spin (s, "rl-seed", self->seed);
  gb_settings_bind_spin (s, "rl-compare-seeds", self->cmp_seeds);
  gb_settings_bind_spin (s, "rl-compare-episodes", self->cmp_episodes);
  gb_settings_bind_range (s, "rl-speed", GTK_RANGE (self->speed));
  g_settings_bind (s, "rl-first-of-ties", self->ties_check, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "rl-numbers", self->numbers_check, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (s, "rl-show-q", self->q_check, "active", G_SETTINGS_BIND_DEFAULT);
  gb_settings_bind_drop (s, "rl-compare-with", self->algo_b_drop, others, G_N_ELEMENTS (others));
  gb_settings_bind_drop (s, "rl-algorithm", self->algo_drop, gb_learn_keys, GB_LEARN_N);
  gb_settings_bind_drop (s, "rl-world", self->env_drop, worlds, G_N_ELEMENTS (worlds));
}

static void
gb_rl_page_dispose (GObject *object)
{
  GbRlPage *self = GB_RL_PAGE (object);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->lesson_hidden, g_ptr_array_unref);
  gb_rl_page_stop (GB_PAGE (self));
  if (self->cart_view != NULL)
    gb_rl_cart_view_set_frame_stats (self->cart_view, NULL);
  if (self->dqn_view != NULL)
    gb_rl_dqn_view_set_frame_stats (self->dqn_view, NULL);
  if (self->grid_view != NULL)
    gb_rl_grid_view_set_frame_stats (self->grid_view, NULL);
  if (self->stats != NULL)
    {
      g_autofree char *steps = g_strdup_printf ("%" G_GINT64_FORMAT " TD steps", self->learner ? self->learner->steps : 0);
      gb_frame_stats_print (self->stats, "copying the tables out", steps);
      g_clear_pointer (&self->stats, gb_frame_stats_free);
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), GB_TYPE_RL_PAGE);
  G_OBJECT_CLASS (gb_rl_page_parent_class)->dispose (object);
}

static void
gb_rl_page_finalize (GObject *object)
{
  GbRlPage *self = GB_RL_PAGE (object);
  g_clear_pointer (&self->learner, gb_grid_learner_free);
  gb_grid_free (self->grid);
  g_free (self->map_name);
  gb_grid_free (self->opened);
  g_clear_pointer (&self->runner, gb_rl_runner_free);
  G_OBJECT_CLASS (gb_rl_page_parent_class)->finalize (object);
}

static void
gb_rl_page_class_init (GbRlPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->get_property = gb_rl_page_get_property;
  object_class->set_property = gb_rl_page_set_property;
  object_class->dispose = gb_rl_page_dispose;
  object_class->finalize = gb_rl_page_finalize;
  widget_class->realize = gb_rl_page_realize;
  widget_class->unrealize = gb_rl_page_unrealize;
  props[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE,
                                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  g_type_ensure (GB_TYPE_RL_GRID_VIEW);
  g_type_ensure (GB_TYPE_RL_COMPARE_VIEW);
  g_type_ensure (GB_TYPE_RL_CART_VIEW);
  g_type_ensure (GB_TYPE_RL_CART_PANEL);
  g_type_ensure (GB_TYPE_RL_DQN_VIEW);
  g_type_ensure (GB_TYPE_RL_PG_VIEW);
  g_type_ensure (GB_TYPE_RL_CORRIDOR_VIEW);
  g_type_ensure (GB_TYPE_RL_CART_COMPARE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/glassbox/Glassbox/ui/gb-rl-page.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, GbRlPage, name)
  CHILD (env_drop), CHILD (algo_drop), CHILD (brush_drop), CHILD (algo_b_drop);
  CHILD (map_label), CHILD (status_label), CHILD (speed_label);
  CHILD (alpha), CHILD (gamma), CHILD (epsilon), CHILD (decay), CHILD (slip), CHILD (seed);
  CHILD (r_step), CHILD (r_goal), CHILD (r_pit), CHILD (r_cliff);
  CHILD (cmp_seeds), CHILD (cmp_episodes);
  CHILD (ties_check), CHILD (numbers_check), CHILD (q_check), CHILD (speed), CHILD (step_button), CHILD (episode_button), CHILD (compare_button);
  CHILD (back_button), CHILD (reset_button), CHILD (view_heading), CHILD (compare_heading), CHILD (edit_heading);
  CHILD (view_switcher);
  CHILD (play_button), CHILD (grid_box), CHILD (td_box), CHILD (cart_box), CHILD (views);
  CHILD (grid_view), CHILD (compare_view), CHILD (cart_view), CHILD (cart_panel), CHILD (dqn_view), CHILD (pg_view), CHILD (corridor_view);
  CHILD (cart_compare_view);
#undef CHILD
#define CALLBACK(name) gtk_widget_class_bind_template_callback (widget_class, name)
  CALLBACK (env_changed_cb), CALLBACK (algo_changed_cb), CALLBACK (td_params_changed_cb), CALLBACK (ties_toggled_cb);
  CALLBACK (slip_changed_cb), CALLBACK (rewards_changed_cb), CALLBACK (speed_changed_cb);
  CALLBACK (gb_rl_page_cart_settings_changed_cb);
  CALLBACK (paint_cell_cb), CALLBACK (compare_running_cb), CALLBACK (compare_finished_cb), CALLBACK (compare_message_cb);
#undef CALLBACK

  gtk_widget_class_install_action (widget_class, "rl.step", NULL, step_action);
  gtk_widget_class_install_action (widget_class, "rl.back", NULL, back_action);
  gtk_widget_class_install_action (widget_class, "rl.episode", NULL, episode_action);
  gtk_widget_class_install_action (widget_class, "rl.reset", NULL, reset_action);
  gtk_widget_class_install_action (widget_class, "rl.compare", NULL, compare_action);
  gtk_widget_class_install_action (widget_class, "rl.save-map", NULL, gb_rl_page_save_map_action);
  gtk_widget_class_install_action (widget_class, "rl.view", "i", gb_rl_page_view_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK, "rl.view", "i", 1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK, "rl.view", "i", -1);
  gtk_widget_class_install_property_action (widget_class, "rl.play", "playing");
  gtk_widget_class_set_css_name (widget_class, "rlpage");
}

static void
gb_rl_page_init (GbRlPage *self)
{
  self->runner = gb_rl_runner_new ();
  self->lesson_hidden = g_ptr_array_new_with_free_func (g_object_unref);
  self->stats = gb_frame_stats_new ("rl-frame-stats", "frames while playing", "canvases' painting");
  gb_frame_stats_set_counting (self->stats, FALSE);
  self->updating = TRUE;   /* no learner yet for the template's signals */
  gtk_widget_init_template (GTK_WIDGET (self));
  self->updating = FALSE;
  gb_rl_cart_view_set_frame_stats (self->cart_view, self->stats);
  gb_rl_dqn_view_set_frame_stats (self->dqn_view, self->stats);
  gb_rl_grid_view_set_frame_stats (self->grid_view, self->stats);
  GbGrid *g = gb_grid_preset (env_keys[0], NULL);
  gb_rl_page_install_grid (self, g, g->name);
  gb_rl_page_show_mode (self);
  bind_settings (self);
}
