/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-agent.h — every cart-pole learner behind one face: the linear
 * REINFORCE agent, the neural policy gradients (REINFORCE with an MLP, with
 * a learned baseline, actor-critic) and DQN. The RL page, Compare and
 * `glassbox render cartpole` drive them through it.
 *
 * A GbCartPolicy is a copy of what acts (the weights only), taken under the
 * page's lock, so views draw it while the agent learns on a worker. */
#pragma once

#include "gb-mlp.h"
#include "gb-rl-cartpole.h"
#include "gb-rl-dqn.h"
#include "gb-rl-pg.h"

G_BEGIN_DECLS

typedef enum {
  GB_CART_LINEAR,
  GB_CART_REINFORCE,
  GB_CART_BASELINE,
  GB_CART_ACTOR_CRITIC,
  GB_CART_DQN,
  GB_CART_N_ALGOS
} GbCartAlgo;

/* "reinforce", "reinforce-mlp", "reinforce-baseline", "actor-critic", "dqn". */
const char *gb_cart_algo_key   (GbCartAlgo algo);
const char *gb_cart_algo_title (GbCartAlgo algo);
gboolean    gb_cart_algo_parse (const char *key, GbCartAlgo *algo);

/* What a user sets; each algorithm reads its own. */
typedef struct {
  double lr, lr_value, gamma;
  int hidden;
  guint64 seed;
  int batch, buffer, target_every;     /* DQN */
  double tau, eps_end;
  int eps_steps;
  gboolean huber, double_dqn;
} GbCartSettings;

/* The algorithm's defaults. */
void gb_cart_settings_init (GbCartSettings *s, GbCartAlgo algo);

typedef struct {
  GbCartAlgo algo;
  GbReinforce *linear;
  GbPolicyGradient *pg;
  GbDqn *dqn;
} GbCartAgent;

GbCartAgent *gb_cart_agent_new   (GbCartAlgo algo, const GbCartSettings *s, GError **error);
void         gb_cart_agent_free  (GbCartAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbCartAgent, gb_cart_agent_free)
/* The settings that take effect at once (step sizes, γ, ε, τ, the loss,
 * Double DQN); the widths, batch and buffer need a new agent. */
gboolean     gb_cart_agent_apply (GbCartAgent *agent, const GbCartSettings *s, GError **error);
/* The settings in force. */
void         gb_cart_agent_settings (const GbCartAgent *agent, GbCartSettings *s);
/* One episode (DQN: the env steps until one ends), learning; recorded into ep when not NULL. */
int          gb_cart_agent_episode (GbCartAgent *agent, GbCartEpisode *ep);
GArray      *gb_cart_agent_returns (const GbCartAgent *agent);   /* of double, per episode */
gint64       gb_cart_agent_steps   (const GbCartAgent *agent);
/* The linear agent: its key file; the others: safetensors as PyTorch's
 * nn.Sequential names them, with metadata algo. Load tells them apart (a
 * network from PyTorch needs metadata algo: dqn, reinforce-mlp, …). */
gboolean     gb_cart_agent_save (const GbCartAgent *agent, const char *path, GError **error);
GbCartAgent *gb_cart_agent_load (const char *path, GError **error);
/* A network's file already read; as: the algorithm to learn on with
 * (GB_CART_N_ALGOS: the file's; a policy can go on as any policy gradient). */
GbCartAgent *gb_cart_agent_from_safetensors (const GbSafetensors *st, GbCartAlgo as, GError **error);

typedef struct {
  GbCartAlgo algo;
  GbReinforce linear;      /* its weights (no returns) */
  GbMlp net, critic;       /* the policy or Q-network; the critic (n_layers 0: none) */
  float *params, *target, *w;
  gsize cap_params, cap_w;
  double epsilon;
  GbMlpWork *work, *work_critic;
  int work_rows;
} GbCartPolicy;

GbCartPolicy *gb_cart_policy_new    (void);
void          gb_cart_policy_free   (GbCartPolicy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbCartPolicy, gb_cart_policy_free)
/* Copies agent's weights (call under the lock that guards the agent). */
void          gb_cart_policy_update (GbCartPolicy *p, const GbCartAgent *agent);
/* π(right | s) of n states (DQN: its greedy choice, 0 or 1). */
void          gb_cart_policy_p_right (GbCartPolicy *p, const GbCartState *s, int n, double *out);
/* Q (n, 2) of n states under the online or target network; FALSE but for DQN. */
gboolean      gb_cart_policy_q      (GbCartPolicy *p, const GbCartState *s, int n, gboolean target, float *q);
/* The value a baseline or Q promises: V(s) or max_a Q (s, a); FALSE when there is none. */
gboolean      gb_cart_policy_value  (GbCartPolicy *p, const GbCartState *s, int n, double *out);
typedef enum {
  GB_CART_SURFACE_P_RIGHT,   /* π(right | s) (DQN: its greedy choice) */
  GB_CART_SURFACE_Q_LEFT,    /* DQN: Q (s, left) */
  GB_CART_SURFACE_Q_RIGHT,   /* DQN: Q (s, right) */
  GB_CART_SURFACE_VALUE,     /* V (s) or max_a Q (s, a) */
} GbCartSurface;

/* The (θ, θ̇) plane at x, ẋ as the views draw it: cell (i, j) of n × n is
 * θ = θmax (2 (i + ½)/n − 1), θ̇ = GB_CART_THETA_DOT_MAX (1 − 2 (j + ½)/n)
 * (row j from the top). */
void          gb_cart_plane_state   (double x, double x_dot, int n, int i, int j, GbCartState *s);
/* out (n × n, row-major from the top) of kind over the plane; FALSE (out
 * untouched) when the policy has no such thing. */
gboolean      gb_cart_policy_surface (GbCartPolicy *p, GbCartSurface kind, double x, double x_dot, int n,
                                      double *out);
/* An action as the agent acts (sampled from π; DQN greedy). */
int           gb_cart_policy_act    (GbCartPolicy *p, const GbCartState *s, GbRng *rng);

G_END_DECLS
