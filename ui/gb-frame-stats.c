/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-frame-stats.c — frame times of the frames that drew a view. */
#include "gb-frame-stats.h"

#include <math.h>
#include <stdio.h>

struct _GbFrameStats {
  char *tag, *frames, *drawing;
  GArray *frame_ms, *draw_ms, *extra_ms;   /* of double, one per counted frame */
  double draw_now, extra_now;              /* this frame's so far */
  gboolean drew, counting;
  gint64 frame_start_us;
  GdkFrameClock *clock;
  gulong before_id, after_id;
};

GbFrameStats *
gb_frame_stats_new (const char *tag, const char *frames, const char *drawing)
{
  if (g_getenv ("GLASSBOX_FRAME_STATS") == NULL)
    return NULL;
  GbFrameStats *s = g_new0 (GbFrameStats, 1);
  s->tag = g_strdup (tag);
  s->frames = g_strdup (frames);
  s->drawing = g_strdup (drawing);
  s->frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  s->draw_ms = g_array_new (FALSE, FALSE, sizeof (double));
  s->extra_ms = g_array_new (FALSE, FALSE, sizeof (double));
  s->counting = TRUE;
  return s;
}

void
gb_frame_stats_free (GbFrameStats *s)
{
  if (s == NULL)
    return;
  gb_frame_stats_detach (s);
  g_free (s->tag), g_free (s->frames), g_free (s->drawing);
  g_array_unref (s->frame_ms), g_array_unref (s->draw_ms), g_array_unref (s->extra_ms);
  g_free (s);
}

static void
before_paint_cb (GdkFrameClock *clock, GbFrameStats *s)
{
  s->frame_start_us = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock, GbFrameStats *s)
{
  gboolean count = s->drew && s->counting && s->frame_start_us != 0;
  double draw = s->draw_now, extra = s->extra_now;
  s->drew = FALSE;
  s->draw_now = s->extra_now = 0;
  if (!count)
    return;
  double ms = (g_get_monotonic_time () - s->frame_start_us) / 1000.0;
  g_array_append_val (s->frame_ms, ms);
  g_array_append_val (s->draw_ms, draw);
  g_array_append_val (s->extra_ms, extra);
}

void
gb_frame_stats_attach (GbFrameStats *s, GtkWidget *widget)
{
  if (s == NULL || s->clock != NULL)
    return;
  s->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  s->before_id = g_signal_connect (s->clock, "before-paint", G_CALLBACK (before_paint_cb), s);
  s->after_id = g_signal_connect (s->clock, "after-paint", G_CALLBACK (after_paint_cb), s);
}

void
gb_frame_stats_detach (GbFrameStats *s)
{
  if (s == NULL || s->clock == NULL)
    return;
  g_clear_signal_handler (&s->before_id, s->clock);
  g_clear_signal_handler (&s->after_id, s->clock);
  g_clear_object (&s->clock);
}

void
gb_frame_stats_drew (GbFrameStats *s, double ms)
{
  if (s == NULL)
    return;
  s->drew = TRUE;
  s->draw_now += ms;
}

void
gb_frame_stats_set_counting (GbFrameStats *s, gboolean counting)
{
  if (s != NULL)
    s->counting = counting;
}

void
gb_frame_stats_add_extra (GbFrameStats *s, double ms)
{
  if (s != NULL)
    s->extra_now += ms;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* The p-quantile (nearest rank) of a, which it sorts. */
static double
percentile (GArray *a, double p)
{
  if (a->len == 0)
    return 0.0;
  g_array_sort (a, cmp_double);
  guint i = (guint) MIN (a->len - 1, floor (p * (a->len - 1) + 0.5));
  return g_array_index (a, double, i);
}

void
gb_frame_stats_print (GbFrameStats *s, const char *extra_name, const char *tail)
{
  if (s == NULL || s->frame_ms->len == 0)
    return;   /* no frame of this view was counted */
  fprintf (stderr, "%s: %u %s, frame time p50 %.1f ms p95 %.1f ms max %.1f ms; %s p50 %.2f ms p95 %.2f ms%s%s\n",
           s->tag, s->frame_ms->len, s->frames, percentile (s->frame_ms, 0.5), percentile (s->frame_ms, 0.95),
           percentile (s->frame_ms, 1.0), s->drawing, percentile (s->draw_ms, 0.5), percentile (s->draw_ms, 0.95),
           tail ? "; " : "", tail ? tail : "");
  if (extra_name != NULL)
    fprintf (stderr, "%s: %s p50 %.2f ms p95 %.2f ms\n", s->tag, extra_name, percentile (s->extra_ms, 0.5),
             percentile (s->extra_ms, 0.95));
}
