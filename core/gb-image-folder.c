/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-image-folder.c — a folder of images as a data set (see gb-image-folder.h). */
#include "gb-image-folder.h"
#include <glib/gi18n.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

#include "gb-error.h"

#define SIDE 28
#define MAX_IMAGES 2000000

static gboolean
is_image_name (const char *name)
{
  static const char *const ext[] = { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm" };
  g_autofree char *lower = g_ascii_strdown (name, -1);
  for (gsize i = 0; i < G_N_ELEMENTS (ext); i++)
    if (g_str_has_suffix (lower, ext[i]))
      return TRUE;
  return FALSE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The sorted names in dir: its image files, or (dirs) its visible subfolders. */
static GPtrArray *
list (const char *dir, gboolean dirs, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (name[0] == '.')
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      gboolean is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
      if (dirs ? is_dir : (!is_dir && is_image_name (name)))
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_sort (names, compare_names);
  return names;
}

gboolean
gb_image_folder_detect (const char *dir)
{
  g_autoptr (GPtrArray) files = list (dir, FALSE, NULL);
  if (files != NULL && files->len > 0)
    return TRUE;
  g_autoptr (GPtrArray) subs = list (dir, TRUE, NULL);
  for (guint i = 0; subs != NULL && i < subs->len; i++)
    {
      g_autofree char *sub = g_build_filename (dir, subs->pdata[i], NULL);
      g_autoptr (GPtrArray) inner = list (sub, FALSE, NULL);
      g_autoptr (GPtrArray) inner_dirs = list (sub, TRUE, NULL);
      if ((inner != NULL && inner->len > 0) || (inner_dirs != NULL && inner_dirs->len > 0))
        return TRUE;
    }
  return FALSE;
}

/* One image file as SIDE × SIDE grey bytes: scaled to the square, its alpha over black. */
static gboolean
read_image (const char *path, guint8 *out, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new_from_file (path, &local);
  if (pb == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not an image that can be read (%s)"), path,
                   local ? local->message : "unknown format");
      return FALSE;
    }
  g_autoptr (GdkPixbuf) small = gdk_pixbuf_scale_simple (pb, SIDE, SIDE, GDK_INTERP_HYPER);
  if (small == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: the image could not be scaled to %d × %d"), path, SIDE,
                   SIDE);
      return FALSE;
    }
  int n_ch = gdk_pixbuf_get_n_channels (small), stride = gdk_pixbuf_get_rowstride (small);
  gboolean alpha = gdk_pixbuf_get_has_alpha (small);
  const guint8 *px = gdk_pixbuf_read_pixels (small);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      {
        const guint8 *p = px + (gsize) y * stride + (gsize) x * n_ch;
        double g = n_ch >= 3 ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
        if (alpha)
          g *= p[n_ch - 1] / 255.0;
        out[y * SIDE + x] = (guint8) CLAMP (g + 0.5, 0, 255);
      }
  return TRUE;
}

typedef struct {
  GArray *pixels;   /* of guint8 */
  GArray *labels;   /* of guint8 */
} Split;

static gboolean
read_class (const char *dir, guint8 label, Split *train, Split *test, gboolean split_here, GError **error)
{
  g_autoptr (GPtrArray) files = list (dir, FALSE, error);
  if (files == NULL)
    return FALSE;
  guint8 img[SIDE * SIDE];
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, files->pdata[i], NULL);
      if (!read_image (path, img, error))
        return FALSE;
      /* Without a split of its own, a tenth of each class is the test set: every tenth image in name order. */
      Split *to = split_here && i % 10 == 9 ? test : train;
      if (to->labels->len >= MAX_IMAGES)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: more than %d images"), dir, MAX_IMAGES);
          return FALSE;
        }
      g_array_append_vals (to->pixels, img, sizeof img);
      g_array_append_val (to->labels, label);
    }
  return TRUE;
}

/* Reads root's classes (subfolders, or root itself when it has none) into train and test. */
static gboolean
read_classes (const char *root, GPtrArray *class_names, Split *train, Split *test, gboolean split_here,
              GError **error)
{
  g_autoptr (GPtrArray) subs = list (root, TRUE, error);
  if (subs == NULL)
    return FALSE;
  if (subs->len == 0)
    {
      if (class_names->len == 0)
        g_ptr_array_add (class_names, g_path_get_basename (root));
      return read_class (root, 0, train, test, split_here, error);
    }
  if (subs->len > 255)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: %u classes (subfolders); at most 255"), root,
                   subs->len);
      return FALSE;
    }
  for (guint k = 0; k < subs->len; k++)
    {
      /* Classes by name, the same in both splits of a train/test layout. */
      guint label = class_names->len;
      for (guint j = 0; j < class_names->len; j++)
        if (g_str_equal (class_names->pdata[j], subs->pdata[k]))
          label = j;
      if (label == class_names->len)
        {
          if (class_names->len >= 255)
            {
              g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: more than 255 classes"), root);
              return FALSE;
            }
          g_ptr_array_add (class_names, g_strdup (subs->pdata[k]));
        }
      g_autofree char *sub = g_build_filename (root, subs->pdata[k], NULL);
      if (!read_class (sub, (guint8) label, train, test, split_here, error))
        return FALSE;
    }
  return TRUE;
}

static GbImageSet *
to_set (Split *s)
{
  return gb_image_set_new (s->labels->len, SIDE, SIDE, (const guint8 *) s->pixels->data,
                           (const guint8 *) s->labels->data);
}

GbDataset *
gb_image_folder_load (const char *dir, gboolean with_train, GError **error)
{
  g_autoptr (GPtrArray) class_names = g_ptr_array_new_with_free_func (g_free);
  Split train = { g_array_new (FALSE, FALSE, 1), g_array_new (FALSE, FALSE, 1) };
  Split test = { g_array_new (FALSE, FALSE, 1), g_array_new (FALSE, FALSE, 1) };
  gboolean ok;
  /* A split of its own (train/ and test/ or val/, each with the classes), else a tenth held out. */
  g_autofree char *train_dir = g_build_filename (dir, "train", NULL);
  g_autofree char *test_dir = g_build_filename (dir, "test", NULL);
  if (!g_file_test (test_dir, G_FILE_TEST_IS_DIR))
    {
      g_free (test_dir);
      test_dir = g_build_filename (dir, "val", NULL);
    }
  if (g_file_test (train_dir, G_FILE_TEST_IS_DIR) && g_file_test (test_dir, G_FILE_TEST_IS_DIR))
    ok = read_classes (test_dir, class_names, &test, &test, FALSE, error)
         && (!with_train || read_classes (train_dir, class_names, &train, &train, FALSE, error));
  else
    ok = read_classes (dir, class_names, &train, &test, TRUE, error);
  if (ok && test.labels->len == 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_NOT_FOUND,
                   _("%s: no images for a test set (PNG or JPEG files, one subfolder per class; a folder without "
                   "train/ and test/ needs at least 10 images a class, one in ten is held out)"), dir);
      ok = FALSE;
    }
  GbDataset *ds = NULL;
  if (ok)
    {
      ds = g_atomic_rc_box_new0 (GbDataset);
      ds->dir = g_strdup (dir);
      ds->name = g_path_get_basename (dir);
      ds->n_classes = (int) class_names->len;
      ds->class_names = g_new0 (char *, class_names->len + 1);
      for (guint k = 0; k < class_names->len; k++)
        ds->class_names[k] = g_strdup (class_names->pdata[k]);
      ds->test = to_set (&test);
      if (with_train)
        ds->train = to_set (&train);
    }
  g_array_unref (train.pixels), g_array_unref (train.labels);
  g_array_unref (test.pixels), g_array_unref (test.labels);
  return ds;
}
