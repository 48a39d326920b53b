/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-unet.c — the convolutional ε-predictor's gradient against central
 * finite differences, and its shape checks. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "gb-diffusion-denoiser.h"
#include "gb-error.h"
#include "gb-packed.h"
#include "gb-diffusion-predictor.h"
#include "gb-diffusion-unet.h"

static double
loss_of (const GbUnet *u, const float *xt, const float *eps, const int *ts, const int *labels, int n)
{
  gsize d = (gsize) u->side * u->side;
  g_autofree float *y = g_new (float, n * d);
  gb_unet_eps_at (u, NULL, y, xt, n, ts, labels);
  double l = 0.0;
  for (gsize i = 0; i < n * d; i++)
    l += ((double) y[i] - eps[i]) * ((double) y[i] - eps[i]);
  return l;
}

static void
check_gradient (void)
{
  /* Side 8 (blocks at 8, 4 and 2 pixels), width 8, 10 images: more than one
   * slice of 8, so the slices' sums are checked too. Every weight random
   * (conv₂ starts at 0, which would hide its inputs' gradients). */
  g_autoptr (GError) error = NULL;
  g_autoptr (GbUnet) u = gb_unet_new (8, 8, 3, 3, &error);   /* three classes */
  g_assert_no_error (error);
  GbRng rng;
  gb_rng_init (&rng, 11);
  for (gsize i = 0; i < u->n_params; i++)
    u->params[i] += 0.3f * (float) gb_rng_normal (&rng);
  int n = 10;
  gsize d = 64;
  g_autofree float *xt = g_new (float, n * d), *eps = g_new (float, n * d), *grad = g_new (float, u->n_params);
  int ts[10], labels[10] = { 0, 1, 2, 3, 0, 1, 2, 3, 1, 1 };   /* 3: no class */
  for (gsize i = 0; i < n * d; i++)
    xt[i] = (float) gb_rng_normal (&rng), eps[i] = (float) gb_rng_normal (&rng);
  for (int i = 0; i < n; i++)
    ts[i] = 1 + (int) gb_rng_below (&rng, 1000);
  GbUnetPacks *pk = gb_unet_packs_new_training (u);   /* NULL when the kernels are off */
  double loss = gb_unet_gradient (u, pk, grad, xt, eps, ts, labels, n, 1.0f);
  gb_unet_packs_free (pk);
  g_assert_cmpfloat (fabs (loss - loss_of (u, xt, eps, ts, labels, n)), <, 1e-4 * loss);
  /* Some parameters of every tensor: the first of each, then a stride. */
  gsize probes[] = { u->t1_w, u->t1_b, u->t2_w + 5, u->t2_b + 3, u->in_w, u->in_b + 1, u->out_g + 2, u->out_b + 4,
                     u->out_w + 7, u->out_bias, u->cls + 3, u->cls + 1 * 32 + 5, u->cls + 2 * 32 + 7,
                     u->cls + 3 * 32 + 11 };
  int bad = 0, checked = 0;
  for (int pass = 0; pass < 2; pass++)
    for (gsize j = 0; j < (pass == 0 ? G_N_ELEMENTS (probes) : 120); j++)
      {
        gsize i;
        if (pass == 0)
          i = probes[j];
        else
          {
            const GbUnetBlock *k = &u->blk[j % GB_UNET_BLOCKS];
            gsize offs[] = { k->gn1_g, k->gn1_b, k->w1, k->b1, k->wt, k->bt, k->gn2_g, k->gn2_b, k->w2, k->b2,
                             k->ws ? k->ws : k->w1 + 1, k->ws ? k->bs : k->b1 + 1 };
            i = offs[(j / GB_UNET_BLOCKS) % G_N_ELEMENTS (offs)] + j / 7 % 3;
          }
        float keep = u->params[i];
        double h = 1e-2;
        u->params[i] = keep + (float) h;
        double lp = loss_of (u, xt, eps, ts, labels, n);
        u->params[i] = keep - (float) h;
        double lm = loss_of (u, xt, eps, ts, labels, n);
        u->params[i] = keep;
        double fd = (lp - lm) / (2 * h), g = grad[i];
        checked++;
        if (fabs (fd - g) > 2e-2 * MAX (fabs (fd), fabs (g)) + 2e-2)
          {
            bad++;
            g_test_message ("parameter %" G_GSIZE_FORMAT ": analytic %g, numeric %g", i, g, fd);
          }
      }
  g_test_message ("%d of %d gradients checked disagree", bad, checked);
  g_assert_cmpint (bad, ==, 0);
}

static void
test_gradient (void)
{
  /* Through the packed kernels (where the CPU has them), then sgemm alone. */
  check_gradient ();
  gb_packed_set_max_level (GB_PACKED_AVX2);   /* no taps there: unrolled patches */
  check_gradient ();
  gb_packed_set_disabled (TRUE);
  check_gradient ();
  gb_packed_set_disabled (FALSE);
}

static void
test_shapes (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_unet_new (30, 32, 0, 1, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (gb_unet_new (28, 12, 0, 1, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_autoptr (GbUnet) u = gb_unet_new (28, 32, 0, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (u->n_params, ==, gb_unet_n_params (28, 32, 0));
  g_assert_cmpuint (gb_unet_n_params (28, 32, 10), ==, u->n_params + 11 * 128);
  /* The untrained net predicts 0 (its last conv starts at zero). */
  float x[784], y[784];
  for (int i = 0; i < 784; i++)
    x[i] = sinf ((float) i);
  gb_unet_eps (u, NULL, y, x, 1, 500, NULL);
  for (int i = 0; i < 784; i++)
    g_assert_cmpfloat (y[i], ==, 0.0f);
  g_assert_cmpfloat (gb_unet_macs (u), >, 1e7);
}

static void
check_kernels_agree (int width)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbUnet) u = gb_unet_new (12, width, 3, 5, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < u->n_params; i++)
    u->params[i] = 0.3f * sinf (0.37f * (float) i + 1.0f);
  enum { N = 5, D = 144 };
  float x[N * D], ref[N * D], eps[N * D];
  int ts[N] = { 0, 10, 250, 600, 999 }, labels[N] = { 0, 1, 2, 3, 1 };   /* 3: no class */
  for (int i = 0; i < N * D; i++)
    x[i] = 1.2f * cosf (0.11f * (float) i);
  gb_packed_set_disabled (TRUE);
  gb_unet_eps_at (u, NULL, ref, x, N, ts, labels);
  gb_packed_set_disabled (FALSE);
  double scale = 0.0;
  for (int i = 0; i < N * D; i++)
    scale = MAX (scale, fabs (ref[i]));
  g_assert_cmpfloat (scale, >, 0.1);
  GbUnetPacks *pk = gb_unet_packs_new (u);
  const GbPackedLevel levels[] = { GB_PACKED_AVX512, GB_PACKED_AVX2 };
  for (int l = 0; l < 2; l++)
    {
      gb_packed_set_max_level (levels[l]);
      if (pk == NULL || gb_packed_level () != levels[l])
        continue;
      gb_unet_eps_at (u, pk, eps, x, N, ts, labels);
      double worst = 0.0;
      for (int i = 0; i < N * D; i++)
        worst = MAX (worst, fabs (eps[i] - ref[i]));
      g_test_message ("largest difference from sgemm (%s): %g of %g", l == 0 ? "AVX-512" : "AVX2", worst, scale);
      g_assert_cmpfloat (worst, <, 1e-5 * MAX (1.0, scale));
    }
  gb_packed_set_max_level (GB_PACKED_AVX512);
  gb_unet_packs_free (pk);
}

static void
test_kernels_agree (void)
{
  /* Side 12 (blocks at 12, 6 and 3 pixels), three classes, every parameter
   * set away from its initial value: the fused AVX-512 inference path
   * (GroupNorm, SiLU and the rows of taps in one pass, the zero rows left
   * out), the AVX2 kernel and plain sgemm give the same ε̂; at width 16 the
   * channels fill whole vectors, at width 8 (8, 16, 24, 32) not always. */
  check_kernels_agree (16);
  check_kernels_agree (8);
}

static void
test_torch_fixture (void)
{
  /* A U-Net made by PyTorch (bench/make_torch_unet_fixture.py) with its
   * own ε̂ recorded beside it. */
  g_autofree char *st_path = g_test_build_filename (G_TEST_DIST, "data", "torch-unet.safetensors", NULL);
  g_autofree char *js_path = g_test_build_filename (G_TEST_DIST, "data", "torch-unet.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_load (st_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (net->unet);
  g_assert_cmpint (net->unet->side, ==, 8);
  g_assert_cmpint (net->unet->C, ==, 16);
  g_assert_cmpint (net->d, ==, 64);
  g_assert_null (net->g_mean);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, js_path, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonArray *jt = json_object_get_array_member (o, "t"), *je = json_object_get_array_member (o, "eps");
  float x[3 * 64], eps[3 * 64];
  int ts[3];
  for (int i = 0; i < 3 * 64; i++)
    x[i] = 1.5f * sinf (0.7f * (float) i);
  for (int r = 0; r < 3; r++)
    ts[r] = (int) json_array_get_int_element (jt, r);
  /* Through sgemm, and through each packed kernel the CPU has. */
  GbUnetPacks *pk = gb_unet_packs_new (net->unet);
  const GbPackedLevel levels[] = { GB_PACKED_NONE, GB_PACKED_AVX512, GB_PACKED_AVX2 };
  for (int packed = 0; packed < 3; packed++)
    {
      gb_packed_set_max_level (levels[packed]);
      if (packed && (pk == NULL || gb_packed_level () != levels[packed]))
        {
          g_test_message ("no packed kernel at level %d on this CPU", packed);
          continue;
        }
      gb_unet_eps_at (net->unet, packed ? pk : NULL, eps, x, 3, ts, NULL);
      double worst = 0.0;
      for (int r = 0; r < 3; r++)
        for (int p = 0; p < 64; p++)
          worst = MAX (worst, fabs (eps[r * 64 + p]
                                    - json_array_get_double_element (json_array_get_array_element (je, r), p)));
      g_test_message ("largest difference from PyTorch (%s): %g", packed == 0 ? "sgemm" : packed == 1 ? "AVX-512" : "AVX2", worst);
      g_assert_cmpfloat (worst, <, 1e-4);
    }
  gb_packed_set_max_level (GB_PACKED_AVX512);
  gb_unet_packs_free (pk);
  /* One image at its step through the sampler's entry point agrees too. */
  float one[64];
  gb_denoiser_eps (one, x + 64, 1, 64, ts[1], net);
  for (int p = 0; p < 64; p++)
    g_assert_cmpfloat_with_epsilon (one[p], eps[64 + p], 1e-5);
  /* Saved and loaded again: the same weights. */
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "glassbox-test-unet.safetensors", NULL);
  g_assert_true (gb_denoiser_save (net, path, &error));
  g_autoptr (GbDenoiser) back = gb_denoiser_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back->params, back->n_params * 4, net->params, net->n_params * 4);
  g_remove (path);
}

static void
test_file_errors (void)
{
  /* A U-Net file whose header claims another width: every tensor's shape is checked. */
  g_autofree char *st_path = g_test_build_filename (G_TEST_DIST, "data", "torch-unet.safetensors", NULL);
  g_autofree char *contents = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (st_path, &contents, &len, NULL));
  char *at = memmem (contents + 8, 4096, "\"hidden\":\"16\"", 13);
  g_assert_nonnull (at);
  memcpy (at, "\"hidden\":\"24\"", 13);
  g_autoptr (GBytes) bytes = g_bytes_new (contents, len);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_load_bytes (bytes, "wide.safetensors", &error);
  g_assert_null (net);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "wide.safetensors"));
}

static void
test_classifier_free_guidance (void)
{
  /* A class-conditional denoiser samples row i as class i mod K, and at
   * w ≠ 1 mixes the net's answers with and without the class. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_new_unet (8, 8, 3, GB_SCHEDULE_LINEAR, 100, 5, &error);
  g_assert_no_error (error);
  GbRng rng;
  gb_rng_init (&rng, 2);
  for (gsize i = 0; i < net->n_params; i++)
    net->params[i] += 0.2f * (float) gb_rng_normal (&rng);
  gb_denoiser_changed (net);
  int n = 5;
  float x[5 * 64], got[5 * 64], cond[5 * 64], none[5 * 64];
  for (int i = 0; i < n * 64; i++)
    x[i] = (float) gb_rng_normal (&rng);
  int lab[5] = { 0, 1, 2, 0, 1 };
  gb_unet_eps (net->unet, NULL, cond, x, n, 40, lab);
  gb_unet_eps (net->unet, NULL, none, x, n, 40, NULL);
  gb_denoiser_eps_guided (got, x, n, 64, 40, net, 2.5);
  for (int i = 0; i < n * 64; i++)
    g_assert_cmpfloat_with_epsilon (got[i], none[i] + 2.5f * (cond[i] - none[i]), 1e-4);
  gb_denoiser_eps_guided (got, x, n, 64, 40, net, 1.0);
  for (int i = 0; i < n * 64; i++)
    g_assert_cmpfloat_with_epsilon (got[i], cond[i], 1e-4);
  /* A single state's prediction is the net's without a class. */
  gb_denoiser_eps_serial (got, x, 1, 64, 40, net, 2.5);
  for (int i = 0; i < 64; i++)
    g_assert_cmpfloat_with_epsilon (got[i], none[i], 1e-4);
  g_assert_cmpfloat (fabs (cond[3] - none[3]), >, 1e-4);   /* the class matters */
  /* One state given its class: the guided answer the sampler steps with (row 1: class 1). */
  int one = 1;
  gb_denoiser_eps_class (got, x + 64, 1, 64, 40, net, 2.5, &one);
  for (int i = 0; i < 64; i++)
    g_assert_cmpfloat_with_epsilon (got[i], none[64 + i] + 2.5f * (cond[64 + i] - none[64 + i]), 1e-4);
  float eps1[64], x01[64];
  gb_predict_one (net, 40, 2.5, FALSE, 1, x + 64, eps1, x01);
  g_assert_cmpmem (eps1, sizeof eps1, got, sizeof eps1);
  g_assert_true (gb_denoiser_set_guidance (net, 3.0, &error));
  g_assert_cmpfloat (gb_denoiser_default_guidance (net), ==, GB_CFG_GUIDANCE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/unet/gradient", test_gradient);
  g_test_add_func ("/core/unet/shapes", test_shapes);
  g_test_add_func ("/core/unet/kernels-agree", test_kernels_agree);
  g_test_add_func ("/core/unet/torch-fixture", test_torch_fixture);
  g_test_add_func ("/core/unet/file-errors", test_file_errors);
  g_test_add_func ("/core/unet/classifier-free-guidance", test_classifier_free_guidance);
  return g_test_run ();
}
