/* gb-models.h — the models that ship inside the app (GResource). */
#pragma once

#include "gb-vae.h"

G_BEGIN_DECLS

#define GB_SHIPPED_VAE_RESOURCE "/org/glassbox/Glassbox/models/vae.safetensors"

/* The VAE trained by this project (see the README for the command). */
GbVae *gb_shipped_vae_load (GError **error);

G_END_DECLS
