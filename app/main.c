/* main.c — `glassbox` opens the app; `glassbox train …` and `glassbox render …`
 * run on the command line without a display. */
#include <locale.h>

#include "gb-application.h"
#include "gb-blas.h"
#include "gb-cli.h"
#include "gb-nn.h"

int
main (int argc, char **argv)
{
  /* Before anything else runs: may run the program again, once, with
   * OpenBLAS's kernels for this CPU (gb-blas.h). */
  gb_blas_init (argv);
  setlocale (LC_ALL, "");
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
