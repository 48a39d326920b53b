/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-frame-stats.h — how long the frames that drew a view took, for the
 * benchmarks (GLASSBOX_FRAME_STATS=1; bench/frame_time*.py read the lines).
 *
 * A view says when it drew and how long its own drawing took
 * (gb_frame_stats_drew); a frame's time runs from the frame clock's
 * before-paint to its after-paint (layout, every widget's snapshot and the
 * views' drawing), and only frames in which a view drew count. 16 ms or less
 * keeps 60 frames a second. Without GLASSBOX_FRAME_STATS, gb_frame_stats_new
 * returns NULL and every call below does nothing.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _GbFrameStats GbFrameStats;

/* tag starts each printed line ("rl-frame-stats"); frames names what is
 * counted ("frames while playing"); drawing names the views' own part. */
GbFrameStats *gb_frame_stats_new  (const char *tag, const char *frames, const char *drawing);
void          gb_frame_stats_free (GbFrameStats *stats);
/* Between realize and unrealize of the widget whose frame clock to watch. */
void          gb_frame_stats_attach (GbFrameStats *stats, GtkWidget *widget);
void          gb_frame_stats_detach (GbFrameStats *stats);
/* A view drew in this frame, taking ms of it. */
void          gb_frame_stats_drew   (GbFrameStats *stats, double ms);
/* Frames count only while this is TRUE (the default). */
void          gb_frame_stats_set_counting (GbFrameStats *stats, gboolean counting);
/* One more number per counted frame, reported under its own name (e.g. the
 * time taken to copy a worker's tables out): added up over the frame. */
void          gb_frame_stats_add_extra (GbFrameStats *stats, double ms);
/* Prints the lines to stderr; tail, if not NULL, ends the first one. */
void          gb_frame_stats_print (GbFrameStats *stats, const char *extra_name, const char *tail);

G_END_DECLS
