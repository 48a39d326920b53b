/* gb-rl-cartpole-paint.h — the cart-pole view: the cart and pole at one step of
 * an episode, the policy π(right | θ, θ̇) as a surface (x and ẋ held at 0),
 * and the episode's π(a|s) and return G_t along its steps. */
#pragma once

#include "gb-rl-cartpole.h"
#include "gb-paint.h"

G_BEGIN_DECLS

typedef struct {
  const GbCartState *state;       /* what to draw on the track */
  int step;                       /* its step in the episode, for the marker */
  const GbReinforce *agent;       /* for the policy surface, or NULL */
  const GbCartEpisode *episode;   /* for the curves, or NULL */
  const double *returns;          /* returns per episode, or NULL */
  int n_returns;
  const char *title;
} GbCartScene;

void gb_cartpole_paint (cairo_t *cr, int w, int h, const GbCartScene *scene, const GbPalette *pal);
/* Step `step` of an episode of agent as the RL page replays it (its Export
 * and `glassbox render cartpole` draw this scene); returns: the agent's. */
GbCartScene gb_cartpole_replay_scene (const GbReinforce *agent, const GbCartEpisode *episode, int step,
                                      const double *returns, int n_returns);

G_END_DECLS
