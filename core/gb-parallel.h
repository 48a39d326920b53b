/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-parallel.h — splitting a kernel across the two cores this project targets.
 *
 * gb_parallel_pair (fn, a, b) runs fn (a) on a helper thread (one, kept for
 * the life of the process) and fn (b) on the caller, and returns when both
 * are done. It is for element-wise passes that OpenBLAS does not cover:
 * between two matrix products its threads are idle. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef void (*GbParallelFunc) (gpointer data);

void gb_parallel_pair (GbParallelFunc fn, gpointer a, gpointer b);

/* A loop cut in two halves at mid, without a struct per half: fn (data,
 * part, i0, i1) for part 0 on [0, mid) and part 1 on [mid, n). On both cores
 * when split (and both halves have work), else one after the other here —
 * the same cut either way, so the same numbers. Both parts are always
 * called, an empty one too; fn tells the halves' outputs apart by part. */
typedef void (*GbParallelRange) (gpointer data, int part, gint64 i0, gint64 i1);
void gb_parallel_halves (gboolean split, gint64 mid, gint64 n, GbParallelRange fn, gpointer data);

G_END_DECLS
