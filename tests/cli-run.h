/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli-run.h — running the glassbox binary from a test and reading what it
 * said: the command-line tests' shared helpers. */
#pragma once

#include <gio/gio.h>
#include <string.h>

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

/* A case of bad input: the arguments, the exit status and a part of the message. */
typedef struct {
  const char *args[12];
  int status;
  const char *message;
} BadCase;

/* Finds the binary (GB_GLASSBOX, set by meson). */
void cli_run_init (void);
const char *cli_glassbox (void);
void run_clear (Run *r);
/* glassbox with these arguments (NULL-terminated) … */
Run  run (const char *first, ...);
/* … under a 1 GB address-space limit … */
Run  run_limited (const char *first, ...);
/* … with environment variables: env holds name, value pairs (value NULL: unset). */
Run  run_env (const char *const *env, const char *first, ...);
Run  run_argv (GPtrArray *argv, gboolean limited, const char *const *env);

#define assert_contains(hay, needle)                                              \
  do {                                                                            \
    if (strstr ((hay), (needle)) == NULL)                                         \
      g_error ("expected “%s” in:\n%s", (needle), (hay));                         \
  } while (0)
