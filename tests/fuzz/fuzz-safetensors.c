/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-safetensors.c — the safetensors reader: header, shapes, offsets, every
 * tensor read back as float32 in its own shape, and the metadata. */
#include "fuzz-common.h"

#include "gb-safetensors.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GbSafetensors) st = gb_safetensors_new_from_bytes (bytes, "fuzz.safetensors", &error);
  FUZZ_CHECK_RESULT (st, error);
  if (st == NULL)
    return 0;
  gb_safetensors_get_metadata (st, "kind");
  for (const char *const *name = gb_safetensors_list (st); *name != NULL; name++)
    {
      gint64 shape[GB_SAFETENSORS_MAX_RANK];
      int rank = gb_safetensors_shape (st, *name, shape);
      if (rank < 0)
        abort ();   /* listed, so it must be there */
      guint64 n = 1;
      for (int i = 0; i < rank; i++)
        n *= (guint64) shape[i];
      g_autofree float *out = g_malloc_n (MAX (n, 1), sizeof (float));
      g_autoptr (GError) read_error = NULL;
      gb_safetensors_read_f32 (st, *name, shape, rank, out, &read_error);
      /* A shape that is not the tensor's is refused with a message. */
      gint64 wrong[1] = { (gint64) n + 1 };
      g_autoptr (GError) shape_error = NULL;
      float one[1];
      if (n == 0 && gb_safetensors_read_f32 (st, *name, wrong, 1, one, &shape_error))
        abort ();
    }
  return 0;
}
