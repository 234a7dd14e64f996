"""``torch.nn.Dropout2d``: the support layer its rule targets.

Paddle's ``Dropout2D`` checks for 4-D input even in eval mode, where torch's ``Dropout2d``
returns any input unchanged; language models apply it to (seq, batch, feature) or 2-D
activations. ``TorchDropout2D`` is Paddle's layer with torch's behaviour around it.
"""

from __future__ import annotations

from ._common import snippet

snippet(
    "TorchDropout2D",
    '''
class TorchDropout2D(paddle.nn.Dropout2D):
    """torch's ``nn.Dropout2d``: zeroes whole channels of (N, C, H, W) input in
    training; in eval the input is returned whatever its rank. In training, a 3-D input
    is (N, C, L) and a 2-D input (N, C), each channel dropped whole, as torch does."""

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        if not self.training or self.p == 0:
            return x
        if x.ndim == 4:
            return super().forward(x)
        extra = [x.ndim + i for i in range(4 - x.ndim)]
        return super().forward(x.unsqueeze(extra)).squeeze(extra)
''',
)
