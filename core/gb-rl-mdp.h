/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-mdp.h — finite Markov decision processes, and gridworlds built on them.
 *
 * A GbMdp lists, for every state s and action a, the outcomes (s′, p, r):
 * P(s′|s,a) = p with reward r = R(s,a,s′). Terminal states have no outcomes
 * (their value is 0: whatever they are worth was paid on entering them).
 *
 * Gridworlds are written as text a person can read and write:
 *
 *   # The 4×3 world of Russell & Norvig (AIMA, ch. 17)
 *   name = 4x3 world
 *   step = -0.04      reward of every move
 *   goal = 1          added on entering G (terminal)
 *   pit = -1          added on entering P or H (terminal)
 *   cliff = -99       added on entering C, which sends the agent back to S
 *   slip = 0.2        probability of moving to either side of the intended direction
 *   gamma = 1
 *   grid:
 *   ...G
 *   .#.P
 *   S...
 *
 * Cells: . empty, # wall, S start (one), G goal, P or H pit/hole, C cliff.
 * Moving into a wall or off the grid leaves the agent where it is. Actions are
 * Up, Right, Down, Left (0…3). With slip σ the agent moves as intended with
 * probability 1 − σ and to each side with σ/2.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GB_GRID_MAX_SIDE 512
#define GB_GRID_MAX_CELLS (256 * 256)

typedef struct {
  guint32 next;
  float p;
  float r;
} GbOutcome;

typedef struct {
  int n_states;
  int n_actions;
  double gamma;
  guint32 start;
  guint32 *offsets;     /* (n_states·n_actions + 1): outcomes of (s, a) are [offsets[s·A+a], offsets[s·A+a+1]) */
  GbOutcome *outcomes;
  guint8 *terminal;     /* (n_states) */
} GbMdp;

GbMdp *gb_mdp_new  (int n_states, int n_actions, double gamma, GError **error);
void   gb_mdp_free (GbMdp *mdp);
/* The outcomes of (s, a). */
static inline const GbOutcome *
gb_mdp_outcomes (const GbMdp *mdp, int s, int a, int *n)
{
  guint32 i = mdp->offsets[s * mdp->n_actions + a];
  *n = (int) (mdp->offsets[s * mdp->n_actions + a + 1] - i);
  return mdp->outcomes + i;
}
gboolean gb_mdp_set_gamma (GbMdp *mdp, double gamma, GError **error);

typedef enum {
  GB_CELL_EMPTY,
  GB_CELL_WALL,
  GB_CELL_START,
  GB_CELL_GOAL,
  GB_CELL_PIT,
  GB_CELL_CLIFF,
} GbCell;

typedef enum { GB_UP, GB_RIGHT, GB_DOWN, GB_LEFT } GbDirection;

typedef struct {
  char *name;
  int rows, cols;
  GbCell *cells;        /* (rows, cols) */
  double step, goal, pit, cliff;
  double slip;
  double gamma;
  /* The MDP: one state per non-wall cell. */
  GbMdp *mdp;
  int *state_of_cell;   /* (rows·cols), −1 for walls */
  int *cell_of_state;   /* (n_states) */
} GbGrid;

/* Parses the text format above; `name` is used in messages. */
GbGrid     *gb_grid_parse      (const char *text, const char *name, GError **error);
GbGrid     *gb_grid_load       (const char *path, GError **error);
/* A preset by name: "4x3", "cliff", "frozenlake4", "frozenlake8", "maze". */
GbGrid     *gb_grid_preset     (const char *preset, GError **error);
const char *const *gb_grid_preset_names (void);
const char *gb_grid_preset_text (const char *preset);
/* Changes the slip probability (0…1) and rebuilds the MDP. */
gboolean    gb_grid_set_slip   (GbGrid *grid, double slip, GError **error);
/* Edit mode: sets cell (r, c) and rebuilds the MDP. Painting S moves the
 * start there (the old start becomes empty); the start cannot be painted
 * over (paint S elsewhere first). State numbers change when walls do. */
gboolean    gb_grid_set_cell   (GbGrid *grid, int r, int c, GbCell kind, GError **error);
/* Sets the rewards (step, goal, pit, cliff) and rebuilds. */
gboolean    gb_grid_set_rewards (GbGrid *grid, double step, double goal, double pit, double cliff,
                                 GError **error);
/* The map as text in the format above. */
char       *gb_grid_to_text    (const GbGrid *grid);
/* A copy of the map (through its text), named name. */
GbGrid     *gb_grid_copy       (const GbGrid *grid, const char *name);
/* Writes the map's text to path atomically. */
gboolean    gb_grid_save       (const GbGrid *grid, const char *path, GError **error);
void        gb_grid_free       (GbGrid *grid);

/* Gymnasium's FrozenLake numbers states row by row over every cell
 * (s = row · ncol + col) and its actions 0 Left, 1 Down, 2 Right, 3 Up.
 * gb_grid_gymnasium_action gives Glassbox's action for Gymnasium's;
 * gb_grid_q_gymnasium a Q table (n_states, 4) in Gymnasium's layout
 * (rows · cols, 4), walls' rows 0 (g_free it). */
int         gb_grid_gymnasium_action (int gym);
double     *gb_grid_q_gymnasium (const GbGrid *grid, const double *Q);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbMdp, gb_mdp_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbGrid, gb_grid_free)

G_END_DECLS
