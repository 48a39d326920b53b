/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-vae.c — the VAE's gradient, training, encode/decode and evaluation. */
#include <string.h>

#include "gb-error.h"
#include "gb-vae-latent.h"
#include "gb-vae.h"
#include "gb-test-util.h"

static GbVae *
tiny_vae (int D, int H, guint64 seed)
{
  GbVaeConfig c = { D, H, 2 };
  GbVae *vae = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, seed);
  gb_vae_init_params (vae, &rng);
  /* Larger weights than the default make the ReLUs and the KL matter. */
  for (gsize i = 0; i < vae->n_params; i++)
    vae->params[i] *= 2.0f;
  return vae;
}

/* The ReLU pattern of the last forward pass, as bits in a string. */
static GString *
relu_pattern (const GbVae *vae, const GbVaeTrain *tr, int B)
{
  GString *s = g_string_new (NULL);
  gsize n = (gsize) B * vae->config.n_hidden;
  for (gsize i = 0; i < n; i++)
    {
      g_string_append_c (s, tr->h1[i] > 0.0f ? '1' : '0');
      g_string_append_c (s, tr->h3[i] > 0.0f ? '1' : '0');
    }
  return s;
}

static void
test_vae_finite_diff (void)
{
  const int D = 6, H = 5, B = 3;
  const float beta = 0.7f;
  g_autoptr (GbVae) vae = tiny_vae (D, H, 5);
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, B);
  GbRng rng;
  gb_rng_init (&rng, 6);
  fill_uniform (&rng, tr->x, B * D, 0, 1);
  gb_rng_fill_normal (&rng, tr->eps, B * 2);
  g_autofree float *x = g_memdup2 (tr->x, B * D * sizeof (float));
  g_autofree float *eps = g_memdup2 (tr->eps, B * 2 * sizeof (float));

  GbVaeLoss l = gb_vae_forward (vae, tr, B);
  g_assert_cmpfloat (l.kl, >, 0.0);
  g_autoptr (GString) pattern = relu_pattern (vae, tr, B);
  gb_vae_backward (vae, tr, B, beta);
  g_autofree float *grads = g_memdup2 (tr->grads, vae->n_params * sizeof (float));

  const float h = 1e-2f;
  int checked = 0, skipped = 0;
  for (gsize i = 0; i < vae->n_params; i++)
    {
      float save = vae->params[i];
      double lp = 0, lm = 0;
      gboolean kink = FALSE;
      for (int sgn = -1; sgn <= 1; sgn += 2)
        {
          vae->params[i] = save + sgn * h;
          memcpy (tr->x, x, B * D * sizeof (float));
          memcpy (tr->eps, eps, B * 2 * sizeof (float));
          GbVaeLoss li = gb_vae_forward (vae, tr, B);
          g_autoptr (GString) pi = relu_pattern (vae, tr, B);
          kink |= !g_string_equal (pi, pattern);
          if (sgn < 0)
            lm = li.bce + beta * li.kl;
          else
            lp = li.bce + beta * li.kl;
        }
      vae->params[i] = save;
      if (kink)
        {
          skipped++;
          continue;
        }
      checked++;
      double num = (lp - lm) / (2 * h);
      if (!grad_close (grads[i], num, 3e-3, 3e-2))
        g_error ("parameter %zu: analytic %g, finite difference %g", i, grads[i], num);
    }
  g_test_message ("checked %d parameters, skipped %d at ReLU kinks", checked, skipped);
  g_assert_cmpint (checked, >, (int) vae->n_params * 3 / 4);
}

static void
test_vae_forward_matches_explain (void)
{
  /* The batched training forward and the one-image explanation agree. */
  const int D = 8, H = 7;
  g_autoptr (GbVae) vae = tiny_vae (D, H, 9);
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, 1);
  GbRng rng;
  gb_rng_init (&rng, 10);
  fill_uniform (&rng, tr->x, D, 0, 1);
  gb_rng_fill_normal (&rng, tr->eps, 2);
  float mu[2], lv[2], z[2], recon[8];
  GbVaeLoss e = gb_vae_explain (vae, tr->x, tr->eps, mu, lv, z, recon);
  GbVaeLoss f = gb_vae_forward (vae, tr, 1);
  g_assert_cmpfloat_with_epsilon (e.bce, f.bce, 1e-4);
  g_assert_cmpfloat_with_epsilon (e.kl, f.kl, 1e-5);
  g_assert_cmpfloat_with_epsilon (z[0], tr->z[0], 1e-6);
  /* decode (z) is the reconstruction. */
  float dec[8];
  gb_vae_decode (vae, z, dec, 1);
  for (int d = 0; d < D; d++)
    g_assert_cmpfloat_with_epsilon (dec[d], recon[d], 1e-6);
  /* encode gives the same μ and log σ². */
  float mu2[2], lv2[2];
  gb_vae_encode (vae, tr->x, mu2, lv2, 1);
  g_assert_cmpfloat_with_epsilon (mu[0], mu2[0], 1e-6);
  g_assert_cmpfloat_with_epsilon (lv[1], lv2[1], 1e-6);
}

static void
test_vae_decode_reference (void)
{
  /* decode against the plain-loop layers, for more rows than one chunk. */
  const int D = 20, H = 16, B = 150;
  g_autoptr (GbVae) vae = tiny_vae (D, H, 3);
  GbRng rng;
  gb_rng_init (&rng, 4);
  g_autofree float *z = g_new (float, B * 2), *out = g_new (float, B * D);
  g_autofree float *h = g_new (float, B * H), *ref = g_new (float, B * D);
  gb_rng_fill_normal (&rng, z, B * 2);
  gb_vae_decode (vae, z, out, B);
  gb_linear_forward_ref (h, z, vae->p.fc3_w, vae->p.fc3_b, B, 2, H, GB_ACT_RELU);
  gb_linear_forward_ref (ref, h, vae->p.fc4_w, vae->p.fc4_b, B, H, D, GB_ACT_SIGMOID);
  for (int i = 0; i < B * D; i++)
    g_assert_cmpfloat_with_epsilon (out[i], ref[i], 1e-5);
  /* encode_u8 equals encode on the scaled pixels, across chunk edges. */
  const int N = 300;
  g_autofree guint8 *px = g_new (guint8, N * D);
  g_autofree float *xf = g_new (float, N * D);
  for (int i = 0; i < N * D; i++)
    {
      px[i] = (guint8) gb_rng_below (&rng, 256);
      xf[i] = px[i] / 255.0f;
    }
  g_autofree float *m1 = g_new (float, N * 2), *m2 = g_new (float, N * 2);
  gb_vae_encode_u8 (vae, px, m1, NULL, N);
  gb_vae_encode (vae, xf, m2, NULL, N);
  for (int i = 0; i < N * 2; i++)
    g_assert_cmpfloat_with_epsilon (m1[i], m2[i], 1e-5);
}

/* 4×4 images of four patterns (rows, columns, diagonal, border) with noise. */
static guint8 *
toy_images (int n, guint64 seed)
{
  GbRng rng;
  gb_rng_init (&rng, seed);
  guint8 *px = g_new (guint8, n * 16);
  for (int i = 0; i < n; i++)
    for (int r = 0; r < 4; r++)
      for (int c = 0; c < 4; c++)
        {
          int k = i % 4;
          gboolean on = k == 0 ? r < 2 : k == 1 ? c < 2 : k == 2 ? r == c : (r == 0 || r == 3 || c == 0 || c == 3);
          int v = on ? 230 : 20;
          v += (int) (gb_rng_below (&rng, 21)) - 10;
          px[i * 16 + r * 4 + c] = (guint8) v;
        }
  return px;
}

static void
test_vae_training_lowers_loss (void)
{
  const int n = 256, B = 32;
  g_autofree guint8 *px = toy_images (n, 1);
  GbVaeConfig c = { 16, 32, 2 };
  g_autoptr (GbVae) vae = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 2);
  gb_vae_init_params (vae, &rng);
  g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, B);
  GbRng eval;
  gb_rng_init (&eval, 3);
  GbVaeLoss before = gb_vae_evaluate (vae, tr, px, n, 1.0f, &eval);
  g_autofree guint32 *idx = g_new (guint32, n);
  for (int i = 0; i < n; i++)
    idx[i] = i;
  GbAdam adam = GB_ADAM_DEFAULTS;
  adam.lr = 3e-3f;
  for (int epoch = 0; epoch < 40; epoch++)
    {
      gb_rng_shuffle (&rng, idx, n);
      for (int s = 0; s < n; s += B)
        gb_vae_train_step (vae, tr, px, idx + s, B, &adam, 1.0f, &rng);
    }
  gb_rng_init (&eval, 3);
  GbVaeLoss after = gb_vae_evaluate (vae, tr, px, n, 1.0f, &eval);
  double lb = (before.bce + before.kl) / n, la = (after.bce + after.kl) / n;
  g_test_message ("−ELBO per image: %.3f → %.3f nats", lb, la);
  g_assert_cmpfloat (la, <, lb * 0.8);
  /* The four patterns land in four places: class means are apart. */
  g_autofree float *mu = g_new (float, n * 2);
  gb_vae_encode_u8 (vae, px, mu, NULL, n);
  double m[4][2] = { { 0 } };
  for (int i = 0; i < n; i++)
    for (int j = 0; j < 2; j++)
      m[i % 4][j] += mu[i * 2 + j] / (n / 4);
  for (int a = 0; a < 4; a++)
    for (int b = a + 1; b < 4; b++)
      g_assert_cmpfloat (hypot (m[a][0] - m[b][0], m[a][1] - m[b][1]), >, 0.3);
}

static void
test_vae_determinism (void)
{
  /* Same seed, same model, bit for bit. */
  g_autofree guint8 *px = toy_images (64, 4);
  float first = 0;
  for (int run = 0; run < 2; run++)
    {
      GbVaeConfig c = { 16, 8, 2 };
      g_autoptr (GbVae) vae = gb_vae_new (&c, NULL);
      GbRng rng;
      gb_rng_init (&rng, 77);
      gb_vae_init_params (vae, &rng);
      g_autoptr (GbVaeTrain) tr = gb_vae_train_new (vae, 16);
      GbAdam adam = GB_ADAM_DEFAULTS;
      guint32 idx[16];
      for (int s = 0; s < 10; s++)
        {
          for (int i = 0; i < 16; i++)
            idx[i] = gb_rng_below (&rng, 64);
          gb_vae_train_step (vae, tr, px, idx, 16, &adam, 1.0f, &rng);
        }
      if (run == 0)
        first = vae->params[vae->n_params - 1];
      else
        g_assert_cmpfloat (first, ==, vae->params[vae->n_params - 1]);
    }
}

static void
test_grid_decoder_matches_dense (void)
{
  /* The piecewise-linear grid decoder gives gb_vae_decode's images, on an
   * uneven grid, with a decoder large enough to have many crossings. */
  const int D = 30, H = 200;
  g_autoptr (GbVae) vae = tiny_vae (D, H, 12);
  g_autoptr (GbManifoldDecoder) g = gb_manifold_decoder_new (vae);
  g_assert_nonnull (g);
  const int nx = 17, ny = 13;
  float ax[17], ay[13];
  for (int i = 0; i < nx; i++)
    ax[i] = (float) gb_normal_quantile ((i + 0.5) / nx) * 1.3f;
  for (int j = 0; j < ny; j++)
    ay[j] = -2.0f + 0.37f * j;
  g_autofree float *fast = g_new (float, nx * ny * D), *dense = g_new (float, nx * ny * D);
  g_autofree float *z = g_new (float, nx * ny * 2);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        z[(j * nx + i) * 2] = ax[i];
        z[(j * nx + i) * 2 + 1] = ay[j];
      }
  gb_manifold_decoder_decode (g, ax, nx, ay, ny, fast);
  gb_vae_decode (vae, z, dense, nx * ny);
  double worst = 0;
  for (int k = 0; k < nx * ny * D; k++)
    worst = MAX (worst, fabs (fast[k] - dense[k]));
  g_test_message ("largest difference %.2g", worst);
  g_assert_cmpfloat (worst, <, 2e-5);
  /* And through the manifold, in both modes. */
  GbManifoldMode modes[] = { GB_MANIFOLD_ICDF, GB_MANIFOLD_REGION };
  for (int m = 0; m < 2; m++)
    {
      g_autoptr (GbManifold) a = gb_manifold_new (vae, g, 9, modes[m], -1, 2, -3, 0.5, 5, 6, NULL);
      g_autoptr (GbManifold) b = gb_manifold_new (vae, NULL, 9, modes[m], -1, 2, -3, 0.5, 5, 6, NULL);
      for (int k = 0; k < 81 * D; k++)
        g_assert_cmpfloat_with_epsilon (a->images[k], b->images[k], 2e-5);
    }
  /* Bad sizes are refused. */
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_manifold_new (vae, g, 10000, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 5, 6, &error));
  g_assert_nonnull (strstr (error->message, "manifold size 10000 is outside"));
}

static void
test_vae_config_errors (void)
{
  const GbVaeConfig bad[] = { { 0, 10, 2 }, { 784, 0, 2 }, { 784, 100000, 2 }, { 784, 10, 0 } };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GbVae) vae = gb_vae_new (&bad[i], &error);
      g_assert_null (vae);
      g_assert_nonnull (error);
      g_assert_true (strstr (error->message, "outside") != NULL);
    }
}

/* Slices of a latent space: the plane's points and the codes' projections agree; principal axes found. */
static void
test_latent_slice (void)
{
  GbLatentSlice s;
  float z[5], uv[2];
  gb_latent_slice_axes (&s, 2, 0, 1, NULL);
  gb_latent_slice_point (&s, 0.7, -1.2, z);
  g_assert_cmpfloat (z[0], ==, 0.7f);
  g_assert_cmpfloat (z[1], ==, -1.2f);
  /* Coordinates 3 and 1 of five, through a base point: the others are the base's. */
  const float base[5] = { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f };
  gb_latent_slice_axes (&s, 5, 3, 1, base);
  gb_latent_slice_point (&s, -2.0, 3.0, z);
  const float want[5] = { 0.1f, 3.0f, 0.3f, -2.0f, 0.5f };
  g_assert_cmpmem (z, sizeof z, want, sizeof want);
  gb_latent_slice_project (&s, z, 1, uv);
  g_assert_cmpfloat (uv[0], ==, -2.0f);
  g_assert_cmpfloat (uv[1], ==, 3.0f);
  /* Principal axes of codes spread 3, 2, 1, ½ along axes 2, 0, 4, 1 (and 0.1 along 3). */
  enum { N = 4000 };
  g_autofree float *mu = g_new (float, N * 5);
  GbRng rng;
  gb_rng_init (&rng, 3);
  const float sd[5] = { 2.0f, 0.5f, 3.0f, 0.1f, 1.0f };
  for (int i = 0; i < N; i++)
    for (int k = 0; k < 5; k++)
      mu[i * 5 + k] = 1.0f + sd[k] * gb_rng_normal (&rng);
  g_assert_true (gb_latent_slice_pca (&s, 5, mu, N, NULL));
  g_assert_cmpfloat (s.e1[2], >, 0.99);
  g_assert_cmpfloat (fabs (s.e2[0]), >, 0.99);
  g_assert_cmpfloat (fabs (s.c[3] - 1.0), <, 0.05);   /* through the codes' mean */
  double dot = 0.0;
  for (int k = 0; k < 5; k++)
    dot += (double) s.e1[k] * s.e2[k];
  g_assert_cmpfloat (fabs (dot), <, 1e-6);
  gb_latent_slice_point (&s, 0.25, -0.5, z);
  gb_latent_slice_project (&s, z, 1, uv);
  g_assert_cmpfloat_with_epsilon (uv[0], 0.25, 1e-5);
  g_assert_cmpfloat_with_epsilon (uv[1], -0.5, 1e-5);
  g_assert_false (gb_latent_slice_pca (&s, 5, mu, 1, NULL));

  /* The manifold on the identity slice of a 2-d model is the plain one; on a 5-d model it decodes. */
  GbVaeConfig c2 = { 16, 8, 2 }, c5 = { 16, 8, 5 };
  g_autoptr (GbVae) v2 = gb_vae_new (&c2, NULL);
  g_autoptr (GbVae) v5 = gb_vae_new (&c5, NULL);
  gb_vae_init_params (v2, &rng);
  gb_vae_init_params (v5, &rng);
  gb_latent_slice_axes (&s, 2, 0, 1, NULL);
  g_autoptr (GbManifold) plain = gb_manifold_new (v2, NULL, 4, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 4, 4, NULL);
  g_autoptr (GbManifold) sliced = gb_manifold_new_slice (v2, &s, 4, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 4, 4, NULL);
  g_assert_cmpmem (plain->images, 16 * 16 * sizeof (float), sliced->images, 16 * 16 * sizeof (float));
  g_autoptr (GError) error = NULL;
  g_assert_null (gb_manifold_new_slice (v5, &s, 4, GB_MANIFOLD_ICDF, 0, 0, 0, 0, 4, 4, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_SHAPE);
  gb_latent_slice_axes (&s, 5, 0, 4, NULL);
  g_autoptr (GbManifold) m5 = gb_manifold_new_slice (v5, &s, 3, GB_MANIFOLD_REGION, -1, 1, -1, 1, 4, 4, NULL);
  g_assert_nonnull (m5);
  /* Interpolation and prior samples of any latent size. */
  float a[5] = { 0 }, b[5] = { 1, 2, 3, 4, 5 }, zk[3 * 5], out[3 * 16], one[16];
  gb_latent_interpolate_z (v5, a, b, 3, zk, out);
  g_assert_cmpfloat (zk[2 * 5 + 4], ==, 5.0f);
  g_assert_cmpfloat (zk[5 + 1], ==, 1.0f);
  gb_vae_decode (v5, b, one, 1);
  g_assert_cmpmem (out + 2 * 16, sizeof one, one, sizeof one);
  float zs[2 * 5], imgs[2 * 16];
  gb_latent_sample_prior (v5, &rng, 2, zs, imgs);
  g_assert_cmpfloat (zs[9], !=, 0.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/vae/backward/finite-diff", test_vae_finite_diff);
  g_test_add_func ("/core/vae/forward/matches-explain", test_vae_forward_matches_explain);
  g_test_add_func ("/core/vae/decode/reference", test_vae_decode_reference);
  g_test_add_func ("/core/vae/train/lowers-loss", test_vae_training_lowers_loss);
  g_test_add_func ("/core/vae/train/determinism", test_vae_determinism);
  g_test_add_func ("/core/vae/config/errors", test_vae_config_errors);
  g_test_add_func ("/core/latent/grid-decoder", test_grid_decoder_matches_dense);
  g_test_add_func ("/core/latent/slice", test_latent_slice);
  return g_test_run ();
}
