/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-dataset.c — the IDX reader and the data-set loader. */
#include "gb-dataset.h"
#include <glib/gi18n.h>

#include <gio/gio.h>
#include <string.h>

#include "gb-error.h"
#include "gb-image-folder.h"

/* --- gzip --- */

static GByteArray *
gunzip (const guint8 *data, gsize len, const char *name, GError **error)
{
  g_autoptr (GZlibDecompressor) dec = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  /* The gzip trailer's last four bytes give the size mod 2³²: reserve it, so
   * a 47 MB file is not copied through a doubling buffer. The trailer is
   * only a claim: no more is reserved than deflate can make of len bytes
   * (1032 : 1 at most) — 30 bytes that claim 512 MiB reserve 30 KiB. */
  guint64 isize = 0;
  if (len >= 18)
    isize = (guint32) data[len - 4] | (guint32) data[len - 3] << 8 | (guint32) data[len - 2] << 16
            | (guint32) data[len - 1] << 24;
  isize = MIN (isize, MIN ((guint64) len * 1032, (guint64) GB_IDX_MAX_BYTES));
  g_autoptr (GByteArray) out = g_byte_array_sized_new ((guint) isize);
  gsize in_pos = 0;
  guint8 buf[1 << 16];
  for (;;)
    {
      gsize read = 0, written = 0;
      g_autoptr (GError) local = NULL;
      GConverterResult r = g_converter_convert (G_CONVERTER (dec), data + in_pos, len - in_pos,
                                                buf, sizeof buf, G_CONVERTER_INPUT_AT_END,
                                                &read, &written, &local);
      if (r == G_CONVERTER_ERROR)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a valid gzip stream (%s)"),
                       name, local->message);
          return NULL;
        }
      in_pos += read;
      /* Checked before appending, so the buffer never grows past the limit. */
      if (out->len + written > GB_IDX_MAX_BYTES)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                       _("%s: decompresses to more than %zu MiB"), name, GB_IDX_MAX_BYTES >> 20);
          return NULL;
        }
      g_byte_array_append (out, buf, written);
      if (r == G_CONVERTER_FINISHED)
        break;
      if (read == 0 && written == 0)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: gzip stream is truncated"), name);
          return NULL;
        }
    }
  return g_steal_pointer (&out);
}

/* --- IDX --- */

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

guint8 *
gb_idx_parse (const guint8 *data, gsize len, const char *name, int rank, guint32 *dims,
              GError **error)
{
  g_autoptr (GByteArray) inflated = NULL;
  if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
    {
      inflated = gunzip (data, len, name, error);
      if (inflated == NULL)
        return NULL;
      data = inflated->data;
      len = inflated->len;
    }
  if (len < 4)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: file is %zu bytes, too short for an IDX header"), name, len);
      return NULL;
    }
  if (data[0] != 0 || data[1] != 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: not an IDX file (magic number %02x %02x %02x %02x)"),
                   name, data[0], data[1], data[2], data[3]);
      return NULL;
    }
  if (data[2] != 0x08)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: IDX data type 0x%02x, expected 0x08 (unsigned bytes)"), name, data[2]);
      return NULL;
    }
  if (data[3] != rank)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("%s: IDX rank %d, expected %d"), name, data[3], rank);
      return NULL;
    }
  gsize header = 4 + 4 * (gsize) rank;
  if (len < header)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: header is truncated (%zu of %zu bytes)"), name, len, header);
      return NULL;
    }
  guint64 count = 1;
  for (int i = 0; i < rank; i++)
    {
      dims[i] = be32 (data + 4 + 4 * i);
      count *= dims[i];
      if (count > GB_IDX_MAX_BYTES)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                       _("%s: header claims more than %zu MiB of data"), name, GB_IDX_MAX_BYTES >> 20);
          return NULL;
        }
    }
  if (len - header != count)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   "%s: header promises %" G_GUINT64_FORMAT " bytes of data, file holds %zu%s",
                   name, count, len - header, len - header < count ? " (truncated)" : "");
      return NULL;
    }
  if (inflated != NULL && count > 0)
    {
      /* Reuse the inflated buffer: move the data to its front. */
      memmove (inflated->data, inflated->data + header, count);
      g_byte_array_set_size (inflated, (guint) count);
      return g_byte_array_free (g_steal_pointer (&inflated), FALSE);
    }
  if (count == 0)
    return g_malloc0 (1);   /* no data: nothing to copy (and nothing past len to read) */
  return g_memdup2 (data + header, count);
}

guint8 *
gb_idx_read (const char *path, int rank, guint32 *dims, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  return gb_idx_parse ((const guint8 *) contents, len, base, rank, dims, error);
}

/* --- image sets --- */

static void
image_set_clear (gpointer data)
{
  GbImageSet *set = data;
  g_free (set->pixels);
  g_free (set->labels);
}

GbImageSet *
gb_image_set_ref (GbImageSet *set)
{
  return g_atomic_rc_box_acquire (set);
}

void
gb_image_set_unref (GbImageSet *set)
{
  if (set != NULL)
    g_atomic_rc_box_release_full (set, image_set_clear);
}

GbImageSet *
gb_image_set_new (guint32 n, int rows, int cols, const guint8 *pixels, const guint8 *labels)
{
  GbImageSet *set = g_atomic_rc_box_new0 (GbImageSet);
  set->n = n;
  set->rows = rows;
  set->cols = cols;
  gsize npx = (gsize) n * rows * cols;
  set->pixels = g_malloc (MAX (npx, 1));
  memcpy (set->pixels, pixels, npx);
  set->labels = g_malloc (MAX (n, 1));
  memcpy (set->labels, labels, n);
  return set;
}

GbImageSet *
gb_image_set_slice (const GbImageSet *set, guint32 n)
{
  n = MIN (n, set->n);
  return gb_image_set_new (n, set->rows, set->cols, set->pixels, set->labels);
}

GbImageSet *
gb_image_set_load (const char *images_path, const char *labels_path, GError **error)
{
  guint32 idims[3], ldims[1];
  g_autofree guint8 *pixels = gb_idx_read (images_path, 3, idims, error);
  if (pixels == NULL)
    return NULL;
  g_autofree guint8 *labels = gb_idx_read (labels_path, 1, ldims, error);
  if (labels == NULL)
    return NULL;
  g_autofree char *ibase = g_path_get_basename (images_path);
  g_autofree char *lbase = g_path_get_basename (labels_path);
  if (idims[0] != ldims[0])
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s holds %u images but %s holds %u labels"),
                   ibase, idims[0], lbase, ldims[0]);
      return NULL;
    }
  if (idims[0] == 0 || idims[1] == 0 || idims[2] == 0 || idims[1] > 4096 || idims[2] > 4096)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("%s: %u images of %u × %u pixels is not a usable image set"),
                   ibase, idims[0], idims[1], idims[2]);
      return NULL;
    }
  GbImageSet *set = g_atomic_rc_box_new0 (GbImageSet);
  set->n = idims[0];
  set->rows = (int) idims[1];
  set->cols = (int) idims[2];
  set->pixels = g_steal_pointer (&pixels);
  set->labels = g_steal_pointer (&labels);
  return set;
}

/* --- data sets --- */

static const char *const fashion_names[] = {
  N_("T-shirt/top"), N_("Trouser"), N_("Pullover"), N_("Dress"), N_("Coat"),
  N_("Sandal"), N_("Shirt"), N_("Sneaker"), N_("Bag"), N_("Ankle boot"),
};

char **
gb_dataset_class_names (const char *name, int n_classes)
{
  char **names = g_new0 (char *, n_classes + 1);
  gboolean fashion = name != NULL && strstr (name, "fashion") != NULL;
  gboolean digits = !fashion && name != NULL && strstr (name, "mnist") != NULL;
  for (int k = 0; k < n_classes; k++)
    {
      if (fashion && k < (int) G_N_ELEMENTS (fashion_names))
        names[k] = g_strdup (_(fashion_names[k]));
      else if (digits)
        names[k] = g_strdup_printf ("%d", k);
      else
        names[k] = g_strdup_printf (_("class %d"), k);
    }
  return names;
}

/* Finds split (“train” or “t10k”) kind (“images”/“labels”) under the usual names. */
static char *
find_file (const char *dir, const char *split, const char *kind, int rank)
{
  const char *patterns[] = { "%s-%s-idx%d-ubyte.gz", "%s-%s-idx%d-ubyte",
                             "%s-%s.idx%d-ubyte.gz", "%s-%s.idx%d-ubyte" };
  for (gsize i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      g_autofree char *base = g_strdup_printf (patterns[i], split, kind, rank);
#pragma GCC diagnostic pop
      char *path = g_build_filename (dir, base, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}

/* Whether dir has an IDX image file of either split (if not, it may be a folder of images). */
static gboolean
has_idx (const char *dir)
{
  g_autofree char *test = find_file (dir, "t10k", "images", 3);
  g_autofree char *train = find_file (dir, "train", "images", 3);
  return test != NULL || train != NULL;
}

GbImageSet *
gb_dataset_load_split (const char *dir, const char *split, GError **error)
{
  g_autofree char *images = find_file (dir, split, "images", 3);
  g_autofree char *labels = find_file (dir, split, "labels", 1);
  if (images == NULL && !has_idx (dir) && gb_image_folder_detect (dir))
    {
      gboolean train = g_str_equal (split, "train");
      g_autoptr (GbDataset) ds = gb_image_folder_load (dir, train, error);
      return ds == NULL ? NULL : gb_image_set_ref (train ? ds->train : ds->test);
    }
  if (images == NULL || labels == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_NOT_FOUND,
                   _("%s: no %s-%s-idx%d-ubyte[.gz] file and no images (install Debian's dataset-fashion-mnist, "
                   "or pass a folder of IDX files, or of PNG or JPEG images with one subfolder per class)"),
                   dir, split, images == NULL ? "images" : "labels", images == NULL ? 3 : 1);
      return NULL;
    }
  return gb_image_set_load (images, labels, error);
}

static int
count_classes (const GbImageSet *set)
{
  int max = 0;
  for (guint32 i = 0; i < set->n; i++)
    max = MAX (max, set->labels[i]);
  return max + 1;
}

GbDataset *
gb_dataset_load (const char *dir, gboolean with_train, GError **error)
{
  g_return_val_if_fail (dir != NULL, NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_NOT_FOUND,
                   _("data set folder %s does not exist (install Debian's dataset-fashion-mnist, "
                   "or pass a folder of IDX files or of images)"), dir);
      return NULL;
    }
  if (!has_idx (dir) && gb_image_folder_detect (dir))
    return gb_image_folder_load (dir, with_train, error);
  g_autoptr (GbImageSet) test = gb_dataset_load_split (dir, "t10k", error);
  if (test == NULL)
    return NULL;
  g_autoptr (GbDataset) ds = g_atomic_rc_box_new0 (GbDataset);
  ds->dir = g_strdup (dir);
  ds->name = g_path_get_basename (dir);
  ds->n_classes = count_classes (test);
  ds->test = g_steal_pointer (&test);
  ds->class_names = gb_dataset_class_names (ds->name, ds->n_classes);
  if (with_train)
    {
      ds->train = gb_dataset_load_split (dir, "train", error);
      if (ds->train == NULL)
        return NULL;
      if (ds->train->rows != ds->test->rows || ds->train->cols != ds->test->cols)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                       _("%s: training images are %d × %d but test images are %d × %d"), dir,
                       ds->train->rows, ds->train->cols, ds->test->rows, ds->test->cols);
          return NULL;
        }
    }
  return g_steal_pointer (&ds);
}

static void
dataset_clear (gpointer data)
{
  GbDataset *ds = data;
  g_free (ds->dir);
  g_free (ds->name);
  g_strfreev (ds->class_names);
  gb_image_set_unref (ds->train);
  gb_image_set_unref (ds->test);
}

GbDataset *
gb_dataset_ref (GbDataset *ds)
{
  return g_atomic_rc_box_acquire (ds);
}

void
gb_dataset_unref (GbDataset *ds)
{
  if (ds != NULL)
    g_atomic_rc_box_release_full (ds, dataset_clear);
}

const char *
gb_dataset_dir (const char *chosen)
{
  if (chosen != NULL)
    return chosen;
  const char *env = g_getenv ("GLASSBOX_DATASET");
  return env != NULL && *env != '\0' ? env : GB_DATASET_DEFAULT_DIR;
}
