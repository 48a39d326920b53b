/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-learner.h — the learner on a gridworld as a user steps it: one
 * dynamic-programming run (value iteration, policy iteration or policy
 * evaluation) or one TD agent (Q-learning, SARSA, expected SARSA), with what
 * is shown of its steps: the trail of the episode, the numbers of the last
 * update in each state, and the Bellman error against steps or sweeps.
 *
 * The RL page, the render command and the tests step a learner the same way.
 * A learner keeps a pointer to the map's MDP (the grid stays the caller's);
 * after the MDP changes, gb_grid_learner_set_mdp hands the new one over.
 */
#pragma once

#include "gb-rl-mdp.h"
#include "gb-rl.h"

G_BEGIN_DECLS

typedef enum {
  GB_LEARN_VALUE_ITERATION,
  GB_LEARN_POLICY_ITERATION,
  GB_LEARN_POLICY_EVALUATION,
  GB_LEARN_Q_LEARNING,
  GB_LEARN_SARSA,
  GB_LEARN_EXPECTED_SARSA,
  GB_LEARN_N
} GbLearnAlgo;

/* "value-iteration", … (as session files name them) and "Value iteration", … */
extern const char *const gb_learn_keys[GB_LEARN_N];
extern const char *const gb_learn_titles[GB_LEARN_N];
/* ↑ → ↓ ← */
extern const char *const gb_action_names[4];

static inline gboolean
gb_learn_is_td (GbLearnAlgo algo)
{
  return algo >= GB_LEARN_Q_LEARNING;
}

/* The TD rule of a TD algorithm. */
GbTdAlgo gb_learn_td_algo (GbLearnAlgo algo);

/* The last update of a state made one action at a time. */
typedef struct {
  GbTdStep step;             /* step.s < 0: none yet */
  double q_before, alpha;
  int episode, t;
} GbTdRecord;

typedef struct {
  const GbGrid *grid;
  GbLearnAlgo algo;
  GbDpRun *dp;               /* one of dp and agent */
  GbTdAgent *agent;
  gint64 steps;              /* TD steps taken */
  double *V_before;          /* (n) the values the last sweep started from */
  GbTdRecord *records;       /* (n) */
  GArray *trail;             /* of int: the states of the episode under way, stepped one at a time */
  gboolean trail_done;
  GArray *err_x, *err_y;     /* of double: the Bellman error against steps or sweeps, at most 4096 points */
  gint64 err_last_steps;
} GbGridLearner;

/* td is read for the TD algorithms (its gamma is the map's); policy (n states
 * or NULL: Up everywhere) is where policy iteration and evaluation start. */
GbGridLearner *gb_grid_learner_new  (const GbGrid *grid, GbLearnAlgo algo, const GbTdConfig *td, const int *policy,
                                     int history, GError **error);
void           gb_grid_learner_free (GbGridLearner *learner);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbGridLearner, gb_grid_learner_free)

/* The map's MDP was rebuilt (a new slip): the learner goes on from its values on it. */
void     gb_grid_learner_set_mdp (GbGridLearner *learner);
/* One sweep or one action; FALSE when dynamic programming has converged. */
gboolean gb_grid_learner_step    (GbGridLearner *learner);
/* Undoes the last sweep or action from the bounded history; FALSE when there is none. */
gboolean gb_grid_learner_back    (GbGridLearner *learner);
/* Sweeps to convergence, or runs the agent to the end of its episode step by step. */
void     gb_grid_learner_episode (GbGridLearner *learner);
/* n whole episodes of the TD agent, one action at a time (the same steps as
 * the fast loop), with a point of the Bellman error curve after each. */
void     gb_grid_learner_run_episodes (GbGridLearner *learner, int n);
/* Up to max TD steps flat out, without records (a GbRlRunnerStep). */
gint64   gb_grid_learner_run     (gpointer learner, gint64 max);

/* A TD agent's Q copied out, with its greedy policy and V = Q(s, π(s)); for
 * dynamic programming, its V and π and Q from one backup. V, Q (n × 4), pi. */
void     gb_grid_learner_tables  (const GbGridLearner *learner, double *V, double *Q, int *pi);
/* Adds a point to the Bellman error curve for the TD agent's Q after steps
 * steps (read under the lock, with Q), unless there is one for them already. */
void     gb_grid_learner_note_error (GbGridLearner *learner, gint64 steps, const double *Q);

/* The largest |Σ p (r + γ max Q(s′)) − Q(s, a)| over the states an agent can stand in. */
double   gb_grid_bellman_error_q (const GbGrid *grid, const double *Q);

/* "Value iteration · sweep 3 · Bellman residual …", or the agent's episode, step and ε. */
char    *gb_grid_learner_status  (const GbGridLearner *learner);
/* "4×3 world (AIMA) — " and the status: the title of an exported picture. */
char    *gb_grid_learner_title   (const GbGridLearner *learner);
/* How state s got its value: the backup of the last sweep, or the last TD update there. */
char    *gb_grid_learner_explain (const GbGridLearner *learner, int s, const int *pi);
/* Where s is, its V and Q, and where each action takes it. */
char    *gb_grid_describe_state  (const GbGrid *grid, int s, const double *V, const double *Q);

G_END_DECLS
