//! Calibration: what `setup` declares about a model besides its weights, from the model's
//! behaviour on calibration samples: the fixed-point scale, every lookup table's input range,
//! the sign bits of the rescales, and which functions are interpolated
//! ([`crate::compiler::interpolate`]). `prove` lays the model out again from the same
//! declaration ([`CalibratedLayout`], kept in settings.json).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::compiler::graph::{ElementGraph, Func, Table};
use crate::compiler::interpolate::{self, Interp};
use crate::compiler::{check_scale_bits, domain_size_of, Circuit};
use crate::onnx;
use crate::{Error, Result};

/// The layout a model gets besides its scale: declared at setup, used again at prove.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CalibratedLayout {
    /// Input range `[min, max]` (integers at the table's input scale; knots for interpolation
    /// tables) of every lookup table, in the graph's order.
    pub table_ranges: Vec<(i64, i64)>,
    /// Bits of a rescale's high limb (sign table of `2^h` entries).
    pub sign_bits: u32,
    /// The interpolated functions, by their direct table's id.
    pub interpolated: Vec<(String, Interp)>,
}

/// What the automatic scale choice aims at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum Target {
    /// Max abs output error within 0.05 % of the largest float output, finer where that costs
    /// no larger domain.
    #[default]
    Accuracy,
    /// The smallest scale within 0.25 %, for the smallest circuits.
    Resources,
}

/// Relative error budget of [`Target::Accuracy`]: the worst output error over the calibration
/// samples, as a fraction of the largest |float output| over them.
pub const ACCURACY_ERROR: f64 = 0.0005;
/// Scales [`Target::Accuracy`] compares, finest first (range checks by limbs cost the same rows
/// from 2^11 to 2^20; direct checks, on domains of at least `2^(s+1)` rows, none).
const ACCURACY_SCALES: [u32; 7] = [20, 16, 14, 13, 12, 10, 8];
/// A domain [`Target::Accuracy`] takes for accuracy whatever the smallest one is (2^16 rows
/// prove in about a second on 2 cores).
pub const AFFORDABLE_DOMAIN: usize = 1 << 16;
/// A domain small enough that [`Target::Accuracy`] takes the finest scale within budget that
/// fits it even when a coarser scale fits a smaller one (2^12 rows prove in about 0.2 s).
pub const CHEAP_DOMAIN: usize = 1 << 12;
/// Relative error budget of [`Target::Resources`].
pub const RESOURCES_ERROR: f64 = 0.0025;
/// Scales [`Target::Resources`] scans, smallest first.
const RESOURCES_SCALES: std::ops::RangeInclusive<u32> = 7..=13;

/// One calibration sample: the model's inputs and the float model's outputs on them.
#[derive(Clone, Debug)]
pub struct Sample {
    pub inputs: Vec<Vec<f64>>,
    pub float_outputs: Vec<f64>,
}

impl Sample {
    /// Runs the float model on `inputs`.
    pub fn new(model: &onnx::Model, inputs: Vec<Vec<f64>>) -> Result<Self> {
        let float_outputs = model.run_float(&inputs)?;
        Ok(Self { inputs, float_outputs })
    }
}

/// What the calibration samples declare at one scale, with the worst error of each output over
/// the samples and the domain the layout needs.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub scale_bits: u32,
    pub layout: CalibratedLayout,
    /// Per output, the largest `|quantized − float|` over the samples.
    pub output_errors: Vec<f64>,
    pub domain_size: usize,
}

impl Calibration {
    /// The worst output error over the samples relative to the largest |float output|.
    fn relative_error(&self, samples: &[Sample]) -> f64 {
        let peak = samples.iter().flat_map(|x| &x.float_outputs).fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
        self.output_errors.iter().fold(0.0, |m: f64, e| m.max(*e)) / peak
    }
}

/// Each table's observed input range widened by a quarter of its span (at least one unit of the
/// input scale) on both sides, so that inputs near the calibration samples still prove (for a
/// function singular at 0, a range on one side of 0 is widened towards it by at most half its
/// nearest end, so it stays there: ln, √x, 1/x keep their tables where they are defined), then
/// rounded outwards to `0` or `±2^k`: the ranges are public (settings.json, the VK's table
/// columns) and the activations they bound depend on the weights, so they say no more than the
/// bit length of the extreme activations (an exact range would give away, say, the extreme
/// biases of a layer calibrated on a zero input). A composite with a singular function in it
/// stops short of its first undefined input ([`defined_around`]).
pub fn calibrated_ranges(g: &ElementGraph) -> Vec<(i64, i64)> {
    g.tables
        .iter()
        .map(|t| {
            let margin = ((t.max - t.min) / 4).max(1 << t.in_scale);
            let mut lo = t.min.saturating_sub(margin);
            let mut hi = t.max.saturating_add(margin);
            if t.func.singular_at_zero() && t.min > 0 {
                lo = lo.max(t.min / 2);
            }
            if t.func.singular_at_zero() && t.max < 0 {
                hi = hi.min(t.max / 2);
            }
            // No wire holds more than `max_wire` (a bound set by the scale alone).
            let wire = crate::compiler::graph::max_wire(g.scale_bits);
            let range = (-(power_of_two_outwards(-lo).min(wire + 1)), power_of_two_outwards(hi).min(wire));
            match t.func {
                Func::Composite(_) if t.func.singular_at_zero() => defined_around(t, range),
                _ => range,
            }
        })
        .collect()
}

/// `range` cut short of the first input on either side of the observed `[t.min, t.max]` where
/// `t`'s function is undefined: a composite's singular function may have its pole anywhere in
/// its source's range (`1/(2x − 4)` at `x = 2`), and the widening is judged on the source. The
/// cut is a function of the public rounded range and the public function, so it says no more.
fn defined_around(t: &Table, (lo, hi): (i64, i64)) -> (i64, i64) {
    let defined = |x: i64| t.func.eval(x as f64 / (1u64 << t.in_scale) as f64).is_some();
    let lo = (lo..t.min.max(lo)).rev().find(|x| !defined(*x)).map_or(lo, |x| x + 1);
    let hi = (t.max.min(hi) + 1..=hi).find(|x| !defined(*x)).map_or(hi, |x| x - 1);
    (lo, hi)
}

/// The smallest `0` or `±2^k` at or beyond `x` in its direction (`x ≥ 0`: the next power of two
/// at or above; `x < 0`: the largest power of two at or below `|x|`, negated), saturating.
fn power_of_two_outwards(x: i64) -> i64 {
    if x > 0 {
        (x as u64).checked_next_power_of_two().map_or(i64::MAX, |p| p.min(i64::MAX as u64) as i64)
    } else if x < 0 {
        -(1i64 << (63 - x.unsigned_abs().leading_zeros()))
    } else {
        0
    }
}

/// The samples' graphs at one scale, merged: the union of the table ranges, the largest sign
/// bits any sample needs and the worst error of each output.
struct Union {
    graph: ElementGraph,
    sign_bits: u32,
    output_errors: Vec<f64>,
}

fn union_over(model: &onnx::Model, samples: &[Sample], s: u32, plan: &[(String, Interp)]) -> Result<Union> {
    let mut union: Option<ElementGraph> = None;
    let (mut sign_bits, mut output_errors) = (1, Vec::new());
    for sample in samples {
        let g = model.build_with(&sample.inputs, s, plan)?;
        sign_bits = sign_bits.max(g.calibrated_sign_bits());
        let errors = g.output_reals().iter().zip(&sample.float_outputs).map(|(q, f)| (q - f).abs()).collect();
        output_errors = elementwise_max(output_errors, errors);
        match &mut union {
            Some(u) => u.cover(&g)?,
            None => union = Some(g),
        }
    }
    let graph = union.ok_or_else(|| Error::Usage("no calibration sample".into()))?;
    Ok(Union { graph, sign_bits, output_errors })
}

/// Builds `model` on every sample at scale `2^s` and declares the calibration that covers them
/// all: the tables' ranges from the samples built with direct tables, then the functions worth
/// interpolating ([`interpolate::plan`]) and, if there are any, the samples built again with
/// them (whose sign bits and errors count). Errors: a sample the model cannot be built on at
/// this scale (naming the node), or no sample.
pub fn calibrate(model: &onnx::Model, samples: &[Sample], s: u32) -> Result<Calibration> {
    check_scale_bits(s)?;
    let direct = union_over(model, samples, s, &[])?;
    let ranges = calibrated_ranges(&direct.graph);
    let interpolated = interpolate::plan(&direct.graph, &ranges);
    let (mut union, table_ranges) = if interpolated.is_empty() {
        (direct, ranges)
    } else {
        let by_id: HashMap<String, (i64, i64)> = direct.graph.tables.iter().map(|t| t.id()).zip(ranges).collect();
        let union = union_over(model, samples, s, &interpolated)?;
        let ranges = interpolate::ranges_under_plan(&union.graph.tables, &by_id);
        (union, ranges)
    };
    union.graph.apply_table_ranges(&table_ranges)?;
    union.graph.apply_sign_bits(union.sign_bits)?;
    let domain_size = domain_size_of(&union.graph)?;
    let layout = CalibratedLayout { table_ranges, sign_bits: union.sign_bits, interpolated };
    Ok(Calibration { scale_bits: s, layout, output_errors: union.output_errors, domain_size })
}

/// `max(a_i, b_i)`, the longer list's tail kept.
fn elementwise_max(a: Vec<f64>, b: Vec<f64>) -> Vec<f64> {
    let (mut long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    long.iter_mut().zip(short).for_each(|(x, y)| *x = x.max(y));
    long
}

/// The calibration at the scale `setup` picks for `samples`. [`Target::Accuracy`]: among the
/// affordable [`ACCURACY_SCALES`] (a domain of at most twice the smallest, or at most
/// [`AFFORDABLE_DOMAIN`]) within [`ACCURACY_ERROR`], the finest whose domain is the smallest of
/// them or at most [`CHEAP_DOMAIN`]; when none is within budget, the most accurate affordable one (a finer scale
/// that only a much larger table makes more accurate, such as 1/√x of a small variance, is not
/// worth it by default). [`Target::Resources`]: the smallest scale
/// within [`RESOURCES_ERROR`], else the most accurate one. Only scales that build on every
/// sample count.
pub fn calibrate_scale(model: &onnx::Model, samples: &[Sample], target: Target) -> Result<Calibration> {
    let (scales, budget): (Vec<u32>, f64) = match target {
        Target::Accuracy => (ACCURACY_SCALES.to_vec(), ACCURACY_ERROR),
        Target::Resources => (RESOURCES_SCALES.collect(), RESOURCES_ERROR),
    };
    let mut built: Vec<(f64, Calibration)> = Vec::new();
    let mut first_error = None;
    for s in scales {
        match calibrate(model, samples, s) {
            Ok(c) => {
                let err = c.relative_error(samples);
                if err <= budget && target == Target::Resources {
                    return Ok(c);
                }
                built.push((err, c));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let smallest = built.iter().map(|(_, c)| c.domain_size).min();
    let Some(smallest) = smallest else {
        return Err(first_error.expect("the scale lists are not empty"));
    };
    let affordable = |c: &Calibration| target == Target::Resources || c.domain_size <= (2 * smallest).max(AFFORDABLE_DOMAIN);
    // Finest first: the first within budget whose domain is the smallest of those, or cheap.
    let in_budget: Vec<&(f64, Calibration)> = built.iter().filter(|(e, c)| *e <= budget && affordable(c)).collect();
    let fitting = in_budget.iter().map(|(_, c)| c.domain_size).min().map(|d| d.max(CHEAP_DOMAIN));
    let within = in_budget.into_iter().find(|(_, c)| Some(c.domain_size) <= fitting);
    let most_accurate = built.iter().filter(|(_, c)| affordable(c)).min_by(|a, b| a.0.total_cmp(&b.0));
    Ok(within.or(most_accurate).expect("the smallest domain is affordable").1.clone())
}

/// Builds the element graph of `model` on `inputs` at scale `s` under the layout declared at
/// setup (or, without one, the layout [`calibrate`] declares for `inputs` alone), applies the
/// table ranges and sign bits, and compiles the circuit.
pub fn compile_model(model: &onnx::Model, inputs: &[Vec<f64>], scale_bits: u32, declared: Option<&CalibratedLayout>) -> Result<(ElementGraph, Circuit)> {
    check_scale_bits(scale_bits)?;
    let own;
    let layout = match declared {
        Some(l) => l,
        None => {
            own = calibrate(model, &[Sample { inputs: inputs.to_vec(), float_outputs: Vec::new() }], scale_bits)?.layout;
            &own
        }
    };
    if let Some((id, _)) = layout.interpolated.iter().find(|(_, ip)| !ip.is_valid_at(scale_bits)) {
        return Err(Error::KeyMismatch(format!("the settings interpolate {id} in a way setup never does at scale 2^{scale_bits}")));
    }
    let mut g = model.build_with(inputs, scale_bits, &layout.interpolated)?;
    g.apply_table_ranges(&layout.table_ranges)?;
    g.apply_sign_bits(layout.sign_bits)?;
    let circuit = Circuit::compile(&g)?;
    Ok((g, circuit))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interpolation setup never plans (read from an edited settings.json) is one error, not
    /// a panic in the builder (a review's finding: `k = 0` underflowed a shift).
    #[test]
    fn an_impossible_interpolation_in_the_settings_is_one_error() {
        let fixture = |n: &str| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(n);
        let model = onnx::Model::load(&fixture("attention_tiny.onnx")).unwrap();
        let inputs = onnx::read_input_json(&fixture("attention_tiny.input.json")).unwrap();
        for ip in [Interp { step_bits: 0, slope_bits: 0 }, Interp { step_bits: 64, slope_bits: 4 }, Interp { step_bits: 8, slope_bits: 3 }] {
            let layout = CalibratedLayout { interpolated: vec![("exp@10->10".into(), ip)], ..Default::default() };
            let err = compile_model(&model, &inputs, 10, Some(&layout)).unwrap_err();
            assert!(matches!(err, Error::KeyMismatch(_)), "{ip:?}: {err}");
        }
    }
}
