/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-image-folder.h — a folder of images as a data set, as torchvision's
 * ImageFolder reads one: one subfolder per class (its name is the class's),
 * PNG or JPEG (or BMP, GIF, TIFF, WebP, PGM) of any size, each converted to
 * 28 × 28 grey (scaled to the square, transparency over black). A folder of
 * images without subfolders is one class. When the folder has train/ and
 * test/ (or val/) subfolders, those are the splits; otherwise every tenth
 * image of each class, in name order, is held out as the test set.
 *
 * gb_dataset_load reads such a folder when it finds no IDX files in it. */
#pragma once

#include "gb-dataset.h"

G_BEGIN_DECLS

/* Whether dir holds images, directly or in subfolders (one level, or two for train/ and test/). */
gboolean   gb_image_folder_detect (const char *dir);
GbDataset *gb_image_folder_load   (const char *dir, gboolean with_train, GError **error);

G_END_DECLS
