/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cartpole.h — the cart-pole of Barto, Sutton & Anderson (1983) and a
 * REINFORCE agent (Williams, 1992) that learns to balance it.
 *
 * The dynamics and limits are Gymnasium's CartPole-v1: a 1 kg cart, a
 * 0.1 kg pole of half-length 0.5 m, ±10 N pushes, explicit Euler steps of
 * 0.02 s, failure past ±12° or ±2.4 m, at most 500 steps, reward 1 a step.
 *
 * The policy is a softmax over push-left/push-right, π(right|s) = σ(θ·φ(s)),
 * with φ(s) the state scaled to about unit range and a bias; REINFORCE with
 * a baseline (each episode's returns standardised) and Adam.
 */
#pragma once

#include <glib.h>

#include "gb-rng.h"

G_BEGIN_DECLS

#define GB_CARTPOLE_MAX_STEPS 500
/* Gymnasium's reward threshold for CartPole-v1: solved when the last 100 episodes average this. */
#define GB_CARTPOLE_SOLVED 475.0
/* The views' (θ, θ̇) plane: θ within the failure angle, θ̇ within ±2 rad/s. */
#define GB_CART_THETA_MAX (12.0 * G_PI / 180.0)
#define GB_CART_THETA_DOT_MAX 2.0

typedef struct {
  double x, x_dot, theta, theta_dot;
} GbCartState;

typedef struct {
  GbCartState s;
  int steps;
  gboolean terminated;   /* the pole fell or the cart left the track */
  gboolean truncated;    /* 500 steps */
} GbCartPole;

void   gb_cartpole_reset (GbCartPole *env, GbRng *rng);
/* Pushes left (0) or right (1) for one step; returns the reward (1). */
double gb_cartpole_step  (GbCartPole *env, int action);
/* One Euler step of the equations of motion with the given force (N). */
GbCartState gb_cartpole_dynamics (GbCartState s, double force);

#define GB_CARTPOLE_FEATURES 5

typedef struct {
  double lr;             /* Adam's step size */
  double gamma;          /* discount of the returns */
  guint64 seed;
} GbReinforceConfig;

typedef struct {
  GbReinforceConfig config;
  double w[GB_CARTPOLE_FEATURES];   /* policy weights */
  double m[GB_CARTPOLE_FEATURES], v[GB_CARTPOLE_FEATURES];
  int t;                 /* Adam steps */
  GbRng rng;
  int episodes;
  GArray *returns;       /* of double */
} GbReinforce;

/* One recorded episode, for replay and plots. */
typedef struct {
  GArray *states;        /* of GbCartState, one per step (before acting) */
  GArray *actions;       /* of int */
  GArray *p_right;       /* of double: π(right | s_t) */
  GArray *G;             /* of double: the return from t on */
  GArray *V;             /* of double: a learned baseline's V(s_t) (empty without one) */
} GbCartEpisode;

void        gb_reinforce_config_init (GbReinforceConfig *c);
GbReinforce *gb_reinforce_new  (const GbReinforceConfig *config, GError **error);
void        gb_reinforce_free  (GbReinforce *agent);
/* π(right | s). */
double      gb_reinforce_p_right (const GbReinforce *agent, const GbCartState *s);
/* Plays one episode with the stochastic policy and learns from it; records
 * it into ep when not NULL (cleared first). Returns the episode's length. */
int         gb_reinforce_episode (GbReinforce *agent, GbCartEpisode *ep);

/* Saves the policy and what it learned (weights, Adam's moments, the
 * returns per episode) as a GKeyFile text file, atomically; loads it back.
 * The file starts with the line [glassbox-cartpole]. */
gboolean     gb_reinforce_save (const GbReinforce *agent, const char *path, GError **error);
GbReinforce *gb_reinforce_load (const char *path, GError **error);

/* The mean of the last k of returns (of double; 0 when empty). */
double         gb_returns_mean_last (const GArray *returns, int k);

GbCartEpisode *gb_cart_episode_new  (void);
void           gb_cart_episode_free (GbCartEpisode *ep);
void           gb_cart_episode_clear (GbCartEpisode *ep);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbReinforce, gb_reinforce_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbCartEpisode, gb_cart_episode_free)

G_END_DECLS
