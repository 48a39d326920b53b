/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-predictor.h — one input's ε̂ and x̂₀, computed on a worker thread.
 *
 * A view that shows what a denoiser makes of the state under the pointer
 * asks for it anew at every frame while the user scrubs or plays, and for an
 * image model that is one pass through megabytes of weights. The view posts
 * a request instead (it copies the input); a worker thread answers the newest
 * request (an older one not yet started is dropped), keeps the answer with
 * the input and t it belongs to, and calls the view back in the main context
 * to draw it. So the main loop only draws, and what it draws — x_t, ε̂ and
 * x̂₀ — is always one consistent triple, at most one answer behind.
 */
#pragma once

#include "gb-diffusion-denoiser.h"

G_BEGIN_DECLS

typedef struct _GbPredictor GbPredictor;

/* ready (data) runs in the thread-default main context of the thread that
 * made the predictor, once for each answer, never after gb_predictor_free. */
GbPredictor *gb_predictor_new  (GSourceFunc ready, gpointer data);
/* Drops the waiting request, waits for the running one and ends the worker. */
void         gb_predictor_free (GbPredictor *p);

/* Asks for ε̂ (x, t) and x̂₀ of net (not copied: it must live until the
 * answer, or until gb_predictor_sync) at guidance w (models with a fitted
 * Gaussian, or of a class-conditional model given label ≥ 0: the state's
 * class), with x̂₀ clipped to [−1, 1] when clip. label −1: no class. tag is
 * returned with the answer, to tell which view's request it was. 1 ≤ t ≤ T;
 * x holds net->d values. */
void     gb_predictor_request (GbPredictor *p, const GbDenoiser *net, int t, double w, gboolean clip, int label,
                               const float *x, guint64 tag);
/* Drops the waiting request and waits for the running one: after it the
 * worker touches no model until the next request. */
void     gb_predictor_sync    (GbPredictor *p);
/* Copies out the newest answer (each array of the request's d values):
 * FALSE when there is none yet. */
gboolean gb_predictor_answer  (GbPredictor *p, guint64 *tag, int *t, float *x, float *eps, float *x0, int d);
/* Computes an answer in the calling thread (what the worker does): for
 * exports and headless frames, which need the answer before they paint. */
void     gb_predict_one       (const GbDenoiser *net, int t, double w, gboolean clip, int label, const float *x,
                               float *eps, float *x0);

G_END_DECLS
