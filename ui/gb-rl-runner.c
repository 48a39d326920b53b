/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-rl-runner.c — an RL agent playing on its own thread (see the header). */
#include "gb-rl-runner.h"

#include <pthread.h>
#include <sched.h>

struct _GbRlRunner {
  GMutex lock;          /* guards the agent against the worker */
  GCond handoff;        /* the worker waits on it while the main loop wants the lock */
  gint main_waiting;    /* the main loop wants the lock: the worker steps aside */
  gint stop;
  GThread *worker;
  GbRlRunnerStep step;
  gpointer data;
  double rate;
  gint64 chunk;
};

GbRlRunner *
gb_rl_runner_new (void)
{
  GbRlRunner *r = g_new0 (GbRlRunner, 1);
  g_mutex_init (&r->lock);
  g_cond_init (&r->handoff);
  return r;
}

void
gb_rl_runner_free (GbRlRunner *r)
{
  if (r == NULL)
    return;
  gb_rl_runner_stop (r);
  g_mutex_clear (&r->lock);
  g_cond_clear (&r->handoff);
  g_free (r);
}

void
gb_rl_runner_lock (GbRlRunner *r)
{
  g_atomic_int_set (&r->main_waiting, 1);
  g_mutex_lock (&r->lock);
  g_atomic_int_set (&r->main_waiting, 0);
  g_cond_signal (&r->handoff);
}

/* For a frame: never waits. The worker runs at idle priority, so on a busy
 * machine it can hold the lock for a long while; then the frame draws what it
 * had, and asks the worker to step aside before the next one. */
gboolean
gb_rl_runner_trylock (GbRlRunner *r)
{
  if (!g_mutex_trylock (&r->lock))
    {
      g_atomic_int_set (&r->main_waiting, 1);
      return FALSE;
    }
  g_atomic_int_set (&r->main_waiting, 0);
  g_cond_signal (&r->handoff);
  return TRUE;
}

void
gb_rl_runner_unlock (GbRlRunner *r)
{
  g_mutex_unlock (&r->lock);
}

static void
worker_lock (GbRlRunner *r)
{
  g_mutex_lock (&r->lock);
  /* Waiting on the condition lets go of the lock; a frame that asked takes it
   * then. If no frame comes (the page is hidden), go on after a while. */
  gint64 end = g_get_monotonic_time () + 40 * G_TIME_SPAN_MILLISECOND;
  while (g_atomic_int_get (&r->main_waiting) && !g_atomic_int_get (&r->stop))
    if (!g_cond_wait_until (&r->handoff, &r->lock, end))
      {
        g_atomic_int_set (&r->main_waiting, 0);
        break;
      }
}

/* Workers run flat out on whatever CPU the interface leaves: under
 * SCHED_IDLE they never take a core from the main loop or the display
 * server (on two cores the frame time otherwise triples). */
static void
yield_to_ui (void)
{
  struct sched_param p = { 0 };
  if (pthread_setschedparam (pthread_self (), SCHED_IDLE, &p) != 0)
    g_debug ("could not lower the RL worker's priority");
}

static gpointer
worker_main (gpointer data)
{
  GbRlRunner *r = data;
  yield_to_ui ();
  gint64 t0 = g_get_monotonic_time ();
  double done = 0;
  while (!g_atomic_int_get (&r->stop))
    {
      gint64 max = r->chunk;
      if (r->rate > 0)
        {
          double target = r->rate * (g_get_monotonic_time () - t0) / 1e6;
          max = (gint64) MIN (target - done, (double) r->chunk);
          if (max <= 0)
            {
              g_usleep (2000);
              continue;
            }
        }
      worker_lock (r);
      gint64 n = r->step (r->data, max);
      g_mutex_unlock (&r->lock);
      done += (double) n;
    }
  return NULL;
}

void
gb_rl_runner_start (GbRlRunner *r, GbRlRunnerStep step, gpointer data, double rate, gint64 chunk)
{
  gb_rl_runner_stop (r);
  r->step = step;
  r->data = data;
  r->rate = rate;
  r->chunk = MAX (chunk, 1);
  r->worker = g_thread_new ("glassbox-rl", worker_main, r);
}

void
gb_rl_runner_stop (GbRlRunner *r)
{
  if (r->worker == NULL)
    return;
  g_atomic_int_set (&r->stop, 1);
  g_mutex_lock (&r->lock);
  g_cond_signal (&r->handoff);
  g_mutex_unlock (&r->lock);
  g_thread_join (r->worker);
  r->worker = NULL;
  g_atomic_int_set (&r->stop, 0);
  g_atomic_int_set (&r->main_waiting, 0);
}

gboolean
gb_rl_runner_is_running (GbRlRunner *r)
{
  return r->worker != NULL;
}
