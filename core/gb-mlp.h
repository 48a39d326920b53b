/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-mlp.h — a small multilayer perceptron laid out as PyTorch's
 * nn.Sequential (Linear, act, Linear, act, …, Linear): the networks of the
 * deep RL agents (DQN's Q-network, the policies and critics of the policy
 * gradients).
 *
 * Its parameters are one block in state_dict order: for each linear layer l,
 * its weight (out, in) then its bias (out), named "{2l}.weight" and
 * "{2l}.bias" as nn.Sequential names them (the activations between have no
 * parameters but take the odd indices). The activation between layers is
 * ReLU or tanh; the last layer has none. */
#pragma once

#include <glib.h>

#include "gb-nn.h"
#include "gb-rng.h"
#include "gb-safetensors.h"

G_BEGIN_DECLS

#define GB_MLP_MAX_LAYERS 4

typedef struct {
  int n_layers;                     /* linear layers, 1…GB_MLP_MAX_LAYERS */
  int size[GB_MLP_MAX_LAYERS + 1];  /* size[0] inputs, size[l + 1] layer l's outputs */
  GbAct act;                        /* GB_ACT_RELU or GB_ACT_TANH, between layers */
  gsize n_params;
} GbMlp;

/* n_hidden layers of width hidden between n_in inputs and n_out outputs. */
void         gb_mlp_init   (GbMlp *m, int n_in, int hidden, int n_hidden, int n_out, GbAct act);
/* Offsets of layer l's weight and bias in the block. */
gsize        gb_mlp_weight (const GbMlp *m, int l);
gsize        gb_mlp_bias   (const GbMlp *m, int l);
/* PyTorch's nn.Linear initialisation of every layer. */
void         gb_mlp_init_params (const GbMlp *m, float *params, GbRng *rng);

/* What a forward pass keeps for the backward one, for up to rows rows. */
typedef struct {
  int rows;
  float *h[GB_MLP_MAX_LAYERS];      /* layer l's output (rows, size[l + 1]), after its activation */
  float *d;                         /* scratch for gradients (rows, widest) ×2 */
} GbMlpWork;

GbMlpWork   *gb_mlp_work_new  (const GbMlp *m, int rows);
void         gb_mlp_work_free (GbMlpWork *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GbMlpWork, gb_mlp_work_free)

/* The outputs (n, size[n_layers]) of x (n, size[0]), n ≤ w->rows; they live in w. */
const float *gb_mlp_forward  (const GbMlp *m, const float *params, const float *x, int n, GbMlpWork *w);
/* After gb_mlp_forward on the same x: given dout = ∂L/∂outputs (n, n_out),
 * writes (accumulate FALSE) or adds (TRUE) ∂L/∂params into grad (n_params). */
void         gb_mlp_backward (const GbMlp *m, const float *params, const float *x, int n, GbMlpWork *w,
                              const float *dout, float *grad, gboolean accumulate);

/* Adds the tensors to w named prefix + "0.weight", … (prefix may be ""). */
void         gb_mlp_write (const GbMlp *m, const float *params, GbSafetensorsWriter *w, const char *prefix);
/* Reads them back into params (n_params) from st, checking every shape
 * (which must be m's); errors name the file and the tensor. */
gboolean     gb_mlp_read  (const GbMlp *m, float *params, const GbSafetensors *st, const char *prefix,
                           GError **error);
/* The number of linear layers and the widths a file holds under prefix
 * (size[0…n]); FALSE with an error when it is not such an MLP. */
gboolean     gb_mlp_probe (GbMlp *m, const GbSafetensors *st, const char *prefix, GbAct act, GError **error);

G_END_DECLS
