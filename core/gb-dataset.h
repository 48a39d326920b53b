/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-dataset.h — image data sets in the IDX format of MNIST and Fashion-MNIST.
 *
 * An IDX file is a big-endian header (0, 0, type, rank, then rank u32 sizes)
 * followed by the data; files may be gzipped. Images stay uint8 in memory and
 * are converted to floats one batch at a time.
 *
 *   g_autoptr (GbDataset) ds = gb_dataset_load (GB_DATASET_DEFAULT_DIR, FALSE, &error);
 *   ds->test->pixels   (n, rows·cols)   ds->test->labels (n)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GB_DATASET_DEFAULT_DIR "/usr/share/datasets/fashion-mnist"
/* The folder to read: chosen (a --dataset option) if not NULL, else
 * $GLASSBOX_DATASET if set, else GB_DATASET_DEFAULT_DIR. */
const char *gb_dataset_dir (const char *chosen);

#define GB_IDX_MAX_BYTES ((gsize) 512 << 20) /* decompressed, at most */

typedef struct {
  guint32 n;          /* images */
  int rows, cols;     /* each image is rows × cols */
  guint8 *pixels;     /* (n, rows·cols) */
  guint8 *labels;     /* (n) */
} GbImageSet;

typedef struct {
  char *dir;
  char *name;                /* "fashion-mnist", "mnist" or the folder's name */
  int n_classes;
  char **class_names;        /* (n_classes), NULL-terminated */
  GbImageSet *train;         /* NULL unless loaded */
  GbImageSet *test;
} GbDataset;

/* Reads one IDX file of unsigned bytes (type 0x08) with the given rank:
 * dims (rank) receives the sizes. Gzip is detected by its magic number. */
guint8 *gb_idx_read (const char *path, int rank, guint32 *dims, GError **error);
/* Same, from bytes in memory; `name` is used in messages. */
guint8 *gb_idx_parse (const guint8 *data, gsize len, const char *name, int rank,
                      guint32 *dims, GError **error);

/* Image sets and data sets are reference counted (the UI and a training
 * thread share them); both are immutable once loaded. */
GbImageSet *gb_image_set_load  (const char *images_path, const char *labels_path, GError **error);
/* Wraps copies of pixels (n, rows·cols) and labels (n). */
GbImageSet *gb_image_set_new   (guint32 n, int rows, int cols, const guint8 *pixels,
                                const guint8 *labels);
/* The first n images (all if n ≥ set->n), copied. */
GbImageSet *gb_image_set_slice (const GbImageSet *set, guint32 n);
GbImageSet *gb_image_set_ref   (GbImageSet *set);
void        gb_image_set_unref (GbImageSet *set);

/* Loads the test split of the data set in dir, and the training split too when
 * with_train is TRUE. Files are found by the usual names
 * (t10k-images-idx3-ubyte[.gz], train-labels.idx1-ubyte, …). */
GbDataset  *gb_dataset_load       (const char *dir, gboolean with_train, GError **error);
/* One split ("train" or "t10k") of the data set in dir. */
GbImageSet *gb_dataset_load_split (const char *dir, const char *split, GError **error);
GbDataset  *gb_dataset_ref        (GbDataset *ds);
void        gb_dataset_unref      (GbDataset *ds);

/* Class names for a data set of that name (Fashion-MNIST's ten, MNIST's digits,
 * else "class 0", …). Free with g_strfreev. */
char      **gb_dataset_class_names (const char *name, int n_classes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbImageSet, gb_image_set_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbDataset, gb_dataset_unref)

G_END_DECLS
