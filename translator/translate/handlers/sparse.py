"""Sparse tensors (``rules/sparse.toml``): what Paddle 3.3.1 runs on the CPU.

Paddle has COO and CSR tensors (``paddle.sparse``) with CPU kernels for conversion, element-wise
operations, ``sum`` and ``softmax``; its sparse ``matmul``/``addmm``/``mv`` have none (those
are listed as ``[[unsupported]]``).

* ``sparse_to_coo``: ``x.to_sparse()``/``x.to_sparse_coo()`` -> ``x.to_sparse_coo(x.ndim)`` (torch
  makes every dimension sparse; Paddle's method wants the count); ``sparse_dim`` as given.
* ``sparse_to_dense``: ``x.to_dense()`` -> ``_torch_to_dense(x)``: torch also takes a dense tensor
  (returned as it is), where Paddle's ``to_dense`` raises.
* ``sparse_sum``: ``torch.sparse.sum(x)`` (every dimension) is a dense 0-d tensor in torch and a
  sparse one of shape [1] in Paddle: ``.to_dense().reshape([])``; with ``dim`` both are sparse.
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, bind_supported, call_on, is_simple, kw, literal_is, make_call, receiver, refuse, refused, snippet


def _given(bound: dict[str, cst.BaseExpression], name: str) -> cst.BaseExpression | None:
    value = bound.get(name)
    return None if value is None or literal_is(value, "None") else value


@handler("sparse_to_coo")
def to_coo(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    bound = bind_supported(ctx, call, rule)  # layout=, blocksize=, dense_dim= are the rule's unsupported
    if refused(bound):
        return bound
    recv = receiver(call)
    sparse_dim = _given(bound, "sparse_dim")
    if sparse_dim is None:
        if not is_simple(recv, parenthesized=True):
            return refuse(Refusal.UNSUPPORTED_USE, "Paddle's to_sparse_coo needs the number of sparse dimensions (all of"
                          " them: the receiver's ndim); assign the receiver to a name first; left unchanged")
        sparse_dim = cst.Attribute(recv, cst.Name("ndim"))
    return call_on(recv, "to_sparse_coo", [cst.Arg(sparse_dim)])


@handler("sparse_to_dense")
def to_dense(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    bound = bind_supported(ctx, call, rule)  # dtype=, masked_grad= are the rule's unsupported
    if refused(bound):
        return bound
    return make_call(cst.Name(ctx.support("_torch_to_dense")), [cst.Arg(receiver(call))])


@handler("sparse_sum")
def sparse_sum(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    bound = ctx.bind(call, rule)
    if refused(bound):
        return bound
    args = [cst.Arg(bound["input"])]
    dim = _given(bound, "dim")
    if dim is not None:
        args.append(kw("axis", dim))
    if _given(bound, "dtype") is not None:
        args.append(kw("dtype", bound["dtype"]))
    total = make_call(ctx.ref("paddle.sparse.sum"), args)
    if dim is not None:
        return total
    dense = call_on(total, "to_dense", [])
    return call_on(dense, "reshape", [cst.Arg(cst.List([]))])


snippet(
    "_torch_to_dense",
    '''
def _torch_to_dense(x):
    """torch's Tensor.to_dense: a sparse tensor as a dense one; a dense tensor as it
    is."""
    return x.to_dense() if x.is_sparse() else x
''',
)
