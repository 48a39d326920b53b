/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-dqn.h — deep Q-learning on cart-pole (Mnih et al., 2015): an MLP
 * Q-network, ε-greedy exploration on a linear schedule, experience replay and
 * a target network.
 *
 * The network is PyTorch's nn.Sequential (Linear (4, H), ReLU, Linear (H, H),
 * ReLU, Linear (H, 2)) on Gymnasium's observation (x, ẋ, θ, θ̇); its
 * parameters are one block in the order 0.weight (H, 4), 0.bias, 2.weight
 * (H, H), 2.bias, 4.weight (2, H), 4.bias, as that module's state_dict has
 * them.
 *
 * Every env step acts ε-greedily and stores (s, a, r, s′, terminated) in a
 * ring buffer; after learning_starts steps, every train_every steps it takes
 * gradient_steps Adam steps, each on a minibatch drawn uniformly from the
 * buffer, on the TD error Q(s, a) − y with
 *
 *   y = r + γ (1 − terminated) max_a′ Q_target (s′, a′)
 *
 * (Double DQN: Q_target (s′, argmax_a′ Q (s′, a′))), under the Huber loss
 * (or the squared one), the gradient's norm clipped; the target network is
 * copied from the online one every target_every env steps, or moved towards
 * it by Polyak averaging (target_every 0: θ′ ← τ θ + (1 − τ) θ′ after each
 * update). An episode cut at 500 steps is not terminated: its last target
 * still bootstraps. The defaults start from RL Baselines3 Zoo's tuned
 * CartPole-v1 DQN (batch 64, replay 100 000, 128 updates every 256 steps
 * after 1 000, target copied every 10, ε over 8 000 steps, gradient norm
 * ≤ 10) and change what measured steadier here (BENCHMARKS.md): a 4-64-64-2
 * network, Double DQN, the squared TD error, a step size falling from 1e-3
 * to 1e-4 over 60 000 steps and a final ε of 0.01 — with which four seeds
 * of five averaged ≥ 475 over 100 episodes within 100 000 steps. Zoo's own
 * (step size 2.3e-3, Huber) climbed to 300–400 by 60 000 steps and fell
 * back on five seeds of five. */
#pragma once

#include "gb-mlp.h"
#include "gb-safetensors.h"
#include "gb-rl-cartpole.h"

G_BEGIN_DECLS

#define GB_DQN_OBS 4
#define GB_DQN_ACTIONS 2

typedef struct {
  int hidden;              /* H */
  double lr;               /* Adam's step size … */
  double lr_end;           /* … falling linearly to this over lr_steps env steps (lr_steps 0: constant) */
  int lr_steps;
  double gamma;
  int batch;
  int buffer;              /* replay capacity, transitions */
  int learning_starts;     /* env steps before the first update */
  int train_every;         /* env steps between bursts of updates */
  int gradient_steps;      /* updates a burst */
  int target_every;        /* env steps between target copies; 0: Polyak averaging with tau */
  double tau;
  double eps_start, eps_end;
  int eps_steps;           /* ε falls linearly from eps_start to eps_end over these env steps */
  double max_grad_norm;    /* ≤ 0: no clipping */
  gboolean huber, double_dqn;
  guint64 seed;
} GbDqnConfig;

/* One finished episode, for the curves. */
typedef struct {
  gint64 steps;             /* env steps when it ended */
  double ret, epsilon;
  double loss;              /* mean TD loss of the updates during it (NaN: none) */
  double lag;               /* the last burst's mean |Q (s, a) − Q_target (s, a)| (NaN: none yet) */
  double q_mean;            /* mean over its steps of max_a Q (s_t, a): what the network promised … */
  double g_mean;            /* … and the mean discounted return from those steps that it got */
} GbDqnLog;

typedef struct {
  GbDqnConfig config;
  GbMlp net;               /* 4 → H → H → 2, ReLU */
  gsize n_params;
  float *params, *target;  /* online and target networks (n_params) */
  float *grad, *m, *v;
  int adam_t;
  /* The replay buffer: a ring of `buffer` transitions. */
  float *rs, *rs2, *rr;    /* (cap, 4), (cap, 4), (cap) */
  guint8 *ra, *rdone;      /* (cap) */
  gint64 *rstep;           /* (cap): the env step it was stored at (its age) */
  int size, head;
  /* The environment and what it has done. */
  GbCartPole env;
  GbRng rng;
  gint64 steps;            /* env steps taken */
  int episodes;
  double episode_return;
  GArray *returns;         /* of double: each finished episode's */
  gint64 solved_at;        /* the env step at which the last 100 episodes first averaged ≥ 475 (Gymnasium's
                            * threshold for CartPole-v1); 0 until then */
  double epsilon;          /* in force */
  double last_loss;
  int updates;
  int *batch_index;        /* (B): the buffer slots of the last minibatch */
  double lag;
  GArray *log;             /* of GbDqnLog, per finished episode */
  double ep_q, ep_loss;    /* the episode so far */
  int ep_updates;
  /* Scratch for a minibatch. */
  float *x, *x2, *y, *br;   /* (B, 4), (B, 4), (B), (B) */
  guint8 *ba, *bdone;       /* (B) */
  GbMlpWork *work, *work2;  /* an update's passes (B rows): over s, and the targets' over s2 */
  float *gq, *qt, *qo;      /* (B, 2) */
} GbDqn;

void     gb_dqn_config_init  (GbDqnConfig *c);
gboolean gb_dqn_config_check (const GbDqnConfig *c, GError **error);

GbDqn   *gb_dqn_new  (const GbDqnConfig *config, GError **error);
void     gb_dqn_free (GbDqn *dqn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDqn, gb_dqn_free)

/* Q (n, 2) of n observations (n, 4) under params (the online or the target network). */
void     gb_dqn_q      (const GbDqn *dqn, const float *params, const float *obs, int n, float *q);
/* The greedy action in state s. */
int      gb_dqn_greedy (const GbDqn *dqn, const GbCartState *s);
/* The TD targets y (n) of transitions (r, s′, terminated) as the config says (max or Double). */
void     gb_dqn_targets (const GbDqn *dqn, const float *r, const float *s2, const guint8 *done, int n, float *y);
/* The loss of minibatch (s, a, y) under params, and its gradient into grad (n_params) when not NULL. */
double   gb_dqn_loss   (const GbDqn *dqn, const float *params, const float *s, const guint8 *a, const float *y, int n,
                        float *grad);
/* Takes up to n env steps (acting, storing, learning as the schedule says);
 * returns how many. */
gint64   gb_dqn_run    (GbDqn *dqn, gint64 n);
/* Steps until the episode under way ends, recording it into ep when not
 * NULL (p_right: the ε-greedy policy's; V: max_a Q (s_t, a); G: the
 * discounted return from t). Returns its length (the steps taken). */
int      gb_dqn_episode (GbDqn *dqn, GbCartEpisode *ep);
/* At most max steps of the episode under way, appended to ep (cleared by the
 * caller when one starts); TRUE when it ended (ep->G is filled then): a
 * worker can stop within a few steps. */
gboolean gb_dqn_episode_continue (GbDqn *dqn, GbCartEpisode *ep, int max);
/* The Q-network as safetensors named as PyTorch's nn.Sequential names it
 * (0.weight (H, 4), 0.bias, 2.weight, 2.bias, 4.weight (2, H), 4.bias), with
 * metadata algo=dqn, hidden, env=CartPole-v1: PyTorch loads it with
 * load_state_dict. Written atomically. */
gboolean gb_dqn_save      (const GbDqn *dqn, const char *path, GError **error);
/* A Q-network from such a file (one made in PyTorch too: any floating
 * dtype), into a new DQN of that width (config's other fields as given; its
 * target starts as a copy). NaN or infinite weights are refused (by the
 * safetensors reader, naming the tensor). */
GbDqn   *gb_dqn_load      (const char *path, const GbDqnConfig *config, GError **error);
GbDqn   *gb_dqn_from_safetensors (const GbSafetensors *st, const GbDqnConfig *config, GError **error);
/* Adam's step size in force. */
double   gb_dqn_lr (const GbDqn *dqn);
/* The mean return of the last k finished episodes (0 when there are none). */
double   gb_dqn_mean_return (const GbDqn *dqn, int k);

/* What the DQN views draw, copied out under the agent's lock and worked out
 * on a worker: the networks, a sample of the replay buffer with its TD
 * errors and ages, the last minibatch, the episodes' log, and Q over the
 * (θ, θ̇) plane at chosen x, ẋ (cells as gb_cart_plane_state lays them). */
typedef struct {
  GbMlp net;
  float *params, *target;
  double gamma;
  gboolean double_dqn;
  int m;                    /* buffer transitions sampled (evenly over it) */
  float *s, *s2, *r, *td;   /* (m, 4), (m, 4), (m), (m): TD error Q (s, a) − y */
  guint8 *a, *done;
  gint64 *age;              /* (m): env steps since it was stored */
  int b;
  float *batch;             /* (b, 4): the last minibatch's states */
  GbDqnLog *log;
  int n_log;
  GbCartState state;        /* the environment's now */
  gint64 steps, buffer_size;
  double epsilon;
  int n;                    /* the plane's cells a side (0 until computed) */
  double x, x_dot;
  double *q_left, *q_right; /* (n × n) */
  double q_lo, q_hi;        /* their range */
} GbDqnSnapshot;

/* Copies what the views need (at most max_points buffer transitions). */
GbDqnSnapshot *gb_dqn_snapshot      (const GbDqn *dqn, int max_points);
/* The TD errors of the sample and Q over an n × n plane at x, ẋ (the slow part: on a worker). */
void           gb_dqn_snapshot_compute (GbDqnSnapshot *snap, double x, double x_dot, int n);
void           gb_dqn_snapshot_free (GbDqnSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDqnSnapshot, gb_dqn_snapshot_free)

G_END_DECLS
