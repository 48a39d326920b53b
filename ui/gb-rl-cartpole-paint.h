/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cartpole-paint.h — the cart-pole view: the cart and pole at one step of
 * an episode, the policy π(right | θ, θ̇) as a surface (x and ẋ held at 0),
 * and the episode's π(a|s), return G_t and (with a critic or a Q-network)
 * V(s_t) along its steps. */
#pragma once

#include "gb-rl-cart-agent.h"
#include "gb-paint.h"

G_BEGIN_DECLS

typedef struct {
  const GbCartState *state;       /* what to draw on the track */
  int step;                       /* its step in the episode, for the marker */
  const double *surface;          /* π(right) over the (θ, θ̇) plane at x = ẋ = 0 (GB_CART_SURFACE_N²), or NULL */
  const GbCartEpisode *episode;   /* for the curves, or NULL */
  const double *returns;          /* returns per episode, or NULL */
  int n_returns;
  const char *title;
  const char *surface_title;      /* NULL: π's */
  gboolean dqn;                   /* the episode's V is max_a Q */
} GbCartScene;

#define GB_CART_SURFACE_N 48

void gb_cartpole_paint (cairo_t *cr, int w, int h, const GbCartScene *scene, const GbPalette *pal);
/* Step `step` of an episode of an agent as the RL page replays it (its
 * Export and `glassbox render cartpole` draw this scene); surface: the
 * policy's (gb_cart_policy_surface, n = GB_CART_SURFACE_N, x = ẋ = 0);
 * returns: the agent's. */
GbCartScene gb_cartpole_replay_scene (GbCartAlgo algo, const double *surface, const GbCartEpisode *episode, int step,
                                      const double *returns, int n_returns);

G_END_DECLS
