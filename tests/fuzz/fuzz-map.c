/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-map.c — gridworld map text, read as a file (Open…, `--env FILE`), then
 * written as text and read again: what Save map… writes must load. */
#include "fuzz-common.h"

#include "gb-rl-mdp.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbGrid) grid = gb_grid_load (fuzz_path (data, size), &error);
  FUZZ_CHECK_RESULT (grid, error);
  if (grid == NULL)
    return 0;
  g_autofree char *text = gb_grid_to_text (grid);
  g_autoptr (GError) again_error = NULL;
  g_autoptr (GbGrid) again = gb_grid_parse (text, "saved", &again_error);
  if (again == NULL)
    {
      fprintf (stderr, "a map that loads does not load again once saved: %s\n", again_error->message);
      abort ();
    }
  return 0;
}
