/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-toy2d.h — two-dimensional toy distributions for diffusion models.
 *
 * Each is scaled to about unit spread around the origin (as diffusion
 * models expect their data), seeded and reproducible:
 *   swiss-roll, moons, 8-gaussians, checkerboard, rings,
 * and a distribution painted by the user: a list of points, sampled with a
 * little jitter. */
#pragma once

#include <glib.h>

#include "gb-rng.h"

G_BEGIN_DECLS

typedef enum {
  GB_TOY_SWISS_ROLL,
  GB_TOY_MOONS,
  GB_TOY_8_GAUSSIANS,
  GB_TOY_CHECKERBOARD,
  GB_TOY_RINGS,
  GB_TOY_PAINTED,
  GB_TOY_N_KINDS,
} GbToyKind;

const char *gb_toy_name  (GbToyKind kind);
gboolean    gb_toy_parse (const char *name, GbToyKind *kind);
/* The names of the built-in kinds, NULL-terminated. */
const char *const *gb_toy_names (void);

/* Draws n points into xy (n, 2). For GB_TOY_PAINTED, painted (n_painted, 2)
 * are the user's points: each draw is one of them plus N(0, jitter²). */
gboolean gb_toy_sample (GbToyKind kind, float *xy, int n, GbRng *rng, const float *painted, int n_painted,
                        float jitter, GError **error);

/* The sliced Wasserstein-1 distance between two point sets (n, 2) and (m, 2)
 * of equal size, averaged over `projections` random directions: sort the
 * projections and compare them in order. A measure of how close samples are
 * to data. */
double gb_sliced_wasserstein (const float *a, const float *b, int n, int projections, GbRng *rng);

G_END_DECLS
