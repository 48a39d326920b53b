/* gb-parallel.c — one helper thread and a completion handshake. */
#include "gb-parallel.h"

typedef struct {
  GbParallelFunc fn;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} Item;

static void
pool_func (gpointer data, gpointer user_data)
{
  Item *item = data;
  item->fn (item->data);
  g_mutex_lock (&item->lock);
  item->done = TRUE;
  g_cond_signal (&item->cond);
  g_mutex_unlock (&item->lock);
}

static GThreadPool *
helper (void)
{
  static GThreadPool *pool;
  static gsize once;
  if (g_once_init_enter (&once))
    {
      /* Only with a second core: on one, the split would just add a switch. */
      if (g_get_num_processors () >= 2)
        pool = g_thread_pool_new (pool_func, NULL, 1, TRUE, NULL);
      g_once_init_leave (&once, 1);
    }
  return pool;
}

void
gb_parallel_pair (GbParallelFunc fn, gpointer a, gpointer b)
{
  GThreadPool *pool = helper ();
  if (pool == NULL)
    {
      fn (a);
      fn (b);
      return;
    }
  Item item = { fn, a, { 0 }, { 0 }, FALSE };
  g_mutex_init (&item.lock);
  g_cond_init (&item.cond);
  g_thread_pool_push (pool, &item, NULL);
  fn (b);
  g_mutex_lock (&item.lock);
  while (!item.done)
    g_cond_wait (&item.cond, &item.lock);
  g_mutex_unlock (&item.lock);
  g_mutex_clear (&item.lock);
  g_cond_clear (&item.cond);
}
