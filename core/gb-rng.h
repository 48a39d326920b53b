/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rng.h — a small seeded random number generator.
 *
 * Randomness in Glassbox is always an argument: every function that draws
 * numbers takes a GbRng *, so the same seed gives the same pixels.
 *
 *   GbRng rng;
 *   gb_rng_init (&rng, 42);
 *   float z = gb_rng_normal (&rng);
 *
 * The generator is xoshiro256** (Blackman & Vigna), seeded through
 * splitmix64; normals come from the Box–Muller transform.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint64 s[4];
  gboolean has_spare;
  float spare;
} GbRng;

void    gb_rng_init    (GbRng *rng, guint64 seed);
/* Stream number `stream` of a seed, for work cut into independent pieces
 * (a sampler step's halves, a training batch's halves) whose numbers must
 * not depend on whether the pieces ran in parallel. Stream 0 is seed's own. */
void    gb_rng_init_stream (GbRng *rng, guint64 seed, guint64 stream);
guint64 gb_rng_next    (GbRng *rng);

/* gb_rng_next for hot loops, where a call would cost as much as the step. */
static inline guint64
gb_rng_next_inline (GbRng *rng)
{
  guint64 *s = rng->s;
  guint64 x = s[1] * 5;
  guint64 result = ((x << 7) | (x >> 57)) * 9;
  guint64 t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}
/* A uniform float in [0, 1). */
float   gb_rng_uniform (GbRng *rng);
/* A uniform integer in [0, n), n > 0, without modulo bias. */
guint32 gb_rng_below   (GbRng *rng, guint32 n);
/* A standard normal N(0, 1). */
float   gb_rng_normal  (GbRng *rng);
/* Fill out (n) with N(0, 1) draws. */
void    gb_rng_fill_normal (GbRng *rng, float *out, gsize n);
/* The same distribution by Marsaglia's polar method in single precision —
 * one logf and one sqrtf a pair, no sin or cos: about four times as fast,
 * for the samplers' σ·z (50 000 draws a step for 64 images). A different
 * stream from gb_rng_fill_normal's, which the shipped models were trained
 * with and keep. */
void    gb_rng_fill_normal_fast (GbRng *rng, float *out, gsize n);
/* The standard normal's quantile function Φ⁻¹(p) for p in (0, 1)
 * (Acklam's rational approximation refined by one Halley step: ~1e-15). */
double  gb_normal_quantile (double p);
/* Shuffle idx (n) in place (Fisher–Yates). */
void    gb_rng_shuffle (GbRng *rng, guint32 *idx, gsize n);

G_END_DECLS
