"""User code of the corpus (written for torch2paddle's corpus harness): a small image classifier
built from blocks imported from libraries built on torch, the way timm-style code is written:
torchvision's ``Conv2dNormActivation``, ``SqueezeExcitation`` and ``StochasticDepth``, einops'
layers, and x-transformers' ``Attention``, ``FeedForward`` and ``RMSNorm``."""

import torch
from torch import nn
from torchvision.ops import StochasticDepth
from torchvision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from einops.layers.torch import Rearrange, Reduce
from x_transformers.x_transformers import Attention, FeedForward, RMSNorm


class HybridBlock(nn.Module):
    """Attention and a gated feed-forward over the tokens of a feature map, pre-normed."""

    def __init__(self, dim, heads=2, drop_path=0.1):
        super().__init__()
        self.norm1 = RMSNorm(dim)
        self.attn = Attention(dim, heads=heads, dim_head=dim // heads)
        self.norm2 = RMSNorm(dim)
        self.ff = FeedForward(dim, mult=2, glu=True)
        self.drop_path = StochasticDepth(drop_path, "row")

    def forward(self, x):
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.ff(self.norm2(x)))


class HybridNet(nn.Module):
    def __init__(self, num_classes=10, dim=32, depth=2):
        super().__init__()
        self.stem = nn.Sequential(
            Conv2dNormActivation(3, dim // 2, kernel_size=3, stride=2),
            Conv2dNormActivation(dim // 2, dim, kernel_size=3, stride=2, activation_layer=nn.Hardswish),
        )
        self.se = SqueezeExcitation(dim, dim // 4)
        self.to_tokens = Rearrange("b c h w -> b (h w) c")
        self.blocks = nn.ModuleList([HybridBlock(dim) for _ in range(depth)])
        self.pool = Reduce("b n d -> b d", "mean")
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.se(self.stem(x))
        x = self.to_tokens(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.pool(x))


def hybrid_net(num_classes=10):
    return HybridNet(num_classes=num_classes)
