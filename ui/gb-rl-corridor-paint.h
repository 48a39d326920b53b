/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor-paint.h — the short corridor (Sutton & Barto, example 13.1):
 * the exact value v(p) of every stochastic policy as a curve, with where
 * ε-greedy action values get stuck and the optimum marked, and two REINFORCE
 * agents — without and with a baseline — moving along it as they learn;
 * below, their p and their returns over the episodes. */
#pragma once

#include "gb-paint.h"
#include "gb-rl-corridor.h"

G_BEGIN_DECLS

typedef struct {
  const GbCorridorAgent *plain, *based;   /* either may be NULL */
  const char *title;
} GbCorridorScene;

void gb_corridor_paint (cairo_t *cr, int w, int h, const GbCorridorScene *scene, const GbPalette *pal);

G_END_DECLS
