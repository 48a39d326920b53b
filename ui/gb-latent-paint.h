/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-paint.h — painters of the latent-space view.
 *
 * The plane: the encoded test set coloured by class, the prior's 1σ/2σ/3σ
 * rings, axes in z units, the decoded manifold, the legend, and an overlay
 * with the pointer, the selected point's posterior ellipses, the
 * interpolation path and prior samples. The info panel: the decoded preview
 * under the pointer, the selected point's original, reconstruction and
 * numbers, the interpolation strip and the samples.
 */
#pragma once

#include "gb-vae-inference.h"
#include "gb-vae-latent.h"
#include "gb-paint.h"
#include "gb-table.h"

G_BEGIN_DECLS

/* Maps z to the screen: (w/2 + (z_x − cx)·scale, h/2 − (z_y − cy)·scale). */
typedef struct {
  double cx, cy;   /* z at the centre */
  double scale;    /* pixels per z unit */
} GbViewport;

void gb_viewport_to_screen (const GbViewport *vp, int w, int h, double zx, double zy,
                            double *sx, double *sy);
void gb_viewport_to_latent (const GbViewport *vp, int w, int h, double sx, double sy,
                            double *zx, double *zy);
/* The viewport that shows [−r, r]² whole. */
void gb_viewport_reset     (GbViewport *vp, int w, int h, double r);
/* The viewport that shows the rectangle box (x0, x1, y0, y1) whole, centred. */
void gb_viewport_fit       (GbViewport *vp, int w, int h, const double box[4]);
/* Zooms by factor about the screen point (sx, sy), which stays put. */
void gb_viewport_zoom      (GbViewport *vp, int w, int h, double sx, double sy, double factor);

#define GB_LATENT_MAX_SAMPLES 64

typedef struct {
  GbViewport vp;
  /* The encoded test set (NULL when there is no data). */
  const float *mu;            /* (n_points, 2) */
  guint32 n_points;
  const guint8 *labels;       /* (n_points) */
  int n_classes;
  const char *const *class_names;
  guint32 hidden_classes;     /* bit k set: class k hidden */
  /* The decoded manifold, or NULL. */
  const GbManifold *manifold;
  /* Overlay. */
  gboolean has_pointer;
  double pointer[2];
  gboolean has_selection;
  double sel_mu[2], sel_sigma[2];
  gboolean has_pair;
  double pair_a[2], pair_b[2];
  int interp_k;
  const float *samples_z;     /* (n_samples, 2) */
  int n_samples;
  const char *banner;         /* a message drawn across the top, or NULL */
  /* The whole test set: log q(z)/p(z) of the aggregate posterior on an agg_nx × agg_ny grid over
   * agg_box (NULL: not shown); the points coloured by their KL (nats, up to kl_max) instead of by
   * class (NULL: by class). */
  const float *aggregate;
  int agg_nx, agg_ny;
  double agg_box[4];
  const float *point_kl;
  double kl_max;
  /* The selected image's true posterior p(z|x) (a heat map, log scale), and q optimised for it. */
  const GbPosteriorGrid *posterior;
  gboolean has_q_opt;
  double q_opt_mu[2], q_opt_sigma[2];
  const char *axis_names[2];  /* the plane's axes (NULL: z₁, z₂) */
} GbLatentScene;

void gb_latent_paint_base    (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal);
void gb_latent_paint_overlay (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal);
void gb_latent_paint         (cairo_t *cr, int w, int h, const GbLatentScene *s, const GbPalette *pal);
/* The class whose legend entry is at (x, y), or −1. */
int  gb_latent_legend_hit    (int w, int h, const GbLatentScene *s, double x, double y);

typedef struct {
  int rows, cols;
  const char *model_line;     /* what the model is, one line */
  /* The decoded image under the pointer. */
  gboolean has_preview;
  double preview_z[2];
  const float *preview;       /* (D) */
  /* The selected test image. */
  gboolean has_selection;
  guint32 sel_index;
  const char *sel_class;
  const guint8 *sel_original; /* (D) */
  const float *sel_recon;     /* (D) */
  double mu[2], logvar[2], eps[2], z[2];
  double bce, kl;
  int n_latent;               /* L; above 2 the numbers are shown on the plane's slice */
  double slice_mu[2], slice_sigma[2];
  /* Latent traversals through the selected μ: K images as z₁ goes over [lo, hi] with z₂ = μ₂, then
   * K as z₂ does with z₁ = μ₁ ((2K, D); NULL: none). */
  const float *traverse;
  int traverse_k;
  double traverse_lo, traverse_hi;
  const char *traverse_names[2];   /* for L > 2: what each strip moves along */
  /* Interpolation. */
  int interp_k;
  const float *interp;        /* (K, D) */
  /* Prior samples. */
  int n_samples;
  const float *samples;       /* (n_samples, D) */
} GbLatentInfo;

void gb_latent_info_paint (cairo_t *cr, int w, int h, const GbLatentInfo *info, const GbPalette *pal);
/* What the panel shows, as a sentence for a screen reader (g_free it). */
char *gb_latent_info_text (const GbLatentInfo *info);
/* The selected image's numbers (z, μ, σ, ε, the ELBO's terms) as a one-row
 * table, or NULL without a selection (gb_table_free it). */
GbTable *gb_latent_info_table (const GbLatentInfo *info);
/* The height the info panel needs at width w. */
int  gb_latent_info_height (int w, const GbLatentInfo *info);

/* The whole view as exported: the plane with the info panel at its right. */
void gb_latent_export_paint (cairo_t *cr, int w, int h, const GbLatentScene *s,
                             const GbLatentInfo *info, const GbPalette *pal);

G_END_DECLS
