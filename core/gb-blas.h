/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-blas.h — which matrix-product kernels this process runs, and making them
 * the CPU's own whatever OpenBLAS guessed.
 *
 * Debian's OpenBLAS picks its kernels from the CPU's family and model at load
 * time. On a CPU newer than it knows (a 2023 Xeon for 0.3.21) it falls back to
 * its SSE3 "Prescott" kernels and every product runs at a third of the speed.
 * gb_blas_init, first thing in main, sees that and runs the program again with
 * OPENBLAS_CORETYPE set to the best kernels the CPU can run (SkylakeX for
 * AVX-512, Haswell for AVX2 + FMA), checks them against a reference product,
 * and falls back to the next kernels (and at last to OpenBLAS's own pick) if
 * they compute wrong. A core type the user or the system has set is never
 * overridden: it is only checked. gb-packed's own AVX-512/AVX2 kernels do not
 * depend on any of this.
 *
 *   int main (int argc, char **argv)
 *   {
 *     gb_blas_init (argv);                  // may not return: execs itself once
 *     g_autofree char *s = gb_blas_describe ();   // for --version and About
 *
 * Two variables exist for the tests only: GLASSBOX_BLAS_PRETEND_PICKED=NAME
 * acts as if OpenBLAS had picked NAME, GLASSBOX_BLAS_PRETEND_WRONG=A,B as if
 * kernels A and B failed the check. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  GB_BLAS_CPU_OTHER,    /* no AVX2 + FMA */
  GB_BLAS_CPU_AVX2,     /* AVX2 and FMA */
  GB_BLAS_CPU_AVX512,   /* AVX-512 F, BW, DQ and VL, as OpenBLAS's SkylakeX kernels need */
} GbBlasCpu;

typedef enum {
  GB_BLAS_FROM_OPENBLAS,    /* OpenBLAS's own pick, which suits the CPU */
  GB_BLAS_FROM_USER,        /* OPENBLAS_CORETYPE was set before Glassbox started */
  GB_BLAS_FROM_GLASSBOX,    /* set by gb_blas_init: OpenBLAS had picked slower kernels */
  GB_BLAS_FROM_FALLBACK,    /* gb_blas_init's kernels computed wrong: OpenBLAS's own pick */
} GbBlasSource;

GbBlasCpu    gb_blas_cpu (void);
/* The level of OpenBLAS's kernels of that core name (as gb_blas_cpu's). */
GbBlasCpu    gb_blas_core_level (const char *core);
/* The core types to try, best first (NULL-terminated, static), when OpenBLAS
 * picked `picked` on a CPU of level cpu: none when its pick already runs
 * AVX2 or better (an AVX-512 CPU on AVX2 kernels is left alone: the gain is
 * small, and older OpenBLAS builds are known to go wrong there). */
const char *const *gb_blas_candidates (GbBlasCpu cpu, const char *picked);

void         gb_blas_init (char **argv);
/* Multiplies a few products of odd shapes and all transposes with sgemm and
 * sgemv and compares them with a plain double-precision loop. */
gboolean     gb_blas_check (GError **error);

GbBlasSource gb_blas_source (void);
/* The kernels that run: "Haswell". */
const char  *gb_blas_core (void);
/* Lines for --version and the About window: the CPU, its vector units, the
 * kernels that run and why, and whether they passed the check. */
char        *gb_blas_describe (void);

G_END_DECLS
