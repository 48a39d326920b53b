/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn-paint.h — inside a DQN on cart-pole: Q(s, left) and Q(s, right)
 * over the (θ, θ̇) plane at chosen x, ẋ; the greedy action there with the
 * replay buffer's states on it, coloured by TD error or by age, and the last
 * minibatch ringed; and per episode the return, ε, the TD loss, the target
 * network's lag, and the mean max Q the network promised beside the mean
 * discounted return that came (overestimation). */
#pragma once

#include "gb-paint.h"
#include "gb-rl-dqn.h"

G_BEGIN_DECLS

typedef struct {
  const GbDqnSnapshot *snap;      /* computed (snap->n > 0) */
  gboolean colour_by_age;         /* else by |TD error| */
  gboolean show_buffer;
  const char *title;
} GbDqnScene;

void gb_dqn_paint (cairo_t *cr, int w, int h, const GbDqnScene *scene, const GbPalette *pal);

G_END_DECLS
