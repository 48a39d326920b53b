/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cli.c — `glassbox train vae` and `glassbox render latent` as a user runs
 * them: exit codes, what they print, and the files they write. */
#include <gio/gio.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gb-blas.h"
#include "gb-diffusion-denoiser.h"
#include "gb-safetensors.h"
#include "cli-run.h"
#include "gb-test-util.h"
#include "gb-vae-file.h"

static char *toy_dir;

/* A data set of 28×28 images in two shapes (a bar and a ring), gzipped IDX. */
static void
write_idx (const char *dir, const char *name, int rank, const guint32 *dims, const guint8 *data, gsize n, gboolean gz)
{
  g_autoptr (GByteArray) a = g_byte_array_new ();
  guint8 head[4] = { 0, 0, 8, (guint8) rank };
  g_byte_array_append (a, head, 4);
  for (int i = 0; i < rank; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_byte_array_append (a, (guint8 *) &be, 4);
    }
  g_byte_array_append (a, data, (guint) n);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  if (!gz)
    {
      g_assert_true (g_file_set_contents (path, (char *) a->data, a->len, NULL));
      return;
    }
  g_autoptr (GZlibCompressor) c = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr (GInputStream) mem = g_memory_input_stream_new_from_data (a->data, a->len, NULL);
  g_autoptr (GInputStream) conv = g_converter_input_stream_new (mem, G_CONVERTER (c));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_output_stream_splice (out, conv, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL);
  g_autoptr (GBytes) bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
}

static void
make_toy_dataset (const char *dir, guint32 n_train, guint32 n_test)
{
  g_mkdir_with_parents (dir, 0700);
  GbRng rng;
  gb_rng_init (&rng, 3);
  for (int split = 0; split < 2; split++)
    {
      guint32 n = split ? n_test : n_train;
      g_autofree guint8 *px = g_new0 (guint8, (gsize) n * 784), *lab = g_new (guint8, n);
      for (guint32 i = 0; i < n; i++)
        {
          lab[i] = i % 2;
          int shift = (int) gb_rng_below (&rng, 5) - 2;
          for (int r = 0; r < 28; r++)
            for (int c = 0; c < 28; c++)
              {
                double dr = r - 13.5 - shift, dc = c - 13.5 + shift;
                gboolean on = lab[i] ? fabs (sqrt (dr * dr + dc * dc) - 8) < 2 : fabs (dc) < 3 && fabs (dr) < 11;
                px[(gsize) i * 784 + r * 28 + c] = on ? 255 : 0;
              }
        }
      write_idx (dir, split ? "t10k-images-idx3-ubyte.gz" : "train-images-idx3-ubyte.gz", 3,
                 (guint32[]) { n, 28, 28 }, px, (gsize) n * 784, TRUE);
      write_idx (dir, split ? "t10k-labels-idx1-ubyte" : "train-labels-idx1-ubyte", 1,
                 (guint32[]) { n }, lab, n, FALSE);
    }
}

static void
test_train_and_render (void)
{
  g_autofree char *model = test_tmp_path ("toy.safetensors");
  g_autofree char *curve = test_tmp_path ("toy-curve.csv");
  Run r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "3", "--hidden", "32", "--batch", "32",
               "--lr", "0.003", "--seed", "5", "--out", model, "--csv", curve, NULL);
  if (r.status != 0)
    g_error ("train failed (%d): %s%s", r.status, r.out, r.err);
  assert_contains (r.out, "epoch 3/3");
  assert_contains (r.out, "final test −ELBO");
  assert_contains (r.out, "saved");
  assert_contains (r.out, "(3 rows of 5 columns)");
  /* --csv: a row per epoch whose test −ELBO is the one printed, BCE + KL. */
  {
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (curve, &text, NULL, NULL));
    g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
    g_assert_cmpstr (lines[0], ==, "epoch,train loss,test -ELBO,test BCE,test KL");
    g_auto (GStrv) last = g_strsplit (lines[3], ",", -1);
    g_assert_cmpstr (last[0], ==, "3");
    double elbo = g_ascii_strtod (last[2], NULL), bce = g_ascii_strtod (last[3], NULL), kl = g_ascii_strtod (last[4], NULL);
    g_assert_cmpfloat_with_epsilon (elbo, bce + kl, 1e-3);
    g_autofree char *printed = g_strdup_printf ("epoch 3/3  test −ELBO %.3f", elbo);
    assert_contains (r.out, printed);
    g_assert_true (g_ascii_strtod (last[1], NULL) > 0);
  }
  run_clear (&r);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load (model, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vae->config.n_hidden, ==, 32);
  g_assert_cmpint (vae->info.epochs, ==, 3);
  g_assert_cmpuint (vae->info.seed, ==, 5);
  g_assert_cmpstr (vae->info.dataset, ==, "toy-dataset");

  /* The same seed trains the same model, byte for byte. */
  g_autofree char *again = test_tmp_path ("toy-again.safetensors");
  r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "3", "--hidden", "32", "--batch", "32",
           "--lr", "0.003", "--seed", "5", "--out", again, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_autofree char *a = NULL, *b = NULL;
  gsize la, lb;
  g_assert_true (g_file_get_contents (model, &a, &la, NULL));
  g_assert_true (g_file_get_contents (again, &b, &lb, NULL));
  g_assert_cmpmem (a, la, b, lb);

  /* How good its inference is, in nats: the bounds in their order, the same numbers twice. */
  r = run ("evaluate", "vae", "--model", model, "--dataset", toy_dir, "--n", "6", "--iwae", "50", NULL);
  if (r.status != 0)
    g_error ("evaluate failed (%d): %s%s", r.status, r.out, r.err);
  assert_contains (r.out, "6 test images, 2-d latent, IWAE with 50 samples");
  double elbo, iwae, log_px;
  const char *e = strstr (r.out, "ELBO of the encoder's q"), *w = strstr (r.out, "IWAE-50 "),
             *q = strstr (r.out, "log p(x) by quadrature");
  g_assert_true (e && w && q);
  g_assert_cmpint (sscanf (e, "ELBO of the encoder's q %lf", &elbo), ==, 1);
  g_assert_cmpint (sscanf (w, "IWAE-50 %lf", &iwae), ==, 1);
  g_assert_cmpint (sscanf (q, "log p(x) by quadrature %lf", &log_px), ==, 1);
  g_assert_cmpfloat (elbo, <, iwae);
  g_assert_cmpfloat (iwae, <, log_px + 0.05);
  assert_contains (r.out, "amortisation gap");
  char *first = g_steal_pointer (&r.out);
  run_clear (&r);
  r = run ("evaluate", "vae", "--model", model, "--dataset", toy_dir, "--n", "6", "--iwae", "50", NULL);
  g_assert_cmpstr (strchr (strstr (r.out, "\n"), ' '), ==, strchr (strstr (first, "\n"), ' '));   /* past the time */
  g_free (first);
  run_clear (&r);

  /* Any latent size: a 5-d VAE trains, loads and is evaluated (IWAE and the draws' ELBO; no quadrature). */
  g_autofree char *model5 = test_tmp_path ("toy5.safetensors");
  r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "2", "--hidden", "16", "--latent", "5", "--batch", "32",
           "--out", model5, NULL);
  if (r.status != 0)
    g_error ("train --latent 5 failed (%d): %s%s", r.status, r.out, r.err);
  assert_contains (r.out, "training a 784-16-5 VAE");
  run_clear (&r);
  g_autoptr (GbVae) vae5 = gb_vae_load (model5, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vae5->config.n_latent, ==, 5);
  r = run ("evaluate", "vae", "--model", model5, "--dataset", toy_dir, "--n", "4", "--iwae", "20", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "5-d latent");
  assert_contains (r.out, "need a 2-d latent");
  run_clear (&r);
  /* Drawn in a slice (its principal axes); its posterior needs a 2-d latent, and says so. */
  g_autofree char *png5 = test_tmp_path ("toy5.png");
  r = run ("render", "latent", "--model", model5, "--dataset", toy_dir, "--select", "2", "--manifold", "5",
           "--pointer", "0.5,0.5", "--width", "640", "--height", "400", "--out", png5, NULL);
  if (r.status != 0)
    g_error ("render of a 5-d VAE failed (%d): %s%s", r.status, r.out, r.err);
  run_clear (&r);
  g_assert_true (g_file_test (png5, G_FILE_TEST_IS_REGULAR));
  r = run ("render", "latent", "--model", model5, "--dataset", toy_dir, "--select", "2", "--posterior", "--out", png5,
           NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "need a 2-d latent space; the model's is 5-d");
  run_clear (&r);

  /* A folder of images (one subfolder per class) as the data set: a VAE and a diffusion model train on it. */
  g_autofree char *folder = test_tmp_path ("shapes");
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < 20; i++)
      {
        g_autofree char *dir = g_build_filename (folder, c ? "squares" : "rings", NULL);
        g_mkdir_with_parents (dir, 0755);
        g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 36, 36);
        gdk_pixbuf_fill (pb, 0x000000ff);
        g_autoptr (GdkPixbuf) patch = gdk_pixbuf_new_subpixbuf (pb, 6 + i % 8, 6 + c * 8, 16, 16);
        gdk_pixbuf_fill (patch, 0xffffffff);
        g_autofree char *name = g_strdup_printf ("%s/%02d.png", dir, i);
        g_assert_true (gdk_pixbuf_save (pb, name, "png", NULL, NULL));
      }
  g_autofree char *folder_model = test_tmp_path ("shapes.safetensors");
  r = run ("train", "vae", "--dataset", folder, "--epochs", "2", "--hidden", "16", "--batch", "8", "--out",
           folder_model, NULL);
  if (r.status != 0)
    g_error ("train on a folder failed (%d): %s%s", r.status, r.out, r.err);
  assert_contains (r.out, "on 36 shapes images (28 × 28)");
  run_clear (&r);
  g_autofree char *folder_diff = test_tmp_path ("shapes-diffusion.safetensors");
  g_autofree char *losses = test_tmp_path ("diffusion-loss.json");
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--dataset", folder, "--steps", "5", "--hidden", "16",
           "--T", "10", "--out", folder_diff, "--csv", losses, NULL);
  if (r.status != 0)
    g_error ("train diffusion on a folder failed (%d): %s%s", r.status, r.out, r.err);
  assert_contains (r.out, "36 training images of 28 × 28");
  assert_contains (r.out, "(5 rows of 3 columns)");
  run_clear (&r);
  {
    g_autoptr (JsonParser) p = json_parser_new ();
    g_assert_true (json_parser_load_from_file (p, losses, NULL));
    JsonObject *cols = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)), "columns");
    JsonArray *loss = json_object_get_array_member (cols, "loss");
    g_assert_cmpuint (json_array_get_length (loss), ==, 5);
    g_assert_true (json_array_get_double_element (loss, 0) > 0);
  }

  /* A selected image's true posterior and q*, drawn, with its numbers. */
  g_autofree char *post = test_tmp_path ("posterior.png");
  r = run ("render", "latent", "--model", model, "--dataset", toy_dir, "--select", "3", "--posterior", "--optimise-q",
           "--zoom", "2", "--width", "640", "--height", "400", "--out", post, NULL);
  if (r.status != 0)
    g_error ("render --posterior failed: %s", r.err);
  assert_contains (r.out, "test image 3: log p(x) ");
  assert_contains (r.out, "amortisation gap");
  run_clear (&r);
  g_assert_true (g_file_test (post, G_FILE_TEST_IS_REGULAR));

  const char *outs[] = { "toy.png", "toy.svg", "toy.pdf" };
  for (gsize i = 0; i < G_N_ELEMENTS (outs); i++)
    {
      g_autofree char *out = test_tmp_path (outs[i]);
      r = run ("render", "latent", "--model", model, "--dataset", toy_dir, "--manifold", "6",
               "--pointer", "0.5,-0.25", "--width", "640", "--height", "400", "--out", out, NULL);
      if (r.status != 0)
        g_error ("render failed: %s", r.err);
      run_clear (&r);
      g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
    }
}

static void
test_render_shipped (void)
{
  /* The shipped model, no data: works with no file at all. */
  g_autofree char *out = test_tmp_path ("shipped.png");
  Run r = run ("render", "latent", "--no-data", "--manifold", "8", "--out", out, NULL);
  if (r.status != 0)
    g_error ("render failed: %s", r.err);
  run_clear (&r);
  g_assert_true (g_file_test (out, G_FILE_TEST_IS_REGULAR));
}


static void
test_bad_input (void)
{
  g_autofree char *out = test_tmp_path ("bad.safetensors");
  g_autofree char *png = test_tmp_path ("bad.png");
  g_autofree char *text = test_tmp_path ("not-a-model.safetensors");
  g_assert_true (g_file_set_contents (text, "this is text, not a model\n", -1, NULL));
  g_autofree char *corrupt = test_tmp_path ("corrupt-ds");
  make_toy_dataset (corrupt, 10, 10);
  g_autofree char *cut = g_build_filename (corrupt, "t10k-labels-idx1-ubyte", NULL);
  g_assert_true (g_file_set_contents (cut, "\0\0\x08\x01\0\0\0\x0a\1\2", 10, NULL));

  const BadCase cases[] = {
    { { "train", "vae", "--dataset", toy_dir, "--batch", "0", "--out", out }, 1, "batch size 0 is outside" },
    { { "train", "vae", "--dataset", toy_dir, "--lr", "-1", "--out", out }, 1, "learning rate -1 is outside" },
    { { "train", "vae", "--dataset", toy_dir, "--epochs", "0", "--out", out }, 1, "epochs 0 is outside" },
    { { "train", "vae", "--dataset", toy_dir }, 2, "--out FILE is required" },
    { { "train", "vae", "--dataset", toy_dir, "--out", out, "--csv", "curve.txt" }, 2, "--csv writes a .csv or a .json" },
    { { "train", "vae", "--dataset", toy_dir, "--latent", "0", "--out", out }, 1, "latent size 0 is outside 1…64" },
    { { "evaluate", "vae", "--dataset", toy_dir, "--iwae", "0" }, 2, "--iwae 1…1000000" },
    { { "render", "latent", "--dataset", toy_dir, "--posterior", "--out", png }, 1, "need --select INDEX" },
    { { "render", "latent", "--dataset", toy_dir, "--select", "100000", "--out", png }, 1, "--select 100000 is outside 0…" },
    { { "render", "latent", "--dataset", toy_dir, "--select", "1", "--zoom", "0", "--out", png }, 2, "--zoom is 1…1000" },
    { { "evaluate", "vae", "--model", text }, 1, "not a safetensors file" },
    { { "evaluate", "vae", "--dataset", "/nonexistent/data" }, 1, "does not exist" },
    { { "train", "vae", "--dataset", "/nonexistent/data", "--out", out }, 1, "does not exist" },
    { { "train", "vae", "--dataset", corrupt, "--out", out }, 1, "t10k-labels-idx1-ubyte: header promises 10 bytes" },
    { { "train", "vae", "--dataset", toy_dir, "--init", text, "--out", out }, 1, "not a safetensors file" },
    { { "train", "vae", "--bogus" }, 2, "Unknown option" },
    { { "render", "latent", "--no-data", "--manifold", "10000", "--out", png }, 1, "--manifold 10000 is outside 5…30" },
    { { "render", "latent", "--model", text, "--out", png }, 1, "not a safetensors file" },
    { { "render", "latent", "--no-data", "--out", "/tmp/x.bmp" }, 1, "unknown format" },
    { { "render", "latent", "--no-data", "--width", "0", "--out", png }, 1, "image size 0" },
    { { "render", "latent", "--no-data", "--pointer", "a,b", "--out", png }, 2, "--pointer takes X,Y" },
    { { "render", "latent", "--dataset", "/nonexistent/data", "--out", png }, 1, "does not exist" },
    { { "frobnicate" }, 2, "unknown command" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *const *a = cases[i].args;
      Run r = run (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], NULL);
      if (r.status != cases[i].status || strstr (r.err, cases[i].message) == NULL)
        g_error ("case %zu (%s %s …): exit %d, expected %d with “%s”; stderr:\n%s", i, a[0], a[1], r.status,
                 cases[i].status, cases[i].message, r.err);
      run_clear (&r);
    }
  /* No half-written files were left. */
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

/* Found by fuzzing: 30 bytes of gzip whose trailer claims 512 MiB made the
 * IDX reader reserve 1 GiB: under a 1 GB limit the app aborted (GLib-ERROR,
 * exit 133) instead of saying what is wrong with the file. */
static void
test_bad_input_memory_limit (void)
{
  g_autofree char *dir = test_tmp_path ("liar-ds");
  make_toy_dataset (dir, 10, 10);
  g_autofree char *liar = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "fuzz", "reproducers", "idx",
                                            "isize-claims-512mib.gz", NULL);
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (liar, &bytes, &len, NULL));
  g_autofree char *gz = g_build_filename (dir, "t10k-images-idx3-ubyte.gz", NULL);
  g_assert_true (g_file_set_contents (gz, bytes, (gssize) len, NULL));
  g_autofree char *png = test_tmp_path ("liar.png");
  Run r = run_limited ("render", "latent", "--dataset", dir, "--out", png, NULL);
  if (r.status != 1)
    g_error ("exit %d, expected 1; stderr:\n%s", r.status, r.err);
  assert_contains (r.err, "t10k-images-idx3-ubyte.gz: not a valid gzip stream");
  run_clear (&r);
}

/* The matrix-product kernels: OpenBLAS's slow fallback on a CPU it does not
 * know is replaced by the CPU's own kernels, checked, and never over a core
 * type the user set (gb-blas.h). */
static void
test_blas_kernels (void)
{
  if (gb_blas_cpu () == GB_BLAS_CPU_OTHER)
    {
      g_test_skip ("no AVX2: OpenBLAS's generic kernels are this CPU's own");
      return;
    }
  const char *best = gb_blas_candidates (gb_blas_cpu (), "Prescott")[0];
  g_autofree char *want = g_strdup_printf ("OpenBLAS %s kernels (set by Glassbox: OpenBLAS had picked its "
                                           "slower Prescott kernels)", best);
  /* As on a CPU newer than OpenBLAS: it falls back to Prescott. */
  const char *unknown[] = { "OPENBLAS_CORETYPE", NULL, "GLASSBOX_BLAS_PRETEND_PICKED", "Prescott", NULL };
  Run r = run_env (unknown, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, want);
  assert_contains (r.out, "Checked against a reference product: right");
  run_clear (&r);
  /* The program that runs again gets its arguments and does its work. */
  r = run_env (unknown, "rl", "--env", "4x3", "--algo", "value-iteration", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "0.812    0.868    0.918        G");
  run_clear (&r);
  /* Kernels that compute wrong are dropped for the next, and at last for OpenBLAS's own. */
  const char *wrong[] = { "OPENBLAS_CORETYPE", NULL, "GLASSBOX_BLAS_PRETEND_PICKED", "Prescott",
                          "GLASSBOX_BLAS_PRETEND_WRONG", "SkylakeX,Haswell", NULL };
  r = run_env (wrong, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "(OpenBLAS's own choice: its ");
  assert_contains (r.out, "Haswell kernels computed wrong products here)");
  assert_contains (r.out, "Checked against a reference product: right");
  run_clear (&r);
  /* A core type set before Glassbox starts is the user's: kept, checked, and a faster one named. */
  const char *user[] = { "OPENBLAS_CORETYPE", "Sandybridge", "GLASSBOX_BLAS_PRETEND_PICKED", "Prescott", NULL };
  r = run_env (user, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "OpenBLAS Sandybridge kernels (OPENBLAS_CORETYPE=Sandybridge, set before Glassbox started)");
  assert_contains (r.out, "This CPU can run OpenBLAS's faster");
  run_clear (&r);
  const char *user_wrong[] = { "OPENBLAS_CORETYPE", "Sandybridge", "GLASSBOX_BLAS_PRETEND_WRONG", "Sandybridge", NULL };
  r = run_env (user_wrong, "--version", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.err, "OpenBLAS's Sandybridge kernels (OPENBLAS_CORETYPE=Sandybridge) compute wrong products");
  run_clear (&r);
}

/* --- long runs that lose nothing --- */

static GbVae *
load_finite_vae (const char *path)
{
  g_autoptr (GError) error = NULL;
  GbVae *vae = gb_vae_load (path, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < vae->n_params; i++)
    g_assert_true (isfinite (vae->params[i]));
  return vae;
}

static void
test_train_diverged (void)
{
  g_autofree char *good = test_tmp_path ("good.safetensors");
  g_autofree char *kept = test_tmp_path ("good.last-good.safetensors");
  Run r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "1", "--hidden", "32", "--out", good, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_autofree char *before = NULL;
  gsize n_before = 0;
  g_assert_true (g_file_get_contents (good, &before, &n_before, NULL));
  /* A learning rate of 1 diverges within a few steps: caught within the
   * step, the good model given as --init and --out is left as it was, and the
   * last weights with a finite loss are kept beside it, loadable. */
  r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "200", "--batch", "4", "--lr", "1", "--init", good,
           "--out", good, NULL);
  if (r.status != 1 || strstr (r.err, "training diverged at step") == NULL)
    g_error ("exit %d; stderr:\n%s", r.status, r.err);
  assert_contains (r.err, "the last with a finite loss, are kept");
  assert_contains (r.out, "was not written; the last good weights are in");
  g_assert_null (strstr (r.out, "final test −ELBO"));   /* not the initial model's, stale */
  run_clear (&r);
  g_autofree char *after = NULL;
  gsize n_after = 0;
  g_assert_true (g_file_get_contents (good, &after, &n_after, NULL));
  g_assert_true (n_after == n_before && memcmp (before, after, n_after) == 0);
  g_autoptr (GbVae) last = load_finite_vae (kept);
}

/* A path that cannot be written: a folder that does not exist, one that is a
 * file, one that is read-only (as root, /sys: root may write anywhere else). */
static void
test_train_out_unwritable (void)
{
  g_autofree char *file = test_tmp_path ("plain-file");
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_autofree char *under_file = g_build_filename (file, "m.safetensors", NULL);
  g_autofree char *ro_dir = test_tmp_path ("read-only");
  g_mkdir_with_parents (ro_dir, 0700);
  g_chmod (ro_dir, 0555);
  g_autofree char *ro = getuid () == 0 ? g_strdup ("/sys/glassbox-test.safetensors")
                                       : g_build_filename (ro_dir, "m.safetensors", NULL);
  const struct { const char *out, *message; } cases[] = {
    { "/nonexistent/folder/m.safetensors", "cannot write “/nonexistent/folder/m.safetensors”: the folder "
                                           "/nonexistent/folder does not exist" },
    { under_file, "does not exist" },
    { ro, "is not writable" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      /* 5 000 epochs would take minutes: the check comes before any of them. */
      gint64 t0 = g_get_monotonic_time ();
      Run r = run ("train", "vae", "--dataset", toy_dir, "--epochs", "5000", "--out", cases[i].out, NULL);
      if (r.status != 1 || strstr (r.err, cases[i].message) == NULL)
        g_error ("case %zu: exit %d, expected 1 with “%s”; stderr:\n%s", i, r.status, cases[i].message, r.err);
      g_assert_null (strstr (r.err, ".XXXXXX"));
      g_assert_cmpint (g_get_monotonic_time () - t0, <, 20 * G_USEC_PER_SEC);
      run_clear (&r);
      r = run ("train", "diffusion", "--data", "moons", "--steps", "10000000", "--out", cases[i].out, NULL);
      if (r.status != 1 || strstr (r.err, cases[i].message) == NULL)
        g_error ("case %zu (diffusion): exit %d; stderr:\n%s", i, r.status, r.err);
      run_clear (&r);
    }
  g_chmod (ro_dir, 0755);
}

static void
on_line_cb (GObject *stream, GAsyncResult *res, gpointer data)
{
  char **line = data;
  *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (stream), res, NULL, NULL);
  if (*line == NULL)
    *line = g_strdup ("");   /* end of output */
}

/* Runs glassbox with argv, waits for a line of its output that starts with
 * prefix, sends Ctrl-C, and returns its exit status. */
static int
interrupt_after (const char *const *argv, const char *prefix)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                 &error);
  g_assert_no_error (error);
  g_autoptr (GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (p));
  for (;;)
    {
      g_autofree char *line = NULL;
      g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, on_line_cb, &line);
      while (line == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_cmpstr (line, !=, "");
      if (g_str_has_prefix (line, prefix))
        break;
    }
  g_subprocess_send_signal (p, SIGINT);
  g_assert_true (g_subprocess_wait (p, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (p));
  return g_subprocess_get_exit_status (p);
}

/* Ctrl-C stops `train vae` and writes the model so far, which loads. */
static void
test_train_ctrl_c (void)
{
  g_autofree char *out = test_tmp_path ("interrupted.safetensors");
  const char *argv[] = { cli_glassbox (), "train", "vae", "--dataset", toy_dir, "--epochs", "10000", "--batch", "2",
                         "--out", out, NULL };
  /* After the first epoch's line: training is under way. */
  g_assert_cmpint (interrupt_after (argv, "epoch 1/"), ==, 0);
  g_autoptr (GbVae) vae = load_finite_vae (out);
  g_assert_cmpint (vae->info.epochs, >=, 1);
  g_assert_cmpint (vae->info.epochs, <, 10000);
}

/* `train diffusion` the same way: --save-every writes snapshots as it goes,
 * and Ctrl-C stops it and writes the model so far. */
static void
test_train_diffusion_ctrl_c (void)
{
  g_autofree char *out = test_tmp_path ("interrupted-diffusion.safetensors");
  const char *argv[] = { cli_glassbox (), "train", "diffusion", "--data", "moons", "--hidden", "16", "--T", "50",
                         "--steps", "10000000", "--save-every", "200", "--out", out, NULL };
  g_assert_cmpint (interrupt_after (argv, "step 200: wrote"), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDenoiser) net = gb_denoiser_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (net->hidden, ==, 16);
}

/* A full disk (here: a file-size limit, which fails the write the same way)
 * gives a message and leaves the file that was there intact. */
static void
limit_file_size (gpointer data)
{
  struct rlimit lim = { 16 << 10, 16 << 10 };
  signal (SIGXFSZ, SIG_IGN);
  setrlimit (RLIMIT_FSIZE, &lim);
}

static void
test_save_disk_full (void)
{
  g_autofree char *png = test_tmp_path ("full.png");
  g_autofree char *model = test_tmp_path ("full.safetensors");
  g_assert_true (g_file_set_contents (png, "the old picture", -1, NULL));
  g_assert_true (g_file_set_contents (model, "the old model", -1, NULL));
  const char *render[] = { cli_glassbox (), "render", "latent", "--no-data", "--out", png, NULL };
  const char *train[] = { cli_glassbox (), "train", "vae", "--dataset", toy_dir, "--epochs", "1", "--hidden", "64",
                          "--out", model, NULL };
  const char *const *cmds[] = { render, train };
  const char *paths[] = { png, model }, *old[] = { "the old picture", "the old model" };
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                                                     | G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_subprocess_launcher_set_child_setup (l, limit_file_size, NULL, NULL);
      g_autoptr (GSubprocess) p = g_subprocess_launcher_spawnv (l, cmds[i], &error);
      g_assert_no_error (error);
      g_autofree char *err = NULL;
      g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
      g_assert_true (g_subprocess_get_if_exited (p));
      g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 1);
      g_autofree char *want = g_strdup_printf ("cannot write “%s”: the disk is full", paths[i]);
      assert_contains (err, want);
      g_autofree char *now = NULL;
      g_assert_true (g_file_get_contents (paths[i], &now, NULL, NULL));
      g_assert_cmpstr (now, ==, old[i]);
    }
}

/* Two runs writing the same --out at once never leave a torn file. */
static void
test_train_same_out (void)
{
  g_autofree char *out = test_tmp_path ("shared.safetensors");
  g_autoptr (GError) error = NULL;
  GSubprocess *p[2];
  for (int i = 0; i < 2; i++)
    {
      g_autofree char *seed = g_strdup_printf ("%d", i + 1);
      const char *argv[] = { cli_glassbox (), "train", "vae", "--dataset", toy_dir, "--epochs", "3", "--hidden", "64",
                             "--seed", seed, "--out", out, NULL };
      p[i] = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
      g_assert_no_error (error);
    }
  for (int i = 0; i < 2; i++)
    {
      g_assert_true (g_subprocess_wait_check (p[i], NULL, &error));
      g_object_unref (p[i]);
    }
  g_autoptr (GbVae) vae = load_finite_vae (out);
  g_assert_true (vae->info.seed == 1 || vae->info.seed == 2);
  /* No temporary files are left behind. */
  g_autofree char *dir = g_path_get_dirname (out);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (g_str_has_prefix (name, "shared.safetensors."));
}

static void
test_diffusion (void)
{
  /* A tiny model: train, sample with both samplers, render both processes. */
  g_autofree char *model = test_tmp_path ("moons.safetensors"), *png = test_tmp_path ("moons.png"),
                  *frame = test_tmp_path ("moons-t20.png"), *svg = test_tmp_path ("moons-rev.svg");
  Run r = run ("train", "diffusion", "--data", "moons", "--steps", "300", "--hidden", "32", "--T", "50",
               "--out", model, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "step 300/300  loss");
  assert_contains (r.out, "wrote");
  run_clear (&r);
  g_autofree char *dump = test_tmp_path ("moons.json");
  r = run ("sample", "diffusion", "--model", model, "--n", "500", "--dump", dump, "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  {
    g_autofree char *js = NULL;
    g_assert_true (g_file_get_contents (dump, &js, NULL, NULL));
    g_assert_true (js[0] == '[');
    int commas = 0;
    for (const char *c = js; *c; c++)
      commas += *c == ',';
    g_assert_cmpint (commas, ==, 999);   /* 500 points, two numbers each */
  }
  assert_contains (r.out, "sliced Wasserstein-1 distance to 500 fresh points of moons");
  run_clear (&r);
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  r = run ("sample", "diffusion", "--model", model, "--sampler", "ddim", "--steps", "10", "--eta", "0.5",
           "--out", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("render", "diffusion", "--model", model, "--t", "20", "--out", frame, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("render", "diffusion", "--model", model, "--t", "10", "--process", "reverse", "--theme", "dark",
           "--out", svg, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_autofree char *gif = test_tmp_path ("moons.gif");
  r = run ("render", "diffusion", "--model", model, "--width", "120", "--height", "140", "--out", gif, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "(100 frames, t from 0 to 50)");
  run_clear (&r);
  /* --t with a GIF: the process up to t, not one frame a hundred times. */
  g_autofree char *gif_t = test_tmp_path ("moons-t.gif");
  r = run ("render", "diffusion", "--model", model, "--width", "120", "--height", "140", "--t", "30", "--out", gif_t,
           NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "(100 frames, t from 0 to 30)");
  run_clear (&r);
  g_autofree char *gif_bytes = NULL;
  gsize gif_len = 0;
  g_assert_true (g_file_get_contents (gif, &gif_bytes, &gif_len, NULL));
  g_assert_cmpint (memcmp (gif_bytes, "GIF89a", 6), ==, 0);
  g_assert_nonnull (memmem (gif_bytes, gif_len, "NETSCAPE2.0", 11));   /* it loops */
  g_assert_cmpuint (gif_len, >, 60 * 100);
  g_autofree char *svg_text = NULL;
  g_assert_true (g_file_get_contents (svg, &svg_text, NULL, NULL));
  assert_contains (svg_text, "<svg");

  /* A latent model: the shipped VAE's codes of a (toy) training set. */
  g_autofree char *latent = test_tmp_path ("latent.safetensors");
  r = run ("train", "diffusion", "--data", "latent", "--dataset", toy_dir, "--steps", "50", "--hidden", "16",
           "--T", "20", "--out", latent, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "latent codes of the training images");
  run_clear (&r);
  r = run ("render", "diffusion", "--model", latent, "--t", "5", "--process", "reverse", "--out", frame, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  /* An image model on the toy data set's 28×28 images: a grid of samples. */
  g_autofree char *imgm = test_tmp_path ("images.safetensors"), *grid = test_tmp_path ("grid.png");
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--dataset", toy_dir, "--steps", "20", "--hidden", "32",
           "--T", "20", "--ema", "0.99", "--lr-schedule", "cosine", "--out", imgm, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "256 training images of 28 × 28");
  run_clear (&r);
  {
    /* The image model carries its fitted Gaussian part. */
    g_autoptr (GbDenoiser) m = gb_denoiser_load (imgm, NULL);
    g_assert_nonnull (m);
    g_assert_nonnull (m->g_vecs);
  }
  r = run ("sample", "diffusion", "--model", imgm, "--n", "2", "--no-clip", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("sample", "diffusion", "--model", imgm, "--n", "4", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "4 images in");
  /* Not a terminal: the progress is one line a step, not a run of \r. */
  g_assert_null (strchr (r.out, '\r'));
  assert_contains (r.out, "sampling: step 2/20\nsampling: step 4/20\n");
  run_clear (&r);
  r = run ("sample", "diffusion", "--model", imgm, "--n", "4", "--guidance", "0", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("sample", "diffusion", "--model", imgm, "--n", "4", "--guidance", "11", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "guidance 11 is outside 0…10");
  run_clear (&r);
  /* A U-Net image model: trained a few steps, it samples, evaluates and renders the same way. */
  g_autofree char *unetm = test_tmp_path ("unet.safetensors");
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--arch", "unet", "--hidden", "8", "--dataset", toy_dir,
           "--steps", "4", "--batch", "4", "--T", "20", "--save-every", "2", "--out", unetm, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "step 2: wrote");
  run_clear (&r);
  {
    g_autoptr (GbDenoiser) m = gb_denoiser_load (unetm, NULL);
    g_assert_nonnull (m);
    g_assert_nonnull (m->unet);
    g_assert_cmpint (m->unet->C, ==, 8);
    g_assert_nonnull (m->g_vecs);   /* the Gaussian, for the guidance */
  }
  r = run ("sample", "diffusion", "--model", unetm, "--n", "3", "--guidance", "1.5", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "3 images in");
  run_clear (&r);
  g_setenv ("GLASSBOX_DATASET", toy_dir, TRUE);
  r = run ("render", "diffusion", "--model", unetm, "--t", "7", "--out", grid, NULL);
  g_unsetenv ("GLASSBOX_DATASET");
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  /* Class-conditional: sampled with classifier-free guidance (the default w, then w = 1). */
  g_autofree char *condm = test_tmp_path ("unet-classes.safetensors");
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--arch", "unet", "--classes", "--hidden", "8",
           "--dataset", toy_dir, "--steps", "3", "--batch", "4", "--T", "20", "--out", condm, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  {
    g_autoptr (GbDenoiser) m = gb_denoiser_load (condm, NULL);
    g_assert_nonnull (m);
    g_assert_cmpint (m->unet->classes, ==, 2);   /* the toy set's two classes */
    g_assert_cmpfloat (gb_denoiser_default_guidance (m), ==, GB_CFG_GUIDANCE);
  }
  r = run ("sample", "diffusion", "--model", condm, "--n", "3", "--sampler", "ddim", "--steps", "4", "--out", grid,
           NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "guidance 2)");   /* the page's default */
  run_clear (&r);
  r = run ("sample", "diffusion", "--model", condm, "--n", "2", "--guidance", "1", "--out", grid, NULL);
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--classes", "--dataset", toy_dir, "--out", condm, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--classes needs --arch unet");
  run_clear (&r);
  r = run ("train", "diffusion", "--data", "moons", "--arch", "unet", "--out", unetm, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--arch unet is for images");
  run_clear (&r);
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--arch", "unet", "--hidden", "12", "--dataset", toy_dir,
           "--out", unetm, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "multiple of 8");
  run_clear (&r);
  r = run ("train", "diffusion", "--data", "fashion-mnist", "--arch", "transformer", "--out", unetm, NULL);
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--arch is mlp or unet");
  run_clear (&r);
  g_autofree char *judge = test_tmp_path ("judge.safetensors");
  r = run ("train", "classifier", "--dataset", toy_dir, "--epochs", "3", "--hidden", "16", "--out", judge, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "test accuracy 1.0000");   /* bars against rings */
  run_clear (&r);
  r = run ("evaluate", "diffusion", "--model", imgm, "--classifier", judge, "--n", "50", "--sampler", "ddim",
           "--steps", "5", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "50 samples (ddim, guidance 2,");   /* image models' default */
  assert_contains (r.out, "assigned to one class with probability ≥ 0.8");
  run_clear (&r);
  /* The convolutional classifier, and the same judging with it. */
  g_autofree char *conv_judge = test_tmp_path ("conv-judge.safetensors");
  r = run ("train", "classifier", "--conv", "--dataset", toy_dir, "--epochs", "10", "--hidden", "16", "--out",
           conv_judge, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "test accuracy 1.0000");
  run_clear (&r);
  g_setenv ("GLASSBOX_DATASET", toy_dir, TRUE);
  r = run ("evaluate", "diffusion", "--model", imgm, "--classifier", conv_judge, "--n", "20", "--sampler", "ddim",
           "--steps", "5", NULL);
  g_unsetenv ("GLASSBOX_DATASET");
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "20 samples (ddim");
  /* The same classifier on as many real test images, for scale: it learnt them perfectly. */
  assert_contains (r.out, "for scale, the classifier is that sure of 100.0 % of the first 20 real test images");
  run_clear (&r);
  r = run ("evaluate", "diffusion", "--model", imgm, "--classifier", imgm, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "not a classifier");
  run_clear (&r);
  r = run ("evaluate", "diffusion", "--model", imgm, NULL);   /* no judge: said, before any sampling */
  g_assert_cmpint (r.status, ==, 2);
  assert_contains (r.err, "--classifier FILE is required");
  g_assert_null (strstr (r.err, "CRITICAL"));
  run_clear (&r);
  /* A frame of the image domain, forward (the toy set's test images noised) and reverse. */
  g_setenv ("GLASSBOX_DATASET", toy_dir, TRUE);
  r = run ("render", "diffusion", "--model", imgm, "--t", "3", "--out", grid, NULL);
  g_unsetenv ("GLASSBOX_DATASET");
  g_assert_cmpint (r.status, ==, 0);
  run_clear (&r);
  g_autofree char *img_gif = test_tmp_path ("images.gif");
  r = run ("render", "diffusion", "--model", imgm, "--process", "reverse", "--t", "20", "--out", img_gif, NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "100 frames, t from 20 to 0");
  run_clear (&r);
  r = run ("train", "diffusion", "--data", "latent", "--dataset", "/nonexistent", "--out", latent, NULL);
  g_assert_cmpint (r.status, ==, 1);
  assert_contains (r.err, "/nonexistent");
  run_clear (&r);

  /* Bad input: a clear message and a non-zero exit each. */
  g_autofree char *vae = g_test_build_filename (G_TEST_DIST, "data", "torch-vae.safetensors", NULL);
  struct { const char *args[12]; int status; const char *says; } bad[] = {
    { { "train", "diffusion", "--data", "spiral", "--out", model }, 2, "--data is one of swiss-roll" },
    { { "train", "diffusion", "--data", "moons", "--T", "0", "--out", model }, 1, "T = 0" },
    { { "train", "diffusion", "--data", "moons", "--lr", "-1", "--out", model }, 2, "--lr" },
    { { "train", "diffusion", "--data", "moons", "--ema", "1", "--out", model }, 2, "--ema in [0, 1)" },
    { { "train", "diffusion", "--data", "moons", "--lr-schedule", "step", "--out", model }, 2, "constant or cosine" },
    { { "sample", "diffusion", "--model", vae, "--out", png }, 1, "not a diffusion model" },
    { { "sample", "diffusion", "--model", model, "--sampler", "ddim", "--steps", "51", "--out", png }, 1, "S = 51" },
    { { "sample", "diffusion", "--model", model, "--sampler", "euler", "--out", png }, 2, "--sampler is ddpm or ddim" },
    { { "sample", "diffusion", "--model", model, "--guidance", "2", "--out", png }, 1, "needs a model with a fitted Gaussian" },
    { { "render", "diffusion", "--model", model, "--t", "51", "--out", png }, 2, "--t 51 is outside 0…50" },
    { { "render", "diffusion", "--model", model, "--out", png }, 2, "--t T is required for a still frame" },
    { { "render", "diffusion", "--model", model, "--t", "51", "--out", "x.gif" }, 2, "--t 51 is outside 0…50" },
    { { "render", "diffusion", "--model", "/nonexistent.safetensors", "--t", "1", "--out", png }, 1, "nonexistent" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char **a = bad[i].args;
      r = run (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
      if (r.status != bad[i].status || strstr (r.err, bad[i].says) == NULL)
        g_error ("case %u: status %d (want %d), stderr:\n%s", i, r.status, bad[i].status, r.err);
      run_clear (&r);
    }
}

static void
test_help (void)
{
  Run r = run ("train", "vae", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "  glassbox train vae [OPTION…]");   /* the whole command, not "vae" */
  assert_contains (r.out, "--epochs");
  assert_contains (r.out, "--beta");
  run_clear (&r);
  r = run ("render", "latent", "--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "--manifold");
  run_clear (&r);
  r = run ("--help", NULL);
  g_assert_cmpint (r.status, ==, 0);
  assert_contains (r.out, "glassbox train vae");
  run_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_run_init ();
  toy_dir = test_tmp_path ("toy-dataset");
  make_toy_dataset (toy_dir, 256, 64);
  g_test_add_func ("/cli/train-and-render", test_train_and_render);
  g_test_add_func ("/cli/render-shipped", test_render_shipped);
  g_test_add_func ("/cli/bad-input", test_bad_input);
  g_test_add_func ("/cli/bad-input/memory-limit", test_bad_input_memory_limit);
  g_test_add_func ("/cli/blas-kernels", test_blas_kernels);
  g_test_add_func ("/cli/train/diverged", test_train_diverged);
  g_test_add_func ("/cli/train/out-unwritable", test_train_out_unwritable);
  g_test_add_func ("/cli/train/ctrl-c", test_train_ctrl_c);
  g_test_add_func ("/cli/train/diffusion-ctrl-c", test_train_diffusion_ctrl_c);
  g_test_add_func ("/cli/save/disk-full", test_save_disk_full);
  g_test_add_func ("/cli/train/same-out", test_train_same_out);
  g_test_add_func ("/cli/diffusion", test_diffusion);
  g_test_add_func ("/cli/help", test_help);
  return g_test_run ();
}
