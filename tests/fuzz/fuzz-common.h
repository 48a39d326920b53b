/* SPDX-License-Identifier: GPL-3.0-or-later */
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

/* Sets GLib's log writer (criticals and warnings abort); libFuzzer calls it first. */
int LLVMFuzzerInitialize (int *argc, char ***argv);
/* A path whose contents are data[0…size); valid until the next call. */
const char *fuzz_path (const uint8_t *data, size_t size);

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
