"""Support layers for ``torch.nn.MultiheadAttention`` and the ``torch.nn.Transformer*`` layers.

Paddle's attention is batch-first, returns only the output, and reads masks the opposite way;
the translation emits these small Paddle layers (``TorchMultiheadAttention``, ...) that keep
torch's arguments, calling convention, masks and parameter names, so checkpoints convert name
for name.  The rules that use them name them as their ``support`` code.
"""

from __future__ import annotations

from ._common import snippet


snippet(
    "TorchMultiheadAttention",
    '''
class TorchMultiheadAttention(paddle.nn.Layer):
    """torch.nn.MultiheadAttention in Paddle, with torch's arguments, parameter names
    and layouts (``in_proj_weight`` is (3 * embed_dim, embed_dim), ``out_proj`` a
    Linear), torch's results ``(output, weights or None)`` and masks: inputs are (L, N,
    E) unless ``batch_first=True``; boolean masks are True where attention is *not*
    allowed, float masks are added."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: "int | None" = None,
                 vdim: "int | None" = None, batch_first: bool = False) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("add_bias_kv and add_zero_attn are not supported")
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        xavier = paddle.nn.initializer.XavierUniform()
        if self._qkv_same_embed_dim:
            self.in_proj_weight = self.create_parameter([3 * embed_dim, embed_dim], default_initializer=xavier)
        else:
            self.q_proj_weight = self.create_parameter([embed_dim, embed_dim], default_initializer=xavier)
            self.k_proj_weight = self.create_parameter([embed_dim, self.kdim], default_initializer=xavier)
            self.v_proj_weight = self.create_parameter([embed_dim, self.vdim], default_initializer=xavier)
        zero = paddle.nn.initializer.Constant(0.0)
        self.in_proj_bias = self.create_parameter([3 * embed_dim], is_bias=True, default_initializer=zero) if bias else None
        self.out_proj = paddle.nn.Linear(embed_dim, embed_dim, bias_attr=paddle.ParamAttr(initializer=zero) if bias else False)

    def forward(self, query: "paddle.Tensor", key: "paddle.Tensor", value: "paddle.Tensor",
                key_padding_mask: "paddle.Tensor | None" = None, need_weights: bool = True,
                attn_mask: "paddle.Tensor | None" = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose([1, 0, 2]) for t in (query, key, value))
        tgt_len, bsz, _ = query.shape
        src_len = key.shape[0]
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = paddle.split(self.in_proj_weight, 3, axis=0)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = paddle.split(self.in_proj_bias, 3, axis=0)
        heads = bsz * self.num_heads

        def project(x, w, b, length):
            y = paddle.matmul(x, w, transpose_y=True)
            if b is not None:
                y = y + b
            return y.reshape([length, heads, self.head_dim]).transpose([1, 0, 2])

        q = project(query, w_q, b_q, tgt_len)
        k = project(key, w_k, b_k, src_len)
        v = project(value, w_v, b_v, src_len)
        scores = paddle.matmul(q, k, transpose_y=True) / math.sqrt(self.head_dim)
        if attn_mask is None and is_causal:
            attn_mask = paddle.triu(paddle.ones([tgt_len, src_len]), diagonal=1).astype("bool")
        if attn_mask is not None:
            mask = _torch_additive_mask(attn_mask, scores.dtype)
            scores = scores + (mask.unsqueeze(0) if mask.ndim == 2 else mask)
        if key_padding_mask is not None:
            mask = _torch_additive_mask(key_padding_mask, scores.dtype)
            mask = mask.reshape([bsz, 1, 1, src_len]).expand([bsz, self.num_heads, 1, src_len])
            scores = scores + mask.reshape([heads, 1, src_len])
        weights = paddle.nn.functional.softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = paddle.nn.functional.dropout(weights, p=self.dropout)
        out = paddle.matmul(weights, v).transpose([1, 0, 2]).reshape([tgt_len, bsz, self.embed_dim])
        out = self.out_proj(out)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose([1, 0, 2])
        if not need_weights:
            return out, None
        weights = weights.reshape([bsz, self.num_heads, tgt_len, src_len])
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if unbatched:
            weights = weights.squeeze(0)
        return out, weights
''',
    imports=("import math",),
    deps=("_torch_additive_mask",),
)


snippet(
    "_torch_additive_mask",
    '''
def _torch_additive_mask(mask: "paddle.Tensor", dtype: "paddle.dtype") -> "paddle.Tensor":
    """A torch attention mask as a float mask to add: boolean True (not allowed) ->
    -inf."""
    if mask.dtype == paddle.bool:
        return paddle.where(mask, paddle.full(mask.shape, float("-inf"), dtype), paddle.zeros(mask.shape, dtype))
    return mask.astype(dtype)
''',
)


snippet(
    "_torch_activation",
    '''
def _torch_activation(activation: "str | Callable[..., Any]") -> "Callable[..., Any]":
    """A Transformer layer's activation: "relu", "gelu" or a callable."""
    if isinstance(activation, str):
        return {"relu": paddle.nn.functional.relu, "gelu": paddle.nn.functional.gelu}[activation]
    return activation
''',
    imports=("from typing import Any, Callable",),
)


snippet(
    "TorchTransformerEncoderLayer",
    '''
class TorchTransformerEncoderLayer(paddle.nn.Layer):
    """torch.nn.TransformerEncoderLayer in Paddle: torch's arguments, sublayer names
    (``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``), masks and (L, N, E)
    layout unless ``batch_first=True``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-05, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        self.self_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = paddle.nn.Linear(d_model, dim_feedforward, bias_attr=no_bias)
        self.dropout = paddle.nn.Dropout(dropout)
        self.linear2 = paddle.nn.Linear(dim_feedforward, d_model, bias_attr=no_bias)
        self.norm_first = norm_first
        self.norm1 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm2 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.dropout1 = paddle.nn.Dropout(dropout)
        self.dropout2 = paddle.nn.Dropout(dropout)
        self.activation = _torch_activation(activation)

    def forward(self, src: "paddle.Tensor", src_mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None, is_causal: bool = False) -> "paddle.Tensor":
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))
''',
    imports=("from typing import Any",),
    deps=("TorchMultiheadAttention", "_torch_activation"),
)


snippet(
    "TorchTransformerDecoderLayer",
    '''
class TorchTransformerDecoderLayer(paddle.nn.Layer):
    """torch.nn.TransformerDecoderLayer in Paddle: torch's arguments, sublayer names
    (``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``..``norm3``),
    masks and (L, N, E) layout unless ``batch_first=True``."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-05, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        self.self_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.multihead_attn = TorchMultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = paddle.nn.Linear(d_model, dim_feedforward, bias_attr=no_bias)
        self.dropout = paddle.nn.Dropout(dropout)
        self.linear2 = paddle.nn.Linear(dim_feedforward, d_model, bias_attr=no_bias)
        self.norm_first = norm_first
        self.norm1 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm2 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.norm3 = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
        self.dropout1 = paddle.nn.Dropout(dropout)
        self.dropout2 = paddle.nn.Dropout(dropout)
        self.dropout3 = paddle.nn.Dropout(dropout)
        self.activation = _torch_activation(activation)

    def forward(self, tgt: "paddle.Tensor", memory: "paddle.Tensor", tgt_mask: "paddle.Tensor | None" = None,
                memory_mask: "paddle.Tensor | None" = None, tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> "paddle.Tensor":
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                need_weights=False, is_causal=bool(is_causal))[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))
''',
    imports=("from typing import Any",),
    deps=("TorchMultiheadAttention", "_torch_activation"),
)


snippet(
    "TorchTransformerEncoder",
    '''
class TorchTransformerEncoder(paddle.nn.Layer):
    """torch.nn.TransformerEncoder in Paddle: ``num_layers`` deep copies of
    ``encoder_layer`` (as torch makes them) in ``layers``, then the optional
    ``norm``."""

    def __init__(self, encoder_layer: paddle.nn.Layer, num_layers: int, norm: "paddle.nn.Layer | None" = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = paddle.nn.LayerList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: "paddle.Tensor", mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None, is_causal: "bool | None" = None) -> "paddle.Tensor":
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        if self.norm is not None:
            output = self.norm(output)
        return output
''',
    imports=("import copy",),
)


snippet(
    "TorchTransformerDecoder",
    '''
class TorchTransformerDecoder(paddle.nn.Layer):
    """torch.nn.TransformerDecoder in Paddle: ``num_layers`` deep copies of
    ``decoder_layer`` (as torch makes them) in ``layers``, then the optional
    ``norm``."""

    def __init__(self, decoder_layer: paddle.nn.Layer, num_layers: int, norm: "paddle.nn.Layer | None" = None) -> None:
        super().__init__()
        self.layers = paddle.nn.LayerList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: "paddle.Tensor", memory: "paddle.Tensor", tgt_mask: "paddle.Tensor | None" = None,
                memory_mask: "paddle.Tensor | None" = None, tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, tgt_is_causal: "bool | None" = None,
                memory_is_causal: bool = False) -> "paddle.Tensor":
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output
''',
    imports=("import copy",),
)


snippet(
    "TorchTransformer",
    '''
class TorchTransformer(paddle.nn.Layer):
    """torch.nn.Transformer in Paddle: torch's arguments, sublayer names (``encoder``,
    ``decoder``), masks and (S, N, E) layout unless ``batch_first=True``; parameters
    with more than one dimension start Xavier-uniform, as in torch."""

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: "paddle.nn.Layer | None" = None,
                 custom_decoder: "paddle.nn.Layer | None" = None, layer_norm_eps: float = 1e-05,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        no_bias = None if bias else False
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TorchTransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                 layer_norm_eps, batch_first, norm_first, bias)
            norm = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
            self.encoder = TorchTransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TorchTransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation,
                                                 layer_norm_eps, batch_first, norm_first, bias)
            norm = paddle.nn.LayerNorm(d_model, epsilon=layer_norm_eps, bias_attr=no_bias)
            self.decoder = TorchTransformerDecoder(layer, num_decoder_layers, norm)
        for p in self.parameters():
            if p.ndim > 1:
                paddle.nn.initializer.XavierUniform()(p)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def forward(self, src: "paddle.Tensor", tgt: "paddle.Tensor", src_mask: "paddle.Tensor | None" = None,
                tgt_mask: "paddle.Tensor | None" = None, memory_mask: "paddle.Tensor | None" = None,
                src_key_padding_mask: "paddle.Tensor | None" = None,
                tgt_key_padding_mask: "paddle.Tensor | None" = None,
                memory_key_padding_mask: "paddle.Tensor | None" = None, src_is_causal: "bool | None" = None,
                tgt_is_causal: "bool | None" = None, memory_is_causal: bool = False) -> "paddle.Tensor":
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> "paddle.Tensor":
        """A float mask with -inf above the diagonal and 0 elsewhere, as torch's."""
        return paddle.triu(paddle.full([sz, sz], float("-inf"), dtype=dtype or "float32"), diagonal=1)
''',
    imports=("from typing import Any",),
    deps=("TorchTransformerEncoderLayer", "TorchTransformerDecoderLayer", "TorchTransformerEncoder", "TorchTransformerDecoder"),
)
