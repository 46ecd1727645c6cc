//! Function block: a non-linear element-wise function by table lookup (exp, sigmoid, tanh, erf,
//! GELU, sqrt, 1/x, log, sin, …: every `f` the compiler tabulates over the inputs a model can
//! reach, at fixed-point scale).
//!
//! Layout: one row per element: `a = x` (fetched by a wiring lookup), `c = a`, `d = y`, slot 3
//! looks up `(f, c, d)` in `f`'s table, and `d` is the new element's wiring entry.
//! Identity on `H`: `q_fn·(c − a) = 0`; the membership `(f, x, y) ∈ table` is the lookup block's.

use super::{Ctx, Fix, Row, Value, Wit};

pub fn constraints<V: Value>(r: &Row<V>, _ctx: &Ctx<V>, out: &mut Vec<V>) {
    out.push(r.f(Fix::QFn) * (r.w(Wit::C) - r.w(Wit::A)));
}
