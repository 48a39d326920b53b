/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-denoiser.c — diffusion model files: the MLP ε-predictor (with or
 * without a fitted Gaussian) and the U-Net, then one prediction at t = T/2. */
#include "fuzz-common.h"

#include "gb-diffusion-denoiser.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  GbDenoiser *net = gb_denoiser_load_bytes (bytes, "fuzz.safetensors", &error);
  FUZZ_CHECK_RESULT (net, error);
  if (net == NULL)
    return 0;
  int d = net->d;
  g_autofree float *xt = g_new0 (float, d);
  g_autofree float *eps = g_new0 (float, d);
  gb_denoiser_eps (eps, xt, 1, d, net->schedule->T / 2, net);
  gb_denoiser_free (net);
  return 0;
}
