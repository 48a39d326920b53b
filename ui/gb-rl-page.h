/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-page.h — the Reinforcement learning page: gridworld MDPs solved and
 * learnt step by step, Compare, and cart-pole. The window talks to it as a
 * GbPage; Save map… is its own action, rl.save-map. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define GB_TYPE_RL_PAGE (gb_rl_page_get_type ())
G_DECLARE_FINAL_TYPE (GbRlPage, gb_rl_page, GB, RL_PAGE, GtkBox)

G_END_DECLS
