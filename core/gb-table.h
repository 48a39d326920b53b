/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-table.h — the numbers behind a view, for a spreadsheet, a notebook or a report.
 *
 * A GbTable is named columns of doubles (a plot's x and its curves, a cell's
 * V and Q, a point's z and ELBO terms). It is written as CSV (a header row,
 * one row per entry, '.' as the decimal point whatever the locale, NaN as an
 * empty field) or as JSON ({"title": …, "columns": {"name": [ … ]}}, NaN as
 * null), each number in the fewest digits that read back to the same double.
 * Columns may differ in length: the short ones end in empty fields.
 *
 * gb_npy_save writes a matrix as NumPy's .npy (format 1.0, little-endian
 * float64, C order), for np.load. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GbTable GbTable;

GbTable    *gb_table_new        (const char *title);
void        gb_table_free       (GbTable *table);
/* Adds a column: a copy of v[0 … n). */
void        gb_table_add_column (GbTable *table, const char *name, const double *v, int n);
/* The same from floats, or from ints. */
void        gb_table_add_floats (GbTable *table, const char *name, const float *v, int n);
void        gb_table_add_index  (GbTable *table, const char *name, int first, int n);
int         gb_table_n_columns  (const GbTable *table);
int         gb_table_n_rows     (const GbTable *table);
const char *gb_table_title      (const GbTable *table);
char       *gb_table_to_csv     (const GbTable *table);
/* Tab-separated, as a spreadsheet takes from the clipboard. */
char       *gb_table_to_tsv     (const GbTable *table);
char       *gb_table_to_json    (const GbTable *table);
/* Writes .csv or .json (by the path's ending; anything else is an error), atomically. */
gboolean    gb_table_save       (const GbTable *table, const char *path, GError **error);

/* A double as the fewest digits that read back to it ("nan" → ""). */
char       *gb_number_to_string (double v);

gboolean    gb_npy_save         (const char *path, const double *m, int rows, int cols, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbTable, gb_table_free)

G_END_DECLS
