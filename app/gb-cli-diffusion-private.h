/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-diffusion-private.h — what `sample diffusion` and `render diffusion`
 * share: their options and loading the model they sample. */
#pragma once

#include <gio/gio.h>

#include "gb-diffusion-denoiser.h"
#include "gb-diffusion-toy2d.h"

G_BEGIN_DECLS

typedef struct {
  char *model, *out, *sampler, *sigma, *theme, *process, *dump;
  char *n_help, *guidance_help;
  int n, steps, width, height, t;
  double eta, guidance;
  gint64 seed;
  gboolean no_clip;
} GbSampleOptions;

/* The options; render adds --t and --process and leaves out --n (a frame has
 * the page's 2 000 points or 16 images). */
void        gb_sample_options_add   (GOptionContext *ctx, GbSampleOptions *o, gboolean render, int n_default);
void        gb_sample_options_clear (GbSampleOptions *o);
/* Checks the options and loads the model, its guidance set (--guidance or
 * its default) and the sampler configured: NULL and *status set on failure.
 * kind: the toy data it learnt, or GB_TOY_N_KINDS. */
GbDenoiser *gb_sample_options_load  (GOptionContext *ctx, GbSampleOptions *o, GbSamplerConfig *c, GbToyKind *kind,
                                     int *status);

G_END_DECLS
