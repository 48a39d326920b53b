/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page-cart.c — the RL page on cart-pole: its agent (new, shipped or
 * opened) and the tabs that look into it, the learner's settings from
 * GbRlCartPanel, and the view tabs: moving between them, drawing and
 * exporting the one on show. */
#include "gb-rl-page-private.h"
#include <glib/gi18n.h>

#include "gb-models.h"

/* Ctrl+Page Down / Up: the next or previous view tab that shows. */
void
gb_rl_page_view_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GbRlPage *self = GB_RL_PAGE (widget);
  int step = g_variant_get_int32 (param);
  g_autoptr (GtkSelectionModel) pages = gtk_stack_get_pages (self->views);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (pages)), at = 0;
  GtkWidget *shown = gtk_stack_get_visible_child (self->views);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GObject) page = g_list_model_get_item (G_LIST_MODEL (pages), i);
      if (gtk_stack_page_get_child (GTK_STACK_PAGE (page)) == shown)
        at = i;
    }
  for (guint k = 1; k < n; k++)
    {
      g_autoptr (GObject) page = g_list_model_get_item (G_LIST_MODEL (pages), (at + n + step * k) % n);
      if (gtk_stack_page_get_visible (GTK_STACK_PAGE (page)))
        {
          gtk_stack_set_visible_child (self->views, gtk_stack_page_get_child (GTK_STACK_PAGE (page)));
          return;
        }
    }
}

/* The tabs that look into the cart-pole agent: the one its kind has. */
void
gb_rl_page_cart_tabs (GbRlPage *self)
{
  GtkWidget *before = gtk_stack_get_visible_child (self->views);
  GbCartAgent *agent = gb_rl_cart_view_get_agent (self->cart_view);
  gboolean cart = gb_rl_page_cart_mode (self);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, GTK_WIDGET (self->dqn_view)),
                              cart && agent != NULL && agent->dqn != NULL);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, GTK_WIDGET (self->pg_view)),
                              cart && agent != NULL && agent->pg != NULL);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, GTK_WIDGET (self->corridor_view)), cart);
  gtk_stack_page_set_visible (gtk_stack_get_page (self->views, GTK_WIDGET (self->cart_compare_view)), cart);
  /* On a tab this agent has not: back to the cart and pole. */
  if (cart && before != NULL && !gtk_stack_page_get_visible (gtk_stack_get_page (self->views, before)))
    gtk_stack_set_visible_child (self->views, GTK_WIDGET (self->cart_view));
}

/* The cart-pole agent is new: the views that look into it follow. */
static void
show_cart_agent (GbRlPage *self, GbCartAgent *agent, guint64 seed)
{
  gb_rl_cart_view_set_agent (self->cart_view, agent, self->runner, seed);
  gb_rl_dqn_view_set_agent (self->dqn_view, agent->dqn != NULL ? agent : NULL, self->runner);
  gb_rl_pg_view_set_agent (self->pg_view, agent->pg != NULL ? agent : NULL, self->runner);
  gb_rl_page_cart_tabs (self);
}

/* A new agent with the panel's algorithm and settings, learning from scratch. */
void
gb_rl_page_cart_reset (GbRlPage *self)
{
  GbCartSettings s;
  gb_rl_cart_panel_get_settings (self->cart_panel, &s);
  s.seed = (guint64) gtk_spin_button_get_value (self->seed);
  GbCartAlgo algo = gb_rl_cart_panel_get_algo (self->cart_panel);
  g_autoptr (GError) error = NULL;
  GbCartAgent *agent = NULL;
  if (self->cart_shipped && (agent = gb_shipped_cart_agent_load (algo, &error)) != NULL)
    {
      GbCartSettings shipped;
      gb_cart_agent_settings (agent, &shipped);
      gb_rl_cart_panel_show (self->cart_panel, algo, &shipped);
      gb_rl_cart_panel_set_note (self->cart_panel, _("Trained and shipped with Glassbox (see the README); Reset learns "
                                                   "from scratch."));
    }
  else
    {
      if (error != NULL)
        gb_rl_page_message (self, error->message);
      g_clear_error (&error);
      agent = gb_cart_agent_new (algo, &s, &error);
      if (agent == NULL)
        {
          gb_rl_page_message (self, error->message);
          return;
        }
      gb_rl_cart_panel_set_note (self->cart_panel, NULL);
    }
  self->cart_shipped = FALSE;
  show_cart_agent (self, agent, s.seed);
}

void
gb_rl_page_cart_settings_changed_cb (GbRlCartPanel *panel, gboolean needs_reset, GbRlPage *self)
{
  if (needs_reset)
    {
      /* A new algorithm starts from its trained agent; a new shape from scratch. */
      GbCartAgent *agent = gb_rl_cart_view_get_agent (self->cart_view);
      self->cart_shipped = agent == NULL || agent->algo != gb_rl_cart_panel_get_algo (panel);
      gb_rl_page_reset_run (self);
      return;
    }
  GbCartSettings s;
  gb_rl_cart_panel_get_settings (panel, &s);
  g_autoptr (GError) error = NULL;
  if (!gb_rl_cart_view_apply (self->cart_view, &s, &error))
    gb_rl_page_message (self, error->message);
}

gboolean
gb_rl_page_cart_open (GbRlPage *self, const char *path, GError **error)
{
  GbCartAgent *agent = gb_cart_agent_load (path, error);
  if (agent == NULL)
    return FALSE;
  if (!gb_rl_page_cart_mode (self))
    gtk_drop_down_set_selected (self->env_drop, ENV_CARTPOLE);   /* a fresh agent, replaced below */
  gb_rl_page_set_playing (self, FALSE);
  GbCartSettings s;
  gb_cart_agent_settings (agent, &s);
  self->updating = TRUE;
  gtk_spin_button_set_value (self->seed, (double) s.seed);
  self->updating = FALSE;
  gb_rl_cart_panel_show (self->cart_panel, agent->algo, &s);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *note = g_strdup_printf (_("Opened %s; Reset learns from scratch."), base);
  gb_rl_cart_panel_set_note (self->cart_panel, note);
  show_cart_agent (self, agent, s.seed);
  /* Show one episode of the loaded policy (it learns from it, as every episode does). */
  gb_rl_cart_view_step (self->cart_view);
  return TRUE;
}

/* The tab on show, drawn for Export. */
void
gb_rl_page_tab_paint (cairo_t *cr, int w, int h, gpointer data)
{
  GbRlPage *self = data;
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  const char *view = gtk_stack_get_visible_child_name (self->views);
  if (g_strcmp0 (view, "cartpole") == 0)
    gb_rl_cart_view_paint (self->cart_view, cr, w, h, &pal);
  else if (g_strcmp0 (view, "dqn") == 0)
    gb_rl_dqn_view_paint (self->dqn_view, cr, w, h, &pal);
  else if (g_strcmp0 (view, "variance") == 0)
    gb_rl_pg_view_paint (self->pg_view, cr, w, h, &pal);
  else if (g_strcmp0 (view, "corridor") == 0)
    gb_rl_corridor_view_paint (self->corridor_view, cr, w, h, &pal);
  else if (g_strcmp0 (view, "cart-compare") == 0)
    gb_rl_cart_compare_view_paint (self->cart_compare_view, cr, w, h, &pal);
  else if (g_strcmp0 (view, "compare") == 0)
    gb_rl_compare_view_paint (self->compare_view, cr, w, h, &pal);
  else
    gb_rl_grid_view_paint (self->grid_view, cr, w, h, &pal);
}

GbTable *
gb_rl_page_tab_table (GbRlPage *self, gboolean selection)
{
  /* The tab on show. Tabs without a selection of their own give their
   * curves to Ctrl+C too. */
  const char *view = gtk_stack_get_visible_child_name (self->views);
  if (g_strcmp0 (view, "cartpole") == 0)
    return gb_rl_cart_view_table (self->cart_view, selection);
  if (g_strcmp0 (view, "dqn") == 0)
    return gb_rl_dqn_view_table (self->dqn_view);
  if (g_strcmp0 (view, "variance") == 0)
    return gb_rl_pg_view_table (self->pg_view);
  if (g_strcmp0 (view, "corridor") == 0)
    return gb_rl_corridor_view_table (self->corridor_view);
  if (g_strcmp0 (view, "cart-compare") == 0)
    return gb_rl_cart_compare_view_table (self->cart_compare_view);
  if (g_strcmp0 (view, "compare") == 0)
    return gb_rl_compare_view_table (self->compare_view);
  return gb_rl_grid_view_table (self->grid_view, selection);
}
