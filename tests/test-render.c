/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-render.c — the painters drawn into image surfaces, checked pixel by pixel,
 * and one whole view compared with a reference image within a tolerance. */
#include <cairo.h>
#include <math.h>
#include <string.h>

#include "gb-error.h"
#include "gb-rl-cartpole-paint.h"
#include "gb-export.h"
#include "gb-rl-grid-paint.h"
#include "gb-rl.h"
#include "gb-latent-paint.h"
#include "gb-plot-paint.h"
#include "gb-rl-paint.h"
#include "gb-series-paint.h"
#include "gb-test-util.h"

#define W 600
#define H 400

typedef struct {
  cairo_surface_t *surface;
  cairo_t *cr;
} Canvas;

static Canvas
canvas_new (int w, int h)
{
  Canvas c;
  c.surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  c.cr = cairo_create (c.surface);
  return c;
}

static void
canvas_free (Canvas *c)
{
  cairo_destroy (c->cr);
  cairo_surface_destroy (c->surface);
}

static guint32
pixel (Canvas *c, int x, int y)
{
  cairo_surface_flush (c->surface);
  guint8 *data = cairo_image_surface_get_data (c->surface);
  int stride = cairo_image_surface_get_stride (c->surface);
  return ((guint32 *) (data + (gsize) y * stride))[x] & 0xffffff;
}

static guint32
rgb_of (const GbRgb *c)
{
  return ((guint32) lround (c->r * 255) << 16) | ((guint32) lround (c->g * 255) << 8) | (guint32) lround (c->b * 255);
}

/* Pixels within `tol` of colour in every channel, in a rectangle. */
static int
count_near (Canvas *c, int x0, int y0, int x1, int y1, guint32 rgb, int tol)
{
  int n = 0;
  for (int y = MAX (y0, 0); y < MIN (y1, cairo_image_surface_get_height (c->surface)); y++)
    for (int x = MAX (x0, 0); x < MIN (x1, cairo_image_surface_get_width (c->surface)); x++)
      {
        guint32 p = pixel (c, x, y);
        if (abs ((int) (p >> 16) - (int) (rgb >> 16)) <= tol && abs ((int) ((p >> 8) & 255) - (int) ((rgb >> 8) & 255)) <= tol
            && abs ((int) (p & 255) - (int) (rgb & 255)) <= tol)
          n++;
      }
  return n;
}

/* A scene of 3 classes in three clumps. */
typedef struct {
  float mu[300 * 2];
  guint8 labels[300];
  const char *names[4];
  GbLatentScene scene;
} Fixture;

static void
fixture_init (Fixture *f)
{
  GbRng rng;
  gb_rng_init (&rng, 1);
  const float centres[3][2] = { { -2, 0 }, { 2, 1 }, { 0, -2 } };
  for (int i = 0; i < 300; i++)
    {
      int k = f->labels[i] = i % 3;
      f->mu[2 * i] = centres[k][0] + 0.2f * gb_rng_normal (&rng);
      f->mu[2 * i + 1] = centres[k][1] + 0.2f * gb_rng_normal (&rng);
    }
  f->names[0] = "alpha";
  f->names[1] = "beta";
  f->names[2] = "gamma";
  f->names[3] = NULL;
  memset (&f->scene, 0, sizeof f->scene);
  gb_viewport_reset (&f->scene.vp, W, H, 3.5);
  f->scene.mu = f->mu;
  f->scene.n_points = 300;
  f->scene.labels = f->labels;
  f->scene.n_classes = 3;
  f->scene.class_names = f->names;
}

static void
test_viewport_roundtrip (void)
{
  GbViewport vp;
  gb_viewport_reset (&vp, W, H, 3.5);
  g_assert_cmpfloat_with_epsilon (vp.scale, H / 7.0, 1e-9);
  double sx, sy, zx, zy;
  gb_viewport_to_screen (&vp, W, H, 1.5, -2.0, &sx, &sy);
  gb_viewport_to_latent (&vp, W, H, sx, sy, &zx, &zy);
  g_assert_cmpfloat_with_epsilon (zx, 1.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (zy, -2.0, 1e-9);
  /* Zooming keeps the point under the pointer where it is. */
  gb_viewport_to_latent (&vp, W, H, 100, 50, &zx, &zy);
  gb_viewport_zoom (&vp, W, H, 100, 50, 2.5);
  gb_viewport_to_screen (&vp, W, H, zx, zy, &sx, &sy);
  g_assert_cmpfloat_with_epsilon (sx, 100, 1e-6);
  g_assert_cmpfloat_with_epsilon (sy, 50, 1e-6);
}

static void
test_scatter_and_legend (void)
{
  Fixture f;
  fixture_init (&f);
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c = canvas_new (W, H);
  gb_latent_paint (c.cr, W, H, &f.scene, &pal);
  /* The background. */
  g_assert_cmpuint (pixel (&c, W / 2 + 40, H - 60), ==, rgb_of (&pal.bg));
  /* Class 1's clump at (2, 1) is drawn in class 1's colour (blended on white). */
  double sx, sy;
  gb_viewport_to_screen (&f.scene.vp, W, H, 2, 1, &sx, &sy);
  GbRgb c1 = pal.classes[1];
  GbRgb blended = { 0.3 + 0.7 * c1.r, 0.3 + 0.7 * c1.g, 0.3 + 0.7 * c1.b };
  int near = count_near (&c, (int) sx - 20, (int) sy - 20, (int) sx + 20, (int) sy + 20, rgb_of (&blended), 40);
  g_assert_cmpint (near, >, 50);
  /* The legend hit-test finds the entries. */
  int found = 0;
  for (int y = 0; y < H; y++)
    if (gb_latent_legend_hit (W, H, &f.scene, W - 100, y) == 2)
      found++;
  g_assert_cmpint (found, >, 10);
  g_assert_cmpint (gb_latent_legend_hit (W, H, &f.scene, 10, 10), ==, -1);

  /* Hiding class 1 removes its points. */
  f.scene.hidden_classes = 1u << 1;
  gb_latent_paint (c.cr, W, H, &f.scene, &pal);
  int after = count_near (&c, (int) sx - 20, (int) sy - 20, (int) sx + 20, (int) sy + 20, rgb_of (&blended), 40);
  g_assert_cmpint (after, <, 3);
  canvas_free (&c);
}

static void
test_overlay (void)
{
  Fixture f;
  fixture_init (&f);
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c = canvas_new (W, H);
  gb_latent_paint (c.cr, W, H, &f.scene, &pal);
  int before = count_near (&c, 0, 0, W, H, rgb_of (&pal.accent), 10);
  f.scene.has_pointer = TRUE;
  f.scene.pointer[0] = -2.5;
  f.scene.pointer[1] = -2.5;
  f.scene.has_selection = TRUE;
  f.scene.sel_mu[0] = 0.5;
  f.scene.sel_mu[1] = 0.5;
  f.scene.sel_sigma[0] = 0.5;
  f.scene.sel_sigma[1] = 0.2;
  gb_latent_paint (c.cr, W, H, &f.scene, &pal);
  int after = count_near (&c, 0, 0, W, H, rgb_of (&pal.accent), 10);
  g_assert_cmpint (before, <, 5);
  g_assert_cmpint (after, >, 100);
  /* The 1σ ellipse is wider than tall, as σ says. */
  double sx, sy;
  gb_viewport_to_screen (&f.scene.vp, W, H, 0.5, 0.5, &sx, &sy);
  double r1x = 0.5 * f.scene.vp.scale, r1y = 0.2 * f.scene.vp.scale;
  g_assert_cmpint (count_near (&c, (int) (sx + r1x) - 2, (int) sy - 2, (int) (sx + r1x) + 3, (int) sy + 3, rgb_of (&pal.accent), 30), >, 0);
  g_assert_cmpint (count_near (&c, (int) sx - 2, (int) (sy - r1y) - 2, (int) sx + 3, (int) (sy - r1y) + 3, rgb_of (&pal.accent), 30), >, 0);
  canvas_free (&c);
}

static void
test_manifold_tiles (void)
{
  /* A manifold of images that are each one grey level: the tiles show them. */
  GbManifold m = { 0 };
  m.n = 3;
  m.rows = m.cols = 2;
  float ax[3] = { -1, 0, 1 }, ay[3] = { -1, 0, 1 }, img[9 * 4];
  for (int k = 0; k < 9; k++)
    for (int p = 0; p < 4; p++)
      img[k * 4 + p] = k / 8.0f;
  m.ax = ax;
  m.ay = ay;
  m.images = img;
  GbLatentScene s = { 0 };
  gb_viewport_reset (&s.vp, W, H, 3.5);
  s.manifold = &m;
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c = canvas_new (W, H);
  gb_latent_paint_base (c.cr, W, H, &s, &pal);
  double sx, sy;
  gb_viewport_to_screen (&s.vp, W, H, 1, 1, &sx, &sy);   /* image (2, 2): k = 8, white */
  g_assert_cmpuint (pixel (&c, (int) sx, (int) sy), ==, 0xffffff);
  gb_viewport_to_screen (&s.vp, W, H, -1, -1, &sx, &sy); /* image (0, 0): k = 0, black */
  g_assert_cmpuint (pixel (&c, (int) sx, (int) sy), ==, 0x000000);
  gb_viewport_to_screen (&s.vp, W, H, 0, 0, &sx, &sy);   /* k = 4: mid grey */
  guint32 mid = pixel (&c, (int) sx, (int) sy);
  g_assert_cmpint (abs ((int) (mid & 255) - 128), <=, 1);
  canvas_free (&c);
}

static void
test_info_panel (void)
{
  float preview[4] = { 0, 1, 1, 0 };
  GbLatentInfo info = { 0 };
  info.rows = info.cols = 2;
  info.has_preview = TRUE;
  info.preview = preview;
  GbPalette pal;
  gb_palette_init (&pal, TRUE);
  int h = gb_latent_info_height (320, &info);
  g_assert_cmpint (h, >, 200);
  Canvas c = canvas_new (320, h);
  gb_latent_info_paint (c.cr, 320, h, &info, &pal);
  /* The preview's 2×2 pixels as four squares: white top-right, black top-left. */
  g_assert_cmpuint (pixel (&c, 14 + 168, 60 + 56), ==, 0xffffff);
  g_assert_cmpuint (pixel (&c, 14 + 56, 60 + 56), ==, 0x000000);
  /* The panel's background is the dark palette's. */
  g_assert_cmpuint (pixel (&c, 318, h - 2), ==, rgb_of (&pal.panel));
  canvas_free (&c);
}

static void
test_loss_plot (void)
{
  GbLossPoint train[200], test[2];
  for (int i = 0; i < 200; i++)
    train[i] = (GbLossPoint) { i + 1, 300.0f - i * 0.5f, 5.0f + i * 0.01f, 0 };
  test[0] = (GbLossPoint) { 1, 250, 6, 0 };
  test[1] = (GbLossPoint) { 2, 220, 6.5f, 0 };
  GbLossPlot p = { train, 200, test, 2, 100, 400, NULL };
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c = canvas_new (800, 180);
  gb_loss_plot_paint (c.cr, 800, 180, &p, &pal);
  g_assert_cmpint (count_near (&c, 0, 0, 800, 160, rgb_of (&pal.accent2), 20), >, 50);
  g_assert_cmpint (count_near (&c, 0, 0, 800, 160, rgb_of (&pal.accent), 20), >, 30);
  /* Nothing is drawn past step 200 of 400: the right half of the left frame is empty. */
  int plot_right = (int) (46 + (800 - 46 - 10 - 52) * 0.62);
  g_assert_cmpint (count_near (&c, 46 + (plot_right - 46) / 2 + 20, 10, plot_right - 5, 140, rgb_of (&pal.accent2), 20), ==, 0);
  /* An empty plot says so instead. */
  GbLossPlot empty = { NULL, 0, NULL, 0, 1, 0, "nothing yet" };
  gb_loss_plot_paint (c.cr, 800, 180, &empty, &pal);
  g_assert_cmpint (count_near (&c, 300, 70, 500, 110, rgb_of (&pal.muted), 30), >, 20);
  canvas_free (&c);
}

static void
fixture_paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  Fixture *f = data;
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  gb_viewport_reset (&f->scene.vp, w, h, 3.5);
  gb_latent_paint (cr, w, h, &f->scene, &pal);
}

static void
test_export_formats (void)
{
  Fixture f;
  fixture_init (&f);
  const struct { const char *name; const char *magic; } cases[] = {
    { "view.png", "\x89PNG" }, { "view.svg", "<?xml" }, { "view.pdf", "%PDF" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = test_tmp_path (cases[i].name);
      g_autoptr (GError) error = NULL;
      g_assert_true (gb_export_file (path, 320, 240, fixture_paint_cb, &f, &error));
      g_autofree char *contents = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      g_assert_cmpuint (len, >, 500);
      g_assert_true (g_str_has_prefix (contents, cases[i].magic));
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *bmp = test_tmp_path ("view.bmp");
  g_assert_false (gb_export_file (bmp, 320, 240, fixture_paint_cb, &f, &error));
  g_assert_nonnull (strstr (error->message, "unknown format"));
  g_assert_false (g_file_test (bmp, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  g_autofree char *huge = test_tmp_path ("huge.png");
  g_assert_false (gb_export_file (huge, 100000, 10, fixture_paint_cb, &f, &error));
  g_assert_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT);
}

/* The whole view against tests/data/render-latent.png: at most 2.5 % of the
 * pixels may differ by more than 48 levels (another font or hinting moves the
 * labels' pixels, about 1 % of the image; a broken scatter, ring or axis
 * changes far more).
 * On failure the test writes the image and a diff. GB_UPDATE_REFERENCE=1
 * rewrites the reference. */
static void
test_reference_image (void)
{
  Fixture f;
  fixture_init (&f);
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c = canvas_new (W, H);
  f.scene.has_pointer = TRUE;
  f.scene.pointer[0] = 1.0;
  f.scene.pointer[1] = -1.0;
  gb_latent_paint (c.cr, W, H, &f.scene, &pal);
  g_autofree char *ref_path = g_test_build_filename (G_TEST_DIST, "data", "render-latent.png", NULL);
  if (g_getenv ("GB_UPDATE_REFERENCE") != NULL)
    {
      g_assert_cmpint (cairo_surface_write_to_png (c.surface, ref_path), ==, CAIRO_STATUS_SUCCESS);
      g_test_message ("wrote %s", ref_path);
    }
  cairo_surface_t *ref = cairo_image_surface_create_from_png (ref_path);
  g_assert_cmpint (cairo_surface_status (ref), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (ref), ==, W);
  cairo_surface_t *diff = cairo_image_surface_create (CAIRO_FORMAT_RGB24, W, H);
  cairo_surface_flush (ref);
  guint8 *rd = cairo_image_surface_get_data (ref), *dd = cairo_image_surface_get_data (diff);
  int rs = cairo_image_surface_get_stride (ref), ds = cairo_image_surface_get_stride (diff);
  int bad = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint32 a = pixel (&c, x, y), b = ((guint32 *) (rd + (gsize) y * rs))[x] & 0xffffff;
        int d = 0;
        for (int sh = 0; sh <= 16; sh += 8)
          d = MAX (d, abs ((int) ((a >> sh) & 255) - (int) ((b >> sh) & 255)));
        ((guint32 *) (dd + (gsize) y * ds))[x] = d > 48 ? 0xff0000 : (a & 0xfefefe) >> 1;
        bad += d > 48;
      }
  cairo_surface_mark_dirty (diff);
  if (bad > W * H / 40)
    {
      g_autofree char *got = test_tmp_path ("render-latent-got.png");
      g_autofree char *dp = test_tmp_path ("render-latent-diff.png");
      cairo_surface_write_to_png (c.surface, got);
      cairo_surface_write_to_png (diff, dp);
      g_error ("%d pixels differ from %s; see %s and %s", bad, ref_path, got, dp);
    }
  g_test_message ("%d of %d pixels differ", bad, W * H);
  cairo_surface_destroy (diff);
  cairo_surface_destroy (ref);
  canvas_free (&c);
}

static void
test_grid_painter (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  int n = g->mdp->n_states;
  g_autofree double *V = g_new0 (double, n);
  g_autofree int *pi = g_new0 (int, n);
  gb_value_iteration (g->mdp, V, 1e-10, 10000);
  gb_greedy_policy (g->mdp, V, pi);
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  /* The scale: 0 is the background, the ends are purple and orange. */
  GbRgb zero = gb_grid_value_color (0.0, 1.0, &pal), hi = gb_grid_value_color (1.0, 1.0, &pal),
        lo = gb_grid_value_color (-1.0, 1.0, &pal);
  g_assert_cmpuint (rgb_of (&zero), ==, rgb_of (&pal.bg));
  g_assert_cmpfloat (hi.r, >, hi.b);
  g_assert_cmpfloat (lo.b, >, lo.g);
  GbGridScene scene = { g, V, NULL, pi, TRUE, -1, NULL, 0, NULL, "4x3" };
  Canvas c = canvas_new (600, 400);
  gb_grid_paint (c.cr, 600, 400, &scene, &pal);
  /* Every cell's corner shows its state's colour; the wall is the text colour. */
  for (int st = 0; st < n; st++)
    {
      if (g->mdp->terminal[st])
        continue;
      for (int y = 0; y < 400; y += 3)
        for (int x = 0; x < 520; x += 3)
          if (gb_grid_hit (600, 400, &scene, x, y) == st)
            {
              GbRgb want = gb_grid_value_color (V[st], 0.918, &pal);
              g_assert_cmpint (count_near (&c, x + 3, y + 3, x + 5, y + 5, rgb_of (&want), 6), >, 0);
              x = y = 1000;   /* the first corner found is enough */
            }
    }
  int wall_hits = 0;
  for (int y = 0; y < 400; y += 4)
    for (int x = 0; x < 520; x += 4)
      wall_hits += gb_grid_hit (600, 400, &scene, x, y) < 0 && x > 100 && x < 500 && y > 40 && y < 380;
  g_assert_cmpint (count_near (&c, 0, 0, 600, 400, rgb_of (&pal.fg), 10), >, 2000);   /* wall and arrows */
  g_assert_cmpint (wall_hits, >, 0);
  /* The agent is drawn where it is. */
  scene.agent = (int) g->mdp->start;
  gb_grid_paint (c.cr, 600, 400, &scene, &pal);
  g_assert_cmpint (count_near (&c, 0, 0, 600, 400, rgb_of (&pal.accent), 10), >, 50);
  canvas_free (&c);
}

static void
test_cartpole_painter (void)
{
  /* A policy that pushes right when the pole leans right: the surface is
   * orange on the right half and purple on the left. */
  GbCartSettings c;
  gb_cart_settings_init (&c, GB_CART_LINEAR);
  g_autoptr (GbCartAgent) agent = gb_cart_agent_new (GB_CART_LINEAR, &c, NULL);
  agent->linear->w[2] = 8.0;   /* θ */
  g_autoptr (GbCartPolicy) policy = gb_cart_policy_new ();
  gb_cart_policy_update (policy, agent);
  double surface[GB_CART_SURFACE_N * GB_CART_SURFACE_N];
  g_assert_true (gb_cart_policy_surface (policy, GB_CART_SURFACE_P_RIGHT, 0, 0, GB_CART_SURFACE_N, surface));
  GbCartState st = { 0.5, 0, 0.1, 0 };
  GbCartScene scene = { &st, 0, surface, NULL, NULL, 0, NULL };
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  Canvas c2 = canvas_new (800, 500);
  gb_cartpole_paint (c2.cr, 800, 500, &scene, &pal);
  /* The policy panel is the right 40 % of the upper 60 %. */
  int orange = count_near (&c2, 700, 60, 790, 250, 0xb35806, 40);
  int purple = count_near (&c2, 500, 60, 560, 250, 0x542788, 40);
  g_assert_cmpint (orange, >, 1000);
  g_assert_cmpint (purple, >, 500);
  /* The pole leans right of the cart's centre: its colour appears right of the cart. */
  g_assert_cmpint (count_near (&c2, 0, 0, 480, 300, 0xcc6678, 30), >, 50);
  canvas_free (&c2);
}

static void
test_series_plot (void)
{
  /* A rising line: its colour appears low on the left and high on the right;
   * the band around it is drawn fainter; a series longer than the plot is wide
   * is drawn too (column-reduced). */
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  int n = 5000;
  g_autofree double *y = g_new (double, n), *sd = g_new (double, n), *avg = g_new (double, n);
  for (int i = 0; i < n; i++)
    y[i] = i, sd[i] = 300;
  gb_moving_average (y, n, 10, avg);
  g_assert_cmpfloat_with_epsilon (avg[0], 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (avg[100], 95.5, 1e-9);   /* mean of 91…100 */
  GbRgb col = { 0.8, 0.1, 0.1 };
  GbSeries s = { .y = y, .spread = sd, .n = n, .x0 = 0, .dx = 1, .color = col, .label = "rising" };
  GbSeriesPlot p = { "A plot", "x", &s, 1, FALSE, "empty" };
  Canvas c = canvas_new (W, H);
  gb_series_plot_paint (c.cr, 0, 0, W, H, &p, &pal);
  guint32 line = rgb_of (&col);
  int low_left = count_near (&c, 60, H / 2, W / 4, H - 30, line, 30);
  int high_left = count_near (&c, 60, 20, W / 4, H / 3, line, 30);
  int high_right = count_near (&c, 3 * W / 4, 20, W - 12, H / 2, line, 30);
  g_assert_cmpint (low_left, >, 5);
  g_assert_cmpint (high_left, ==, 0);
  g_assert_cmpint (high_right, >, 5);
  /* The band: pixels between the line colour and the background. */
  g_assert_cmpint (count_near (&c, 60, 20, W - 12, H - 30, 0xecc7c7, 25), >, 500);
  canvas_free (&c);

  /* Nothing to draw: the empty text, no line. */
  GbSeries none = { .y = y, .n = 0, .color = col };
  GbSeriesPlot q = { "Empty", NULL, &none, 1, TRUE, "nothing here" };
  Canvas e = canvas_new (W, H);
  gb_series_plot_paint (e.cr, 0, 0, W, H, &q, &pal);
  g_assert_cmpint (count_near (&e, 0, 0, W, H, line, 30), ==, 0);
  g_assert_cmpint (count_near (&e, 0, H / 3, W, 2 * H / 3, rgb_of (&pal.muted), 40), >, 20);
  canvas_free (&e);
}

static void
test_rl_plots_and_compare (void)
{
  GbPalette pal;
  gb_palette_init (&pal, FALSE);
  /* Learning curves of two agents on cliff walking, as the page draws them. */
  g_autoptr (GbGrid) g = gb_grid_preset ("cliff", NULL);
  GbTdConfig cfg;
  gb_td_config_init (&cfg);
  int E = 100;
  g_autofree double *ma = g_new (double, E), *sa = g_new (double, E), *mb = g_new (double, E), *sb = g_new (double, E);
  g_assert_true (gb_td_learning_curve (g->mdp, &cfg, 3, E, ma, sa, NULL, NULL, NULL, NULL, NULL));
  cfg.algo = GB_TD_SARSA;
  g_assert_true (gb_td_learning_curve (g->mdp, &cfg, 3, E, mb, sb, NULL, NULL, NULL, NULL, NULL));
  int n = g->mdp->n_states;
  g_autofree double *V = g_new0 (double, n);
  g_autofree int *pi = g_new0 (int, n);
  gb_value_iteration (g->mdp, V, 1e-9, 1000);
  gb_greedy_policy (g->mdp, V, pi);
  GbRlCompare cmp = { { g, V, NULL, pi, FALSE, -1, NULL, 0, NULL, "A", 0 },
                      { g, V, NULL, pi, FALSE, -1, NULL, 0, NULL, "B", 0 },
                      "Q-learning", "SARSA", ma, sa, mb, sb, E, 3 };
  Canvas c = canvas_new (900, 700);
  gb_rl_compare_paint (c.cr, 900, 700, &cmp, &pal);
  /* Both curves are in the lower part, each in its colour. */
  g_assert_cmpint (count_near (&c, 0, 400, 900, 700, rgb_of (&pal.classes[0]), 20), >, 50);
  g_assert_cmpint (count_near (&c, 0, 400, 900, 700, rgb_of (&pal.classes[1]), 20), >, 50);
  /* The two grids are in the upper half, each with the goal's colour. */
  g_assert_cmpint (count_near (&c, 0, 0, 450, 380, 0x45ab99, 12), >, 50);
  g_assert_cmpint (count_near (&c, 450, 0, 900, 380, 0x45ab99, 12), >, 50);
  canvas_free (&c);

  double lengths[] = { 30, 20, 15 }, returns[] = { -200, -40, -15 }, ex[] = { 1, 2, 3 }, ey[] = { 1, 1e-2, 1e-5 };
  GbRlPlots p = { returns, lengths, 3, 1, ex, ey, 3, "Residual", "sweep", "none" };
  Canvas d = canvas_new (900, 200);
  gb_rl_plots_paint (d.cr, 900, 200, &p, &pal);
  g_assert_cmpint (count_near (&d, 0, 0, 300, 200, rgb_of (&pal.classes[1]), 20), >, 20);     /* moving average */
  g_assert_cmpint (count_near (&d, 300, 0, 600, 200, rgb_of (&pal.classes[2]), 20), >, 20);   /* lengths */
  g_assert_cmpint (count_near (&d, 600, 0, 900, 200, rgb_of (&pal.classes[5]), 20), >, 20);   /* residual */
  canvas_free (&d);
}

static void
test_grid_hit_cell (void)
{
  g_autoptr (GbGrid) g = gb_grid_preset ("4x3", NULL);
  GbGridScene scene = { g, NULL, NULL, NULL, FALSE, -1, NULL, 0, NULL, NULL, 0 };
  int r = -1, c = -1, found_wall = 0;
  for (int y = 0; y < 400; y += 5)
    for (int x = 0; x < 600; x += 5)
      if (gb_grid_hit_cell (600, 400, &scene, x, y, &r, &c))
        {
          g_assert_cmpint (r, >=, 0);
          g_assert_cmpint (r, <, 3);
          g_assert_cmpint (c, >=, 0);
          g_assert_cmpint (c, <, 4);
          /* hit_cell agrees with hit: the state of the cell, or a wall. */
          g_assert_cmpint (gb_grid_hit (600, 400, &scene, x, y), ==, g->state_of_cell[r * 4 + c]);
          found_wall += g->cells[r * 4 + c] == GB_CELL_WALL;
        }
  g_assert_cmpint (found_wall, >, 0);
  g_assert_false (gb_grid_hit_cell (600, 400, &scene, 1, 1, &r, &c));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/paint/viewport", test_viewport_roundtrip);
  g_test_add_func ("/ui/paint/latent/scatter-legend", test_scatter_and_legend);
  g_test_add_func ("/ui/paint/latent/overlay", test_overlay);
  g_test_add_func ("/ui/paint/latent/manifold", test_manifold_tiles);
  g_test_add_func ("/ui/paint/latent/info", test_info_panel);
  g_test_add_func ("/ui/paint/plot", test_loss_plot);
  g_test_add_func ("/ui/paint/export", test_export_formats);
  g_test_add_func ("/ui/paint/reference", test_reference_image);
  g_test_add_func ("/ui/paint/grid", test_grid_painter);
  g_test_add_func ("/ui/paint/cartpole", test_cartpole_painter);
  g_test_add_func ("/ui/paint/series", test_series_plot);
  g_test_add_func ("/ui/paint/rl-plots-compare", test_rl_plots_and_compare);
  g_test_add_func ("/ui/paint/grid-hit-cell", test_grid_hit_cell);
  return g_test_run ();
}
