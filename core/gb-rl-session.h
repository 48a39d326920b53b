/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-session.h — saving what was learned on a gridworld, to come back to it.
 *
 * A session file is a GKeyFile (text): the map in its own text format, the
 * algorithm and its parameters, and the learned tables (V, the policy, and Q
 * for the TD agents) as lists of numbers, so a trained agent need not be
 * trained again:
 *
 *   [glassbox-rl]
 *   version=1
 *   map=name = 4x3 world\nstep = -0.04\n…
 *   algo=q-learning
 *   alpha=0.5 …
 *   V=0.81;0.86;…
 */
#pragma once

#include "gb-rl.h"

G_BEGIN_DECLS

typedef struct {
  GbGrid *grid;          /* owned */
  char *algo;            /* value-iteration, policy-iteration, policy-evaluation, q-learning, sarsa, expected-sarsa */
  GbTdConfig td;         /* α, γ, ε, decay, seed for the TD agents */
  int episodes;          /* episodes the tables were learned over (TD) or sweeps (DP) */
  double *V;             /* (n_states) */
  int *pi;               /* (n_states) */
  double *Q;             /* (n_states, 4), or NULL for dynamic programming */
} GbRlSession;

gboolean     gb_rl_session_save (const GbRlSession *session, const char *path, GError **error);
GbRlSession *gb_rl_session_load (const char *path, GError **error);
void         gb_rl_session_free (GbRlSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbRlSession, gb_rl_session_free)

G_END_DECLS
