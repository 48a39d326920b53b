/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-table.c — CSV, JSON and .npy out (gb-table.h). */
#include "gb-table.h"
#include <glib/gi18n.h>

#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-file.h"

typedef struct {
  char *name;
  GArray *v;   /* of double */
  gboolean single;   /* from floats: written in the fewest digits that read back to the float */
} Column;

struct _GbTable {
  char *title;
  GPtrArray *columns;   /* of Column* */
};

static void
column_free (gpointer p)
{
  Column *c = p;
  g_free (c->name);
  g_array_unref (c->v);
  g_free (c);
}

GbTable *
gb_table_new (const char *title)
{
  GbTable *t = g_new0 (GbTable, 1);
  t->title = g_strdup (title ? title : "");
  t->columns = g_ptr_array_new_with_free_func (column_free);
  return t;
}

void
gb_table_free (GbTable *table)
{
  if (table == NULL)
    return;
  g_free (table->title);
  g_ptr_array_unref (table->columns);
  g_free (table);
}

static GArray *
column_add (GbTable *table, const char *name, int n)
{
  g_return_val_if_fail (table != NULL && name != NULL && n >= 0, NULL);
  Column *c = g_new0 (Column, 1);
  c->name = g_strdup (name);
  c->v = g_array_sized_new (FALSE, FALSE, sizeof (double), (guint) n);
  g_ptr_array_add (table->columns, c);
  return c->v;
}

void
gb_table_add_column (GbTable *table, const char *name, const double *v, int n)
{
  GArray *a = column_add (table, name, n);
  if (a != NULL && n > 0)
    g_array_append_vals (a, v, (guint) n);
}

void
gb_table_add_floats (GbTable *table, const char *name, const float *v, int n)
{
  GArray *a = column_add (table, name, n);
  if (a != NULL)
    ((Column *) g_ptr_array_index (table->columns, table->columns->len - 1))->single = TRUE;
  for (int i = 0; a != NULL && i < n; i++)
    {
      double x = v[i];
      g_array_append_val (a, x);
    }
}

void
gb_table_add_index (GbTable *table, const char *name, int first, int n)
{
  GArray *a = column_add (table, name, n);
  for (int i = 0; a != NULL && i < n; i++)
    {
      double x = first + i;
      g_array_append_val (a, x);
    }
}

int
gb_table_n_columns (const GbTable *table)
{
  return (int) table->columns->len;
}

int
gb_table_n_rows (const GbTable *table)
{
  guint n = 0;
  for (guint j = 0; j < table->columns->len; j++)
    n = MAX (n, ((Column *) table->columns->pdata[j])->v->len);
  return (int) n;
}

const char *
gb_table_title (const GbTable *table)
{
  return table->title;
}

static char *
number_to_string (double v, gboolean single)
{
  if (isnan (v))
    return g_strdup ("");
  if (isinf (v))
    return g_strdup (v > 0 ? "inf" : "-inf");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* The fewest significant digits that read back to v… */
  int digits = 1;
  for (; digits < 17; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%de", digits - 1);
      g_ascii_formatd (buf, sizeof buf, fmt, v);
      double back = g_ascii_strtod (buf, NULL);
      if (single ? (float) back == (float) v : back == v)
        break;
    }
  /* …written as Python's repr writes them: plain between 1e-4 and 1e16, else with an exponent. */
  int exponent = v == 0 ? 0 : (int) g_ascii_strtoll (strchr (buf, 'e') + 1, NULL, 10);
  if (exponent >= -4 && exponent < 16)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%df", MAX (0, digits - 1 - exponent));
      g_ascii_formatd (buf, sizeof buf, fmt, v);
    }
  return g_strdup (buf);
}

char *
gb_number_to_string (double v)
{
  return number_to_string (v, FALSE);
}

/* A CSV field: quoted when it holds the separator, a quote or a line break. */
static void
append_field (GString *s, const char *text, char sep)
{
  if (sep == ',' && strpbrk (text, ",\"\n\r") != NULL)
    {
      g_string_append_c (s, '"');
      for (const char *p = text; *p; p++)
        {
          if (*p == '"')
            g_string_append_c (s, '"');
          g_string_append_c (s, *p);
        }
      g_string_append_c (s, '"');
    }
  else if (sep == '\t')
    {
      for (const char *p = text; *p; p++)
        g_string_append_c (s, *p == '\t' || *p == '\n' ? ' ' : *p);
    }
  else
    g_string_append (s, text);
}

static char *
to_separated (const GbTable *table, char sep)
{
  GString *s = g_string_new (NULL);
  guint nc = table->columns->len;
  for (guint j = 0; j < nc; j++)
    {
      if (j > 0)
        g_string_append_c (s, sep);
      append_field (s, ((Column *) table->columns->pdata[j])->name, sep);
    }
  g_string_append_c (s, '\n');
  int rows = gb_table_n_rows (table);
  for (int i = 0; i < rows; i++)
    {
      for (guint j = 0; j < nc; j++)
        {
          if (j > 0)
            g_string_append_c (s, sep);
          const Column *c = table->columns->pdata[j];
          if ((guint) i < c->v->len)
            {
              g_autofree char *num = number_to_string (g_array_index (c->v, double, i), c->single);
              g_string_append (s, num);
            }
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

char *
gb_table_to_csv (const GbTable *table)
{
  return to_separated (table, ',');
}

char *
gb_table_to_tsv (const GbTable *table)
{
  return to_separated (table, '\t');
}

static void
append_json_string (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const unsigned char *p = (const unsigned char *) text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (s, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (s, "\\u%04x", *p);
      else
        g_string_append_c (s, (char) *p);
    }
  g_string_append_c (s, '"');
}

char *
gb_table_to_json (const GbTable *table)
{
  GString *s = g_string_new ("{\n  \"title\": ");
  append_json_string (s, table->title);
  g_string_append (s, ",\n  \"columns\": {");
  for (guint j = 0; j < table->columns->len; j++)
    {
      Column *c = table->columns->pdata[j];
      g_string_append (s, j ? ",\n    " : "\n    ");
      append_json_string (s, c->name);
      g_string_append (s, ": [");
      for (guint i = 0; i < c->v->len; i++)
        {
          double x = g_array_index (c->v, double, i);
          if (i)
            g_string_append (s, ", ");
          if (!isfinite (x))
            g_string_append (s, "null");   /* JSON has no NaN or infinity */
          else
            {
              g_autofree char *num = number_to_string (x, c->single);
              g_string_append (s, num);
            }
        }
      g_string_append_c (s, ']');
    }
  g_string_append (s, "\n  }\n}\n");
  return g_string_free (s, FALSE);
}

gboolean
gb_table_save (const GbTable *table, const char *path, GError **error)
{
  g_return_val_if_fail (table != NULL && path != NULL, FALSE);
  g_autofree char *lower = g_ascii_strdown (path, -1);
  g_autofree char *text = NULL;
  if (g_str_has_suffix (lower, ".csv"))
    text = gb_table_to_csv (table);
  else if (g_str_has_suffix (lower, ".json"))
    text = gb_table_to_json (table);
  else
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, _("%s: the numbers are written as .csv or .json"), path);
      return FALSE;
    }
  return gb_file_save (path, text, strlen (text), error);
}

gboolean
gb_npy_save (const char *path, const double *m, int rows, int cols, GError **error)
{
  g_return_val_if_fail (path != NULL && rows >= 0 && cols >= 0, FALSE);
  g_autofree char *dict = g_strdup_printf ("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols);
  /* magic (6) + version (2) + length (2) + the dictionary padded with spaces to
   * a multiple of 64 bytes, ending in a line break. */
  gsize head = 10 + strlen (dict) + 1;
  gsize pad = (64 - head % 64) % 64;
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) "\x93NUMPY\x01\x00", 8);
  guint16 hlen = GUINT16_TO_LE ((guint16) (strlen (dict) + pad + 1));
  g_byte_array_append (b, (const guint8 *) &hlen, 2);
  g_byte_array_append (b, (const guint8 *) dict, (guint) strlen (dict));
  for (gsize i = 0; i < pad; i++)
    g_byte_array_append (b, (const guint8 *) " ", 1);
  g_byte_array_append (b, (const guint8 *) "\n", 1);
  for (gsize i = 0; i < (gsize) rows * cols; i++)
    {
      union { double d; guint64 u; } x = { m[i] };
      guint64 le = GUINT64_TO_LE (x.u);
      g_byte_array_append (b, (const guint8 *) &le, 8);
    }
  gboolean ok = gb_file_save (path, b->data, b->len, error);
  g_byte_array_unref (b);
  return ok;
}
