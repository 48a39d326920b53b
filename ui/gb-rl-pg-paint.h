/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-pg-paint.h — why a baseline helps: for the current policy, N fresh
 * episodes each give one estimate g of the policy gradient; their spread
 * without a baseline (Ψ_t = G_t) and with one (Ψ_t = G_t − b(s_t)) drawn as
 * histograms of g's projection on the direction of the mean gradient, with
 * the total variance E‖g − ḡ‖² of each in numbers. */
#pragma once

#include "gb-paint.h"
#include "gb-rl-pg.h"

G_BEGIN_DECLS

typedef struct {
  const GbPgSpread *spread;       /* NULL: not measured yet */
  gboolean critic;                /* the baseline is the learned V (else the mean return-to-go) */
  const char *title;
  const char *status;             /* a line under the title, or NULL */
} GbPgScene;

void gb_pg_spread_paint (cairo_t *cr, int w, int h, const GbPgScene *scene, const GbPalette *pal);

G_END_DECLS
