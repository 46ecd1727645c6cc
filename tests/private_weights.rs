//! The verifying key must not reveal the weights: two models of one architecture with different
//! weights (`weight_twins_b` has zeros, integers and an all-zero neuron where `weight_twins_a`
//! has random reals), compiled with one calibration, have the same public layout — every fixed
//! column but the hidden parameter column, the packed groups, the domain, the gate rows — and
//! verifying keys that differ only in the hidden commitments.

use std::path::PathBuf;

use ark_std::rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zktorch::blocks::Fix;
use zktorch::commands::{calibrated_ranges, compile_model, CalibratedLayout};
use zktorch::compiler::Circuit;
use zktorch::onnx::{read_input_json, Model};
use zktorch::pcs::Srs;
use zktorch::protocol::{keys, setup, VerifyingKey};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Both twins at scale `2^s` under one calibration: the union of their table ranges and the
/// larger of their sign bits (as `setup` would declare them for either). With `packed`, laid
/// out with packed groups of up to 8 gates (the automatic choice packs only when that shrinks
/// the domain, which it does not for models this small).
fn compile_twins(s: u32, packed: bool) -> [Circuit; 2] {
    let input = read_input_json(&fixture("weight_twins.input.json")).unwrap();
    let models = ["weight_twins_a.onnx", "weight_twins_b.onnx"].map(|n| Model::load(&fixture(n)).unwrap());
    let own = models.each_ref().map(|m| compile_model(m, &input, s, None).unwrap().0);
    let ranges: Vec<(i64, i64)> = calibrated_ranges(&own[0])
        .iter()
        .zip(calibrated_ranges(&own[1]))
        .map(|(a, b)| (a.0.min(b.0), a.1.max(b.1)))
        .collect();
    let sign_bits = own[0].sign_bits.max(own[1].sign_bits);
    let layout = CalibratedLayout { table_ranges: ranges, sign_bits, interpolated: vec![] };
    models.map(|m| {
        let (graph, auto) = compile_model(&m, &input, s, Some(&layout)).unwrap();
        if packed { Circuit::compile_packed(&graph, 8).unwrap() } else { auto }
    })
}

fn keys_of(c: &Circuit) -> VerifyingKey {
    let srs = Srs::insecure_dev(keys::srs_size_for(c.domain_size), &mut ChaCha20Rng::seed_from_u64(7));
    setup(c, &srs, &mut ChaCha20Rng::seed_from_u64(8)).unwrap().1
}

#[test]
fn layout_and_verifying_key_do_not_depend_on_the_weights() {
    for (s, packed) in [(8, false), (12, false), (12, true)] {
        let [a, b] = compile_twins(s, packed);
        assert_eq!((a.domain_size, a.gate_rows, a.table_entries), (b.domain_size, b.gate_rows, b.table_entries), "s = {s}");
        let param = Fix::Param as usize;
        for (k, (ca, cb)) in a.fixed.iter().zip(&b.fixed).enumerate() {
            if k != param {
                assert!(ca == cb, "s = {s}: fixed column {k} differs between the twins");
            }
        }
        assert_ne!(a.fixed[param], b.fixed[param], "s = {s}: the twins' weights should differ");
        // Forced packing: the dense layer (8 outputs) and the convolution (3 channels).
        assert!(!packed || a.packed_columns_used() >= 2, "s = {s}: nothing packed");
        assert_eq!(a.packed_columns_used(), b.packed_columns_used(), "s = {s}");
        let any_packed = a.packed_columns_used() > 0;
        assert_eq!(a.packed_weights != b.packed_weights, any_packed, "s = {s}: the twins' packed weights");

        let (va, vb) = (keys_of(&a), keys_of(&b));
        assert_eq!(
            (va.domain_size, va.scale_bits, va.num_inputs, va.num_outputs, &va.io_scale_bits),
            (vb.domain_size, vb.scale_bits, vb.num_inputs, vb.num_outputs, &vb.io_scale_bits)
        );
        assert_eq!((va.fixed_layout, &va.fixed_groups), (vb.fixed_layout, &vb.fixed_groups), "s = {s}: the public fixed columns' commitments");
        assert_ne!(va.param_commitment, vb.param_commitment, "s = {s}: commitment to the parameter column");
        let used = a.packed_columns_used();
        for (t, (pa, pb)) in va.packed_commitments.iter().zip(&vb.packed_commitments).enumerate() {
            assert_eq!(t < used, pa != pb, "s = {s}: commitment to packed column {t}");
        }
    }
}
