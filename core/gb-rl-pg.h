/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg.h — policy gradients with neural networks on cart-pole:
 * REINFORCE (Williams, 1992) with an MLP policy, REINFORCE with a learned
 * value baseline, and one-step actor-critic (Sutton & Barto, 2018, §13.3–13.5).
 *
 * The policy is π(a|s) = softmax (f_θ (s)) with f_θ an nn.Sequential of
 * Linear and ReLU layers, 4 → H → 2 by default; the critic (baseline and
 * actor-critic) is V_w (s), 4 → H → 1. Each update takes one Adam step on
 *
 *   policy:  −(1/T) Σ_t Ψ_t log π(a_t | s_t)
 *   critic:   (1/2T) Σ_t (V_w (s_t) − target_t)²
 *
 * over T steps, where
 *   REINFORCE:            Ψ_t = G_t, the discounted return from t (at the episode's end);
 *   with a baseline:      Ψ_t = G_t − V_w (s_t), target_t = G_t (at the episode's end);
 *   actor-critic:         Ψ_t = δ_t = r_t + γ V_w (s_{t+1}) − V_w (s_t) (no bootstrap after a fall; after
 *                         500 steps it still bootstraps), target_t = r_t + γ V_w (s_{t+1}); every
 *                         update_every steps and at the episode's end.
 * No γ^t factor, as in practice (and in Gymnasium-era code).
 *
 * Files: the policy is safetensors named as nn.Sequential names it
 * (0.weight (H, 4), 0.bias, 2.weight (2, H), 2.bias — more layers are
 * allowed), the critic when there is one under "critic." (critic.0.weight,
 * …), with metadata algo. */
#pragma once

#include "gb-mlp.h"
#include "gb-safetensors.h"
#include "gb-rl-cartpole.h"

G_BEGIN_DECLS

typedef enum {
  GB_PG_REINFORCE,
  GB_PG_BASELINE,
  GB_PG_ACTOR_CRITIC,
} GbPgAlgo;

typedef struct {
  GbPgAlgo algo;
  int hidden;             /* H */
  double lr;              /* the policy's Adam step size */
  double lr_value;        /* the critic's */
  double gamma;
  int update_every;       /* actor-critic: steps between updates */
  guint64 seed;
} GbPgConfig;

typedef struct {
  GbPgConfig config;
  GbMlp pi, vf;           /* policy (4 → … → 2) and critic (4 → … → 1; n_layers 0 when there is none) */
  float *theta, *g_theta, *m_theta, *v_theta;   /* (pi.n_params) */
  float *w, *g_w, *m_w, *v_w;                   /* (vf.n_params) */
  int t_theta, t_w;       /* Adam steps */
  GbMlpWork *work_pi, *work_vf;
  GbRng rng;
  GbCartPole env;
  gint64 steps;
  int episodes;
  GArray *returns;        /* of double */
  double last_value_loss;
  /* The steps since the last update: observations (T + 1, 4), actions, rewards. */
  float *obs, *dout, *psi, *target;
  int *act;
  int T;
} GbPolicyGradient;

const char *gb_pg_algo_name   (GbPgAlgo algo);   /* "reinforce-mlp", "reinforce-baseline", "actor-critic" */
gboolean    gb_pg_algo_parse  (const char *name, GbPgAlgo *algo);
void        gb_pg_config_init (GbPgConfig *c, GbPgAlgo algo);
gboolean    gb_pg_config_check (const GbPgConfig *c, GError **error);

GbPolicyGradient *gb_pg_new  (const GbPgConfig *config, GError **error);
void              gb_pg_free (GbPolicyGradient *pg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbPolicyGradient, gb_pg_free)

gboolean gb_pg_has_critic (const GbPolicyGradient *pg);
/* A new agent with pg's config and networks (not its returns or Adam's
 * state): what a worker measures while pg goes on learning. */
GbPolicyGradient *gb_pg_copy (const GbPolicyGradient *pg);
double   gb_pg_p_right    (const GbPolicyGradient *pg, const GbCartState *s);
/* V(s), or 0 without a critic. */
double   gb_pg_value      (const GbPolicyGradient *pg, const GbCartState *s);
/* Plays one episode with the stochastic policy, learning as the algorithm
 * says; records it into ep when not NULL (with V(s_t) into ep->V when there
 * is a critic). Returns its length. */
int      gb_pg_episode    (GbPolicyGradient *pg, GbCartEpisode *ep);
double   gb_pg_mean_return (const GbPolicyGradient *pg, int k);

/* The losses above for n steps (obs (n, 4), actions, Ψ or targets (n)) under
 * the given parameters, with their gradients into grad when not NULL. */
double   gb_pg_policy_loss (const GbPolicyGradient *pg, const float *theta, const float *obs, const int *act,
                            const float *psi, int n, float *grad);
double   gb_pg_value_loss  (const GbPolicyGradient *pg, const float *w, const float *obs, const float *target, int n,
                            float *grad);
/* Actor-critic's TD errors δ_t and targets for n transitions (s_t = obs[t], s_{t+1} = obs[t + 1],
 * r_t = 1; the last one's s_{t+1} is not looked at when terminated). */
void     gb_pg_td (const GbPolicyGradient *pg, const float *obs, int n, gboolean terminated, float *delta,
                   float *target);

/* Why a baseline helps: n fresh episodes of the current policy (seeded, the
 * agent untouched), each giving one estimate of the policy gradient,
 * g = Σ_t ∇θ log π(a_t | s_t) Ψ_t, with Ψ_t = G_t (plain) and Ψ_t = G_t − b(s_t)
 * (the critic's V, or without one the mean return-to-go of the n episodes). */
typedef struct {
  int n;
  gsize dim;
  float *plain, *based;    /* (n, dim) */
  double *proj_plain, *proj_based;   /* (n): each g on the unit vector along the mean of the plain ones */
  double var_plain, var_based;       /* total variance: mean ‖g − ḡ‖² */
  double norm_mean;        /* ‖ḡ‖ of the plain estimates */
  gint64 steps;
} GbPgSpread;

GbPgSpread *gb_pg_spread      (const GbPolicyGradient *pg, int n, guint64 seed);
void        gb_pg_spread_free (GbPgSpread *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbPgSpread, gb_pg_spread_free)

gboolean          gb_pg_save (const GbPolicyGradient *pg, const char *path, GError **error);
/* A policy (and critic, when the file has one) from such a file — one made
 * in PyTorch too; config gives the rest (its algo's critic starts fresh when
 * the file has none). */
GbPolicyGradient *gb_pg_load (const char *path, const GbPgConfig *config, GError **error);
GbPolicyGradient *gb_pg_from_safetensors (const GbSafetensors *st, const GbPgConfig *config, GError **error);

G_END_DECLS
