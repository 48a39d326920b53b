/* gb-latent.h — what the latent-space view computes from a 2-d-latent VAE:
 * the decoded manifold grid, interpolation paths and prior samples. */
#pragma once

#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_MANIFOLD_MIN 2
#define GB_MANIFOLD_MAX 30

typedef enum {
  GB_MANIFOLD_ICDF,     /* Kingma & Welling (2014), fig. 4: Φ⁻¹ of an even grid on (0, 1)² */
  GB_MANIFOLD_REGION,   /* evenly over a rectangle of the plane */
} GbManifoldMode;

/* An N×N grid of decoded images. Image (i, j) sits at z = (ax[i], ay[j]),
 * images[(j·N + i)·D …] with ay ascending. */
typedef struct {
  int n;
  GbManifoldMode mode;
  double x0, x1, y0, y1;  /* the rectangle, for GB_MANIFOLD_REGION */
  float *ax;              /* (N) */
  float *ay;              /* (N) */
  float *images;          /* (N·N, D) */
  int rows, cols;
} GbManifold;

/* n in GB_MANIFOLD_MIN…GB_MANIFOLD_MAX; the rectangle is used in REGION mode. */
GbManifold *gb_manifold_new  (const GbVae *vae, int n, GbManifoldMode mode, double x0, double x1,
                              double y0, double y1, int rows, int cols, GError **error);
void        gb_manifold_free (GbManifold *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbManifold, gb_manifold_free)

/* K ≥ 2 images decoded along the straight path from a to b: out (K, D). */
void gb_latent_interpolate (const GbVae *vae, const double a[2], const double b[2], int K,
                            float *z, float *out);

/* n draws z ~ N(0, I): z (n, 2), decoded into out (n, D). */
void gb_latent_sample_prior (const GbVae *vae, GbRng *rng, int n, float *z, float *out);

G_END_DECLS
