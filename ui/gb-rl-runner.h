/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-runner.h — an RL agent playing flat out on its own thread, and the
 * hand-off that lets the frame clock copy its tables out.
 *
 * The one long computation that is not a core job on a GTask, and why: it
 * has no end (it plays until stopped), it must share the agent with the
 * main loop many times a second (the page draws the tables as they change,
 * 144 M TD steps a second), and it must never take a core from the main
 * loop or the display server. So it runs under SCHED_IDLE on a thread of its
 * own, in chunks under a mutex; the main loop takes the mutex to read or
 * change the agent (gb_rl_runner_lock), and a frame never waits for it
 * (gb_rl_runner_trylock draws what it had, and asks the worker to step aside
 * before the next frame). GMutex is not fair, so a worker that unlocks and
 * locks again in a loop could keep the main loop out for many frames: the
 * main loop says it is waiting, and the worker lets it in first.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _GbRlRunner GbRlRunner;

/* Runs at most max units of work (TD steps, episodes) under the lock and
 * returns how many it ran. */
typedef gint64 (*GbRlRunnerStep) (gpointer data, gint64 max);

GbRlRunner *gb_rl_runner_new  (void);
void        gb_rl_runner_free (GbRlRunner *runner);

/* Starts step on the worker (stopping one under way): rate units a second,
 * or as fast as it goes for rate ≤ 0, chunk units at most under the lock at
 * a time. */
void     gb_rl_runner_start      (GbRlRunner *runner, GbRlRunnerStep step, gpointer data, double rate, gint64 chunk);
/* Stops the worker and waits for it (the chunk under way: milliseconds). */
void     gb_rl_runner_stop       (GbRlRunner *runner);
gboolean gb_rl_runner_is_running (GbRlRunner *runner);

/* The main loop's side of the lock: lock waits; trylock never does. */
void     gb_rl_runner_lock    (GbRlRunner *runner);
gboolean gb_rl_runner_trylock (GbRlRunner *runner);
void     gb_rl_runner_unlock  (GbRlRunner *runner);

G_END_DECLS
