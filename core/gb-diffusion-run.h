/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-run.h — a sampling run recorded step by step, on a worker.
 *
 * The Diffusion page draws a run while it fills (every state of the reverse
 * process, and for 2-d data the ε̂ and x̂₀ of each step) and scrubs it after;
 * the run is shared between the page and its worker, so it is reference
 * counted (atomically) and the number of steps recorded is read atomically.
 * The run samples with its own copy of the model, so the page may change or
 * free its own while it runs. */
#pragma once

#include <gio/gio.h>

#include "gb-diffusion.h"
#include "gb-diffusion-denoiser.h"

G_BEGIN_DECLS

typedef struct {
  GbDenoiser *net;           /* the run's copy */
  GbSamplerConfig config;
  int n, d, K;               /* K: the sampler's timesteps */
  int *ts;                   /* (K) the timesteps, from the first down */
  float *xs;                 /* (K + 1, n, d) x_T, then the state after each step (the last is x₀) */
  float *eps, *x0;           /* (K, n, d) each, or NULL when not kept */
} GbSampleRun;

/* A run of n samples of net (copied) with config, its guidance set to
 * guidance (for models that have one), keeping each step's ε̂ and x̂₀ when
 * keep_predictions (2-d data; for images the states alone can be 50 MB). */
GbSampleRun *gb_sample_run_new   (const GbDenoiser *net, const GbSamplerConfig *config, double guidance, int n,
                                  gboolean keep_predictions, GError **error);
GbSampleRun *gb_sample_run_ref   (GbSampleRun *run);
void         gb_sample_run_unref (GbSampleRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbSampleRun, gb_sample_run_unref)

/* Samples in the calling thread (the command line), recording every step. */
gboolean gb_sample_run_run    (GbSampleRun *run, GCancellable *cancel, GError **error);
/* Samples on a worker; the callback comes in the calling thread's main
 * context, and finish says which run it was (borrowed, into *run). */
void     gb_sample_run_async  (GbSampleRun *run, GCancellable *cancel, GAsyncReadyCallback callback, gpointer data);
gboolean gb_sample_run_finish (GAsyncResult *result, GbSampleRun **run, GError **error);

/* Steps recorded so far (any thread). */
int          gb_sample_run_done  (GbSampleRun *run);
/* The index of the recorded state at (or just below) t, among the first done. */
int          gb_sample_run_index (const GbSampleRun *run, int t, int done);
/* The t of recorded state j (0 for the last). */
int          gb_sample_run_t     (const GbSampleRun *run, int j);
const float *gb_sample_run_state (const GbSampleRun *run, int j);

G_END_DECLS
