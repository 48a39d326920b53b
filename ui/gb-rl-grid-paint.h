/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-grid-paint.h — the gridworld canvas: V(s) as a heat map with its legend,
 * Q(s, a) as four triangles a cell, the greedy policy as arrows, walls, start,
 * goal, pit and cliff markers, and the agent with the trail of its episode.
 *
 * The colour scale is diverging around 0, purple for negative values and
 * orange for positive ones (no red–green pair: colour-blind safe). */
#pragma once

#include "gb-rl-mdp.h"
#include "gb-paint.h"

G_BEGIN_DECLS

typedef struct {
  const GbGrid *grid;
  const double *V;          /* (n_states) or NULL */
  const double *Q;          /* (n_states, 4) or NULL: triangles instead of whole cells */
  const int *policy;        /* (n_states) or NULL */
  gboolean numbers;         /* write the values in the cells */
  int agent;                /* the agent's state, or −1 */
  const int *trail;         /* states of the current episode, oldest first */
  int trail_len;
  const float *flash;       /* (n_states) 0…1: how recently each state's value changed, or NULL */
  const char *title;
  int highlight;            /* a state + 1 to outline (the selected cell), 0: none */
  int cursor;               /* a cell (r·cols + c) + 1 to mark as the edit cursor, 0: none */
} GbGridScene;

void gb_grid_paint (cairo_t *cr, int w, int h, const GbGridScene *scene, const GbPalette *pal);
/* The state under (x, y), or −1 (walls and outside). */
int  gb_grid_hit   (int w, int h, const GbGridScene *scene, double x, double y);
/* The cell under (x, y) into *row, *col; FALSE outside the grid. */
gboolean gb_grid_hit_cell (int w, int h, const GbGridScene *scene, double x, double y, int *row, int *col);
/* The colour of value v on a scale symmetric about 0 with half-width m. */
GbRgb gb_grid_value_color (double v, double m, const GbPalette *pal);

G_END_DECLS
