/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-test-util.h — helpers shared by the unit tests. */
#pragma once

#include <glib.h>
#include <math.h>

#include "gb-rng.h"

G_BEGIN_DECLS

static inline void
fill_uniform (GbRng *rng, float *x, gsize n, float lo, float hi)
{
  for (gsize i = 0; i < n; i++)
    x[i] = lo + (hi - lo) * gb_rng_uniform (rng);
}

/* Central difference agreement within atol + rtol·|analytic|. */
static inline gboolean
grad_close (double analytic, double numeric, double atol, double rtol)
{
  return fabs (analytic - numeric) <= atol + rtol * fabs (analytic);
}

/* A temporary file path in the test's own temporary folder; free with g_free. */
static inline char *
test_tmp_path (const char *name)
{
  static char *dir = NULL;
  if (dir == NULL)
    dir = g_dir_make_tmp ("glassbox-test-XXXXXX", NULL);
  return g_build_filename (dir, name, NULL);
}

G_END_DECLS
