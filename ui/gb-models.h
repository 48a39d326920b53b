/* gb-models.h — the models that ship inside the app (GResource). */
#pragma once

#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_SHIPPED_VAE_RESOURCE "/org/glassbox/Glassbox/models/vae.safetensors"
/* A diffusion model over that VAE's latent codes of the training images. */
#define GB_SHIPPED_LATENT_DIFFUSION_RESOURCE "/org/glassbox/Glassbox/models/latent-diffusion.safetensors"

/* A diffusion model of the Fashion-MNIST images (28 × 28, in [−1, 1]). */
#define GB_SHIPPED_IMAGE_DIFFUSION_RESOURCE "/org/glassbox/Glassbox/models/image-diffusion.safetensors"

/* The VAE trained by this project (see the README for the command). */
GbVae *gb_shipped_vae_load (GError **error);

G_END_DECLS
