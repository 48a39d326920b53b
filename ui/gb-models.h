/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-models.h — the models that ship inside the app (GResource). */
#pragma once

#include "gb-rl-cart-agent.h"
#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_SHIPPED_VAE_RESOURCE "/org/glassbox/Glassbox/models/vae.safetensors"
/* A diffusion model over that VAE's latent codes of the training images. */
#define GB_SHIPPED_LATENT_DIFFUSION_RESOURCE "/org/glassbox/Glassbox/models/latent-diffusion.safetensors"

/* A diffusion model of the Fashion-MNIST images (28 × 28, in [−1, 1]). */
#define GB_SHIPPED_IMAGE_DIFFUSION_RESOURCE "/org/glassbox/Glassbox/models/image-diffusion.safetensors"

/* Cart-pole agents trained by `glassbox rl --env cartpole … --out` (see the README). */
#define GB_SHIPPED_CARTPOLE_DQN_RESOURCE "/org/glassbox/Glassbox/models/cartpole-dqn.safetensors"
#define GB_SHIPPED_CARTPOLE_POLICY_RESOURCE "/org/glassbox/Glassbox/models/cartpole-policy.safetensors"

/* The VAE trained by this project (see the README for the command). */
GbVae *gb_shipped_vae_load (GError **error);
/* The trained agent that ships for algo, learning on as algo: the DQN, or the
 * MLP policy (with its critic) for the neural policy gradients; NULL without
 * an error for the linear REINFORCE (none ships). */
GbCartAgent *gb_shipped_cart_agent_load (GbCartAlgo algo, GError **error);

G_END_DECLS
