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

G_END_DECLS
