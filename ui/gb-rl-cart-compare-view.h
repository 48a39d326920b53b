/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-compare-view.h — the cart-pole "Compare" tab: DQN, REINFORCE
 * (MLP), REINFORCE with a learned baseline and actor-critic, each trained
 * from seeds 1…N for the same environment steps on a worker, their return
 * against environment steps drawn as mean ± sd; with progress, and Cancel. */
#pragma once

#include <gtk/gtk.h>

#include "gb-table.h"

#include "gb-paint.h"

G_BEGIN_DECLS

#define GB_TYPE_RL_CART_COMPARE_VIEW (gb_rl_cart_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (GbRlCartCompareView, gb_rl_cart_compare_view, GB, RL_CART_COMPARE_VIEW, GtkWidget)

void gb_rl_cart_compare_view_cancel (GbRlCartCompareView *self);
void gb_rl_cart_compare_view_paint  (GbRlCartCompareView *self, cairo_t *cr, int w, int h, const GbPalette *pal);

/* The curves' numbers (mean and sd per bin of steps of the four), or NULL before a run. */
GbTable *gb_rl_cart_compare_view_table (GbRlCartCompareView *self);

G_END_DECLS
