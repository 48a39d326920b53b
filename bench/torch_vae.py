# SPDX-License-Identifier: GPL-3.0-or-later
"""The VAE of PyTorch's examples/vae with a 2-d latent: the benchmark's reference.

Layer names (fc1, fc21, fc22, fc3, fc4) and the loss (BCE summed over pixels
and the batch, plus the analytic KL) are those of pytorch/examples vae/main.py.
"""
import torch
from torch import nn
from torch.nn import functional as F


class VAE(nn.Module):
    def __init__(self, d=784, h=512, latent=2):
        super().__init__()
        self.fc1 = nn.Linear(d, h)
        self.fc21 = nn.Linear(h, latent)
        self.fc22 = nn.Linear(h, latent)
        self.fc3 = nn.Linear(latent, h)
        self.fc4 = nn.Linear(h, d)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))

    def decode(self, z):
        return torch.sigmoid(self.decode_logits(z))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar)
        return self.decode_logits(z), mu, logvar


def loss_terms(logits, x, mu, logvar):
    """Summed over the batch: BCE (with logits, numerically stable) and KL, in nats."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kl
