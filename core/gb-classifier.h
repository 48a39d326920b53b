/* gb-classifier.h — a small image classifier (an MLP with a softmax), made
 * with the same neural-net core, to judge generated images: a diffusion
 * model's samples “look like clothes” when the classifier is confident.
 *
 *   h = ReLU (W₁ x + b₁),  p = softmax (W₂ h + b₂)
 *
 * Trained by cross-entropy with Adam; x is pixels scaled to [−1, 1] (as the
 * diffusion model's data). */
#pragma once

#include <glib.h>

#include "gb-dataset.h"
#include "gb-nn.h"

G_BEGIN_DECLS

typedef struct {
  int d, hidden, classes;
  float *params;
  gsize n_params;
  float *w1, *b1, *w2, *b2;
} GbClassifier;

GbClassifier *gb_classifier_new  (int d, int hidden, int classes, guint64 seed, GError **error);
void          gb_classifier_free (GbClassifier *c);
/* Class probabilities p (n, classes) of x (n, d) in [−1, 1]. */
void          gb_classifier_predict (const GbClassifier *c, const float *x, int n, float *p);
/* Trains for `epochs` passes over set (uint8 pixels) in shuffled batches;
 * returns the accuracy on test (may be NULL: then 0). */
double        gb_classifier_train (GbClassifier *c, const GbImageSet *set, const GbImageSet *test, int epochs,
                                   int batch, float lr, guint64 seed);
/* Accuracy on a set. */
double        gb_classifier_accuracy (const GbClassifier *c, const GbImageSet *set);
gboolean      gb_classifier_save (const GbClassifier *c, const char *path, GError **error);
GbClassifier *gb_classifier_load (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbClassifier, gb_classifier_free)

G_END_DECLS
