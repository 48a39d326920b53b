/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay-main.c — runs a harness over files, for the regular test suite.
 *
 *   fuzz-replay-vae DIR-OR-FILE …
 *
 * Each file (directories are read one level deep) is passed to
 * LLVMFuzzerTestOneInput once, as libFuzzer would replay it; a crash, a leak
 * under ASan or a GLib critical fails the test. Prints TAP. */
#include "fuzz-common.h"

static int n_run;

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

static void
run_file (const char *path)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      printf ("not ok %d - %s: %s\n", ++n_run, path, error->message);
      exit (1);
    }
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, len);
  printf ("ok %d - %s\n", ++n_run, path);
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (g_file_test (argv[i], G_FILE_TEST_EXISTS))
            run_file (argv[i]);
          continue;
        }
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, NULL);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, compare_paths);
      for (guint j = 0; j < names->len; j++)
        run_file (names->pdata[j]);
    }
  if (n_run == 0)
    {
      printf ("not ok 1 - no inputs: the corpus is missing\n1..1\n");
      return 1;
    }
  printf ("1..%d\n", n_run);
  return 0;
}
