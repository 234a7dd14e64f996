"""Support code for ``torch.nn.utils.fusion`` (``rules/nn_utils_fusion.toml``): a convolution or
linear layer and the batch norm after it folded into one layer for inference, with torch's
formulas (``w * gamma / sqrt(var + eps)``, ``(b - mean) * gamma / sqrt(var + eps) + beta``)."""

from __future__ import annotations

from ._common import snippet

snippet(
    "_torch_fuse_bn_weights",
    '''
def _torch_fuse_bn_weights(w, b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, axis=0):
    """A weight (scaled along ``axis``) and bias with the batch norm folded in, as new
    parameters."""
    b = paddle.zeros_like(bn_rm) if b is None else b
    bn_w = paddle.ones_like(bn_rm) if bn_w is None else bn_w
    bn_b = paddle.zeros_like(bn_rm) if bn_b is None else bn_b
    scale = bn_w * paddle.rsqrt(bn_rv + bn_eps)
    shape = [1] * w.ndim
    shape[axis] = -1
    fused_w = (w * scale.reshape(shape)).astype(w.dtype)
    fused_b = ((b - bn_rm) * scale + bn_b).astype(w.dtype)
    params = []
    for value in (fused_w, fused_b):
        param = paddle.create_parameter(value.shape, value.dtype)
        param.set_value(value)
        params.append(param)
    return params[0], params[1]
''',
)

snippet(
    "_torch_fuse_conv_bn_weights",
    '''
def _torch_fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """torch.nn.utils.fuse_conv_bn_weights: (weight, bias) of the convolution with the
    batch norm folded in."""
    return _torch_fuse_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, axis=1 if transpose else 0)
''',
    deps=("_torch_fuse_bn_weights",),
)

snippet(
    "_torch_fuse_conv_bn_eval",
    '''
def _torch_fuse_conv_bn_eval(conv, bn, transpose=False):
    """torch.nn.utils.fuse_conv_bn_eval: a copy of the convolution with the (eval-mode)
    batch norm folded in."""
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = _torch_fuse_bn_weights(
        conv.weight, conv.bias, bn._mean, bn._variance, bn._epsilon, bn.weight, bn.bias, axis=1 if transpose else 0
    )
    return fused
''',
    imports=("import copy",),
    deps=("_torch_fuse_bn_weights",),
)

snippet(
    "_torch_fuse_linear_bn_eval",
    '''
def _torch_fuse_linear_bn_eval(linear, bn):
    """torch.nn.utils.fuse_linear_bn_eval: a copy of the Linear layer with the
    (eval-mode) batch norm folded in."""
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = _torch_fuse_bn_weights(
        linear.weight, linear.bias, bn._mean, bn._variance, bn._epsilon, bn.weight, bn.bias, axis=1
    )
    return fused
''',
    imports=("import copy",),
    deps=("_torch_fuse_bn_weights",),
)
