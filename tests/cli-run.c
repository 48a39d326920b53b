/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cli-run.c — running the glassbox binary from a test (see the header). */
#include "cli-run.h"

#include <sys/resource.h>

static const char *glassbox;

void
cli_run_init (void)
{
  glassbox = g_getenv ("GB_GLASSBOX");
  g_assert_nonnull (glassbox);
}

const char *
cli_glassbox (void)
{
  return glassbox;
}


void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

/* Under a 1 GB address-space limit, as a user's ulimit -v or a container
 * may set; ASan's shadow memory cannot live under one, so not there. */
static void
limit_memory (gpointer data)
{
#ifndef __SANITIZE_ADDRESS__
  struct rlimit lim = { 1000u << 20, 1000u << 20 };
  setrlimit (RLIMIT_AS, &lim);
#endif
}

Run
run_argv (GPtrArray *argv, gboolean limited, const char *const *env)
{
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                 | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (limited)
    g_subprocess_launcher_set_child_setup (l, limit_memory, NULL, NULL);
  for (int i = 0; env != NULL && env[i] != NULL; i += 2)
    {
      if (env[i + 1] != NULL)
        g_subprocess_launcher_setenv (l, env[i], env[i + 1], TRUE);
      else
        g_subprocess_launcher_unsetenv (l, env[i]);
    }
  g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  Run r = { 0 };
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &r.out, &r.err, &error));
  r.status = g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
  return r;
}

static Run
run_va (gboolean limited, const char *const *env, const char *first, va_list ap)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) glassbox);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  return run_argv (argv, limited, env);
}

Run
run (const char *first, ...)
{
  va_list ap;
  va_start (ap, first);
  Run r = run_va (FALSE, NULL, first, ap);
  va_end (ap);
  return r;
}

Run
run_limited (const char *first, ...)
{
  va_list ap;
  va_start (ap, first);
  Run r = run_va (TRUE, NULL, first, ap);
  va_end (ap);
  return r;
}

/* With environment variables: env holds name, value pairs (value NULL: unset). */
Run
run_env (const char *const *env, const char *first, ...)
{
  va_list ap;
  va_start (ap, first);
  Run r = run_va (FALSE, env, first, ap);
  va_end (ap);
  return r;
}
