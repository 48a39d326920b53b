/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-panel.h — the cart-pole learner's settings in the RL page's
 * side panel: the algorithm, its step sizes and discount, the networks'
 * width, and DQN's batch, replay buffer, target network and ε schedule.
 *
 * "changed" (needs_reset) says a setting moved: the algorithm or a shape
 * (width, batch, buffer: a new agent), or one that applies at once to the
 * agent running (needs_reset FALSE). */
#pragma once

#include <gtk/gtk.h>

#include "gb-rl-cart-agent.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_CART_PANEL (gb_rl_cart_panel_get_type ())
G_DECLARE_FINAL_TYPE (GbRlCartPanel, gb_rl_cart_panel, GB, RL_CART_PANEL, GtkWidget)

GbCartAlgo gb_rl_cart_panel_get_algo     (GbRlCartPanel *self);
/* The settings shown (seed: 0; the page's). */
void       gb_rl_cart_panel_get_settings (GbRlCartPanel *self, GbCartSettings *s);
/* Shows an agent's algorithm and settings without emitting "changed". */
void       gb_rl_cart_panel_show         (GbRlCartPanel *self, GbCartAlgo algo, const GbCartSettings *s);
/* Chooses the algorithm as the user would (emits "changed": a new agent). */
void       gb_rl_cart_panel_set_algo     (GbRlCartPanel *self, GbCartAlgo algo);
/* A line under the settings (e.g. where the agent came from). */
void       gb_rl_cart_panel_set_note     (GbRlCartPanel *self, const char *text);

G_END_DECLS
