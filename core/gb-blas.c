/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-blas.c — OpenBLAS's kernels made the CPU's own (see gb-blas.h). */
#include "gb-blas.h"
#include <glib/gi18n.h>

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb-error.h"
#include "gb-packed.h"
#include "gb-rng.h"

/* What gb_blas_init found, for gb_blas_describe. */
static struct {
  gboolean done;
  GbBlasSource source;
  char *picked;       /* OpenBLAS's own pick, when Glassbox changed it */
  char *rejected;     /* kernels that failed the check, comma-separated, or NULL */
  gboolean checked, check_ok;
  char *check_message;
} state;

GbBlasCpu
gb_blas_cpu (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return GB_BLAS_CPU_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return GB_BLAS_CPU_AVX2;
#endif
  return GB_BLAS_CPU_OTHER;
}

GbBlasCpu
gb_blas_core_level (const char *core)
{
  static const char *const avx512[] = { "SkylakeX", "Cooperlake", "SapphireRapids" };
  static const char *const avx2[] = { "Haswell", "Zen" };
  for (gsize i = 0; i < G_N_ELEMENTS (avx512); i++)
    if (g_ascii_strcasecmp (core, avx512[i]) == 0)
      return GB_BLAS_CPU_AVX512;
  for (gsize i = 0; i < G_N_ELEMENTS (avx2); i++)
    if (g_ascii_strcasecmp (core, avx2[i]) == 0)
      return GB_BLAS_CPU_AVX2;
  return GB_BLAS_CPU_OTHER;
}

const char *const *
gb_blas_candidates (GbBlasCpu cpu, const char *picked)
{
  static const char *const none[] = { NULL };
  static const char *const for_avx512[] = { "SkylakeX", "Haswell", NULL };
  static const char *const for_avx2[] = { "Haswell", NULL };
  if (gb_blas_core_level (picked) >= GB_BLAS_CPU_AVX2)
    return none;
  return cpu == GB_BLAS_CPU_AVX512 ? for_avx512 : cpu == GB_BLAS_CPU_AVX2 ? for_avx2 : none;
}

const char *
gb_blas_core (void)
{
  return openblas_get_corename ();
}

GbBlasSource
gb_blas_source (void)
{
  return state.source;
}

/* --- the check --- */

static gboolean
pretend_wrong (const char *core)
{
  const char *list = g_getenv ("GLASSBOX_BLAS_PRETEND_WRONG");
  if (list == NULL)
    return FALSE;
  g_auto (GStrv) names = g_strsplit (list, ",", -1);
  for (int i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (names[i]), core) == 0)
      return TRUE;
  return FALSE;
}

/* C (M, N) = α op(A) op(B) + β C against the same in double; op(A) (M, K). */
static gboolean
check_gemm (GbRng *rng, int M, int N, int K, gboolean ta, gboolean tb, GError **error)
{
  g_autofree float *A = g_new (float, (gsize) M * K);
  g_autofree float *B = g_new (float, (gsize) K * N);
  g_autofree float *C = g_new (float, (gsize) M * N);
  g_autofree double *R = g_new (double, (gsize) M * N);
  for (gsize i = 0; i < (gsize) M * K; i++)
    A[i] = gb_rng_uniform (rng) * 2 - 1;
  for (gsize i = 0; i < (gsize) K * N; i++)
    B[i] = gb_rng_uniform (rng) * 2 - 1;
  for (gsize i = 0; i < (gsize) M * N; i++)
    C[i] = gb_rng_uniform (rng) * 2 - 1;
  const double alpha = 1.5, beta = 0.5;
  for (int i = 0; i < M; i++)
    for (int j = 0; j < N; j++)
      {
        double s = 0;
        for (int k = 0; k < K; k++)
          s += (double) (ta ? A[(gsize) k * M + i] : A[(gsize) i * K + k])
               * (tb ? B[(gsize) j * K + k] : B[(gsize) k * N + j]);
        R[(gsize) i * N + j] = alpha * s + beta * C[(gsize) i * N + j];
      }
  cblas_sgemm (CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K,
               (float) alpha, A, ta ? M : K, B, tb ? K : N, (float) beta, C, N);
  double worst = 0;
  for (gsize i = 0; i < (gsize) M * N; i++)
    worst = MAX (worst, fabs (C[i] - R[i]));   /* NaN makes the check below fail too */
  /* Sums of K products of numbers below 1.5 in float: 1e-5·K is generous. */
  if (!(worst <= 1e-5 * K + 1e-5))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("sgemm %c%c %d×%d×%d is off the reference by %.3g"), ta ? 'T' : 'N', tb ? 'T' : 'N',
                   M, N, K, worst);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_gemv (GbRng *rng, int M, int N, GError **error)
{
  g_autofree float *A = g_new (float, (gsize) M * N);
  g_autofree float *x = g_new (float, N);
  g_autofree float *y = g_new0 (float, M);
  for (gsize i = 0; i < (gsize) M * N; i++)
    A[i] = gb_rng_uniform (rng) * 2 - 1;
  for (int i = 0; i < N; i++)
    x[i] = gb_rng_uniform (rng) * 2 - 1;
  cblas_sgemv (CblasRowMajor, CblasNoTrans, M, N, 1.0f, A, N, x, 1, 0.0f, y, 1);
  for (int i = 0; i < M; i++)
    {
      double s = 0;
      for (int j = 0; j < N; j++)
        s += (double) A[(gsize) i * N + j] * x[j];
      if (!(fabs (s - y[i]) <= 1e-5 * N + 1e-5))
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("sgemv %d×%d is off the reference by %.3g"),
                       M, N, fabs (s - y[i]));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
gb_blas_check (GError **error)
{
  if (pretend_wrong (gb_blas_core ()))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("sgemm is off the reference (pretended, for a test)"));
      return FALSE;
    }
  GbRng rng;
  gb_rng_init (&rng, 20261203);
  /* Odd sizes reach every edge case of the kernels' blocking; 96³ reaches
   * the packed, threaded path. About 5 ms in all. */
  static const int shapes[][3] = { { 1, 1, 1 }, { 7, 5, 3 }, { 67, 45, 131 }, { 5, 300, 17 },
                                   { 129, 1, 64 }, { 96, 96, 96 } };
  for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int t = 0; t < 4; t++)
      if (!check_gemm (&rng, shapes[s][0], shapes[s][1], shapes[s][2], t & 1, t >> 1, error))
        return FALSE;
  return check_gemv (&rng, 37, 513, error) && check_gemv (&rng, 300, 7, error);
}

/* --- choosing the kernels --- */

static void
record_check (void)
{
  g_autoptr (GError) error = NULL;
  state.checked = TRUE;
  state.check_ok = gb_blas_check (&error);
  g_clear_pointer (&state.check_message, g_free);
  if (!state.check_ok)
    state.check_message = g_strdup (error->message);
}

/* Runs this program again with OPENBLAS_CORETYPE = core (NULL: unset); returns
 * only when the exec fails. */
static void
exec_with (char **argv, const char *core, const char *try_index)
{
  if (core != NULL)
    g_setenv ("OPENBLAS_CORETYPE", core, TRUE);
  else
    g_unsetenv ("OPENBLAS_CORETYPE");
  g_setenv ("GLASSBOX_BLAS_TRY", try_index, TRUE);
  fflush (stdout);
  fflush (stderr);
  execv ("/proc/self/exe", argv);
  /* No /proc (a chroot): go on with what OpenBLAS picked, and say so. */
  g_unsetenv ("GLASSBOX_BLAS_TRY");
  g_unsetenv ("GLASSBOX_BLAS_PICKED");
  g_unsetenv ("GLASSBOX_BLAS_REJECTED");
  if (core != NULL)
    g_unsetenv ("OPENBLAS_CORETYPE");
}

/* The second and later runs: the kernels at index `try` of the candidates were set. */
static void
after_exec (char **argv, const char *picked)
{
  state.picked = g_strdup (picked);
  state.rejected = g_strdup (g_getenv ("GLASSBOX_BLAS_REJECTED"));
  const char *try_s = g_getenv ("GLASSBOX_BLAS_TRY");
  if (try_s == NULL || g_str_equal (try_s, "none"))
    {
      state.source = GB_BLAS_FROM_FALLBACK;
      record_check ();
      return;
    }
  const char *const *cands = gb_blas_candidates (gb_blas_cpu (), picked);
  guint64 i = 0;
  if (!g_ascii_string_to_unsigned (try_s, 10, 0, g_strv_length ((char **) cands), &i, NULL)
      || cands[i] == NULL)
    {
      state.source = GB_BLAS_FROM_USER;   /* not ours after all: leave it */
      record_check ();
      return;
    }
  state.source = GB_BLAS_FROM_GLASSBOX;
  record_check ();
  if (state.check_ok)
    return;
  g_autofree char *rejected = state.rejected ? g_strdup_printf ("%s,%s", state.rejected, cands[i])
                                             : g_strdup (cands[i]);
  g_setenv ("GLASSBOX_BLAS_REJECTED", rejected, TRUE);
  g_autofree char *next = g_strdup_printf ("%" G_GUINT64_FORMAT, i + 1);
  exec_with (argv, cands[i + 1], cands[i + 1] != NULL ? next : "none");
  state.source = GB_BLAS_FROM_FALLBACK;   /* the exec failed: these kernels stay, wrong as they are */
}

void
gb_blas_init (char **argv)
{
  if (state.done)
    return;
  state.done = TRUE;
  const char *picked = g_getenv ("GLASSBOX_BLAS_PICKED");
  if (picked != NULL)
    {
      after_exec (argv, picked);
      return;
    }
  if (g_getenv ("OPENBLAS_CORETYPE") != NULL)
    {
      state.source = GB_BLAS_FROM_USER;
      record_check ();
      if (!state.check_ok)
        g_printerr ("glassbox: OpenBLAS's %s kernels (OPENBLAS_CORETYPE=%s) compute wrong products: %s\n",
                    gb_blas_core (), g_getenv ("OPENBLAS_CORETYPE"), state.check_message);
      return;
    }
  const char *pretend = g_getenv ("GLASSBOX_BLAS_PRETEND_PICKED");
  const char *own = pretend != NULL ? pretend : gb_blas_core ();
  const char *const *cands = gb_blas_candidates (gb_blas_cpu (), own);
  state.source = GB_BLAS_FROM_OPENBLAS;
  if (cands[0] != NULL && argv != NULL)
    {
      g_setenv ("GLASSBOX_BLAS_PICKED", own, TRUE);
      exec_with (argv, cands[0], "0");
    }
  record_check ();
}

static const char *
cpu_model (char *buf, gsize size)
{
  g_autofree char *info = NULL;
  g_strlcpy (buf, "unknown CPU", size);
  if (!g_file_get_contents ("/proc/cpuinfo", &info, NULL, NULL))
    return buf;
  const char *p = strstr (info, "model name");
  const char *colon = p ? strchr (p, ':') : NULL;
  if (colon == NULL)
    return buf;
  colon++;
  while (*colon == ' ' || *colon == '\t')
    colon++;
  gsize n = strcspn (colon, "\n");
  g_strlcpy (buf, colon, MIN (size, n + 1));
  return buf;
}

char *
gb_blas_describe (void)
{
  static const char *const isa[] = { "no AVX2", "AVX2 + FMA", "AVX-512" };
  static const char *const packed[] = { "portable loops", "AVX2", "AVX-512" };
  char model[128];
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "CPU: %s (%s)\n", cpu_model (model, sizeof model), isa[gb_blas_cpu ()]);
  g_string_append_printf (s, "Matrix products: OpenBLAS %s kernels", gb_blas_core ());
  switch (state.source)
    {
    case GB_BLAS_FROM_OPENBLAS:
      g_string_append (s, " (OpenBLAS's own choice)");
      break;
    case GB_BLAS_FROM_USER:
      g_string_append_printf (s, " (OPENBLAS_CORETYPE=%s, set before Glassbox started)",
                              g_getenv ("OPENBLAS_CORETYPE") ? g_getenv ("OPENBLAS_CORETYPE") : "");
      break;
    case GB_BLAS_FROM_GLASSBOX:
      g_string_append_printf (s, " (set by Glassbox: OpenBLAS had picked its slower %s kernels)", state.picked);
      break;
    case GB_BLAS_FROM_FALLBACK:
      g_string_append_printf (s, " (OpenBLAS's own choice: its %s kernels computed wrong products here)",
                              state.rejected ? state.rejected : "faster");
      break;
    }
  g_string_append_c (s, '\n');
  const char *const *better = gb_blas_candidates (gb_blas_cpu (), gb_blas_core ());
  if (state.source == GB_BLAS_FROM_USER && better[0] != NULL)
    g_string_append_printf (s, "This CPU can run OpenBLAS's faster %s kernels: unset OPENBLAS_CORETYPE "
                            "(or set it to %s) for them\n", better[0], better[0]);
  if (state.checked)
    g_string_append_printf (s, "Checked against a reference product: %s\n",
                            state.check_ok ? "right" : state.check_message);
  g_string_append_printf (s, "Packed kernels (samplers, U-Net): %s\n", packed[gb_packed_level ()]);
  return g_string_free (s, FALSE);
}
