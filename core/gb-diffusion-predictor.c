/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-diffusion-predictor.c — the latest-request-wins worker of gb-diffusion-predictor.h. */
#include "gb-diffusion-predictor.h"

#include <string.h>

typedef struct {
  const GbDenoiser *net;
  int t, d;
  double w;
  gboolean clip;
  int label;     /* the state's class (a class-conditional model), or −1 */
  guint64 tag;
  float *x;      /* (d) */
} Request;

struct _GbPredictor {
  GMutex lock;
  GCond cond;
  GThread *thread;
  gboolean quit, pending, busy;
  Request req;                /* the waiting request (pending) */
  /* The newest answer, d values each, or have = FALSE. */
  gboolean have;
  guint64 tag;
  int t, d;
  float *x, *eps, *x0;
  GSourceFunc ready;
  gpointer data;
  GMainContext *context;
  gint refs;                  /* the owner's and each queued callback's */
  gint dead;                  /* freed by its owner: callbacks do nothing */
};

void
gb_predict_one (const GbDenoiser *net, int t, double w, gboolean clip, int label, const float *x, float *eps,
                float *x0)
{
  gb_denoiser_eps_class (eps, x, 1, net->d, t, net, w, label >= 0 ? &label : NULL);
  gb_diffusion_predict_x0 (net->schedule, t, x, eps, x0, (gsize) net->d);
  if (clip)
    for (int k = 0; k < net->d; k++)
      x0[k] = CLAMP (x0[k], -1.0f, 1.0f);
}

static void
predictor_unref (gpointer data)
{
  GbPredictor *p = data;
  if (!g_atomic_int_dec_and_test (&p->refs))
    return;
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p->req.x);
  g_free (p->x), g_free (p->eps), g_free (p->x0);
  g_main_context_unref (p->context);
  g_free (p);
}

static gboolean
ready_cb (gpointer data)
{
  GbPredictor *p = data;
  if (!g_atomic_int_get (&p->dead))
    p->ready (p->data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker (gpointer data)
{
  GbPredictor *p = data;
  Request r = { 0 };
  float *eps = NULL, *x0 = NULL;
  g_mutex_lock (&p->lock);
  for (;;)
    {
      while (!p->pending && !p->quit)
        g_cond_wait (&p->cond, &p->lock);
      if (p->quit)
        break;
      /* Take the request, its input copied: the next one may come while this runs. */
      float *x = r.x;
      r = p->req;
      r.x = g_renew (float, x, r.d);
      memcpy (r.x, p->req.x, (gsize) r.d * sizeof (float));
      p->pending = FALSE;
      p->busy = TRUE;
      g_mutex_unlock (&p->lock);

      eps = g_renew (float, eps, r.d);
      x0 = g_renew (float, x0, r.d);
      gb_predict_one (r.net, r.t, r.w, r.clip, r.label, r.x, eps, x0);

      g_mutex_lock (&p->lock);
      if (p->d != r.d)
        {
          p->x = g_renew (float, p->x, r.d);
          p->eps = g_renew (float, p->eps, r.d);
          p->x0 = g_renew (float, p->x0, r.d);
          p->d = r.d;
        }
      memcpy (p->x, r.x, (gsize) r.d * sizeof (float));
      memcpy (p->eps, eps, (gsize) r.d * sizeof (float));
      memcpy (p->x0, x0, (gsize) r.d * sizeof (float));
      p->t = r.t, p->tag = r.tag, p->have = TRUE;
      p->busy = FALSE;
      g_cond_broadcast (&p->cond);
      g_atomic_int_inc (&p->refs);
      g_main_context_invoke_full (p->context, G_PRIORITY_DEFAULT, ready_cb, p, predictor_unref);
    }
  g_mutex_unlock (&p->lock);
  g_free (r.x), g_free (eps), g_free (x0);
  return NULL;
}

GbPredictor *
gb_predictor_new (GSourceFunc ready, gpointer data)
{
  GbPredictor *p = g_new0 (GbPredictor, 1);
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->ready = ready, p->data = data;
  p->context = g_main_context_ref_thread_default ();
  p->refs = 1;
  p->thread = g_thread_new ("glassbox-predict", worker, p);
  return p;
}

void
gb_predictor_free (GbPredictor *p)
{
  if (p == NULL)
    return;
  g_mutex_lock (&p->lock);
  p->quit = TRUE;
  p->pending = FALSE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  g_thread_join (p->thread);
  g_atomic_int_set (&p->dead, 1);
  predictor_unref (p);
}

void
gb_predictor_request (GbPredictor *p, const GbDenoiser *net, int t, double w, gboolean clip, int label,
                      const float *x, guint64 tag)
{
  g_return_if_fail (net != NULL && t >= 1 && t <= net->schedule->T);
  g_mutex_lock (&p->lock);
  if (p->req.x == NULL || p->req.d != net->d)
    p->req.x = g_renew (float, p->req.x, net->d);
  memcpy (p->req.x, x, (gsize) net->d * sizeof (float));
  p->req.net = net, p->req.t = t, p->req.d = net->d, p->req.w = w, p->req.clip = clip, p->req.label = label,
  p->req.tag = tag;
  p->pending = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

void
gb_predictor_sync (GbPredictor *p)
{
  g_mutex_lock (&p->lock);
  p->pending = FALSE;
  while (p->busy)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);
}

gboolean
gb_predictor_answer (GbPredictor *p, guint64 *tag, int *t, float *x, float *eps, float *x0, int d)
{
  g_mutex_lock (&p->lock);
  gboolean ok = p->have && p->d == d;
  if (ok)
    {
      *tag = p->tag, *t = p->t;
      memcpy (x, p->x, (gsize) d * sizeof (float));
      memcpy (eps, p->eps, (gsize) d * sizeof (float));
      memcpy (x0, p->x0, (gsize) d * sizeof (float));
    }
  g_mutex_unlock (&p->lock);
  return ok;
}
