/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-image-view.h — diffusion on Fashion-MNIST images: sixteen
 * images at t (test images noised, or a sampling run's), the selected one's
 * x_t, ε̂ and x̂₀ beside them, and the hovered pixel's numbers.
 *
 * ε̂ and x̂₀ come from a GbPredictor on a worker, so scrubbing and playing
 * never wait for a pass through the model; exports ask for them in the
 * calling thread (sync) to paint at once. The page owns the model and the
 * run; before it changes or frees the model it calls
 * gb_diffusion_image_view_forget, after which the worker touches no model. */
#pragma once

#include <gtk/gtk.h>

#include "gb-diffusion-frame.h"
#include "gb-frame-stats.h"
#include "gb-paint.h"

G_BEGIN_DECLS

#define GB_TYPE_DIFFUSION_IMAGE_VIEW (gb_diffusion_image_view_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionImageView, gb_diffusion_image_view, GB, DIFFUSION_IMAGE_VIEW, GtkWidget)

/* The first test images of the data set (GLASSBOX_DATASET or the system's);
 * FALSE, and only sampled images can be shown, when there are none. */
gboolean gb_diffusion_image_view_load_data (GbDiffusionImageView *self, GError **error);
/* What to show: the forward process at t from the data, or the run's state
 * at t (run borrowed, may be NULL); the predictions at guidance w (the run's
 * own in reverse), computed at once when sync. */
void gb_diffusion_image_view_show   (GbDiffusionImageView *self, const GbDenoiser *net, GbSampleRun *run,
                                     gboolean reverse, int t, double w, gboolean sync);
/* Lets go of the model and the run (waiting for the predictor) before they change. */
void gb_diffusion_image_view_forget (GbDiffusionImageView *self);
void gb_diffusion_image_view_clear_selection (GbDiffusionImageView *self);
void gb_diffusion_image_view_set_frame_stats (GbDiffusionImageView *self, GbFrameStats *stats);
/* What the image canvas draws (Export draws it too). */
const GbImageFrame *gb_diffusion_image_view_get_frame (GbDiffusionImageView *self);

G_END_DECLS
