/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-cart-compare.h — cart-pole's learners side by side: each trained
 * from seeds 1…N for the same number of environment steps with its default
 * settings, and its learning curve — the return against environment steps,
 * mean ± sd over the seeds. */
#pragma once

#include <gio/gio.h>

#include "gb-rl-cart-agent.h"

G_BEGIN_DECLS

/* Called on the worker as the runs go: env steps done of total (this algorithm's). */
typedef void (*GbCartCurveProgress) (gint64 done, gint64 total, gpointer data);

/* mean and sd (bins) over the seeds of the mean return of the last 10
 * episodes finished by the end of each bin of steps/bins env steps (0 until
 * one has finished). Cancelled: FALSE with G_IO_ERROR_CANCELLED. */
gboolean gb_cart_learning_curve (GbCartAlgo algo, int seeds, gint64 steps, int bins, double *mean, double *sd,
                                 GbCartCurveProgress progress, gpointer data, GCancellable *cancel, GError **error);

G_END_DECLS
