/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-aggregate.h — the whole test set's posterior against the prior,
 * worked out on a worker for the Latent space page: the aggregate posterior
 * q(z) = mean_n q(z|x_n) as log q(z)/p(z) on a grid (where the prior puts
 * mass the decoder never sees, it is very negative: the "holes"), and each
 * test image's KL (q(z|x) ‖ p(z)) for colouring the points. */
#pragma once

#include <gio/gio.h>

#include "gb-dataset.h"
#include "gb-vae-trainer.h"

G_BEGIN_DECLS

typedef struct {
  int nx, ny;
  double box[4];        /* x0, x1, y0, y1 */
  float *log_ratio;     /* (ny·nx), row j at z₂ = y0 + (j + ½)·dy */
  float *kl;            /* (n) */
  guint32 n;
} GbAggregateMap;

void gb_aggregate_map_free (GbAggregateMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbAggregateMap, gb_aggregate_map_free)

/* Encodes the data set's test images with the snapshot's model and works
 * out the map over box (nx × ny cells). */
void            gb_latent_aggregate_async  (GbVaeSnapshot *snap, GbDataset *ds, const double box[4], int nx, int ny,
                                            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data);
GbAggregateMap *gb_latent_aggregate_finish (GAsyncResult *result, GError **error);

G_END_DECLS
