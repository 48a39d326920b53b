/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-idx.c — IDX image and label files, plain or gzipped, read as
 * images (rank 3) and as labels (rank 1). */
#include "fuzz-common.h"

#include "gb-dataset.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* A copy of exactly size bytes, so ASan sees any read past the end. */
  g_autofree guint8 *copy = g_memdup2 (data, size);
  for (int rank = 1; rank <= 3; rank += 2)
    {
      guint32 dims[3];
      g_autoptr (GError) error = NULL;
      g_autofree guint8 *out = gb_idx_parse (copy, size, "fuzz-idx", rank, dims, &error);
      FUZZ_CHECK_RESULT (out, error);
      if (out != NULL)
        {
          guint64 n = 1;
          for (int i = 0; i < rank; i++)
            n *= dims[i];
          /* The whole of what it promised is there (ASan checks the copy). */
          g_free (g_memdup2 (out, n > 0 ? n : 1));
        }
    }
  return 0;
}
