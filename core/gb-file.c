/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-file.c — atomic saves with messages about the user's path. */
#include "gb-file.h"
#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* A GError in G_FILE_ERROR for errno saved_errno while writing path. */
static void
set_write_error (GError **error, const char *path, int saved_errno)
{
  g_autofree char *dir = g_path_get_dirname (path);
  GFileError code = g_file_error_from_errno (saved_errno);
  const char *why;
  g_autofree char *owned = NULL;
  switch (saved_errno)
    {
    case ENOENT:
    case ENOTDIR:
      why = owned = g_strdup_printf ("the folder %s does not exist", dir);
      break;
    case EACCES:
    case EPERM:
      why = owned = g_strdup_printf ("the folder %s is not writable", dir);
      break;
    case EROFS:
      why = owned = g_strdup_printf ("the folder %s is on a read-only file system", dir);
      break;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      why = "the disk is full (or the file is larger than allowed)";
      break;
    case EISDIR:
      why = "it is a folder";
      break;
    default:
      why = g_strerror (saved_errno);
    }
  g_set_error (error, G_FILE_ERROR, code, _("cannot write “%s”: %s"), path, why);
}

gboolean
gb_file_check_writable (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      set_write_error (error, path, EISDIR);
      return FALSE;
    }
  /* Create (and remove) a file where the save's temporary file will go. */
  g_autofree char *probe = g_strdup_printf ("%s.XXXXXX", path);
  int fd = g_mkstemp_full (probe, O_WRONLY, 0666);
  if (fd < 0)
    {
      set_write_error (error, path, errno);
      return FALSE;
    }
  close (fd);
  g_unlink (probe);
  return TRUE;
}

gboolean
gb_file_save (const char *path, const void *data, gsize len, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      set_write_error (error, path, EISDIR);
      return FALSE;
    }
  /* g_file_set_contents writes path.XXXXXX (a name of its own for each
   * writer), fsyncs it when replacing a file, and renames it over path. */
  g_autoptr (GError) local = NULL;
  if (g_file_set_contents_full (path, data, (gssize) len,
                                G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING,
                                0666, &local))
    return TRUE;
  /* GLib's message names its temporary file; say it of the user's path. */
  int e = local->domain == G_FILE_ERROR ? 0 : EIO;
  static const struct { GFileError code; int e; } map[] = {
    { G_FILE_ERROR_NOENT, ENOENT }, { G_FILE_ERROR_NOTDIR, ENOTDIR }, { G_FILE_ERROR_ACCES, EACCES },
    { G_FILE_ERROR_PERM, EPERM }, { G_FILE_ERROR_ROFS, EROFS }, { G_FILE_ERROR_NOSPC, ENOSPC },
    { G_FILE_ERROR_ISDIR, EISDIR },
  };
  for (gsize i = 0; e == 0 && i < G_N_ELEMENTS (map); i++)
    if (local->code == (int) map[i].code)
      e = map[i].e;
  if (e != 0)
    set_write_error (error, path, e);
  else   /* EFBIG and other write failures come as G_FILE_ERROR_FAILED */
    g_set_error (error, G_FILE_ERROR, local->code, _("cannot write “%s”: %s"), path,
                 strstr (local->message, "too large") || strstr (local->message, "No space")
                   ? "the disk is full (or the file is larger than allowed)" : local->message);
  return FALSE;
}
