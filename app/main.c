/* main.c — `glassbox` opens the app; `glassbox train …` and `glassbox render …`
 * run on the command line without a display. */
#include <locale.h>

#include "gb-application.h"
#include "gb-blas.h"
#include "gb-cli.h"

int
main (int argc, char **argv)
{
  /* Before anything else runs: may run the program again, once, with
   * OpenBLAS's kernels for this CPU (gb-blas.h). */
  gb_blas_init (argv);
  setlocale (LC_ALL, "");
  if (gb_cli_is_command (argc, argv))
    return gb_cli_run (argc, argv);
  g_autoptr (GbApplication) app = gb_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
