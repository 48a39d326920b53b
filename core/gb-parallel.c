/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-parallel.c — one helper thread and a spinning hand-off.
 *
 * A diffusion sampler splits every product of every step across the two
 * cores: for 16 images that is five hand-offs a step, each of well under a
 * millisecond of work. Waking a sleeping thread through a futex (GLib's
 * thread pool, a GCond) took tens of microseconds each time on these
 * machines, a third of the step. So both sides watch for a while first: the
 * helper for the next job after each one before it goes to sleep on a
 * condition, and the caller for the helper's half being done before it does. */
#include "gb-parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause ()
#else
#define CPU_RELAX() do { } while (0)
#endif

/* Busy-wait for SPIN_US, then yield the core between looks until YIELD_US
 * (so a machine with more runnable threads than cores still makes progress),
 * then sleep. */
enum { SPIN_US = 50, YIELD_US = 1000 };

typedef struct {
  GMutex caller;       /* one caller at a time; the others run both halves themselves */
  GMutex lock;         /* guards the sleeping flags and the conditions */
  GCond job_cond, done_cond;
  gboolean helper_sleeps, caller_sleeps;
  gint posted, finished;   /* atomic: jobs handed over, jobs done */
  GbParallelFunc fn;
  gpointer data;
} Helper;

/* Waits until *counter != value, for at most YIELD_US; says whether it moved. */
static gboolean
spin_while_equal (gint *counter, gint value)
{
  gint64 start = 0;
  for (guint i = 1;; i++)
    {
      if (g_atomic_int_get (counter) != value)
        return TRUE;
      if (i % 64 != 0)
        {
          CPU_RELAX ();
          continue;
        }
      gint64 now = g_get_monotonic_time ();
      if (start == 0)
        start = now;
      else if (now - start > YIELD_US)
        return FALSE;
      else if (now - start > SPIN_US)
        g_thread_yield ();
    }
}

static gpointer
helper_main (gpointer data)
{
  Helper *h = data;
  gint seen = 0;
  for (;;)
    {
      if (!spin_while_equal (&h->posted, seen))
        {
          g_mutex_lock (&h->lock);
          while (g_atomic_int_get (&h->posted) == seen)
            {
              h->helper_sleeps = TRUE;
              g_cond_wait (&h->job_cond, &h->lock);
            }
          h->helper_sleeps = FALSE;
          g_mutex_unlock (&h->lock);
        }
      seen = g_atomic_int_get (&h->posted);
      h->fn (h->data);
      g_atomic_int_set (&h->finished, seen);
      g_mutex_lock (&h->lock);
      if (h->caller_sleeps)
        g_cond_signal (&h->done_cond);
      g_mutex_unlock (&h->lock);
    }
  return NULL;
}

static Helper *
helper (void)
{
  static Helper *h;
  static gsize once;
  if (g_once_init_enter (&once))
    {
      /* Only with a second core: on one, the split would just add a switch. */
      if (g_get_num_processors () >= 2)
        {
          h = g_new0 (Helper, 1);
          g_thread_unref (g_thread_new ("gb-helper", helper_main, h));
        }
      g_once_init_leave (&once, 1);
    }
  return h;
}

void
gb_parallel_pair (GbParallelFunc fn, gpointer a, gpointer b)
{
  Helper *h = helper ();
  /* No second core, or the helper is busy for another caller (or this is a
   * call from inside a half): both halves here, one after the other. */
  if (h == NULL || !g_mutex_trylock (&h->caller))
    {
      fn (a);
      fn (b);
      return;
    }
  h->fn = fn;
  h->data = a;
  gint job = g_atomic_int_add (&h->posted, 1) + 1;
  g_mutex_lock (&h->lock);
  if (h->helper_sleeps)
    g_cond_signal (&h->job_cond);
  g_mutex_unlock (&h->lock);
  fn (b);
  if (!spin_while_equal (&h->finished, job - 1))
    {
      g_mutex_lock (&h->lock);
      while (g_atomic_int_get (&h->finished) != job)
        {
          h->caller_sleeps = TRUE;
          g_cond_wait (&h->done_cond, &h->lock);
        }
      h->caller_sleeps = FALSE;
      g_mutex_unlock (&h->lock);
    }
  g_mutex_unlock (&h->caller);
}

typedef struct {
  GbParallelRange fn;
  gpointer data;
  int part;
  gint64 i0, i1;
} Half;

static void
half_cb (gpointer data)
{
  const Half *h = data;
  h->fn (h->data, h->part, h->i0, h->i1);
}

void
gb_parallel_halves (gboolean split, gint64 mid, gint64 n, GbParallelRange fn, gpointer data)
{
  g_return_if_fail (0 <= mid && mid <= n);
  Half a = { fn, data, 0, 0, mid }, b = { fn, data, 1, mid, n };
  if (split && mid > 0 && mid < n)
    gb_parallel_pair (half_cb, &a, &b);
  else
    half_cb (&a), half_cb (&b);   /* an empty half is still called: it may clear its outputs */
}
