/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-timeline.h — the Diffusion page's timestep: the toolbar with
 * Forward and Reverse (the page's diffusion.process), Play (timeline.play),
 * the play speed and the timestep scale, and the line that says what the
 * schedule is at t (β, ᾱ, SNR).
 *
 * "t" is the timestep on show: the user scrubs it, Play moves it at the
 * chosen speed (down in reverse) until the process's end, and the page sets
 * it (following a sampler, stepping with the keys). */
#pragma once

#include <gtk/gtk.h>

#include "gb-diffusion.h"

G_BEGIN_DECLS

#define GB_TYPE_DIFFUSION_TIMELINE (gb_diffusion_timeline_get_type ())
G_DECLARE_FINAL_TYPE (GbDiffusionTimeline, gb_diffusion_timeline, GB, DIFFUSION_TIMELINE, GtkWidget)

/* The schedule of the model on show (borrowed; NULL: none, and the scale is off). */
void gb_diffusion_timeline_set_schedule (GbDiffusionTimeline *self, const GbSchedule *schedule);
/* Which way Play runs: down from T in reverse, up from 0 forward. */
void gb_diffusion_timeline_set_reverse  (GbDiffusionTimeline *self, gboolean reverse);
int  gb_diffusion_timeline_get_t        (GbDiffusionTimeline *self);
/* Sets t (clamped to 0…T), notifying "t". */
void gb_diffusion_timeline_set_t        (GbDiffusionTimeline *self, int t);
gboolean gb_diffusion_timeline_get_playing (GbDiffusionTimeline *self);
void gb_diffusion_timeline_set_playing  (GbDiffusionTimeline *self, gboolean playing);

/* The play speed's spin button (timesteps a second), for the page to remember. */
GtkSpinButton *gb_diffusion_timeline_speed_button (GbDiffusionTimeline *self);

G_END_DECLS
