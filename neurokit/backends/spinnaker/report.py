"""The human-readable deploy report of a SpiNNaker artifact."""

from __future__ import annotations

from neurokit.backends.base import Artifact


def deploy_report(artifact: Artifact) -> str:
    r = artifact.manifest["report"]
    return (f"spinnaker artifact {artifact.path} on {artifact.manifest['machine']}: {r['cores']} cores on {r['chips']} "
            f"chip(s), {r['synapses']} synapses; routing entries {r['routing_entries_before']} -> "
            f"{r['routing_entries_after']} after {r['compressor']} (max {r['max_entries_per_router']} per router of "
            f"{r['router_capacity']}); ~{r.get('expected_packets_per_step', r['expected_packets_per_step_at_10hz']):.1f} "
            f"packets per step at {r.get('spikes_per_second', 10.0):g} Hz; "
            f"placer: {r['placer']}; router: {r['router']}"
            + (f"; synaptic words max {r['max_synapses_per_core']} per core of {r['synapse_capacity_per_core']}"
               if "synapse_capacity_per_core" in r else "")
            + "".join(f"\n  machine figure {a}" for a in r.get("machine_assumptions", []))
            + "".join(f"\n  no PyNN script: {why}" for why in artifact.manifest.get("pynn", {}).get("why_not", [])))

