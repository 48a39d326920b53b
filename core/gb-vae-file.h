/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gb-vae-file.h — VAE model files (safetensors).
 *
 * Tensors are named as a PyTorch nn.Linear state_dict names them
 * (fc1.weight (H, D), fc1.bias (H), fc21.*, fc22.*, fc3.*, fc4.*), so
 *   safetensors.torch.save_file (model.state_dict (), "vae.safetensors")
 * of PyTorch's examples/vae (with a 2-d latent) loads here. The architecture is
 * read off the shapes; the metadata records how the model was made:
 * kind = "vae", architecture = "784-512-2", dataset, epochs, seed, batch, lr,
 * beta, test_elbo. */
#pragma once

#include "gb-vae.h"

G_BEGIN_DECLS

gboolean gb_vae_save       (const GbVae *vae, const char *path, GError **error);
GBytes  *gb_vae_to_bytes   (const GbVae *vae);
GbVae   *gb_vae_load       (const char *path, GError **error);
/* `name` is used in messages. */
GbVae   *gb_vae_load_bytes (GBytes *bytes, const char *name, GError **error);

G_END_DECLS
