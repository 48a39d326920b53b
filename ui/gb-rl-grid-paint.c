/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-grid-paint.c — the gridworld painter. */
#include "gb-rl-grid-paint.h"

#include <math.h>
#include <stdio.h>

#define LEGEND_W 70.0
#define MARGIN 12.0
#define TITLE_H 26.0

typedef struct {
  double x0, y0, cell;
} Layout;

static Layout
layout (int w, int h, const GbGridScene *s)
{
  const GbGrid *g = s->grid;
  double top = s->title ? TITLE_H : MARGIN;
  double aw = w - 2 * MARGIN - LEGEND_W, ah = h - top - MARGIN;
  double cell = floor (MIN (aw / g->cols, ah / g->rows));
  cell = MAX (cell, 2.0);
  Layout l = { MARGIN + (aw - cell * g->cols) / 2, top + (ah - cell * g->rows) / 2, cell };
  return l;
}

int
gb_grid_hit (int w, int h, const GbGridScene *s, double x, double y)
{
  Layout l = layout (w, h, s);
  int c = (int) floor ((x - l.x0) / l.cell), r = (int) floor ((y - l.y0) / l.cell);
  if (r < 0 || c < 0 || r >= s->grid->rows || c >= s->grid->cols)
    return -1;
  return s->grid->state_of_cell[r * s->grid->cols + c];
}

gboolean
gb_grid_hit_cell (int w, int h, const GbGridScene *s, double x, double y, int *row, int *col)
{
  Layout l = layout (w, h, s);
  int c = (int) floor ((x - l.x0) / l.cell), r = (int) floor ((y - l.y0) / l.cell);
  if (r < 0 || c < 0 || r >= s->grid->rows || c >= s->grid->cols)
    return FALSE;
  *row = r, *col = c;
  return TRUE;
}

GbRgb
gb_grid_value_color (double v, double m, const GbPalette *pal)
{
  /* Purple (−m) — the background (0) — orange (+m), after ColorBrewer's PuOr. */
  static const GbRgb neg = { 0.329, 0.153, 0.533 }, pos = { 0.702, 0.345, 0.024 };
  double t = m > 0 ? CLAMP (v / m, -1.0, 1.0) : 0.0;
  const GbRgb *end = t < 0 ? &neg : &pos;
  double k = sqrt (fabs (t));   /* small values stay visible */
  GbRgb mid = pal->bg;
  return (GbRgb) { mid.r + (end->r - mid.r) * k, mid.g + (end->g - mid.g) * k, mid.b + (end->b - mid.b) * k };
}

static double
scale_of (const GbGridScene *s)
{
  const GbGrid *g = s->grid;
  double m = 0.0;
  for (int st = 0; st < g->mdp->n_states; st++)
    {
      if (g->mdp->terminal[st])
        continue;
      if (s->V)
        m = MAX (m, fabs (s->V[st]));
      if (s->Q)
        for (int a = 0; a < 4; a++)
          m = MAX (m, fabs (s->Q[st * 4 + a]));
    }
  return m > 0 ? m : 1.0;
}

static void
arrow (cairo_t *cr, double cx, double cy, double len, int dir)
{
  static const double dx[4] = { 0, 1, 0, -1 }, dy[4] = { -1, 0, 1, 0 };
  double ex = cx + dx[dir] * len / 2, ey = cy + dy[dir] * len / 2;
  double sx = cx - dx[dir] * len / 2, sy = cy - dy[dir] * len / 2;
  cairo_move_to (cr, sx, sy);
  cairo_line_to (cr, ex, ey);
  double hx = -dx[dir] * len * 0.3, hy = -dy[dir] * len * 0.3, px = -dy[dir] * len * 0.22, py = dx[dir] * len * 0.22;
  cairo_move_to (cr, ex + hx + px, ey + hy + py);
  cairo_line_to (cr, ex, ey);
  cairo_line_to (cr, ex + hx - px, ey + hy - py);
}

void
gb_grid_paint (cairo_t *cr, int w, int h, const GbGridScene *s, const GbPalette *pal)
{
  const GbGrid *g = s->grid;
  Layout l = layout (w, h, s);
  double m = scale_of (s), cs = l.cell;
  char buf[32];
  cairo_save (cr);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  gb_set_rgb (cr, &pal->bg);
  cairo_paint (cr);
  if (s->title)
    gb_paint_text (cr, MARGIN, 5, s->title, 13, &pal->fg, GB_ALIGN_LEFT, TRUE);

  for (int r = 0; r < g->rows; r++)
    for (int c = 0; c < g->cols; c++)
      {
        double x = l.x0 + c * cs, y = l.y0 + r * cs;
        GbCell k = g->cells[r * g->cols + c];
        int st = g->state_of_cell[r * g->cols + c];
        if (k == GB_CELL_WALL)
          {
            gb_set_rgb (cr, &pal->fg);
            cairo_rectangle (cr, x, y, cs, cs);
            cairo_fill (cr);
            continue;
          }
        gboolean term = g->mdp->terminal[st];
        if (!term && s->Q != NULL)
          {
            /* Four triangles meeting at the centre: up, right, down, left. */
            const double px[4][2] = { { 0, 1 }, { 1, 1 }, { 1, 0 }, { 0, 0 } };
            const double py[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 1 }, { 1, 0 } };
            for (int a = 0; a < 4; a++)
              {
                GbRgb col = gb_grid_value_color (s->Q[st * 4 + a], m, pal);
                cairo_move_to (cr, x + cs / 2, y + cs / 2);
                cairo_line_to (cr, x + px[a][0] * cs, y + py[a][0] * cs);
                cairo_line_to (cr, x + px[a][1] * cs, y + py[a][1] * cs);
                cairo_close_path (cr);
                gb_set_rgb (cr, &col);
                cairo_fill (cr);
              }
          }
        else if (!term && s->V != NULL)
          {
            GbRgb col = gb_grid_value_color (s->V[st], m, pal);
            gb_set_rgb (cr, &col);
            cairo_rectangle (cr, x, y, cs, cs);
            cairo_fill (cr);
          }
        if (s->flash != NULL && !term && s->flash[st] > 0.0f)
          {
            gb_set_rgba (cr, &pal->accent2, 0.6 * s->flash[st]);
            cairo_set_line_width (cr, 3);
            cairo_rectangle (cr, x + 2.5, y + 2.5, cs - 5, cs - 5);
            cairo_stroke (cr);
          }
        /* Markers. */
        const char *mark = k == GB_CELL_GOAL ? "G" : k == GB_CELL_PIT ? "P" : k == GB_CELL_CLIFF ? "C"
                         : k == GB_CELL_START ? "S" : NULL;
        if (k == GB_CELL_GOAL || k == GB_CELL_PIT || k == GB_CELL_CLIFF)
          {
            GbRgb col = k == GB_CELL_GOAL ? (GbRgb) { 0.27, 0.67, 0.60 } : (GbRgb) { 0.33, 0.33, 0.33 };
            gb_set_rgb (cr, &col);
            cairo_rectangle (cr, x, y, cs, cs);
            cairo_fill (cr);
          }
        if (mark != NULL && cs >= 14)
          {
            GbRgb white = { 1, 1, 1 };
            gb_paint_text (cr, x + 4, y + 2, mark, MIN (cs * 0.3, 14), k == GB_CELL_START ? &pal->fg : &white,
                           GB_ALIGN_LEFT, TRUE);
          }
        if (!term && k != GB_CELL_CLIFF && s->policy != NULL && cs >= 10)
          {
            arrow (cr, x + cs / 2, y + cs / 2, cs * 0.5, s->policy[st]);
            gb_set_rgb (cr, &pal->fg);
            cairo_set_line_width (cr, MAX (1.0, cs / 24));
            cairo_stroke (cr);
          }
        if (s->numbers && !term && s->V != NULL && cs >= 34)
          {
            snprintf (buf, sizeof buf, "%.2f", s->V[st]);
            gb_paint_text (cr, x + cs / 2, y + cs - MIN (cs * 0.28, 15) - 3, buf, MIN (cs * 0.24, 12), &pal->fg,
                           GB_ALIGN_CENTER, FALSE);
          }
      }
  /* Grid lines. */
  gb_set_rgba (cr, &pal->muted, 0.5);
  cairo_set_line_width (cr, 1);
  for (int r = 0; r <= g->rows; r++)
    {
      cairo_move_to (cr, l.x0, round (l.y0 + r * cs) + 0.5);
      cairo_line_to (cr, l.x0 + g->cols * cs, round (l.y0 + r * cs) + 0.5);
    }
  for (int c = 0; c <= g->cols; c++)
    {
      cairo_move_to (cr, round (l.x0 + c * cs) + 0.5, l.y0);
      cairo_line_to (cr, round (l.x0 + c * cs) + 0.5, l.y0 + g->rows * cs);
    }
  cairo_stroke (cr);

  if (s->highlight > 0 && s->highlight <= g->mdp->n_states)
    {
      int cell = g->cell_of_state[s->highlight - 1];
      gb_set_rgb (cr, &pal->accent);
      cairo_set_line_width (cr, 3);
      cairo_rectangle (cr, l.x0 + (cell % g->cols) * cs + 1.5, l.y0 + (cell / g->cols) * cs + 1.5, cs - 3, cs - 3);
      cairo_stroke (cr);
    }

  if (s->cursor > 0 && s->cursor <= g->rows * g->cols)
    {
      int cell = s->cursor - 1;
      double dash[] = { 6, 4 };
      gb_set_rgb (cr, &pal->accent2);
      cairo_set_line_width (cr, 3);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_rectangle (cr, l.x0 + (cell % g->cols) * cs + 4.5, l.y0 + (cell / g->cols) * cs + 4.5, cs - 9, cs - 9);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  /* The agent and its trail. */
  if (s->trail != NULL && s->trail_len > 1)
    {
      for (int i = 0; i < s->trail_len; i++)
        {
          int cell = g->cell_of_state[s->trail[i]];
          double x = l.x0 + (cell % g->cols + 0.5) * cs, y = l.y0 + (cell / g->cols + 0.5) * cs;
          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      gb_set_rgba (cr, &pal->accent, 0.8);
      cairo_set_line_width (cr, MAX (2.0, cs / 12));
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_stroke (cr);
    }
  if (s->agent >= 0)
    {
      int cell = g->cell_of_state[s->agent];
      double x = l.x0 + (cell % g->cols + 0.5) * cs, y = l.y0 + (cell / g->cols + 0.5) * cs;
      cairo_arc (cr, x, y, MAX (3.0, cs * 0.22), 0, 2 * G_PI);
      gb_set_rgb (cr, &pal->accent);
      cairo_fill_preserve (cr);
      gb_set_rgb (cr, &pal->bg);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }

  /* The legend: the colour bar from −m to +m. */
  if (s->V != NULL || s->Q != NULL)
    {
      double lx = w - LEGEND_W + 8, ly = l.y0, lh = MIN (g->rows * cs, 260.0);
      for (int i = 0; i < (int) lh; i++)
        {
          double v = m * (1.0 - 2.0 * i / lh);
          GbRgb col = gb_grid_value_color (v, m, pal);
          gb_set_rgb (cr, &col);
          cairo_rectangle (cr, lx, ly + i, 14, 1);
          cairo_fill (cr);
        }
      gb_set_rgb (cr, &pal->muted);
      cairo_rectangle (cr, lx + 0.5, ly + 0.5, 14, lh);
      cairo_stroke (cr);
      snprintf (buf, sizeof buf, "%+.2f", m);
      gb_paint_text (cr, lx + 18, ly - 2, buf, 10, &pal->fg, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, lx + 18, ly + lh / 2 - 7, "0", 10, &pal->fg, GB_ALIGN_LEFT, FALSE);
      snprintf (buf, sizeof buf, "%+.2f", -m);
      gb_paint_text (cr, lx + 18, ly + lh - 12, buf, 10, &pal->fg, GB_ALIGN_LEFT, FALSE);
      gb_paint_text (cr, lx, ly + lh + 4, s->Q ? "Q(s, a)" : "V(s)", 11, &pal->muted, GB_ALIGN_LEFT, FALSE);
    }
  cairo_restore (cr);
}
