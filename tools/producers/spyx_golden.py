"""Golden traces from spyx itself: export small nets with ``spyx.nir.to_nir``, run them in spyx on
seeded spike inputs, and store graph + inputs + outputs under ``tests/golden/producers/spyx/``.

Run by hand (never at test time), in a scratch venv (JAX on CPU; the venv is about 795 MB)::

    python3.11 -m venv /work/venvs/spyx
    /work/venvs/spyx/bin/pip install jax jaxlib dm-haiku optax spyx
    /work/venvs/spyx/bin/python tools/producers/spyx_golden.py

Versions used for the committed goldens: spyx 1.0.0 (flax.nnx based), jax/jaxlib 0.10.2, flax (as
installed with spyx), nir 1.0.8.

Every case stores ``input`` (T, B, ...) exactly as spyx was fed (time-major; channels-last for the
conv case), ``spikes`` (spyx's own run of the model, ``spyx.nn.run``), ``spikes_from_nir`` (spyx's own
re-import of the written file, ``spyx.nir.from_nir(graph, input, dt)``), membrane traces ``V/<layer>``
where the layer has one, and ``dt`` (the value passed to ``to_nir``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import flax
import jax
import jax.numpy as jnp
import nir
import numpy as np
import spyx
import spyx.nn as snn
import spyx.nir as snir
from flax import nnx

OUT = Path(__file__).resolve().parents[2] / "tests" / "golden" / "producers" / "spyx"
T, B = 60, 3


def versions() -> dict[str, str]:
    return {"spyx": spyx.__version__, "jax": jax.__version__, "flax": flax.__version__,
            "nir": getattr(nir, "version", getattr(nir, "__version__", "?")), "python": sys.version.split()[0]}


def spikes(rng: np.random.Generator, shape: tuple[int, ...], rate: float) -> np.ndarray:
    return (rng.random((T, B, *shape)) < rate).astype(np.float32)


def run_with_states(model: snn.Sequential, x: np.ndarray) -> tuple[np.ndarray, list]:
    """spyx's forward (time-major scan, as ``spyx.nn.run``) keeping every layer's state per step."""
    init = model.initial_state(x.shape[1])

    def step(state, x_t):
        out, new = model(x_t, state)
        return new, (out, new)

    _, (out, states) = jax.lax.scan(step, init, jnp.asarray(x))
    ref, _ = snn.run(model, jnp.asarray(x))
    assert np.array_equal(np.asarray(ref), np.asarray(out))
    return np.asarray(out), states


def save(name: str, model: snn.Sequential, x: np.ndarray, in_shape: tuple[int, ...], out_shape: tuple[int, ...],
         dt: float) -> None:
    graph = snir.to_nir(model, {"input": np.array(in_shape)}, {"output": np.array(out_shape)}, dt=dt)
    nir.write(OUT / f"{name}.nir", graph)
    y, states = run_with_states(model, x)
    arrays: dict[str, np.ndarray] = {"input": x, "spikes": y, "dt": np.array(dt)}
    for i, (layer, s) in enumerate(zip(model.layers, states)):
        if s is None:
            continue
        s = np.asarray(s)
        if isinstance(layer, (snn.CuBaLIF, snn.RCuBaLIF)):
            s = s[..., : s.shape[-1] // 2]  # VI = concat(V, I) on the last axis
        if s[0, 0].size <= 64:  # keep the files small: no membranes of the conv layer
            arrays[f"V/layer_{i}"] = s
    try:
        _, y_back = snir.from_nir(nir.read(OUT / f"{name}.nir"), jnp.asarray(x), dt=dt)
        arrays["spikes_from_nir"] = np.asarray(y_back)
    except Exception as exc:  # spyx's importer does not take every file its exporter writes
        print(f"  {name}: spyx.nir.from_nir failed: {type(exc).__name__}: {exc}")
    np.savez_compressed(OUT / f"{name}.npz", **arrays, **{f"version/{k}": np.array(v) for k, v in versions().items()})
    back = arrays.get("spikes_from_nir")
    same = "n/a" if back is None else bool(np.array_equal(back, y))
    print(f"{name}: T={x.shape[0]} B={x.shape[1]} spikes={int(y.sum())} of {y.size}, from_nir equal: {same}")


def set_param(p: nnx.Param, value: np.ndarray) -> None:
    p[...] = jnp.asarray(value, dtype=jnp.float32)


def dense(n_in: int, n_out: int, rng: np.random.Generator, mean: float, std: float, rngs: nnx.Rngs) -> nnx.Linear:
    lin = nnx.Linear(n_in, n_out, rngs=rngs)
    set_param(lin.kernel, rng.normal(mean, std, (n_in, n_out)))
    set_param(lin.bias, rng.normal(0.0, 0.02, n_out))
    return lin


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    rngs = nnx.Rngs(0)

    # --- IF (spyx.nn.IF), the exporter's default dt = 1
    model = snn.Sequential(dense(6, 10, rng, 0.35, 0.3, rngs), snn.IF((10,), threshold=1.0))
    save("if", model, spikes(rng, (6,), 0.3), (6,), (10,), dt=1)

    # --- LIF, dt = 1 ms
    lif = snn.LIF((10,), rngs=rngs)
    set_param(lif.beta, rng.uniform(0.7, 0.97, 10))
    model = snn.Sequential(dense(6, 10, rng, 0.3, 0.3, rngs), lif)
    save("lif", model, spikes(rng, (6,), 0.3), (6,), (10,), dt=1e-3)

    # --- CuBaLIF, dt = 1 ms
    cuba = snn.CuBaLIF((10,), rngs=rngs)
    set_param(cuba.alpha, rng.uniform(0.5, 0.9, 10))
    set_param(cuba.beta, rng.uniform(0.7, 0.95, 10))
    model = snn.Sequential(dense(6, 10, rng, 0.06, 0.12, rngs), cuba)
    save("cubalif", model, spikes(rng, (6,), 0.3), (6,), (10,), dt=1e-3)

    # --- two layers LIF -> CuBaLIF, dt = 0.5 ms
    lif = snn.LIF((12,), rngs=rngs)
    set_param(lif.beta, rng.uniform(0.8, 0.97, 12))
    cuba = snn.CuBaLIF((4,), rngs=rngs)
    set_param(cuba.alpha, rng.uniform(0.5, 0.9, 4))
    set_param(cuba.beta, rng.uniform(0.7, 0.95, 4))
    model = snn.Sequential(dense(5, 12, rng, 0.3, 0.3, rngs), lif, dense(12, 4, rng, 0.03, 0.15, rngs), cuba)
    save("two_layer", model, spikes(rng, (5,), 0.3), (5,), (4,), dt=5e-4)

    # --- recurrent: RIF, RLIF, RCuBaLIF (exported as nested NIRGraph subgraphs)
    rif = snn.RIF((8,), rngs=rngs)
    set_param(rif.recurrent_w, rng.normal(0.0, 0.3, (8, 8)))
    model = snn.Sequential(dense(6, 8, rng, 0.3, 0.3, rngs), rif)
    save("rif", model, spikes(rng, (6,), 0.3), (6,), (8,), dt=1)

    rlif = snn.RLIF((8,), rngs=rngs)
    set_param(rlif.beta, rng.uniform(0.7, 0.95, 8))
    set_param(rlif.recurrent_w, rng.normal(0.0, 0.3, (8, 8)))
    model = snn.Sequential(dense(6, 8, rng, 0.3, 0.3, rngs), rlif)
    save("rlif", model, spikes(rng, (6,), 0.3), (6,), (8,), dt=1e-3)

    rcuba = snn.RCuBaLIF((8,), rngs=rngs)
    set_param(rcuba.alpha, rng.uniform(0.5, 0.9, 8))
    set_param(rcuba.beta, rng.uniform(0.7, 0.95, 8))
    set_param(rcuba.recurrent_w, rng.normal(0.0, 0.15, (8, 8)))
    model = snn.Sequential(dense(6, 8, rng, 0.12, 0.15, rngs), rcuba)
    save("rcubalif", model, spikes(rng, (6,), 0.3), (6,), (8,), dt=1e-3)

    # --- PSU_LIF (reset-free leaky integrator + threshold; exported as LI -> Threshold) after a LIF layer
    #     (an LI node alone carries no dt: tau = dt/(1-beta) with r = 1; the LIF's r = beta fixes dt)
    lif = snn.LIF((10,), rngs=rngs)
    set_param(lif.beta, rng.uniform(0.7, 0.95, 10))
    psu = snn.PSU_LIF((6,), rngs=rngs)
    set_param(psu.beta, rng.uniform(0.6, 0.9, 6))
    model = snn.Sequential(dense(6, 10, rng, 0.3, 0.3, rngs), lif, dense(10, 6, rng, 0.1, 0.3, rngs), psu)
    save("psu_lif", model, spikes(rng, (6,), 0.3), (6,), (6,), dt=1e-3)

    # --- conv: Conv(2->3, 3x3, pad 1) -> LIF -> SumPool 2x2 -> Flatten -> Linear -> LIF (channels-last in spyx)
    conv = nnx.Conv(2, 3, kernel_size=(3, 3), strides=(1, 1), padding=((1, 1), (1, 1)), rngs=rngs)
    set_param(conv.kernel, rng.normal(0.15, 0.25, (3, 3, 2, 3)))
    set_param(conv.bias, np.zeros(3))
    lif1 = snn.LIF((8, 8, 3), rngs=rngs)
    set_param(lif1.beta, rng.uniform(0.7, 0.95, (8, 8, 3)))
    lif2 = snn.LIF((5,), rngs=rngs)
    set_param(lif2.beta, rng.uniform(0.7, 0.95, 5))
    model = snn.Sequential(conv, lif1, snn.SumPool((2, 2), (2, 2), "VALID"), snn.Flatten(),
                           dense(48, 5, rng, 0.01, 0.08, rngs), lif2)
    save("conv", model, spikes(rng, (8, 8, 2), 0.3), (2, 8, 8), (5,), dt=1e-3)


if __name__ == "__main__":
    main()
