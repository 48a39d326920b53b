/* gb-rl-page.h — the Reinforcement learning page: gridworlds under dynamic
 * programming and TD control, and cart-pole under REINFORCE. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_RL_PAGE (gb_rl_page_get_type ())
G_DECLARE_FINAL_TYPE (GbRlPage, gb_rl_page, GB, RL_PAGE, GtkBox)

/* Opens a map (the text format of gb-mdp.h) or a saved session. */
gboolean gb_rl_page_open         (GbRlPage *self, const char *path, GError **error);
/* Saves the map, the algorithm, its parameters and the learned tables. */
gboolean gb_rl_page_save_session (GbRlPage *self, const char *path, GError **error);
gboolean gb_rl_page_save_map     (GbRlPage *self, const char *path, GError **error);
/* Exports the view on show (grid and plots, comparison, or cart-pole). */
gboolean gb_rl_page_export       (GbRlPage *self, const char *path, GError **error);
/* A file name to offer for an export of the view on show. */
const char *gb_rl_page_export_name (GbRlPage *self);
/* Stops the workers (the window is closing). */
void     gb_rl_page_stop         (GbRlPage *self);

G_END_DECLS
