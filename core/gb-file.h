/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-file.h — writing the files Glassbox saves, so that nothing is lost.
 *
 * gb_file_save writes to a temporary file beside path and renames it over
 * path (g_file_set_contents), so a reader, a crash, a full disk or a second
 * writer of the same path never sees a torn file, and a failed write leaves
 * what was there intact. Its messages name the path the user gave, not the
 * temporary file, and say why in words (“the folder … does not exist”, “the
 * disk is full”). gb_file_check_writable asks the same of a path before a
 * long job starts, so a typo in --out is found before the run, not after. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean gb_file_save           (const char *path, const void *data, gsize len, GError **error);
gboolean gb_file_check_writable (const char *path, GError **error);

G_END_DECLS
