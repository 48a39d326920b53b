/* SPDX-License-Identifier: GPL-3.0-or-later */
/* main.c — `glassbox` opens the app; `glassbox train …` and `glassbox render …`
 * run on the command line without a display. */
#include <glib/gi18n.h>
#include <locale.h>

#include "gb-application.h"
#include "gb-blas.h"
#include "gb-cli.h"
#include "gb-nn.h"

/* The translations: installed ones, or, for a glassbox run from its build
 * tree, the .mo files the build made there (po/LANG/LC_MESSAGES). */
static void
bind_translations (void)
{
  const char *dir = GB_LOCALEDIR;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe != NULL && g_str_has_prefix (exe, GB_BUILD_ROOT "/"))
    dir = GB_BUILD_ROOT "/po";
  bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int argc, char **argv)
{
  /* Before anything else runs: may run the program again, once, with
   * OpenBLAS's kernels for this CPU (gb-blas.h). */
  gb_blas_init (argv);
  setlocale (LC_ALL, "");
  bind_translations ();
  if (gb_cli_is_command (argc, argv))
    return gb_cli_run (argc, argv);
  /* The app's long work splits itself over the cores where it pays
   * (gb_sgemm_pair, halves of a batch), as the commands do; OpenBLAS's own
   * threads would only spin at its sizes — and under a worker at idle
   * priority they made a DQN's burst of 128 small updates take a second,
   * not milliseconds. Set before any product runs. */
  gb_blas_set_threads (1);
  g_autoptr (GbApplication) app = gb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
