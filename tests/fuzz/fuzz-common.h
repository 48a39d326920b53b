/* fuzz-common.h — what the libFuzzer harnesses share.
 *
 * Each harness is one parser's LLVMFuzzerTestOneInput. Built with
 * `meson setup -Dfuzz=true` (clang) it links libFuzzer's main; in the regular
 * build it links replay-main.c instead, which feeds it the seed corpus and every
 * reproducer, so a fixed crash stays fixed under `meson test`.
 *
 * Loaders that take a path are handed one: the input is written to an
 * anonymous in-memory file (memfd) and its /proc/self/fd path is passed, so
 * the harness goes through the very code a user's Open… goes through. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/* GLib's criticals (a g_return_if_fail hit) and warnings are findings too:
 * they abort (GLib's own fatal logs trap, which libFuzzer does not catch). */
static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
  return out;
}

static inline void
fuzz_init_glib (void)
{
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

/* A path whose contents are data[0…size); valid until the next call. */
static inline const char *
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

/* A loader must either succeed or say why: never fail without a message. */
#define FUZZ_CHECK_RESULT(result, error)                                        \
  do {                                                                          \
    if ((result) == NULL && ((error) == NULL || (error)->message == NULL       \
                             || (error)->message[0] == '\0'))                  \
      {                                                                         \
        fprintf (stderr, "loader failed without an error message\n");          \
        abort ();                                                               \
      }                                                                         \
    if ((result) != NULL && (error) != NULL)                                    \
      {                                                                         \
        fprintf (stderr, "loader succeeded and set an error\n");               \
        abort ();                                                               \
      }                                                                         \
  } while (0)
