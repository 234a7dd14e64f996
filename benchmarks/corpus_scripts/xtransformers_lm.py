"""User code of the corpus (written for torch2paddle's corpus harness): language models built
with x-transformers, as its README builds them: a BERT-like encoder and a GPT-like decoder
(``TransformerWrapper(..., attn_layers=Encoder(...))``)."""

import torch
from x_transformers import Decoder, Encoder, TransformerWrapper


def encoder(num_tokens=50, max_seq_len=16):
    return TransformerWrapper(
        num_tokens=num_tokens,
        max_seq_len=max_seq_len,
        attn_layers=Encoder(dim=32, depth=2, heads=2, ff_glu=True, rotary_pos_emb=True),
    )


def decoder(num_tokens=50, max_seq_len=16):
    return TransformerWrapper(
        num_tokens=num_tokens,
        max_seq_len=max_seq_len,
        attn_layers=Decoder(dim=32, depth=2, heads=2, attn_qk_norm=True, use_rmsnorm=True),
        tie_embedding=True,
    )


@torch.no_grad()
def greedy(model, prompt, steps=4):
    """Greedy decoding with a decoder (the user's own loop over the model's logits)."""
    out = prompt
    for _ in range(steps):
        logits = model(out)[:, -1]
        out = torch.cat((out, logits.argmax(dim=-1, keepdim=True)), dim=-1)
    return out
