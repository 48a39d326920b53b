/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-gif.c — animated GIFs through giflib. */
#include "gb-gif.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <gif_lib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gb-error.h"

#define N_GREYS 40

static ColorMapObject *
palette (void)
{
  ColorMapObject *map = GifMakeMapObject (256, NULL);
  int k = 0;
  for (int r = 0; r < 6; r++)
    for (int g = 0; g < 6; g++)
      for (int b = 0; b < 6; b++, k++)
        map->Colors[k] = (GifColorType) { (GifByteType) (r * 51), (GifByteType) (g * 51), (GifByteType) (b * 51) };
  for (int i = 0; i < N_GREYS; i++, k++)
    {
      GifByteType v = (GifByteType) (i * 255 / (N_GREYS - 1));
      map->Colors[k] = (GifColorType) { v, v, v };
    }
  return map;
}

static inline GifPixelType
index_of (guint32 argb)
{
  int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
  int hi = MAX (r, MAX (g, b)), lo = MIN (r, MIN (g, b));
  if (hi - lo < 10)
    return (GifPixelType) (216 + ((r + g + b) / 3 * (N_GREYS - 1) + 127) / 255);
  return (GifPixelType) (((r + 25) / 51) * 36 + ((g + 25) / 51) * 6 + (b + 25) / 51);
}

static gboolean
fail (GError **error, const char *path, int code)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: could not write the GIF (%s)", path, GifErrorString (code));
  return FALSE;
}

gboolean
gb_gif_write (const char *path, int width, int height, int n_frames, int delay_cs, GbFramePaintFunc paint,
              gpointer data, GError **error)
{
  if (width < 1 || height < 1 || width > 4096 || height > 4096 || n_frames < 1 || n_frames > GB_GIF_MAX_FRAMES)
    {
      g_set_error (error, GB_ERROR, GB_ERROR_INVALID_ARGUMENT, "a GIF of %d × %d with %d frames is outside the sizes "
                   "allowed (4096 × 4096, %d frames)", width, height, n_frames, GB_GIF_MAX_FRAMES);
      return FALSE;
    }
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  int code = 0;
  /* Opened here, so the file gets the usual permissions (umask), not giflib's 0600. */
  int fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path, g_strerror (e));
      return FALSE;
    }
  GifFileType *gif = EGifOpenFileHandle (fd, &code);
  if (gif == NULL)
    {
      close (fd);
      g_unlink (tmp);
      return fail (error, path, code);
    }
  EGifSetGifVersion (gif, true);
  ColorMapObject *map = palette ();
  gboolean ok = EGifPutScreenDesc (gif, width, height, 8, 0, map) == GIF_OK;
  /* Loop forever (the NETSCAPE2.0 application extension). */
  static const GifByteType app[] = "NETSCAPE2.0", loop[] = { 1, 0, 0 };
  ok = ok && EGifPutExtensionLeader (gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK
       && EGifPutExtensionBlock (gif, 11, app) == GIF_OK && EGifPutExtensionBlock (gif, 3, loop) == GIF_OK
       && EGifPutExtensionTrailer (gif) == GIF_OK;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  g_autofree GifPixelType *line = g_new (GifPixelType, width);
  for (int f = 0; f < n_frames && ok; f++)
    {
      cairo_t *cr = cairo_create (surface);
      paint (cr, width, height, f, data);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      GraphicsControlBlock gcb = { DISPOSAL_UNSPECIFIED, false, MAX (delay_cs, 1), NO_TRANSPARENT_COLOR };
      GifByteType ext[4];
      EGifGCBToExtension (&gcb, ext);
      ok = EGifPutExtension (gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_OK
           && EGifPutImageDesc (gif, 0, 0, width, height, false, NULL) == GIF_OK;
      const guint8 *px = cairo_image_surface_get_data (surface);
      int stride = cairo_image_surface_get_stride (surface);
      for (int y = 0; y < height && ok; y++)
        {
          const guint32 *row = (const guint32 *) (px + (gsize) y * stride);
          for (int x = 0; x < width; x++)
            line[x] = index_of (row[x]);
          ok = EGifPutLine (gif, line, width) == GIF_OK;
        }
    }
  cairo_surface_destroy (surface);
  code = gif->Error;
  GifFreeMapObject (map);
  int close_code = 0;
  if (EGifCloseFile (gif, &close_code) != GIF_OK && ok)
    {
      ok = FALSE;
      code = close_code;
    }
  if (!ok)
    {
      g_unlink (tmp);
      return fail (error, path, code);
    }
  if (g_rename (tmp, path) != 0)
    {
      int e = errno;
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (e), "%s: %s", path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}
