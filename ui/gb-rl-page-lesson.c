/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page-lesson.c — the RL page in a lesson: set up from a lesson's
 * [rl] group (gb-lesson.h), its state written back as one, and the controls
 * a lesson hides. */
#include "gb-rl-page-private.h"
#include <glib/gi18n.h>

#include <stdio.h>

static const char *const worlds[] = { "4x3", "cliff", "frozenlake4", "frozenlake8", "maze", "cartpole" };
static const char *const others[] = { "q-learning", "sarsa", "expected-sarsa" };
static const char *const views[] = { "grid", "compare", "cartpole", "dqn", "variance", "corridor", "cart-compare" };

/* The widgets behind each control name of gb_lesson_page_controls ("rl"). */
static void
hide_control (GbRlPage *self, const char *name)
{
  GPtrArray *h = self->lesson_hidden;
  struct { const char *name; GtkWidget *w; gboolean section; } map[] = {
    { "world", GTK_WIDGET (self->env_drop), FALSE },
    { "algorithm", GTK_WIDGET (self->algo_drop), FALSE },
    { "gamma", GTK_WIDGET (self->gamma), FALSE },
    { "slip", GTK_WIDGET (self->slip), FALSE },
    { "alpha", GTK_WIDGET (self->alpha), FALSE },
    { "epsilon", GTK_WIDGET (self->epsilon), FALSE },
    { "decay", GTK_WIDGET (self->decay), FALSE },
    { "ties", GTK_WIDGET (self->ties_check), FALSE },
    { "view-options", self->view_heading, TRUE },
    { "compare", self->compare_heading, TRUE },
    { "edit", self->edit_heading, TRUE },
    { "seed", GTK_WIDGET (self->seed), FALSE },
    { "step", GTK_WIDGET (self->step_button), FALSE },
    { "back", GTK_WIDGET (self->back_button), FALSE },
    { "converge", GTK_WIDGET (self->episode_button), FALSE },
    { "play", GTK_WIDGET (self->play_button), FALSE },
    { "reset", GTK_WIDGET (self->reset_button), FALSE },
    { "speed", GTK_WIDGET (self->speed), FALSE },
    { "tabs", self->view_switcher, FALSE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].name, name))
      {
        if (map[i].section)
          gb_form_hide_section (h, map[i].w);
        else
          gb_form_hide_control (h, map[i].w);
        if (g_str_equal (name, "speed"))
          gb_form_hide_control (h, GTK_WIDGET (self->speed_label));
        return;
      }
  g_warn_if_reached ();   /* gb_lesson_parse lets only gb_lesson_page_controls' names through */
}

gboolean
gb_rl_page_apply_lesson (GbPage *page, const GbLesson *lesson, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  GKeyFile *kf = lesson->kf;
  const char *g = lesson->page;
  gb_rl_page_end_lesson (page);
  gb_page_stop (page);

  /* The world first: a map brings its own γ, slip and rewards, which the lesson may then change. */
  g_autofree char *map = g_key_file_get_string (kf, g, "map", NULL);
  int world = gb_form_lesson_choice (kf, g, "world", worlds, G_N_ELEMENTS (worlds), error);
  if (world == -2)
    return FALSE;
  if (map != NULL)
    {
      g_autofree char *path = gb_lesson_path (lesson, g_strstrip (map));
      if (!gb_page_open (page, path, error))
        return FALSE;
    }
  else if (world >= 0)
    {
      /* Chosen again even when on show: the lesson starts from a fresh learner. */
      gtk_drop_down_set_selected (self->env_drop, GTK_INVALID_LIST_POSITION);
      gtk_drop_down_set_selected (self->env_drop, world);
    }
  int algo = gb_form_lesson_choice (kf, g, "algorithm", gb_learn_keys, GB_LEARN_N, error);
  if (algo == -2)
    return FALSE;
  if (algo >= 0)
    gtk_drop_down_set_selected (self->algo_drop, algo);
  g_autofree char *cart = g_key_file_get_string (kf, g, "cart-algorithm", NULL);
  if (cart != NULL)
    {
      GbCartAlgo a;
      if (!gb_cart_algo_parse (g_strstrip (cart), &a))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] cart-algorithm is one of "
                       "reinforce, reinforce-mlp, reinforce-baseline, actor-critic or dqn, not “%s”"), g, cart);
          return FALSE;
        }
      gb_rl_cart_panel_set_algo (self->cart_panel, a);
      /* A lesson's agent learns from scratch, not the trained one that ships. */
      self->cart_shipped = FALSE;
      gb_rl_page_reset_run (self);
    }
  if (!gb_form_lesson_spin (kf, g, "gamma", self->gamma, error) || !gb_form_lesson_spin (kf, g, "slip", self->slip, error)
      || !gb_form_lesson_spin (kf, g, "alpha", self->alpha, error)
      || !gb_form_lesson_spin (kf, g, "epsilon", self->epsilon, error)
      || !gb_form_lesson_spin (kf, g, "seed", self->seed, error)
      || !gb_form_lesson_check (kf, g, "numbers", self->numbers_check, error)
      || !gb_form_lesson_check (kf, g, "show-q", self->q_check, error))
    return FALSE;
  int other = gb_form_lesson_choice (kf, g, "compare-with", others, G_N_ELEMENTS (others), error);
  if (other == -2)
    return FALSE;
  if (other >= 0)
    gtk_drop_down_set_selected (self->algo_b_drop, other);
  int view = gb_form_lesson_choice (kf, g, "view", views, G_N_ELEMENTS (views), error);
  if (view == -2)
    return FALSE;
  if (view >= 0)
    gtk_stack_set_visible_child_name (self->views, views[view]);
  g_autofree char *select = g_key_file_get_string (kf, g, "select", NULL);
  if (select != NULL)
    {
      int row = 0, col = 0;
      if (sscanf (select, "%d , %d", &row, &col) != 2
          || !gb_rl_grid_view_select_cell (self->grid_view, row - 1, col - 1))
        {
          g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, _("[%s] select is a cell of the map "
                       "as “row, column” (from 1, not a wall), not “%s”"), g, select);
          return FALSE;
        }
    }
  for (int i = 0; lesson->hide[i] != NULL; i++)
    hide_control (self, lesson->hide[i]);
  return TRUE;
}

gboolean
gb_rl_page_save_lesson (GbPage *page, GKeyFile *kf, const char *g, const char *dir, GError **error)
{
  GbRlPage *self = GB_RL_PAGE (page);
  guint env = gtk_drop_down_get_selected (self->env_drop);
  if (env < G_N_ELEMENTS (worlds))
    g_key_file_set_string (kf, g, "world", worlds[env]);
  else
    {
      /* A map of the user's (opened or edited) is written beside the lesson, which names it. */
      g_autofree char *base = g_path_get_basename (self->map_name ? self->map_name : "map");
      g_autofree char *name = g_str_has_suffix (base, ".map") ? g_strdup (base) : g_strconcat (base, ".map", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (!gb_grid_save (self->grid, path, error))
        return FALSE;
      g_key_file_set_string (kf, g, "map", name);
    }
  if (gb_rl_page_cart_mode (self))
    g_key_file_set_string (kf, g, "cart-algorithm", gb_cart_algo_key (gb_rl_cart_panel_get_algo (self->cart_panel)));
  else
    {
      g_key_file_set_string (kf, g, "algorithm", gb_learn_keys[MIN (gtk_drop_down_get_selected (self->algo_drop),
                                                                    GB_LEARN_N - 1)]);
      g_key_file_set_double (kf, g, "gamma", gtk_spin_button_get_value (self->gamma));
      g_key_file_set_double (kf, g, "slip", gtk_spin_button_get_value (self->slip));
      g_key_file_set_double (kf, g, "alpha", gtk_spin_button_get_value (self->alpha));
      g_key_file_set_double (kf, g, "epsilon", gtk_spin_button_get_value (self->epsilon));
      g_key_file_set_boolean (kf, g, "numbers", gtk_check_button_get_active (self->numbers_check));
      g_key_file_set_boolean (kf, g, "show-q", gtk_check_button_get_active (self->q_check));
      g_key_file_set_string (kf, g, "compare-with", others[MIN (gtk_drop_down_get_selected (self->algo_b_drop), 2)]);
      int row, col;
      if (gb_rl_grid_view_get_selected (self->grid_view, &row, &col))
        {
          g_autofree char *cell = g_strdup_printf ("%d, %d", row + 1, col + 1);
          g_key_file_set_string (kf, g, "select", cell);
        }
    }
  g_key_file_set_integer (kf, g, "seed", gtk_spin_button_get_value_as_int (self->seed));
  const char *view = gtk_stack_get_visible_child_name (self->views);
  if (view != NULL)
    g_key_file_set_string (kf, g, "view", view);
  g_key_file_set_string (kf, g, "hide", "");
  return TRUE;
}

void
gb_rl_page_end_lesson (GbPage *page)
{
  gb_form_unhide (GB_RL_PAGE (page)->lesson_hidden);
}
