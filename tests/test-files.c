/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-files.c — IDX files, safetensors files and VAE model files, good and bad. */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-error.h"
#include "gb-image-folder.h"
#include "gb-safetensors.h"
#include "gb-table.h"
#include "gb-lesson.h"
#include "gb-test-util.h"
#include "gb-vae-file.h"

/* --- IDX --- */

static GByteArray *
make_idx (guint8 type, int rank, const guint32 *dims, const guint8 *data, gsize n)
{
  GByteArray *a = g_byte_array_new ();
  guint8 head[4] = { 0, 0, type, (guint8) rank };
  g_byte_array_append (a, head, 4);
  for (int i = 0; i < rank; i++)
    {
      guint32 be = GUINT32_TO_BE (dims[i]);
      g_byte_array_append (a, (guint8 *) &be, 4);
    }
  g_byte_array_append (a, data, (guint) n);
  return a;
}

static GBytes *
gzip_bytes (const guint8 *data, gsize len)
{
  g_autoptr (GZlibCompressor) c = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr (GInputStream) mem = g_memory_input_stream_new_from_data (data, (gssize) len, NULL);
  g_autoptr (GInputStream) conv = g_converter_input_stream_new (mem, G_CONVERTER (c));
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_output_stream_splice (out, conv, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_idx_good (void)
{
  guint8 px[2 * 3 * 4];
  for (gsize i = 0; i < sizeof px; i++)
    px[i] = (guint8) (i * 7);
  g_autoptr (GByteArray) raw = make_idx (0x08, 3, (guint32[]) { 2, 3, 4 }, px, sizeof px);
  guint32 dims[3];
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *a = gb_idx_parse (raw->data, raw->len, "raw", 3, dims, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dims[0], ==, 2);
  g_assert_cmpuint (dims[2], ==, 4);
  g_assert_cmpmem (a, sizeof px, px, sizeof px);
  g_autoptr (GBytes) gz = gzip_bytes (raw->data, raw->len);
  g_autofree guint8 *b = gb_idx_parse (g_bytes_get_data (gz, NULL), g_bytes_get_size (gz), "gz", 3,
                                       dims, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (b, sizeof px, px, sizeof px);
}

typedef struct {
  const char *name;
  const char *expect;  /* a fragment of the message */
} BadCase;

static void
expect_idx_error (const guint8 *data, gsize len, int rank, const char *fragment)
{
  guint32 dims[3];
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *p = gb_idx_parse (data, len, "bad.idx", rank, dims, &error);
  g_assert_null (p);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in “%s”", fragment, error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.idx: "));
}

static void
test_idx_bad (void)
{
  guint8 px[12] = { 0 };
  g_autoptr (GByteArray) good = make_idx (0x08, 3, (guint32[]) { 1, 3, 4 }, px, 12);
  expect_idx_error (good->data, 3, 3, "too short");
  expect_idx_error ((const guint8 *) "\x89PNG\r\n\x1a\n", 8, 3, "not an IDX file");
  g_autoptr (GByteArray) flt = make_idx (0x0D, 3, (guint32[]) { 1, 3, 4 }, px, 12);
  expect_idx_error (flt->data, flt->len, 3, "data type 0x0d");
  expect_idx_error (good->data, good->len, 1, "rank 3, expected 1");
  expect_idx_error (good->data, 10, 3, "header is truncated");
  expect_idx_error (good->data, good->len - 1, 3, "truncated");
  g_autoptr (GByteArray) extra = make_idx (0x08, 3, (guint32[]) { 1, 3, 4 }, px, 12);
  g_byte_array_append (extra, px, 5);
  expect_idx_error (extra->data, extra->len, 3, "file holds 17");
  g_autoptr (GByteArray) huge = make_idx (0x08, 3, (guint32[]) { 100000, 100000, 100000 }, px, 12);
  expect_idx_error (huge->data, huge->len, 3, "more than");
  g_autoptr (GBytes) gz = gzip_bytes (good->data, good->len);
  expect_idx_error (g_bytes_get_data (gz, NULL), g_bytes_get_size (gz) - 9, 3, "gzip");
  guint8 junk[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff };
  expect_idx_error (junk, sizeof junk, 3, "gzip");

  /* Found by fuzzing: a gzip trailer is only a claim. 30 bytes that claim
   * 512 MiB once made a 1 GiB reservation (an abort under a memory limit);
   * now the reservation is bounded by what 30 bytes can inflate to, and the
   * lie is found at the end (test-cli runs the app on it under a limit). */
  guint8 hdr[8] = { 0, 0, 8, 1, 0, 0, 0, 0 };
  g_autoptr (GBytes) small = gzip_bytes (hdr, 8);
  g_autoptr (GByteArray) liar = g_byte_array_new ();
  g_byte_array_append (liar, g_bytes_get_data (small, NULL), g_bytes_get_size (small) - 4);
  guint32 claim = GUINT32_TO_LE (512u << 20);
  g_byte_array_append (liar, (guint8 *) &claim, 4);
  expect_idx_error (liar->data, liar->len, 1, "not a valid gzip stream");

  /* Found by fuzzing: a zero dimension and no data read one byte past len
   * (ASan sees it: the buffer is exactly the header). */
  guint32 dims[1] = { 7 };
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *exact = g_memdup2 (hdr, 8);
  g_autofree guint8 *empty = gb_idx_parse (exact, 8, "empty", 1, dims, &error);
  g_assert_no_error (error);
  g_assert_nonnull (empty);
  g_assert_cmpuint (dims[0], ==, 0);
}

static void
write_file (const char *dir, const char *name, const guint8 *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) len, NULL));
}

static void
test_dataset_folder (void)
{
  g_autofree char *dir = test_tmp_path ("ds-mnist");
  g_mkdir_with_parents (dir, 0700);
  guint8 px[5 * 2 * 2], lab[5] = { 0, 1, 2, 1, 0 };
  memset (px, 9, sizeof px);
  g_autoptr (GByteArray) im = make_idx (0x08, 3, (guint32[]) { 5, 2, 2 }, px, sizeof px);
  g_autoptr (GByteArray) lb = make_idx (0x08, 1, (guint32[]) { 5 }, lab, 5);
  g_autoptr (GError) error = NULL;

  /* No files: a message naming what is missing. */
  g_autoptr (GbDataset) none = gb_dataset_load (dir, FALSE, &error);
  g_assert_null (none);
  g_assert_error (error, GB_ERROR, GB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "t10k-images"));
  g_clear_error (&error);

  write_file (dir, "t10k-images-idx3-ubyte", im->data, im->len);
  write_file (dir, "t10k-labels-idx1-ubyte", lb->data, lb->len);
  g_autoptr (GbDataset) ds = gb_dataset_load (dir, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->test->n, ==, 5);
  g_assert_cmpint (ds->n_classes, ==, 3);
  g_assert_cmpstr (ds->class_names[2], ==, "2");   /* “mnist” in the name: digits */

  /* Training split asked for but absent. */
  g_autoptr (GbDataset) with_train = gb_dataset_load (dir, TRUE, &error);
  g_assert_null (with_train);
  g_assert_nonnull (strstr (error->message, "train-images"));
  g_clear_error (&error);

  /* Labels that do not match the images. */
  g_autoptr (GByteArray) lb4 = make_idx (0x08, 1, (guint32[]) { 4 }, lab, 4);
  write_file (dir, "train-images-idx3-ubyte", im->data, im->len);
  write_file (dir, "train-labels-idx1-ubyte", lb4->data, lb4->len);
  g_autoptr (GbDataset) mismatch = gb_dataset_load (dir, TRUE, &error);
  g_assert_null (mismatch);
  g_assert_nonnull (strstr (error->message, "5 images but"));
  g_clear_error (&error);

  g_autoptr (GbDataset) missing = gb_dataset_load ("/nonexistent/glassbox", FALSE, &error);
  g_assert_null (missing);
  g_assert_nonnull (strstr (error->message, "does not exist"));
}

static void
test_dataset_fashion_mnist (void)
{
  if (!g_file_test (GB_DATASET_DEFAULT_DIR, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("Debian's dataset-fashion-mnist is not installed");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autoptr (GbDataset) ds = gb_dataset_load (GB_DATASET_DEFAULT_DIR, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->test->n, ==, 10000);
  g_assert_cmpint (ds->test->rows, ==, 28);
  g_assert_cmpint (ds->test->cols, ==, 28);
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpstr (ds->class_names[9], ==, "Ankle boot");
  int counts[10] = { 0 };
  for (guint32 i = 0; i < ds->test->n; i++)
    counts[ds->test->labels[i]]++;
  for (int k = 0; k < 10; k++)
    g_assert_cmpint (counts[k], ==, 1000);
}

/* --- safetensors --- */

static GBytes *
sample_file (void)
{
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  float a[6] = { 1, 2, 3, 4, 5, 6 }, b[1] = { -0.5f };
  gb_safetensors_writer_add_f32 (w, "b", (gint64[]) { 1 }, 1, b);
  gb_safetensors_writer_add_f32 (w, "a", (gint64[]) { 2, 3 }, 2, a);
  gb_safetensors_writer_set_metadata (w, "note", "hello");
  return gb_safetensors_writer_to_bytes (w);
}

static void
test_safetensors_roundtrip (void)
{
  g_autoptr (GBytes) bytes = sample_file ();
  gsize len;
  const guint8 *raw = g_bytes_get_data (bytes, &len);
  guint64 n;
  memcpy (&n, raw, 8);
  g_assert_cmpuint (GUINT64_FROM_LE (n) % 8, ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, "sample", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gb_safetensors_get_metadata (st, "note"), ==, "hello");
  float a[6];
  g_assert_true (gb_safetensors_read_f32 (st, "a", (gint64[]) { 2, 3 }, 2, a, &error));
  g_assert_cmpfloat (a[5], ==, 6.0f);
  g_assert_false (gb_safetensors_read_f32 (st, "a", (gint64[]) { 3, 2 }, 2, a, &error));
  g_assert_cmpstr (error->message, ==, "sample: tensor “a” has shape [2, 3], expected [3, 2]");
  g_clear_error (&error);
  g_assert_false (gb_safetensors_read_f32 (st, "c", (gint64[]) { 1 }, 1, a, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_NOT_FOUND);
  /* The same tensors give the same bytes. */
  g_autoptr (GBytes) again = sample_file ();
  g_assert_true (g_bytes_equal (bytes, again));
}

/* Builds a file from a header text and n bytes of data. */
static GBytes *
file_with_header (const char *json, gsize data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 n = GUINT64_TO_LE (strlen (json));
  g_byte_array_append (a, (guint8 *) &n, 8);
  g_byte_array_append (a, (const guint8 *) json, (guint) strlen (json));
  for (gsize i = 0; i < data_len; i++)
    g_byte_array_append (a, (const guint8 *) "\0", 1);
  return g_byte_array_free_to_bytes (a);
}

static void
expect_st_error (GBytes *bytes, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, "bad.safetensors", &error);
  g_assert_null (st);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in “%s”", fragment, error->message);
}

static void
test_safetensors_bad (void)
{
  g_autoptr (GBytes) tiny = g_bytes_new_static ("abc", 3);
  expect_st_error (tiny, "too short");
  g_autoptr (GBytes) png = g_bytes_new_static ("\x89PNG\r\n\x1a\n0000000000000000", 24);
  expect_st_error (png, "not a safetensors file");
  g_autoptr (GBytes) notjson = file_with_header ("{not json at all", 0);
  expect_st_error (notjson, "not JSON");
  g_autoptr (GBytes) arr = file_with_header ("[1, 2, 3]", 0);
  expect_st_error (arr, "not a safetensors file");
  g_autoptr (GBytes) beyond = file_with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
  expect_st_error (beyond, "truncated");
  g_autoptr (GBytes) size = file_with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16);
  expect_st_error (size, "need 12");
  g_autoptr (GBytes) overlap = file_with_header (
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16);
  expect_st_error (overlap, "overlap");
  g_autoptr (GBytes) dtype = file_with_header ("{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
  expect_st_error (dtype, "unknown dtype");
  g_autoptr (GBytes) neg = file_with_header ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
  expect_st_error (neg, "bad shape");
  g_autoptr (GBytes) huge = file_with_header (
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967295,4294967295,4294967295],\"data_offsets\":[0,8]}}", 8);
  expect_st_error (huge, "bad shape");
  g_autoptr (GBytes) lacks = file_with_header ("{\"a\":{\"dtype\":\"F32\"}}", 0);
  expect_st_error (lacks, "lacks");

  /* A header length far beyond the file. */
  guint8 big[16] = { 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, '{', '}' };
  g_autoptr (GBytes) biglen = g_bytes_new (big, sizeof big);
  expect_st_error (biglen, "header length");

  /* NaN in a tensor is caught on reading. */
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  float v[2] = { 1.0f, NAN };
  gb_safetensors_writer_add_f32 (w, "v", (gint64[]) { 2 }, 1, v);
  g_autoptr (GBytes) nanb = gb_safetensors_writer_to_bytes (w);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (nanb, "nan.safetensors", &error);
  g_assert_no_error (error);
  float out[2];
  g_assert_false (gb_safetensors_read_f32 (st, "v", (gint64[]) { 2 }, 1, out, &error));
  g_assert_nonnull (strstr (error->message, "NaN"));
}

/* --- VAE model files --- */

static GbVae *
small_vae (int D, int H)
{
  GbVaeConfig c = { D, H, 2 };
  GbVae *vae = gb_vae_new (&c, NULL);
  GbRng rng;
  gb_rng_init (&rng, 21);
  gb_vae_init_params (vae, &rng);
  return vae;
}

static void
test_vae_file_roundtrip (void)
{
  g_autoptr (GbVae) vae = small_vae (12, 7);
  vae->info.dataset = g_strdup ("fashion-mnist");
  vae->info.epochs = 3;
  vae->info.seed = 99;
  vae->info.test_elbo = 250.5;
  g_autofree char *path = test_tmp_path ("vae.safetensors");
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_vae_save (vae, path, &error));
  g_autoptr (GbVae) back = gb_vae_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->config.n_hidden, ==, 7);
  g_assert_cmpmem (back->params, back->n_params * 4, vae->params, vae->n_params * 4);
  g_assert_cmpstr (back->info.dataset, ==, "fashion-mnist");
  g_assert_cmpint (back->info.epochs, ==, 3);
  g_assert_cmpuint (back->info.seed, ==, 99);
  g_assert_cmpfloat_with_epsilon (back->info.test_elbo, 250.5, 1e-9);
}

/* A (rows, cols) matrix of a PyTorch fixture's JSON into out. */
static void
json_rows (JsonObject *o, const char *member, int rows, int cols, float *out)
{
  JsonArray *a = json_object_get_array_member (o, member);
  g_assert_cmpuint (json_array_get_length (a), ==, (guint) rows);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      out[r * cols + c] = (float) json_array_get_double_element (json_array_get_array_element (a, r), c);
}

static void
assert_close (const float *got, const float *want, int n, double tol)
{
  for (int i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (got[i], want[i], tol);
}

/* examples/vae's 20-d latent, wrapped in DataParallel ("module." names), saved by tools/export_torch_vae.py:
 * it loads, and encodes and decodes as PyTorch does. */
static void
test_vae_file_torch_fixture_20d (void)
{
  g_autofree char *st_path = g_test_build_filename (G_TEST_DIST, "data", "torch-vae20.safetensors", NULL);
  g_autofree char *js_path = g_test_build_filename (G_TEST_DIST, "data", "torch-vae20.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load (st_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vae->config.n_input, ==, 784);
  g_assert_cmpint (vae->config.n_hidden, ==, 24);
  g_assert_cmpint (vae->config.n_latent, ==, 20);
  g_assert_cmpstr (vae->info.dataset, ==, "random");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, js_path, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  float x[3 * 784], mu[60], lv[60], z[60], dec[3 * 784], want[3 * 784];
  for (int i = 0; i < 3 * 784; i++)
    x[i] = (float) (i % 256) / 255.0f;
  gb_vae_encode (vae, x, mu, lv, 3);
  json_rows (o, "mu", 3, 20, want);
  assert_close (mu, want, 60, 1e-4);
  json_rows (o, "logvar", 3, 20, want);
  assert_close (lv, want, 60, 1e-4);
  json_rows (o, "z", 3, 20, z);
  gb_vae_decode (vae, z, dec, 3);
  json_rows (o, "decoded", 3, 784, want);
  assert_close (dec, want, 3 * 784, 1e-5);
}

static void
test_vae_file_torch_fixture (void)
{
  /* A VAE trained and saved by PyTorch (bench/make_torch_fixture.py), with
   * its own outputs recorded beside it. */
  g_autofree char *st_path = g_test_build_filename (G_TEST_DIST, "data", "torch-vae.safetensors", NULL);
  g_autofree char *js_path = g_test_build_filename (G_TEST_DIST, "data", "torch-vae.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load (st_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (vae->config.n_input, ==, 784);
  g_assert_cmpint (vae->config.n_hidden, ==, 16);
  g_assert_cmpint (vae->config.n_latent, ==, 2);
  g_assert_true (isnan (vae->info.test_elbo));

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, js_path, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  float x[3 * 784], mu[6], lv[6], z[6], dec[3 * 784], eps[6];
  for (int i = 0; i < 3 * 784; i++)
    x[i] = (float) (i % 256) / 255.0f;
  gb_vae_encode (vae, x, mu, lv, 3);
  float want[3 * 784];
  json_rows (o, "mu", 3, 2, want);
  assert_close (mu, want, 6, 1e-4);
  json_rows (o, "logvar", 3, 2, want);
  assert_close (lv, want, 6, 1e-4);
  json_rows (o, "z", 3, 2, z);
  json_rows (o, "eps", 3, 2, eps);
  gb_vae_decode (vae, z, dec, 3);
  json_rows (o, "decoded", 3, 784, want);
  assert_close (dec, want, 3 * 784, 1e-5);
  /* The loss terms with PyTorch's noise. */
  double bce = 0, kl = 0;
  for (int r = 0; r < 3; r++)
    {
      float m[2], l[2], zz[2], rec[784];
      GbVaeLoss loss = gb_vae_explain (vae, x + r * 784, eps + r * 2, m, l, zz, rec);
      bce += loss.bce;
      kl += loss.kl;
    }
  g_assert_cmpfloat_with_epsilon (bce, json_object_get_double_member (o, "bce_sum"), 0.05);
  g_assert_cmpfloat_with_epsilon (kl, json_object_get_double_member (o, "kl_sum"), 1e-3);
}

static void
expect_vae_error (GBytes *bytes, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) vae = gb_vae_load_bytes (bytes, "model.safetensors", &error);
  g_assert_null (vae);
  g_assert_nonnull (error);
  if (strstr (error->message, fragment) == NULL)
    g_error ("expected “%s” in “%s”", fragment, error->message);
}

static void
test_vae_file_bad (void)
{
  g_autoptr (GbVae) vae = small_vae (12, 7);
  g_autoptr (GBytes) good = gb_vae_to_bytes (vae);
  /* Truncated: the last tensor runs past the end. */
  g_autoptr (GBytes) cut = g_bytes_new_from_bytes (good, 0, g_bytes_get_size (good) - 10);
  expect_vae_error (cut, "truncated");
  /* Another architecture: fc3 takes a 3-d latent. */
  g_autoptr (GbSafetensorsWriter) w = gb_safetensors_writer_new ();
  float buf[12 * 7 * 3] = { 0 };
  gb_safetensors_writer_add_f32 (w, "fc1.weight", (gint64[]) { 7, 12 }, 2, buf);
  gb_safetensors_writer_add_f32 (w, "fc1.bias", (gint64[]) { 7 }, 1, buf);
  gb_safetensors_writer_add_f32 (w, "fc21.weight", (gint64[]) { 2, 7 }, 2, buf);
  gb_safetensors_writer_add_f32 (w, "fc21.bias", (gint64[]) { 2 }, 1, buf);
  gb_safetensors_writer_add_f32 (w, "fc22.weight", (gint64[]) { 2, 7 }, 2, buf);
  gb_safetensors_writer_add_f32 (w, "fc22.bias", (gint64[]) { 2 }, 1, buf);
  gb_safetensors_writer_add_f32 (w, "fc3.weight", (gint64[]) { 7, 3 }, 2, buf);
  gb_safetensors_writer_add_f32 (w, "fc3.bias", (gint64[]) { 7 }, 1, buf);
  gb_safetensors_writer_add_f32 (w, "fc4.weight", (gint64[]) { 12, 7 }, 2, buf);
  gb_safetensors_writer_add_f32 (w, "fc4.bias", (gint64[]) { 12 }, 1, buf);
  g_autoptr (GBytes) arch = gb_safetensors_writer_to_bytes (w);
  expect_vae_error (arch, "model.safetensors: tensor “fc3.weight” has shape [7, 3], expected [7, 2]");
  /* Not a VAE at all. */
  g_autoptr (GbSafetensorsWriter) w2 = gb_safetensors_writer_new ();
  gb_safetensors_writer_add_f32 (w2, "net.0.weight", (gint64[]) { 2, 2 }, 2, buf);
  g_autoptr (GBytes) other = gb_safetensors_writer_to_bytes (w2);
  expect_vae_error (other, "no tensor “fc1.weight”");
  gb_safetensors_writer_set_metadata (w2, "kind", "diffusion");
  g_autoptr (GBytes) diff = gb_safetensors_writer_to_bytes (w2);
  expect_vae_error (diff, "holds a diffusion model, not a VAE");
  /* Found by fuzzing: finite weights that overflow (3e38 everywhere) encoded
   * every image to NaN and drew an empty plane with no word of why. */
  g_autoptr (GbVae) huge = small_vae (12, 7);
  for (gsize i = 0; i < huge->n_params; i++)
    huge->params[i] = 3e38f;
  g_autoptr (GBytes) overflow = gb_vae_to_bytes (huge);
  expect_vae_error (overflow, "the weights overflow");
  /* A text file. */
  g_autoptr (GBytes) text = g_bytes_new_static ("hello, this is not a model at all\n", 34);
  expect_vae_error (text, "not a safetensors file");
  /* Missing file. */
  g_autoptr (GError) error = NULL;
  g_autoptr (GbVae) none = gb_vae_load ("/nonexistent/model.safetensors", &error);
  g_assert_null (none);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static void
test_vae_file_save_atomic (void)
{
  /* Saving into a folder that does not exist fails cleanly and leaves nothing;
   * saving over a file replaces it whole. */
  g_autoptr (GbVae) vae = small_vae (12, 7);
  g_autoptr (GError) error = NULL;
  g_assert_false (gb_vae_save (vae, "/nonexistent/dir/vae.safetensors", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_autofree char *path = test_tmp_path ("over.safetensors");
  g_assert_true (g_file_set_contents (path, "old contents that are longer than nothing", -1, NULL));
  g_assert_true (gb_vae_save (vae, path, &error));
  g_autoptr (GbVae) back = gb_vae_load (path, &error);
  g_assert_no_error (error);
}

/* --- a folder of images --- */

/* A w × h image of one colour (rgba), saved as type ("png", "jpeg") at dir/name. */
static void
write_image (const char *dir, const char *name, int w, int h, guint32 rgba, const char *type)
{
  g_mkdir_with_parents (dir, 0755);
  g_autoptr (GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, w, h);
  gdk_pixbuf_fill (pb, rgba);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  if (g_str_equal (type, "jpeg"))
    {
      g_autoptr (GdkPixbuf) opaque = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
      gdk_pixbuf_fill (opaque, rgba);
      g_assert_true (gdk_pixbuf_save (opaque, path, "jpeg", &error, "quality", "100", NULL));
    }
  else
    g_assert_true (gdk_pixbuf_save (pb, path, type, &error, NULL));
}

static void
test_image_folder (void)
{
  /* Two classes by subfolder, any size and type: a tenth of each held out. */
  g_autofree char *root = test_tmp_path ("images");
  g_autofree char *cats = g_build_filename (root, "cats", NULL), *dogs = g_build_filename (root, "dogs", NULL);
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *a = g_strdup_printf ("c%02d.png", i), *b = g_strdup_printf ("d%02d.jpg", i);
      write_image (cats, a, 40 + i, 30, 0xffffffff, "png");                /* white */
      write_image (dogs, b, 64, 64, 0x808080ff, "jpeg");                   /* mid grey */
    }
  write_image (cats, "half.png", 28, 28, 0xffffff80, "png");              /* white, half transparent */
  g_autoptr (GError) error = NULL;
  g_assert_true (gb_image_folder_detect (root));
  g_autoptr (GbDataset) ds = gb_dataset_load (root, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "cats");
  g_assert_cmpstr (ds->class_names[1], ==, "dogs");
  g_assert_cmpstr (ds->name, ==, "images");
  g_assert_cmpint (ds->test->rows, ==, 28);
  g_assert_cmpuint (ds->test->n, ==, 4);     /* the 10th and 20th of each, in name order */
  g_assert_cmpuint (ds->train->n, ==, 37);
  g_assert_cmpuint (ds->test->labels[0], ==, 0);
  g_assert_cmpuint (ds->test->labels[3], ==, 1);
  g_assert_cmpuint (ds->test->pixels[100], ==, 255);
  g_assert_cmpint (abs ((int) ds->test->pixels[3 * 784 + 100] - 128), <=, 2);
  /* The half-transparent white one, over black: a mid grey. */
  gboolean half = FALSE;
  for (guint32 i = 0; i < ds->train->n; i++)
    half |= abs ((int) ds->train->pixels[(gsize) i * 784 + 400] - 128) <= 2 && ds->train->labels[i] == 0;
  g_assert_true (half);
  /* gb_dataset_load_split reads it too. */
  g_autoptr (GbImageSet) test = gb_dataset_load_split (root, "t10k", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (test->n, ==, 4);

  /* Its own train/ and test/ (val/ too): those are the splits, classes matched by name. */
  g_autofree char *split = test_tmp_path ("split");
  g_autofree char *tr = g_build_filename (split, "train", "b", NULL), *te = g_build_filename (split, "val", "b", NULL);
  g_autofree char *tr_a = g_build_filename (split, "train", "a", NULL);
  write_image (tr, "1.png", 28, 28, 0x000000ff, "png");
  write_image (tr_a, "1.png", 28, 28, 0x000000ff, "png");
  write_image (te, "1.png", 28, 28, 0x000000ff, "png");
  g_autoptr (GbDataset) s2 = gb_dataset_load (split, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s2->test->n, ==, 1);
  g_assert_cmpuint (s2->train->n, ==, 2);
  g_assert_cmpint (s2->n_classes, ==, 2);
  g_assert_cmpuint (s2->test->labels[0], ==, 0);   /* "b" was met first, in val/ */

  /* A flat folder: one class, named after it. */
  g_autofree char *flat = test_tmp_path ("flat");
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *n = g_strdup_printf ("%d.png", i);
      write_image (flat, n, 10, 10, 0x202020ff, "png");
    }
  g_autoptr (GbDataset) s3 = gb_dataset_load (flat, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s3->n_classes, ==, 1);
  g_assert_cmpstr (s3->class_names[0], ==, "flat");
  g_assert_cmpuint (s3->test->n, ==, 1);

  /* Bad input: an unreadable image is named; too few images for a test set; no images at all. */
  g_autofree char *bad = g_build_filename (cats, "broken.png", NULL);
  g_assert_true (g_file_set_contents (bad, "not a png", -1, NULL));
  g_autoptr (GbDataset) none = gb_dataset_load (root, TRUE, &error);
  g_assert_null (none);
  g_assert_error (error, GB_ERROR, GB_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "broken.png"));
  g_clear_error (&error);
  g_autofree char *few = test_tmp_path ("few");
  write_image (few, "only.png", 28, 28, 0x000000ff, "png");
  g_assert_null (gb_dataset_load (few, FALSE, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no images for a test set"));
  g_clear_error (&error);
  g_autofree char *empty = test_tmp_path ("empty");
  g_mkdir_with_parents (empty, 0755);
  g_assert_false (gb_image_folder_detect (empty));
  g_assert_null (gb_dataset_load (empty, FALSE, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no images"));
}

static void
test_table (void)
{
  /* CSV: a header, '.' as the decimal point in any locale, NaN empty, short columns padded,
   * every number read back exactly; JSON parses with NaN as null; .npy as NumPy reads it. */
  const double loss[3] = { 0.1, 1.0 / 3.0, NAN };
  const double sd[2] = { 1e-300, -2.5e17 };
  g_autoptr (GbTable) t = gb_table_new ("Returns, per episode");
  gb_table_add_index (t, "episode", 1, 3);
  gb_table_add_column (t, "loss", loss, 3);
  gb_table_add_column (t, "sd, \"spread\"", sd, 2);
  g_assert_cmpint (gb_table_n_columns (t), ==, 3);
  g_assert_cmpint (gb_table_n_rows (t), ==, 3);
  g_autofree char *csv = gb_table_to_csv (t);
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "episode,loss,\"sd, \"\"spread\"\"\"");
  g_assert_cmpstr (lines[1], ==, "1,0.1,1e-300");
  g_auto (GStrv) f2 = g_strsplit (lines[2], ",", -1);
  g_assert_cmpstr (f2[0], ==, "2");
  g_assert_cmpfloat (g_ascii_strtod (f2[1], NULL), ==, 1.0 / 3.0);
  g_assert_cmpfloat (g_ascii_strtod (f2[2], NULL), ==, -2.5e17);
  g_assert_cmpstr (lines[3], ==, "3,,");
  g_assert_cmpstr (lines[4], ==, "");
  g_autofree char *tsv = gb_table_to_tsv (t);
  g_assert_true (g_str_has_prefix (tsv, "episode\tloss\tsd, \"spread\"\n1\t0.1\t1e-300\n"));
  g_autofree char *json = gb_table_to_json (t);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "title"), ==, "Returns, per episode");
  JsonArray *l = json_object_get_array_member (json_object_get_object_member (root, "columns"), "loss");
  g_assert_cmpuint (json_array_get_length (l), ==, 3);
  g_assert_cmpfloat (json_array_get_double_element (l, 1), ==, 1.0 / 3.0);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (l, 2)));
  g_autofree char *n = gb_number_to_string (0.1 + 0.2);
  g_assert_cmpstr (n, ==, "0.30000000000000004");

  /* Saved by the path's ending, atomically; anything else is refused. */
  g_autofree char *path = test_tmp_path ("curve.csv");
  g_assert_true (gb_table_save (t, path, &error));
  g_autofree char *back = NULL;
  g_assert_true (g_file_get_contents (path, &back, NULL, NULL));
  g_assert_cmpstr (back, ==, csv);
  g_autofree char *txt = test_tmp_path ("curve.txt");
  g_assert_false (gb_table_save (t, txt, &error));
  g_assert_nonnull (strstr (error->message, ".csv or .json"));
  g_clear_error (&error);

  /* .npy: the header a multiple of 64 bytes, the shape, the doubles little-endian in C order. */
  const double m[6] = { 1, 2, 3, 4, 5, -0.5 };
  g_autofree char *npy = test_tmp_path ("q.npy");
  g_assert_true (gb_npy_save (npy, m, 2, 3, &error));
  g_autofree char *raw = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (npy, &raw, &len, NULL));
  g_assert_cmpmem (raw, 8, "\x93NUMPY\x01\x00", 8);
  gsize hlen = (guint8) raw[8] | ((guint8) raw[9] << 8);
  g_assert_cmpuint ((10 + hlen) % 64, ==, 0);
  g_assert_cmpuint (len, ==, 10 + hlen + 6 * 8);
  g_assert_cmpint (raw[10 + hlen - 1], ==, '\n');
  g_autofree char *header = g_strndup (raw + 10, hlen);
  g_assert_nonnull (strstr (header, "'descr': '<f8'"));
  g_assert_nonnull (strstr (header, "'shape': (2, 3)"));
  for (int i = 0; i < 6; i++)
    {
      guint64 u;
      memcpy (&u, raw + 10 + hlen + 8 * i, 8);
      union { guint64 u; double d; } x = { GUINT64_FROM_LE (u) };
      g_assert_cmpfloat (x.d, ==, m[i]);
    }
}

static void
test_lesson (void)
{
  const char *good =
    "# A teacher's lesson\n"
    "[glassbox-lesson]\nversion = 1\ntitle = Value iteration on the 4×3 world\n"
    "text = Press Step.\npage = rl\n\n[rl]\nworld = 4x3\nalgorithm = value-iteration\ngamma = 1\n"
    "hide = algorithm; compare;edit\n";
  g_assert_true (gb_lesson_sniff (good, strlen (good)));
  g_assert_false (gb_lesson_sniff ("grid:\nSG\n", 9));
  g_autoptr (GError) error = NULL;
  g_autoptr (GbLesson) l = gb_lesson_parse (good, strlen (good), "vi.lesson", "/lessons", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (l->page, ==, "rl");
  g_assert_cmpstr (l->title, ==, "Value iteration on the 4×3 world");
  g_assert_cmpuint (g_strv_length (l->hide), ==, 3);
  g_assert_cmpstr (l->hide[1], ==, "compare");
  /* An empty hide (as Save as Lesson writes it) hides nothing. */
  const char *open = "[glassbox-lesson]\nversion = 1\ntitle = t\npage = latent\n[latent]\nselect = 3\nhide =\n";
  g_autoptr (GbLesson) none = gb_lesson_parse (open, strlen (open), "open.lesson", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (none->hide), ==, 0);
  g_autofree char *map = gb_lesson_path (l, "maze.map");
  g_assert_cmpstr (map, ==, "/lessons/maze.map");

  /* A lesson speaks the reader's language where it has it (title[de], text[de]), else its own. */
  const char *both = "[glassbox-lesson]\nversion = 1\ntitle = Value iteration\ntitle[de] = Wertiteration\n"
                     "text = Press Step.\ntext[de] = Schritt drücken.\npage = rl\n[rl]\nworld = 4x3\n";
  g_autofree char *language = g_strdup (g_getenv ("LANGUAGE"));
  g_setenv ("LANGUAGE", "de", TRUE);
  g_autoptr (GbLesson) de = gb_lesson_parse (both, strlen (both), "de.lesson", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (de->title, ==, "Wertiteration");
  g_assert_cmpstr (de->text, ==, "Schritt drücken.");
  g_setenv ("LANGUAGE", "fr", TRUE);
  g_autoptr (GbLesson) fr = gb_lesson_parse (both, strlen (both), "fr.lesson", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fr->title, ==, "Value iteration");
  if (language != NULL)
    g_setenv ("LANGUAGE", language, TRUE);
  else
    g_unsetenv ("LANGUAGE");

  /* Bad lessons are named and say what is wrong. */
  const struct { const char *text; const char *message; } cases[] = {
    { "[glassbox-lesson]\nversion = 2\ntitle = x\npage = rl\n", "needs a [glassbox-lesson] group with version = 1" },
    { "[glassbox-lesson]\nversion = 1\npage = rl\n", "has no title" },
    { "[glassbox-lesson]\nversion = 1\ntitle = x\npage = gan\n", "“page” is latent, rl or diffusion, not “gan”" },
    { "[glassbox-lesson]\nversion = 1\ntitle = x\npage = rl\n[rl]\nwrold = cliff\n", "unknown key “wrold” in [rl]" },
    { "[glassbox-lesson]\nversion = 1\ntitle = x\npage = rl\n[rl]\nhide = step;teleport\n",
      "there is no control “teleport” to hide on the rl page" },
    { "not a key file at all\n\x01", "bad.lesson: not a lesson" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_clear_error (&error);
      g_autoptr (GbLesson) bad = gb_lesson_parse (cases[i].text, strlen (cases[i].text), "bad.lesson", NULL, &error);
      g_assert_null (bad);
      if (error == NULL || strstr (error->message, cases[i].message) == NULL)
        g_error ("case %zu: expected “%s” in “%s”", i, cases[i].message, error ? error->message : "(no error)");
    }

  /* Every shipped lesson parses, for the page it names. */
  g_autofree char *dir = g_test_build_filename (G_TEST_DIST, "..", "resources", "lessons", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  int shipped = 0;
  for (const char *name; (name = g_dir_read_name (d)) != NULL;)
    {
      if (!g_str_has_suffix (name, ".lesson"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_clear_error (&error);
      g_autoptr (GbLesson) s = gb_lesson_load (path, &error);
      if (s == NULL)
        g_error ("%s: %s", name, error->message);
      shipped++;
    }
  g_assert_cmpint (shipped, ==, 5);
  g_clear_error (&error);

  /* Saved and read back: the header, the page's keys and a comment listing what can be hidden. */
  g_autoptr (GKeyFile) kf = gb_lesson_new_key_file ("Forward diffusion", "Scrub t.", "diffusion");
  g_key_file_set_string (kf, "diffusion", "domain", "moons");
  g_key_file_set_integer (kf, "diffusion", "t", 250);
  g_autofree char *path = test_tmp_path ("forward.lesson");
  g_clear_error (&error);
  g_assert_true (gb_lesson_save (kf, path, &error));
  g_autoptr (GbLesson) back = gb_lesson_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->page, ==, "diffusion");
  g_assert_cmpint (g_key_file_get_integer (back->kf, "diffusion", "t", NULL), ==, 250);
  g_autofree char *saved = NULL;
  g_assert_true (g_file_get_contents (path, &saved, NULL, NULL));
  g_assert_nonnull (strstr (saved, "domain;training;sampler"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/idx/good", test_idx_good);
  g_test_add_func ("/core/table/csv-json-npy", test_table);
  g_test_add_func ("/core/lesson", test_lesson);
  g_test_add_func ("/core/idx/bad", test_idx_bad);
  g_test_add_func ("/core/dataset/folder", test_dataset_folder);
  g_test_add_func ("/core/dataset/fashion-mnist", test_dataset_fashion_mnist);
  g_test_add_func ("/core/safetensors/roundtrip", test_safetensors_roundtrip);
  g_test_add_func ("/core/safetensors/bad", test_safetensors_bad);
  g_test_add_func ("/core/vae-file/roundtrip", test_vae_file_roundtrip);
  g_test_add_func ("/core/vae-file/torch-fixture", test_vae_file_torch_fixture);
  g_test_add_func ("/core/dataset/image-folder", test_image_folder);
  g_test_add_func ("/core/vae-file/torch-fixture-20d", test_vae_file_torch_fixture_20d);
  g_test_add_func ("/core/vae-file/bad", test_vae_file_bad);
  g_test_add_func ("/core/vae-file/save-atomic", test_vae_file_save_atomic);
  return g_test_run ();
}
