//! Convolutions and pools: im2col is only indexing here, so every output element is one dot
//! product (Conv, Deconv), one weighted sum (SumPool, i.e. AveragePool) or one max over its
//! window (MaxPool). Geometry (padding, strides, dilations, data and kernel formats, groups)
//! comes from tract's own `PoolSpec` and `KernelFormat` helpers.

use tract_onnx::prelude::*;
use tract_onnx::tract_core::ndarray::{indices, ArrayD, Dimension, IxDyn};
use tract_onnx::tract_core::ops::cnn::deconv::output_shape as deconv_output_shape;
use tract_onnx::tract_core::ops::cnn::{Deconv, KernelFormat, PaddingSpec, PoolSpec, SumPool};
use tract_onnx::tract_core::ops::nn::DataShape;

use super::{misuse, tract_err, Exprs};
use crate::compiler::graph::{Builder, ExprId};
use crate::Result;

/// Batch, channel and spatial coordinates of an index in `shape`.
fn split(shape: &DataShape, ix: &[usize]) -> (usize, usize, Vec<usize>) {
    let n = shape.n_axis().map_or(0, |a| ix[a]);
    let h = shape.h_axis();
    (n, ix[shape.c_axis()], ix[h..h + shape.hw_rank()].to_vec())
}

/// The index of `(n, c, hw)` in `shape`.
fn join(shape: &DataShape, n: usize, c: usize, hw: &[usize]) -> IxDyn {
    let mut ix = vec![0; shape.shape.len()];
    if let Some(a) = shape.n_axis() {
        ix[a] = n;
    }
    ix[shape.c_axis()] = c;
    ix[shape.h_axis()..shape.h_axis() + hw.len()].copy_from_slice(hw);
    IxDyn(&ix)
}

/// Input geometry of a pooling-like op on `x`: the data shape and the leading padding.
fn geometry(node: &TypedNode, spec: &PoolSpec, x: &Exprs) -> Result<(DataShape, DataShape, Vec<usize>)> {
    let ish = spec.data_format.shape(x.shape().iter().copied().collect::<TVec<usize>>()).map_err(|e| tract_err(node, e))?;
    let osh = spec.output_shape(x.shape()).map_err(|e| tract_err(node, e))?;
    let pads = spec.computed_padding(ish.hw_dims()).iter().map(|d| d.pad_before).collect();
    Ok((ish, osh, pads))
}

/// Kernel taps: for every flat kernel position, its offset along each spatial axis
/// (dilation applied).
fn taps(spec: &PoolSpec) -> Vec<Vec<usize>> {
    let dil = spec.dilations();
    let taps = indices(IxDyn(&spec.kernel_shape)).into_iter();
    taps.map(|k| k.slice().iter().zip(dil.iter()).map(|(k, d)| k * d).collect()).collect()
}

/// The input position a tap reads for output position `p`, if it is inside the input (not
/// padding).
fn tap_position(spec: &PoolSpec, ish: &DataShape, pads: &[usize], p: &[usize], tap: &[usize]) -> Option<Vec<usize>> {
    let strides = spec.strides();
    let mut pos = Vec::with_capacity(p.len());
    for i in 0..p.len() {
        let v = (p[i] * strides[i] + tap[i]) as isize - pads[i] as isize;
        if v < 0 || v as usize >= ish.hw_dims()[i] {
            return None;
        }
        pos.push(v as usize);
    }
    Some(pos)
}

/// The kernel as `[group, out/group, in/group, taps]` positions into `kernel`'s elements.
fn kernel_codes(node: &TypedNode, fmt: KernelFormat, group: usize, kernel: &Exprs) -> Result<ArrayD<i64>> {
    let codes: Vec<i64> = (0..kernel.len() as i64).collect();
    let t = Tensor::from_shape(kernel.shape(), &codes).map_err(|e| tract_err(node, e))?;
    let t = fmt.kernel_as_group_o_i_hw(&t, group).map_err(|e| tract_err(node, e))?;
    let view = t.to_plain_array_view::<i64>().map_err(|e| tract_err(node, e))?;
    Ok(view.to_owned())
}

/// The bias of output channel `c` (a scalar bias applies to all).
fn bias_of(bias: &[ExprId], c: usize) -> ExprId {
    bias[if bias.len() == 1 { 0 } else { c }]
}

/// `Conv`: each output is `Σ x[patch]·w + bias`; per batch element and group, the patches times
/// the kernel are one matrix product ([`Builder::matmul`]: positions × taps times taps × output
/// channels, padding entries the constant 0), then the bias is added.
#[allow(clippy::too_many_arguments)]
pub(super) fn conv(
    b: &mut Builder,
    node: &TypedNode,
    spec: &PoolSpec,
    fmt: KernelFormat,
    group: usize,
    x: &Exprs,
    kernel: &Exprs,
    bias: &Exprs,
) -> Result<Exprs> {
    let (ish, osh, pads) = geometry(node, spec, x)?;
    let codes = kernel_codes(node, fmt, group, kernel)?;
    let kflat: Vec<ExprId> = kernel.iter().copied().collect();
    let bias: Vec<ExprId> = bias.iter().copied().collect();
    let (ipg, opg) = (spec.input_channels / group, spec.output_channels / group);
    let taps = taps(spec);
    let zero = b.constant(0.0);
    let batch = osh.n_axis().map_or(1, |a| osh.shape[a]);
    let positions: Vec<Vec<usize>> = indices(IxDyn(osh.hw_dims())).into_iter().map(|p| p.slice().to_vec()).collect();
    let num_taps = taps.len();
    let inner = ipg * num_taps;
    let mut out: ArrayD<Option<ExprId>> = ArrayD::from_elem(IxDyn(&osh.shape), None);
    for n in 0..batch {
        for g in 0..group {
            let mut patches = Vec::with_capacity(positions.len() * inner);
            for p in &positions {
                for ic in 0..ipg {
                    for tap in &taps {
                        let at = tap_position(spec, &ish, &pads, p, tap);
                        patches.push(at.map_or(zero, |pos| x[join(&ish, n, g * ipg + ic, &pos)]));
                    }
                }
            }
            let weights: Vec<ExprId> = (0..inner)
                .flat_map(|i| (0..opg).map(move |oo| (i / num_taps, i % num_taps, oo)))
                .map(|(ic, t, oo)| kflat[codes[[g, oo, ic, t]] as usize])
                .collect();
            let y = b.matmul(&patches, &weights, (positions.len(), inner, opg))?;
            for (k, p) in positions.iter().enumerate() {
                for oo in 0..opg {
                    let oc = g * opg + oo;
                    out[join(&osh, n, oc, p)] = Some(b.add(y[k * opg + oo], bias_of(&bias, oc))?);
                }
            }
        }
    }
    let out: Vec<ExprId> = out.into_iter().collect::<Option<_>>().ok_or_else(|| misuse(node, "an output position is never computed"))?;
    ArrayD::from_shape_vec(IxDyn(&osh.shape), out).map_err(|e| misuse(node, e))
}

/// `Deconv` (ConvTranspose): each input element, times the kernel, is added to the output
/// window it spreads to; each output is one dot product over what reaches it, plus bias.
pub(super) fn deconv(b: &mut Builder, node: &TypedNode, op: &Deconv, x: &Exprs, kernel: &Exprs, bias: &Exprs) -> Result<Exprs> {
    let spec = &op.pool_spec;
    let ish = spec.data_format.shape(x.shape().iter().copied().collect::<TVec<usize>>()).map_err(|e| tract_err(node, e))?;
    let out_shape = deconv_output_shape(spec, x.shape(), &op.adjustments).map_err(|e| tract_err(node, e))?;
    let osh = spec.data_format.shape(out_shape).map_err(|e| tract_err(node, e))?;
    let pads: Vec<usize> = spec
        .padding
        .compute_for_deconv(ish.hw_dims(), &spec.kernel_shape, &spec.dilations(), &spec.strides(), &op.adjustments)
        .map_err(|e| tract_err(node, e))?
        .iter()
        .map(|d| d.pad_before)
        .collect();
    let codes = kernel_codes(node, op.kernel_format, op.group, kernel)?;
    let kflat: Vec<ExprId> = kernel.iter().copied().collect();
    let (ipg, opg) = (spec.input_channels / op.group, spec.output_channels / op.group);
    let strides = spec.strides();
    let taps = taps(spec);
    let volume: usize = osh.shape.iter().product();
    let mut acc: Vec<Vec<(ExprId, ExprId)>> = vec![Vec::new(); volume];
    let out_strides = osh.strides.clone();
    for i in indices(IxDyn(&ish.shape)) {
        let (n, ic, p) = split(&ish, i.slice());
        let (g, ii) = (ic / ipg, ic % ipg);
        for (t, tap) in taps.iter().enumerate() {
            let mut q = Vec::with_capacity(p.len());
            for a in 0..p.len() {
                let v = (p[a] * strides[a] + tap[a]) as isize - pads[a] as isize;
                if v < 0 || v as usize >= osh.hw_dims()[a] {
                    break;
                }
                q.push(v as usize);
            }
            if q.len() < p.len() {
                continue;
            }
            for oo in 0..opg {
                let at = join(&osh, n, g * opg + oo, &q);
                let flat: usize = at.slice().iter().zip(out_strides.iter()).map(|(i, s)| i * s).sum();
                acc[flat].push((x[i.slice()], kflat[codes[[g, oo, ii, t]] as usize]));
            }
        }
    }
    let bias: Vec<ExprId> = bias.iter().copied().collect();
    let mut out = Vec::with_capacity(volume);
    let one = b.constant(1.0);
    for (o, mut pairs) in indices(IxDyn(&osh.shape)).into_iter().zip(acc) {
        let (_, oc, _) = split(&osh, o.slice());
        pairs.push((one, bias_of(&bias, oc)));
        out.push(b.dot(&pairs)?);
    }
    ArrayD::from_shape_vec(IxDyn(&osh.shape), out).map_err(|e| misuse(node, e))
}

/// `SumPool` (AveragePool when normalized): the window sum, divided by the window size
/// counting padding (`count_include_pad`) or not.
pub(super) fn sum_pool(b: &mut Builder, node: &TypedNode, op: &SumPool, x: &Exprs) -> Result<Exprs> {
    let spec = &op.pool_spec;
    let (ish, osh, pads) = geometry(node, spec, x)?;
    let taps = taps(spec);
    let strides = spec.strides();
    let mut out = Vec::with_capacity(osh.shape.iter().product());
    for o in indices(IxDyn(&osh.shape)) {
        let (n, c, p) = split(&osh, o.slice());
        let window: Vec<ExprId> =
            taps.iter().filter_map(|tap| tap_position(spec, &ish, &pads, &p, tap)).map(|pos| x[join(&ish, n, c, &pos)]).collect();
        let weight = if !op.normalize {
            1.0
        } else if op.count_include_pad {
            // The whole kernel, except the overhang past the explicit padding in ceil mode.
            let count: usize = match &spec.padding {
                PaddingSpec::ExplicitOnnxPool(before, after, true) => (0..p.len())
                    .map(|a| {
                        let padded = before[a] + ish.hw_dims()[a] + after[a];
                        let dil = spec.dilation(a);
                        (0..spec.kernel_shape[a]).filter(|k| p[a] * strides[a] + k * dil < padded).count()
                    })
                    .product(),
                _ => taps.len(),
            };
            1.0 / count as f64
        } else {
            1.0 / window.len().max(1) as f64
        };
        let terms: Vec<(ExprId, f64)> = window.iter().map(|e| (*e, weight)).collect();
        out.push(b.linear(&terms, 0.0)?);
    }
    ArrayD::from_shape_vec(IxDyn(&osh.shape), out).map_err(|e| misuse(node, e))
}

/// `MaxPool`: the max over the window's elements inside the input.
pub(super) fn max_pool(b: &mut Builder, node: &TypedNode, spec: &PoolSpec, x: &Exprs) -> Result<Exprs> {
    let (ish, osh, pads) = geometry(node, spec, x)?;
    let taps = taps(spec);
    let mut out = Vec::with_capacity(osh.shape.iter().product());
    for o in indices(IxDyn(&osh.shape)) {
        let (n, c, p) = split(&osh, o.slice());
        let mut acc: Option<ExprId> = None;
        for pos in taps.iter().filter_map(|tap| tap_position(spec, &ish, &pads, &p, tap)) {
            let e = x[join(&ish, n, c, &pos)];
            acc = Some(match acc {
                None => e,
                Some(m) => b.max(m, e)?,
            });
        }
        out.push(acc.ok_or_else(|| misuse(node, "a pooling window lies entirely in the padding"))?);
    }
    ArrayD::from_shape_vec(IxDyn(&osh.shape), out).map_err(|e| misuse(node, e))
}
