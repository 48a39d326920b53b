/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page-files.c — the Reinforcement learning page's files: opening a map,
 * a session or a cart-pole agent; saving the session or the agent, and the map;
 * exporting the tab on show; and what the file choosers offer. */
#include "gb-rl-page-private.h"
#include <glib/gi18n.h>

#include <string.h>

static gboolean
open_session (GbRlPage *self, const char *path, const char *base, GError **error)
{
  g_autoptr (GbRlSession) s = gb_rl_session_load (path, error);
  if (s == NULL)
    return FALSE;
  int a = -1;
  for (int i = 0; i < GB_LEARN_N; i++)
    if (g_str_equal (s->algo, gb_learn_keys[i]))
      a = i;
  if (a < 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: unknown algorithm “%s”"), base, s->algo);
      return FALSE;
    }
  if (gb_learn_is_td (a) && s->Q == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: a %s session needs its Q table"), base, s->algo);
      return FALSE;
    }
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->algo_drop, a);
  gtk_spin_button_set_value (self->alpha, s->td.alpha);
  gtk_spin_button_set_value (self->epsilon, s->td.epsilon);
  gtk_spin_button_set_value (self->decay, s->td.epsilon_decay);
  gtk_spin_button_set_value (self->seed, (double) s->td.seed);
  gtk_check_button_set_active (self->ties_check, s->td.first_of_ties);
  self->updating = FALSE;
  GbGrid *grid = g_steal_pointer (&s->grid);
  gb_rl_page_show_opened (self, grid, base);
  gb_rl_page_install_grid (self, grid, base);
  gb_rl_page_show_mode (self);
  GbGridLearner *l = self->learner;
  int n = self->grid->mdp->n_states;
  if (l != NULL && l->agent != NULL)
    {
      memcpy (l->agent->Q, s->Q, (gsize) n * 4 * sizeof (double));
      l->agent->episodes = s->episodes;
    }
  else if (l != NULL)
    {
      memcpy (l->dp->V, s->V, n * sizeof (double));
      memcpy (l->dp->pi, s->pi, n * sizeof (int));
      l->dp->sweeps = s->episodes;
    }
  gb_rl_page_refresh (self);
  return TRUE;
}

gboolean
gb_rl_page_open (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  g_autofree char *base = g_path_get_basename (path);
  gsize len = strlen (text);
  gboolean safetensors = g_str_has_suffix (path, ".safetensors") || (len > 8 && text[8] == '{');
  if (g_str_has_prefix (text, "[glassbox-cartpole]") || safetensors)
    return gb_rl_page_cart_open (self, path, error);
  if (g_str_has_prefix (text, "[glassbox-rl]"))
    return open_session (self, path, base, error);
  GbGrid *grid = gb_grid_parse (text, base, error);
  if (grid == NULL)
    return FALSE;
  gb_rl_page_show_opened (self, grid, base);
  gb_rl_page_install_grid (self, grid, base);
  gb_rl_page_show_mode (self);
  return TRUE;
}

gboolean
gb_rl_page_save_session (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  gb_rl_page_set_playing (self, FALSE);
  if (gb_rl_page_cart_mode (self))
    return gb_cart_agent_save (gb_rl_cart_view_get_agent (self->cart_view), path, error);
  GbGridLearner *l = self->learner;
  if (l == NULL)
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("there is nothing to save"));
      return FALSE;
    }
  GbTdConfig c;
  gb_rl_page_read_td_config (self, &c, gb_learn_is_td (l->algo) ? l->algo : GB_LEARN_Q_LEARNING);
  int n;
  const double *V, *Q;
  const int *pi;
  gb_rl_grid_view_tables (self->grid_view, &n, &V, &Q, &pi);
  GbRlSession s = { self->grid, (char *) gb_learn_keys[l->algo], c, l->agent ? l->agent->episodes : l->dp->sweeps,
                    (double *) V, (int *) pi, l->agent ? (double *) Q : NULL };
  return gb_rl_session_save (&s, path, error);
}

static gboolean
save_map (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  if (self->grid == NULL || gb_rl_page_cart_mode (self))
    {
      g_set_error_literal (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("there is no map on show to save"));
      return FALSE;
    }
  return gb_grid_save (self->grid, path, error);
}

void
gb_rl_page_save_map_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbPageFiles files = { .title = _("Save the Map"), .name = "map.txt" };
  gb_page_run_save_dialog (GB_PAGE (widget), &files, save_map);
}

gboolean
gb_rl_page_export (GbPage *page, const char *path, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  const char *view = gtk_stack_get_visible_child_name (self->views);
  gboolean cart = g_strcmp0 (view, "cartpole") == 0, dqn = g_strcmp0 (view, "dqn") == 0;
  return gb_export_file (path, 1200, cart ? 760 : dqn ? 820 : 900, gb_rl_page_tab_paint, self, error);
}

void
gb_rl_page_files (GbPage *page, GbPageFileKind kind, GbPageFiles *out)
{
  GbRlPage *self = GB_RL_PAGE (page);
  const char *view = gtk_stack_get_visible_child_name (self->views);
  if (kind == GB_PAGE_EXPORT)
    gb_page_files_export (out, g_strcmp0 (view, "cartpole") == 0  ? "cartpole.png"
                               : g_strcmp0 (view, "dqn") == 0     ? "cartpole-dqn.png"
                               : g_strcmp0 (view, "variance") == 0 ? "cartpole-variance.png"
                               : g_strcmp0 (view, "corridor") == 0 ? "short-corridor.png"
                               : g_strcmp0 (view, "cart-compare") == 0 ? "cartpole-compare.png"
                               : g_strcmp0 (view, "compare") == 0 ? "rl-compare.png" : "gridworld.png", FALSE);
  else if (kind == GB_PAGE_OPEN)
    *out = (GbPageFiles) { .title = _("Open a Map, Session or Agent"),
                           .filters = { { _("Maps, sessions and agents"), { "*.txt", "*.map", "*.session", "*.policy", "*.safetensors" } },
                                        { _("All files"), { "*" } } } };
  else
    {
      GbCartAgent *agent = gb_rl_cart_view_get_agent (self->cart_view);
      const char *name = !gb_rl_page_cart_mode (self) ? "gridworld.session"
                         : agent == NULL || agent->linear != NULL ? "cartpole.policy"
                         : agent->dqn != NULL ? "cartpole-dqn.safetensors" : "cartpole-policy.safetensors";
      *out = (GbPageFiles) { .title = gb_rl_page_cart_mode (self) ? _("Save the Agent") : _("Save the Session"), .name = name };
    }
}
