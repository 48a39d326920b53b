/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-safetensors.h — reading and writing safetensors files.
 *
 * The format (used by PyTorch and Hugging Face): an 8-byte little-endian
 * header length N, N bytes of JSON
 *   { "name": { "dtype": "F32", "shape": [512, 784], "data_offsets": [b, e] }, …,
 *     "__metadata__": { "key": "value", … } }
 * and then the raw little-endian tensor data, offsets relative to its start.
 * Every offset, shape and size is checked before anything is read.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GB_SAFETENSORS_MAX_RANK 8
#define GB_SAFETENSORS_MAX_HEADER (100 << 20)

typedef struct _GbSafetensors GbSafetensors;

GbSafetensors *gb_safetensors_load       (const char *path, GError **error);
/* `name` is the file name to use in messages. */
GbSafetensors *gb_safetensors_new_from_bytes (GBytes *bytes, const char *name, GError **error);
void           gb_safetensors_free       (GbSafetensors *st);

const char    *gb_safetensors_get_name   (const GbSafetensors *st);
gboolean       gb_safetensors_has        (const GbSafetensors *st, const char *tensor);
/* Tensor names in file order, NULL-terminated; owned by st. */
const char *const *gb_safetensors_list   (const GbSafetensors *st);
/* Shape of a tensor: returns its rank, or −1 if there is no such tensor. */
int            gb_safetensors_shape      (const GbSafetensors *st, const char *tensor,
                                          gint64 shape[GB_SAFETENSORS_MAX_RANK]);
/* Copies a tensor into out as float32, converting from F32, F64, F16 or BF16,
 * after checking that its shape is exactly `shape` (rank). */
gboolean       gb_safetensors_read_f32   (const GbSafetensors *st, const char *tensor,
                                          const gint64 *shape, int rank, float *out,
                                          GError **error);
/* A metadata value, or NULL. */
const char    *gb_safetensors_get_metadata (const GbSafetensors *st, const char *key);

typedef struct _GbSafetensorsWriter GbSafetensorsWriter;

GbSafetensorsWriter *gb_safetensors_writer_new  (void);
void                 gb_safetensors_writer_free (GbSafetensorsWriter *w);
/* Adds a float32 tensor; data (Π shape) is copied. */
void     gb_safetensors_writer_add_f32      (GbSafetensorsWriter *w, const char *name,
                                             const gint64 *shape, int rank, const float *data);
void     gb_safetensors_writer_set_metadata (GbSafetensorsWriter *w, const char *key,
                                             const char *value);
GBytes  *gb_safetensors_writer_to_bytes     (GbSafetensorsWriter *w);
/* Writes atomically (to a temporary file that is then renamed). */
gboolean gb_safetensors_writer_save         (GbSafetensorsWriter *w, const char *path,
                                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbSafetensors, gb_safetensors_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbSafetensorsWriter, gb_safetensors_writer_free)

G_END_DECLS
