/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.c — set-up shared by every harness. */
#include "fuzz-common.h"

/* GLib's criticals (a g_return_if_fail hit) and warnings are findings too:
 * they abort (GLib's own fatal logs trap, which libFuzzer does not catch). */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return out;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_log_set_writer_func (log_writer, NULL, NULL);
  return 0;
}

const char *
fuzz_path (const uint8_t *data, size_t size)
{
  static int fd = -1;
  static char path[64];
  if (fd < 0)
    {
      fd = memfd_create ("fuzz-input", 0);
      if (fd < 0)
        abort ();
      g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
    }
  if (ftruncate (fd, 0) != 0 || (size > 0 && pwrite (fd, data, size, 0) != (ssize_t) size))
    abort ();
  return path;
}
