/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-safetensors.c — a checked safetensors reader and a deterministic writer. */
#include "gb-safetensors.h"
#include <glib/gi18n.h>

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-file.h"

typedef enum { DT_F32, DT_F64, DT_F16, DT_BF16, DT_OTHER } Dtype;

typedef struct {
  char *name;
  Dtype dtype;
  int rank;
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  guint64 begin, end;
} Tensor;

struct _GbSafetensors {
  char *name;
  GBytes *bytes;
  const guint8 *data;   /* start of the data section */
  gsize data_len;
  GPtrArray *tensors;   /* of Tensor *, in file order */
  GHashTable *by_name;  /* name → Tensor * */
  GHashTable *metadata; /* key → value */
  char **names;         /* NULL-terminated, for gb_safetensors_list */
};

static void
tensor_free (Tensor *t)
{
  g_free (t->name);
  g_free (t);
}

void
gb_safetensors_free (GbSafetensors *st)
{
  if (st == NULL)
    return;
  g_free (st->name);
  g_clear_pointer (&st->bytes, g_bytes_unref);
  g_clear_pointer (&st->tensors, g_ptr_array_unref);
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_free (st->names);
  g_free (st);
}

static int
dtype_size (Dtype d)
{
  switch (d)
    {
    case DT_F32: return 4;
    case DT_F64: return 8;
    case DT_F16: return 2;
    case DT_BF16: return 2;
    default: return 0;
    }
}

static Dtype
parse_dtype (const char *s, int *size)
{
  static const struct { const char *name; int size; } others[] = {
    { "I8", 1 }, { "U8", 1 }, { "BOOL", 1 }, { "I16", 2 }, { "U16", 2 }, { "I32", 4 },
    { "U32", 4 }, { "I64", 8 }, { "U64", 8 }, { "F8_E4M3", 1 }, { "F8_E5M2", 1 },
  };
  Dtype d = g_str_equal (s, "F32") ? DT_F32 : g_str_equal (s, "F64") ? DT_F64
          : g_str_equal (s, "F16") ? DT_F16 : g_str_equal (s, "BF16") ? DT_BF16 : DT_OTHER;
  *size = dtype_size (d);
  for (gsize i = 0; d == DT_OTHER && i < G_N_ELEMENTS (others); i++)
    if (g_str_equal (s, others[i].name))
      *size = others[i].size;
  return d;
}

/* A JSON number that is a whole number ≥ 0. */
static gboolean
json_uint (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  gint64 v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gint
compare_begin (gconstpointer a, gconstpointer b)
{
  const Tensor *ta = *(Tensor *const *) a, *tb = *(Tensor *const *) b;
  return ta->begin < tb->begin ? -1 : ta->begin > tb->begin;
}

static gboolean
parse_tensor (GbSafetensors *st, const char *name, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: header entry “%s” is not an object"), st->name, name);
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  JsonNode *dt = json_object_get_member (o, "dtype");
  JsonNode *sh = json_object_get_member (o, "shape");
  JsonNode *off = json_object_get_member (o, "data_offsets");
  if (dt == NULL || json_node_get_value_type (dt) != G_TYPE_STRING
      || sh == NULL || !JSON_NODE_HOLDS_ARRAY (sh) || off == NULL || !JSON_NODE_HOLDS_ARRAY (off))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: tensor “%s” lacks a dtype, shape or data_offsets"), st->name, name);
      return FALSE;
    }
  g_autofree Tensor *t = g_new0 (Tensor, 1);
  int size = 0;
  t->dtype = parse_dtype (json_node_get_string (dt), &size);
  if (size == 0)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: tensor “%s” has unknown dtype “%s”"),
                   st->name, name, json_node_get_string (dt));
      return FALSE;
    }
  JsonArray *sa = json_node_get_array (sh);
  guint rank = json_array_get_length (sa);
  if (rank > GB_SAFETENSORS_MAX_RANK)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: tensor “%s” has rank %u, at most %d is supported"),
                   st->name, name, rank, GB_SAFETENSORS_MAX_RANK);
      return FALSE;
    }
  t->rank = (int) rank;
  guint64 count = 1;
  for (guint i = 0; i < rank; i++)
    {
      guint64 d;
      if (!json_uint (json_array_get_element (sa, i), &d) || d > G_MAXINT32)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: tensor “%s” has a bad shape"),
                       st->name, name);
          return FALSE;
        }
      t->shape[i] = (gint64) d;
      count *= d;
      if (count > st->data_len)
        break; /* caught by the size check below; avoids overflow */
    }
  JsonArray *oa = json_node_get_array (off);
  if (json_array_get_length (oa) != 2 || !json_uint (json_array_get_element (oa, 0), &t->begin)
      || !json_uint (json_array_get_element (oa, 1), &t->end) || t->begin > t->end)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: tensor “%s” has bad data_offsets"),
                   st->name, name);
      return FALSE;
    }
  if (t->end > st->data_len)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   "%s: tensor “%s” ends at byte %" G_GUINT64_FORMAT
                   " of the data but the file holds %zu (truncated?)",
                   st->name, name, t->end, st->data_len);
      return FALSE;
    }
  if (count > st->data_len || count * (guint64) size != t->end - t->begin)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   "%s: tensor “%s” spans %" G_GUINT64_FORMAT " bytes, its shape and dtype need %"
                   G_GUINT64_FORMAT, st->name, name, t->end - t->begin, count * (guint64) size);
      return FALSE;
    }
  t->name = g_strdup (name);
  g_hash_table_insert (st->by_name, t->name, t);
  g_ptr_array_add (st->tensors, g_steal_pointer (&t));
  return TRUE;
}

GbSafetensors *
gb_safetensors_new_from_bytes (GBytes *bytes, const char *name, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  gsize len = 0;
  const guint8 *raw = g_bytes_get_data (bytes, &len);
  g_autoptr (GbSafetensors) st = g_new0 (GbSafetensors, 1);
  st->name = g_strdup (name ? name : "model");
  st->bytes = g_bytes_ref (bytes);
  st->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) tensor_free);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (len < 8)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   _("%s: %zu bytes is too short to be a safetensors file"), st->name, len);
      return NULL;
    }
  guint64 n;
  memcpy (&n, raw, 8);
  n = GUINT64_FROM_LE (n);
  if (n > GB_SAFETENSORS_MAX_HEADER || n > len - 8 || n < 2)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT,
                   "%s: not a safetensors file (header length %" G_GUINT64_FORMAT
                   " in a file of %zu bytes)", st->name, n, len);
      return NULL;
    }
  st->data = raw + 8 + n;
  st->data_len = len - 8 - n;

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) jerr = NULL;
  if (raw[8] != '{' || !json_parser_load_from_data (parser, (const char *) raw + 8, (gssize) n, &jerr))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: not a safetensors file (header is not JSON%s%s)"),
                   st->name, jerr ? ": " : "", jerr ? jerr->message : "");
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: safetensors header is not a JSON object"),
                   st->name);
      return NULL;
    }
  JsonObject *obj = json_node_get_object (root);
  g_autoptr (GList) members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (obj, key);
      if (g_str_equal (key, "__metadata__"))
        {
          if (!JSON_NODE_HOLDS_OBJECT (node))
            {
              g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: __metadata__ is not an object"),
                           st->name);
              return NULL;
            }
          JsonObject *mo = json_node_get_object (node);
          g_autoptr (GList) mk = json_object_get_members (mo);
          for (GList *m = mk; m != NULL; m = m->next)
            {
              JsonNode *v = json_object_get_member (mo, m->data);
              if (JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
                g_hash_table_insert (st->metadata, g_strdup (m->data), g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (!parse_tensor (st, key, node, error))
        return NULL;
    }

  /* Tensors may not overlap. */
  g_autoptr (GPtrArray) sorted = g_ptr_array_sized_new (st->tensors->len);
  for (guint i = 0; i < st->tensors->len; i++)
    g_ptr_array_add (sorted, st->tensors->pdata[i]);
  g_ptr_array_sort (sorted, compare_begin);
  for (guint i = 1; i < sorted->len; i++)
    {
      const Tensor *a = sorted->pdata[i - 1], *b = sorted->pdata[i];
      if (b->begin < a->end && b->begin != b->end && a->begin != a->end)
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: tensors “%s” and “%s” overlap"),
                       st->name, a->name, b->name);
          return NULL;
        }
    }
  st->names = g_new0 (char *, st->tensors->len + 1);
  for (guint i = 0; i < st->tensors->len; i++)
    st->names[i] = ((Tensor *) st->tensors->pdata[i])->name;
  return g_steal_pointer (&st);
}

GbSafetensors *
gb_safetensors_load (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return NULL;
  g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (mapped);
  g_autofree char *base = g_path_get_basename (path);
  return gb_safetensors_new_from_bytes (bytes, base, error);
}

const char *
gb_safetensors_get_name (const GbSafetensors *st)
{
  return st->name;
}

gboolean
gb_safetensors_has (const GbSafetensors *st, const char *tensor)
{
  return g_hash_table_contains (st->by_name, tensor);
}

const char *const *
gb_safetensors_list (const GbSafetensors *st)
{
  return (const char *const *) st->names;
}

int
gb_safetensors_shape (const GbSafetensors *st, const char *tensor, gint64 shape[GB_SAFETENSORS_MAX_RANK])
{
  const Tensor *t = g_hash_table_lookup (st->by_name, tensor);
  if (t == NULL)
    return -1;
  memcpy (shape, t->shape, sizeof t->shape);
  return t->rank;
}

const char *
gb_safetensors_get_metadata (const GbSafetensors *st, const char *key)
{
  return g_hash_table_lookup (st->metadata, key);
}

static char *
shape_string (const gint64 *shape, int rank)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < rank; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? ", " : "", shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float f;
  if (exp == 0)
    f = ldexpf ((float) mant, -24);
  else if (exp == 31)
    f = mant ? NAN : INFINITY;
  else
    f = ldexpf ((float) (mant | 0x400), (int) exp - 25);
  return sign ? -f : f;
}

gboolean
gb_safetensors_read_f32 (const GbSafetensors *st, const char *tensor, const gint64 *shape,
                         int rank, float *out, GError **error)
{
  const Tensor *t = g_hash_table_lookup (st->by_name, tensor);
  if (t == NULL)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_NOT_FOUND, _("%s: no tensor “%s”"), st->name, tensor);
      return FALSE;
    }
  gboolean same = t->rank == rank;
  for (int i = 0; same && i < rank; i++)
    same = t->shape[i] == shape[i];
  if (!same)
    {
      g_autofree char *got = shape_string (t->shape, t->rank);
      g_autofree char *want = shape_string (shape, rank);
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE, _("%s: tensor “%s” has shape %s, expected %s"),
                   st->name, tensor, got, want);
      return FALSE;
    }
  if (t->dtype == DT_OTHER)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_SHAPE,
                   _("%s: tensor “%s” is not floating point (F32, F64, F16 or BF16)"), st->name, tensor);
      return FALSE;
    }
  const guint8 *p = st->data + t->begin;
  gsize n = (t->end - t->begin) / dtype_size (t->dtype);
  for (gsize i = 0; i < n; i++)
    {
      switch (t->dtype)
        {
        case DT_F32:
          {
            guint32 u;
            memcpy (&u, p + 4 * i, 4);
            u = GUINT32_FROM_LE (u);
            memcpy (&out[i], &u, 4);
            break;
          }
        case DT_F64:
          {
            guint64 u;
            double d;
            memcpy (&u, p + 8 * i, 8);
            u = GUINT64_FROM_LE (u);
            memcpy (&d, &u, 8);
            out[i] = (float) d;
            break;
          }
        case DT_F16:
          {
            guint16 u;
            memcpy (&u, p + 2 * i, 2);
            out[i] = half_to_float (GUINT16_FROM_LE (u));
            break;
          }
        case DT_BF16:
          {
            guint16 u;
            memcpy (&u, p + 2 * i, 2);
            guint32 w = (guint32) GUINT16_FROM_LE (u) << 16;
            memcpy (&out[i], &w, 4);
            break;
          }
        default:
          g_assert_not_reached ();
        }
      if (!isfinite (out[i]))
        {
          g_set_error (error, GB_ERROR, GB_ERROR_CORRUPT, _("%s: tensor “%s” holds %s at element %zu"),
                       st->name, tensor, isnan (out[i]) ? "NaN" : "an infinity", i);
          return FALSE;
        }
    }
  return TRUE;
}

/* --- writer --- */

typedef struct {
  char *name;
  int rank;
  gint64 shape[GB_SAFETENSORS_MAX_RANK];
  float *data;
  gsize n;
} WTensor;

struct _GbSafetensorsWriter {
  GPtrArray *tensors;   /* of WTensor * */
  GHashTable *metadata; /* key → value */
};

static void
wtensor_free (WTensor *t)
{
  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

GbSafetensorsWriter *
gb_safetensors_writer_new (void)
{
  GbSafetensorsWriter *w = g_new0 (GbSafetensorsWriter, 1);
  w->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) wtensor_free);
  w->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return w;
}

void
gb_safetensors_writer_free (GbSafetensorsWriter *w)
{
  if (w == NULL)
    return;
  g_ptr_array_unref (w->tensors);
  g_hash_table_unref (w->metadata);
  g_free (w);
}

void
gb_safetensors_writer_add_f32 (GbSafetensorsWriter *w, const char *name, const gint64 *shape,
                               int rank, const float *data)
{
  g_return_if_fail (rank >= 0 && rank <= GB_SAFETENSORS_MAX_RANK);
  WTensor *t = g_new0 (WTensor, 1);
  t->name = g_strdup (name);
  t->rank = rank;
  t->n = 1;
  for (int i = 0; i < rank; i++)
    {
      t->shape[i] = shape[i];
      t->n *= (gsize) shape[i];
    }
  t->data = g_new (float, MAX (t->n, 1));
  memcpy (t->data, data, t->n * sizeof (float));
  g_ptr_array_add (w->tensors, t);
}

void
gb_safetensors_writer_set_metadata (GbSafetensorsWriter *w, const char *key, const char *value)
{
  g_hash_table_insert (w->metadata, g_strdup (key), g_strdup (value));
}

static gint
compare_key (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gint
compare_wname (gconstpointer a, gconstpointer b)
{
  return strcmp ((*(WTensor *const *) a)->name, (*(WTensor *const *) b)->name);
}

GBytes *
gb_safetensors_writer_to_bytes (GbSafetensorsWriter *w)
{
  /* Tensors in name order and sorted metadata keys: the same model gives the
   * same bytes. */
  g_ptr_array_sort (w->tensors, compare_wname);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (g_hash_table_size (w->metadata) > 0)
    {
      json_builder_set_member_name (b, "__metadata__");
      json_builder_begin_object (b);
      g_autofree const char **keys = (const char **) g_hash_table_get_keys_as_array (w->metadata, NULL);
      g_qsort_with_data (keys, g_hash_table_size (w->metadata), sizeof (char *),
                         compare_key, NULL);
      for (guint i = 0; keys[i] != NULL; i++)
        {
          json_builder_set_member_name (b, keys[i]);
          json_builder_add_string_value (b, g_hash_table_lookup (w->metadata, keys[i]));
        }
      json_builder_end_object (b);
    }
  guint64 offset = 0;
  for (guint i = 0; i < w->tensors->len; i++)
    {
      WTensor *t = w->tensors->pdata[i];
      json_builder_set_member_name (b, t->name);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "F32");
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int k = 0; k < t->rank; k++)
        json_builder_add_int_value (b, t->shape[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "data_offsets");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) offset);
      offset += t->n * sizeof (float);
      json_builder_add_int_value (b, (gint64) offset);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  gsize hlen = 0;
  g_autofree char *header = json_generator_to_data (gen, &hlen);
  /* Pad the header with spaces so the data starts 8-byte aligned. */
  gsize padded = (hlen + 7) & ~(gsize) 7;
  GByteArray *out = g_byte_array_sized_new (8 + padded + offset);
  guint64 le = GUINT64_TO_LE ((guint64) padded);
  g_byte_array_append (out, (const guint8 *) &le, 8);
  g_byte_array_append (out, (const guint8 *) header, hlen);
  for (gsize i = hlen; i < padded; i++)
    g_byte_array_append (out, (const guint8 *) " ", 1);
  for (guint i = 0; i < w->tensors->len; i++)
    {
      WTensor *t = w->tensors->pdata[i];
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      g_byte_array_append (out, (const guint8 *) t->data, (guint) (t->n * sizeof (float)));
#else
      for (gsize k = 0; k < t->n; k++)
        {
          guint32 u;
          memcpy (&u, &t->data[k], 4);
          u = GUINT32_TO_LE (u);
          g_byte_array_append (out, (const guint8 *) &u, 4);
        }
#endif
    }
  return g_byte_array_free_to_bytes (out);
}

gboolean
gb_safetensors_writer_save (GbSafetensorsWriter *w, const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = gb_safetensors_writer_to_bytes (w);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  return gb_file_save (path, data, len, error);   /* a temporary file renamed over path */
}
