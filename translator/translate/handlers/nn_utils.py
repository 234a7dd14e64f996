"""``torch.nn.utils``: weight normalization, parameter vectors, ``rnn`` padding and packing,
and conv/linear + batch-norm fusion.

Paddle has ``paddle.nn.utils.{weight_norm, spectral_norm, parameters_to_vector, ...}``; the
``rnn`` helpers and the fusion helpers have no Paddle counterpart and are emitted as support
code with torch's semantics (declared below).
"""

from __future__ import annotations

import libcst as cst

from ...rules import ApiRule
from ..registry import Refusal, TranslateContext, handler
from ._common import Outcome, bind_supported, literal_value, plain_rule, refuse, refused, snippet


@handler("weight_norm")
def weight_norm(ctx: TranslateContext, call: cst.Call, rule: ApiRule) -> Outcome:
    """``weight_norm(nn.Linear(...), dim=0)``: Paddle's Linear stores its weight as [in, out],
    torch's as [out, in], so the norm's ``dim`` is swapped for a Linear built in the call (0 <->
    1); other layers (convolutions: same layout in both) keep torch's ``dim``."""
    bound = bind_supported(ctx, call, rule)
    if refused(bound):
        return bound
    assert bound is not None
    module = bound.get("module")
    original = ctx.original_of(module) if module is not None else None
    is_linear = isinstance(original, cst.Call) and ctx.resolve(original.func) == "torch.nn.Linear"
    if not is_linear:
        return ctx.rewrite(call, plain_rule(rule))
    dim = bound.get("dim")
    value = 0 if dim is None else literal_value(dim)
    if value not in (0, 1, -1, None):
        return refuse(Refusal.UNSUPPORTED_ARGUMENT, f"dim={ctx.code(dim)} on a Linear layer: write 0, 1 or None here to translate it; left unchanged")
    new = {0: "1", 1: "0", -1: "0", None: "None"}[value]
    rewritten = ctx.rewrite(call, plain_rule(rule, "dim", extra={**rule.extra, "dim": new}))
    return rewritten


snippet("PackedSequence", '''
class PackedSequence(typing.NamedTuple):
    """torch.nn.utils.rnn.PackedSequence: the time steps of a batch of sequences of
    different lengths, packed time step by time step (``data``), with the batch size of
    each step. Paddle's RNN layers take padded input and ``sequence_length`` instead:
    unpack before calling them."""

    data: "paddle.Tensor"
    batch_sizes: "paddle.Tensor"
    sorted_indices: "paddle.Tensor | None" = None
    unsorted_indices: "paddle.Tensor | None" = None
''', imports=("import typing",))

snippet("pad_sequence", '''
def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """torch.nn.utils.rnn.pad_sequence: stack tensors of shape [L_i, *] into [max L, B,
    *] ([B, max L, *] with batch_first), filling with ``padding_value`` on
    ``padding_side``."""
    longest = max(int(s.shape[0]) for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - int(s.shape[0])
        if missing:
            fill = paddle.full([missing, *s.shape[1:]], padding_value, dtype=s.dtype)
            s = paddle.concat([s, fill] if padding_side == "right" else [fill, s], axis=0)
        padded.append(s)
    out = paddle.stack(padded, axis=0)
    if not batch_first:
        out = out.transpose([1, 0, *range(2, out.ndim)])
    return out
''')

snippet("pack_padded_sequence", '''
def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_padded_sequence: a PackedSequence laid out as torch's."""
    lengths = [int(n) for n in (lengths.tolist() if isinstance(lengths, paddle.Tensor) else lengths)]
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.")
        order = list(range(len(lengths)))
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    if not batch_first:
        input = input.transpose([1, 0, *range(2, input.ndim)])
    index = paddle.to_tensor(order, dtype="int64")
    input = paddle.index_select(input, index, axis=0)
    ordered = [lengths[i] for i in order]
    batch_sizes = [sum(1 for n in ordered if n > t) for t in range(ordered[0])]
    data = paddle.concat([input[:b, t] for t, b in enumerate(batch_sizes)], axis=0)
    if enforce_sorted:
        return PackedSequence(data, paddle.to_tensor(batch_sizes, dtype="int64"))
    return PackedSequence(data, paddle.to_tensor(batch_sizes, dtype="int64"), index, paddle.argsort(index))
''', deps=("PackedSequence",))

snippet("pad_packed_sequence", '''
def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """torch.nn.utils.rnn.pad_packed_sequence: (padded tensor, lengths) from a
    PackedSequence."""
    data, batch_sizes, sorted_indices, unsorted_indices = sequence
    sizes = [int(b) for b in batch_sizes.tolist()]
    batch, steps = sizes[0], len(sizes)
    rest = list(data.shape[1:])
    columns, offset = [], 0
    for b in sizes:
        chunk = data[offset:offset + b]
        if b < batch:
            chunk = paddle.concat([chunk, paddle.full([batch - b, *rest], padding_value, dtype=data.dtype)], axis=0)
        columns.append(chunk)
        offset += b
    if total_length is not None and total_length > steps:
        columns += [paddle.full([batch, *rest], padding_value, dtype=data.dtype)] * (total_length - steps)
    out = paddle.stack(columns, axis=1)
    lengths = paddle.to_tensor([sum(1 for b in sizes if b > i) for i in range(batch)], dtype="int64")
    if unsorted_indices is not None:
        out = paddle.index_select(out, unsorted_indices, axis=0)
        lengths = paddle.index_select(lengths, unsorted_indices, axis=0)
    if not batch_first:
        out = out.transpose([1, 0, *range(2, out.ndim)])
    return out, lengths
''', deps=("PackedSequence",))

snippet("pack_sequence", '''
def pack_sequence(sequences, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_sequence: pack a list of tensors of shape [L_i, *]."""
    lengths = [int(s.shape[0]) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
''', deps=("pad_sequence", "pack_padded_sequence"))

snippet("unpad_sequence", '''
def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """torch.nn.utils.rnn.unpad_sequence: the list of tensors of shape [L_i, *] padded
    together."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose([1, 0, *range(2, padded_sequences.ndim)])
    lengths = lengths.tolist() if isinstance(lengths, paddle.Tensor) else lengths
    return [padded_sequences[i, :int(n)] for i, n in enumerate(lengths)]
''')

snippet("unpack_sequence", '''
def unpack_sequence(packed_sequences):
    """torch.nn.utils.rnn.unpack_sequence: the list of tensors a PackedSequence
    holds."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
''', deps=("pad_packed_sequence", "unpad_sequence"))
