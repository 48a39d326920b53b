/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-cli-diffusion-render.c — `glassbox render diffusion`: what the Diffusion
 * page's Export writes, headless. The frames and their painter are the
 * page's own (ui/gb-diffusion-frame.c): the same data, noise and sampler, so
 * a model renders here exactly as the user exports it there. */
#include "gb-cli-verbs.h"
#include "gb-cli-common.h"
#include "gb-cli-diffusion-private.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gb-dataset.h"
#include "gb-diffusion-frame.h"
#include "gb-export.h"
#include "gb-gif.h"
#include "gb-models.h"
#include "gb-nn.h"

/* Export's sizes. */
#define STILL_W 800
#define STILL_H 960
#define GIF_W 500
#define GIF_H 600

typedef struct {
  const GbDenoiser *net;
  GbSampleRun *run;
  GbCloudFrame *cloud;
  GbImageFrame *images;
  gboolean reverse;
  int t;
  int t_end;             /* a GIF's far end: t for forward, where sampling starts for reverse */
  GbPalette pal;
} Render;

/* The frame at r->t, its image predictions computed at once. */
static void
show (Render *r)
{
  if (r->images != NULL)
    {
      gb_image_frame_show (r->images, r->net, r->run, r->reverse, r->t, r->net->guidance);
      gb_image_frame_predict (r->images);
    }
  else
    gb_cloud_frame_show (r->cloud, r->net, r->run, r->reverse, r->t);
}

static void
paint_cb (cairo_t *cr, int w, int h, gpointer data)
{
  Render *r = data;
  GbDiffusionPicture p = { r->cloud, r->images, r->net->schedule, r->t };
  gb_diffusion_picture_paint (cr, w, h, &p, &r->pal);
}

static void
frame_cb (cairo_t *cr, int w, int h, int f, gpointer data)
{
  Render *r = data;
  r->t = gb_diffusion_gif_t (r->t_end, r->reverse, f);
  show (r);
  paint_cb (cr, w, h, r);
}

/* The data the page noises for this model. FALSE with error when there is none here. */
static gboolean
load_data (Render *r, GbToyKind kind, GError **error)
{
  const GbDenoiser *net = r->net;
  if (net->d != 2)
    {
      r->images = gb_image_frame_new (net->d);
      return gb_image_frame_load_data (r->images, gb_dataset_dir (NULL), error);
    }
  r->cloud = gb_cloud_frame_new ();
  r->cloud->show_field = TRUE;
  if (g_strcmp0 (net->data, "latent") == 0)
    {
      g_autoptr (GbVae) vae = gb_shipped_vae_load (error);
      return vae != NULL && gb_cloud_frame_set_latent (r->cloud, vae, gb_dataset_dir (NULL), error);
    }
  gb_cloud_frame_set_toy (r->cloud, kind, NULL, 0);
  if (r->cloud->have_target)
    return TRUE;
  if (net->data == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("the model does not say what data it learnt, so there is nothing to noise"));
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 _("%s data: the model does not say what data it learnt, so there is nothing to noise"), net->data);
  return FALSE;
}

static int
render (GOptionContext *ctx, GbSampleOptions *o)
{
  gboolean gif = g_str_has_suffix (o->out ? o->out : "", ".gif");
  if (o->process != NULL && !g_str_equal (o->process, "forward") && !g_str_equal (o->process, "reverse"))
    return gb_cli_usage_error (ctx, _("--process is forward or reverse"));
  if (!gif && o->t < 0 && o->out != NULL)
    return gb_cli_usage_error (ctx, _("--t T is required for a still frame"));
  if (o->width == 0)
    o->width = gif ? GIF_W : STILL_W;
  if (o->height == 0)
    o->height = gif ? GIF_H : STILL_H;
  GbSamplerConfig c;
  GbToyKind kind;
  int status = 0;
  g_autoptr (GbDenoiser) net = gb_sample_options_load (ctx, o, &c, &kind, &status);
  if (net == NULL)
    return status;
  if (o->t > net->schedule->T)
    {
      g_printerr (_("glassbox: --t %d is outside 0…%d (the model's T)\n"), o->t, net->schedule->T);
      return GB_CLI_EXIT_USAGE;
    }
  g_autoptr (GError) error = NULL;
  Render r = { net, NULL, NULL, NULL, o->process != NULL && g_str_equal (o->process, "reverse"), MAX (o->t, 0),
               o->t >= 0 ? o->t : net->schedule->T };
  gb_palette_init (&r.pal, o->theme && g_str_equal (o->theme, "dark"));
  gboolean have = load_data (&r, kind, &error);
  if (!have && !r.reverse)
    {
      g_printerr (_("glassbox: %s: %s (try --process reverse)\n"), o->model, error->message);
      status = 1;
    }
  g_clear_error (&error);
  if (status == 0 && r.reverse)
    {
      r.run = gb_sample_run_new (net, &c, net->guidance, r.images ? r.images->n : GB_CLOUD_POINTS, r.images == NULL,
                                 &error);
      if (r.run == NULL || !gb_sample_run_run (r.run, NULL, &error))
        status = gb_cli_fail (g_steal_pointer (&error));
    }
  if (status == 0 && gif)
    {
      if (!gb_gif_write (o->out, MIN (o->width, 4096), MIN (o->height, 4096), GB_DIFFUSION_GIF_FRAMES, 4, frame_cb, &r,
                         &error))
        status = gb_cli_fail (g_steal_pointer (&error));
      else
        printf (_("wrote %s (%d frames, t from %d to %d)\n"), o->out, GB_DIFFUSION_GIF_FRAMES, r.reverse ? r.t_end : 0,
                r.reverse ? 0 : r.t_end);
    }
  else if (status == 0)
    {
      show (&r);
      if (!gb_export_file (o->out, o->width, o->height, paint_cb, &r, &error))
        status = gb_cli_fail (g_steal_pointer (&error));
      else
        printf (_("wrote %s\n"), o->out);
    }
  gb_sample_run_unref (r.run);
  gb_cloud_frame_free (r.cloud);
  gb_image_frame_free (r.images);
  return status;
}

int
gb_cli_render_diffusion (int argc, char **argv)
{
  /* Products on one thread each, the batches split across cores by the
   * denoiser itself (OpenBLAS's threads spin at these sizes); nothing runs yet. */
  gb_blas_set_threads (1);
  GbSampleOptions o = { 0 };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("--model FILE --t T --out FILE — draw a diffusion frame "
                                                         "(or animate the process)"));
  g_option_context_set_summary (ctx,
    _("Draws what the Diffusion page's Export writes for the model: at timestep t, the\n"
    "page's 2 000 points of the data noised in closed form (forward) or the sampler's state\n"
    "when it reaches t (reverse), with the −ε̂ field as arrows; for an image model, its 16\n"
    "test images at t with the first one's x_t, ε̂ and x̂₀; over the noise schedule with t\n"
    "marked. With --out ending in .gif, the process as Export animates it (100 frames at\n"
    "25 a second): forward from 0 to t, reverse from t down to 0; t is T unless given."));
  gb_sample_options_add (ctx, &o, TRUE, 0);
  g_autoptr (GError) error = NULL;
  int status;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    status = gb_cli_usage_error (ctx, error->message);
  else if (argc > 1)
    status = gb_cli_usage_error (ctx, _("unexpected argument"));
  else
    status = render (ctx, &o);
  gb_sample_options_clear (&o);
  return status;
}
