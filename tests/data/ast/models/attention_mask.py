"""Scaled dot-product attention written by hand, with a padding mask."""
import math

import torch
import torch.nn as nn


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, d_model=16, heads=4, vocab=20):
        super().__init__()
        assert d_model % heads == 0
        self.d_k = d_model // heads
        self.h = heads
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.linears = nn.ModuleList([nn.Linear(d_model, d_model) for _ in range(4)])
        self.norm = nn.LayerNorm(d_model)

    def forward(self, tokens):
        mask = (tokens != 0).unsqueeze(1).unsqueeze(2)
        x = self.embed(tokens)
        nbatches = x.size(0)
        query, key, value = [
            lin(x).view(nbatches, -1, self.h, self.d_k).transpose(1, 2)
            for lin in self.linears[:3]
        ]
        scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(self.d_k)
        scores = scores.masked_fill(mask == 0, -1e9)
        p_attn = torch.softmax(scores, dim=-1)
        out = torch.matmul(p_attn, value)
        out = out.transpose(1, 2).contiguous().view(nbatches, -1, self.h * self.d_k)
        out = self.linears[-1](out)
        return self.norm(out + x).type_as(x)
