/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-classifier.c — the classifier files that judge image samples (an MLP,
 * or convolutions + an MLP), then one prediction. */
#include "fuzz-common.h"

#include "gb-diffusion-classifier.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  GbClassifier *c = gb_classifier_load (fuzz_path (data, size), &error);
  FUZZ_CHECK_RESULT (c, error);
  if (c == NULL)
    return 0;
  g_autofree float *x = g_new0 (float, c->d);
  g_autofree float *p = g_new0 (float, c->classes);
  gb_classifier_predict (c, x, 1, p);
  gb_classifier_free (c);
  return 0;
}
