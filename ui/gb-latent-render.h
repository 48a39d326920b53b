/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-latent-render.h — the latent-space view drawn headless (`glassbox render latent`). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *model_path;    /* NULL: the shipped model */
  const char *dataset_dir;   /* NULL: no data points */
  gboolean dataset_optional; /* a missing data set is a banner, not an error */
  int manifold;              /* 0: off, else N */
  int width, height;
  gboolean dark;
  gboolean has_pointer;
  double pointer[2];
  gint64 select;             /* a test image to select (−1: none); needs the data set */
  gboolean posterior;        /* draw the selected image's true posterior */
  gboolean optimise_q;       /* and q fitted to it alone */
  double zoom;               /* 1 shows ±3.5; more zooms in about the selection (or the origin) */
  char *report;              /* out: the selected image's numbers, when it has any (free it) */
} GbRenderOptions;

gboolean gb_latent_render_file (GbRenderOptions *opt, const char *path, GError **error);

G_END_DECLS
