/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-vae.c — VAE model files (safetensors, PyTorch's layer names): the
 * architecture read off the shapes, then one encode and one decode. */
#include "fuzz-common.h"

#include <math.h>

#include "gb-vae-file.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load_bytes (bytes, "fuzz.safetensors", &error);
  FUZZ_CHECK_RESULT (vae, error);
  if (vae == NULL)
    return 0;
  int D = vae->config.n_input, L = vae->config.n_latent;
  g_autofree float *x = g_new0 (float, D);
  g_autofree float *out = g_new0 (float, D);
  g_autofree float *mu = g_new0 (float, L);
  g_autofree float *logvar = g_new0 (float, L);
  g_autofree float *z = g_new0 (float, L);
  for (int i = 0; i < D; i++)
    x[i] = 0.5f;
  gb_vae_encode (vae, x, mu, logvar, 1);
  gb_vae_decode (vae, z, out, 1);
  /* A model that loads computes finite numbers for an ordinary input. */
  for (int i = 0; i < L; i++)
    if (!isfinite (mu[i]) || !isfinite (logvar[i]))
      abort ();
  for (int i = 0; i < D; i++)
    if (!isfinite (out[i]))
      abort ();
  return 0;
}
