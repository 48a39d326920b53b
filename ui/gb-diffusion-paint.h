/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-paint.h — the diffusion views: a 2-d point cloud at one
 * timestep over its faint target data (with selected points' trajectories
 * and the ε̂ field as arrows), and the noise schedule against t with a marker
 * at the scrubbed t. */
#pragma once

#include "gb-diffusion.h"
#include "gb-paint.h"

G_BEGIN_DECLS

typedef struct {
  const float *points;      /* (n, 2): the cloud at t */
  int n;
  const float *target;      /* (n_target, 2): the data, drawn faint, or NULL */
  int n_target;
  const int *selected;      /* indices into points, drawn larger, or NULL */
  int n_selected;
  const float *trails;      /* (n_selected, trail_len, 2): their paths so far, or NULL */
  int trail_len;
  const float *field;       /* (side², 2): ε̂ at grid points over the view, drawn as −ε̂ arrows, or NULL */
  int field_side;
  double extent;            /* the view is [−extent, extent]² */
  const char *title;
  const guint8 *target_labels;   /* (n_target) classes: the data coloured as in the Latent space view, or NULL */
} GbCloudScene;

/* The centres of a side × side lattice over [−extent, extent]², row by row
 * from the top, into points (side², 2): where GbCloudScene's field is sampled. */
void gb_cloud_field_points (int side, double extent, float *points);

void gb_cloud_paint (cairo_t *cr, double x, double y, double w, double h, const GbCloudScene *scene,
                     const GbPalette *pal);
/* The data point under (px, py) of a cloud painted at (x, y, w, h), or −1. */
int  gb_cloud_hit   (double x, double y, double w, double h, const GbCloudScene *scene, double px, double py);
/* The position in data space of the canvas point (px, py). */
void gb_cloud_to_data (double x, double y, double w, double h, double extent, double px, double py,
                       float *dx, float *dy);

/* n images (side × side) with values in [−1, 1] as a mosaic that fills the
 * rectangle, a gap of 2 pixels between them. */
void gb_image_mosaic_paint (cairo_t *cr, double x, double y, double w, double h, const float *images, int n, int side,
                          const GbPalette *pal);

/* The image domain: a grid of images at t and, for the selected one, x_t,
 * the predicted noise ε̂ and the predicted clean image x̂₀ side by side. */
typedef struct {
  const float *images;      /* (n, side²): each image at t, data in [−1, 1] */
  int n, side;
  int selected;             /* the image in the triptych, or −1 */
  const float *eps, *x0;    /* the selected image's ε̂ and x̂₀ (side²), or NULL (t = 0) */
  int hover_image, hover_pixel;   /* outlined, or −1 */
  const char *title;
  const char *note;         /* under the triptych (may hold newlines), or NULL */
  const float *xt;          /* the triptych's x_t, when ε̂ and x̂₀ were computed for another state than the
                             * grid's (a step behind it), or NULL: the selected image */
} GbImageScene;

void gb_image_scene_paint (cairo_t *cr, double x, double y, double w, double h, const GbImageScene *scene,
                           const GbPalette *pal);
/* The image and pixel under (px, py): a grid cell, or a pixel of the
 * triptych (then the selected image). FALSE when on neither. */
gboolean gb_image_scene_hit (double x, double y, double w, double h, const GbImageScene *scene, double px,
                             double py, int *image, int *pixel);

typedef struct {
  const GbSchedule *schedule;
  int t;                    /* the marker */
} GbScheduleScene;

/* β_t, ᾱ_t (0…1) and log SNR (its own scale) against t, with the numbers at t. */
void gb_schedule_paint (cairo_t *cr, double x, double y, double w, double h, const GbScheduleScene *scene,
                        const GbPalette *pal);

G_END_DECLS
