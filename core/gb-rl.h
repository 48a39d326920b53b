/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl.h — dynamic programming and temporal-difference control on a GbMdp.
 *
 * Dynamic programming (Sutton & Barto, ch. 4) works in sweeps, so a UI can
 * step through them and show the Bellman residual max_s |V_new(s) − V(s)|:
 *
 *   double V[n] = { 0 }, scratch[n];
 *   while (gb_value_iteration_sweep (mdp, V, scratch) > 1e-9) ;
 *   gb_greedy_policy (mdp, V, pi);
 *
 * TD agents (Q-learning, SARSA, expected SARSA; ch. 6) act one step at a
 * time with ε-greedy exploration; the same seed gives the same run.
 */
#pragma once

#include <gio/gio.h>

#include "gb-rl-mdp.h"
#include "gb-rng.h"

G_BEGIN_DECLS

/* --- dynamic programming --- */

/* q(s, a) = Σ_s′ p (r + γ V(s′)). */
double gb_dp_q (const GbMdp *mdp, const double *V, int s, int a);
/* One synchronous sweep of value iteration, V(s) ← max_a q(s, a), with
 * scratch (n_states); returns the Bellman residual. */
double gb_value_iteration_sweep (const GbMdp *mdp, double *V, double *scratch);
/* One synchronous sweep of policy evaluation for the deterministic policy pi. */
double gb_policy_evaluation_sweep (const GbMdp *mdp, const int *pi, double *V, double *scratch);
/* pi(s) ← argmax_a q(s, a), the lowest action among those within 1e-12 of
 * the best; returns how many states changed their action. */
int    gb_greedy_policy (const GbMdp *mdp, const double *V, int *pi);
/* Sweeps until the residual is below tol: returns the sweeps taken, or −1
 * after max_sweeps without getting there. */
int    gb_value_iteration (const GbMdp *mdp, double *V, double tol, int max_sweeps);
/* Policy iteration from the policy in pi: evaluation (to tol, at most
 * 10·n_states sweeps — an improper policy with γ = 1 never converges) then
 * improvement, until the policy is stable. Returns the improvements made,
 * or −1 if it did not settle within max_iters. */
int    gb_policy_iteration (const GbMdp *mdp, int *pi, double *V, double tol, int max_iters);

/* The Bellman backup of state s under V, written out with its numbers, e.g.
 * "V(s) ← max_a Σ p·(r + γ·V(s′))\n  ↑: 0.8·(−0.04 + 1·0.918) + 0.1·(…) + … = 0.79\n…\n  = 0.812 (↑)".
 * action_names (n_actions) label the actions. */
char  *gb_dp_explain (const GbMdp *mdp, const double *V, int s, const char *const *action_names);
/* The same for policy evaluation's backup with the action a = π(s):
 * "V(s) ← Σ p·(r + γ·V(s′)) with π(s) = →\n  = 0.8·(…) + … = 0.79". */
char  *gb_dp_explain_policy (const GbMdp *mdp, const double *V, int s, int a, const char *const *action_names);

/* A dynamic-programming run that a user steps through one sweep at a time,
 * and back again (the last `history` sweeps are kept). */
typedef enum {
  GB_DP_VALUE_ITERATION,
  GB_DP_POLICY_ITERATION,
  GB_DP_POLICY_EVALUATION,   /* of the policy given at creation */
} GbDpAlgo;

typedef struct {
  const GbMdp *mdp;          /* not owned */
  GbDpAlgo algo;
  double tol;
  double *V;                 /* (n_states) */
  int *pi;                   /* (n_states): greedy (VI), current (PI) or evaluated (PE) */
  double residual;           /* of the last sweep */
  int sweeps;
  int improvements;          /* policy iteration's improvement steps */
  gboolean done;             /* converged (and, for PI, the policy is stable) */
  GPtrArray *history;        /* of saved states, oldest first */
  int history_max;
} GbDpRun;

GbDpRun *gb_dp_run_new   (const GbMdp *mdp, GbDpAlgo algo, const int *policy, double tol, int history_max);
void     gb_dp_run_free  (GbDpRun *run);
/* One sweep (policy iteration: an evaluation sweep, or the improvement once
 * the evaluation has converged). Returns FALSE when already done. */
gboolean gb_dp_run_step  (GbDpRun *run);
/* Undoes the last step; FALSE when there is no history left. */
gboolean gb_dp_run_back  (GbDpRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDpRun, gb_dp_run_free)

/* --- TD control --- */

typedef enum {
  GB_TD_Q_LEARNING,
  GB_TD_SARSA,
  GB_TD_EXPECTED_SARSA,
} GbTdAlgo;

typedef struct {
  GbTdAlgo algo;
  double alpha;          /* (0, 1] */
  double gamma;          /* [0, 1] */
  double epsilon;        /* [0, 1] */
  double epsilon_decay;  /* ε ← max (ε_min, ε·decay) after each episode; 1: none */
  double epsilon_min;
  int max_steps;         /* an episode is cut after this many steps */
  guint64 seed;
  /* The greedy action among equal Q-values: one of them at random (the
   * default, as Sutton & Barto do), or the first (as np.argmax does). */
  gboolean first_of_ties;
} GbTdConfig;

void        gb_td_config_init  (GbTdConfig *c);
gboolean    gb_td_config_check (const GbTdConfig *c, GError **error);
const char *gb_td_algo_name    (GbTdAlgo algo);
gboolean    gb_td_algo_parse   (const char *name, GbTdAlgo *algo);

typedef struct {
  int s, a;              /* where the agent was and what it did */
  double r;
  int s_next;
  double td_error;       /* target − Q(s, a) before the update */
  gboolean episode_end;
} GbTdStep;

typedef struct {
  const GbMdp *mdp;      /* not owned */
  GbTdConfig config;
  double epsilon;        /* the ε in force */
  double *Q;             /* (n_states, n_actions) */
  GbRng rng;
  int s, a;
  gboolean in_episode;
  int t;                 /* steps in this episode */
  double G;              /* return so far in this episode (undiscounted) */
  int episodes;
  double last_return;    /* of the last finished episode */
  /* The learning curve, bounded: entry i is the mean return (and length) of
   * episodes [i·bucket, (i+1)·bucket). When it reaches GB_TD_HISTORY entries,
   * neighbours are averaged and bucket doubles. */
  GArray *returns;       /* of double */
  GArray *lengths;       /* of double */
  int bucket;
  double pending_return, pending_length;
  int pending;
  /* Undo records of the last steps taken with gb_td_agent_step (cleared by
   * gb_td_agent_run_steps and by a curve compaction). */
  GArray *undo;
  int undo_max;
} GbTdAgent;

#define GB_TD_HISTORY 65536

GbTdAgent *gb_td_agent_new  (const GbMdp *mdp, const GbTdConfig *config, GError **error);
void       gb_td_agent_free (GbTdAgent *agent);
/* Changes α, γ and ε while the agent runs (no reset). */
gboolean   gb_td_agent_set_params (GbTdAgent *agent, double alpha, double gamma, double epsilon, GError **error);
/* Points the agent at a rebuilt MDP of the same size (e.g. a new slip). */
void       gb_td_agent_set_mdp (GbTdAgent *agent, const GbMdp *mdp);
/* One action; fills step when not NULL. */
void       gb_td_agent_step (GbTdAgent *agent, GbTdStep *step);
/* n steps as gb_td_agent_step would take them (the same draws and results),
 * in a loop built for speed: for “many episodes fast”. */
void       gb_td_agent_run_steps (GbTdAgent *agent, gint64 n);
/* Keeps undo records for the last n steps (0: none, the default). */
void       gb_td_agent_set_history (GbTdAgent *agent, int n);
/* Takes back the last step exactly (Q entry, position, ε, random state,
 * episode counts); FALSE when there is nothing to take back. */
gboolean   gb_td_agent_step_back (GbTdAgent *agent);
/* Runs to the end of the current (or a new) episode; returns its return. */
double     gb_td_agent_run_episode (GbTdAgent *agent);
/* The greedy action in s (lowest index on ties). */
int        gb_td_agent_greedy (const GbTdAgent *agent, int s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbTdAgent, gb_td_agent_free)

/* Learning curves averaged over seeds: runs `seeds` agents (seeds
 * config->seed, config->seed + 1, …) for `episodes` episodes each and fills
 * mean (episodes) and sd (episodes) with the return of each episode across
 * them — the curve and its spread for comparing two algorithms (the sample
 * standard deviation, by Welford's running sums).
 *
 * A job for a worker thread: progress, if not NULL, is called (in that
 * thread) after every episode with the episodes run and seeds × episodes;
 * cancel (may be NULL) is looked at between episodes and ends the run with
 * G_IO_ERROR_CANCELLED. Q_first, if not NULL (n_states × n_actions), gets
 * the first seed's Q table at the end. */
typedef void (*GbRlProgress) (gint64 done, gint64 total, gpointer data);
gboolean gb_td_learning_curve (const GbMdp *mdp, const GbTdConfig *config, int seeds, int episodes,
                               double *mean, double *sd, double *Q_first, GbRlProgress progress,
                               gpointer progress_data, GCancellable *cancel, GError **error);

G_END_DECLS
