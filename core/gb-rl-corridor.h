/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-corridor.h — the short corridor with switched actions (Sutton &
 * Barto, 2018, example 13.1), where a stochastic policy beats every
 * deterministic one, and REINFORCE on it, with and without a baseline
 * (their figures 13.1 and 13.2).
 *
 * Three non-terminal states and a goal, −1 a step. Right moves right and
 * left moves left, except in the second state, where they are swapped;
 * left in the first state stays there. The states look alike, so a policy
 * is one probability p of going right, and its value from the start is, in
 * closed form,
 *
 *   v(p) = (2p − 4) / (p (1 − p)),
 *
 * best at p* = 2 − √2 ≈ 0.586 (v* ≈ −11.66); ε-greedy action values are
 * stuck near p = ε/2 or 1 − ε/2 (about −44 or −82 for ε = 0.1).
 *
 * The policy is a softmax over the action preferences θ·x(s, a) with
 * x(s, right) = (1, 0) and x(s, left) = (0, 1), as the book has it; the
 * baseline is one learnt value w (the states look alike). */
#pragma once

#include <glib.h>

#include "gb-rng.h"

G_BEGIN_DECLS

/* v(p) from the start, and the best p and its value. */
double gb_corridor_value (double p);
#define GB_CORRIDOR_BEST_P (2.0 - G_SQRT2)
double gb_corridor_best_value (void);

typedef struct {
  double alpha;          /* the policy's step size (θ) */
  double alpha_w;        /* the baseline's (w); ≤ 0: no baseline */
  double p0;             /* the first policy's p (0, 1) */
  int max_steps;         /* an episode is cut after this many steps */
  guint64 seed;
} GbCorridorConfig;

typedef struct {
  GbCorridorConfig config;
  double theta[2], w;
  GbRng rng;
  int episodes;
  GArray *returns;       /* of double: each episode's */
  GArray *ps;            /* of double: p after each episode */
} GbCorridorAgent;

/* REINFORCE's settings in the book's figures: α = 2^−13, no baseline; with
 * one, α = 2^−9 and α_w = 2^−6; p0 = 0.05. */
void             gb_corridor_config_init (GbCorridorConfig *c, gboolean baseline);
GbCorridorAgent *gb_corridor_agent_new  (const GbCorridorConfig *config, GError **error);
void             gb_corridor_agent_free (GbCorridorAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbCorridorAgent, gb_corridor_agent_free)
/* π(right) = p under the agent's θ. */
double           gb_corridor_agent_p    (const GbCorridorAgent *agent);
/* One episode under the current policy, then REINFORCE's updates along it, a
 * step at a time as the book's pseudocode has them (γ = 1); returns its return. */
double           gb_corridor_agent_episode (GbCorridorAgent *agent);

G_END_DECLS
