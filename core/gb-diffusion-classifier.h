/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-classifier.h — a small image classifier made with the same neural-net
 * core, to judge generated images: a diffusion model's samples “look like
 * clothes” when the classifier is confident. Two kinds:
 *
 *   MLP:   h = ReLU (W₁ x + b₁),  p = softmax (W₂ h + b₂)
 *   conv:  f = pool (ReLU (conv₂ (pool (ReLU (conv₁ x)))))   (3 × 3 convolutions,
 *          16 then 32 channels, 2 × 2 average pooling: 28² → 14² → 7²)
 *          h = ReLU (W₁ f + b₁),  p = softmax (W₂ h + b₂)
 *
 * Trained by cross-entropy with Adam; x is pixels scaled to [−1, 1] (as the
 * diffusion model's data). */
#pragma once

#include <glib.h>

#include "gb-dataset.h"
#include "gb-nn.h"

G_BEGIN_DECLS

#define GB_CLASSIFIER_C1 16
#define GB_CLASSIFIER_C2 32

typedef struct {
  int d, hidden, classes;
  int side;              /* conv: the images' side (d = side², side a multiple of 4); 0: an MLP */
  int f;                 /* the dense layers' input: d, or C2 · (side/4)² */
  float *params;
  gsize n_params;
  float *k1, *kb1, *k2, *kb2;   /* conv: (C1, 1, 3, 3), (C1), (C2, C1, 3, 3), (C2); NULL for an MLP */
  float *w1, *b1, *w2, *b2;
} GbClassifier;

/* An MLP on d inputs; gb_classifier_new_conv: the convolutional one on side × side images. */
GbClassifier *gb_classifier_new  (int d, int hidden, int classes, guint64 seed, GError **error);
GbClassifier *gb_classifier_new_conv (int side, int hidden, int classes, guint64 seed, GError **error);
void          gb_classifier_free (GbClassifier *c);
/* Class probabilities p (n, classes) of x (n, d) in [−1, 1]. */
void          gb_classifier_predict (const GbClassifier *c, const float *x, int n, float *p);
/* Trains for `epochs` passes over set (uint8 pixels) in shuffled batches;
 * returns the accuracy on test (may be NULL: then 0). */
double        gb_classifier_train (GbClassifier *c, const GbImageSet *set, const GbImageSet *test, int epochs,
                                   int batch, float lr, guint64 seed);
/* The mean cross-entropy of x (n, d) against labels, and its gradient
 * (n_params values, laid out as params, overwritten). */
double        gb_classifier_loss_grad (const GbClassifier *c, const float *x, const guint8 *labels, int n, float *grad);
/* Accuracy on a set. */
double        gb_classifier_accuracy (const GbClassifier *c, const GbImageSet *set);
gboolean      gb_classifier_save (const GbClassifier *c, const char *path, GError **error);
GbClassifier *gb_classifier_load (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbClassifier, gb_classifier_free)

G_END_DECLS
