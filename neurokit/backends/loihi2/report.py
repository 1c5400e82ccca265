"""The human-readable deploy report of a Loihi 2 artifact (from its manifest only)."""

from __future__ import annotations

from neurokit.backends.base import Artifact


def deploy_report(artifact: Artifact) -> str:
    """One line per layer (sizes, synapses, exponent, decays, threshold, cores, weight error) and the netx file."""
    m = artifact.manifest
    lines = [f"loihi2 artifact {artifact.path}: {m['cores']} neuro-core(s); run on {m['run_config']}"]
    for L, e in zip(m["layers"], m["quantization_error"]):
        lines.append(f"  {L['synapse']}->{L['neuron']:<10} {L['kind']:<3} {L['n_in']:>5}->{L['n']:<5} "
                     f"synapses {L['synapses']:>7}  weight_exp {L['weight_exp']:>3}  du {L.get('du', 4095):>4}  dv {L['dv']:>4}  vth {L['vth']}  "
                     f"cores {L['cores']}  weight error {e['weight_rel_rms'] * 100:.2f} % rms")
    netx = m.get("netx", {})
    if netx.get("file"):
        lines.append(f"  also written: {netx['file']} (lava-dl netx; load with hdf5.Network(path, "
                     f"input_message_bits={netx['input_message_bits']})), model.nir (float model)")
    else:
        lines.append("  also written: model.nir (float model); no netx.h5: " + "; ".join(netx.get("refused", [])))
    return "\n".join(lines)
