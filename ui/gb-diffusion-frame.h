/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-frame.h — what the Diffusion page shows at a timestep, without
 * a widget: the window's views, the page's Export and `glassbox render
 * diffusion` all compute and draw their pictures here, so the command line
 * writes what the user exports.
 *
 * A GbCloudFrame holds 2-d data (2 000 points of a toy distribution, of the
 * points a user painted, or the VAE's latent codes of the first test images)
 * with one fixed draw of forward noise, and the cloud at t: the data noised
 * in closed form, or a sampling run's state. A GbImageFrame holds the first
 * sixteen test images and their noise, the images at t, and the selected
 * one's ε̂ and x̂₀. A GbDiffusionPicture is either over the noise schedule. */
#pragma once

#include "gb-diffusion-run.h"
#include "gb-diffusion-toy2d.h"
#include "gb-paint.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_CLOUD_POINTS 2000
#define GB_CLOUD_FIELD_SIDE 21
#define GB_CLOUD_MAX_SELECTED 4
#define GB_DIFFUSION_IMAGES 16
#define GB_DIFFUSION_GIF_FRAMES 100

/* "Swiss roll", …, "Painted by you" for the toys; GB_TOY_N_KINDS: "VAE latent plane". */
const char *gb_diffusion_domain_title (GbToyKind kind);

typedef struct {
  /* The data and the forward process's fixed ε. */
  float target[2 * GB_CLOUD_POINTS], noise[2 * GB_CLOUD_POINTS];
  guint8 labels[GB_CLOUD_POINTS];          /* the latent codes' classes */
  gboolean have_target, latent;
  GbToyKind kind;                          /* the toy, or GB_TOY_N_KINDS: the latent plane */
  const char *title;                       /* static */
  gboolean show_field;                     /* compute the −ε̂ field */
  /* At t (gb_cloud_frame_show). */
  const GbDenoiser *net;                   /* borrowed, or NULL */
  GbSampleRun *run;                        /* a reference, or NULL */
  gboolean reverse;
  int t;
  float shown[2 * GB_CLOUD_POINTS];
  float field[2 * GB_CLOUD_FIELD_SIDE * GB_CLOUD_FIELD_SIDE];
  gboolean field_valid;
  int selected[GB_CLOUD_MAX_SELECTED], n_selected;   /* followed points */
} GbCloudFrame;

GbCloudFrame *gb_cloud_frame_new  (void);
void          gb_cloud_frame_free (GbCloudFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbCloudFrame, gb_cloud_frame_free)

/* Toy data (painted: n_painted points for GB_TOY_PAINTED; none: no data). */
void     gb_cloud_frame_set_toy    (GbCloudFrame *frame, GbToyKind kind, const float *painted, int n_painted);
/* The codes of the first test images of dataset_dir under vae. */
gboolean gb_cloud_frame_set_latent (GbCloudFrame *frame, GbVae *vae, const char *dataset_dir, GError **error);
/* The cloud at t: of the forward process, or of run (NULL: none yet) in reverse. */
void     gb_cloud_frame_show       (GbCloudFrame *frame, const GbDenoiser *net, GbSampleRun *run, gboolean reverse, int t);
gboolean gb_cloud_frame_has_points (const GbCloudFrame *frame);
void     gb_cloud_frame_paint      (const GbCloudFrame *frame, cairo_t *cr, int w, int h, const GbPalette *pal);

typedef struct {
  int n, d, side;                          /* GB_DIFFUSION_IMAGES images of side² = d pixels */
  float *target, *noise, *shown;           /* (n, d) each: the test images in [−1, 1], their ε, the images at t */
  gboolean have_target;
  const GbDenoiser *net;                   /* borrowed, or NULL */
  GbSampleRun *run;                        /* a reference, or NULL */
  gboolean reverse;
  int t;                                   /* of the images on show (a recorded step's, in reverse) */
  double w;                                /* the guidance set (forward) */
  int selected, hover, hover_pixel;        /* −1: none */
  /* The selected image's x_t, ε̂ and x̂₀ at pred_t (pred: there are some;
   * a view that computes them on a worker may be one request behind). */
  float *pred_x, *eps, *x0;                /* (d) each */
  int pred_t;
  gboolean pred;
} GbImageFrame;

GbImageFrame *gb_image_frame_new  (int d);
void          gb_image_frame_free (GbImageFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbImageFrame, gb_image_frame_free)

/* The first test images of dataset_dir. */
gboolean gb_image_frame_load_data (GbImageFrame *frame, const char *dataset_dir, GError **error);
/* The images at t: the forward process at guidance w, or run's state (NULL:
 * none yet) in reverse. Forgets predictions for another state. */
void     gb_image_frame_show      (GbImageFrame *frame, const GbDenoiser *net, GbSampleRun *run, gboolean reverse,
                                   int t, double w);
/* What the selected image's predictions are computed from: FALSE when there
 * are none to compute (t = 0, no image selected, no model). */
gboolean gb_image_frame_prediction_input (const GbImageFrame *frame, double *w, gboolean *clip, int *label,
                                          const float **x);
/* Computes them in the calling thread. */
void     gb_image_frame_predict   (GbImageFrame *frame);
gboolean gb_image_frame_has_images (const GbImageFrame *frame);
void     gb_image_frame_paint     (const GbImageFrame *frame, cairo_t *cr, int w, int h, const GbPalette *pal);

/* A frame over the noise schedule with t marked (one of cloud and images). */
typedef struct {
  const GbCloudFrame *cloud;
  const GbImageFrame *images;
  const GbSchedule *schedule;              /* or NULL */
  int t;
} GbDiffusionPicture;

void gb_diffusion_schedule_paint (cairo_t *cr, int w, int h, const GbSchedule *schedule, int t, const GbPalette *pal);
void gb_diffusion_picture_paint  (cairo_t *cr, int w, int h, const GbDiffusionPicture *picture, const GbPalette *pal);
/* The t of frame f of an animation of the whole process (T → 0 in reverse). */
int  gb_diffusion_gif_t          (int T, gboolean reverse, int f);

G_END_DECLS
